"""What runs on a worker: a chunk of runs in, one small table of results (and series) out.

Kept apart from the driver so that a worker imports only the model and this module. A run that
raises is recorded as `failed` with its error text; the rest of the chunk carries on.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass

import pandas as pd

from experiments.sweeps.keep import compute_metrics, record_values, series_frame
from model.market import GpuMarket
from model.record import Plan
from model.scenario import Scenario

ERROR_CHARS = 2_000
Row = tuple[int, str, str, int]  # run_index, run_id, overrides as JSON, seed


@dataclass(frozen=True)
class Job:
    """Everything a worker needs besides the rows: the base scenario and what to keep (with a
    `record` plan, calibration's `record.<id>` metrics too)."""

    scenario: Scenario
    steps: int | None
    metrics: tuple[str, ...]
    series: tuple[str, ...]
    record: Plan | None = None


@dataclass(frozen=True)
class ChunkResult:
    """One chunk's results: a row per run (status, error, metrics) and the weekly series."""

    runs: pd.DataFrame
    series: pd.DataFrame | None
    seconds: float
    worker: str


def run_one(job: Job, overrides: dict, seed: int) -> tuple[dict[str, float], pd.DataFrame | None]:
    """Run one model and reduce it to the kept metrics (record values included) and series."""
    m = GpuMarket(job.scenario, seed=seed, overrides=overrides or None, steps=job.steps).run()
    model, firms = m.model_table(), m.firms_table()
    series = series_frame(model, firms, job.series) if job.series else None
    metrics = compute_metrics(model, firms, job.metrics)
    if job.record is not None:
        metrics.update(record_values(model, firms, job.record))
    return metrics, series


def run_chunk(job: Job, rows: list[Row]) -> ChunkResult:
    """Run every row; exceptions become `failed` rows, never a failed chunk."""
    start = time.perf_counter()
    records, series = [], []
    for run_index, run_id, overrides, seed in rows:
        record = {"run_index": run_index, "run_id": run_id, "status": "ok", "error": ""}
        try:
            metrics, weekly = run_one(job, json.loads(overrides), seed)
            record.update(metrics)
            if weekly is not None:
                weekly.insert(0, "run_id", run_id)
                weekly.insert(0, "run_index", run_index)
                series.append(weekly)
        except Exception as exc:  # a bad run must not stop the sweep
            record.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:ERROR_CHARS])
            record.update(dict.fromkeys(job.metrics, float("nan")))
        records.append(record)
    runs = pd.DataFrame(records, columns=["run_index", "run_id", "status", "error", *job.metrics])
    runs["run_index"] = runs["run_index"].astype("int64")
    runs[list(job.metrics)] = runs[list(job.metrics)].astype("float64")
    weekly_all = pd.concat(series, ignore_index=True) if series else None
    return ChunkResult(runs, weekly_all, time.perf_counter() - start, worker_name())


def worker_name() -> str:
    return f"{platform.node()}:{os.getpid()}"


def check_worker() -> dict[str, str]:
    """Run on every Dask worker before a sweep: proves the model imports and says which version."""
    from importlib.metadata import PackageNotFoundError, version

    import mesa

    import model.market  # noqa: F401 - the import itself is the check

    try:
        ours = version("gpu-allocation-sim")
    except PackageNotFoundError:
        ours = "not installed"
    return {
        "gpu-allocation-sim": ours,
        "mesa": mesa.__version__,
        "python": platform.python_version(),
    }
