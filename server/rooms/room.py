"""A live room: one `GpuMarket` played by people and agents, a round at a time.

Every action is checked here, written to the log (and the store) and then applied to the state
(`state.apply`), under the room's lock; pages are told afterwards. The participant's side lives
here, the teacher's in `control.TeacherControls`.
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from model.market import GpuMarket
from server.rooms import decisions
from server.rooms.clock import Clock, SystemClock
from server.rooms.control import TeacherControls
from server.rooms.errors import RoomError
from server.rooms.limits import MAX_PARTICIPANTS, RateLimiter
from server.rooms.log import ROOM, Entry
from server.rooms.preview import Preview, preview
from server.rooms.seats import MAX_TEAM, NVIDIA, OWNER, Participant, check_name, digest
from server.rooms.settings import RoomSettings, whole_number
from server.rooms.state import LOBBY, OPEN, OVER, RUNNING, RoomState, apply
from server.rooms.subscribers import Subscribers, changes
from server.rooms.views import RoomView, room_view

Sink = Callable[[str, Entry], None]  # (room code, entry) -> written durably


class Room(TeacherControls):
    """Settings, seed, seats, participants, pending decisions, the log and the model."""

    def __init__(
        self,
        code: str,
        settings: RoomSettings,
        seed: int,
        teacher_hash: str,
        clock: Clock | None = None,
        sink: Sink | None = None,
    ) -> None:
        self.code = code
        self.teacher_hash = teacher_hash
        self.clock = clock or SystemClock()
        self.sink = sink
        self.lock = threading.RLock()
        self.state = RoomState.fresh(settings, seed)
        self.log: list[Entry] = []
        self.version = 0
        self.subscribers = Subscribers()
        self.limiter = RateLimiter(self.clock)
        self._preview: tuple[int, Preview | None] | None = None
        self._shown: tuple[int, GpuMarket] | None = None

    @classmethod
    def restore(
        cls,
        code: str,
        settings: RoomSettings,
        seed: int,
        teacher_hash: str,
        entries: Iterable[Entry],
        clock: Clock | None = None,
        sink: Sink | None = None,
    ) -> Room:
        """The room its log describes: the entries applied in order to a fresh state."""
        room = cls(code, settings, seed, teacher_hash, clock)
        now = room.clock.now()
        for entry in entries:
            apply(room.state, entry, now)
            room.log.append(entry)
        room.sink = sink
        return room

    @property
    def settings(self) -> RoomSettings:
        return self.state.settings

    @property
    def seed(self) -> int:
        return self.state.seed

    @property
    def market(self) -> GpuMarket:
        """The live model (changed under the room's lock: pages draw `shown_market()`)."""
        return self.state.market

    # --- writing the log --------------------------------------------------------------------------

    def _commit(self, kind: str, actor: str, payload: dict[str, Any]) -> Entry:
        """Write an entry, then apply it (the caller holds the lock and has checked it).

        The payload goes through JSON first, so the live room applies exactly what a replay of
        the stored log will read back."""
        payload = json.loads(json.dumps(payload))
        seq = self.log[-1].seq + 1 if self.log else 1
        entry = Entry(seq, kind, self.state.round, actor, payload, time.time())
        if self.sink is not None:
            self.sink(self.code, entry)
        apply(self.state, entry, self.clock.now())
        self.log.append(entry)
        return entry

    def _close_round(self, reason: str, actor: str = ROOM) -> None:
        s = self.state
        payload = {
            "reason": reason,
            "weeks": s.weeks_per_round,
            "decisions": s.decisions_in(),
            "injected": list(s.injected),
        }
        self._commit("close", actor, payload)
        self.preview()  # once, here, rather than by the first of thirty tabs to redraw
        self.shown_market()

    def _maybe_close(self) -> None:
        """Close the round once every seat played by people has submitted."""
        s = self.state
        if (
            s.status == RUNNING
            and not s.waiting()
            and any(x.played_by_people for x in s.seats.values())
        ):
            self._close_round("all submitted")

    # --- reading --------------------------------------------------------------------------------

    def view(self) -> RoomView:
        with self.lock:
            return room_view(self.code, self.version, self.state, self.clock.now())

    def preview(self) -> Preview | None:
        """The coming week as each seat sees it (computed once per model change)."""
        with self.lock:
            key = self.state.model_version
            if self._preview is None or self._preview[0] != key:
                self._preview = (key, preview(self.state.market))
            return self._preview[1]

    def shown_market(self) -> GpuMarket:
        """A copy of the model for drawing: never changed after it is made, so a chart can read
        it in its own thread while the next round is being simulated."""
        with self.lock:
            key = self.state.model_version
            if self._shown is None or self._shown[0] != key:
                self._shown = (key, copy.deepcopy(self.state.market))
            return self._shown[1]

    def participant(self, token: str) -> Participant:
        """The participant holding `token`: the token it got on joining, or the session cookie
        of the browser it joined from (a reload has only the cookie). RoomError if none."""
        if not isinstance(token, str) or not token:
            raise RoomError("you have not joined this room")
        wanted = digest(token)
        with self.lock:
            s = self.state
            found = next(
                (
                    p
                    for p in s.participants.values()
                    if secrets.compare_digest(p.token_hash, wanted)
                ),
                s.participants.get(s.devices.get(wanted, "")),
            )
            if found is not None and found.removed:
                raise RoomError("the teacher removed you from this room")
            if found is not None:
                return found
            if any(p.device_hash == wanted and p.removed for p in s.participants.values()):
                raise RoomError("the teacher removed you from this room")
        raise RoomError("you have not joined this room (join again with the room code)")

    def by_device(self, device: str) -> Participant | None:
        """The participant this browser (its session cookie) joined as, if still in the room."""
        with self.lock:
            pid = self.state.devices.get(digest(device)) if device else None
            p = self.state.participants.get(pid) if pid else None
            return None if p is None or p.removed else p

    # --- the participant's actions -------------------------------------------------------------

    @changes
    def join(self, name: str, device: str = "") -> tuple[Participant, str]:
        """A new participant; returns it and its token (the only copy: the page keeps it)."""
        name = check_name(name)
        s = self.state
        if s.status in (OVER, "ended"):
            raise RoomError("this game is over")
        if len(s.participants) >= MAX_PARTICIPANTS:
            raise RoomError(f"this room is full ({MAX_PARTICIPANTS} people)")
        taken = {p.name.casefold() for p in s.participants.values() if not p.removed}
        if name.casefold() in taken:
            raise RoomError(f"the name {name!r} is taken in this room: choose another")
        token = secrets.token_urlsafe(18)
        pid = f"p{len(s.participants) + 1}"
        payload = {
            "pid": pid,
            "name": name,
            "token_hash": digest(token),
            "device_hash": digest(device) if device else "",
        }
        self._commit("join", pid, payload)
        return s.participants[pid], token

    @changes
    def take_seat(self, token: str, seat: str) -> None:
        """Take a seat (sharing it with whoever holds it: a team), leaving any other."""
        who = self.participant(token)
        s = self.state
        if s.status in (OVER, "ended"):
            raise RoomError("this game is over")
        if seat not in s.seats:
            raise RoomError(f"there is no seat {repr(seat)[:40]} in this room")
        if who.seat == seat:
            return
        if len(s.seats[seat].holders) >= MAX_TEAM:
            raise RoomError(f"{s.seats[seat].label} is full ({MAX_TEAM} people)")
        self._commit("seat", who.pid, {"pid": who.pid, "seat": seat})
        self._maybe_close()

    @changes
    def leave_seat(self, token: str) -> None:
        who = self.participant(token)
        if who.seat is not None:
            self._commit("seat", who.pid, {"pid": who.pid, "seat": None})
            self._maybe_close()

    @changes
    def submit(self, token: str, seat: str, round_no: Any, decision: Any) -> None:
        """A seat's decision for round `round_no`; it locks the seat's decision for the round."""
        who = self.participant(token)
        self.limiter.hit(who.pid)
        s = self.state
        if s.status == LOBBY:
            raise RoomError("the game has not started yet")
        if s.status not in OPEN:
            raise RoomError("this game is over")
        if seat not in s.seats or who.seat != seat:
            raise RoomError("you can only decide for the seat you hold")
        if s.seats[seat].mode != "human":
            raise RoomError(f"{s.seats[seat].label} is played by its agent now")
        if whole_number(round_no, "round") != s.round:
            raise RoomError(f"round {round_no} is not open: this is round {s.round}")
        if seat in s.pending:
            raise RoomError(f"your team has already submitted for round {s.round}")
        checked = self._check(seat, decision)
        self._commit("submit", who.pid, {"pid": who.pid, "seat": seat, "decision": checked})
        self._maybe_close()

    def _check(self, seat: str, decision: Any) -> dict[str, Any]:
        p = self.preview()
        if p is None:
            raise RoomError("this game is over")
        if seat == OWNER:
            return decisions.owner_transfers(decision, p)
        if seat == NVIDIA:
            return decisions.nvidia_answers(decision, p)
        return decisions.firm_decision(decision, p.views[self.state.seats[seat].firm])

    def tick(self) -> bool:
        """Close the round if its timer has run out (the manager calls this often); True if so."""
        with self.lock:
            s = self.state
            due = s.status == RUNNING and s.deadline is not None
            if not due or self.clock.now() < s.deadline:
                return False
        return self._timed_out()

    @changes
    def _timed_out(self) -> bool:
        s = self.state
        if s.status != RUNNING or s.deadline is None or self.clock.now() < s.deadline:
            return False  # another thread closed it first
        self._close_round("timer")
        return True
