"""Executors behind one seam: serial, a local process pool, and Dask distributed.

Each one submits a chunk (`run_chunk(job, rows)`) and hands back a `concurrent.futures.Future`,
so the driver's loop is the same everywhere. When a worker dies, `lost_worker` says whether the
chunk should go again and `recover` makes the executor usable again (a fresh process pool; Dask
reschedules on its own). Leaving an executor's `with` block on an exception (an interruption, a
full disk) aborts it: running chunks are abandoned rather than waited for.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import multiprocessing as mp
import os
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from experiments.sweeps.errors import SweepError
from experiments.sweeps.lifeline import start_worker
from experiments.sweeps.task import Job, Row, check_worker, run_chunk

EXECUTORS = ("serial", "process", "dask")
JOIN_SECONDS = 5.0


class Executor:
    """Runs chunks in this process, one after the other (the reference for every other executor)."""

    name = "serial"

    @property
    def workers(self) -> int:
        return 1

    def submit(self, job: Job, rows: list[Row]) -> cf.Future:
        future: cf.Future = cf.Future()
        future.set_result(run_chunk(job, rows))
        return future

    def lost_worker(self, exc: BaseException) -> bool:
        """True when `exc` means the worker died rather than the chunk being wrong."""
        return False

    def recover(self) -> None:
        """Make the executor usable after a lost worker."""

    def close(self, abort: bool = False) -> None:
        """Release workers; pending work is cancelled, running work abandoned with `abort`."""

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.close(abort=exc_type is not None)


class ProcessExecutor(Executor):
    """A local `ProcessPoolExecutor`; a killed worker breaks the pool, so `recover` makes a new
    one."""

    name = "process"

    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers or os.cpu_count() or 1
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        self._context = mp.get_context(method)
        if method == "forkserver":  # workers fork from a server that has the model imported
            self._context.set_forkserver_preload(["experiments.sweeps.task"])
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            self._workers,
            mp_context=self._context,
            initializer=start_worker,
            initargs=(os.getpid(),),
        )

    @property
    def workers(self) -> int:
        return self._workers

    def submit(self, job: Job, rows: list[Row]) -> cf.Future:
        return self._pool.submit(run_chunk, job, rows)

    def lost_worker(self, exc: BaseException) -> bool:
        return isinstance(exc, BrokenProcessPool)

    def recover(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self, abort: bool = False) -> None:
        if not abort:
            self._pool.shutdown(wait=True, cancel_futures=True)
            return
        # Python 3.12's pool cannot stop a running task: kill its workers (3.14 has
        # terminate_workers for this; until then the pool's own table of processes).
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            p.kill()
        for p in processes:
            p.join(JOIN_SECONDS)


class DaskExecutor(Executor):
    """Dask distributed: a `LocalCluster` of `local` worker processes, or a scheduler `address`.

    Before any work, every worker must import the model (`client.run(check_worker)`): a worker that
    cannot would only log the error and leave the sweep waiting forever.
    """

    name = "dask"

    def __init__(
        self,
        address: str | None = None,
        local: int | None = None,
        client: Any = None,
        wait_seconds: float = 60.0,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SweepError(
                "the dask executor needs dask[distributed] (pip install 'dask[distributed]')"
            ) from None
        self._cluster = None
        self._own_client = client is None
        self._asked, self._threads = -1e9, 1
        if client is not None:
            self.client = client
        elif address:
            try:
                self.client = Client(address, timeout=wait_seconds)
            except (OSError, ValueError) as exc:  # unreachable, or not an address
                raise SweepError(f"--dask {address}: cannot reach the scheduler: {exc}") from None
        else:
            self._cluster = LocalCluster(
                n_workers=local or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            )
            self.client = Client(self._cluster)
        try:
            self.client.wait_for_workers(1, timeout=wait_seconds)
        except TimeoutError:
            self.close()
            raise SweepError(
                f"no Dask worker joined the scheduler within {wait_seconds:g} s"
            ) from None
        self.check_workers()
        self._pool = self.client.get_executor(pure=False)

    def check_workers(self) -> None:
        """Fail clearly unless every worker imports the model at the driver's version."""
        here = check_worker()["gpu-allocation-sim"]
        answers = self.client.run(check_worker, on_error="return")
        for worker, answer in sorted(answers.items()):
            if isinstance(answer, BaseException):
                self.close()
                raise SweepError(
                    f"Dask worker {worker} cannot run the model "
                    f"({type(answer).__name__}: {answer}); "
                    "install this project and its dependencies on every worker"
                )
            if answer["gpu-allocation-sim"] != here:
                self.close()
                raise SweepError(
                    f"Dask worker {worker} has gpu-allocation-sim {answer['gpu-allocation-sim']}, "
                    f"this machine {here}: results would not be comparable"
                )

    @property
    def workers(self) -> int:
        """Worker threads now (asked of the scheduler at most every few seconds: clusters grow)."""
        if time.monotonic() - self._asked > 5:
            info = self.client.scheduler_info(n_workers=-1).get("workers", {})
            self._threads = max(1, sum(w.get("nthreads", 1) for w in info.values()))
            self._asked = time.monotonic()
        return self._threads

    def submit(self, job: Job, rows: list[Row]) -> cf.Future:
        return self._pool.submit(run_chunk, job, rows)

    def lost_worker(self, exc: BaseException) -> bool:
        from distributed.scheduler import KilledWorker

        return isinstance(exc, KilledWorker)

    def close(self, abort: bool = False) -> None:
        pool = getattr(self, "_pool", None)
        if abort and pool is not None:
            pool.shutdown(wait=False)  # cancels what is still queued or running
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def describe(self) -> str:
        where = "LocalCluster" if self._cluster is not None else self.client.scheduler.address
        return f"dask at {where} ({self.workers} workers)"


def make_executor(
    kind: str = "serial",
    workers: int | None = None,
    address: str | None = None,
    client: Any = None,
    timeout: float = 60.0,
) -> Executor:
    """`serial`, `process` (`workers` processes) or `dask` (`address`, a `client`, or a
    LocalCluster; `timeout` seconds to reach the scheduler and see a first worker)."""
    check_options(kind, timeout)
    match kind:
        case "serial":
            return Executor()
        case "process":
            return ProcessExecutor(workers)
        case _:
            return DaskExecutor(address=address, local=workers, client=client, wait_seconds=timeout)


def check_options(kind: str, timeout: float) -> None:
    """Refuse an unknown executor or a timeout that is not a positive number of seconds."""
    if kind not in EXECUTORS:
        raise SweepError(f"executor: {kind!r} is not one of: {', '.join(EXECUTORS)}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise SweepError(f"--dask-timeout: expected seconds above 0, got {timeout!r}")
