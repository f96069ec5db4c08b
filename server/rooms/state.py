"""A room's state as a fold over its log: `apply(state, entry)` for each entry, in order.

Live, the room checks an action, writes its entry and applies it; after a restart it applies the
stored entries to a fresh state built from the same settings and seed, and lands where it was.
Nothing here reads a clock except the round deadline, which a replay sets afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from model.market import GpuMarket
from server.rooms.hooks import play_round
from server.rooms.log import Entry
from server.rooms.seats import AGENT, Participant, Seat, build_seats
from server.rooms.settings import RoomSettings

LOBBY, RUNNING, PAUSED, OVER, ENDED = "lobby", "running", "paused", "over", "ended"
OPEN = (RUNNING, PAUSED)  # decisions may be submitted


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """A closed round: what was decided and how many weeks the model advanced."""

    number: int
    first_week: int
    weeks: int
    decisions: dict[str, Any]
    injected: list[list[Any]]
    reason: str


@dataclass
class RoomState:
    """Everything the log determines."""

    settings: RoomSettings
    seed: int
    market: GpuMarket
    seats: dict[str, Seat]
    overrides: dict[str, Any]
    weeks_per_round: int
    timer_seconds: int
    status: str = LOBBY
    round: int = 1
    participants: dict[str, Participant] = field(default_factory=dict)
    devices: dict[str, str] = field(default_factory=dict)  # cookie hash -> participant id
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # seat -> {by, decision}
    injected: list[list[Any]] = field(default_factory=list)  # this round's teacher requests
    rounds: list[RoundRecord] = field(default_factory=list)
    deadline: float | None = None  # clock time the round closes (None: no timer running)
    remaining: float | None = None  # seconds left when paused
    model_version: int = 0  # bumped whenever the model changes (close, rebuild)

    @staticmethod
    def fresh(settings: RoomSettings, seed: int) -> RoomState:
        market = build_market(settings, seed, settings.overrides)
        return RoomState(
            settings=settings,
            seed=seed,
            market=market,
            seats=build_seats(market),
            overrides=dict(settings.overrides),
            weeks_per_round=settings.weeks_per_round,
            timer_seconds=settings.timer_seconds,
        )

    def decisions_in(self) -> dict[str, Any]:
        """This round's decisions of the seats people play (an empty seat is its agent's)."""
        return {
            seat: p["decision"]
            for seat, p in sorted(self.pending.items())
            if self.seats[seat].played_by_people
        }

    def waiting(self) -> list[str]:
        """Seats played by people that have not submitted this round."""
        return [
            s.key for s in self.seats.values() if s.played_by_people and s.key not in self.pending
        ]


def build_market(settings: RoomSettings, seed: int, overrides: dict[str, Any]) -> GpuMarket:
    return GpuMarket(settings.scenario, seed=seed, overrides=overrides or None)


def arm(state: RoomState, now: float) -> None:
    """Start the round timer (if any) from `now`."""
    on = state.status == RUNNING and state.timer_seconds > 0
    state.deadline = now + state.timer_seconds if on else None
    state.remaining = None


# --- one function per kind of entry ---------------------------------------------------------------


def _join(s: RoomState, e: Entry, now: float) -> None:
    p = e.payload
    s.participants[p["pid"]] = Participant(p["pid"], p["name"], p["token_hash"], p["device_hash"])
    if p["device_hash"]:
        s.devices[p["device_hash"]] = p["pid"]


def _seat(s: RoomState, e: Entry, now: float) -> None:
    who = s.participants[e.payload["pid"]]
    _leave(s, who)
    if e.payload["seat"] is not None:
        who.seat = e.payload["seat"]
        s.seats[who.seat].holders.append(who.pid)


def _leave(s: RoomState, who: Participant) -> None:
    if who.seat is not None:
        s.seats[who.seat].holders.remove(who.pid)
        who.seat = None


def _submit(s: RoomState, e: Entry, now: float) -> None:
    s.pending[e.payload["seat"]] = {"by": e.payload["pid"], "decision": e.payload["decision"]}


def _start(s: RoomState, e: Entry, now: float) -> None:
    s.status = RUNNING
    arm(s, now)


def _pause(s: RoomState, e: Entry, now: float) -> None:
    s.remaining = None if s.deadline is None else max(0.0, s.deadline - now)
    s.status, s.deadline = PAUSED, None


def _resume(s: RoomState, e: Entry, now: float) -> None:
    left = s.remaining
    s.status = RUNNING
    arm(s, now)
    if left is not None and s.deadline is not None:
        s.deadline = now + left


def _timer(s: RoomState, e: Entry, now: float) -> None:
    s.timer_seconds = e.payload["seconds"]
    if s.status == RUNNING:
        arm(s, now)


def _weeks(s: RoomState, e: Entry, now: float) -> None:
    s.weeks_per_round = e.payload["weeks"]


def _mode(s: RoomState, e: Entry, now: float) -> None:
    seat = s.seats[e.payload["seat"]]
    seat.mode = e.payload["mode"]
    if seat.mode == AGENT:
        s.pending.pop(seat.key, None)


def _remove(s: RoomState, e: Entry, now: float) -> None:
    who = s.participants[e.payload["pid"]]
    _leave(s, who)
    who.removed = True
    s.devices = {d: pid for d, pid in s.devices.items() if pid != who.pid}


def _inject_redirect(s: RoomState, e: Entry, now: float) -> None:
    p = e.payload
    s.injected.append([p["from"], p["to"], p["units"]])


def _inject_shock(s: RoomState, e: Entry, now: float) -> None:
    """A scenario override for the rest of the run: rebuild from the seed and play the closed
    rounds again (the shock starts at the next week, so the weeks already played are unchanged)."""
    s.overrides = {**s.overrides, "supply.shocks": e.payload["shocks"]}
    s.market = build_market(s.settings, s.seed, s.overrides)
    for r in s.rounds:
        play_round(s.market, r.decisions, r.injected, r.weeks)
    s.model_version += 1


def _close(s: RoomState, e: Entry, now: float) -> None:
    p = e.payload
    first = s.market.week
    played = play_round(s.market, p["decisions"], p["injected"], p["weeks"])
    s.rounds.append(RoundRecord(e.round, first, played, p["decisions"], p["injected"], p["reason"]))
    s.pending, s.injected = {}, []
    s.round += 1
    s.model_version += 1
    if not s.market.running:
        s.status, s.deadline = OVER, None
    elif s.status == RUNNING:
        arm(s, now)


def _end(s: RoomState, e: Entry, now: float) -> None:
    s.status, s.deadline = ENDED, None


APPLY: dict[str, Callable[[RoomState, Entry, float], None]] = {
    "join": _join,
    "seat": _seat,
    "submit": _submit,
    "start": _start,
    "pause": _pause,
    "resume": _resume,
    "timer": _timer,
    "weeks": _weeks,
    "mode": _mode,
    "remove": _remove,
    "inject_redirect": _inject_redirect,
    "inject_shock": _inject_shock,
    "close": _close,
    "end": _end,
}


def apply(state: RoomState, entry: Entry, now: float) -> None:
    """Apply one log entry (the kinds are `log.KINDS`)."""
    APPLY[entry.kind](state, entry, now)
