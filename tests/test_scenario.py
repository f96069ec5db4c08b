"""Scenario files become validated, typed, frozen objects; bad input names file, field and value."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from model.params import ScenarioError, short, walk
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
    assert s.owner.firms == ("Tesla", "X", "xAI") and s.owner.policy == "readiness"
    memo = s.owner.actions[0]  # the December 2023 memo: 12k shipped H100s from Tesla to X
    assert (memo.date, memo.from_firm, memo.to_firm, memo.units) == (
        "2023-12-04",
        "Tesla",
        "X",
        12_000,
    )
    assert s.firm("Tesla").expansions[0][0].startswith("2024-")
    assert s.firm("Tesla").statement == 85_000


def test_no_redirect_is_baseline_without_the_owner() -> None:
    base, alt = load_scenario("baseline"), load_scenario("no-redirect")
    assert alt.owner.policy == "none" and base.owner.policy == "readiness"
    assert alt.owner.actions == () and base.owner.actions
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
        tmp_path, 'base = "classroom"\nname = "mine"\n[[firms]]\nname = "Tesla"\nslots = 30000\n'
    )
    s = load_scenario(path)
    assert s.name == "mine" and s.firm("Tesla").slots == 30_000
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


def test_every_number_has_a_finite_range_and_lists_a_length_limit() -> None:
    """No unbounded numeric field is left: each int or float has a finite min and max."""
    for r in walk(load_scenario("baseline")):
        number = isinstance(r.default, int | float) and not isinstance(r.default, bool)
        numbers = isinstance(r.default, tuple) and r.path.endswith(
            ("weights", "targets", "expansions", "schedule")
        )
        if number or numbers:
            assert r.meta.min is not None and r.meta.max is not None, r.path
            assert math.isfinite(r.meta.min) and math.isfinite(r.meta.max), r.path


def test_messages_are_one_line_and_cut_huge_values() -> None:
    assert str(ScenarioError("a\nb\u2028c")) == "a b c"
    assert short("x" * 1000) == "'" + "x" * 56 + "..."
    assert short(10**100) == "an integer of about 101 digits"
    assert short(10**10_000) == "an integer of about 10,001 digits"


def test_the_most_firms_load_and_a_late_duplicate_is_named(tmp_path: Path) -> None:
    """A big file loads whole, and the duplicate check still sees a name repeated at its end
    (its speed is `gpu-alloc bench --only load`)."""
    names = [f"F{i}" for i in range(19_999)]  # the limit is 20,000
    path = tmp_path / "many.toml"
    path.write_text("".join(f'[[firms]]\nname = "{n}"\n' for n in names), encoding="utf-8")
    assert [f.name for f in load_scenario(path).firms] == names
    path.write_text(path.read_text() + '[[firms]]\nname = "F7"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"duplicate firm names: F7$"):
        load_scenario(path)
