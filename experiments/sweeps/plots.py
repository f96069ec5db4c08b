"""PNG plots of a sweep's outcomes against its swept parameters (matplotlib, Agg backend).

A grid is drawn as means with 95% intervals: `x` on the axis, one line per `hue` value, one panel
per `panel` value (roles from the spec's [report] table, else numeric parameters on the axis
first); other swept parameters are pooled. Sampled ranges are drawn as one point per run.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import EngFormatter

from experiments.sweeps.tables import interval

DPI = 90


def roles(info: dict[str, Any], runs: pd.DataFrame) -> tuple[str, str | None, str | None]:
    """(x, hue, panel) among the grid parameters."""
    chosen = info.get("report", {})
    grid = list(info["grid"])
    numeric = [p for p in grid if pd.api.types.is_numeric_dtype(runs[p]) and runs[p].dtype != bool]
    order = [chosen[k] for k in ("x", "hue", "panel") if k in chosen]
    order += [p for p in numeric + grid if p not in order]
    order = list(dict.fromkeys(order))
    x = chosen.get("x", order[0])
    rest = [p for p in order if p != x]
    hue = chosen.get("hue", rest[0] if rest else None)
    rest = [p for p in rest if p != hue]
    panel = chosen.get("panel", rest[0] if rest else None)
    return x, hue, panel


def style(ax: Any) -> None:
    """Small ticks, a light grid, and large values as 27G rather than an offset of 1e10."""
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    low, high = ax.get_ylim()
    if max(abs(low), abs(high)) >= 1e5:
        ax.yaxis.set_major_formatter(EngFormatter(sep=""))


def _levels(runs: pd.DataFrame, col: str | None) -> list[Any]:
    return [None] if col is None else list(pd.unique(runs[col]))


def _grid_axes(ax: Any, runs: pd.DataFrame, outcome: str, x: str, hue: str | None) -> None:
    xs = list(pd.unique(runs[x]))
    numeric = pd.api.types.is_numeric_dtype(runs[x]) and runs[x].dtype != bool
    if numeric:
        xs = sorted(xs)
    hues = _levels(runs, hue)
    for k, h in enumerate(hues):
        sub = runs if h is None else runs[runs[hue] == h]
        stats = [interval(sub.loc[sub[x] == v, outcome]) for v in xs]
        mean = np.array([s[0] for s in stats])
        lo = np.array([s[1] for s in stats])
        hi = np.array([s[2] for s in stats])
        err = np.nan_to_num(np.vstack([mean - lo, hi - mean]))
        pos = (
            np.asarray(xs, dtype=float)
            if numeric
            else np.arange(len(xs)) + (k - (len(hues) - 1) / 2) * 0.08
        )
        ax.errorbar(
            pos,
            mean,
            yerr=err,
            marker="o",
            ms=3,
            capsize=2,
            lw=1,
            label=str(h) if h is not None else None,
        )
    if not numeric:
        ax.set_xticks(range(len(xs)), [str(v) for v in xs], rotation=30, ha="right", fontsize=7)
    ax.set_xlabel(x, fontsize=8)
    style(ax)


def _grid_figure(info: dict[str, Any], runs: pd.DataFrame, outcomes: list[str]) -> Any:
    x, hue, panel = roles(info, runs)
    panels = _levels(runs, panel)
    fig, axes = plt.subplots(
        len(outcomes),
        len(panels),
        squeeze=False,
        sharex="col",
        figsize=(2.0 + 2.8 * len(panels), 0.6 + 2.3 * len(outcomes)),
    )
    for i, o in enumerate(outcomes):
        for j, p in enumerate(panels):
            ax = axes[i][j]
            _grid_axes(ax, runs if p is None else runs[runs[panel] == p], o, x, hue)
            if i == 0 and p is not None:
                ax.set_title(f"{panel} = {p}", fontsize=8)
            if j == 0:
                ax.set_ylabel(o, fontsize=8)
    if hue is not None:
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(
            handles,
            labels,
            title=hue,
            fontsize=7,
            title_fontsize=7,
            loc="upper right",
            bbox_to_anchor=(1.0, 0.95),
        )
    pooled = [p for p in info["grid"] if p not in (x, hue, panel)]
    note = f"; pooled over {', '.join(pooled)}" if pooled else ""
    seeds = runs["seed"].nunique()
    what = (
        f"mean and 95% interval over {seeds} seeds" if seeds > 1 else "one seed per configuration"
    )
    fig.suptitle(f"{info['name']}: {what}{note}", fontsize=9, x=0.02, ha="left")
    fig.tight_layout(rect=(0, 0, 0.86 if hue else 1, 0.97))
    return fig


def _scatter_figure(info: dict[str, Any], runs: pd.DataFrame, outcomes: list[str]) -> Any:
    ranges = list(info["ranges"])
    hue = next(iter(info["grid"]), None)
    fig, axes = plt.subplots(
        len(outcomes),
        len(ranges),
        squeeze=False,
        figsize=(1.5 + 2.6 * len(ranges), 0.6 + 2.2 * len(outcomes)),
    )
    for i, o in enumerate(outcomes):
        for j, p in enumerate(ranges):
            ax = axes[i][j]
            for h in _levels(runs, hue):
                sub = runs if h is None else runs[runs[hue] == h]
                ax.scatter(sub[p], sub[o], s=4, alpha=0.5, label=None if h is None else str(h))
            ax.set_xlabel(p, fontsize=8)
            style(ax)
            if j == 0:
                ax.set_ylabel(o, fontsize=8)
    if hue is not None:
        axes[0][0].legend(title=hue, fontsize=6, title_fontsize=6)
    fig.suptitle(f"{info['name']}: one point per run", fontsize=9, x=0.02, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def figure(info: dict[str, Any], runs: pd.DataFrame, outcomes: list[str]) -> Any:
    """The overview figure: outcomes as rows, against the swept parameters."""
    if info["ranges"]:
        return _scatter_figure(info, runs, outcomes)
    if not info["grid"]:
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.boxplot([runs[o].dropna() for o in outcomes], tick_labels=outcomes)
        return fig
    return _grid_figure(info, runs, outcomes)


def save(fig: Any, path: Path) -> Path:
    """PNG with a 256-colour palette: line plots look the same at a third of the size."""
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI)
    plt.close(fig)
    buffer.seek(0)
    Image.open(buffer).convert("RGB").quantize(256).save(path, optimize=True)
    return path


def outcome_plots(
    info: dict[str, Any], runs: pd.DataFrame, outcomes: list[str], folder: Path
) -> list[Path]:
    """overview.png (every outcome) and one PNG per outcome."""
    paths = [save(figure(info, runs, outcomes), folder / "overview.png")]
    if len(outcomes) > 1:
        for o in outcomes:
            paths.append(save(figure(info, runs, [o]), folder / f"{o}.png"))
    return paths


def sobol_plot(sob: pd.DataFrame, folder: Path) -> Path:
    """Bars of first-order and total indices per parameter, one panel per outcome."""
    outcomes = list(pd.unique(sob["outcome"]))
    fig, axes = plt.subplots(
        1, len(outcomes), squeeze=False, figsize=(1 + 3.2 * len(outcomes), 3.2)
    )
    for ax, o in zip(axes[0], outcomes, strict=True):
        sub = (
            sob[sob.outcome == o]
            .groupby("parameter", sort=False)[["S1", "ST", "S1_conf", "ST_conf"]]
            .mean()
        )
        pos = np.arange(len(sub))
        ax.bar(pos - 0.2, sub.S1, 0.4, yerr=sub.S1_conf, label="first order S1", capsize=2)
        ax.bar(pos + 0.2, sub.ST, 0.4, yerr=sub.ST_conf, label="total ST", capsize=2)
        ax.set_xticks(pos, sub.index, rotation=30, ha="right", fontsize=7)
        ax.set_title(o, fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return save(fig, folder / "sobol.png")
