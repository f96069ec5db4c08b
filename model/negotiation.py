"""Bilateral alternating-offers negotiation (SAO) with time-based concession, as in NegMAS 0.16.

Protocol (NegMAS ``SAOMechanism`` with two negotiators): each round ``step = 0..n_steps-1``
the first party, then the second, acts. Acting means: accept the standing offer if it lies in
the acceptance band at this round's relative time, otherwise make an offer. At step 0 the first
party has nothing to answer and just offers. Every round, the last included, allows acceptance;
the second party's offer in the last round is never answered. ``round`` of a result is the
0-based round in which the offer was accepted (NegMAS's trace step); ``step`` is NegMAS's
``mechanism.state.step`` when the negotiation ends, the number of rounds completed: an
agreement in the first round is step 1, no agreement in n rounds is step n.

Two engines give identical answers: ``negotiate`` (one negotiation, readable loop, full trace)
and ``negotiate_batch`` (thousands at once with NumPy: offers are deterministic functions of
time, so they are a rounds x negotiations matrix and the agreement is the first acceptance).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from model.concession import (
    aspiration_levels,
    aspiration_matrix,
    concession_exponent,
    offer_indices,
    offer_matrix,
    rational_range,
    thresholds,
    upper_bound,
)


@dataclass(frozen=True, slots=True)
class Party:
    """One side: utility of each outcome, concession exponent p, reserved value, patience d.

    Patience enters only through the aspiration: at round k it is (1 - t**p) * d**k, so the
    acceptance threshold and the offer both drop faster for an impatient party (d = 1: NegMAS).
    In ``negotiate_batch`` ``utilities`` may be a (negotiations x outcomes) matrix and the other
    fields per-negotiation arrays.
    """

    name: str
    utilities: np.ndarray
    exponent: Any = 1.0
    reserved: Any = 0.0
    patience: Any = 1.0


class Offer(NamedTuple):
    """One offer: round, proposer, outcome, and its utility to each party (in ``parties`` order)."""

    round: int
    proposer: str
    outcome: Any
    utilities: tuple[float, float]


@dataclass(frozen=True, slots=True)
class NegotiationResult:
    """A finished negotiation: the agreement (or None), when, every offer and both aspirations."""

    agreement: Any
    round: int  # 0-based round of agreement, -1 if none
    step: int  # NegMAS's mechanism.state.step at the end: rounds completed
    parties: tuple[str, str]  # first proposer, second
    outcomes: tuple
    offered: np.ndarray  # outcome index of each offer, chronological (party = index % 2)
    offer_utilities: np.ndarray  # (offers, 2) utility of each offer to the first and second
    aspirations: np.ndarray  # (2, n_steps) aspiration level per round of each party

    @property
    def trace(self) -> list[Offer]:
        """Every offer in order, built on demand so the engine itself stays allocation-free."""
        return [
            Offer(k // 2, self.parties[k % 2], self.outcomes[o], (u[0], u[1]))
            for k, (o, u) in enumerate(
                zip(self.offered.tolist(), self.offer_utilities.tolist(), strict=True)
            )
        ]

    def offers_by(self, name: str) -> list[Offer]:
        """The offers one party made, for the app's negotiation view."""
        return [offer for offer in self.trace if offer.proposer == name]

    def aspiration(self, name: str) -> np.ndarray:
        """A party's aspiration curve (0..1 per round)."""
        return self.aspirations[self.parties.index(name)]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Outcome of many negotiations: agreed value (nan if none), round (-1) and outcome index."""

    price: np.ndarray
    round: np.ndarray  # 0-based round of agreement, -1 if none
    outcome: np.ndarray


@dataclass(frozen=True, slots=True)
class _Plan:
    """A party's behaviour per round: aspiration, acceptance band and the outcome it offers."""

    levels: np.ndarray
    low: np.ndarray
    high: float
    offers: np.ndarray


def _plan(party: Party, n_steps: int) -> _Plan:
    """Precompute a time-based party's whole behaviour (it never reacts to the opponent)."""
    utilities = np.asarray(party.utilities, dtype=float)
    levels = aspiration_levels(party.exponent, n_steps, party.patience)
    u_min, u_max = rational_range(utilities, party.reserved)
    low = thresholds(levels, u_min, u_max)
    offers = offer_indices(utilities, party.reserved, low)
    return _Plan(levels, low, float(upper_bound(u_min, u_max)), offers)


