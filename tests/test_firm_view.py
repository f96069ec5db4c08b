"""Named firms as Mesa agents: `m.firm(name)`, what a firm sees (`FirmView`), and decisions made
from outside through its `decider` (a scripted counterpart, as Axelrod's MockPlayer).

Classroom: Microsoft, Meta, Tesla, X, xAI; Tesla starts with 20,000 installed, orders truthfully,
bids at most $42,000; the first quoted lead time is the 13-week booking horizon.
"""

from __future__ import annotations

import pandas as pd
import pytest

from agents.buyer import BuyerFirm
from model.market import GpuMarket
from model.records import EventKind, FirmDecision, FirmView

FIRMS = ["Microsoft", "Meta", "Tesla", "X", "xAI"]


def run(steps: int = 8, deciders: dict | None = None, **overrides: object) -> GpuMarket:
    m = GpuMarket("classroom", steps=steps, overrides=overrides or None)
    for name, decider in (deciders or {}).items():
        m.firm(name).decider = decider
    return m.run()


def rows(m: GpuMarket, firm: str) -> pd.DataFrame:
    f = m.firms_table()
    return f[f.firm == firm].set_index("step")


def assert_same_tables(a: GpuMarket, b: GpuMarket) -> None:
    for name in ("model", "firms", "events"):
        pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name])


def test_firm_properties_are_the_last_row_of_the_firms_table() -> None:
    m = run(6)
    last = m.firms_table().groupby("firm").last()
    assert [f.name for f in m.firms] == FIRMS
    for f in m.firms:
        row = last.loc[f.name]
        got = (f.installed, f.idle, f.backlog, f.need, f.ordered, f.in_transit, f.owner)
        want = ("installed", "idle", "backlog", "need", "ordered", "in_transit", "owner")
        assert got == tuple(row[c] for c in want), f.name
    assert m.firm("Tesla").owner == "Musk" and m.firm("Meta").owner == ""
    tesla = m.firm("Tesla")
    assert repr(tesla) == f"BuyerFirm('Tesla', installed={tesla.installed}, idle={tesla.idle})"


def test_an_unknown_firm_raises_key_error_naming_the_firms() -> None:
    m = GpuMarket("classroom", steps=1)
    with pytest.raises(KeyError, match="no firm 'Nvidia'; firms: Microsoft, Meta, Tesla, X, xAI"):
        m.firm("Nvidia")


def test_long_tail_buyers_are_not_firm_agents() -> None:
    m = GpuMarket("long-tail", steps=1)
    named = len(m.config.firms)
    assert m.buyers.n == named + 500 and len(m.firms) == named
    assert len(m.agents_by_type[BuyerFirm]) == named
    assert [f.index for f in m.firms] == list(range(named))
    with pytest.raises(KeyError):
        m.firm("Small-00001")


def test_week_follows_steps_up_to_the_horizon_and_stays_there() -> None:
    m = GpuMarket("classroom", steps=3)
    assert m.week == m.steps == 0 and m.running
    for k in (1, 2, 3):
        m.step()
        assert m.week == m.steps == k
    tables = {k: v.copy() for k, v in m.tables().items()}
    m.step()
    m.step()
    assert m.steps == 5 and m.week == 3 and not m.running
    for name, table in tables.items():
        pd.testing.assert_frame_equal(m.tables()[name], table)


def test_ordering_what_the_strategy_suggests_changes_nothing() -> None:
    follow = {name: (lambda v: FirmDecision(v.suggested)) for name in FIRMS}
    assert_same_tables(run(8, follow), run(8))


def test_a_decider_returning_none_leaves_the_strategy() -> None:
    seen: list[int] = []
    m = run(8, {"Tesla": lambda v: seen.append(v.week)})  # list.append returns None
    assert seen == list(range(8))
    assert_same_tables(m, run(8))


