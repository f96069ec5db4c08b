"""Swept values checked against the scenario's own parameter definitions (`model.params.walk`):
paths must exist (with a suggestion when they nearly do), values must have the right type and lie
within the declared range or choices. `firms.*.FIELD` stands for that field of every named firm.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

from model.params import ParamInfo, ScenarioError, coerce

SAMPLERS = ("lhs", "sobol")
# The design table of a million runs takes ~20 s and ~0.7 GB to build (2 million: 44 s, 1.4 GB):
# beyond that, split the sweep into several specs.
MAX_RUNS = 1_000_000


def flat(data: dict[str, Any], key: str, where: str, prefix: str = "") -> dict[str, Any]:
    """`{"market": {"mechanism": [...]}}` and `{"market.mechanism": [...]}` both give dotted
    keys."""
    table = data.get(key, {}) if not prefix else data
    if not isinstance(table, dict):
        raise ScenarioError(
            f"{where}: {key}{'.' + prefix if prefix else ''}: expected a table, got {table!r}"
        )
    out: dict[str, Any] = {}
    for k, v in table.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flat(v, key, where, path + "."))
        else:
            out[path] = v
    return out


def expand_paths(overrides: dict[str, Any], firms: list[str]) -> dict[str, Any]:
    """`firms.*.inflation` sets that field of every named firm (one swept value for them all)."""
    out: dict[str, Any] = {}
    for path, value in overrides.items():
        if path.startswith("firms.*."):
            out.update({f"firms.{f}.{path.removeprefix('firms.*.')}": value for f in firms})
        else:
            out[path] = value
    return out


def param_info(params: dict[str, ParamInfo], path: str, where: str, section: str) -> ParamInfo:
    """The definition of `path`, or an error naming the section and the nearest real path."""
    if path.startswith("firms.*.") and path != "firms.*.name":
        firm_field = path.removeprefix("firms.*.")
        found = [p for p in params if p.startswith("firms.") and p.split(".", 2)[2] == firm_field]
        if found:
            return params[found[0]]
    if path in params:
        return params[path]
    close = difflib.get_close_matches(path, list(params), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ScenarioError(f"{where}: {section}.{path}: not a parameter of the scenario{hint}")


def typed_value(
    params: dict[str, ParamInfo], path: str, value: Any, where: str, section: str
) -> Any:
    """`value` checked (type, range, choices) and converted as the scenario loader would."""
    info = param_info(params, path, where, section)
    return coerce(info.type, value, where, f"{section}.{path}", info.meta)


def check_grid(params: dict[str, ParamInfo], swept: dict[str, Any], where: str) -> dict[str, tuple]:
    """`[grid]`: a non-empty list of distinct, valid values per parameter."""
    grid: dict[str, tuple] = {}
    for path, values in swept.items():
        if not isinstance(values, list) or not values:
            raise ScenarioError(
                f"{where}: grid.{path}: expected a non-empty list of values, got {values!r}"
            )
        typed = tuple(typed_value(params, path, v, where, "grid") for v in values)
        if len({repr(v) for v in typed}) != len(typed):
            raise ScenarioError(f"{where}: grid.{path}: duplicate values in {values!r}")
        grid[path] = typed
    return grid


Sampled = tuple[str | None, int, dict[str, tuple[float, float]], frozenset[str]]


def check_sample(params: dict[str, ParamInfo], sample: Any, where: str) -> Sampled:
    """`[sample]`: method, n and numeric [low, high] ranges; returns (method, n, ranges, integer
    paths)."""
    if sample is None:
        return None, 0, {}, frozenset()
    if not isinstance(sample, dict):
        raise ScenarioError(f"{where}: sample: expected a table, got {sample!r}")
    for key in sample:
        if key not in ("method", "n", "ranges"):
            raise ScenarioError(
                f"{where}: sample.{key}: unknown key (valid keys: method, n, ranges)"
            )
    method = sample.get("method", "lhs")
    if method not in SAMPLERS:
        raise ScenarioError(
            f"{where}: sample.method: {method!r} is not one of: {', '.join(SAMPLERS)}"
        )
    n = sample.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_RUNS:
        raise ScenarioError(
            f"{where}: sample.n: expected a whole number from 1 to {MAX_RUNS:,}, got {n!r}"
        )
    ranges: dict[str, tuple[float, float]] = {}
    integer = set()
    for path, bounds in flat(sample, "ranges", where).items():
        info = param_info(params, path, where, "sample.ranges")
        if info.type not in (int, float):
            raise ScenarioError(
                f"{where}: sample.ranges.{path}: only numbers can be sampled; "
                f"use grid for {info.type.__name__} values"
            )
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise ScenarioError(
                f"{where}: sample.ranges.{path}: expected [low, high], got {bounds!r}"
            )
        lo, hi = (coerce(info.type, b, where, f"sample.ranges.{path}", info.meta) for b in bounds)
        if not lo < hi:
            raise ScenarioError(
                f"{where}: sample.ranges.{path}: low {lo!r} must be below high {hi!r}"
            )
        ranges[path] = (lo, hi)
        if info.type is int:
            integer.add(path)
    if not ranges:
        raise ScenarioError(f"{where}: sample.ranges: give at least one parameter range")
    return method, n, ranges, frozenset(integer)


def design_size(grid: dict[str, tuple], sample: Sampled, seeds: int) -> int:
    """How many runs a spec asks for, counted before anything is built: grid points x sampled
    points (a Saltelli design without second-order terms draws n (d + 2) points) x seeds."""
    method, n, ranges, _ = sample
    points = 1 if not ranges else n * (len(ranges) + 2) if method == "sobol" else n
    return math.prod(len(v) for v in grid.values()) * points * seeds


def check_size(grid: dict[str, tuple], sample: Sampled, seeds: int, where: str) -> None:
    """Refuse a design of more than MAX_RUNS runs before any of it is allocated."""
    runs = design_size(grid, sample, seeds)
    if runs > MAX_RUNS:
        raise ScenarioError(
            f"{where}: the design has {runs:,} runs; at most {MAX_RUNS:,} a sweep "
            "(split it into several specs)"
        )
