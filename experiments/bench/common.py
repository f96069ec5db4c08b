"""Shared pieces of `gpu-alloc bench`: timing by medians, the machine's description, the load.

Every figure is a median over repeats, so one hiccup of a shared machine moves nothing; the
machine and its load are recorded beside the figures because they mean little without them.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SECTIONS = (
    "baseline",
    "load",
    "scale",
    "floor",
    "negotiation",
    "sweep",
    "memory",
)  # in running order
# Settings that change the figures: bytecode caching (spawned workers import faster with it) and
# BLAS threads.
ENV_NOTED = (
    "PYTHONDONTWRITEBYTECODE",
    "OPENBLAS_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OMP_NUM_THREADS",
)


@dataclass(frozen=True)
class Settings:
    """How big and how often: `quick` shrinks every section to a smoke test of the harness."""

    quick: bool = False
    repeats: int = 5
    workers: int = 2
    big: bool = False


def median_seconds(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> float:
    """Median wall-clock seconds of `fn()` over `repeats` calls, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages (empty where the system does not say)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what `platform` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gb() -> float | None:
    """Total memory in GB (Linux /proc/meminfo), None elsewhere."""
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def machine() -> dict[str, Any]:
    """What the figures were measured on: CPU, cores, memory, OS and the versions that matter."""
    import mesa
    import numpy as np
    import pandas as pd

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": memory_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "mesa": mesa.__version__,
        "env": {k: os.environ[k] for k in ENV_NOTED if k in os.environ},
    }
