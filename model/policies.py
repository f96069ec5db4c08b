"""Owner policies: how a controller of several firms wants this week's supply moved among them.

Each policy looks at an `OwnerView` (arrays over the owner's firms, in the owner's listed order) and
returns transfers (donor, receiver, units) in local positions. The owner turns them into requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True, slots=True)
class OwnerView:
    """What the owner sees of its firms this week (arrays in the owner's firm order)."""

    allocated: np.ndarray  # this week's allocation, not yet shipped
    in_transit: np.ndarray  # shipped, arriving later (0 if redirecting in transit is not allowed)
    shortfall: np.ndarray  # need not covered after this week's allocation
    free_soon: np.ndarray  # slots free when this week's units would arrive, after what is coming
    value: np.ndarray  # USD per deployed GPU-week
    rank: np.ndarray  # 0 = most favoured (priority policy)
    weights: np.ndarray  # shares of the owner's supply (weights policy)
    max_share: float  # largest share of a firm's units that may be moved in a week
    to_idle: bool = False  # may units go to a firm that cannot switch them on when they arrive


Transfer = tuple[int, int, int]


def movable(view: OwnerView) -> np.ndarray:
    """Units each firm could give up this week under the owner's cap."""
    return np.floor(view.max_share * (view.allocated + view.in_transit)).astype(np.int64)


def receivable(view: OwnerView, to_idle: bool | None = None) -> np.ndarray:
    """Units each firm may receive: its shortfall, and (unless idle units are allowed: by
    default as the scenario says) no more than it can switch on when they arrive."""
    if view.to_idle if to_idle is None else to_idle:
        return view.shortfall
    return np.minimum(view.shortfall, np.maximum(0, view.free_soon))


def greedy(
    donors: list[int],
    receivers: list[int],
    give: np.ndarray,
    want: np.ndarray,
    allowed=lambda d, r: d != r,
) -> list[Transfer]:
    """Fill receivers in order from donors in order; never more than a donor can give."""
    give, want = give.astype(np.int64).copy(), want.astype(np.int64).copy()
    out: list[Transfer] = []
    for r in receivers:
        for d in donors:
            units = int(min(give[d], want[r]))
            if units > 0 and allowed(d, r):
                out.append((d, r, units))
                give[d] -= units
                want[r] -= units
    return out


class OwnerPolicy:
    """Base: no intervention."""

    name: ClassVar[str] = "none"

    def transfers(self, view: OwnerView) -> list[Transfer]:
        return []


class Priority(OwnerPolicy):
    """Favoured firms' shortfalls are filled first from the least favoured firms' units."""

    name = "priority"

    def transfers(self, view: OwnerView) -> list[Transfer]:
        order = [int(i) for i in np.argsort(view.rank, kind="stable")]
        return greedy(
            order[::-1],
            order,
            movable(view),
            receivable(view),
            lambda d, r: view.rank[d] > view.rank[r],
        )


class Weights(OwnerPolicy):
    """This week's units among the owner's firms are re-split by fixed weights (capped by need)."""

    name = "weights"

    def transfers(self, view: OwnerView) -> list[Transfer]:
        pool = view.allocated.sum()
        share = view.weights / view.weights.sum() if view.weights.sum() > 0 else view.weights
        target = np.floor(share * pool)
        surplus = np.minimum(np.maximum(0, view.allocated - target), movable(view))
        deficit = np.minimum(np.maximum(0, target - view.allocated), receivable(view))
        order = [int(i) for i in np.argsort(-view.weights, kind="stable")]
        return greedy(order[::-1], order, surplus, deficit)


class Readiness(OwnerPolicy):
    """Units a firm cannot switch on go to a firm that can ("no place to send the chips")."""

    name = "readiness"

    def transfers(self, view: OwnerView) -> list[Transfer]:
        incoming = view.allocated + view.in_transit
        surplus = np.minimum(np.maximum(0, -view.free_soon), movable(view))
        surplus = np.minimum(surplus, incoming)
        room = receivable(view, to_idle=False)
        donors = [int(i) for i in np.argsort(-surplus, kind="stable")]
        receivers = [int(i) for i in np.argsort(-room, kind="stable")]
        return greedy(donors, receivers, surplus, room)


class Value(OwnerPolicy):
    """Units go to the firm where a deployed GPU-week is worth most, if it can deploy them."""

    name = "value"

    def transfers(self, view: OwnerView) -> list[Transfer]:
        order = [int(i) for i in np.argsort(-view.value, kind="stable")]
        room = receivable(view, to_idle=False)
        return greedy(
            order[::-1], order, movable(view), room, lambda d, r: view.value[d] < view.value[r]
        )


POLICIES: dict[str, OwnerPolicy] = {
    p.name: p for p in (OwnerPolicy(), Priority(), Weights(), Readiness(), Value())
}


def owner_policy(name: str) -> OwnerPolicy:
    """The registered owner policy `name` (ValueError listing the valid names otherwise)."""
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"Unknown owner policy {name!r}; valid: {', '.join(POLICIES)}") from None
