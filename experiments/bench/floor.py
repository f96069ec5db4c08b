"""The floor: the simplest correct plain-numpy code for three allocation rules.

`gpu-alloc bench` times the registered mechanisms against these to see what the mechanisms'
generality (exact rationals, checks, slopes, a registry) costs over the bare rule. Each function
returns the same integer units as the mechanism (largest remainders, ties to the lowest index);
the benchmark checks that before it reports a ratio.
"""

from __future__ import annotations

import numpy as np


def _top_up(units: np.ndarray, remainder: np.ndarray, capacity: int) -> np.ndarray:
    """Give the units still unallocated, one each, to the largest remainders (lowest index
    first)."""
    short = capacity - int(units.sum())
    units[np.argsort(-remainder, kind="stable")[:short]] += 1
    return units


def proportional(q: np.ndarray, capacity: int) -> np.ndarray:
    """a_i = K q_i / sum q, rounded by largest remainders."""
    total = int(q.sum())
    if total <= capacity:
        return q.copy()
    units, remainder = np.divmod(capacity * q, total)
    return _top_up(units, remainder, capacity)


def uniform(q: np.ndarray, capacity: int) -> np.ndarray:
    """a_i = min(q_i, L) with sum a = K: sort, find the first order above the level."""
    if int(q.sum()) <= capacity:
        return q.copy()
    qs = np.sort(q)
    before = np.cumsum(qs) - qs
    j = int(np.argmax(qs * (q.size - np.arange(q.size)) > capacity - before))
    left, m = capacity - int(before[j]), q.size - j
    above = q * m > left  # those not served in full all get L = left / m
    units = np.where(above, left // m, q)
    units[np.flatnonzero(above)[: left % m]] += 1
    return units


def linear(q: np.ndarray, capacity: int) -> np.ndarray:
    """a_i = q_i - (sum_S q - K)/|S| over the buyers S left after dropping negatives, repeated."""
    if int(q.sum()) <= capacity:
        return q.copy()
    kept = np.ones(q.size, dtype=bool)
    while True:
        m, excess = int(kept.sum()), int(q[kept].sum()) - capacity
        still = kept & (q * m >= excess)
        if still.sum() == m:
            break
        kept = still
    units = np.where(kept, (q * m - excess) // m, 0)
    units[np.flatnonzero(kept)[: capacity - int(units.sum())]] += 1
    return units


FLOORS = {"proportional": proportional, "uniform": uniform, "linear": linear}
