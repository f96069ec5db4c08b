"""Cross-check against NegMAS 0.16 (optional extra): same agreements, rounds and offers.

NegMAS is AGPL and heavy, so it is only a test reference: ``pip install -e .[negmas]``.
"""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pytest

negmas = pytest.importorskip(
    "negmas", reason="negmas extra not installed: pip install -e .[negmas]"
)

from negmas import (  # noqa: E402
    BoulwareTBNegotiator,
    ConcederTBNegotiator,
    LinearTBNegotiator,
    SAOMechanism,
    make_issue,
)
from negmas.gb.negotiators.timebased import TimeBasedConcedingNegotiator  # noqa: E402
from negmas.preferences import LinearAdditiveUtilityFunction  # noqa: E402
from negmas.preferences.value_fun import TableFun  # noqa: E402

from model.concession import CONCESSION  # noqa: E402
from model.negotiation import (  # noqa: E402
    Party,
    additive_utilities,
    falling,
    negotiate,
    negotiate_batch,
    outcome_grid,
    price_negotiation,
    rising,
)

NEGOTIATORS = {
    "boulware": BoulwareTBNegotiator,
    "linear": LinearTBNegotiator,
    "conceder": ConcederTBNegotiator,
}
PRICE_RANGES = [(0, 100), (10, 30), (1000, 1100)]


def _ufun(mechanism, issues: dict[str, tuple[list, np.ndarray]], weights, reserved: float):
    """A NegMAS linear-additive ufun whose value tables hold exactly our per-issue utilities."""
    values = {
        name: TableFun(dict(zip(levels, u.tolist(), strict=True)))
        for name, (levels, u) in issues.items()
    }
    return LinearAdditiveUtilityFunction(
        values=values,
        weights=list(weights),
        outcome_space=mechanism.outcome_space,
        reserved_value=reserved,
    )


def _run(mechanism, sides) -> tuple:
    """Run a NegMAS SAO mechanism: (agreement, round of agreement, state.step, offers)."""
    for negotiator, ufun in sides:
        mechanism.add(negotiator, ufun=ufun)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state = mechanism.run()
    offers = [(step, outcome) for step, _, outcome in mechanism.extended_trace]
    agreement = state.agreement
    # the accepting round is the last completed one
    return agreement, state.step - 1 if agreement is not None else -1, state.step, offers


def negmas_price(seller: str, buyer: str, rounds: int, low: int, high: int, first: str) -> tuple:
    """The CLI demo's problem solved by NegMAS's own time-based negotiators."""
    prices = list(range(low, high + 1))
    mechanism = SAOMechanism(
        issues=[make_issue(values=prices, name="price")], n_steps=rounds, time_limit=None
    )
    s = _ufun(mechanism, {"price": (prices, rising(prices, low, high))}, [1.0], 0.0)
    b = _ufun(mechanism, {"price": (prices, falling(prices, low, high))}, [1.0], 0.0)
    sides = [(NEGOTIATORS[seller](name="seller"), s), (NEGOTIATORS[buyer](name="buyer"), b)]
    return _run(mechanism, sides if first == "seller" else sides[::-1])


def _ours(result) -> tuple:
    """Our result in the same shape as ``_run``'s (outcomes as NegMAS tuples)."""
    wrap = (lambda o: o) if isinstance(result.outcomes[0], tuple) else (lambda o: (o,))
    agreement = None if result.agreement is None else wrap(result.agreement)
    offers = [(o.round, wrap(o.outcome)) for o in result.trace]
    return agreement, result.round, result.step, offers


@pytest.mark.parametrize(("low", "high"), PRICE_RANGES)
@pytest.mark.parametrize("first", ["seller", "buyer"])
@pytest.mark.parametrize("rounds", [10, 20, 50, 100])
@pytest.mark.parametrize(("seller", "buyer"), list(itertools.product(NEGOTIATORS, repeat=2)))
def test_price_negotiation_matches_negmas(seller, buyer, rounds, first, low, high) -> None:
    """Agreement, round of agreement, steps run and every offer equal NegMAS 0.16's."""
    expected = negmas_price(seller, buyer, rounds, low, high, first)
    assert _ours(price_negotiation(seller, buyer, rounds, low, high, first)) == expected


@pytest.mark.parametrize("rounds", [10, 100])
@pytest.mark.parametrize("first", ["seller", "buyer"])
def test_batch_engine_matches_negmas(rounds, first) -> None:
    """The vectorized engine reproduces NegMAS's agreements and rounds for all 9 pairs at once."""
    prices = np.arange(0, 101)
    pairs = list(itertools.product(NEGOTIATORS, repeat=2))
    exps = np.array([[CONCESSION[s], CONCESSION[b]] for s, b in pairs])
    s = Party("seller", rising(prices, 0, 100), exps[:, 0])
    b = Party("buyer", falling(prices, 0, 100), exps[:, 1])
    batch = negotiate_batch(prices, *((s, b) if first == "seller" else (b, s)), rounds)
    for i, pair in enumerate(pairs):
        agreement, step, _, _ = negmas_price(*pair, rounds, 0, 100, first)
        expected = (np.nan if agreement is None else agreement[0], step)
        np.testing.assert_equal((batch.price[i], batch.round[i]), expected)


