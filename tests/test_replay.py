"""The December 2023 episode as the baseline replays it, checked event by event.

The memo (Nvidia, December 2023, via CNBC): Musk was "redirecting 12k of shipped H100 GPUs
originally slated for Tesla to X instead. In exchange, original X orders of 12k H100 slated for
Jan and June [2024] to be redirected to Tesla."
"""

from __future__ import annotations

import pandas as pd
import pytest

from model.market import GpuMarket
from model.scenario import scenario_names

MEMO = "the December 2023 memo"


@pytest.fixture(scope="module")
def baseline() -> GpuMarket:
    return GpuMarket("baseline").run()


def events(m: GpuMarket, kind: str, firm: str, other: str) -> pd.DataFrame:
    e = m.events_table()
    return e[(e.kind == kind) & (e.firm == firm) & (e.other_firm == other)]


def test_twelve_thousand_shipped_units_go_from_tesla_to_x_in_december_2023(baseline) -> None:
    moves = events(baseline, "swap", "Tesla", "X")
    memo = moves[moves.text.str.contains(MEMO)]
    assert memo.date.min() == "2023-12-04" and memo.date.max() <= "2023-12-25"
    assert memo.units.sum() == 12_000
    first = memo.iloc[0].text
    assert "shipped GPUs from Tesla to X" in first
    assert "in exchange X's 12,000 units slated for January and June 2024 go to Tesla" in first
    assert memo.iloc[-1].text.endswith(f"(12,000 of 12,000) ({MEMO})")
    f = baseline.firms_table()
    december = f[(f.date >= "2023-12-04") & (f.date <= "2023-12-25")]
    by_firm = december.groupby("firm")[["redirected_out", "redirected_in"]].sum()
    assert by_firm.loc["Tesla", "redirected_out"] == 12_000
    assert by_firm.loc["X", "redirected_in"] == 12_000


def test_x_repays_tesla_in_january_and_june_2024(baseline) -> None:
    repaid = events(baseline, "swap_repay", "X", "Tesla")
    repaid = repaid[repaid.text.str.contains(MEMO)]
    january = repaid[repaid.date.str.startswith("2024-01")]
    june = repaid[repaid.date.str.startswith("2024-06")]
    assert january.units.sum() == 6_000 and june.units.sum() == 6_000
    assert repaid.units.sum() == 12_000  # nothing else is owed back for the memo
    assert (repaid.friction == 0.5 * repaid.units / 1000).all()  # reschedules, 0.5 per 1,000


def test_the_counterfactual_has_no_memo() -> None:
    m = GpuMarket("no-redirect").run()
    e = m.events_table()
    assert not e.kind.isin(["redirect", "swap", "swap_repay"]).any()
    assert m.model_table().friction_redirect.sum() == 0


def test_statements_are_charged_from_the_day_they_were_made(baseline) -> None:
    """Tesla's "~85k by end-2024" was said on the Q1 2024 call (23 April 2024); Meta's "350k H100
    by end of 2024" in January 2024. No gap is charged before the statement exists."""
    e = baseline.events_table()
    tesla = e[(e.kind == "discrepancy") & (e.firm == "Tesla")].iloc[0]
    assert tesla.date == "2024-04-22"  # the week holding 23 April 2024
    assert tesla.text.startswith("Tesla says 85,000 GPUs; its bookings imply")
    t = baseline.model_table()
    assert t[t.date < "2024-01-15"].friction_discrepancy.sum() == 0
    assert t[t.date == "2024-04-22"].friction_discrepancy.iloc[0] > 0


def moved_away_by_policy(m: GpuMarket) -> int:
    e = m.events_table()
    policy = e[e.kind.isin(["redirect", "swap"]) & ~e.text.str.contains(MEMO)]
    return int(policy[policy.firm == "Tesla"].units.sum())


def test_an_earlier_data_centre_keeps_units_at_tesla() -> None:
    """The readiness policy only moves what Tesla cannot switch on: with Giga Texas ready
    earlier, fewer of Tesla's units are moved away (none when it is ready 20 weeks earlier)."""
    shifts = (8, 0, -20, -52)
    moved = [
        moved_away_by_policy(
            GpuMarket("baseline", overrides={"firms.Tesla.ready_shift_weeks": s}).run()
        )
        for s in shifts
    ]
    assert moved[0] >= moved[1] > moved[2] == moved[3] == 0


def memo_only(shift: int) -> pd.DataFrame:
    overrides = {"firms.Tesla.ready_shift_weeks": shift, "owner.policy": "none"}
    f = GpuMarket("baseline", overrides=overrides).run().firms_table()
    return f[f.firm == "Tesla"]


def test_an_earlier_data_centre_makes_the_memo_cost_tesla_more() -> None:
    """With room to switch the units on, the 12,000 Tesla lost in December were GPU-weeks of
    use lost; with its slots full, they would have sat idle ("no place to turn them on")."""
    lost = [float(memo_only(s).owner_cost_usd.iloc[-1]) for s in (8, 0, -20, -52)]
    assert lost == sorted(lost) and lost[0] < lost[-1]
    behind = []
    for shift in (0, -52):
        counterfactual = GpuMarket(
            "no-redirect", overrides={"firms.Tesla.ready_shift_weeks": shift}
        ).run()
        cf = counterfactual.firms_table()
        cf = cf[cf.firm == "Tesla"].installed.to_numpy()
        behind.append(int((memo_only(shift).installed.to_numpy() < cf).sum()))
    assert behind[0] < behind[1]  # weeks Tesla's installed base trails the counterfactual


@pytest.mark.parametrize("name", scenario_names())
def test_no_scenario_looks_broken(name: str) -> None:
    """Unsold stock stays within a few weeks of output; every halving of the week's allocation
    has an event saying why; the last weeks of the horizon still allocate."""
    m = GpuMarket(name).run()
    t = m.model_table()
    weeks = m.config.supply.max_stock_weeks + 2  # the cap plus the week it takes to react
    assert (t.stock <= weeks * t.capacity.max()).all()
    halved = t.index[(t.allocated < 0.5 * t.allocated.shift(1))].tolist()
    explained = set(m.events_table().query("kind == 'allocation_drop'").step)
    assert set(t.step[halved]) <= explained
    assert (t.allocated.tail(4) > 0).all()
