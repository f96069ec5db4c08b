"""The rule-based allocation mechanisms: pure functions that split one week's capacity among orders.

Each maps (orders q, capacity K, context) to an `Allocation` with integer units, 0 <= a_i <= q_i
and sum a <= K, vectorized over any number of buyers. Shares are kept as exact rationals
(whole + num/den in int64) and made integers by one largest-remainder rule, so ties go to the
lowest index, never to floating-point noise. Each rule also states its slopes d a_i / d q_i:
inflating an order pays only where they are positive (Cachon & Lariviere 1999).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from model.records import Allocation
from model.records import MechanismContext as Ctx

MAX_UNITS = 2**31 - 1  # bound on orders, past purchases and capacity: K * q_i stays in int64

Arr = np.ndarray


class Outcome(NamedTuple):
    """What a rule decides: integer units, slopes d a_i / d q_i, one unit price (None: list).

    A rule that prices each buyer apart (negotiation) returns its whole `allocation` too."""

    units: Arr
    slopes: Arr
    price: float | None = None
    allocation: Allocation | None = None


def _units(values: object, what: str = "orders") -> Arr:
    """Integer unit counts as a flat int64 array; floats, negatives and huge values fail loudly."""
    arr = np.asarray(values)
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integer units, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False).reshape(-1)
    if arr.size and (arr.min() < 0 or arr.max() > MAX_UNITS):
        raise ValueError(f"{what} must lie in [0, {MAX_UNITS}]")
    return arr


def checked_inputs(orders: object, capacity: int) -> tuple[Arr, int]:
    """Orders and capacity as checked integer units."""
    return _units(orders), int(_units([capacity], "capacity")[0])


def _field(values: Arr, n: int, name: str) -> Arr:
    """A per-buyer context array, checked to have one entry per order."""
    arr = np.asarray(values).reshape(-1)
    if arr.size != n:
        raise ValueError(f"context field {name!r} has {arr.size} entries for {n} orders")
    return arr


def _largest_remainder(whole: Arr, num: Arr, den: int, total: int, caps: Arr) -> Arr:
    """Exact shares whole + num/den to integers: floor, +1 to the largest remainders."""
    # Ties go to the lowest index. Only buyers below their cap get a +1, so a_i <= caps_i; the sum
    # is `total` when the exact shares add up to it. A partition, not a sort, keeps this O(n).
    units, frac = np.divmod(num, den)
    units += whole
    cand = np.flatnonzero((frac > 0) & (units < caps))  # ascending, so ties favour low indices
    short = min(total - int(units.sum()), cand.size)
    if short <= 0:
        return units
    rem = frac[cand]
    kth = np.partition(rem, rem.size - short)[rem.size - short]  # short-th largest remainder
    above = cand[rem > kth]
    units[above] += 1
    units[cand[rem == kth][: short - above.size]] += 1
    return units


def _proportional_slopes(q: Arr, left: int, total: int) -> Arr:
    """d/dq_i of left * q_i / total where total = sum q: left (total - q_i) / total^2."""
    return left * (total - q) / float(total) ** 2


def _filled(q: Arr) -> Outcome:
    """Capacity does not bind: every order is filled and every slope is 1."""
    return Outcome(q.copy(), np.ones(q.size))


# --- rules -----------------------------------------------------------------------------------


def proportional(q: Arr, k: int, ctx: Ctx) -> Outcome:
    """a_i = K q_i / sum q (Cachon & Lariviere 1999): a bigger order buys a bigger share."""
    total = int(q.sum())
    if total <= k:
        return _filled(q)
    units = _largest_remainder(np.zeros_like(q), k * q, total, k, q)
    return Outcome(units, _proportional_slopes(q, k, total))


def _uniform_level(q: Arr, capacity: int) -> tuple[int, int]:
    """The uniform rule's exact level L = R/m with sum min(q_i, L) = K (assumes sum q > K)."""
    qs = np.sort(q)
    before = np.cumsum(qs) - qs  # orders of the smaller buyers, all capped if this one is
    j = int(np.argmin(qs * np.arange(q.size, 0, -1) <= capacity - before))  # first uncapped
    return capacity - int(before[j]), q.size - j


def uniform(q: Arr, k: int, ctx: Ctx) -> Outcome:
    """a_i = min(q_i, L), sum min(q_j, L) = K (Sprumont 1991): truthful orders are optimal."""
    if int(q.sum()) <= k:
        return _filled(q)
    left, m = _uniform_level(q, k)
    capped = q * m <= left
    units = _largest_remainder(np.where(capped, q, 0), np.where(capped, 0, left), m, k, q)
    return Outcome(units, (q * m < left).astype(float))  # ordering more helps only below L


def linear(q: Arr, k: int, ctx: Ctx) -> Outcome:
    """a_i = q_i - (sum_S q - K)/|S|, dropping negatives and repeating (Cachon & Lariviere 1999)."""
    if int(q.sum()) <= k:
        return _filled(q)
    # Dropping negatives always keeps the largest orders, so |S| is the largest m with
    # m q_(m) >= (sum of the m largest) - K, a condition that is monotone in m.
    qs = np.sort(q)[::-1]
    top = np.cumsum(qs)
    m = int(np.count_nonzero(qs * np.arange(1, q.size + 1) >= top - k))
    excess = int(top[m - 1]) - k
    kept = q * m >= excess
    units = _largest_remainder(np.where(kept, q, 0), np.where(kept, -excess, 0), m, k, q)
    # A dropped buyer that ordered enough to rejoin S would gain 1 - 1/(m+1) per extra unit: under
    # linear allocation everyone is rewarded for ordering more, the rule's strongest inflation pull.
    return Outcome(units, np.where(kept, 1.0 - 1.0 / m, 1.0 - 1.0 / (m + 1)))


