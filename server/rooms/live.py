"""Each browser tab follows its room: a per-tab counter, bumped in the tab's own kernel context
whenever the room changes (ROOMS.md: module-level reactives are per tab, rooms are not).

Rooms call their subscribers from whichever thread changed them (a student's click, the timer);
the bumps are handed to a small pool so that thread returns at once, and each bump runs inside
the subscribing tab's own context, so one tab's state is never set from another's.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import solara

from server.rooms.room import Room

log = logging.getLogger(__name__)
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="room-redraw")


class _Follower:
    """One tab's subscription: at most one redraw queued at a time (later changes coalesce)."""

    def __init__(self, room: Room, counter: solara.Reactive[int], context: object) -> None:
        self.room, self.counter, self.context = room, counter, context
        self.lock = threading.Lock()
        self.queued = False

    def changed(self) -> None:
        with self.lock:
            if self.queued:
                return
            self.queued = True
        _pool.submit(self.redraw)

    def redraw(self) -> None:
        with self.lock:
            self.queued = False
        try:
            with self.context:  # the tab's own kernel context
                self.counter.set(self.room.version)
        except Exception:  # a tab that has gone away: its effect cleanup unsubscribes it
            log.debug("redraw of a closed tab skipped", exc_info=True)


def _current_context() -> object | None:
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context()
    except (ImportError, RuntimeError):  # rendered outside a server (tests, notebooks)
        return None


def use_room_version(room: Room | None) -> int:
    """Subscribe this tab to `room` for as long as the calling component is shown; returns the
    room version this tab last heard of (read it to redraw on every change)."""
    counter = solara.use_reactive(room.version if room is not None else 0)

    def follow():
        if room is None:
            return None
        context = _current_context()
        if context is None:
            return room.subscribers.add(lambda: counter.set(room.version))
        return room.subscribers.add(_Follower(room, counter, context).changed)

    solara.use_effect(follow, [room])
    return counter.value