def negotiate(outcomes: Sequence, first: Party, second: Party, n_steps: int) -> NegotiationResult:
    """Run one SAO negotiation; ``first`` proposes first; result equals NegMAS's TB negotiators."""
    plans = (_plan(first, n_steps), _plan(second, n_steps))
    utils = (np.asarray(first.utilities).tolist(), np.asarray(second.utilities).tolist())
    low = (plans[0].low.tolist(), plans[1].low.tolist())
    high = (plans[0].high, plans[1].high)
    offers = (plans[0].offers.tolist(), plans[1].offers.tolist())
    standing, made, agreed = -1, 0, -1
    for step in range(n_steps):
        for me in (0, 1):
            if standing >= 0 and low[me][step] <= utils[me][standing] <= high[me]:
                agreed = step
                break
            standing, made = offers[me][step], made + 1
        if agreed >= 0:
            break
    offered = np.stack([plans[0].offers, plans[1].offers], axis=1).ravel()[:made]
    both = np.stack([np.asarray(first.utilities), np.asarray(second.utilities)], axis=1)
    return NegotiationResult(
        agreement=outcomes[standing] if agreed >= 0 else None,
        round=agreed,
        step=agreed + 1 if agreed >= 0 else n_steps,
        parties=(first.name, second.name),
        outcomes=tuple(outcomes),
        offered=offered,
        offer_utilities=both[offered],
        aspirations=np.stack([plans[0].levels, plans[1].levels]),
    )


def _rows(value: Any, n: int) -> np.ndarray:
    """A per-negotiation float array from a scalar or an array."""
    return np.broadcast_to(np.asarray(value, dtype=float), (n,))


def _batch_plan(party: Party, n_steps: int, n: int, width: int) -> tuple[np.ndarray, ...]:
    """(low, high, offers, utilities) of a party over n negotiations (rounds x n where 2-D)."""
    u = np.ascontiguousarray(np.broadcast_to(np.asarray(party.utilities, dtype=float), (n, width)))
    reserved = _rows(party.reserved, n)
    u_min, u_max = rational_range(u, reserved)
    levels = aspiration_matrix(_rows(party.exponent, n), _rows(party.patience, n), n_steps)
    low = thresholds(levels, u_min, u_max)
    return low, upper_bound(u_min, u_max), offer_matrix(u, reserved, low), u


def _batch_size(party: Party) -> int:
    """How many negotiations a batch party's per-negotiation fields describe (1 if shared)."""
    sizes = [np.atleast_2d(party.utilities).shape[0]]
    sizes += [np.size(v) for v in (party.exponent, party.reserved, party.patience)]
    return max(sizes)


def _chunk(party: Party, rows: slice, n: int) -> Party:
    """The part of a batch party that concerns negotiations ``rows``."""

    def cut(value: Any, per_row_ndim: int) -> Any:
        array = np.asarray(value)
        return array[rows] if array.ndim == per_row_ndim and array.shape[0] == n else array

    return Party(
        party.name,
        cut(party.utilities, 2),
        cut(party.exponent, 1),
        cut(party.reserved, 1),
        cut(party.patience, 1),
    )


