"""Time-based concession (Boulware, Linear, Conceder) with NegMAS 0.16's exact arithmetic.

A party's aspiration at round k of n is ``1 - t**p`` with ``t = (k + 1) / (n + 1)``, as
NegMAS's ``PolyAspiration`` and ``SAOMechanism.relative_time``. The aspiration is mapped onto
the party's rational utility range ``[u_min, u_max]`` (``u_min = max(worst utility, reserved
value)``), lowered by ``TOLERANCE`` (NegMAS's ``UtilBasedNegotiator.eps``) and clamped to the
range. The party accepts an offer worth at least that threshold and otherwise offers the
rational outcome with the lowest utility at or above it (NegMAS's presorting ``worst_in``).

Patience is our addition (NegMAS's TB negotiators have none): with discount factor ``d`` the
aspiration at round k is multiplied by ``d**k`` (a running product), so an impatient party lowers
its sights faster. With ``d = 1`` every number here equals NegMAS's.

Each rule comes twice: for one party (vectors over rounds) and for many negotiations at once
(rounds x negotiations matrices); the two agree bit for bit.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

CONCESSION: dict[str, float] = {"boulware": 4.0, "linear": 1.0, "conceder": 0.25}
TOLERANCE = 1e-4  # NegMAS UtilBasedNegotiator eps: the accept/offer band is widened by this
NEAR = 1e-6  # NegMAS inverter EPS: an outcome this close below the threshold may be offered


def concession_exponent(strategy: str | float) -> float:
    """The exponent p of a named strategy (case-insensitive) or of a number, failing loudly."""
    if isinstance(strategy, int | float):
        return float(strategy)
    exponent = CONCESSION.get(strategy.strip().lower())
    if exponent is None:
        valid = ", ".join(CONCESSION)
        raise ValueError(f"Unknown concession strategy {strategy!r}; valid: {valid}")
    return exponent


def relative_times(n_steps: int) -> np.ndarray:
    """NegMAS's relative time of each round: (step + 1) / (n_steps + 1), never reaching 1."""
    if n_steps < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}")
    return np.arange(1, n_steps + 1) / (n_steps + 1)


@lru_cache(maxsize=256)
def _poly_levels(exponent: float, n_steps: int) -> np.ndarray:
    """1 - t**p per round with math.pow, exactly NegMAS's PolyAspiration (cached, read-only)."""
    levels = np.array([1.0 * (1.0 - math.pow(t, exponent)) for t in relative_times(n_steps)])
    levels.flags.writeable = False
    return levels


def aspiration_levels(exponent: float, n_steps: int, patience: float = 1.0) -> np.ndarray:
    """A party's aspiration per round: 1 - t**p times the running discount d**k."""
    levels = _poly_levels(float(exponent), n_steps)
    if patience == 1.0:
        return levels
    return levels * discount_factors(patience, n_steps)


def discount_factors(patience: Any, n_steps: int) -> np.ndarray:
    """d**k for k = 0..n-1 (per column if d is an array) as a running product, bit-reproducible."""
    d = np.asarray(patience, dtype=float)
    if np.any((d <= 0.0) | (d > 1.0)):
        raise ValueError(f"patience must be in (0, 1], got {patience}")
    steps = np.broadcast_to(d, (n_steps, *d.shape)).copy()
    steps[0] = 1.0
    return np.cumprod(steps, axis=0)


def aspiration_matrix(exponents: np.ndarray, patience: np.ndarray, n_steps: int) -> np.ndarray:
    """Aspiration (rounds x negotiations), computed once per distinct exponent as for one party."""
    distinct, which = np.unique(exponents, return_inverse=True)
    table = np.stack([_poly_levels(float(p), n_steps) for p in distinct], axis=1)
    levels = table[:, which]
    if np.all(patience == 1.0):
        return levels
    return levels * discount_factors(patience, n_steps)


def rational_range(utilities: np.ndarray, reserved: Any) -> tuple[Any, Any]:
    """(u_min, u_max) per row as NegMAS's recommender sees them: the minimum lifted to reserve."""
    return np.maximum(utilities.min(axis=-1), reserved), utilities.max(axis=-1)


def thresholds(levels: np.ndarray, u_min: Any, u_max: Any) -> np.ndarray:
    """Lowest acceptable utility for each aspiration level, scaled and clamped as NegMAS does."""
    low = levels * (u_max - u_min)
    low += u_min
    low -= TOLERANCE
    np.minimum(low, u_max, out=low)
    return np.maximum(low, u_min, out=low)


def upper_bound(u_min: Any, u_max: Any) -> Any:
    """Highest acceptable utility: u_max widened by TOLERANCE and clamped back (NegMAS)."""
    return np.maximum(u_min, np.minimum(u_max, np.add(u_max, TOLERANCE)))


