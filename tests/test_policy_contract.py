"""The contract every registered owner policy keeps, on seeded random views, and end to end.

Transfers are (donor, receiver, units) between distinct firms of the view with units > 0; a donor
never gives more than `max_share` of its allocated + in-transit units; receivers get no more
than the policy promises (at most their shortfall for every policy here); the same view gives the
same transfers and is not changed; "none" moves nothing. End to end on "classroom", units are
conserved and the owner's accounts match the redirect columns.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from model.market import GpuMarket
from model.policies import POLICIES, OwnerView, Transfer
from tests.test_market import assert_conserved

NAMES = list(POLICIES)


def random_view(rng: np.random.Generator) -> OwnerView:
    """A view of 1-6 firms with zeros, ties, negative free slots and max_share from 0 to 1."""
    k = int(rng.integers(1, 7))

    def units(high: int) -> np.ndarray:
        return rng.integers(0, 3, k) * rng.integers(0, high, k)  # many zeros

    return OwnerView(
        allocated=units(5_000),
        in_transit=units(5_000),
        shortfall=units(8_000),
        free_soon=rng.integers(-6_000, 6_000, k) * rng.integers(0, 2, k),
        value=rng.choice([1_000.0, 1_100.0, 1_300.0], k),
        rank=rng.integers(0, 3, k),
        weights=rng.integers(0, 4, k).astype(float),
        max_share=float(rng.choice([0.0, 0.25, 0.5, 1.0, rng.uniform()])),
    )


def received(view: OwnerView, moves: list[Transfer]) -> np.ndarray:
    out = np.zeros(view.allocated.size, dtype=np.int64)
    for _, r, units in moves:
        out[r] += units
    return out


def given(view: OwnerView, moves: list[Transfer]) -> np.ndarray:
    out = np.zeros(view.allocated.size, dtype=np.int64)
    for d, _, units in moves:
        out[d] += units
    return out


def room(v: OwnerView) -> np.ndarray:
    return np.minimum(v.shortfall, np.maximum(0, v.free_soon))


def weights_target(v: OwnerView) -> np.ndarray:
    total = v.weights.sum()
    share = v.weights / total if total > 0 else v.weights
    return np.floor(share * v.allocated.sum())


# What each policy promises beyond the common contract (every registered policy must say).
Promise = Callable[[OwnerView, list[Transfer]], None]


def _none(v: OwnerView, moves: list[Transfer]) -> None:
    assert moves == []


def _priority(v: OwnerView, moves: list[Transfer]) -> None:
    assert all(v.rank[d] > v.rank[r] for d, r, _ in moves), "only toward more favoured firms"
    assert np.all(received(v, moves) <= v.shortfall)


def _weights(v: OwnerView, moves: list[Transfer]) -> None:
    target = weights_target(v)
    assert np.all(given(v, moves) <= np.maximum(0, v.allocated - target)), "only a surplus"
    deficit = np.minimum(np.maximum(0, target - v.allocated), v.shortfall)
    assert np.all(received(v, moves) <= deficit), "only up to its weight and its need"


def _readiness(v: OwnerView, moves: list[Transfer]) -> None:
    assert np.all(given(v, moves) <= np.maximum(0, -v.free_soon)), "only units without a slot"
    assert np.all(given(v, moves) <= v.allocated + v.in_transit)
    assert np.all(received(v, moves) <= room(v)), "only to firms that can switch them on"


def _value(v: OwnerView, moves: list[Transfer]) -> None:
    assert all(v.value[d] < v.value[r] for d, r, _ in moves), "only toward higher value"
    assert np.all(received(v, moves) <= room(v))


PROMISES: dict[str, Promise] = {
    "none": _none,
    "priority": _priority,
    "weights": _weights,
    "readiness": _readiness,
    "value": _value,
}


def check_contract(name: str, view: OwnerView) -> None:
    before = {f: np.copy(getattr(view, f)) for f in ("allocated", "in_transit", "shortfall")}
    moves = POLICIES[name].transfers(view)
    k = view.allocated.size
    for move in moves:
        assert isinstance(move, tuple) and len(move) == 3
        d, r, units = move
        assert all(isinstance(x, int) for x in move), move
        assert 0 <= d < k and 0 <= r < k and d != r and units > 0, move
    cap = np.floor(view.max_share * (view.allocated + view.in_transit))
    assert np.all(given(view, moves) <= cap), "more than max_share of a donor's units"
    assert np.all(received(view, moves) <= view.shortfall), "more than a receiver's shortfall"
    PROMISES[name](view, moves)
    assert POLICIES[name].transfers(view) == moves, "not deterministic"
    for f, arr in before.items():
        assert np.array_equal(getattr(view, f), arr), f"the view's {f} was changed"


def test_every_policy_states_its_promises() -> None:
    assert set(PROMISES) == set(POLICIES)


@pytest.mark.parametrize("name", NAMES)
def test_contract_on_seeded_random_views(name: str) -> None:
    rng = np.random.default_rng(20231207)
    moved = 0
    for _ in range(400):
        view = random_view(rng)
        check_contract(name, view)
        moved += len(POLICIES[name].transfers(view))
    assert (moved == 0) == (name == "none"), "the random views must exercise every policy"


# --- end to end on classroom --------------------------------------------------------------------

# Classroom's weights (equal) move less than min_units a review; all to Tesla moves units.
OVERRIDES = {"weights": {"owner.weights": [1.0, 0.0, 0.0]}}


@pytest.mark.parametrize("name", NAMES)
def test_units_are_conserved_under_every_policy(name: str) -> None:
    m = GpuMarket("classroom", overrides={"owner.policy": name, **OVERRIDES.get(name, {})}).run()
    assert m.owner.policy.name == name
    assert_conserved(m)
    firms = m.firms_table().pivot(index="step", columns="firm")
    moved = firms["redirected_out"] - firms["redirected_in"]
    np.testing.assert_array_equal(firms["owner_debt"].to_numpy(), moved.cumsum().to_numpy())
    outsiders = (
        firms["redirected_out"][["Microsoft", "Meta"]]
        + firms["redirected_in"][["Microsoft", "Meta"]]
    )
    assert (outsiders.to_numpy() == 0).all(), "the owner moves units among its own firms only"
    model = m.model_table()
    assert model.redirected_units.sum() == firms["redirected_out"].to_numpy().sum()
    if name == "none":
        assert model.redirected_units.sum() == 0 and model.friction_redirect.sum() == 0
        assert not set(m.events_table().kind) & {"redirect", "swap", "refusal", "swap_repay"}
    else:
        assert model.redirected_units.sum() > 0
