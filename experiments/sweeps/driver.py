"""Parameter sweeps: `run_sweep(spec, out, executor=...)` from Python, `gpu-alloc sweep` from a
shell.

The driver checks everything first (spec, options, the folder), then holds the folder's lock,
starts the executor and streams finished chunks to disk (`dispatch.py`), keeping no results in
memory, so a sweep of a million runs needs no more memory than one of a thousand. Ctrl-C and
SIGTERM stop it cleanly; a killed driver takes its workers with it (`lifeline.py`).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.sweeps.design import design_table
from experiments.sweeps.dispatch import Dispatcher
from experiments.sweeps.errors import SweepError
from experiments.sweeps.executors import Executor, check_options, make_executor
from experiments.sweeps.interrupt import StopSignals
from experiments.sweeps.lock import FolderLock
from experiments.sweeps.spec import Spec, load_spec
from experiments.sweeps.store import Store
from experiments.sweeps.task import Job
from model.record import Plan


@dataclass
class SweepResult:
    """A finished sweep: its directory, summary and (read lazily, in design order) its tables."""

    out: Path
    summary: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def runs(self) -> pd.DataFrame:
        runs = pd.read_parquet(self.out / "runs.parquet")
        return runs.sort_values("run_index", ignore_index=True)

    @cached_property
    def series(self) -> pd.DataFrame | None:
        path = self.out / "series.parquet"
        if not path.exists():
            return None
        return pd.read_parquet(path).sort_values(["run_index", "step"], ignore_index=True)

    @cached_property
    def design(self) -> pd.DataFrame:
        return pd.read_parquet(self.out / "design.parquet")


def spec_info(spec: Spec) -> dict[str, Any]:
    """The resolved spec as plain data, saved beside the results for `gpu-alloc report`."""
    return {
        "name": spec.name,
        "description": spec.description,
        "where": spec.where,
        "scenario": spec.scenario_ref,
        "steps": spec.steps,
        "seeds": list(spec.seeds),
        "seed": spec.seed,
        "fixed": spec.fixed,
        "grid": {k: list(v) for k, v in spec.grid.items()},
        "sampler": spec.sampler,
        "samples": spec.samples,
        "ranges": {k: list(v) for k, v in spec.ranges.items()},
        "integer": sorted(spec.integer),
        "metrics": list(spec.metrics),
        "series": list(spec.series),
        "report": spec.report,
        "calibrate": None if spec.calibration is None else spec.calibration.info(),
        "record": None if spec.calibration is None else spec.calibration.digest,
    }


def run_sweep(
    spec: str | Path | dict | Spec,
    out: str | Path | None = None,
    *,
    executor: str | Executor = "serial",
    workers: int | None = None,
    address: str | None = None,
    client: Any = None,
    resume: bool = False,
    retry_failed: bool = False,
    chunk_size: int | None = None,
    progress: bool = True,
    timeout: float = 60.0,
) -> SweepResult:
    """Run every run of `spec` not yet in `out` and return the compacted results.

    `executor` is "serial", "process" (`workers` processes), "dask" (a LocalCluster of `workers`,
    or the scheduler at `address`, or an existing `client`; `timeout` seconds to reach it), or an
    `Executor` instance. Without `out` the results go to a new temporary directory. With
    `retry_failed` (and `resume`), runs recorded as failed run again.
    """
    spec = load_spec(spec)
    if isinstance(executor, str):
        check_options(executor, timeout)
    out = _folder(out, spec.name)
    design, info = design_table(spec), spec_info(spec)
    store = Store(out)
    with FolderLock(out):
        store.check(design, info, resume)
        begin = time.perf_counter()
        with _opened(executor, workers, address, client, timeout) as ex, StopSignals() as stop:
            startup = time.perf_counter() - begin
            store.prepare(info, design)
            if retry_failed:
                store.forget_failed()
            pending = design[~design.run_id.isin(store.finished().keys())]
            described = ex.describe()
            start = time.perf_counter()
            job = Job(spec.scenario, spec.steps, spec.metrics, spec.series, record_plan(spec))
            size = chunk_size or spec.chunk_size
            counts = Dispatcher(ex, job, design, pending, store, size, stop, progress).run()
            seconds = time.perf_counter() - start
        store.compact()
        status = pd.read_parquet(out / "runs.parquet", columns=["status"]).status
        summary = {
            "spec": spec.name,
            "executor": described,
            "runs": len(design),
            "ok": int((status == "ok").sum()),
            "failed": int((status != "ok").sum()),
            "ran": counts["ran"],
            "skipped": len(design) - len(pending),
            "seconds": round(seconds, 3),
            "startup_seconds": round(startup, 3),
            "runs_per_second": round(counts["ran"] / seconds, 2) if seconds > 0 else None,
            "chunks": counts["chunks"],
            "retried_chunks": counts["retried"],
            "driver_peak_rss_mb": round(peak_rss_mb(), 1),
        }
        store.write_json("summary.json", summary)
    return SweepResult(out, summary)


def record_plan(spec: Spec) -> Plan | None:
    """The record points a calibration spec's workers evaluate in every run (else None)."""
    return None if spec.calibration is None else Plan.of(spec.calibration.points)


def _folder(out: str | Path | None, name: str) -> Path:
    """The results folder: as given (absent, or a folder), or a new temporary one."""
    if out is None:
        return Path(tempfile.mkdtemp(prefix=f"sweep-{name}-"))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SweepError(f"{out}: exists and is not a folder (a file or a device)")
    return out


@contextlib.contextmanager
def _opened(
    executor: str | Executor, workers: int | None, address: str | None, client: Any, timeout: float
) -> Iterator[Executor]:
    """The executor to use: made here (and closed, or aborted on an error, at the end) or the
    caller's own, which stays open."""
    if isinstance(executor, Executor):
        yield executor
        return
    with make_executor(executor, workers, address, client, timeout) as ex:
        yield ex


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB, macOS bytes; elsewhere, RSS now)."""
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        return psutil.Process().memory_info().peak_wset / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)
