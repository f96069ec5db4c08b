"""Telling the pages that a room changed: callbacks called after the room's lock is released."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Subscribers:
    """Callbacks (one per open tab) called, outside the room's lock, after each change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: dict[int, Callable[[], None]] = {}
        self._next = 0

    def add(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Subscribe; returns the function that unsubscribes."""
        with self._lock:
            key, self._next = self._next, self._next + 1
            self._callbacks[key] = callback

        def remove() -> None:
            with self._lock:
                self._callbacks.pop(key, None)

        return remove

    def __len__(self) -> int:
        return len(self._callbacks)

    def notify(self) -> None:
        with self._lock:
            callbacks = list(self._callbacks.values())
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a closed tab must not stop the others from hearing
                log.exception("room subscriber failed")


def changes[F: Callable[..., Any]](method: F) -> F:
    """Run a room method under its lock; when it succeeds, count a new version of the room and
    tell the subscribers once the lock is released (a callback may read the room)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            result = method(self, *args, **kwargs)
            self.version += 1
        self.subscribers.notify()
        return result

    return wrapper  # type: ignore[return-value]
