"""The teacher's side of a room: start, pause, advance, timer, seats, removals, injected events.

Every action needs the teacher's key (the secret in the teacher's link), never only the room code.
"""

from __future__ import annotations

import secrets
from typing import Any

from model.config import Shock
from model.params import ScenarioError, check_scalar, fields_of, hints_of, meta_of
from model.scenario import load_scenario, to_raw
from server.rooms.errors import RoomError
from server.rooms.log import TEACHER
from server.rooms.seats import AGENT, HUMAN, OWNER, digest
from server.rooms.settings import check_timer, check_weeks, whole_number
from server.rooms.state import ENDED, LOBBY, OPEN, OVER, PAUSED, RUNNING
from server.rooms.subscribers import changes

MEMO = ("Tesla", "X", 12_000)  # December 2023: 12,000 shipped H100s slated for Tesla go to X


class TeacherControls:
    """Mixed into `Room`: the teacher's actions, each checked, logged and applied."""

    def check_teacher(self, key: Any) -> None:
        """RoomError unless `key` is this room's teacher key."""
        if not isinstance(key, str) or not secrets.compare_digest(digest(key), self.teacher_hash):
            raise RoomError("only the teacher can do that (open the teacher's link)")

    def _playing(self) -> None:
        if self.state.status in (OVER, ENDED):
            raise RoomError("this game is over")

    @changes
    def start(self, key: str) -> None:
        self.check_teacher(key)
        if self.state.status != LOBBY:
            raise RoomError("the game has already started")
        self._commit("start", TEACHER, {})

    @changes
    def pause(self, key: str) -> None:
        self.check_teacher(key)
        if self.state.status != RUNNING:
            raise RoomError("the game is not running")
        self._commit("pause", TEACHER, {})

    @changes
    def resume(self, key: str) -> None:
        self.check_teacher(key)
        if self.state.status != PAUSED:
            raise RoomError("the game is not paused")
        self._commit("resume", TEACHER, {})
        self._maybe_close()

    @changes
    def advance(self, key: str) -> None:
        """ "Advance now": close the round; seats that have not submitted are played by agents."""
        self.check_teacher(key)
        if self.state.status == LOBBY:
            raise RoomError("start the game first")
        if self.state.status not in OPEN:
            raise RoomError("this game is over")
        self._close_round("teacher", TEACHER)

    @changes
    def set_timer(self, key: str, seconds: Any) -> None:
        self.check_teacher(key)
        self._playing()
        self._commit("timer", TEACHER, {"seconds": check_timer(seconds)})

    @changes
    def set_weeks(self, key: str, weeks: Any) -> None:
        """Weeks per round, for the round under way and those after it."""
        self.check_teacher(key)
        self._playing()
        self._commit("weeks", TEACHER, {"weeks": check_weeks(weeks)})

    @changes
    def set_mode(self, key: str, seat: str, mode: str) -> None:
        """Hand a seat to people or to its agent."""
        self.check_teacher(key)
        self._playing()
        if seat not in self.state.seats:
            raise RoomError(f"there is no seat {repr(seat)[:40]}")
        if mode not in (HUMAN, AGENT):
            raise RoomError(f"a seat is played by {HUMAN} or {AGENT}, not {repr(mode)[:20]}")
        self._commit("mode", TEACHER, {"seat": seat, "mode": mode})
        self._maybe_close()

    @changes
    def remove(self, key: str, pid: str) -> None:
        """Remove a participant: its token stops working, its seat is freed."""
        self.check_teacher(key)
        who = self.state.participants.get(pid)
        if who is None or who.removed:
            raise RoomError(f"there is no participant {repr(pid)[:20]} in this room")
        self._commit("remove", TEACHER, {"pid": pid})
        self._maybe_close()

    @changes
    def inject_redirect(
        self, key: str, donor: str = MEMO[0], receiver: str = MEMO[1], units: Any = MEMO[2]
    ) -> None:
        """The owner asks Nvidia for a redirect this round, through the owner's decision hook
        (Nvidia's seat answers it like any other request)."""
        self.check_teacher(key)
        self._playing()
        firms = self.market.owner.firm_names
        if OWNER not in self.state.seats or donor not in firms or receiver not in firms:
            raise RoomError(f"the owner does not control both {donor} and {receiver} here")
        units = whole_number(units, "units")
        if donor == receiver or not 1 <= units <= 2**31 - 1:
            raise RoomError("a redirect needs two different firms and at least one unit")
        p = self.preview()
        if p is None or p.owner_view is None:
            raise RoomError("the owner may not redirect units this week")
        self._commit("inject_redirect", TEACHER, {"from": donor, "to": receiver, "units": units})

    @changes
    def inject_shock(
        self, key: str, factor: Any = 0.5, weeks: Any = None, label: str = "supply shock"
    ) -> None:
        """A supply shock from the next week on (default: to the end of the run), added to the
        scenario's shocks as an override; logged like every teacher action."""
        self.check_teacher(key)
        self._playing()
        m = self.market
        left = m.weeks - m.week
        if left <= 0:
            raise RoomError("the run is over")
        shock = {
            "start": m.date.isoformat(),
            "weeks": left if weeks is None else weeks,
            "factor": factor,
            "label": label,
        }
        shocks = [*to_raw(m.config.supply.shocks), shock]
        try:
            for name, value in shock.items():
                check_scalar(
                    hints_of(Shock)[name], value, "shock", name, meta_of(fields_of(Shock)[name])
                )
            load_scenario(self.settings.scenario, {**self.state.overrides, "supply.shocks": shocks})
        except ScenarioError as exc:
            raise RoomError(str(exc)) from None
        self._commit("inject_shock", TEACHER, {"shocks": shocks, "shock": shock})

    @changes
    def end(self, key: str) -> None:
        self.check_teacher(key)
        self._playing()
        self._commit("end", TEACHER, {})
