"""The owner (Musk): a controller of several firms that asks the supplier to redirect units among
them, and keeps account of what its choices cost each firm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import mesa
import numpy as np

from model.calendar import week_of
from model.config import OwnerAction, Scenario
from model.policies import OwnerView, Transfer, owner_policy
from model.records import RedirectRequest, RedirectSource

OwnerDecider = Callable[[OwnerView], list[Transfer] | None]


@dataclass(frozen=True, slots=True)
class Scripted:
    """A dated owner action resolved to weeks and buyer indices."""

    week: int
    donor: int
    receiver: int
    units: int
    source: str  # allocated, in_transit or shipped
    swap: tuple[tuple[int, int], ...]  # (week, units) the receiver's later units go back
    action: OwnerAction

    @property
    def last_week(self) -> int:
        return self.week + self.action.weeks - 1


@dataclass(slots=True)
class OpenAction:
    """A dated action under way: the supplier's answer and the units moved so far."""

    scripted: Scripted
    answer: str
    moved: int = 0
    shipped: int = 0  # of which units already on the road


class Owner(mesa.Agent):
    """Reprioritizes supply among its firms through redirect requests to the supplier."""

    def __init__(self, model: mesa.Model, scenario: Scenario, names: tuple[str, ...]) -> None:
        super().__init__(model)
        cfg = scenario.owner
        self.name = cfg.name
        self.config = cfg
        self.policy = owner_policy(cfg.policy)
        self.firms = np.array([names.index(f) for f in cfg.firms], dtype=np.int64)
        self.firm_names = tuple(cfg.firms)  # the owner's firms, in the order of its views
        self.decider: OwnerDecider | None = None  # decisions made from outside (a person)
        k = len(self.firms)
        ranks = [cfg.priority.index(f) for f in cfg.firms] if cfg.priority else range(k)
        self.rank = np.asarray(list(ranks), dtype=np.int64)
        self.weights = np.asarray(cfg.weights or [1.0] * k, dtype=float)
        start = dt.date.fromisoformat(scenario.start_date)
        self.first_week = week_of(start, cfg.start) if cfg.start else 0
        self.last_week = week_of(start, cfg.end) if cfg.end else None  # None: to the end
        self.debt = np.zeros(len(names), dtype=np.int64)  # net units moved away from each firm
        self.cost = np.zeros(len(names))  # USD of GPU-weeks each firm could have run with them
        self.scripted = [_resolve(a, start, names) for a in cfg.actions]
        self.open_actions: list[OpenAction] = []

    def in_window(self, week: int) -> bool:
        return self.first_week <= week and (self.last_week is None or week <= self.last_week)

    def reviews(self, week: int) -> bool:
        """Whether its policy reviews the firms this week: a policy, inside the window, on a
        review week (every `review_weeks` from its first week)."""
        review = (week - self.first_week) % self.config.review_weeks == 0
        return self.policy.name != "none" and self.in_window(week) and review

    def active(self, week: int) -> bool:
        """Whether the owner may ask for redirects this week: on its policy's review weeks, and
        every week of its window when its decisions are made from outside."""
        return self.reviews(week) or (self.decider is not None and self.in_window(week))

    def requests(self, view: OwnerView, week: int | None = None) -> list[RedirectRequest]:
        """This week's redirect requests: from the allocation first, then from units in
        transit. A decider's transfers come first; when it leaves the week to the policy (None),
        the policy's transfers count on review weeks only, and below `min_units` not at all."""
        requests: list[RedirectRequest] = []
        left = view.allocated.copy()
        chosen = None if self.decider is None else self.decider(view)
        if chosen is None and week is not None and not self.reviews(week):
            return []
        smallest = 1 if chosen is not None else max(1, self.config.min_units)
        for d, r, units in self.policy.transfers(view) if chosen is None else chosen:
            if units < smallest or d == r:
                continue
            donor, receiver = int(self.firms[d]), int(self.firms[r])
            now = int(min(units, left[d]))
            left[d] -= now
            reason = f"{self.policy.name} policy" if chosen is None else "owner's decision"
            if now > 0:
                requests.append(
                    RedirectRequest(donor, receiver, now, RedirectSource.ALLOCATED, reason)
                )
            if units - now > 0:
                requests.append(
                    RedirectRequest(donor, receiver, units - now, RedirectSource.IN_TRANSIT, reason)
                )
        return requests

    def actions_at(self, week: int) -> list[Scripted]:
        """The dated actions made this week, in the scenario's order."""
        return [a for a in self.scripted if a.week == week]

    def account(self, donor: int, receiver: int, units: int) -> None:
        """Keep track of units moved away from (or back to) each firm."""
        self.debt[donor] += units
        self.debt[receiver] -= units

    def tally_cost(self, free_slots: np.ndarray, value: np.ndarray) -> np.ndarray:
        """Add this week's cost of the owner's moves to each firm: the units it is owed that it
        could have switched on, times its value per GPU-week. Returns the running totals."""
        owed = np.maximum(0, self.debt)
        self.cost += np.minimum(owed, np.maximum(0, free_slots)) * value
        return self.cost


def _resolve(a: OwnerAction, start: dt.date, names: tuple[str, ...]) -> Scripted:
    swap = tuple((week_of(start, d), int(u)) for d, u in a.swap)
    donor, receiver = names.index(a.from_firm), names.index(a.to_firm)
    return Scripted(week_of(start, a.date), donor, receiver, a.units, a.source, swap, a)
