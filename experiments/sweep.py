"""Parameter sweeps: `run_sweep(spec, out, executor=...)` from Python, `gpu-alloc sweep` from a
shell.

The driver keeps a few chunks in flight, writes each finished chunk to disk at once and keeps no
results in memory, so a sweep of a million runs needs no more memory than one of a thousand.
Chunks grow or shrink to take about `TARGET_SECONDS` each, so dispatch costs little everywhere.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from experiments.design import design_table
from experiments.executors import Executor, make_executor
from experiments.spec import Spec, load_spec
from experiments.store import Store
from experiments.task import Job

TARGET_SECONDS = 2.0
FIRST_CHUNK = 50
MAX_CHUNK = 1_000
MAX_RETRIES = 3


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: what finished is on disk; `resume=True` runs the rest."""


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
    `Executor` instance.
    Without `out` the results go to a new temporary directory.
    """
    spec = load_spec(spec)
    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix=f"sweep-{spec.name}-"))
    store = Store(out)
    design = design_table(spec)
    store.check(design, resume)
    job = Job(spec.scenario, spec.steps, spec.metrics, spec.series)
    begin = time.perf_counter()
    own = not isinstance(executor, Executor)
    ex = make_executor(executor, workers, address, client, timeout) if own else executor
    with ex if own else contextlib.nullcontext(ex):
        startup = time.perf_counter() - begin
        store.prepare(spec_info(spec), design)
        done = store.finished(retry_failed)
        pending = design[~design.run_id.isin(done.keys())]
        described = ex.describe()
        start = time.perf_counter()
        counts = drive(
            ex, job, design, pending, store, chunk_size or spec.chunk_size, len(done), progress
        )
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


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB, macOS bytes; elsewhere, RSS now)."""
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        return psutil.Process().memory_info().peak_wset / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


class ChunkSizer:
    """Chunks of `fixed` runs, or sized from the measured seconds per run (about TARGET_SECONDS)."""

    def __init__(self, fixed: int | None, pending: int, workers: int) -> None:
        self.fixed = fixed
        self.remaining = pending
        self.workers = workers
        self.per_run: float | None = None

    def observe(self, runs: int, seconds: float) -> None:
        if runs and seconds > 0:
            now = seconds / runs
            self.per_run = now if self.per_run is None else 0.7 * self.per_run + 0.3 * now

    def next(self) -> int:
        if self.fixed:
            size = self.fixed
        elif self.per_run is None:
            size = FIRST_CHUNK
        else:
            size = round(TARGET_SECONDS / self.per_run)
        # near the end, smaller chunks keep every worker busy
        fair = -(-self.remaining // (2 * self.workers))
        size = max(1, min(size, MAX_CHUNK, fair if not self.fixed else size))
        self.remaining -= size
        return size


def drive(
    ex: Executor,
    job: Job,
    design: pd.DataFrame,
    pending: pd.DataFrame,
    store: Store,
    chunk_size: int | None,
    already: int,
    progress: bool,
) -> dict[str, int]:
    """Keep about two chunks per worker in flight; write each result as it arrives."""
    by_index = design.drop(columns=["overrides"]).set_index("run_index")
    columns = ["run_index", "run_id", "overrides", "seed"]
    total = len(pending)
    sizer = ChunkSizer(chunk_size, total, ex.workers)
    inflight: dict[cf.Future, tuple[list, int]] = {}
    counts = {"ran": 0, "chunks": 0, "retried": 0, "failed": 0}
    bar = tqdm(
        total=len(design),
        initial=already,
        unit="run",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
        smoothing=0.05,
        desc=f"sweep {ex.name}",
    )
    nxt = 0
    try:
        while nxt < total or inflight:
            while nxt < total and len(inflight) < 2 * ex.workers:
                size = sizer.next()
                part = pending.iloc[nxt : nxt + size][columns].itertuples(index=False, name=None)
                chunk = [(int(i), str(r), str(o), int(sd)) for i, r, o, sd in part]
                nxt += size
                inflight[_submit(ex, job, chunk)] = (chunk, 0)
            finished, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                chunk, tries = inflight.pop(future)
                exc = cf.CancelledError() if future.cancelled() else future.exception()
                if exc is not None:
                    if tries < MAX_RETRIES:
                        counts["retried"] += 1
                        inflight[_submit(ex, job, chunk)] = (chunk, tries + 1)
                        continue
                    result_runs = _failed(chunk, job, exc, tries + 1)
                    store.write_chunk(_join(by_index, result_runs), None)
                else:
                    result = future.result()
                    sizer.observe(len(chunk), result.seconds)
                    store.write_chunk(_join(by_index, result.runs), result.series)
                    result_runs = result.runs
                counts["ran"] += len(chunk)
                counts["chunks"] += 1
                counts["failed"] += int((result_runs.status != "ok").sum())
                bar.update(len(chunk))
                bar.set_postfix(failed=counts["failed"], refresh=False)
    except KeyboardInterrupt:
        for future in inflight:
            future.cancel()
        raise SweepInterrupted(
            f"interrupted after {already + counts['ran']:,} of {len(design):,} runs; "
            f"they are saved in {store.out}: run again with --resume"
        ) from None
    finally:
        bar.close()
    return counts


def _submit(ex: Executor, job: Job, chunk: list) -> cf.Future:
    """Submit a chunk; an executor that lost a worker (a broken process pool) is renewed first."""
    try:
        return ex.submit(job, chunk)
    except Exception as exc:
        if not ex.lost_worker(exc):
            raise
        ex.recover()
        return ex.submit(job, chunk)


def _failed(chunk: list, job: Job, exc: BaseException, tries: int) -> pd.DataFrame:
    """A chunk whose worker died `tries` times: every run in it is recorded as failed."""
    text = f"chunk lost {tries} times: {type(exc).__name__}: {exc}"
    runs = pd.DataFrame(
        {
            "run_index": [c[0] for c in chunk],
            "run_id": [c[1] for c in chunk],
            "status": "failed",
            "error": text,
        }
    )
    for m in job.metrics:
        runs[m] = float("nan")
    return runs


def _join(by_index: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Design columns (parameters, seed) beside each run's status and metrics."""
    params = by_index.loc[runs.run_index.to_numpy()].reset_index()
    joined = pd.concat(
        [params, runs.drop(columns=["run_index", "run_id"]).reset_index(drop=True)], axis=1
    )
    return joined
