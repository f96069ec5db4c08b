"""The driver's loop: keep about two chunks per worker in flight and write each result as it comes.

Chunks grow or shrink to take about `TARGET_SECONDS` each, so dispatch costs little everywhere. A
chunk whose worker died goes again (up to `MAX_RETRIES` times, then its runs count as failed). When
a stop is asked for (`interrupt.StopSignals`), every chunk already finished is written before the
loop raises `SweepInterrupted`; chunks still running are left for `--resume`.
"""

from __future__ import annotations

import concurrent.futures as cf
import signal
import sys

import pandas as pd
from tqdm import tqdm

from experiments.sweeps.errors import SweepInterrupted
from experiments.sweeps.executors import Executor
from experiments.sweeps.interrupt import StopSignals
from experiments.sweeps.store import Store
from experiments.sweeps.task import Job

TARGET_SECONDS = 2.0
FIRST_CHUNK = 50
MAX_CHUNK = 1_000
MAX_RETRIES = 3
WAIT_SECONDS = 0.2  # how often the loop looks at the stop flag while chunks run
COLUMNS = ["run_index", "run_id", "overrides", "seed"]


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


class Dispatcher:
    """One pass over the pending runs of a sweep; `run()` returns counts of what it did."""

    def __init__(
        self,
        ex: Executor,
        job: Job,
        design: pd.DataFrame,
        pending: pd.DataFrame,
        store: Store,
        chunk_size: int | None,
        stop: StopSignals,
        progress: bool = True,
    ) -> None:
        self.ex, self.job, self.store, self.stop = ex, job, store, stop
        self.by_index = design.drop(columns=["overrides"]).set_index("run_index")
        self.pending, self.total, self.next_row = pending, len(design), 0
        self.already = len(design) - len(pending)
        self.sizer = ChunkSizer(chunk_size, len(pending), ex.workers)
        self.inflight: dict[cf.Future, tuple[list, int]] = {}
        self.counts = {"ran": 0, "chunks": 0, "retried": 0, "failed": 0}
        self.bar = tqdm(
            total=self.total,
            initial=self.already,
            unit="run",
            file=sys.stderr,
            disable=not progress,
            dynamic_ncols=True,
            smoothing=0.05,
            desc=f"sweep {ex.name}",
        )

    def run(self) -> dict[str, int]:
        """Run every pending row; raises SweepInterrupted when a stop was asked for."""
        try:
            while (self.next_row < len(self.pending) or self.inflight) and self.stop.signum is None:
                self._fill()
                done, _ = cf.wait(self.inflight, WAIT_SECONDS, cf.FIRST_COMPLETED)
                for future in done:
                    self._collect(future, retry=True)
            if self.stop.signum is not None:
                self._stop(self.stop.signum)
        except KeyboardInterrupt:  # a second signal, or Ctrl-C where no handler could be set
            raise self._interrupted(self.stop.signum or signal.SIGINT) from None
        finally:
            self.bar.close()
        return self.counts

    def _fill(self) -> None:
        while self.next_row < len(self.pending) and len(self.inflight) < 2 * self.ex.workers:
            if self.stop.signum is not None:
                return
            size = self.sizer.next()
            part = self.pending.iloc[self.next_row : self.next_row + size][COLUMNS]
            chunk = [(int(i), str(r), str(o), int(s)) for i, r, o, s in part.itertuples(False)]
            self.next_row += size
            self.inflight[self._submit(chunk)] = (chunk, 0)

    def _submit(self, chunk: list) -> cf.Future:
        """Submit a chunk; an executor that lost a worker (a broken process pool) is renewed."""
        try:
            return self.ex.submit(self.job, chunk)
        except Exception as exc:
            if not self.ex.lost_worker(exc):
                raise
            self.ex.recover()
            return self.ex.submit(self.job, chunk)

    def _collect(self, future: cf.Future, retry: bool) -> None:
        """Write a finished chunk (or, after MAX_RETRIES lost workers, its runs as failed)."""
        chunk, tries = self.inflight.pop(future)
        exc = cf.CancelledError() if future.cancelled() else future.exception()
        if exc is not None:
            if not retry:
                return  # stopping: it runs again on --resume
            if tries < MAX_RETRIES:
                self.counts["retried"] += 1
                self.inflight[self._submit(chunk)] = (chunk, tries + 1)
                return
            runs = failed_runs(chunk, self.job, exc, tries + 1)
            self.store.write_chunk(join(self.by_index, runs), None)
        else:
            result = future.result()
            self.sizer.observe(len(chunk), result.seconds)
            runs = result.runs
            self.store.write_chunk(join(self.by_index, runs), result.series)
        self.counts["ran"] += len(chunk)
        self.counts["chunks"] += 1
        self.counts["failed"] += int((runs.status != "ok").sum())
        self.bar.update(len(chunk))
        self.bar.set_postfix(failed=self.counts["failed"], refresh=False)

    def _stop(self, signum: int) -> None:
        """Write what finished, cancel the rest and raise SweepInterrupted."""
        for future in [f for f in self.inflight if f.done()]:
            self._collect(future, retry=False)
        raise self._interrupted(signum)

    def _interrupted(self, signum: int) -> SweepInterrupted:
        for future in self.inflight:
            future.cancel()
        return SweepInterrupted(
            f"interrupted after {self.already + self.counts['ran']:,} of {self.total:,} runs; "
            f"they are saved in {self.store.out}: run again with --resume",
            signum,
        )


def failed_runs(chunk: list, job: Job, exc: BaseException, tries: int) -> pd.DataFrame:
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


def join(by_index: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Design columns (parameters, seed) beside each run's status and metrics."""
    params = by_index.loc[runs.run_index.to_numpy()].reset_index()
    return pd.concat(
        [params, runs.drop(columns=["run_index", "run_id"]).reset_index(drop=True)], axis=1
    )
