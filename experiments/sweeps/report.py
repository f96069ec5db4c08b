"""`gpu-alloc report DIR`: tables (mean and 95% interval per configuration), plots, Sobol indices.

Everything is read from the sweep directory (spec.json, runs.parquet) and written to DIR/report/:
summary.csv and summary.md, one PNG per outcome plus overview.png, and for a Sobol design
sobol.csv, sobol.md and sobol.png (first-order and total indices, SALib). A missing or damaged
folder is reported in one line that says how to repair it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.sweeps import plots
from experiments.sweeps.errors import SweepError
from experiments.sweeps.tables import markdown, sobol_table, summary_markdown, summary_table

MAX_DEFAULT_OUTCOMES = 4
SPEC_KEYS = {"name": str, "metrics": list, "grid": dict, "ranges": dict}
REPAIR = "run the sweep again with --resume to rewrite it"


def load_sweep(out: str | Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """The saved spec and the compacted runs table of a sweep directory."""
    out = Path(out)
    if not out.is_dir():
        raise SweepError(f"{out}: no such folder (give a sweep's --out folder)")
    for name in ("spec.json", "runs.parquet"):
        if not (out / name).is_file():
            raise SweepError(
                f"{out}: no {name}: not a finished sweep directory (run gpu-alloc sweep first)"
            )
    info = _spec(out / "spec.json")
    try:
        runs = pd.read_parquet(out / "runs.parquet")
    except (OSError, ValueError) as exc:
        raise SweepError(f"{out / 'runs.parquet'}: cannot be read ({exc}); {REPAIR}") from None
    return info, runs.sort_values("run_index", ignore_index=True)


def _spec(path: Path) -> dict[str, Any]:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SweepError(f"{path}: not valid JSON ({exc}); {REPAIR}") from None
    if not isinstance(info, dict):
        info = {}
    bad = [k for k, tp in SPEC_KEYS.items() if not isinstance(info.get(k), tp)]
    if bad:
        raise SweepError(
            f"{path}: not a sweep's spec (missing or wrong: {', '.join(bad)}); {REPAIR}"
        )
    return info


def pick_outcomes(info: dict[str, Any], outcomes: list[str] | None) -> list[str]:
    chosen = (
        outcomes or info.get("report", {}).get("outcomes") or info["metrics"][:MAX_DEFAULT_OUTCOMES]
    )
    for o in chosen:
        if o not in info["metrics"]:
            raise SweepError(
                f"--outcomes: {o!r} is not a metric of this sweep "
                f"(metrics: {', '.join(info['metrics'])})"
            )
    return list(chosen)


def write_report(out: str | Path, outcomes: list[str] | None = None) -> list[Path]:
    """Write DIR/report/: summary tables, plots and (Sobol designs) sensitivity indices."""
    out = Path(out)
    info, runs = load_sweep(out)
    outcomes = pick_outcomes(info, outcomes)
    folder = out / "report"
    try:
        folder.mkdir(exist_ok=True)
        written = summary_files(info, runs, outcomes, folder)
        ok = runs[runs.status == "ok"]
        if len(ok):
            written += plots.outcome_plots(info, ok, outcomes, folder)
        if info.get("sampler") == "sobol":
            written += sobol_files(info, runs, outcomes, folder)
    except OSError as exc:
        raise SweepError(f"{folder}: cannot write the report: {exc.strerror or exc}") from None
    return written


def summary_files(
    info: dict[str, Any], runs: pd.DataFrame, outcomes: list[str], folder: Path
) -> list[Path]:
    """summary.csv and summary.md: one row per configuration."""
    params = [*info["grid"], *info["ranges"]]
    table = summary_table(runs, params, outcomes)
    written = [folder / "summary.csv", folder / "summary.md"]
    table.to_csv(written[0], index=False)
    title = f"# Sweep {info['name']}: mean and 95% interval per configuration\n\n"
    written[1].write_text(title + summary_markdown(table, params, outcomes), encoding="utf-8")
    return written


def sobol_files(
    info: dict[str, Any], runs: pd.DataFrame, outcomes: list[str], folder: Path
) -> list[Path]:
    """sobol.csv, sobol.md and sobol.png (none when no index could be estimated)."""
    sob = sobol_table(info, runs, outcomes)
    if not len(sob):
        return []
    sob.to_csv(folder / "sobol.csv", index=False)
    (folder / "sobol.md").write_text(
        f"# Sobol indices ({info['name']})\n\n" + markdown(sob), encoding="utf-8"
    )
    return [folder / "sobol.csv", folder / "sobol.md", plots.sobol_plot(sob, folder)]
