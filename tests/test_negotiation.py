"""The negotiation engine: exact small problems, scripted counterparts, batch == scalar, the
negotiation mechanism's contract and Rubinstein's known result."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.concession import CONCESSION, aspiration_levels, relative_times
from model.mechanisms.negotiated import allocate_by_negotiation, price_parties
from model.negotiation import (
    NegotiationResult,
    Offer,
    Party,
    additive_utilities,
    falling,
    negotiate,
    negotiate_batch,
    outcome_grid,
    price_negotiation,
    rising,
    rubinstein_share,
)
from model.records import MechanismContext

PRICES = list(range(101))


def seller(exponent: float, patience: float = 1.0) -> Party:
    """A seller over prices 0..100 whose utility is price / 100."""
    return Party("seller", rising(PRICES, 0, 100), exponent, 0.0, patience)


def buyer(exponent: float, patience: float = 1.0) -> Party:
    """A buyer over prices 0..100 whose utility is (100 - price) / 100."""
    return Party("buyer", falling(PRICES, 0, 100), exponent, 0.0, patience)


def take_it_or_leave_it(price: int) -> Party:
    """Scripted buyer: only `price` is rational to it, so it always offers and accepts just that."""
    utilities = np.zeros(len(PRICES))
    utilities[price] = 1.0
    return Party("buyer", utilities, 1.0, 0.5)


# 1. Exact, hand-checkable problems


def test_relative_time_and_aspiration_follow_negmas() -> None:
    """t = (step + 1) / (n + 1) never reaches 1; Boulware's aspiration is 1 - t**4."""
    assert relative_times(3).tolist() == [0.25, 0.5, 0.75]
    assert aspiration_levels(4.0, 3).tolist() == [1 - 0.25**4, 1 - 0.5**4, 1 - 0.75**4]
    assert CONCESSION == {"boulware": 4.0, "linear": 1.0, "conceder": 0.25}


def test_linear_pair_meets_at_46_in_round_5() -> None:
    """Linear, 10 rounds: aspiration 1 - (k+1)/11; the seller asks ceil(100 a - 0.01), the buyer
    mirrors; in round 5 the seller asks 46, worth 0.54 >= 0.4545 to the buyer, who accepts."""
    result = price_negotiation("linear", "linear", rounds=10)
    assert (result.agreement, result.round, result.step) == (46, 5, 6)
    assert [o.outcome for o in result.offers_by("seller")] == [91, 82, 73, 64, 55, 46]
    assert [o.outcome for o in result.offers_by("buyer")] == [9, 18, 27, 36, 45]
    assert result.trace[0] == Offer(0, "seller", 91, (0.91, 0.09))


def test_boulware_pair_times_out_in_three_rounds() -> None:
    """Boulware, 3 rounds: aspirations 0.996, 0.9375, 0.684 keep both sides apart; the buyer's
    last offer (31) is never answered and the mechanism stops after 3 steps."""
    result = price_negotiation("boulware", "boulware", rounds=3)
    assert (result.agreement, result.round, result.step) == (None, -1, 3)
    assert [o.outcome for o in result.trace] == [100, 0, 94, 6, 69, 31]


def test_conceder_pair_agrees_at_once() -> None:
    """Conceder, 10 rounds: aspiration 1 - (1/11)**0.25 = 0.451 already in round 0; the seller
    asks 46 and the buyer, valuing it 0.54, accepts."""
    result = price_negotiation("conceder", "conceder", rounds=10)
    assert (result.agreement, result.round, result.step) == (46, 0, 1)


def test_result_carries_both_aspiration_curves() -> None:
    """The app's negotiation view reads both curves, one value per round."""
    result = price_negotiation("boulware", "conceder", rounds=20, first="buyer")
    assert result.parties == ("buyer", "seller")
    assert result.aspiration("seller").tolist() == aspiration_levels(4.0, 20).tolist()
    assert result.aspiration("buyer").tolist() == aspiration_levels(0.25, 20).tolist()
    assert isinstance(result, NegotiationResult)


# 2. Strategies against scripted counterparts