def last_best(utilities: np.ndarray) -> Any:
    """Index of the last outcome with the highest utility (NegMAS's additive extreme_outcomes)."""
    width = utilities.shape[-1]
    return width - 1 - np.argmax(utilities[..., ::-1], axis=-1)


def offer_indices(utilities: np.ndarray, reserved: float, low: np.ndarray) -> np.ndarray:
    """Outcome offered at each threshold: the worst rational one at or above it (NegMAS worst_in).

    Rational outcomes (utility >= reserved) are ranked with NumPy's argsort as NegMAS does, so
    ties fall the same way. NegMAS prefers an outcome up to NEAR below the threshold when it is
    strictly nearer than the one above. With no rational outcome it offers its best one.
    """
    rational = np.flatnonzero(utilities >= reserved)
    if rational.size == 0:
        return np.full(low.shape, last_best(utilities))
    order = rational[np.argsort(utilities[rational])]
    ranked = utilities[order]
    above = np.minimum(np.searchsorted(ranked, low, "left"), ranked.size - 1)
    below_value = np.where(above > 0, ranked[np.maximum(above - 1, 0)], -np.inf)
    below = order[np.searchsorted(ranked, below_value, "left")]  # first of a run of ties
    tail = np.flatnonzero(utilities < reserved)
    if tail.size:
        tail_best = tail[np.argmax(utilities[tail])]
        use_tail = utilities[tail_best] > below_value
        below_value = np.where(use_tail, utilities[tail_best], below_value)
        below = np.where(use_tail, tail_best, below)
    nearer = (below_value >= low - NEAR) & (low - below_value < np.abs(ranked[above] - low))
    return np.where(nearer, below, order[above])


def offer_matrix(utilities: np.ndarray, reserved: np.ndarray, low: np.ndarray) -> np.ndarray:
    """``offer_indices`` for many negotiations: utilities (n x outcomes), low (rounds x n)."""
    n, width = utilities.shape
    rational = utilities >= reserved[:, None]
    counts = rational.sum(axis=1)
    order, ranked = _rank(utilities, rational)
    cols = np.arange(n)
    above = np.maximum(np.minimum(_count_below(ranked, cols, low), counts - 1), 0)
    at = cols * ranked.shape[1] + above
    flat = ranked.ravel()
    below_value = np.where(above > 0, flat.take(np.maximum(at - 1, 0)), -np.inf)
    tail = np.where(rational, -np.inf, utilities)
    tail_best, tail_value = tail.argmax(axis=1), tail.max(axis=1)
    use_tail = tail_value > below_value
    below_value = np.where(use_tail, tail_value, below_value)
    gap = np.abs(flat.take(at) - low)
    nearer = (below_value >= low - NEAR) & (low - below_value < gap)
    offers = order.ravel().take(cols * width + above)
    if nearer.any():
        rows = np.broadcast_to(cols, low.shape)[nearer]
        first = _count_below(ranked, rows, below_value[nearer])
        tie_first = order[rows, np.minimum(first, width - 1)]
        offers[nearer] = np.where(use_tail[nearer], tail_best[rows], tie_first)
    none = counts == 0
    if none.any():
        offers[:, none] = last_best(utilities[none])
    return offers


def _rank(utilities: np.ndarray, rational: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: outcome order by utility (rational first) and the sorted utilities, +inf padded.

    Rows with tied rational utilities are re-ranked by NumPy's default argsort of the rational
    ones alone, exactly as NegMAS (and ``offer_indices``) rank them.
    """
    n, width = utilities.shape
    keys = np.where(rational, utilities, np.inf)
    order = np.argsort(keys, axis=1, kind="stable")
    ranked = np.full((n, 1 << width.bit_length()), np.inf)  # power-of-two width > outcomes
    ranked[:, :width] = np.take_along_axis(keys, order, axis=1)
    sorted_keys = ranked[:, :width]
    tied = ((sorted_keys[:, 1:] == sorted_keys[:, :-1]) & np.isfinite(sorted_keys[:, 1:])).any(1)
    for row in np.flatnonzero(tied):
        keep = np.flatnonzero(rational[row])
        order[row, : keep.size] = keep[np.argsort(utilities[row, keep])]
    return order, ranked


def _count_below(ranked: np.ndarray, rows: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """How many values of ranked[row] lie below each target (branch-free binary search).

    ``ranked`` rows are sorted and padded with +inf to a power-of-two width; ``rows`` broadcasts
    against ``targets``.
    """
    width = ranked.shape[1]
    flat = ranked.ravel()
    base = np.broadcast_to(rows * width, targets.shape)
    index = base.copy()
    step = width >> 1
    while step:
        np.add(index, step, out=index, where=flat.take(index + (step - 1)) < targets)
        step >>= 1
    return index - base