@pytest.mark.parametrize("rounds", [5, 20, 100])
@pytest.mark.parametrize(("seller", "buyer"), list(itertools.product(NEGOTIATORS, repeat=2)))
def test_price_by_quantity_matches_negmas(seller, buyer, rounds) -> None:
    """Two issues, linear-additive utilities and non-zero reserved values."""
    prices, quantities = list(range(20, 41)), [1, 2, 3, 4, 5]
    mechanism = SAOMechanism(
        issues=[make_issue(values=prices, name="price"), make_issue(values=quantities, name="qty")],
        n_steps=rounds,
        time_limit=None,
    )
    mine = [rising(prices, 20, 40), rising(quantities, 1, 5)]
    theirs = [falling(prices, 20, 40), falling(quantities, 1, 5)]
    s = _ufun(
        mechanism, {"price": (prices, mine[0]), "qty": (quantities, mine[1])}, (0.7, 0.3), 0.2
    )
    b = _ufun(
        mechanism, {"price": (prices, theirs[0]), "qty": (quantities, theirs[1])}, (0.6, 0.4), 0.1
    )
    outcomes = outcome_grid(prices, quantities)
    assert outcomes == list(mechanism.outcome_space.enumerate_or_sample())
    expected = _run(mechanism, [(NEGOTIATORS[seller](), s), (NEGOTIATORS[buyer](), b)])
    ours = negotiate(
        outcomes,
        Party("seller", additive_utilities(mine, (0.7, 0.3)), CONCESSION[seller], 0.2),
        Party("buyer", additive_utilities(theirs, (0.6, 0.4)), CONCESSION[buyer], 0.1),
        rounds,
    )
    assert _ours(ours) == expected


@pytest.mark.parametrize("seed", range(3))
def test_random_problems_match_negmas(seed) -> None:
    """Random utilities, reserved values, exponents (ties, irrational outcomes) on one issue."""
    rng = np.random.default_rng(seed)
    for _ in range(20):
        width, rounds = int(rng.integers(2, 30)), int(rng.choice([1, 3, 17, 100]))
        levels = list(range(width))
        u = rng.random((2, width))
        u = np.round(u, 1) if rng.random() < 0.3 else u
        reserved = rng.choice([0.0, 0.2, 0.5], 2)
        exps = rng.choice([4.0, 1.0, 0.25, 2.0], 2)
        mechanism = SAOMechanism(
            issues=[make_issue(values=levels, name="x")], n_steps=rounds, time_limit=None
        )
        sides = [
            (
                TimeBasedConcedingNegotiator(offering_curve=float(exps[i]), stochastic=False),
                _ufun(mechanism, {"x": (levels, u[i])}, [1.0], float(reserved[i])),
            )
            for i in (0, 1)
        ]
        expected = _run(mechanism, sides)
        parties = [Party(f"p{i}", u[i], float(exps[i]), float(reserved[i])) for i in (0, 1)]
        assert _ours(negotiate(levels, *parties, rounds)) == expected


@pytest.mark.parametrize("first", ["seller", "buyer"])
@pytest.mark.parametrize(("seller", "buyer"), list(itertools.product(NEGOTIATORS, repeat=2)))
def test_cli_reports_step_as_negmas_counts_it(seller, buyer, first, capsys) -> None:
    """`gpu-alloc negotiate --json` reports NegMAS's `state.step` when the negotiation ends (an
    agreement in the first round is step 1) and the same agreement."""
    from experiments.cli import main

    flags = ["--seller", seller, "--buyer", buyer, "--rounds", "20", "--first", first]
    assert main(["negotiate", *flags, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    mechanism = SAOMechanism(
        issues=[make_issue(values=list(range(101)), name="price")], n_steps=20, time_limit=None
    )
    prices = list(range(101))
    s = _ufun(mechanism, {"price": (prices, rising(prices, 0, 100))}, [1.0], 0.0)
    b = _ufun(mechanism, {"price": (prices, falling(prices, 0, 100))}, [1.0], 0.0)
    sides = [(NEGOTIATORS[seller](name="seller"), s), (NEGOTIATORS[buyer](name="buyer"), b)]
    for negotiator, ufun in sides if first == "seller" else sides[::-1]:
        mechanism.add(negotiator, ufun=ufun)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state = mechanism.run()
    assert out["step"] == state.step
    assert out["agreement"] == (None if state.agreement is None else state.agreement[0])
