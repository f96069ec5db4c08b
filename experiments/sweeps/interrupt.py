"""Ctrl-C and SIGTERM during a sweep ask it to stop, they do not break it.

Python turns SIGINT into an exception wherever the driver happens to be (possibly halfway through
writing a chunk) and by default SIGTERM ends the process with no cleanup at all. While a sweep runs,
both only set a flag: the driver writes every chunk already finished, stops its workers and raises
`SweepInterrupted`. A second signal stops at once. Handlers can only be set from the main thread;
elsewhere (a notebook's worker thread) nothing changes.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """`with StopSignals() as stop:` ... `stop.signum` is the first signal received, or None."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt  # asked twice: stop now
        self.signum = signum

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
