"""Files of a calibration: DIR/plausible.parquet and, in DIR/report/, calibration.md (what
survives, what rules the rest out, the best configuration's record table as `gpu-alloc record`
prints it) and implausibility-PARAMETER.png for each swept parameter. The names leave room for
`gpu-alloc report DIR`, which writes the sweep's own summary.md and PNGs beside them.

The record table is the best configuration run again (one run per seed, as in the sweep), so it
is exactly `gpu-alloc record`'s scoring of those runs, claims and excluded points included.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.calibration.matching import I_PREFIX
from experiments.calibration.settings import Calibration
from experiments.record_cli import number, print_table
from experiments.sweeps import plots
from experiments.sweeps.errors import SweepError
from experiments.sweeps.spec import Spec
from experiments.sweeps.store import Store
from experiments.sweeps.tables import fmt, markdown
from model.market import GpuMarket
from model.record import RecordScore, score

KEPT, OUT = "#1a9850", "#bdbdbd"


def calibration_of(spec: Spec) -> Calibration:
    """The spec's `[calibrate]` table; a spec without one cannot be calibrated."""
    if spec.calibration is None:
        raise SweepError(
            f"{spec.where}: no [calibrate] table: calibration needs one "
            '(e.g. record = "default", cutoff = 3.0); run it with gpu-alloc sweep instead'
        )
    return spec.calibration


def write_files(spec: Spec, out: Path, table: pd.DataFrame, design: pd.DataFrame) -> list[Path]:
    """plausible.parquet beside the runs, then the report; returns the paths written."""
    plausible = out / "plausible.parquet"
    Store(out).write_parquet(table, plausible)
    folder = out / "report"
    try:
        folder.mkdir(exist_ok=True)
        written = [plausible, folder / "calibration.md"]
        best = best_table(spec, table, design)
        written[1].write_text(summary_markdown(spec, table, best), encoding="utf-8")
        written += [parameter_plot(spec, table, p, folder) for p in spec.swept]
    except OSError as exc:
        raise SweepError(f"{folder}: cannot write the report: {exc.strerror or exc}") from None
    return written


# --- the best configuration's record table ------------------------------------------------------


def best_config(table: pd.DataFrame) -> int | None:
    """The configuration with the smallest largest implausibility (None when none was scored)."""
    scored = table[table.max_implausibility.notna()]
    if not len(scored):
        return None
    return int(scored.sort_values(["max_implausibility", "config"]).config.iloc[0])


def rerun(spec: Spec, design: pd.DataFrame, config: int) -> RecordScore:
    """The runs of `config` again (its seeds and overrides from the design), scored on the whole
    record (`model.record.score`, as `gpu-alloc record` does)."""
    rows = design[design.config == config]
    runs = (
        _tables(spec, json.loads(o), int(s)) for o, s in zip(rows.overrides, rows.seed, strict=True)
    )
    return score(calibration_of(spec).points, runs)


def _tables(spec: Spec, overrides: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    m = GpuMarket(spec.scenario, seed=seed, overrides=overrides or None, steps=spec.steps).run()
    return m.model_table(), m.firms_table()


def best_table(spec: Spec, table: pd.DataFrame, design: pd.DataFrame) -> str:
    """The best configuration's record table as text, exactly as `gpu-alloc record` prints it."""
    config = best_config(table)
    if config is None:
        return ""
    seeds = sorted(design[design.config == config].seed)
    label = f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}"
    text = io.StringIO()
    with contextlib.redirect_stdout(text):  # the record command's own layout, not a copy of it
        print_table(rerun(spec, design, config), label)
    return text.getvalue()


# --- calibration.md -------------------------------------------------------------------------------


def ranges_table(spec: Spec, table: pd.DataFrame) -> pd.DataFrame:
    """Each swept parameter: its range (or values) in the spec, the values sampled, those kept."""
    kept = table[table.kept]
    rows = []
    for p in spec.swept:
        if p in spec.ranges:
            lo, hi = spec.ranges[p]
            rows.append(
                {
                    "parameter": p,
                    "spec": f"{fmt(lo)} to {fmt(hi)}",
                    "sampled": _span(table[p]),
                    "kept": _span(kept[p]) if len(kept) else "none",
                }
            )
        else:
            values = [str(v) for v in pd.unique(table[p])]
            survived = [str(v) for v in pd.unique(kept[p])]
            rows.append(
                {
                    "parameter": p,
                    "spec": ", ".join(str(v) for v in spec.grid[p]),
                    "sampled": ", ".join(values),
                    "kept": ", ".join(survived) or "none",
                }
            )
    return pd.DataFrame(rows, columns=["parameter", "spec", "sampled", "kept"])


def _span(values: pd.Series) -> str:
    return f"{fmt(values.min())} to {fmt(values.max())}"


