"""Registries and the scenario's choices: every choice field offers exactly its registry's names,
the names (which scenario files, sweep specs and the app use) are pinned, every class defined is
registered under a name of its own, and every registered name runs a classroom market.
"""

from __future__ import annotations

import pytest

import model.policies
import model.strategies
from agents.buyer import STRATEGY_NAMES
from model.concession import CONCESSION, concession_exponent
from model.config import Firm, Scenario
from model.market import GpuMarket
from model.market.week import Week
from model.mechanisms import MECHANISMS, mechanism
from model.params import ScenarioError, walk
from model.policies import POLICIES, OwnerPolicy, owner_policy
from model.records import Answer, RedirectRequest
from model.scenario import load_scenario
from model.strategies import ORDERING, OrderingStrategy, ordering_strategy
from tests.test_market import assert_conserved

MECHANISM_NAMES = (
    "proportional",
    "uniform",
    "linear",
    "turn_and_earn",
    "priority",
    "auction",
    "negotiation",
)
ORDERING_NAMES = ("truthful", "fixed", "adaptive", "cancel")
CONCESSION_NAMES = ("boulware", "linear", "conceder")
POLICY_NAMES = ("none", "priority", "weights", "readiness", "value")
ANSWER_NAMES = ("accept", "swap", "refuse", "auto")


def test_registered_names_are_pinned() -> None:
    assert tuple(MECHANISMS) == MECHANISM_NAMES
    assert tuple(ORDERING) == ORDERING_NAMES
    assert tuple(CONCESSION) == CONCESSION_NAMES
    assert tuple(POLICIES) == POLICY_NAMES
    assert (*(str(a) for a in Answer), "auto") == ANSWER_NAMES
    assert CONCESSION == {"boulware": 4.0, "linear": 1.0, "conceder": 0.25}


def test_every_choice_field_offers_exactly_its_registry() -> None:
    """Walk a scenario with one firm (the default has none, so no firm rows): each field with
    choices, and only those, offers the names of the registry it draws from."""
    rows = walk(Scenario(firms=(Firm(name="A"),)))
    choices = {r.path: r.meta.choices for r in rows if r.meta.choices is not None}
    assert choices == {
        "market.mechanism": tuple(MECHANISMS),
        "market.ordering": ("scenario", *ORDERING),
        "market.seller_concession": tuple(CONCESSION),
        "supplier.redirect_answer": ANSWER_NAMES,
        "owner.policy": tuple(POLICIES),
        "firms.A.ordering": tuple(ORDERING),
        "firms.A.concession": tuple(CONCESSION),
        "firms.A.after_targets": ("trend", "hold"),  # how a target goes on after its last date
        "long_tail.ordering": tuple(ORDERING),
    }
    defaults = {r.path: r.default for r in rows if r.meta.choices is not None}
    assert all(defaults[path] in options for path, options in choices.items())


def _classes(module: object, base: type) -> list[type]:
    return [
        c
        for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, base) and c.__module__ == module.__name__
    ]


def test_every_policy_class_is_registered_under_its_own_name() -> None:
    """A subclass that forgets its `name` inherits "none" and would silently replace it."""
    classes = _classes(model.policies, OwnerPolicy)
    assert {type(p) for p in POLICIES.values()} == set(classes)
    assert len({c.name for c in classes}) == len(classes) == len(POLICIES)
    assert all(POLICIES[c.name].__class__ is c for c in classes)


def test_every_ordering_class_is_registered_under_its_own_name() -> None:
    """The base class is truthful ordering, registered as its `Truthful` subclass."""
    classes = [c for c in _classes(model.strategies, OrderingStrategy) if c is not OrderingStrategy]
    assert {type(s) for s in ORDERING.values()} == set(classes)
    assert len({c.name for c in classes}) == len(classes) == len(ORDERING)
    assert tuple(ORDERING) == STRATEGY_NAMES  # the buyers' strategy index


def test_lookups_return_the_registered_objects() -> None:
    for name in MECHANISMS:
        assert mechanism(name) is MECHANISMS[name]
    for name in POLICIES:
        assert owner_policy(name) is POLICIES[name]
    for name in ORDERING:
        assert ordering_strategy(name) is ORDERING[name]
    for name, exponent in CONCESSION.items():
        assert concession_exponent(name.upper()) == exponent


@pytest.mark.parametrize(
    "key",
    [
        "market.mechanism",
        "market.ordering",
        "market.seller_concession",
        "supplier.redirect_answer",
        "owner.policy",
        "firms.Tesla.ordering",
        "firms.Tesla.concession",
        "long_tail.ordering",
    ],
)
def test_an_unregistered_choice_is_refused_naming_the_valid_ones(key: str) -> None:
    with pytest.raises(ScenarioError, match="lottery") as err:
        load_scenario("classroom", {key: "lottery"})
    field = next(r for r in walk(load_scenario("classroom")) if r.path == key)
    assert ", ".join(field.meta.choices) in str(err.value)


# --- every registered name runs -----------------------------------------------------------------

TESLA = 2
RUNS = (
    [("market.mechanism", n) for n in MECHANISMS]
    + [("market.ordering", n) for n in ("scenario", *ORDERING)]
    + [("firms.Tesla.ordering", n) for n in ORDERING]
    + [("long_tail.ordering", n) for n in ORDERING]
    + [("market.seller_concession", n) for n in CONCESSION]
    + [("firms.Tesla.concession", n) for n in CONCESSION]
    + [("owner.policy", n) for n in POLICIES]
    + [("supplier.redirect_answer", n) for n in ANSWER_NAMES]
)


def took_effect(m: GpuMarket, key: str, name: str) -> bool:
    """Whether the market built from the override uses the chosen name."""
    b = m.buyers
    match key:
        case "market.mechanism":
            return m.supplier.mechanism.name == name
        case "market.ordering":
            own = [f.ordering for f in m.config.firms] + [m.config.long_tail.ordering] * 3
            expected = own if name == "scenario" else [name] * b.n
            return [STRATEGY_NAMES[s] for s in b.traits.strategy] == expected
        case "firms.Tesla.ordering":
            return STRATEGY_NAMES[b.traits.strategy[TESLA]] == name
        case "long_tail.ordering":
            return {STRATEGY_NAMES[s] for s in b.traits.strategy[b.in_tail]} == {name}
        case "market.seller_concession":
            return m.context(Week(0)).seller_concession == CONCESSION[name]
        case "firms.Tesla.concession":
            return b.traits.concession[TESLA] == CONCESSION[name]
        case "owner.policy":
            return m.owner.policy.name == name
        case "supplier.redirect_answer":
            m.supplier.trust[:] = 0.6  # auto: a swap at middling trust
            answer = m.supplier.answer(RedirectRequest(TESLA, TESLA + 1, 1_000))
            return answer is (Answer.SWAP if name == "auto" else Answer(name))
    raise AssertionError(key)


@pytest.mark.parametrize(("key", "name"), RUNS)
def test_every_registered_name_runs_a_classroom_market(key: str, name: str) -> None:
    overrides: dict[str, object] = {key: name, "long_tail.count": 3}
    if name == "weights":
        overrides["owner.weights"] = [1.0, 0.0, 0.0]
    m = GpuMarket("classroom", overrides=overrides, steps=4).run()
    assert len(m.model_table()) == 4 and len(m.firms_table()) == 4 * 6
    assert_conserved(m)
    assert took_effect(m, key, name)
