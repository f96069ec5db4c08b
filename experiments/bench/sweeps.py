"""Sweep benchmarks: one `classroom` sweep through each executor and Mesa's `batch_run`, and the
driver's memory over a long sweep.

Every sweep runs in a fresh process (`python -m experiments.bench.sweeps sweep|memory ...`, which
prints JSON), timed there from just before the sweep starts: each pays its own cold start, as a
user's would (a process pool reuses Python's forkserver within one process), batch_run's global
"spawn" stays there, and earlier sections do not blur the driver's memory.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import mesa

from experiments.bench.common import Settings
from experiments.sweeps.keep import DEFAULT_METRICS, compute_metrics
from model.market import GpuMarket
from model.scenario import Scenario, load_scenario

SCENARIO = "classroom"
SWEEP_RUNS, SHORT_STEPS = 1_000, 4
MEMORY_RUNS, BIG_MEMORY_RUNS, MEMORY_STEPS = 10_000, 100_000, 4
EXECUTORS = ("serial", "process", "dask", "batch_run")


class BatchMarket(GpuMarket):
    """`GpuMarket` as `mesa.batch_run` wants it: a DataCollector holding the sweep's metrics.

    The metrics are the ones `gpu-alloc sweep` keeps by default, computed the same way, once, at
    the end of the run, so both paths do the same work per run.
    """

    def __init__(
        self,
        scenario: str | Scenario = SCENARIO,
        seed: int | None = None,
        overrides: dict[str, Any] | None = None,
        steps: int | None = None,
    ) -> None:
        super().__init__(scenario, seed=seed, overrides=overrides, steps=steps)
        self.metrics: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={m: (lambda model, m=m: model.metrics[m]) for m in DEFAULT_METRICS}
        )

    def step(self) -> None:
        super().step()
        if not self.running:
            tables = self.model_table(), self.firms_table()
            self.metrics = compute_metrics(*tables, DEFAULT_METRICS)
            self.datacollector.collect(self)


def spec(runs: int, steps: int) -> dict[str, Any]:
    """A sweep of `runs` seeds of the classroom scenario, `steps` weeks each, default metrics."""
    return {"name": "bench", "scenario": SCENARIO, "replications": runs, "steps": steps}


def sweep_seconds(kind: str, runs: int, steps: int, workers: int) -> float:
    """Wall-clock seconds of one whole sweep (starting workers included) with one executor."""
    start = time.perf_counter()
    if kind == "batch_run":
        # The validated scenario, as the sweep passes it: a name would re-read the TOML each run.
        scenario = load_scenario(SCENARIO)
        results = mesa.batch_run(
            BatchMarket,
            parameters={"scenario": scenario, "steps": steps},
            number_processes=workers,
            rng=list(range(runs)),
            display_progress=False,
        )
        seconds = time.perf_counter() - start
        if len(results) != runs:
            raise RuntimeError(f"batch_run returned {len(results)} rows for {runs} runs")
        return seconds
    from experiments.sweeps.driver import run_sweep

    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as out:
        result = run_sweep(
            spec(runs, steps),
            Path(out) / "sweep",
            executor=kind,
            workers=None if kind == "serial" else workers,
            progress=False,
        )
        seconds = time.perf_counter() - start
    if result.summary["ok"] != runs:
        raise RuntimeError(f"{kind} sweep: {result.summary['ok']} of {runs} runs ok")
    return seconds


def fresh(*args: object) -> dict[str, Any]:
    """Run `python -m experiments.bench.sweeps ARGS` and return the JSON it prints."""
    cmd = [sys.executable, "-m", "experiments.bench.sweeps", *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:])} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sweep_case(runs: int, steps: int, repeats: int, workers: int) -> dict[str, Any]:
    """One sweep size through every executor: runs per second and the ratios the goals name."""
    times: dict[str, list[float]] = {kind: [] for kind in EXECUTORS}
    for _ in range(repeats):  # interleaved, so a change in the machine's load hits all alike
        for kind in EXECUTORS:
            times[kind].append(fresh("sweep", kind, runs, steps, workers)["seconds"])
    rows = []
    for kind in EXECUTORS:
        seconds = statistics.median(times[kind])
        rows.append(
            {
                "executor": kind,
                "workers": 1 if kind == "serial" else workers,
                "seconds": seconds,
                "runs_per_s": runs / seconds,
                "all_seconds": times[kind],
            }
        )
    rate = {r["executor"]: r["runs_per_s"] for r in rows}
    ratios = {
        "process_vs_serial": rate["process"] / rate["serial"],
        "dask_vs_serial": rate["dask"] / rate["serial"],
        "batch_run_vs_serial": rate["batch_run"] / rate["serial"],
        "process_vs_batch_run": rate["process"] / rate["batch_run"],
    }
    return {"runs": runs, "steps": steps, "rows": rows, "ratios": ratios}


def bench_sweeps(s: Settings) -> dict[str, Any]:
    """Section 5: runs per second of serial, process pool, Dask LocalCluster and batch_run.

    Whole `classroom` runs (52 weeks, ~20 ms: compute-bound), then short ones (4 weeks, a few
    ms: there dispatching each run costs as much as running it).
    """
    weeks = GpuMarket(SCENARIO).weeks
    cases = [(40, 4)] if s.quick else [(SWEEP_RUNS, weeks), (SWEEP_RUNS, SHORT_STEPS)]
    repeats = 1 if s.quick else s.repeats
    return {
        "scenario": SCENARIO,
        "repeats": repeats,
        "cases": [sweep_case(runs, steps, repeats, s.workers) for runs, steps in cases],
    }


def bench_memory(s: Settings) -> dict[str, Any]:
    """Section 6: the driver's resident memory over a long sweep, measured in a fresh process."""
    runs = 300 if s.quick else BIG_MEMORY_RUNS if s.big else MEMORY_RUNS
    steps = 1 if s.quick else MEMORY_STEPS
    return fresh("memory", runs, steps, s.workers)