def _agreements(values: np.ndarray, first: Party, second: Party, n_steps: int) -> BatchResult:
    """One chunk of ``negotiate_batch``: the first acceptance in the interleaved event matrix."""
    n, width = values.shape
    low_f, high_f, offers_f, u_f = _batch_plan(first, n_steps, n, width)
    low_s, high_s, offers_s, u_s = _batch_plan(second, n_steps, n, width)
    base = np.arange(n) * width
    events = np.zeros((2 * n_steps, n), dtype=bool)
    theirs = u_f.ravel().take(base + offers_s[:-1])  # first answers the second's last offer
    events[2::2] = (low_f[1:] <= theirs) & (theirs <= high_f)
    mine = u_s.ravel().take(base + offers_f)  # second answers the first's offer this round
    events[1::2] = (low_s <= mine) & (mine <= high_s)
    hit = events.argmax(axis=0)
    cols = np.arange(n)
    agreed = events[hit, cols]
    round_ = np.where(agreed, hit // 2, -1)
    k = np.maximum(round_, 0)
    outcome = np.where(hit % 2 == 1, offers_f[k, cols], offers_s[np.maximum(k - 1, 0), cols])
    outcome = np.where(agreed, outcome, -1)
    price = np.where(agreed, values[cols, np.maximum(outcome, 0)], np.nan)
    return BatchResult(price=price, round=round_, outcome=outcome)


def negotiate_batch(
    values: np.ndarray, first: Party, second: Party, n_steps: int, chunk: int = 2048
) -> BatchResult:
    """Run many independent negotiations at once; same agreements and rounds as ``negotiate``.

    ``values`` (negotiations x outcomes, or one row for all) is what each outcome is worth in the
    result, e.g. its price. Parties hold (negotiations x outcomes) or shared utilities and scalar
    or per-negotiation exponent, reserved value and patience. Work proceeds in cache-sized chunks.
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    n = max(values.shape[0], _batch_size(first), _batch_size(second))
    values = np.broadcast_to(values, (n, values.shape[1]))
    parts = [
        _agreements(values[rows], _chunk(first, rows, n), _chunk(second, rows, n), n_steps)
        for rows in (slice(i, i + chunk) for i in range(0, n, chunk))
    ]
    return BatchResult(
        price=np.concatenate([part.price for part in parts]),
        round=np.concatenate([part.round for part in parts]),
        outcome=np.concatenate([part.outcome for part in parts]),
    )


def rising(prices: np.ndarray, low: Any, high: Any) -> np.ndarray:
    """Linear utility rising from 0 at ``low`` to 1 at ``high`` (a seller's view of price)."""
    return (np.asarray(prices, dtype=float) - low) / (high - low)


def falling(prices: np.ndarray, low: Any, high: Any) -> np.ndarray:
    """Linear utility falling from 1 at ``low`` to 0 at ``high`` (a buyer's view of price)."""
    return (high - np.asarray(prices, dtype=float)) / (high - low)


def outcome_grid(*issues: Sequence) -> list[tuple]:
    """Every outcome of a discrete multi-issue space, in NegMAS's order (first issue slowest)."""
    return list(itertools.product(*issues))


def additive_utilities(values: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Linear-additive utility over ``outcome_grid``: 0 + sum w_i v_i, summed as NegMAS does."""
    grids = np.meshgrid(*[np.asarray(v, dtype=float) for v in values], indexing="ij")
    total = np.zeros(grids[0].size)
    for weight, grid in zip(weights, grids, strict=True):
        total = total + weight * grid.ravel()
    return total


def price_negotiation(
    seller: str,
    buyer: str,
    rounds: int = 100,
    price_min: int = 0,
    price_max: int = 100,
    first: str = "seller",
) -> NegotiationResult:
    """The CLI's demo: linear utilities over integer prices, reserved values 0, named strategies."""
    if price_max <= price_min:
        raise ValueError(f"price_max ({price_max}) must exceed price_min ({price_min})")
    if first not in ("seller", "buyer"):
        raise ValueError(f"first must be 'seller' or 'buyer', got {first!r}")
    prices = list(range(price_min, price_max + 1))
    sides = {
        "seller": Party(
            "seller", rising(prices, price_min, price_max), concession_exponent(seller)
        ),
        "buyer": Party("buyer", falling(prices, price_min, price_max), concession_exponent(buyer)),
    }
    second = "buyer" if first == "seller" else "seller"
    return negotiate(prices, sides[first], sides[second], rounds)


def rubinstein_share(d1: float, d2: float) -> float:
    """First proposer's share of the pie in Rubinstein's (1982) alternating-offers equilibrium."""
    if not (0.0 <= d1 <= 1.0 and 0.0 <= d2 <= 1.0) or d1 * d2 == 1.0:
        raise ValueError(f"discount factors must be in [0, 1] and not both 1, got {d1}, {d2}")
    return (1.0 - d2) / (1.0 - d1 * d2)


__all__ = [
    "BatchResult",
    "NegotiationResult",
    "Offer",
    "Party",
    "additive_utilities",
    "falling",
    "negotiate",
    "negotiate_batch",
    "outcome_grid",
    "price_negotiation",
    "rising",
    "rubinstein_share",
]
