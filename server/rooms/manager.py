"""The rooms of one server process, behind one lock, persisted in the data folder.

One process holds every room (several workers would each hold different rooms). Building a
`RoomManager` on a folder rebuilds every stored room by replaying its log from its seed.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from model.scenario import load_scenario
from server.rooms.clock import Clock, SystemClock
from server.rooms.errors import RoomError
from server.rooms.limits import MAX_ROOMS
from server.rooms.room import Room
from server.rooms.seats import digest
from server.rooms.settings import check_seed, make_settings
from server.rooms.state import ENDED, OVER
from server.rooms.store import Store

log = logging.getLogger(__name__)
DATA_ENV = "GPU_ALLOC_ROOMS_DATA"  # set by `gpu-alloc app --data DIR`
APP_DIR = "gpu-allocation-sim"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud, typed on phones
CODE_LENGTH = 5
TICK_SECONDS = 0.25
KEEP_DAYS = 30  # a room untouched this long is not reloaded on start (it stays in the store)
DAY_SECONDS = 86_400


def default_data_dir() -> Path:
    """`$GPU_ALLOC_ROOMS_DATA`, else `$XDG_DATA_HOME/gpu-allocation-sim`, else
    `~/.local/share/gpu-allocation-sim`."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg).expanduser() if xdg.strip() else Path.home() / ".local" / "share"
    return base / APP_DIR


class RoomManager:
    """Create, find and time rooms; with a data folder every room is stored as it happens."""

    def __init__(self, data_dir: Path | str | None = None, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.lock = threading.Lock()
        self.rooms: dict[str, Room] = {}
        self.broken: dict[str, str] = {}  # stored rooms that could not be rebuilt, and why
        self.store = Store(data_dir) if data_dir is not None else None
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        if self.store is not None:
            self._restore()

    def _restore(self) -> None:
        """Rebuild every room active in the last `KEEP_DAYS` days, so a server that ran all term
        starts in seconds and has room for new ones; older rooms stay in the store, untouched."""
        since = time.time() - KEEP_DAYS * DAY_SECONDS
        for stored in self.store.rooms(active_since=since):
            try:
                room = Room.restore(
                    stored.code,
                    stored.settings,
                    stored.seed,
                    stored.teacher_hash,
                    stored.entries,
                    self.clock,
                    self.store.append,
                )
            except Exception as exc:  # one bad room must not keep the others from class
                log.exception("room %s could not be rebuilt", stored.code)
                self.broken[stored.code] = f"{type(exc).__name__}: {exc}"
                continue
            self.rooms[stored.code] = room

    def create(
        self,
        scenario: str | None = None,
        lesson: str | None = None,
        weeks_per_round: Any = 1,
        timer_seconds: Any = 45,
        seed: Any = None,
    ) -> tuple[Room, str]:
        """A new room; returns it and the teacher's key (kept only as a hash)."""
        settings = make_settings(scenario, lesson, weeks_per_round, timer_seconds)
        if seed is None:  # the scenario's own seed
            seed = load_scenario(settings.scenario, settings.overrides or None).seed
        seed = check_seed(seed)
        key = secrets.token_urlsafe(18)
        with self.lock:
            if len(self.rooms) >= MAX_ROOMS:
                self._unload_finished()
            if len(self.rooms) >= MAX_ROOMS:
                raise RoomError(f"this server already runs {MAX_ROOMS} unfinished rooms")
            code = self._new_code()
            sink = self.store.append if self.store is not None else None
            room = Room(code, settings, seed, digest(key), self.clock, sink)
            if self.store is not None:
                seats = [
                    {"key": s.key, "kind": s.kind, "label": s.label, "firm": s.firm}
                    for s in room.state.seats.values()
                ]
                self.store.add_room(code, time.time(), settings, seed, digest(key), seats)
            self.rooms[code] = room
        return room, key

    def _unload_finished(self) -> None:
        """Let go of the finished rooms (over or ended), oldest first, down to half the limit:
        they stay in the store, and their debriefs were offered while they were loaded."""
        finished = [c for c, r in self.rooms.items() if r.state.status in (OVER, ENDED)]
        for code in finished[: max(0, len(self.rooms) - MAX_ROOMS // 2)]:
            del self.rooms[code]
            log.info("room %s is finished and was unloaded to make room", code)

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            taken = code in self.rooms or code in self.broken
            if not taken and not (self.store is not None and self.store.has(code)):
                return code

    def room(self, code: Any) -> Room:
        """The room with this code (case and spaces do not matter)."""
        wanted = code.strip().upper() if isinstance(code, str) else ""
        with self.lock:
            room = self.rooms.get(wanted)
        if room is None:
            raise RoomError(f"no room {repr(code)[:20]}: check the code on the teacher's screen")
        return room

    def tick(self) -> list[str]:
        """Close every round whose timer has run out; returns those rooms' codes."""
        with self.lock:
            rooms = list(self.rooms.values())
        return [r.code for r in rooms if r.tick()]

    def start_ticker(self, interval: float = TICK_SECONDS) -> None:
        """Check the round timers every `interval` seconds in a daemon thread (once)."""
        with self.lock:
            if self._ticker is not None:
                return
            self._ticker = threading.Thread(
                target=self._tick_loop, args=(interval,), name="rooms-ticker", daemon=True
            )
            self._ticker.start()

    def _tick_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.tick()
            except Exception:
                log.exception("room timer tick failed")

    def close(self) -> None:
        """Stop the timer thread and close the store (the rooms stay in memory)."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        if self.store is not None:
            self.store.close()


_shared: RoomManager | None = None
_shared_lock = threading.Lock()


def shared_manager() -> RoomManager:
    """The process's one manager (for the pages): stored in `default_data_dir()`, timers on."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = RoomManager(default_data_dir())
            _shared.start_ticker()
        return _shared
