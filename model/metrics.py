"""Fairness, inflation and welfare measures on per-buyer arrays."""

from __future__ import annotations

import numpy as np


def jain(x: np.ndarray) -> float:
    """Jain's fairness index (sum x)^2 / (n sum x^2): 1 when all equal, 1/n when one takes all.

    Jain, Chiu & Hawe (1984). Returns 1.0 for an empty or all-zero vector (nothing to be unfair
    about).
    """
    # Sums, not np.dot: from 10,000 entries OpenBLAS wakes its threads, which then spin and take
    # a core from the simulation (a 10,000-buyer negotiation week ran twice as slowly).
    x = np.asarray(x, dtype=float)
    sq = float(np.sum(x * x))
    if x.size == 0 or sq == 0.0:
        return 1.0
    return float(x.sum() ** 2 / (x.size * sq))


def gini(x: np.ndarray) -> float:
    """Gini coefficient of a non-negative vector: 0 when all equal, (n-1)/n when one takes all."""
    x = np.sort(np.asarray(x, dtype=float))
    n, total = x.size, float(x.sum())
    if n == 0 or total == 0.0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * np.sum(ranks * x)) / (n * total) - (n + 1) / n)  # no BLAS: see jain


def inflation(orders: np.ndarray, needs: np.ndarray) -> float:
    """Order inflation: total orders over total true need (1.0 = truthful; NaN when no need)."""
    need = float(np.sum(needs))
    return float(np.sum(orders)) / need if need > 0 else float("nan")
