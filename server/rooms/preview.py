"""What each seat knows when a round opens: a dry run of the coming week on a copy of the model.

A firm's `FirmView` for the coming week depends only on the state before it (needs, the strategy's
suggestion, backlog, price), never on other firms' decisions that week, so the dry run shows each
firm exactly what the model will show its decider. The owner's view and the requests his agent
would make depend on this week's orders: they are estimates made with every seat left to its agent.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from model.market import GpuMarket
from model.policies import OwnerView
from model.records import Answer, FirmDecision, FirmView, RedirectRequest

LAST_WEEK = ("granted", "allocated", "redirected_in", "redirected_out", "delivered", "deployed")


@dataclass(frozen=True)
class Preview:
    """The coming week as the seats see it (`week` is the index of the week to be simulated)."""

    week: int
    date: str
    views: dict[str, FirmView]
    owner_firms: tuple[str, ...]
    owner_view: OwnerView | None  # None: the owner may not redirect this week
    agent_requests: dict[tuple[str, str], int] = field(default_factory=dict)
    last: dict[str, dict[str, Any]] = field(default_factory=dict)  # last week's results per firm

    def movable(self, firm: str) -> int:
        """Units the owner could move away from `firm` this week (estimate): its expected
        allocation plus what it has on the road that has not arrived yet."""
        if self.owner_view is None or firm not in self.owner_firms:
            return 0
        i = self.owner_firms.index(firm)
        return int(self.owner_view.allocated[i] + self.owner_view.in_transit[i])


class _Capture:
    """Hooks for the dry run: they record what they are shown and leave every choice to the
    agents (they return None)."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.views: dict[str, FirmView] = {}
        self.owner_view: OwnerView | None = None
        self.requests: dict[tuple[str, str], int] = {}

    def firm(self, view: FirmView) -> FirmDecision | None:
        self.views[view.firm] = view
        return None

    def owner(self, view: OwnerView) -> None:
        self.owner_view = view
        return None

    def answer(self, request: RedirectRequest) -> Answer | None:
        pair = (self.names[request.donor], self.names[request.receiver])
        self.requests[pair] = self.requests.get(pair, 0) + int(request.units)
        return None


def preview(m: GpuMarket) -> Preview | None:
    """The coming week's views, or None when the run is over. `m` is not changed."""
    if not m.running or m.week >= m.weeks:
        return None
    date = m.date.isoformat()
    last = last_week(m)
    dry = copy.deepcopy(m)
    capture = _Capture(dry.buyers.traits.names)
    for f in dry.firms:
        f.decider = capture.firm
    dry.owner.decider = capture.owner
    dry.supplier.answerer = capture.answer
    dry.step()
    return Preview(
        week=m.week,
        date=date,
        views=capture.views,
        owner_firms=tuple(m.owner.firm_names),
        owner_view=capture.owner_view,
        agent_requests=capture.requests,
        last=last,
    )


def last_week(m: GpuMarket) -> dict[str, dict[str, Any]]:
    """Each named firm's results in the week just simulated (empty before the first week)."""
    table = m.firms_table()
    if table.empty:
        return {}
    rows = table[table.step == table.step.max()]
    return {
        str(r.firm): {k: int(getattr(r, k)) for k in LAST_WEEK} | {"date": str(r.date)}
        for r in rows.itertuples()
    }
