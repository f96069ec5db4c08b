"""Sweep specs and designs: bad specs fail before any run, naming file, field and value; designs
and run ids are deterministic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from experiments.sweeps.design import design_table, sample_points
from experiments.sweeps.keep import DEFAULT_METRICS
from experiments.sweeps.spec import load_spec, spec_names
from model.figures import FIGURES, SWEEP_DEFAULT
from model.market import GpuMarket
from model.params import ScenarioError
from model.recorder import FIRM_COLUMNS, MODEL_COLUMNS

SMALL = {
    "name": "small",
    "scenario": "classroom",
    "steps": 4,
    "replications": 2,
    "grid": {"market.mechanism": ["uniform", "linear"], "supply.scale": [0.6, 1.0]},
}

# Nine parameters that each accept 1..10: ten values each make a grid of 10**9 combinations.
GRID9 = (
    "supply.transit_weeks",
    "market.negotiation_rounds",
    "friction.redirect",
    "friction.reschedule",
    "friction.cancel",
    "friction.refusal",
    "firms.*.installed",
    "firms.*.slots",
    "firms.*.value_usd",
)


def spec(**changes: object) -> dict:
    data = {**SMALL, **changes}
    return {k: v for k, v in data.items() if v is not None}


def test_builtin_specs_load_and_resolve_by_name() -> None:
    assert {"mechanisms", "redirect", "theory", "sensitivity"} <= set(spec_names())
    for name in spec_names():
        s = load_spec(name)
        assert s.name == name and len(design_table(s)) > 0


def test_the_documented_example_spec_is_valid(tmp_path: Path) -> None:
    doc = (Path(__file__).parents[1] / "experiments" / "README_sweeps.md").read_text()
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "my.toml"
    path.write_text(example)
    s = load_spec(path)
    assert len(design_table(s)) == 3 * 2 * 16 * 3
    assert "firms.Tesla.idle.max" in s.metrics and s.series == (
        "price_usd",
        "firms.Tesla.installed",
    )


def test_grid_design_has_every_combination_and_seed() -> None:
    d = design_table(load_spec(spec()))
    assert len(d) == 2 * 2 * 2
    assert d.run_index.tolist() == list(range(8))
    assert d.run_id.is_unique
    assert set(d.seed) == {0, 1} and d.config.nunique() == 4
    assert set(d["market.mechanism"]) == {"uniform", "linear"}


def test_run_ids_depend_on_parameters_seed_and_scenario_only() -> None:
    a = design_table(load_spec(spec()))
    b = design_table(load_spec(spec(name="renamed", replications=None, seeds=[1, 0])))
    same = a.merge(b, on=["market.mechanism", "supply.scale", "seed"])
    assert (same.run_id_x == same.run_id_y).all()
    c = design_table(load_spec(spec(steps=5)))
    assert not set(a.run_id) & set(c.run_id)
    d = design_table(load_spec(spec(fixed={"market.ordering": "adaptive"})))
    assert not set(a.run_id) & set(d.run_id)


def test_toml_spec_with_nested_tables(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        'scenario = "classroom"\nseeds = [3, 4]\n[grid.market]\nmechanism = ["uniform"]\n'
        "[grid.firms.Tesla]\nready_shift_weeks = [0, 8]\n"
        '[keep]\nmetrics = ["firms.*.installed.final"]\n'
    )
    s = load_spec(path)
    assert s.name == "s" and s.seeds == (3, 4)
    assert s.grid == {"market.mechanism": ("uniform",), "firms.Tesla.ready_shift_weeks": (0, 8)}
    assert "firms.Tesla.installed.final" in s.metrics and len(s.metrics) == len(s.scenario.firms)


def test_firm_wildcard_sets_a_field_of_every_firm() -> None:
    s = load_spec(spec(grid={"firms.*.inflation": [1.5, 3.0]}, fixed={"firms.*.ordering": "fixed"}))
    assert {f.ordering for f in s.scenario.firms} == {"fixed"}
    d = design_table(s)
    assert d["firms.*.inflation"].tolist() == [1.5, 1.5, 3.0, 3.0]
    overrides = json.loads(d.overrides.iloc[-1])
    assert overrides == {f"firms.{f.name}.inflation": 3.0 for f in s.scenario.firms}
    with pytest.raises(
        ScenarioError, match=r"grid\.firms\.\*\.inflation: 0\.5 is below the minimum 1"
    ):
        load_spec(spec(grid={"firms.*.inflation": [0.5]}))
    with pytest.raises(ScenarioError, match=r"grid\.firms\.\*\.mood: not a parameter"):
        load_spec(spec(grid={"firms.*.mood": [1]}))


def test_latin_hypercube_is_reproducible_and_in_range() -> None:
    data = spec(
        grid=None,
        sample={
            "method": "lhs",
            "n": 20,
            "ranges": {"supply.scale": [0.5, 1.5], "firms.Tesla.ready_shift_weeks": [-4, 4]},
        },
    )
    points = sample_points(load_spec(data))
    assert points == sample_points(load_spec(data))
    assert len(points) == 20
    assert all(0.5 <= p["supply.scale"] <= 1.5 for p in points)
    shifts = [p["firms.Tesla.ready_shift_weeks"] for p in points]
    assert all(isinstance(v, int) and -4 <= v <= 4 for v in shifts)
    assert len(set(shifts)) >= 8  # strata cover the integers
    other = sample_points(load_spec({**data, "seed": 9}))
    assert other != points


def test_sobol_design_has_saltelli_size() -> None:
    data = spec(
        grid={"market.mechanism": ["uniform", "linear"]},
        replications=1,
        sample={
            "method": "sobol",
            "n": 8,
            "ranges": {"supply.scale": [0.5, 1.5], "market.scarcity_markup": [0, 1]},
        },
    )
    d = design_table(load_spec(data))
    assert len(d) == 2 * 8 * (2 + 2)
    assert d["sample"].max() == 8 * 4 - 1


def test_keep_expands_wildcards() -> None:
    s = load_spec(
        spec(
            keep={
                "metrics": ["jain_fill.*", "firms.*.idle.max"],
                "series": ["firms.*.installed", "price_usd"],
            }
        )
    )
    assert s.metrics[:3] == ("jain_fill.final", "jain_fill.mean", "jain_fill.max")
    assert "firms.xAI.idle.max" in s.metrics
    assert "firms.Tesla.installed" in s.series and "price_usd" in s.series


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mechanism": "uniform"}, "mechanism: unknown key"),
        (
            {"grid": {"market.mechanizm": ["uniform"]}},
            "grid.market.mechanizm: not a parameter of the scenario "
            "(did you mean market.mechanism?)",
        ),
        (
            {"grid": {"market.mechanism": ["uniform", "fair"]}},
            "grid.market.mechanism: 'fair' is not one of",
        ),
        ({"grid": {"supply.scale": [0.5, 11]}}, "grid.supply.scale: 11 is above the maximum 10"),
        ({"grid": {"supply.scale": [0.5, 0.5]}}, "grid.supply.scale: duplicate values"),
        ({"grid": {"supply.scale": 0.5}}, "grid.supply.scale: expected a non-empty list"),
        ({"grid": {"firms.Elon.slots": [1]}}, "grid.firms.Elon.slots: not a parameter"),
        ({"grid": {"seed": [1, 2]}}, "grid.seed: not a parameter"),
        ({"fixed": {"supply.scale": 0.5}}, "supply.scale: already set in fixed"),
        ({"fixed": {"owner.priority": ["xAI"]}}, "owner.priority: must list exactly"),
        ({"seeds": [1, 2]}, "seeds: give either seeds or replications"),
        ({"replications": 0}, "replications: must lie in [1, 1,000,000], got 0"),
        ({"steps": 0}, "steps: must lie in [1, 1,040], got 0"),
        ({"steps": 10**9}, "steps: must lie in [1, 1,040], got 1000000000"),
        ({"seed": -1}, "seed: must lie in [0, 2**63-1], got -1"),
        ({"replications": None, "seeds": [0, -1]}, "seeds: expected a list of whole numbers in"),
        ({"replications": None, "seeds": [2**63]}, "seeds: expected a list of whole numbers in"),
        (
            {"seed": 2**63 - 2, "replications": 3},
            "replications: seeds 9223372036854775806 to 9223372036854775808 go past 2**63-1",
        ),
        (
            {"sample": {"n": 10**9, "ranges": {"supply.scale": [0.5, 1.5]}}},
            "sample.n: expected a whole number from 1 to 1,000,000, got 1000000000",
        ),
        (
            {"replications": 1, "grid": {key: list(range(1, 11)) for key in GRID9}},
            "the design has 1,000,000,000 runs; at most 1,000,000 a sweep",
        ),
        ({"scenario": "nowhere"}, "scenario: nowhere: no such scenario"),
        (
            {"sample": {"method": "grid", "n": 4, "ranges": {"supply.growth_weekly": [0, 0.1]}}},
            "sample.method: 'grid' is not one of: lhs, sobol",
        ),
        (
            {"sample": {"n": 4, "ranges": {"market.ordering": ["a", "b"]}}},
            "only numbers can be sampled",
        ),
        (
            {"sample": {"n": 4, "ranges": {"supply.growth_weekly": [0.1, 0.0]}}},
            "low 0.1 must be below high 0.0",
        ),
        (
            {"sample": {"method": "sobol", "n": 4, "ranges": {"supply.growth_weekly": [0, 0.1]}}},
            "Sobol indices need at least two ranges",
        ),
        (
            {"keep": {"metrics": ["welfare.mean"]}},
            "keep.metrics: 'welfare.mean': 'welfare' is not a model column",
        ),
        ({"keep": {"metrics": ["welfare_usd.median"]}}, "statistic 'median' is not one of"),
        ({"keep": {"metrics": ["firms.Nokia.installed.final"]}}, "'Nokia' is not a firm"),
        ({"keep": {"series": ["firms.Tesla.happiness"]}}, "'happiness' is not a firms column"),
        (
            {"report": {"outcomes": ["friction.max"]}},
            "report.outcomes: 'friction.max' is not a kept metric",
        ),
        (
            {"report": {"x": "supply.growth_weekly"}},
            "report.x: 'supply.growth_weekly' is not a swept parameter",
        ),
    ],
)
def test_bad_specs_fail_with_field_and_value(changes: dict, message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_spec(spec(**changes))
    assert message in str(err.value)
    assert str(err.value).startswith("<spec>: ")


def test_bad_spec_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('scenario = "classroom"\n[grid]\n"supply.scale" = [0.5, -1]\n')
    with pytest.raises(
        ScenarioError, match=r"bad\.toml: grid\.supply\.scale: -1 is below the minimum 0"
    ):
        load_spec(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("scenario = \n")
    with pytest.raises(ScenarioError, match=r"broken\.toml: not valid TOML"):
        load_spec(broken)
    with pytest.raises(ScenarioError, match="no such spec file or built-in spec"):
        load_spec("no-such-spec")


def test_default_metrics_are_the_headline_figures_in_their_old_order() -> None:
    assert tuple(FIGURES[k].metric for k in SWEEP_DEFAULT) == DEFAULT_METRICS
    assert DEFAULT_METRICS == (
        "order_inflation.mean",
        "jain_fill.mean",
        "gini_alloc.mean",
        "price_usd.mean",
        "lead_time_weeks.mean",
        "backlog.final",
        "idle_total.mean",
        "installed_total.final",
        "redirected_units.sum",
        "friction.sum",
        "welfare_usd.sum",
        "revenue_usd.sum",
    )


def test_kept_names_are_checked_against_the_recorders_columns_without_a_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_runs(*args: object, **kwargs: object) -> None:
        raise AssertionError("checking a spec must not build a market")

    monkeypatch.setattr(GpuMarket, "__init__", no_runs)
    every = [f"{c}.max" for c in MODEL_COLUMNS] + [f"firms.Tesla.{c}.final" for c in FIRM_COLUMNS]
    s = load_spec(spec(keep={"metrics": every, "series": list(MODEL_COLUMNS)}))
    assert s.metrics == tuple(every) and s.series == MODEL_COLUMNS
