"""The one interface to a room that the pages use, and that headless bots use too (as oTree's
bots submit the same pages a person does): a student's and a teacher's side.
"""

from __future__ import annotations

from typing import Any

from server.rooms.errors import RoomError
from server.rooms.forms import SeatForm, seat_form
from server.rooms.manager import RoomManager
from server.rooms.room import Room
from server.rooms.seats import Participant
from server.rooms.views import RoomView


class StudentClient:
    """One browser tab. `device` is the browser's session cookie: after a reload (or a server
    restart) it finds the participant, and its seat, again."""

    def __init__(self, manager: RoomManager, device: str = "") -> None:
        self.manager = manager
        self.device = device
        self.room: Room | None = None
        self.credential = ""  # the token from joining in this tab, or the cookie after a reload

    def resume(self, code: str) -> bool:
        """Rejoin room `code` as the participant this browser joined as, if there is one."""
        room = self.manager.room(code)
        if not self.device or room.by_device(self.device) is None:
            return False
        self.room, self.credential = room, self.device
        return True

    def join(self, code: str, name: str) -> Participant:
        room = self.manager.room(code)
        me, token = room.join(name, self.device)
        self.room, self.credential = room, token
        return me

    def _room(self) -> Room:
        if self.room is None:
            raise RoomError("join a room first")
        return self.room

    def me(self) -> Participant:
        return self._room().participant(self.credential)

    def view(self) -> RoomView:
        return self._room().view()

    def take_seat(self, seat: str) -> None:
        self._room().take_seat(self.credential, seat)

    def leave_seat(self) -> None:
        self._room().leave_seat(self.credential)

    def form(self) -> SeatForm | None:
        seat = self.me().seat
        return None if seat is None else seat_form(self._room(), seat)

    def submit(self, decision: dict[str, Any], round_no: int, seat: str | None = None) -> None:
        """Submit for the seat held (`seat` only lets tests try another one)."""
        self._room().submit(self.credential, seat or self.me().seat or "", round_no, decision)


class TeacherClient:
    """The teacher's side: every action carries the key from the teacher's link."""

    def __init__(self, manager: RoomManager, code: str, key: str) -> None:
        self.manager, self.code, self.key = manager, code, key

    @classmethod
    def create(cls, manager: RoomManager, **settings: Any) -> TeacherClient:
        room, key = manager.create(**settings)
        return cls(manager, room.code, key)

    @property
    def room(self) -> Room:
        return self.manager.room(self.code)

    def view(self) -> RoomView:
        return self.room.view()

    def act(self, action: str, *args: Any, **kwargs: Any) -> None:
        """Call a teacher action by name: start, pause, resume, advance, set_timer, set_weeks,
        set_mode, remove, inject_redirect, inject_shock, end."""
        if action not in TEACHER_ACTIONS:
            raise RoomError(f"no teacher action {action!r}")
        getattr(self.room, action)(self.key, *args, **kwargs)


TEACHER_ACTIONS = (
    "start",
    "pause",
    "resume",
    "advance",
    "set_timer",
    "set_weeks",
    "set_mode",
    "remove",
    "inject_redirect",
    "inject_shock",
    "end",
)
