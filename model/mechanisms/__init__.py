"""Allocation mechanisms and their registry: the only list of the mechanisms' names.

A mechanism maps (orders q, capacity K, context) to an `Allocation` with integer units,
0 <= a_i <= q_i and sum a <= K, and states its slopes d a_i / d q_i (how much one more unit
ordered brings: Cachon & Lariviere 1999). The rules live in `rules.py`, the negotiation mechanism
in `negotiated.py`; adding a mechanism is one function there and one `Mechanism` entry here.
The supplier resolves its mechanism once (`mechanism(name)`) and calls it every week.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.mechanisms import rules
from model.mechanisms.negotiated import allocate_by_negotiation
from model.mechanisms.rules import MAX_UNITS, Outcome, checked_inputs
from model.records import Allocation
from model.records import MechanismContext as Ctx

Arr = np.ndarray
Rule = Callable[[Arr, int, Ctx], Outcome]

__all__ = [
    "MAX_UNITS",
    "MECHANISMS",
    "Mechanism",
    "allocate",
    "allocate_with_response",
    "mechanism",
    "mechanism_names",
    "responsiveness",
]


@dataclass(frozen=True, slots=True)
class Mechanism:
    """A registered mechanism: its rule, what it is, and whether it hands out min(K, sum q)."""

    name: str
    rule: Rule
    description: str
    fills: bool = True  # False: it may leave units unallocated (reserve prices, no agreement)

    def run(self, orders: Arr, capacity: int, ctx: Ctx) -> tuple[Allocation, Arr]:
        """The allocation (at the rule's price, else the list price) and the slopes in [0, 1]."""
        q, k = checked_inputs(orders, capacity)
        out = self.rule(q, k, ctx)
        if out.allocation is not None:
            alloc = out.allocation
        else:
            price = ctx.list_price if out.price is None else out.price
            alloc = Allocation(out.units, np.full(q.size, float(price)))
        return alloc, np.clip(np.asarray(out.slopes, dtype=float), 0.0, 1.0)

    def allocate(self, orders: Arr, capacity: int, ctx: Ctx) -> Allocation:
        return self.run(orders, capacity, ctx)[0]


def _negotiation(q: Arr, k: int, ctx: Ctx) -> Outcome:
    """Alternating offers per buyer; a buyer's order matters only if it got all it asked for."""
    alloc = allocate_by_negotiation(q, k, ctx)
    slopes = np.where((alloc.units >= q) | (q.sum() <= k), 1.0, 0.0)
    return Outcome(alloc.units, slopes, allocation=alloc)


MECHANISMS: dict[str, Mechanism] = {
    m.name: m
    for m in (
        Mechanism("proportional", rules.proportional, "Shares K q_i / sum q."),
        Mechanism("uniform", rules.uniform, "Sprumont: min(q_i, L), water-filling."),
        Mechanism("linear", rules.linear, "Equal cut from every order, floored at 0."),
        Mechanism("turn_and_earn", rules.turn_and_earn, "By past purchases."),
        Mechanism("priority", rules.priority, "Tiers in turn; readiness cap option."),
        Mechanism("auction", rules.auction, "Uniform-price auction, reserve.", fills=False),
        Mechanism("negotiation", _negotiation, "Alternating offers.", fills=False),
    )
}


def mechanism_names() -> list[str]:
    """Registered mechanism names, in registration order."""
    return list(MECHANISMS)


def mechanism(name: str) -> Mechanism:
    """The registered mechanism `name` (ValueError listing the valid names otherwise)."""
    if name not in MECHANISMS:
        raise ValueError(f"Unknown mechanism: {name!r}; valid: {', '.join(MECHANISMS)}")
    return MECHANISMS[name]


def _context(q: Arr, ctx: Ctx | None) -> Ctx:
    return Ctx.neutral(np.asarray(q).size) if ctx is None else ctx


def allocate(name: str, orders: Arr, capacity: int, ctx: Ctx | None = None) -> Allocation:
    """Allocate `capacity` among `orders` with the named mechanism (neutral context if None)."""
    return mechanism(name).allocate(orders, capacity, _context(orders, ctx))


def responsiveness(
    name: str, orders: Arr, capacity: int, alloc: Allocation | None = None, ctx: Ctx | None = None
) -> Arr:
    """d a_i / d q_i in [0, 1]: how much one more unit ordered raises buyer i's allocation."""
    return mechanism(name).run(orders, capacity, _context(orders, ctx))[1]


def allocate_with_response(
    name: str, orders: Arr, capacity: int, ctx: Ctx | None = None
) -> tuple[Allocation, Arr]:
    """`allocate` and `responsiveness` from one evaluation of the rule."""
    return mechanism(name).run(orders, capacity, _context(orders, ctx))
