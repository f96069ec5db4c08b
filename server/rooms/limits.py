"""Limits that keep one room (and one server) usable when someone clicks too fast or attacks."""

from __future__ import annotations

from collections import deque

from server.rooms.clock import Clock
from server.rooms.errors import RoomError

SUBMITS_PER_SECOND = 5
MAX_PARTICIPANTS = 200  # joins per room (removed participants count: they cannot come back)
MAX_ROOMS = 500  # rooms one server process keeps


class RateLimiter:
    """At most `limit` attempts per `window` seconds per key (a sliding window)."""

    def __init__(self, clock: Clock, limit: int = SUBMITS_PER_SECOND, window: float = 1.0) -> None:
        self.clock, self.limit, self.window = clock, limit, window
        self.hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> None:
        """Count an attempt; RoomError when `key` has used up its attempts in this window."""
        now = self.clock.now()
        times = self.hits.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            raise RoomError(
                f"too many submissions: at most {self.limit} a second, please wait a moment"
            )
        times.append(now)
