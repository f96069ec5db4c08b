"""The supplier (Nvidia): produces on a schedule, allocates through a mechanism, ships with a delay,
answers redirect requests, and keeps trust per buyer and the friction ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import mesa
import numpy as np

from model.calendar import week_of
from model.config import Scenario
from model.friction import UNITS, FrictionLedger
from model.mechanisms import mechanism
from model.records import Allocation, Answer, MechanismContext, RedirectRequest

RATE_MEMORY = 0.3  # weight of this week's allocation in the recent rate behind quoted lead times
MAX_WAIT_WEEKS = 104.0  # longest wait the supplier quotes, whatever the backlog


@dataclass(frozen=True, slots=True)
class ShockWindow:
    """A shock in weeks of the run: output times `factor` from `start` until before `end`."""

    start: int
    end: int
    factor: float
    label: str


@dataclass(slots=True)
class SwapDebt:
    """Units the receiver of a swap owes back to the donor from its later allocations."""

    creditor: int
    debtor: int
    owed: int
    due: int  # first week of repayment
    agreed: bool = False  # a dated exchange: repaid whether or not the creditor still needs them
    note: str = ""  # what the exchange was (shown in the repayment events)


class Supplier(mesa.Agent):
    """Nvidia: production, allocation, shipping, redirect answers, trust and friction."""

    def __init__(self, model: mesa.Model, scenario: Scenario, n_buyers: int) -> None:
        super().__init__(model)
        self.supply = scenario.supply
        self.market = scenario.market
        self.policy = scenario.supplier
        self.mechanism = mechanism(scenario.market.mechanism)
        start = dt.date.fromisoformat(scenario.start_date)
        self.shocks = [
            ShockWindow(
                week_of(start, s.start), week_of(start, s.start) + s.weeks, s.factor, s.label
            )
            for s in scenario.supply.shocks
        ]
        self.output = weekly_output(scenario, start)
        self.ledger = FrictionLedger(scenario.friction)
        self.stock = 0
        self.capacity = 0
        self.planned = 0  # this week's output before any cut for an idle order book
        self.available = 0
        self.cutting = False  # output is being cut to the order book
        self.gap = 0.0  # share of the buyers' need per week this week's supply cannot meet
        # pipeline[k, i]: units for buyer i arriving k weeks from now (row 0 arrives this week)
        self.pipeline = np.zeros((self.supply.transit_weeks + 1, n_buyers), dtype=np.int64)
        self.trust = np.ones(n_buyers)
        self.rate = np.zeros(n_buyers)  # recent weekly allocation per buyer, for quoted lead times
        self.lead_time = np.full(n_buyers, float(scenario.market.horizon_weeks))  # quoted, weeks
        self.swaps: list[SwapDebt] = []
        # answers made from outside (a person): a request -> Answer, or None for the rule's
        self.answerer: Callable[[RedirectRequest], Answer | None] | None = None

    # --- phase 1 ---------------------------------------------------------------------------------

    def produce(self, week: int) -> int:
        """This week's output: the schedule (or a ramp toward the ceiling), cut by any shock, and
        cut further while unsold stock is above `max_stock_weeks` of it (Hopper output was cut
        as Blackwell ramped): the stock then stays within a few weeks of output."""
        factor = min((sh.factor for sh in self.shocks if sh.start <= week < sh.end), default=1.0)
        self.planned = round(max(0.0, self.output[min(week, len(self.output) - 1)]) * factor)
        keep = self.supply.max_stock_weeks * self.planned
        excess = self.stock - keep if self.supply.max_stock_weeks > 0 else 0
        self.capacity = int(max(0, self.planned - max(0, excess)))
        self.cutting = self.capacity < self.planned
        self.available = self.capacity + self.stock
        return self.capacity

    def shocks_starting(self, week: int) -> list[ShockWindow]:
        return [sh for sh in self.shocks if sh.start == week]

    # --- phase 3 ---------------------------------------------------------------------------------

    def list_price(self, demand: float, weeks: float) -> float:
        """List price with a scarcity markup when demand over the weeks it covers exceeds what can
        be supplied in those weeks at this week's rate (demand per week over supply per week
        - 1)."""
        m = self.market
        supply = self.available * max(weeks, 1.0)
        self.gap = max(0.0, 1.0 - supply / demand) if demand > 0 else 0.0
        excess = max(0.0, demand / max(supply, 1.0) - 1.0)
        return m.list_price_usd * (1.0 + min(m.max_markup, m.scarcity_markup * excess))

    def allocate(self, orders: np.ndarray, ctx: MechanismContext) -> tuple[Allocation, np.ndarray]:
        """Run the mechanism on this week's available units; returns it and each buyer's
        response."""
        return self.mechanism.run(orders, self.available, ctx)

    # --- phase 4 ---------------------------------------------------------------------------------

    def answer(self, request: RedirectRequest) -> Answer:
        """Accept, accept as a swap, or refuse; 'auto' decides on the trust of the firms
        involved."""
        if self.answerer is not None:
            chosen = self.answerer(request)
            if chosen is not None:
                return Answer(chosen)
        rule = self.policy.redirect_answer
        if rule != "auto":
            return Answer(rule)
        trust = min(self.trust[request.donor], self.trust[request.receiver])
        if trust >= self.policy.accept_above_trust:
            return Answer.ACCEPT
        if trust >= self.policy.swap_above_trust:
            return Answer.SWAP
        return Answer.REFUSE

    def take_in_transit(self, donor: int, receiver: int, units: int) -> int:
        """Move up to `units` already shipped from donor to receiver, soonest arrivals first."""
        moved = 0
        for k in range(1, self.pipeline.shape[0]):
            take = min(units - moved, int(self.pipeline[k, donor]))
            if take > 0:
                self.pipeline[k, donor] -= take
                self.pipeline[k, receiver] += take
                moved += take
        return moved

    def book_swap(self, creditor: int, debtor: int, units: int, week: int) -> None:
        """Record that `debtor`'s later units go back to `creditor`, from `swap_delay_weeks` on."""
        self.swaps.append(SwapDebt(creditor, debtor, units, week + self.policy.swap_delay_weeks))

    def book_exchange(
        self, creditor: int, debtor: int, units: int, due: int, note: str = ""
    ) -> None:
        """Record that `debtor`'s units from week `due` on go to `creditor` (an agreed swap)."""
        self.swaps.append(SwapDebt(creditor, debtor, units, due, agreed=True, note=note))

    def due_swaps(self, week: int) -> list[SwapDebt]:
        """Swaps whose repayment has begun, oldest first."""
        return [d for d in self.swaps if d.due <= week and d.owed > 0]

    def settle_swaps(self) -> None:
        """Forget swaps repaid in full (or lapsed: the creditor no longer needed the units)."""
        self.swaps = [d for d in self.swaps if d.owed > 0]

    # --- phase 5 ---------------------------------------------------------------------------------

    def ship(self, units: np.ndarray, granted: np.ndarray) -> np.ndarray:
        """Put this week's allocation on the road and hand over what arrives this week."""
        self.stock = self.available - int(units.sum())
        self.pipeline[-1] += units
        delivered = self.pipeline[0].copy()
        self.pipeline[:-1] = self.pipeline[1:]
        self.pipeline[-1] = 0
        recent = (1.0 - RATE_MEMORY) * self.rate + RATE_MEMORY * granted
        self.rate = np.where(self.rate > 0, recent, granted)
        return delivered

    def in_transit(self) -> np.ndarray:
        """Units on the road per buyer, this week's arrivals included."""
        return self.pipeline.sum(axis=0)

    def movable_in_transit(self) -> np.ndarray:
        """Units on the road per buyer that arrive after this week (`take_in_transit` can move)."""
        return self.pipeline[1:].sum(axis=0)

    def quote_lead_times(self, backlog: np.ndarray) -> np.ndarray:
        """Quote each buyer its lead time: its backlog at its recent rate, plus shipping (weeks)."""
        rate = np.maximum(self.rate, 1.0)
        waiting = np.where(backlog > 0, np.minimum(MAX_WAIT_WEEKS, backlog / rate), 0.0)
        self.lead_time = waiting + self.supply.transit_weeks
        return self.lead_time

    # --- phase 7 ---------------------------------------------------------------------------------

    def update_trust(
        self,
        gap_share: np.ndarray,
        cancelled: np.ndarray,
        ordered_before: np.ndarray,
        redirected: np.ndarray,
    ) -> None:
        """Trust recovers slowly, and falls with statement gaps, cancellations and redirects."""
        p = self.policy
        cancel_share = np.divide(
            cancelled, ordered_before, out=np.zeros(len(self.trust)), where=ordered_before > 0
        )
        self.trust += p.trust_recovery * (1.0 - self.trust)
        self.trust -= p.trust_discrepancy * gap_share + p.trust_cancel * cancel_share
        self.trust -= p.trust_redirect * redirected / UNITS
        np.clip(self.trust, 0.0, 1.0, out=self.trust)


def weekly_output(scenario: Scenario, start: dt.date) -> np.ndarray:
    """Planned output per week before shocks: the dated schedule, or the ramp, times `scale`."""
    s = scenario.supply
    weeks = np.arange(scenario.weeks + 1)
    if s.schedule:
        at = np.asarray([week_of(start, d) for d, _ in s.schedule], dtype=float)
        units = np.asarray([u for _, u in s.schedule], dtype=float)
        order = np.argsort(at, kind="stable")
        base = np.interp(weeks, at[order], units[order])
    else:
        base = np.minimum(float(s.max_weekly), s.initial_weekly * (1.0 + s.growth_weekly) ** weeks)
    return base * s.scale