def _water_level(q: Arr, w: Arr, capacity: int) -> tuple[Arr, int, int]:
    """Capped buyers and the exact level R/W with sum min(q_i, w_i R/W) = K (weights w_i > 0)."""
    # Sorting by q_i / w_i finds the capped prefix in float; exact integer tests fix the boundary.
    idx = np.flatnonzero(w > 0)
    qi, wi = q[idx], w[idx]
    order = np.argsort(qi / wi)
    qs, ws = qi[order], wi[order]
    before = np.cumsum(qs) - qs  # orders of the buyers capped earlier
    rest = int(ws.sum()) - np.cumsum(ws) + ws  # weight of this buyer and every later one
    fits = qs * rest.astype(float) <= (capacity - before) * ws.astype(float)
    k = int(np.argmin(fits)) if not fits.all() else fits.size

    def exact(j: int) -> bool:
        return int(qs[j]) * int(rest[j]) <= (capacity - int(before[j])) * int(ws[j])

    while k > 0 and not exact(k - 1):
        k -= 1
    while k < qs.size and exact(k):
        k += 1
    capped = np.zeros(q.size, dtype=bool)
    capped[idx[order[:k]]] = True
    return capped, capacity - int(before[k]), int(rest[k])


def turn_and_earn(q: Arr, k: int, ctx: Ctx) -> Outcome:
    """Shares by past purchases, capped by orders (Cachon & Lariviere 1999, MS 45(5))."""
    if int(q.sum()) <= k:
        return _filled(q)
    past = _units(_field(ctx.past, q.size, "past"), "past purchases")
    earned = past > 0
    served = int(q[earned].sum())
    if served > k:  # leftovers of capped buyers go to the uncapped, by past purchases
        capped, left, weight = _water_level(q, past, k)
        num = np.where(earned & ~capped, left * past, 0)
        units = _largest_remainder(np.where(capped, q, 0), num, weight, k, q)
        return Outcome(units, capped.astype(float))
    # Every buyer with a history is served in full; the rest share what is left by orders.
    rest = np.where(earned, 0, q)
    units = _largest_remainder(q - rest, (k - served) * rest, int(rest.sum()), k, q)
    slopes = _proportional_slopes(rest, k - served, int(rest.sum()))
    return Outcome(units, np.where(earned, 1.0, slopes))


def _cut(q: Arr, rank: Arr, capacity: int) -> tuple[int, int, int]:
    """Marginal tier, units left for it and its demand, serving tiers 0, 1, ... (sum q > K)."""
    demand = np.zeros(int(rank.max()) + 1, dtype=np.int64)
    np.add.at(demand, rank, q)
    served = np.cumsum(demand)
    m = int(np.searchsorted(served, capacity, side="right"))
    return m, capacity - (int(served[m - 1]) if m else 0), int(demand[m])


def _serve_tiers(q: Arr, rank: Arr, capacity: int) -> Outcome:
    """Serve tiers in rank order in full; the marginal tier shares what is left by orders."""
    if int(q.sum()) <= capacity:
        return _filled(q)
    tier, left, demand = _cut(q, rank, capacity)
    num = np.where(rank == tier, left * q, 0)
    units = _largest_remainder(np.where(rank < tier, q, 0), num, demand, capacity, q)
    marginal = np.where(rank == tier, _proportional_slopes(q, left, demand), 0.0)
    return Outcome(units, np.where(rank < tier, 1.0, marginal))


def _rank(keys: Arr) -> Arr:
    """Order-preserving tier numbers from 0 (gaps are harmless: empty tiers demand nothing)."""
    if keys.dtype.kind in "iu" and keys.size and np.ptp(keys) < keys.size:
        return (keys - keys.min()).astype(np.int64)  # small integer tiers: no sort needed
    return np.unique(keys, return_inverse=True)[1].reshape(-1).astype(np.int64)


def priority(q: Arr, k: int, ctx: Ctx) -> Outcome:
    """Serve strategic tiers 0, 1, ... in full; split the marginal tier in proportion to orders."""
    rank = _rank(_field(ctx.tiers, q.size, "tiers"))
    if not ctx.readiness_cap:
        return _serve_tiers(q, rank, k)
    # Never allocate more than a buyer can deploy soon; past that, ordering more buys nothing.
    deployable = np.clip(_field(ctx.deployable, q.size, "deployable"), 0, None)
    units, slopes = _serve_tiers(np.minimum(q, deployable).astype(np.int64), rank, k)[:2]
    return Outcome(units, np.where(q >= deployable, 0.0, slopes))


def auction(q: Arr, k: int, ctx: Ctx) -> Outcome:
    """Uniform-price sealed-bid auction: highest unit prices first, one clearing price for all."""
    # Bids below the reserve are excluded; bids at the marginal price share what is left by
    # quantity (anonymous, unlike first-come). All pay the marginal price, the highest losing bid
    # (the (K+1)-th unit's), when valid bids exceed K, otherwise the reserve `ctx.cost_price`.
    price = _field(ctx.max_price, q.size, "max_price").astype(float)
    valid = price >= ctx.cost_price
    rank = np.full(q.size, q.size, dtype=np.int64)  # invalid bids rank after every level
    if valid.any():
        rank[valid] = _rank(-price[valid])
    bid, clearing = np.where(valid, q, 0), float(ctx.cost_price)
    if int(bid.sum()) > k:
        clearing = float(price[np.argmax(rank == _cut(bid, rank, k)[0])])
    units, slopes = _serve_tiers(bid, rank, k)[:2]
    return Outcome(units, np.where(valid, slopes, 0.0), clearing)