@pytest.mark.parametrize(
    ("strategy", "first", "step", "asks"),
    [
        ("boulware", "seller", 8, [100, 100, 100, 99, 96, 92, 84, 73]),
        ("boulware", "buyer", 8, [100, 100, 100, 99, 96, 92, 84, 73]),
        ("linear", "seller", 3, [91, 82, 73]),
        ("linear", "buyer", 3, [91, 82, 73]),
        ("conceder", "seller", 1, [46]),
        ("conceder", "buyer", 0, []),
    ],
)
def test_seller_against_take_it_or_leave_it_at_70(strategy, first, step, asks) -> None:
    """A seller accepts 70 once its threshold 1 - t**p - 1e-4 drops to 0.70: Boulware needs
    t >= 0.74 (round 8 of 10), Linear t >= 0.30 (round 3), Conceder at once."""
    me, them = seller(CONCESSION[strategy]), take_it_or_leave_it(70)
    parties = (me, them) if first == "seller" else (them, me)
    result = negotiate(PRICES, *parties, n_steps=10)
    assert (result.agreement, result.round) == (70, step)
    assert [o.outcome for o in result.offers_by("seller")] == asks


def test_hardheaded_counterpart_never_concedes() -> None:
    """An infinite exponent keeps the aspiration at 1: it offers its best price only, no deal."""
    result = negotiate(PRICES, seller(1.0), buyer(float("inf")), n_steps=50)
    assert result.agreement is None
    assert {o.outcome for o in result.offers_by("buyer")} == {0}


def test_offer_within_tolerance_below_aspiration_is_accepted() -> None:
    """NegMAS lowers the threshold by 1e-4: 0.44995 is accepted in round 10 of 19, where the linear
    aspiration is 1 - 11/20 = 0.45; in round 9 (0.5) it is not."""
    me = Party("seller", np.array([0.44995, 1.0, 0.0]), 1.0)
    scripted = Party("buyer", np.array([1.0, 0.0, 0.5]), float("inf"))  # always offers "cheap"
    result = negotiate(["cheap", "dear", "free"], scripted, me, n_steps=19)
    assert (result.agreement, result.round) == ("cheap", 10)


# 3. Batch engine == scalar engine


def _scalar_rows(values, firsts, seconds, n_steps) -> tuple[list[float], list[int]]:
    """Run each problem through the scalar engine: agreed value (nan) and round (-1)."""
    prices, steps = [], []
    for row, f, s in zip(values, firsts, seconds, strict=True):
        r = negotiate(list(row), f, s, n_steps)
        prices.append(np.nan if r.agreement is None else r.agreement)
        steps.append(r.round)
    return prices, steps


def _as_batch(parties: list[Party]) -> Party:
    """Stack single-negotiation parties into one batch party."""
    return Party(
        parties[0].name,
        np.stack([p.utilities for p in parties]),
        np.array([p.exponent for p in parties]),
        np.array([p.reserved for p in parties]),
        np.array([p.patience for p in parties]),
    )


def _assert_batch_matches(values, firsts, seconds, n_steps) -> None:
    """negotiate_batch over all rows equals negotiate row by row, exactly."""
    prices, steps = _scalar_rows(values, firsts, seconds, n_steps)
    batch = negotiate_batch(values, _as_batch(firsts), _as_batch(seconds), n_steps, chunk=7)
    np.testing.assert_array_equal(batch.price, prices)
    np.testing.assert_array_equal(batch.round, steps)


@pytest.mark.parametrize("n_steps", [1, 2, 10, 20, 100])
def test_batch_equals_scalar_on_price_grid(n_steps) -> None:
    """All strategy pairs, both move orders, several patiences and price ranges."""
    firsts, seconds, values = [], [], []
    pairs = itertools.product(CONCESSION.values(), repeat=2)
    for (ps, pb), (ds, db), (lo, hi) in itertools.product(
        pairs, [(1.0, 1.0), (0.99, 0.9), (0.9, 0.97)], [(0, 100), (10, 30)]
    ):
        prices = np.arange(lo, hi + 1)
        s = Party("seller", rising(prices, lo, hi), ps, 0.0, ds)
        b = Party("buyer", falling(prices, lo, hi), pb, 0.0, db)
        padded = np.pad(prices, (0, 101 - prices.size), mode="edge")  # equal widths, tied prices
        s = replace(s, utilities=np.pad(s.utilities, (0, 101 - prices.size), mode="edge"))
        b = replace(b, utilities=np.pad(b.utilities, (0, 101 - prices.size), mode="edge"))
        for f, sec in ((s, b), (b, s)):
            firsts.append(f)
            seconds.append(sec)
            values.append(padded)
    _assert_batch_matches(np.array(values), firsts, seconds, n_steps)


