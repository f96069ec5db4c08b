"""`run_calibration(spec, out, ...)`: the sweep (`run_sweep`, record values kept in every run),
then history matching and its files; with `waves = N`, wave k + 1 is the same spec sampled inside
the bounding box of wave k's kept configurations, a sweep of its own in DIR/wave<k+1>/.

Everything that makes a sweep safe (streaming chunks, resume, lost workers, the folder lock)
is the sweep's: this module only adds the scoring step after each wave.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.calibration.matching import history_match
from experiments.calibration.report import calibration_of, write_files
from experiments.runner import MAX_SEED
from experiments.sweeps.design import design_table
from experiments.sweeps.driver import SweepResult, run_sweep, spec_info
from experiments.sweeps.executors import check_options, make_executor
from experiments.sweeps.params import check_size
from experiments.sweeps.spec import Spec, load_spec
from experiments.sweeps.store import Store
from model.params import ScenarioError


@dataclass
class Wave:
    """One wave: its sweep, its history-matching table and the files written."""

    spec: Spec
    sweep: SweepResult
    table: pd.DataFrame
    written: list[Path] = field(default_factory=list)

    @property
    def kept(self) -> int:
        return int(self.table.kept.sum())

    @property
    def cutoff(self) -> float:
        return calibration_of(self.spec).cutoff


@dataclass
class CalibrationResult:
    """Every wave run, first to last, and why the waves stopped early (if they did)."""

    waves: list[Wave]
    stopped: str = ""

    @property
    def failed(self) -> int:
        return sum(w.sweep.summary["failed"] for w in self.waves)


def with_seeds(spec: Spec, seeds: int) -> Spec:
    """The spec with `seeds` replications (seeds spec.seed, spec.seed + 1, ...), checked as the
    spec's own `replications` would be."""
    if not 1 <= seeds <= MAX_SEED - spec.seed + 1:
        raise ScenarioError(
            f"--seeds: seeds {spec.seed} to {spec.seed + seeds - 1} must lie in [0, 2**63-1]"
        )
    sample = (spec.sampler, spec.samples, spec.ranges, spec.integer)
    check_size(spec.grid, sample, seeds, f"--seeds {seeds}")
    return dataclasses.replace(spec, seeds=tuple(spec.seed + i for i in range(seeds)))


def run_calibration(
    spec: str | Path | dict | Spec,
    out: str | Path,
    *,
    seeds: int | None = None,
    **sweep_options: Any,
) -> CalibrationResult:
    """Run, match and report every wave of a calibration spec; `sweep_options` go to `run_sweep`
    (executor, workers, address, client, resume, chunk_size, progress, timeout). Every wave runs
    on the same executor, so a cluster starts once."""
    spec = load_spec(spec)
    cal = calibration_of(spec)
    if seeds is not None:
        spec = with_seeds(spec, seeds)
    out = Path(out)
    with shared_executor(spec, out, sweep_options) as options:
        waves = [run_wave(spec, out, options)]
        while len(waves) < cal.waves:
            narrowed = next_wave(waves[-1], len(waves) + 1)
            if isinstance(narrowed, str):
                return CalibrationResult(waves, narrowed)
            waves.append(run_wave(narrowed, out / f"wave{len(waves) + 1}", options))
    return CalibrationResult(waves)


@contextlib.contextmanager
def shared_executor(spec: Spec, out: Path, options: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`run_sweep` options whose executor serves every wave: for more than one wave, the
    executor named in `options` is started once (after the first wave's folder is checked, as
    `run_sweep` would, so that bad input starts nothing) and closed after the last wave."""
    kind = options.get("executor", "serial")
    if calibration_of(spec).waves == 1 or not isinstance(kind, str):
        yield options
        return
    timeout = options.get("timeout", 60.0)
    check_options(kind, timeout)
    Store(out).check(design_table(spec), spec_info(spec), options.get("resume", False))
    where = ("workers", "address", "client")
    started = {k: options.get(k) for k in where}
    with make_executor(kind, timeout=timeout, **started) as ex:
        yield {k: v for k, v in options.items() if k not in where} | {"executor": ex}


def run_wave(spec: Spec, out: Path, sweep_options: dict[str, Any]) -> Wave:
    """One sweep, then its history matching, plausible.parquet and report."""
    cal = calibration_of(spec)
    sweep = run_sweep(spec, out, **sweep_options)
    table = history_match(sweep.runs, cal.scored, spec.swept, cal.cutoff)
    return Wave(spec, sweep, table, write_files(spec, out, table, sweep.design))


def cell(value: Any) -> str:
    """A grid value as the runs table shows it (lists as JSON text), for comparing the two."""
    return json.dumps(value) if isinstance(value, list | tuple) else str(value)


def next_wave(wave: Wave, number: int) -> Spec | str:
    """The spec of the next wave: each sampled range shrunk to the kept configurations' min-max
    (a range that collapses to one value becomes a one-value grid), each grid to the values kept;
    or, when there is nothing to narrow, the reason why."""
    spec, kept = wave.spec, wave.table[wave.table.kept]
    if not spec.ranges:
        return f"wave {number} not run: the spec samples no ranges to narrow"
    if not len(kept):
        return f"wave {number} not run: no configuration was kept"
    grid = {
        p: tuple(v for v in values if cell(v) in set(kept[p].map(str)))
        for p, values in spec.grid.items()
    }
    ranges = {}
    for p in spec.ranges:
        lo, hi = kept[p].min(), kept[p].max()
        lo, hi = (int(lo), int(hi)) if p in spec.integer else (float(lo), float(hi))
        if lo < hi:
            ranges[p] = (lo, hi)
        else:
            grid[p] = (lo,)
    sampler = spec.sampler if spec.sampler != "sobol" or len(ranges) >= 2 else "lhs"
    return dataclasses.replace(
        spec,
        name=f"{spec.name}-wave{number}",
        grid=grid,
        ranges=ranges,
        integer=frozenset(p for p in spec.integer if p in ranges),
        sampler=sampler if ranges else None,
        samples=spec.samples if ranges else 0,
    )
