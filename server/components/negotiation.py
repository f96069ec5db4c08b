"""One buyer's price negotiation with Nvidia this week: both sides' offers and aspiration curves.

It replays the market's own engine (`model.negotiation`) for one buyer with that buyer's traits and
this week's list price, seller first as in the `negotiation` mechanism. Patience and concession can
be varied here without touching the run, to show how bargaining power moves the price.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import solara

from model.concession import CONCESSION as CONCESSION_EXPONENT
from model.market import GpuMarket
from model.mechanisms.negotiated import price_parties
from model.negotiation import NegotiationResult, Party, negotiate
from model.params import walk
from model.records import MechanismContext
from model.scenario import CONCESSION_CHOICES, Firm
from server.components.common import clean, heading
from server.components.echart import EChart
from server.components.inputs import LabelledSlider, Menu, Refused, read_choice, use_refusal
from server.levers import read_number
from server.session import use_tick

PATIENCE = next(p.meta for p in walk(Firm(name="_")) if p.path == "patience")
PATIENCE_FLOOR = 0.5  # below this the buyer concedes almost everything in round two: nothing to see
PATIENCE_RANGE = (max(PATIENCE_FLOOR, PATIENCE.min or 0.0), PATIENCE.max or 1.0)  # the slider's
PATIENCE_LABEL = "Buyer's patience (weekly discount factor)"
CONCESSION_LABEL = "Buyer's concession"


@dataclass(frozen=True)
class Bargain:
    """A replayed negotiation and the price scale it ran on."""

    result: NegotiationResult
    buyer: str
    cost: float
    top: float  # seller's best price
    ceiling: float  # buyer's highest price
    rounds: int
    granted: int | None = None  # units the firm was allocated in the week shown (None: none yet)
    ordered: int | None = None  # its open order that week


def _row(party: Party) -> Party:
    """The first negotiation of a batch-shaped party, as the scalar engine wants it."""
    first = lambda x: float(np.ravel(x)[0])  # noqa: E731
    return Party(
        party.name,
        np.asarray(party.utilities)[0],
        first(party.exponent),
        first(party.reserved),
        first(party.patience),
    )


def bargain(m: GpuMarket, firm: str, concession: str, patience: float) -> Bargain:
    """Run Nvidia vs `firm` at this week's list price with the given buyer strategy."""
    f, mk = m.firm(firm), m.config.market
    table = m.model_table()
    price = float(table.price_usd.iloc[-1]) if len(table) else mk.list_price_usd
    ctx = MechanismContext.neutral(
        1,
        max_price=np.array([f.max_price_usd]),
        patience=np.array([patience]),
        concession=np.array([CONCESSION_EXPONENT[concession]]),
        list_price=price,
        cost_price=mk.cost_price_usd,
        seller_concession=CONCESSION_EXPONENT[mk.seller_concession],
        negotiation_rounds=mk.negotiation_rounds,
    )
    prices, seller, buyer = price_parties(ctx)
    result = negotiate(prices[0].tolist(), _row(seller), _row(buyer), mk.negotiation_rounds)
    top = float(max(price, f.max_price_usd))
    ft = m.firms_table()
    mine = ft[ft.firm == firm]
    granted, ordered = (
        (int(mine.granted.iloc[-1]), int(mine.ordered.iloc[-1])) if len(mine) else (None, None)
    )
    return Bargain(
        result,
        firm,
        mk.cost_price_usd,
        top,
        f.max_price_usd,
        mk.negotiation_rounds,
        granted,
        ordered,
    )


def bargain_option(b: Bargain) -> dict[str, Any]:
    """Offers as points, aspirations (as the lowest price each side would accept) as dashed
    lines."""
    r, n = b.result, b.rounds
    rounds = [str(k + 1) for k in range(n)]
    offers: dict[str, list[float | None]] = {"seller": [None] * n, "buyer": [None] * n}
    for offer in r.trace:
        offers[offer.proposer][offer.round] = float(offer.outcome)
    seller_asp = b.cost + r.aspiration("seller") * (b.top - b.cost)
    buyer_asp = b.ceiling - r.aspiration("buyer") * (b.ceiling - b.cost)
    series: list[dict[str, Any]] = [
        {
            "name": "Nvidia's offers",
            "type": "line",
            "color": "#76b900",
            "symbolSize": 8,
            "data": offers["seller"],
        },
        {
            "name": f"{b.buyer}'s offers",
            "type": "line",
            "color": "#1565c0",
            "symbolSize": 8,
            "data": offers["buyer"],
        },
        {
            "name": "Nvidia's aspiration",
            "type": "line",
            "symbol": "none",
            "color": "#76b900",
            "lineStyle": {"type": "dashed"},
            "data": clean(seller_asp, 0),
        },
        {
            "name": f"{b.buyer}'s aspiration",
            "type": "line",
            "symbol": "none",
            "color": "#1565c0",
            "lineStyle": {"type": "dashed"},
            "data": clean(buyer_asp, 0),
        },
    ]
    if r.agreement is not None:
        series[0]["markPoint"] = {
            "symbol": "pin",
            "symbolSize": 44,
            "itemStyle": {"color": "#ff9800"},
            "data": [
                {
                    "coord": [str(r.round + 1), float(r.agreement)],
                    "name": "deal",
                    "value": f"${float(r.agreement) / 1000:,.1f}k",
                }
            ],
        }
    return {
        "animation": False,
        "tooltip": {"trigger": "axis", "confine": True},
        "legend": {"top": 0},
        "grid": {"left": 72, "right": 24, "top": 40, "bottom": 40},
        "xAxis": {
            "type": "category",
            "data": rounds,
            "name": "round",
            "nameLocation": "middle",
            "nameGap": 26,
        },
        "yAxis": {
            "type": "value",
            "name": "USD per GPU",
            "min": math.floor(b.cost * 0.95 / 1000) * 1000,  # a round number below the floor
            "scale": True,
        },
        "series": series,
    }