def rss_mb() -> float:
    """This process's resident memory now (Linux /proc; elsewhere psutil)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import psutil

        return psutil.Process().memory_info().rss / 2**20


def high_water_mb() -> float:
    """Peak resident memory of this process since it started, brief spikes included.

    Linux's VmHWM, not getrusage: a process started by fork and exec inherits its parent's
    ru_maxrss, so a child of a large `gpu-alloc bench` would report the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    from experiments.sweeps.driver import peak_rss_mb

    return peak_rss_mb()


def memory_sweep(runs: int, steps: int, workers: int, every: float = 0.25) -> dict[str, Any]:
    """Run the sweep here with the process pool while a thread samples this process's memory.

    Streaming is the time up to the final compaction (which reads the chunk files back into one
    table); the goal is about that part, the compaction's own cost is reported beside it.
    """
    from experiments.sweeps.driver import run_sweep
    from experiments.sweeps.store import Store

    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    start = time.perf_counter()
    compact = Store.compact
    marks: list[float] = []

    def sample() -> None:
        while not stop.wait(every):
            samples.append((time.perf_counter() - start, rss_mb()))

    def timed_compact(store: Store) -> dict[str, int]:
        marks.append(time.perf_counter() - start)
        return compact(store)

    before = rss_mb()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    Store.compact = timed_compact  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as out:
            result = run_sweep(
                spec(runs, steps),
                Path(out) / "sweep",
                executor="process",
                workers=workers,
                progress=False,
            )
    finally:
        Store.compact = compact  # type: ignore[method-assign]
        stop.set()
        sampler.join()
    seconds = time.perf_counter() - start
    samples.append((seconds, rss_mb()))
    streamed = marks[0] if marks else seconds
    during = [(t, r) for t, r in samples if t <= streamed] or samples[:1]
    at = {f: next((r for t, r in during if t >= f * streamed), during[-1][1]) for f in (0.1, 0.5)}
    return {
        "runs": runs,
        "steps": steps,
        "workers": workers,
        "seconds": seconds,
        "streaming_seconds": streamed,
        "ok": result.summary["ok"],
        "rss_before_mb": before,
        "rss_10pct_mb": at[0.1],
        "rss_50pct_mb": at[0.5],
        "rss_streamed_mb": during[-1][1],
        "rss_end_mb": samples[-1][1],
        "rss_peak_mb": max(r for _, r in samples),
        "high_water_mb": high_water_mb(),
        "streaming_growth_mb": max(r for t, r in during if t >= 0.1 * streamed) - at[0.1],
        "samples": [(round(t, 2), round(r, 1)) for t, r in samples[:: max(1, len(samples) // 50)]],
    }


def main(argv: list[str]) -> dict[str, Any]:
    """`sweep KIND RUNS STEPS WORKERS` or `memory RUNS STEPS WORKERS`, in this fresh process."""
    match argv:
        case ["sweep", kind, runs, steps, workers]:
            return {"seconds": sweep_seconds(kind, int(runs), int(steps), int(workers))}
        case ["memory", runs, steps, workers]:
            return memory_sweep(int(runs), int(steps), int(workers))
    raise SystemExit(
        f"usage: sweep KIND RUNS STEPS WORKERS | memory RUNS STEPS WORKERS, got {argv}"
    )


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
