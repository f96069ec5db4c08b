"""Buyer firms: needs, orders, deliveries and deployment.

The buyers' state lives in one `Buyers` population of numpy arrays (one entry per firm) so that ten
thousand buyers cost little; each firm is also a Mesa agent, `BuyerFirm`, a named handle on its row.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from agents.strategies import ORDERING, OrderState
from model.records import Event, EventKind

FILL_MEMORY = 0.5  # weight of the newest observation in the buyers' fill-rate estimates


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
    statement_week: np.ndarray
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
        self.ahead = np.ones(n, dtype=np.int64)  # weeks of need the current orders cover
        self.groups = [
            (ORDERING[s], np.flatnonzero(traits.strategy == k))
            for k, s in enumerate(STRATEGY_NAMES)
        ]

    # --- phase 2: needs, statements, orders ------------------------------------------------------

    def update_needs(self, week: int, lead_time: np.ndarray) -> np.ndarray:
        """True outstanding need: the target one quoted lead time ahead (at most `horizon` weeks)
        minus what the buyer has or has coming. Long lead times make buyers book further ahead."""
        ahead = np.minimum(self.horizon, np.ceil(lead_time)).astype(np.int64)
        self.ahead = np.maximum(1, ahead)
        rows = np.minimum(week + ahead, len(self.traits.target) - 1)
        target = self.traits.target[rows, np.arange(self.n)]
        self.need = np.maximum(0, target - self.installed - self.idle - self.in_transit)
        return self.need

    def plan_orders(self, week: int, price: float) -> np.ndarray:
        """Set each buyer's open order from its strategy and budget; returns units cancelled."""
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
        budget_left = self.traits.budget * (week // 52 + 1) - self.spend_cum
        affordable = np.floor(np.maximum(0.0, budget_left) / max(price, 1.0)).astype(np.int64)
        q = np.minimum(q, affordable)
        self.cancelled = np.maximum(0, self.backlog - q)
        self.ordered = q
        self.backlog = q.copy()
        return self.cancelled

    # --- after allocation -------------------------------------------------------------------------

    def learn(self, granted: np.ndarray, response: np.ndarray) -> None:
        """Update fill-rate and response estimates from what the mechanism granted.

        An order books `ahead` weeks of need, so both are measured over those weeks: the fill rate
        is the share of its book that this week's rate would deliver in time (1 when on track), and
        the response the extra units an extra unit ordered would bring in that time."""
        has_order = self.ordered > 0
        on_track = granted * self.ahead
        observed = np.divide(on_track, self.ordered, out=np.ones(self.n), where=has_order)
        observed = np.minimum(observed, 1.0)
        response = np.minimum(response * self.ahead, 1.0)
        self.fill = np.where(
            has_order, (1 - FILL_MEMORY) * self.fill + FILL_MEMORY * observed, self.fill
        )
        self.response = np.where(
            has_order, (1 - FILL_MEMORY) * self.response + FILL_MEMORY * response, self.response
        )

    def book(self, units: np.ndarray, prices: np.ndarray) -> np.ndarray:
        """Record the week's final (post-redirect) allocation: backlog, purchases, spend."""
        self.backlog = np.maximum(0, self.backlog - units)
        self.past += units
        spend = units * prices
        self.spend_cum += spend
        return spend

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
        active = (t.statement > 0) & (week <= t.statement_week)
        gap = np.where(active, np.maximum(0, t.statement - self.booked_position(week)), 0)
        share = np.divide(gap, t.statement, out=np.zeros(self.n), where=t.statement > 0)
        gap = np.where(share > tolerance, gap, 0)
        return gap, np.where(share > tolerance, share, 0.0)

    def cancellation_events(self, step: int, weight: float) -> list[Event]:
        """One event per named firm that cancelled orders this week (the long tail summed in
        one)."""
        idx = np.flatnonzero(self.cancelled > 0)
        named = [i for i in idx if self.traits.owners[i] != "long tail"]
        events = [
            self._cancel_event(step, weight, self.traits.names[i], int(self.cancelled[i]))
            for i in named
        ]
        tail = [i for i in idx if self.traits.owners[i] == "long tail"]
        if tail:
            units = int(self.cancelled[tail].sum())
            events.append(
                self._cancel_event(step, weight, f"long tail ({len(tail)} buyers)", units)
            )
        return events

    @staticmethod
    def _cancel_event(step: int, weight: float, firm: str, units: int) -> Event:
        return Event(
            step,
            EventKind.CANCELLATION,
            firm,
            units=units,
            friction=weight * units / 1000,
            text=f"{firm} cancelled {units:,} units of open orders",
        )


class BuyerFirm(mesa.Agent):
    """One buyer firm as a Mesa agent: a named view on its row of the `Buyers` population."""

    def __init__(self, model: mesa.Model, buyers: Buyers, index: int) -> None:
        super().__init__(model)
        self.buyers = buyers
        self.index = index

    @property
    def name(self) -> str:
        return self.buyers.traits.names[self.index]

    @property
    def owner(self) -> str:
        return self.buyers.traits.owners[self.index]

    @property
    def installed(self) -> int:
        return int(self.buyers.installed[self.index])

    @property
    def idle(self) -> int:
        return int(self.buyers.idle[self.index])

    @property
    def backlog(self) -> int:
        return int(self.buyers.backlog[self.index])

    def __repr__(self) -> str:
        return f"BuyerFirm({self.name!r}, installed={self.installed}, idle={self.idle})"
