"""Our negotiation engines against NegMAS 0.16 on identical bilateral price negotiations.

Each problem is the CLI's demo (`price_negotiation`): integer prices 0..100, linear utilities,
reserved values 0, a time-based strategy on each side. NegMAS runs them with its own
`SAOMechanism` and TB negotiators (set up as in tests/test_negotiation_negmas.py); we run the
same problems with the one-at-a-time engine (`negotiate`) and with the batch engine the market
uses (`negotiate_batch`), and check that every agreement and its round are equal.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from typing import Any

import numpy as np

from experiments.bench.common import Settings, median_seconds
from model.concession import CONCESSION
from model.negotiation import Party, falling, negotiate_batch, price_negotiation, rising

LOW, HIGH = 0, 100
Problem = tuple[str, str, int, str]  # seller strategy, buyer strategy, rounds, who opens
Outcome = tuple[float, int]  # agreed price (nan: none) and round (-1: none)


def problems(quick: bool) -> list[Problem]:
    """Every pair of strategies, both openers, short and long negotiations."""
    pairs = list(itertools.product(CONCESSION, repeat=2))
    rounds, firsts = ((20,), ("seller",)) if quick else ((20, 100), ("seller", "buyer"))
    return [(s, b, r, f) for r in rounds for f in firsts for s, b in pairs]


def negmas_one(seller: str, buyer: str, rounds: int, first: str) -> Outcome:
    """One problem solved by NegMAS's SAOMechanism and its Boulware/Linear/Conceder negotiators."""
    from negmas import (
        BoulwareTBNegotiator,
        ConcederTBNegotiator,
        LinearTBNegotiator,
        SAOMechanism,
        make_issue,
    )
    from negmas.preferences import LinearAdditiveUtilityFunction
    from negmas.preferences.value_fun import TableFun

    kinds = {
        "boulware": BoulwareTBNegotiator,
        "linear": LinearTBNegotiator,
        "conceder": ConcederTBNegotiator,
    }
    prices = list(range(LOW, HIGH + 1))
    mechanism = SAOMechanism(
        issues=[make_issue(values=prices, name="price")], n_steps=rounds, time_limit=None
    )

    def ufun(utilities: np.ndarray) -> LinearAdditiveUtilityFunction:
        table = TableFun(dict(zip(prices, utilities.tolist(), strict=True)))
        return LinearAdditiveUtilityFunction(
            values={"price": table},
            weights=[1.0],
            outcome_space=mechanism.outcome_space,
            reserved_value=0.0,
        )

    sides = [
        (kinds[seller](name="seller"), ufun(rising(prices, LOW, HIGH))),
        (kinds[buyer](name="buyer"), ufun(falling(prices, LOW, HIGH))),
    ]
    for negotiator, u in sides if first == "seller" else sides[::-1]:
        mechanism.add(negotiator, ufun=u)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state = mechanism.run()
    if state.agreement is None:
        return math.nan, -1
    return float(state.agreement[0]), state.step - 1  # state.step counts the accepting round


def ours_one(seller: str, buyer: str, rounds: int, first: str) -> Outcome:
    """The same problem through the one-at-a-time engine."""
    r = price_negotiation(seller, buyer, rounds, LOW, HIGH, first)
    return (math.nan, -1) if r.agreement is None else (float(r.agreement), r.round)


def ours_batch(todo: list[Problem], copies: int) -> list[Outcome]:
    """All problems, each `copies` times, through the batch engine (one call per rounds/opener)."""
    prices = np.arange(LOW, HIGH + 1)
    found: dict[Problem, Outcome] = {}
    for (rounds, first), group in itertools.groupby(todo, key=lambda p: (p[2], p[3])):
        group = list(group) * copies
        seller = Party(
            "seller", rising(prices, LOW, HIGH), np.array([CONCESSION[p[0]] for p in group])
        )
        buyer = Party(
            "buyer", falling(prices, LOW, HIGH), np.array([CONCESSION[p[1]] for p in group])
        )
        res = negotiate_batch(
            prices, *((seller, buyer) if first == "seller" else (buyer, seller)), rounds
        )
        for i, p in enumerate(group[: len(group) // copies]):
            found[p] = (float(res.price[i]), int(res.round[i]))
    return [found[p] for p in todo]


def _same(a: list[Outcome], b: list[Outcome]) -> bool:
    return all(
        (x[1] == y[1]) and (x[0] == y[0] or (math.isnan(x[0]) and math.isnan(y[0])))
        for x, y in zip(a, b, strict=True)
    )


def bench_negotiation(s: Settings) -> dict[str, Any]:
    """Section 4: negotiations per second of NegMAS and of both our engines, agreements compared."""
    todo = problems(s.quick)
    copies = 10 if s.quick else 1_000
    scalar = [ours_one(*p) for p in todo]
    batch = ours_batch(todo, 1)
    scalar_s = median_seconds(lambda: [ours_one(*p) for p in todo], s.repeats)
    batch_s = median_seconds(lambda: ours_batch(todo, copies), s.repeats)
    out: dict[str, Any] = {
        "problems": len(todo),
        "scalar_per_s": len(todo) / scalar_s,
        "batch_per_s": len(todo) * copies / batch_s,
        "engines_equal": _same(scalar, batch),
    }
    try:
        import negmas  # noqa: F401
    except ImportError:
        return {**out, "negmas": None, "agreements_equal": None}
    start = time.perf_counter()
    reference = [negmas_one(*p) for p in todo]  # the first pass also pays NegMAS's imports
    first_pass = time.perf_counter() - start
    negmas_s = median_seconds(lambda: [negmas_one(*p) for p in todo], min(s.repeats, 3), warmup=0)
    negmas_rate = len(todo) / negmas_s
    return {
        **out,
        "negmas": negmas_version(),
        "negmas_per_s": negmas_rate,
        "negmas_first_pass_s": first_pass,
        "scalar_ratio": out["scalar_per_s"] / negmas_rate,
        "batch_ratio": out["batch_per_s"] / negmas_rate,
        "agreements_equal": _same(reference, scalar) and _same(reference, batch),
        "agreements": sum(1 for r in reference if r[1] >= 0),
    }


def negmas_version() -> str:
    from importlib.metadata import version

    return version("negmas")
