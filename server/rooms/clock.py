"""Clocks for round timers and rate limits: the system's monotonic clock, or one a test moves."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Seconds on a monotonic scale (only differences matter)."""

    def now(self) -> float: ...


class SystemClock:
    """`time.monotonic()`: never jumps when the wall clock is set."""

    def now(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that moves only when told: timers and rate limits tested without sleeping."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.t = float(start)

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += float(seconds)
