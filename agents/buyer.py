"""Buyer firms: needs, orders, deliveries and deployment.

The buyers' state lives in one `Buyers` population of numpy arrays (one entry per firm) so that ten
thousand buyers cost little; each firm is also a Mesa agent, `BuyerFirm`, a named handle on its row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mesa
import numpy as np

from model.records import FirmDecision, FirmView
from model.strategies import ORDERING, OrderState

FILL_MEMORY = 0.5  # weight of the newest observation in the buyers' fill-rate estimates
WEEKS_PER_YEAR = 52  # budgets are per year of the run
LONG_TAIL_OWNER = "long tail"  # the owner column of generated small buyers


@dataclass(frozen=True, slots=True)
class BuyerTraits:
    """Fixed per-buyer parameters, as arrays (built once from the scenario)."""

    names: tuple[str, ...]
    owners: tuple[str, ...]
    colors: tuple[str, ...]
    tier: np.ndarray
    value: np.ndarray  # USD per deployed GPU-week
    max_price: np.ndarray
    patience: np.ndarray
    concession: np.ndarray  # exponent p of aspiration 1 - t**p
    budget: np.ndarray  # USD per year
    inflation: np.ndarray
    strategy: np.ndarray  # index into STRATEGY_NAMES
    statement: np.ndarray  # publicly stated installed base (0: none)
    statement_week: np.ndarray  # week the statement refers to
    statement_made: np.ndarray  # week it was made: a gap counts from then
    orders_from: np.ndarray  # first week the buyer books orders
    target: np.ndarray  # [week, buyer] target installed base
    slots: np.ndarray  # [week, buyer] data-centre slots that can be powered


STRATEGY_NAMES = tuple(ORDERING)


class Buyers:
    """The population of buyer firms: state arrays and the weekly buyer phases."""

    def __init__(self, traits: BuyerTraits, installed: np.ndarray, horizon: int) -> None:
        self.traits = traits
        self.horizon = horizon
        n = len(traits.names)
        self.n = n
        self.installed = installed.astype(np.int64).copy()
        zeros = np.zeros(n, dtype=np.int64)
        self.idle, self.backlog, self.in_transit = zeros.copy(), zeros.copy(), zeros.copy()
        self.need, self.ordered, self.cancelled = zeros.copy(), zeros.copy(), zeros.copy()
        self.past = zeros.copy()
        self.multiplier = np.ones(n)
        self.fill = np.ones(n)
        self.response = np.zeros(n)
        self.spend_cum = np.zeros(n)
        self.ahead = np.ones(n)  # weeks of need the current orders cover
        self.max_price = traits.max_price.astype(float)  # a firm's decision may change these two
        self.concession = traits.concession.astype(float)
        self.statement_gap = np.zeros(n, dtype=np.int64)  # units stated beyond bookings
        self.slots_now = traits.slots[0].copy()  # slots powered as of the last deploy phase
        self.in_tail = np.asarray(traits.owners, dtype=object) == LONG_TAIL_OWNER
        self.groups = [
            (ORDERING[s], np.flatnonzero(traits.strategy == k))
            for k, s in enumerate(STRATEGY_NAMES)
        ]

    # --- phase 2: needs, statements, orders ------------------------------------------------------

    def update_needs(self, week: int, lead_time: np.ndarray) -> None:
        """True outstanding need: the target one quoted lead time ahead (at most `horizon` weeks)
        minus what the buyer has or has coming. Long lead times make buyers book further ahead.
        The target is read between whole weeks, so a lead time that shrinks by a fraction of a
        week trims the need by that fraction, not by a whole week's growth."""
        ahead = np.clip(lead_time, 1.0, max(1, self.horizon))
        self.ahead = ahead
        last = len(self.traits.target) - 1
        lo = np.minimum(week + np.floor(ahead).astype(np.int64), last)
        hi = np.minimum(lo + 1, last)
        cols = np.arange(self.n)
        low, high = self.traits.target[lo, cols], self.traits.target[hi, cols]
        target = np.round(low + (ahead - np.floor(ahead)) * (high - low)).astype(np.int64)
        need = np.maximum(0, target - self.installed - self.idle - self.in_transit)
        self.need = np.where(week >= self.traits.orders_from, need, 0)

    def strategy_orders(self) -> np.ndarray:
        """What each buyer's ordering strategy would order this week (updates multipliers)."""
        q = np.zeros(self.n, dtype=np.int64)
        for strategy, idx in self.groups:
            if idx.size:
                state = OrderState(
                    self.need[idx],
                    self.fill[idx],
                    self.response[idx],
                    self.multiplier[idx],
                    self.traits.inflation[idx],
                )
                q[idx], self.multiplier[idx] = strategy.orders(state)
        return q

    def decide(self, i: int, decision: FirmDecision, q: np.ndarray) -> None:
        """A decision made for buyer `i` from outside: its order this week, and its bid terms."""
        q[i] = max(0, int(decision.order))
        if decision.max_price_usd is not None:
            self.max_price[i] = float(decision.max_price_usd)
        if decision.concession is not None:
            self.concession[i] = float(decision.concession)

    def place_orders(self, week: int, price: float, q: np.ndarray) -> None:
        """Open orders `q`, within each buyer's budget; what drops off the book is cancelled."""
        budget_left = self.traits.budget * (week // WEEKS_PER_YEAR + 1) - self.spend_cum
        affordable = np.floor(np.maximum(0.0, budget_left) / max(price, 1.0)).astype(np.int64)
        q = np.minimum(q, affordable)
        self.cancelled = np.maximum(0, self.backlog - q)
        self.ordered = q
        self.backlog = q.copy()

    # --- after allocation -------------------------------------------------------------------------

    def learn(self, granted: np.ndarray, response: np.ndarray) -> None:
        """Update fill-rate and response estimates from what the mechanism granted.

        An order books `ahead` weeks of need, so both are measured over those weeks: the fill rate
        is the share of its true need that this week's rate would deliver in time (1 when on
        track; padding its order does not lower it, so phantom orders go once the need is met),
        and the response the extra units an extra unit ordered would bring in that time."""
        has_order = self.ordered > 0
        on_track = granted * self.ahead
        wanted = np.minimum(self.need, self.ordered)
        observed = np.divide(on_track, wanted, out=np.ones(self.n), where=has_order & (wanted > 0))
        observed = np.minimum(observed, 1.0)
        response = np.minimum(response * self.ahead, 1.0)
        self.fill = np.where(
            has_order, (1 - FILL_MEMORY) * self.fill + FILL_MEMORY * observed, self.fill
        )
        self.response = np.where(
            has_order, (1 - FILL_MEMORY) * self.response + FILL_MEMORY * response, self.response
        )

    def book(self, units: np.ndarray, prices: np.ndarray) -> None:
        """Record the week's final (post-redirect) allocation: backlog, purchases, spend."""
        self.backlog = np.maximum(0, self.backlog - units)
        self.past += units
        self.spend_cum += units * prices

    # --- phase 6: deploy --------------------------------------------------------------------------

    def deploy(self, week: int, delivered: np.ndarray) -> np.ndarray:
        """Deploy deliveries (and waiting idle units) into free slots; the rest sits idle."""
        free = np.maximum(0, self.slots_at(week) - self.installed)
        pool = self.idle + delivered
        deployed = np.minimum(pool, free)
        self.installed += deployed
        self.idle = pool - deployed
        return deployed

    def slots_at(self, week: int) -> np.ndarray:
        return self.traits.slots[min(week, len(self.traits.slots) - 1)]

    def target_at(self, week: int) -> np.ndarray:
        return self.traits.target[min(week, len(self.traits.target) - 1)]

    def booked_position(self, week: int) -> np.ndarray:
        """What bookings imply each firm will have by its statement date."""
        t = self.traits
        later = t.target[np.minimum(t.statement_week, len(t.target) - 1), np.arange(self.n)]
        ahead = np.maximum(0, later - self.target_at(week + self.horizon))
        return self.installed + self.idle + self.in_transit + self.backlog + ahead

    def discrepancies(self, week: int, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
        """(gap in units, gap share) between public statements and bookings, beyond `tolerance`."""
        t = self.traits
        active = (t.statement > 0) & (t.statement_made <= week) & (week <= t.statement_week)
        gap = np.where(active, np.maximum(0, t.statement - self.booked_position(week)), 0)
        share = np.divide(gap, t.statement, out=np.zeros(self.n), where=t.statement > 0)
        gap = np.where(share > tolerance, gap, 0)
        return gap, np.where(share > tolerance, share, 0.0)

    def discrepancy_onsets(self, gap: np.ndarray) -> np.ndarray:
        """Buyers whose statement gap opens this week (it was within tolerance last week)."""
        onsets = np.flatnonzero((gap > 0) & (self.statement_gap == 0))
        self.statement_gap = gap.astype(np.int64)
        return onsets

    def expansions(self, week: int) -> list[tuple[int, int]]:
        """(buyer, slots added) for each named buyer whose data centre grew this week."""
        now = self.slots_at(week)
        grew = np.flatnonzero((now > self.slots_now) & ~self.in_tail)
        added = [(int(i), int(now[i] - self.slots_now[i])) for i in grew]
        self.slots_now = now.copy()
        return added

    def cancellations(self) -> list[tuple[str, int]]:
        """(firm, units) cancelled this week per named firm, the long tail summed in one."""
        idx = np.flatnonzero(self.cancelled > 0)
        out = [(self.traits.names[i], int(self.cancelled[i])) for i in idx if not self.in_tail[i]]
        tail = idx[self.in_tail[idx]]
        if tail.size:
            out.append((f"long tail ({tail.size} buyers)", int(self.cancelled[tail].sum())))
        return out


Decider = Callable[[FirmView], FirmDecision | None]


class BuyerFirm(mesa.Agent):
    """One named buyer firm as a Mesa agent: a view on its row of the `Buyers` population, and
    the hook through which its weekly decision can be made from outside (`decider`).

    A decider is called with the firm's `FirmView` each week before orders are placed; a
    `FirmDecision` it returns replaces the strategy's order, None leaves the strategy to decide.
    """

    def __init__(self, model: mesa.Model, buyers: Buyers, index: int) -> None:
        super().__init__(model)
        self.buyers = buyers
        self.index = index
        self.decider: Decider | None = None

    @property
    def name(self) -> str:
        return self.buyers.traits.names[self.index]

    @property
    def owner(self) -> str:
        return self.buyers.traits.owners[self.index]

    @property
    def color(self) -> str:
        return self.buyers.traits.colors[self.index]

    @property
    def max_price_usd(self) -> float:
        """Its highest unit price now (a decision may have changed it)."""
        return float(self.buyers.max_price[self.index])

    @property
    def concession(self) -> float:
        """The exponent p of its aspiration 1 - t**p now."""
        return float(self.buyers.concession[self.index])

    @property
    def patience(self) -> float:
        return float(self.buyers.traits.patience[self.index])

    def _int(self, array: np.ndarray) -> int:
        return int(array[self.index])

    @property
    def installed(self) -> int:
        return self._int(self.buyers.installed)

    @property
    def idle(self) -> int:
        return self._int(self.buyers.idle)

    @property
    def backlog(self) -> int:
        return self._int(self.buyers.backlog)

    @property
    def need(self) -> int:
        return self._int(self.buyers.need)

    @property
    def ordered(self) -> int:
        return self._int(self.buyers.ordered)

    @property
    def in_transit(self) -> int:
        return self._int(self.buyers.in_transit)

    def view(self, week: int, suggested: int, lead_time: float, price: float) -> FirmView:
        """What the firm knows this week, for a decider."""
        b, i = self.buyers, self.index
        return FirmView(
            week=week,
            firm=self.name,
            need=self.need,
            suggested=int(suggested),
            backlog=self.backlog,
            installed=self.installed,
            idle=self.idle,
            in_transit=self.in_transit,
            slots=int(b.slots_at(week)[i]),
            fill_rate=float(b.fill[i]),
            lead_time_weeks=float(lead_time),
            price_usd=float(price),
            max_price_usd=float(b.max_price[i]),
        )

    def __repr__(self) -> str:
        return f"BuyerFirm({self.name!r}, installed={self.installed}, idle={self.idle})"
