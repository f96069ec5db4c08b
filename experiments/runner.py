"""Headless runs: build a `GpuMarket`, run it, and write its three tables to files."""

from __future__ import annotations

import contextlib
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from model.figures import RUN_SUMMARY, figures
from model.market import GpuMarket
from model.params import ScenarioError, walk
from model.scenario import Scenario

FORMATS = ("csv", "parquet")
MAX_SEED = 2**63 - 1  # seeds travel as int64 (design tables, Parquet columns)
TABLES = ("model", "firms", "events")


def run_scenario(
    scenario: str | Path | Scenario = "baseline",
    *,
    seed: int | None = None,
    steps: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> GpuMarket:
    """Run a scenario to its horizon (or `steps` weeks) and return the finished model."""
    return GpuMarket(scenario, seed=seed, overrides=overrides, steps=steps).run()


def max_weeks(scenario: Scenario) -> int:
    """The longest run a scenario allows: the upper bound of its `weeks` parameter."""
    (info,) = [p for p in walk(scenario) if p.path == "weeks"]
    return int(info.meta.max) if info.meta.max is not None else int(info.default)


def existing_tables(out: Path) -> list[Path]:
    """Tables of an earlier run in `out` (any format), which a new run would overwrite or mix
    with."""
    return [out / f"{t}.{f}" for t in TABLES for f in FORMATS if (out / f"{t}.{f}").exists()]


def write_tables(tables: dict[str, pd.DataFrame], out: Path, fmt: str = "csv") -> list[Path]:
    """Write each table as `out/<name>.<fmt>`; written to a temporary name first, then renamed, so
    a full disk leaves no half table (and no temporary file) behind."""
    if fmt not in FORMATS:
        raise ScenarioError(f"--format: {fmt!r} is not one of: {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables.items():
        path = out / f"{name}.{fmt}"
        tmp = path.with_suffix(f".{fmt}.tmp")
        try:
            if fmt == "csv":
                df.to_csv(tmp, index=False)
            else:
                df.to_parquet(tmp, index=False)
            tmp.replace(path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise ScenarioError(f"--out {out}: cannot write {path.name}: {exc}") from None
        paths.append(path)
    return paths


def parse_value(text: str) -> Any:
    """A `--set` value: any TOML value (42, 0.5, true, "x", [1, 2]); otherwise the bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_overrides(pairs: list[str] | None) -> dict[str, Any]:
    """`["market.mechanism=uniform", "supply.scale=0.8"]` -> `{"market.mechanism": "uniform",
    ...}`."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(
                f"--set {pair!r}: expected key=value, e.g. market.mechanism=uniform"
            )
        out[key.strip()] = parse_value(value.strip())
    return out


def summary(m: GpuMarket) -> dict[str, Any]:
    """The headline figures of a finished run (`model.figures.RUN_SUMMARY`), as the CLI prints
    them: unit counts as integers, dollars in billions."""
    f = figures(m.model_table(), RUN_SUMMARY)
    firms = m.firms_table()
    last = firms[firms.step == firms.step.max()]
    return {
        "weeks": len(m.model_table()),
        "produced": int(f["produced"]),
        "allocated": int(f["allocated"]),
        "redirected": int(f["redirected"]),
        "friction": f["friction"],
        "mean_order_inflation": f["order_inflation"],
        "mean_jain_fill": f["jain_fill"],
        "welfare_busd": f["welfare"] / 1e9,
        "revenue_busd": f["revenue"] / 1e9,
        "installed_end": dict(zip(last.firm, last.installed.astype(int), strict=True)),
    }
