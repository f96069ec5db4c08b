"""Sweep specs: a TOML file (or a dict) naming a base scenario, what to vary and what to keep.

Everything is checked here, before any run, against the scenario's own parameter definitions
(`model.params.walk`), so a typo or an out-of-range value fails with the file, field and value.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from experiments.calibration.settings import Calibration, check_calibrate
from experiments.runner import MAX_SEED, max_weeks
from experiments.sweeps.keep import DEFAULT_METRICS, check_keep, record_metrics
from experiments.sweeps.params import (
    MAX_RUNS,
    check_grid,
    check_sample,
    check_size,
    expand_paths,
    flat,
    typed_value,
)
from model.params import ScenarioError, walk
from model.scenario import Scenario, load_scenario

SPEC_DIR = resources.files("experiments") / "specs"
TOP_KEYS = (
    "name",
    "description",
    "scenario",
    "steps",
    "seed",
    "replications",
    "seeds",
    "chunk_size",
    "fixed",
    "grid",
    "sample",
    "keep",
    "report",
    "calibrate",
)
NOT_SWEPT = {"name", "description", "start_date", "weeks", "seed"}


@dataclass(frozen=True)
class Spec:
    """A validated sweep: base scenario, fixed overrides, grid, sampled ranges, seeds, outputs."""

    name: str
    scenario: Scenario
    scenario_ref: str
    where: str = "<spec>"
    description: str = ""
    steps: int | None = None
    seed: int = 0
    seeds: tuple[int, ...] = (0,)
    chunk_size: int | None = None
    fixed: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    sampler: str | None = None
    samples: int = 0
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    integer: frozenset[str] = frozenset()
    metrics: tuple[str, ...] = DEFAULT_METRICS
    series: tuple[str, ...] = ()
    report: dict[str, Any] = field(default_factory=dict)
    calibration: Calibration | None = None  # a [calibrate] table: `metrics` ends with record.<id>
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def swept(self) -> list[str]:
        """Parameter paths that vary, grid first, in spec order."""
        return [*self.grid, *self.ranges]


def spec_names() -> list[str]:
    """Names of the built-in specs in `experiments/specs/`."""
    return sorted(
        p.name.removesuffix(".toml") for p in SPEC_DIR.iterdir() if p.name.endswith(".toml")
    )


def load_spec(ref: str | Path | dict[str, Any] | Spec) -> Spec:
    """A built-in spec name (`mechanisms`), a TOML path, or a plain dict, validated into a
    `Spec`."""
    if isinstance(ref, Spec):
        return ref
    if isinstance(ref, dict):
        return parse_spec(dict(ref), "<spec>", Path.cwd())
    text, where, folder = _spec_text(str(ref))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: not valid TOML: {exc}") from None
    data.setdefault("name", Path(where).stem)
    return parse_spec(data, where, folder)


def _spec_text(ref: str) -> tuple[str, str, Path]:
    builtin = SPEC_DIR / f"{ref}.toml"
    if "/" not in ref and not ref.endswith(".toml") and builtin.is_file():
        return builtin.read_text(encoding="utf-8"), f"{ref}.toml", Path.cwd()
    path = Path(ref)
    if path.is_file():
        return path.read_text(encoding="utf-8"), str(path), path.parent
    raise ScenarioError(
        f"{ref}: no such spec file or built-in spec (built-in: {', '.join(spec_names())})"
    )


def parse_spec(data: dict[str, Any], where: str, folder: Path) -> Spec:
    """Validate plain spec data; `folder` resolves a scenario given as a relative path."""
    for key in data:
        if key not in TOP_KEYS:
            raise ScenarioError(f"{where}: {key}: unknown key (valid keys: {', '.join(TOP_KEYS)})")
    ref = _get(data, "scenario", str, where, "baseline")
    scenario_ref = ref
    if ref.endswith(".toml") and not Path(ref).is_absolute() and (folder / ref).is_file():
        ref = str(folder / ref)
    try:
        base = load_scenario(ref)
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: scenario: {exc}") from None
    params = {p.path: p for p in walk(base) if p.path not in NOT_SWEPT}
    steps = _get(data, "steps", int, where, None)
    limit = max_weeks(base)
    if steps is not None and not 1 <= steps <= limit:
        raise ScenarioError(f"{where}: steps: must lie in [1, {limit:,}], got {steps}")
    seed = _get(data, "seed", int, where, 0)
    if not 0 <= seed <= MAX_SEED:
        raise ScenarioError(f"{where}: seed: must lie in [0, 2**63-1], got {seed}")
    seeds = _seeds(data, where, seed)
    chunk = _get(data, "chunk_size", int, where, None)
    if chunk is not None and chunk < 1:
        raise ScenarioError(f"{where}: chunk_size: must be >= 1, got {chunk}")
    fixed = {
        p: typed_value(params, p, v, where, "fixed") for p, v in flat(data, "fixed", where).items()
    }
    grid = check_grid(params, flat(data, "grid", where), where)
    sample = check_sample(params, data.get("sample"), where)
    check_size(grid, sample, len(seeds), where)
    sampler, samples, ranges, integer = sample
    _no_overlap(where, fixed=fixed, grid=grid, sample=ranges)
    if sampler == "sobol" and len(ranges) < 2:
        raise ScenarioError(f"{where}: sample.ranges: Sobol indices need at least two ranges")
    try:
        scenario = load_scenario(base, expand_paths(fixed, [f.name for f in base.firms]))
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: fixed: {exc}") from None
    keep = data.get("keep", {})
    if not isinstance(keep, dict):
        raise ScenarioError(f"{where}: keep: expected a table, got {keep!r}")
    metrics, series = check_keep(keep, scenario, where)
    calibration = check_calibrate(data.get("calibrate"), where, folder, scenario)
    if calibration is not None:
        metrics = (*metrics, *record_metrics(calibration.points))
    report = data.get("report", {})
    if not isinstance(report, dict):
        raise ScenarioError(f"{where}: report: expected a table, got {report!r}")
    _check_report(report, metrics, [*grid, *ranges], where)
    return Spec(
        name=_get(data, "name", str, where, "sweep"),
        scenario=scenario,
        scenario_ref=scenario_ref,
        where=where,
        description=_get(data, "description", str, where, ""),
        steps=steps,
        seed=seed,
        seeds=seeds,
        chunk_size=chunk,
        fixed=fixed,
        grid=grid,
        sampler=sampler,
        samples=samples,
        ranges=ranges,
        integer=integer,
        metrics=metrics,
        series=series,
        report=report,
        calibration=calibration,
        raw=data,
    )


def _get(data: dict[str, Any], key: str, tp: type, where: str, default: Any) -> Any:
    value = data.get(key, default)
    if value is default:
        return value
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ScenarioError(f"{where}: {key}: expected an integer, got {value!r}")
    if tp is str and not isinstance(value, str):
        raise ScenarioError(f"{where}: {key}: expected a string, got {value!r}")
    return value


def _seeds(data: dict[str, Any], where: str, seed: int) -> tuple[int, ...]:
    """`seeds = [...]` as given, or `replications` consecutive seeds from `seed`; all in int64."""
    if "seeds" in data and "replications" in data:
        raise ScenarioError(f"{where}: seeds: give either seeds or replications, not both")
    if "seeds" in data:
        seeds = data["seeds"]
        if not isinstance(seeds, list) or not seeds or not all(_is_seed(s) for s in seeds):
            raise ScenarioError(
                f"{where}: seeds: expected a list of whole numbers in [0, 2**63-1], got {seeds!r}"
            )
        if len(set(seeds)) != len(seeds):
            raise ScenarioError(f"{where}: seeds: duplicate seeds in {seeds!r}")
        return tuple(seeds)
    reps = _get(data, "replications", int, where, 1)
    if not 1 <= reps <= MAX_RUNS:
        raise ScenarioError(f"{where}: replications: must lie in [1, {MAX_RUNS:,}], got {reps}")
    if seed + reps - 1 > MAX_SEED:
        raise ScenarioError(
            f"{where}: replications: seeds {seed} to {seed + reps - 1} go past 2**63-1"
        )
    return tuple(seed + r for r in range(reps))


def _is_seed(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEED


def _no_overlap(where: str, **sections: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    for section, paths in sections.items():
        for path in paths:
            if path in seen:
                raise ScenarioError(f"{where}: {section}.{path}: already set in {seen[path]}")
            seen[path] = section


def _check_report(
    report: dict[str, Any], metrics: tuple[str, ...], swept: list[str], where: str
) -> None:
    for key, value in report.items():
        if key == "outcomes":
            if not isinstance(value, list) or not value:
                raise ScenarioError(
                    f"{where}: report.outcomes: expected a list of metric names, got {value!r}"
                )
            for m in value:
                if m not in metrics:
                    raise ScenarioError(
                        f"{where}: report.outcomes: {m!r} is not a kept metric "
                        f"(kept: {', '.join(metrics)})"
                    )
        elif key in ("x", "hue", "panel"):
            if value not in swept:
                raise ScenarioError(
                    f"{where}: report.{key}: {value!r} is not a swept parameter "
                    f"(swept: {', '.join(swept)})"
                )
        else:
            raise ScenarioError(
                f"{where}: report.{key}: unknown key (valid keys: outcomes, x, hue, panel)"
            )
