"""Scenario files become validated, typed, frozen objects; bad input names file, field and value."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from model.params import ScenarioError, walk
from model.scenario import Scenario, load_scenario, scenario_names

BUILT_IN = {"baseline", "no-redirect", "classroom", "supply-shock", "long-tail", "inflation-lab"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = '[[firms]]\nname = "A"\n'


def test_built_in_scenarios_load_and_are_frozen() -> None:
    assert set(scenario_names()) >= BUILT_IN
    for name in scenario_names():
        s = load_scenario(name)
        assert s.name == name and s.description
        with pytest.raises(dataclasses.FrozenInstanceError):
            s.weeks = 3  # type: ignore[misc]


def test_baseline_matches_the_story() -> None:
    s = load_scenario("baseline")
    assert (s.start_date, s.weeks) == ("2023-10-02", 104)
    assert s.owner.firms == ("Tesla", "X", "xAI") and s.owner.priority[:2] == ("X", "xAI")
    assert s.firm("Tesla").expansions[0][0].startswith("2024-")
    assert s.firm("Tesla").statement == 85_000


def test_no_redirect_is_baseline_without_the_owner() -> None:
    base, alt = load_scenario("baseline"), load_scenario("no-redirect")
    assert alt.owner.policy == "none" and base.owner.policy == "priority"
    assert alt.firms == base.firms and alt.supply == base.supply


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weeks = 10\nbogus = 1\n" + MINIMAL, "s.toml: bogus: unknown key"),
        ('weeks = "ten"\n' + MINIMAL, "s.toml: weeks: expected an integer, got 'ten'"),
        ("weeks = 0\n" + MINIMAL, "s.toml: weeks: 0 is below the minimum 1"),
        (
            '[market]\nmechanism = "lottery"\n' + MINIMAL,
            "market.mechanism: 'lottery' is not one of",
        ),
        ("[supply]\nscale = -1\n" + MINIMAL, "supply.scale: -1 is below the minimum 0"),
        (MINIMAL + "slots = 1.5\n", "firms.A.slots: expected an integer, got 1.5"),
        (
            MINIMAL + 'targets = [["2024-13-01", 5]]\n',
            "firms.A.targets[0]: '2024-13-01' is not a date",
        ),
        ("[[firms]]\ntier = 1\n", "firms[0].name: required field is missing"),
        (MINIMAL + MINIMAL, "duplicate firm names: A"),
        ('[owner]\nfirms = ["Z"]\n' + MINIMAL, "owner.firms: 'Z' is not a firm"),
        ("weeks = [\n", "not valid TOML"),
    ],
)
def test_bad_values_name_file_field_and_value(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text))
    assert message in str(err.value)
    assert str(err.value).startswith(str(tmp_path / "s.toml"))


def test_unknown_scenario_lists_the_built_in_ones() -> None:
    with pytest.raises(ScenarioError, match="built-in: baseline, classroom"):
        load_scenario("nope")


def test_overrides_reach_nested_fields_and_named_firms() -> None:
    s = load_scenario(
        "baseline",
        {"market.mechanism": "uniform", "firms.Tesla.ready_shift_weeks": -8, "supply.scale": 0.5},
    )
    assert s.market.mechanism == "uniform" and s.supply.scale == 0.5
    assert s.firm("Tesla").ready_shift_weeks == -8
    assert load_scenario("baseline").market.mechanism == "proportional"  # the file is untouched


def test_overrides_are_validated_like_files() -> None:
    with pytest.raises(ScenarioError, match=r"firms\.Tesla\.slots: -5 is below the minimum 0"):
        load_scenario("baseline", {"firms.Tesla.slots": -5})
    with pytest.raises(ScenarioError, match="no item 'Nobody' in firms"):
        load_scenario("baseline", {"firms.Nobody.slots": 5})


def test_overrides_apply_to_scenario_objects_too() -> None:
    s = load_scenario("classroom")
    assert isinstance(s, Scenario)
    assert load_scenario(s, {"owner.policy": "none"}).owner.policy == "none"


def test_base_inheritance_merges_firms_by_name(tmp_path: Path) -> None:
    path = write(
        tmp_path, 'base = "classroom"\nname = "mine"\n[[firms]]\nname = "Tesla"\nslots = 1\n'
    )
    s = load_scenario(path)
    assert s.name == "mine" and s.firm("Tesla").slots == 1
    assert s.firm("Tesla").targets == load_scenario("classroom").firm("Tesla").targets


def test_every_parameter_has_a_label_and_ranges_are_consistent() -> None:
    rows = walk(load_scenario("baseline"))
    paths = {r.path for r in rows}
    assert {
        "market.mechanism",
        "owner.policy",
        "supply.scale",
        "firms.Tesla.ready_shift_weeks",
    } <= paths
    for r in rows:
        assert r.meta.label
        if r.meta.min is not None and isinstance(r.default, int | float):
            assert r.default >= r.meta.min, r.path
        if r.meta.choices is not None:
            assert r.default in r.meta.choices, r.path