@pytest.mark.parametrize("seed", range(4))
def test_batch_equals_scalar_on_random_utilities(seed) -> None:
    """Random utilities with reserved values, ties and outcomes just below thresholds."""
    rng = np.random.default_rng(seed)
    n, width, n_steps = 60, 23, int(rng.choice([3, 17, 60]))
    firsts, seconds = [], []
    for i in range(n):
        u = rng.random((2, width))
        if i % 3 == 0:
            u = np.round(u, 1)  # ties
        if i % 3 == 1:
            u[:, 0] = u[:, 1] - 5e-7  # near-equal pair
        exps = rng.choice([4.0, 1.0, 0.25, 2.0], 2)
        res, pat = rng.choice([0.0, 0.3, 0.95], 2), rng.choice([1.0, 0.97], 2)
        firsts.append(Party("a", u[0], exps[0], res[0], pat[0]))
        seconds.append(Party("b", u[1], exps[1], res[1], pat[1]))
    values = np.broadcast_to(np.arange(width, dtype=float), (n, width))
    _assert_batch_matches(values, firsts, seconds, n_steps)


def test_price_by_quantity_outcome_space() -> None:
    """Linear-additive utilities over price x quantity, enumerated first issue slowest."""
    outcomes = outcome_grid([10, 20], [1, 2, 3])
    assert outcomes[:4] == [(10, 1), (10, 2), (10, 3), (20, 1)]
    u = additive_utilities([rising([10, 20], 10, 20), rising([1, 2, 3], 1, 3)], [0.7, 0.3])
    assert u.tolist() == pytest.approx([0.0, 0.15, 0.3, 0.7, 0.85, 1.0])
    first = Party("seller", u, 1.0)
    second = Party("buyer", additive_utilities([[1.0, 0.0], [0.0, 0.5, 1.0]], [0.6, 0.4]), 1.0)
    result = negotiate(outcomes, first, second, 10)
    assert result.agreement in outcomes
    batch = negotiate_batch(np.arange(6), first, second, 10)
    assert outcomes[int(batch.outcome[0])] == result.agreement
    assert batch.round[0] == result.round


# 4. The negotiation mechanism


def _context(n: int = 40, seed: int = 3, **overrides) -> MechanismContext:
    """A random but seeded market of n buyers."""
    rng = np.random.default_rng(seed)
    fields = {
        "max_price": rng.uniform(5_000, 45_000, n).round(),
        "concession": rng.choice(list(CONCESSION.values()), n),
        "patience": rng.choice([1.0, 0.99, 0.9], n),
        "tiers": rng.integers(0, 3, n),
    }
    return MechanismContext.neutral(n, **(fields | overrides))


def test_negotiation_mechanism_exact_table() -> None:
    """Tier 0 is served first; a buyer below cost never trades; the last gets what is left.

    Buyer 1's grid runs 10,000..35,000 in $250 steps, so its deal is the CLI demo's Boulware
    seller vs Linear buyer over 0..100 (71 in round 15), i.e. 10,000 + 250 * 71.
    """
    ctx = MechanismContext.neutral(
        3,
        tiers=np.array([1, 0, 0]),
        max_price=np.array([40_000.0, 35_000.0, 9_000.0]),
        concession=np.array([1.0, 1.0, 1.0]),
        patience=np.array([1.0, 1.0, 1.0]),
        cost_price=10_000.0,
    )
    demo = price_negotiation("boulware", "linear", rounds=20)
    allocation = allocate_by_negotiation(np.array([10, 20, 5]), 25, ctx)
    assert allocation.units.tolist() == [5, 20, 0]
    assert allocation.prices[1] == 10_000 + 250 * demo.agreement == 27_750
    assert allocation.rounds.tolist()[1:] == [demo.round, -1]
    assert allocation.prices[2] == 0.0


def test_negotiation_mechanism_conserves_units_and_is_deterministic() -> None:
    """sum a <= K, 0 <= a <= q; prices between cost and each buyer's max; same input, same
    answer."""
    ctx = _context()
    orders = np.random.default_rng(5).integers(0, 30, ctx.max_price.size)
    for capacity in (0, 50, 300, 10_000):
        a = allocate_by_negotiation(orders, capacity, ctx)
        b = allocate_by_negotiation(orders, capacity, ctx)
        assert a.units.sum() <= capacity and np.all((a.units >= 0) & (a.units <= orders))
        np.testing.assert_array_equal(a.units, b.units)
        np.testing.assert_array_equal(a.prices, b.prices)
        sold = a.units > 0
        assert np.all(a.prices[sold] >= ctx.cost_price)
        assert np.all(a.prices[sold] <= ctx.max_price[sold])
        assert np.all(a.rounds[~sold] == -1) and np.all(a.prices[~sold] == 0)


