"""Headless runs: build a `GpuMarket`, run it, and write its three tables to files."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from model.market import GpuMarket
from model.params import ScenarioError

FORMATS = ("csv", "parquet")


def run_scenario(
    scenario: str | Path = "baseline",
    *,
    seed: int | None = None,
    steps: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> GpuMarket:
    """Run a scenario to its horizon (or `steps` weeks) and return the finished model."""
    return GpuMarket(scenario, seed=seed, overrides=overrides, steps=steps).run()


def write_tables(tables: dict[str, pd.DataFrame], out: Path, fmt: str = "csv") -> list[Path]:
    """Write each table as `out/<name>.<fmt>`; written to a temporary name first, then renamed."""
    if fmt not in FORMATS:
        raise ScenarioError(f"--format: {fmt!r} is not one of: {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables.items():
        path = out / f"{name}.{fmt}"
        tmp = path.with_suffix(f".{fmt}.tmp")
        if fmt == "csv":
            df.to_csv(tmp, index=False)
        else:
            df.to_parquet(tmp, index=False)
        tmp.replace(path)
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


def summary(m: GpuMarket) -> dict[str, float]:
    """A few headline figures of a finished run."""
    model, firms = m.model_table(), m.firms_table()
    last = firms[firms.step == firms.step.max()]
    return {
        "weeks": len(model),
        "produced": int(model.capacity.sum()),
        "allocated": int(model.allocated.sum()),
        "redirected": int(model.redirected_units.sum()),
        "friction": float(model.friction.sum()),
        "mean_order_inflation": float(model.order_inflation.mean()),
        "mean_jain_fill": float(model.jain_fill.mean()),
        "welfare_busd": float(model.welfare_usd.sum() / 1e9),
        "revenue_busd": float(model.revenue_usd.sum() / 1e9),
        "installed_end": dict(zip(last.firm, last.installed.astype(int), strict=True)),
    }