def summary(b: Bargain) -> str:
    r = b.result
    if r.agreement is None:
        return (
            f"No agreement within {b.rounds} rounds: "
            f"{b.buyer} gets no units by negotiation this week."
        )
    deal = (
        f"Deal at ${float(r.agreement):,.0f} per GPU in round {r.round + 1} of {b.rounds} "
        f"(Nvidia's floor ${b.cost:,.0f}, {b.buyer}'s limit ${b.ceiling:,.0f})."
    )
    if b.granted == 0 and b.ordered:  # a price is not units: buyers are served in turn
        deal += (
            f" This week {b.buyer} ordered {b.ordered:,} but was allocated none: the supply ran"
            " out before its turn."
        )
    elif b.granted == 0:
        deal += f" This week {b.buyer} ordered none."
    return deal


def shown_week(m: GpuMarket) -> str:
    """The week the headline shows (the last one simulated; the first before any step), whose
    list price the replayed negotiation uses."""
    t = m.model_table()
    return str(t.date.iloc[-1]) if len(t) else m.date.isoformat()


def _read_patience(value: Any) -> float:
    """A patience the slider sent: a number within the slider's range."""
    return float(read_number(value, PATIENCE_LABEL, False, *PATIENCE_RANGE))


def _read_concession(value: Any) -> str:
    """A concession strategy the menu sent: one of the model's names."""
    return read_choice(value, list(CONCESSION_CHOICES), CONCESSION_LABEL)


def _strategy_name(exponent: float) -> str:
    return min(CONCESSION_EXPONENT, key=lambda k: abs(CONCESSION_EXPONENT[k] - exponent))


@solara.component
def NegotiationView(m: GpuMarket) -> None:
    """Pick a buyer; see this week's alternating offers and both aspiration curves."""
    use_tick()
    named = [f.name for f in m.firms]
    firm, set_firm = solara.use_state("Tesla" if "Tesla" in named else named[0])
    firm = firm if firm in named else named[0]
    f = m.firm(firm)
    what_if, set_what_if = solara.use_state({})  # {(firm, "patience"|"concession"): value}
    patience = what_if.get((firm, "patience"), f.patience)
    concession = what_if.get((firm, "concession"), _strategy_name(f.concession))
    refusal = use_refusal()

    def vary(key: str, current: Any, read: Callable[[Any], Any]) -> Callable[[Any], None]:
        """The handler of one of this buyer's what-if inputs: what the browser sent, `read`."""
        store = lambda v: set_what_if({**what_if, (firm, key): v})  # noqa: E731
        return refusal.handler(read, current, store)

    heading(f"{firm} negotiates with Nvidia, week of {shown_week(m)}")
    with solara.Row():
        pick = refusal.handler(lambda v: read_choice(v, named, "Buyer"), firm, set_firm)
        Menu("Buyer", named, firm, pick, refusal.nonce)
        concede = vary("concession", concession, _read_concession)
        Menu(CONCESSION_LABEL, list(CONCESSION_CHOICES), concession, concede, refusal.nonce)
        with solara.Column(gap="0px", style={"min-width": "260px"}):
            LabelledSlider(
                PATIENCE_LABEL,
                patience,
                *PATIENCE_RANGE,
                0.005,
                vary("patience", patience, _read_patience),
                refusal.nonce,
                shown=f"{patience:.3f}",
                classes=("negotiation-patience",),
            )
    Refused(refusal, "negotiation-value-error")
    b = bargain(m, firm, concession, max(patience, PATIENCE_FLOOR))
    solara.Text(summary(b), classes=["negotiation-summary"])
    if m.config.market.mechanism != "negotiation":
        solara.Text(
            f"(This run allocates by '{m.config.market.mechanism}': this is what a negotiation at "
            "this week's list price would give.)",
            style={"color": "#666"},
        )
    EChart(
        bargain_option(b), name="negotiation", stamp=m.week, layout=f"{id(m)}:{firm}", height=380
    )
    solara.Text(
        "Aspiration = the worst price a side would still accept in that round (1 - t^p, times "
        "patience^round for the buyer). Boulware holds out, Conceder gives in early. A more "
        "patient buyer concedes more slowly and usually pays less."
    )
