"""Ordering strategies: how a buyer turns its true need into an order on the supplier's book.

Each strategy is a tiny class working on the arrays of the buyers that use it, with declared
metadata (as in Axelrod's strategies). A strategy returns the orders and the buyers' new inflation
multiplier. Cachon & Lariviere (1999): under rules where a buyer's allocation rises with its own
order, inflating pays while capacity binds; Lee, Padmanabhan & Whang (1997): phantom orders are
cancelled when the shortage ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

SHORTAGE_FILL = 0.97  # expected fill rate below which a buyer believes supply is short
LEARNING_RATE = 0.3  # how fast adaptive buyers move their multiplier toward its target
SNAP = 0.005  # multipliers this close to 1 are taken as truthful


@dataclass(frozen=True, slots=True)
class OrderState:
    """What a buyer knows when it orders (arrays over the buyers using one strategy)."""

    need: np.ndarray  # true outstanding need d (units)
    fill: np.ndarray  # expected fill rate of its orders (EWMA of allocated / ordered)
    response: np.ndarray  # expected extra units received per extra unit ordered (EWMA)
    multiplier: np.ndarray  # its current inflation multiplier
    inflation: np.ndarray  # its fixed factor (fixed, cancel) or ceiling (adaptive)


class OrderingStrategy:
    """Base: truthful ordering (order exactly the need)."""

    name: ClassVar[str] = "truthful"
    classifier: ClassVar[dict[str, bool]] = {
        "stochastic": False,
        "learns": False,
        "inflates": False,
    }

    def target_multiplier(self, s: OrderState) -> np.ndarray:
        return np.ones_like(s.multiplier)

    def orders(self, s: OrderState) -> tuple[np.ndarray, np.ndarray]:
        """Orders (int64) and the new multiplier for each buyer."""
        m = self.target_multiplier(s)
        return np.ceil(s.need * m - 1e-9).astype(np.int64), m


class Truthful(OrderingStrategy):
    """Orders its true need: optimal under the uniform rule (Sprumont 1991)."""


class FixedInflation(OrderingStrategy):
    """Always orders `inflation` times its need."""

    name = "fixed"
    classifier = {"stochastic": False, "learns": False, "inflates": True}

    def target_multiplier(self, s: OrderState) -> np.ndarray:
        return s.inflation.astype(float)


class AdaptiveInflation(OrderingStrategy):
    """Learns from past fill rates: pads its order to cover the expected shortfall, but only in
    proportion to how much extra ordering actually bought (the published rule's response).

    target m* = 1 + r (1/f - 1), clipped to [1, ceiling]; m moves toward m* at LEARNING_RATE.
    Under the uniform rule a capped buyer sees r = 0 and returns to truthful orders; under
    proportional (r ~ f(1 - share)) and linear (r ~ 1 - 1/n) rules it inflates.
    """

    name = "adaptive"
    classifier = {"stochastic": False, "learns": True, "inflates": True}

    def target_multiplier(self, s: OrderState) -> np.ndarray:
        fill = np.clip(s.fill, 0.02, 1.0)
        target = np.clip(1.0 + s.response * (1.0 / fill - 1.0), 1.0, s.inflation)
        m = s.multiplier + LEARNING_RATE * (target - s.multiplier)
        return np.where(m < 1.0 + SNAP, 1.0, m)  # no one-unit phantom orders from rounding


class CancelWhenShortageEnds(OrderingStrategy):
    """Inflates by a fixed factor while supply is short, then cancels every phantom order at
    once."""

    name = "cancel"
    classifier = {"stochastic": False, "learns": True, "inflates": True}

    def target_multiplier(self, s: OrderState) -> np.ndarray:
        return np.where(s.fill < SHORTAGE_FILL, s.inflation, 1.0).astype(float)


ORDERING: dict[str, OrderingStrategy] = {
    s.name: s for s in (Truthful(), FixedInflation(), AdaptiveInflation(), CancelWhenShortageEnds())
}


def ordering_strategy(name: str) -> OrderingStrategy:
    """The registered ordering strategy `name` (ValueError listing the valid names otherwise)."""
    try:
        return ORDERING[name]
    except KeyError:
        raise ValueError(
            f"Unknown ordering strategy {name!r}; valid: {', '.join(ORDERING)}"
        ) from None