def test_ordering_nothing_from_week_3_gets_nothing_from_week_3() -> None:
    """Weeks 0-2 are the undisturbed run's; from week 3 Tesla orders and is granted 0, and its
    whole open book (week 2's backlog) is cancelled in week 3."""
    m = run(8, {"Tesla": lambda v: FirmDecision(0) if v.week >= 3 else None})
    base = run(8)
    early = m.firms_table()[m.firms_table().step < 3]
    pd.testing.assert_frame_equal(early, base.firms_table()[base.firms_table().step < 3])
    tesla, before = rows(m, "Tesla"), rows(base, "Tesla")
    assert tesla.loc[3:, "ordered"].tolist() == [0] * 5
    assert tesla.loc[3:, "granted"].tolist() == [0] * 5
    assert before.loc[3:, "granted"].min() > 0  # undisturbed, Tesla is granted units
    assert tesla.loc[3, "cancelled"] == before.loc[2, "backlog"] > 0
    (cancel,) = [e for e in m.events if e.kind is EventKind.CANCELLATION and e.firm == "Tesla"]
    assert (cancel.step, cancel.units) == (3, before.loc[2, "backlog"])


def test_a_negative_order_is_no_order() -> None:
    m = run(2, {"Tesla": lambda v: FirmDecision(-500)})
    assert rows(m, "Tesla").ordered.tolist() == [0, 0]


def test_the_view_is_what_the_firm_saw() -> None:
    """Need, slots and this week's price are this week's; installed, idle, in transit, backlog and
    the quoted lead time are as they stood at the end of last week (start: 20,000 installed,
    nothing else, a 13-week quote). Tesla orders truthfully: it is told to order its need."""
    views: list[FirmView] = []
    m = run(8, {"Tesla": lambda v: views.append(v)})
    t = rows(m, "Tesla")
    assert [v.week for v in views] == list(range(8)) and {v.firm for v in views} == {"Tesla"}
    start = views[0]
    assert (start.installed, start.idle, start.in_transit, start.backlog) == (20_000, 0, 0, 0)
    assert (start.lead_time_weeks, start.fill_rate, start.max_price_usd) == (13.0, 1.0, 42_000.0)
    for v in views:
        assert v.need == t.need[v.week] and v.suggested == v.need == t.ordered[v.week]
        assert v.slots == t.slots[v.week] and v.price_usd == t.price_usd[v.week]
    for v in views[1:]:
        earlier = t.loc[v.week - 1]
        assert (v.installed, v.idle, v.in_transit, v.backlog) == tuple(
            earlier[["installed", "idle", "in_transit", "backlog"]]
        )
        assert v.lead_time_weeks == earlier.lead_time_weeks


def test_a_higher_bid_wins_the_auction() -> None:
    """Week 0 under the auction: 10,000 units; bids xAI 33,333 at $45k, Tesla 15,000 at $42k, the
    rest lower. Undisturbed, xAI takes all 10,000 and the (K+1)-th unit is its own: $45k. Tesla
    bidding $50k takes all 10,000 at its own price, and xAI gets nothing."""
    auction = {"market.mechanism": "auction", "owner.policy": "none"}
    bid = {"Tesla": lambda v: FirmDecision(v.suggested, max_price_usd=50_000.0)}
    base, m = run(1, **auction), run(1, bid, **auction)
    week0 = rows(base, "xAI").loc[0], rows(base, "Tesla").loc[0]
    assert (week0[0].granted, week0[0].price_usd, week0[1].granted) == (10_000, 45_000.0, 0)
    won = rows(m, "Tesla").loc[0], rows(m, "xAI").loc[0]
    assert (won[0].granted, won[0].price_usd, won[1].granted) == (10_000, 50_000.0, 0)


def test_a_bid_below_the_reserve_holds_from_then_on() -> None:
    """Tesla bids $11k (below the $12k reserve) in week 0 only; the bid holds: it is never served,
    though undisturbed it is served in week 1."""
    auction = {"market.mechanism": "auction", "owner.policy": "none"}
    views: list[FirmView] = []

    def low(v: FirmView) -> FirmDecision | None:
        views.append(v)
        return FirmDecision(v.suggested, max_price_usd=11_000.0) if v.week == 0 else None

    m, base = run(3, {"Tesla": low}, **auction), run(3, **auction)
    assert rows(base, "Tesla").granted[1] > 0
    assert rows(m, "Tesla").granted.tolist() == [0, 0, 0]
    assert [v.max_price_usd for v in views] == [42_000.0, 11_000.0, 11_000.0]
