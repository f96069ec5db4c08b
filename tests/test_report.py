"""`gpu-alloc report`: mean and 95% interval per configuration, plots, and Sobol indices that match
the analytic values of a known function (so the design's sample order and the analysis agree)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.sweep import run_sweep, spec_info
from experiments.sweeps.design import design_table
from experiments.sweeps.report import write_report
from experiments.sweeps.spec import load_spec
from experiments.sweeps.tables import interval, markdown, sobol_table, summary_table

PNG = b"\x89PNG\r\n\x1a\n"
GRID = {
    "name": "grid",
    "scenario": "classroom",
    "steps": 6,
    "replications": 3,
    "grid": {"market.mechanism": ["proportional", "negotiation"], "supply.scale": [0.7, 1.0]},
    "keep": {"metrics": ["price_usd.mean", "order_inflation.mean", "jain_fill.mean"]},
}


def test_interval_is_the_student_t_interval_of_the_mean() -> None:
    mean, lo, hi, n = interval(pd.Series([1.0, 2.0, 3.0, np.nan]))
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n)
    assert (mean, n) == (2.0, 3)
    assert lo == pytest.approx(2.0 - half) and hi == pytest.approx(2.0 + half)
    assert interval(pd.Series([5.0]))[:3] == (
        5.0,
        pytest.approx(math.nan, nan_ok=True),
        pytest.approx(math.nan, nan_ok=True),
    )
    assert interval(pd.Series([4.0, 4.0]))[1:3] == (4.0, 4.0)


def test_grid_report_writes_tables_and_plots(tmp_path: Path) -> None:
    result = run_sweep(GRID, tmp_path, progress=False)
    written = write_report(tmp_path)
    names = {p.name for p in written}
    assert {"summary.csv", "summary.md", "overview.png", "price_usd.mean.png"} <= names
    for p in written:
        assert p.parent == tmp_path / "report" and p.stat().st_size > 0
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == PNG and p.stat().st_size < 300_000
    table = pd.read_csv(tmp_path / "report" / "summary.csv")
    assert len(table) == 4 and (table.runs_ok == 3).all()
    runs = result.runs
    neg = runs[(runs["market.mechanism"] == "negotiation") & (runs["supply.scale"] == 0.7)][
        "price_usd.mean"
    ]
    row = table[(table["market.mechanism"] == "negotiation") & (table["supply.scale"] == 0.7)].iloc[
        0
    ]
    mean, lo, hi, _ = interval(neg)
    assert row["price_usd.mean mean"] == pytest.approx(mean)
    assert (row["price_usd.mean ci95_low"], row["price_usd.mean ci95_high"]) == (
        pytest.approx(lo),
        pytest.approx(hi),
    )
    md = (tmp_path / "report" / "summary.md").read_text()
    assert md.count("\n| ") == 5 and "market.mechanism" in md
    assert not (tmp_path / "report" / "sobol.csv").exists()


def test_report_counts_failed_runs_per_configuration(tmp_path: Path) -> None:
    spec = {
        "scenario": "classroom",
        "steps": 3,
        "fixed": {"owner.policy": "weights"},
        "grid": {"owner.weights": [[1.0, 2.0, 3.0], [1.0, 1.0]]},
    }
    run_sweep(spec, tmp_path, progress=False)
    write_report(tmp_path, outcomes=["welfare_usd.sum"])
    table = pd.read_csv(tmp_path / "report" / "summary.csv")
    assert table.runs_failed.tolist() == [0, 1] and table.runs_ok.tolist() == [1, 0]
    assert math.isnan(table["welfare_usd.sum mean"].iloc[1])


def test_sobol_indices_match_a_known_function() -> None:
    """Y = 4 x1 + x2 + 0 x3 on the unit cube: S1 = ST = 16/17, 1/17, 0 (Saltelli et al. 2010)."""
    spec = load_spec(
        {
            "scenario": "classroom",
            "steps": 1,
            "seed": 5,
            "grid": {"market.mechanism": ["uniform", "linear"]},
            "sample": {
                "method": "sobol",
                "n": 1024,
                "ranges": {
                    "supply.scale": [0.0, 1.0],
                    "market.scarcity_markup": [0.0, 1.0],
                    "market.max_markup": [0.0, 1.0],
                },
            },
        }
    )
    runs = design_table(spec)
    runs["status"] = "ok"
    runs["y"] = 4 * runs["supply.scale"] + runs["market.scarcity_markup"]
    sob = sobol_table(spec_info(spec), runs, ["y"])
    assert len(sob) == 2 * 3 and set(sob["market.mechanism"]) == {"uniform", "linear"}
    for parameter, expected in [
        ("supply.scale", 16 / 17),
        ("market.scarcity_markup", 1 / 17),
        ("market.max_markup", 0.0),
    ]:
        rows = sob[sob.parameter == parameter]
        assert rows.S1.to_numpy() == pytest.approx(expected, abs=0.03)
        assert rows.ST.to_numpy() == pytest.approx(expected, abs=0.03)


def test_sobol_sweep_report_end_to_end(tmp_path: Path) -> None:
    spec = {
        "scenario": "classroom",
        "steps": 6,
        "seed": 3,
        "sample": {
            "method": "sobol",
            "n": 8,
            "ranges": {"supply.scale": [0.5, 1.5], "market.scarcity_markup": [0.0, 1.0]},
        },
        "keep": {"metrics": ["installed_total.final", "price_usd.mean"]},
    }
    run_sweep(spec, tmp_path, progress=False)
    names = {p.name for p in write_report(tmp_path)}
    assert {"sobol.csv", "sobol.md", "sobol.png", "overview.png"} <= names
    sob = pd.read_csv(tmp_path / "report" / "sobol.csv")
    assert set(sob.columns) >= {"outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"}
    assert sob[["S1", "ST"]].notna().all().all()


def test_summary_table_and_markdown_without_seeds_or_grid() -> None:
    runs = pd.DataFrame(
        {
            "config": [0, 0, 1],
            "p": ["a", "a", "b"],
            "status": ["ok", "failed", "ok"],
            "m": [1.0, np.nan, 2_000_000.0],
        }
    )
    table = summary_table(runs, ["p"], ["m"])
    assert table[["runs_ok", "runs_failed"]].values.tolist() == [[1, 1], [1, 0]]
    md = markdown(table[["p", "m mean"]])
    assert md.splitlines() == ["| p | m mean |", "|---|---|", "| a | 1 |", "| b | 2,000,000 |"]