def points_table(spec: Spec, table: pd.DataFrame) -> pd.DataFrame:
    """Each scored point: its reported range, how many configurations it rules out (above the
    cutoff), for how many it is the worst point, and its smallest implausibility."""
    cal = calibration_of(spec)
    rows = []
    for p in cal.scored:
        values = table[f"{I_PREFIX}{p.id}"]
        scale = max(abs(p.value), abs(p.low), abs(p.high))
        rows.append(
            {
                "point": p.id,
                "reported [range]": f"{number(p.value, scale)} "
                f"[{number(p.low, scale)}-{number(p.high, scale)}]",
                "rules out": int((values > cal.cutoff).sum()),
                "worst for": int((table.worst_point == p.id).sum()),
                "smallest implausibility": float(values.min()),
            }
        )
    return pd.DataFrame(rows).sort_values(["rules out", "worst for"], ascending=False)


def summary_markdown(spec: Spec, table: pd.DataFrame, best: str) -> str:
    """How many configurations survive, which ranges, what rules the rest out, the best one."""
    cal = calibration_of(spec)
    kept, seeds = int(table.kept.sum()), len(spec.seeds)
    excluded = f"; excluded: {', '.join(cal.exclude)}" if cal.exclude else ""
    lines = [
        f"# Calibration {spec.name}: {kept} of {len(table)} configurations kept\n",
        f"History matching of {spec.scenario_ref} against the record ({cal.record}): "
        f"{len(cal.scored)} points scored (facts and estimates; claims are not{excluded}), "
        f"{seeds} seed{'s' if seeds > 1 else ''} per configuration. Implausibility "
        "|observed - simulated mean| / sqrt(obs_var + run_var), obs_var ((high - low) / 4)^2, "
        "run_var across seeds; a configuration is kept when its largest implausibility is at "
        f"most {cal.cutoff:g}.\n",
        "## Surviving ranges\n",
        markdown(ranges_table(spec, table)),
        "## What rules configurations out\n",
        markdown(points_table(spec, table)),
    ]
    config = best_config(table)
    if config is not None:
        row = table[table.config == config].iloc[0]
        params = ", ".join(f"{p} = {fmt(row[p])}" for p in spec.swept) or "the spec as given"
        lines += [
            f"## Best configuration: {config} (largest implausibility "
            f"{fmt(row.max_implausibility)} at {row.worst_point})\n",
            f"{params}\n",
            f"```text\n{best}```\n",
        ]
    return "\n".join(lines)


# --- one PNG per parameter ----------------------------------------------------------------------


def parameter_plot(spec: Spec, table: pd.DataFrame, param: str, folder: Path) -> Path:
    """The sampled values of `param` against each configuration's largest implausibility, kept
    and ruled out in two colours, the cutoff as a dashed line; infinite values sit on the top
    edge as triangles."""
    cutoff = calibration_of(spec).cutoff
    x, labels = _positions(table[param])
    y = table.max_implausibility.to_numpy(dtype=float)
    finite = y[np.isfinite(y)]
    top = max([cutoff * 2, *finite]) * 1.5
    fig, ax = plt.subplots(figsize=(4.6, 3.2))
    for kept, colour, label in ((False, OUT, "ruled out"), (True, KEPT, "kept")):
        mask = table.kept.to_numpy() == kept
        shown = np.where(np.isinf(y), top, y)
        ax.scatter(
            x[mask & np.isfinite(y)],
            shown[mask & np.isfinite(y)],
            s=14,
            c=colour,
            label=f"{label} ({int(mask.sum())})",
        )
        ax.scatter(x[mask & np.isinf(y)], shown[mask & np.isinf(y)], s=18, c=colour, marker="^")
    ax.axhline(cutoff, ls="--", lw=1, c="k", label=f"cutoff {cutoff:g}")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(0, top * 1.2)
    if labels is not None:
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=7)
    ax.set_xlabel(param, fontsize=8)
    ax.set_ylabel("largest implausibility", fontsize=8)
    ax.set_title(_title(spec, table, param), fontsize=8)
    ax.legend(fontsize=6, loc="lower right")
    plots.style(ax)
    fig.tight_layout()
    return plots.save(fig, folder / f"implausibility-{param}.png")


def _positions(values: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """Numbers as they are; other values (a grid of names) as positions with labels."""
    if pd.api.types.is_numeric_dtype(values) and values.dtype != bool:
        return values.to_numpy(dtype=float), None
    levels = [str(v) for v in pd.unique(values)]
    codes = {v: i for i, v in enumerate(levels)}
    return np.array([codes[str(v)] for v in values], dtype=float), levels


def _title(spec: Spec, table: pd.DataFrame, param: str) -> str:
    kept = table[table.kept][param]
    if not len(kept):
        return f"{param}: nothing kept"
    if param in spec.ranges and pd.api.types.is_numeric_dtype(kept):
        lo, hi = spec.ranges[param]
        return f"kept {fmt(kept.min())} to {fmt(kept.max())} of {fmt(lo)} to {fmt(hi)}"
    return f"kept: {', '.join(str(v) for v in pd.unique(kept))}"