def test_negotiation_mechanism_handles_no_buyers() -> None:
    """The contract holds for arrays of any length, including none."""
    a = allocate_by_negotiation(np.zeros(0, np.int64), 10, MechanismContext.neutral(0))
    assert a.units.size == a.prices.size == a.rounds.size == 0


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 12),
    capacity=st.integers(0, 200),
    seed=st.integers(0, 2**16),
    rounds=st.integers(1, 40),
)
def test_negotiation_mechanism_property(n, capacity, seed, rounds) -> None:
    """On random markets: units conserved and capped by orders, deals only where units flow."""
    ctx = replace(_context(n, seed), negotiation_rounds=rounds)
    orders = np.random.default_rng(seed).integers(0, 40, n)
    a = allocate_by_negotiation(orders, capacity, ctx)
    assert a.units.sum() <= capacity and np.all((a.units >= 0) & (a.units <= orders))
    assert np.all((a.rounds >= 0) == (a.units > 0)) and np.all(a.rounds < rounds)


def test_negotiation_mechanism_follows_service_order() -> None:
    """Buyers earlier in the service order are filled before later ones."""
    ctx = _context(n=6, max_price=np.full(6, 40_000.0), concession=np.full(6, 0.25))
    order = np.array([5, 4, 3, 2, 1, 0])
    a = allocate_by_negotiation(np.full(6, 10), 25, replace(ctx, service_order=order))
    assert a.units.tolist() == [0, 0, 0, 5, 10, 10]
    with pytest.raises(ValueError, match="permutation"):
        allocate_by_negotiation(np.full(6, 10), 25, replace(ctx, service_order=np.zeros(6)))


def test_negotiation_mechanism_prices_equal_scalar_negotiations() -> None:
    """Every buyer's price and round equal a scalar negotiation over its own price grid."""
    ctx = _context()
    allocation = allocate_by_negotiation(np.full(40, 5), 10_000, ctx)
    prices, s, b = price_parties(ctx)
    for i in np.flatnonzero(allocation.units):
        mine = Party("seller", s.utilities[i], s.exponent)
        theirs = Party("buyer", b.utilities[i], b.exponent[i], 0.0, b.patience[i])
        result = negotiate(list(prices[i]), mine, theirs, ctx.negotiation_rounds)
        assert (result.agreement, result.round) == (allocation.prices[i], allocation.rounds[i])


# 5. The CLI helper


def test_cli_helper_validates_its_arguments() -> None:
    """Strategy names are case-insensitive; unknown names and bad choices fail loudly."""
    assert price_negotiation("LINEAR", "Linear", rounds=10).agreement == 46
    with pytest.raises(ValueError, match="boulware, linear, conceder"):
        price_negotiation("tough", "linear")
    with pytest.raises(ValueError, match="first"):
        price_negotiation("linear", "linear", first="nobody")
    with pytest.raises(ValueError, match="price_max"):
        price_negotiation("linear", "linear", price_min=5, price_max=5)


# 6. Known results


def test_rubinstein_share_formula() -> None:
    """(1 - d2) / (1 - d1 d2): 1/1.9 at d = 0.9 each, 2/3 at 0.5 each, all for a patient
    proposer."""
    assert rubinstein_share(0.9, 0.9) == pytest.approx(1 / 1.9)
    assert rubinstein_share(0.5, 0.5) == pytest.approx(2 / 3)
    assert rubinstein_share(1.0, 0.5) == 1.0
    assert rubinstein_share(0.0, 0.3) == pytest.approx(0.7)
    with pytest.raises(ValueError):
        rubinstein_share(1.0, 1.0)


@pytest.mark.parametrize("strategy", list(CONCESSION))
@pytest.mark.parametrize("first", ["seller", "buyer"])
@pytest.mark.parametrize(("patient", "impatient"), [(0.99, 0.95), (0.98, 0.9), (1.0, 0.97)])
def test_more_patient_side_gets_more(strategy, first, patient, impatient) -> None:
    """Rubinstein (1982, Econometrica 50(1), 97-109): in alternating offers the more patient
    bargainer gets the larger share. In our engine patience discounts the aspiration by d**step,
    so the impatient side concedes faster and the more patient side ends above half the pie."""
    p = CONCESSION[strategy]
    for seller_d, buyer_d in ((patient, impatient), (impatient, patient)):
        s, b = seller(p, seller_d), buyer(p, buyer_d)
        result = negotiate(PRICES, *((s, b) if first == "seller" else (b, s)), n_steps=100)
        seller_share = result.agreement / 100
        assert (seller_share > 0.5) == (seller_d > buyer_d)
