"""Read-only snapshots of a room for the pages: copied under the room's lock, drawn outside it."""

from __future__ import annotations

from dataclasses import dataclass

from server.rooms.state import RoomState


@dataclass(frozen=True, slots=True)
class SeatView:
    key: str
    label: str
    kind: str
    firm: str
    mode: str
    holders: tuple[str, ...]  # names
    holder_ids: tuple[str, ...]
    submitted: bool
    people: bool  # played by people this round (human and held)


@dataclass(frozen=True, slots=True)
class PersonView:
    pid: str
    name: str
    seat: str | None
    removed: bool


@dataclass(frozen=True, slots=True)
class RoomView:
    """What the teacher and student pages show of a room at one version."""

    code: str
    version: int
    status: str
    round: int
    week: int  # weeks simulated
    weeks: int  # weeks in the run
    date: str  # the next week's date
    scenario: str
    lesson: str | None
    weeks_per_round: int
    timer_seconds: int
    seconds_left: float | None
    seats: tuple[SeatView, ...]
    people: tuple[PersonView, ...]
    waiting: tuple[str, ...]
    injected: tuple[tuple[str, str, int], ...]
    last_close: str  # why the last round closed ("" before the first)

    def seat(self, key: str) -> SeatView:
        return next(s for s in self.seats if s.key == key)


def room_view(code: str, version: int, s: RoomState, now: float) -> RoomView:
    """A snapshot of `s` (call under the room's lock)."""
    names = {p.pid: p.name for p in s.participants.values()}
    seats = tuple(
        SeatView(
            seat.key,
            seat.label,
            seat.kind,
            seat.firm,
            seat.mode,
            tuple(names[h] for h in seat.holders),
            tuple(seat.holders),
            seat.key in s.pending,
            seat.played_by_people,
        )
        for seat in s.seats.values()
    )
    people = tuple(PersonView(p.pid, p.name, p.seat, p.removed) for p in s.participants.values())
    left = None if s.deadline is None else max(0.0, s.deadline - now)
    if s.remaining is not None:
        left = s.remaining
    m = s.market
    return RoomView(
        code=code,
        version=version,
        status=s.status,
        round=s.round,
        week=m.week,
        weeks=m.weeks,
        date=m.date.isoformat(),
        scenario=s.settings.scenario,
        lesson=s.settings.lesson,
        weeks_per_round=s.weeks_per_round,
        timer_seconds=s.timer_seconds,
        seconds_left=left,
        seats=seats,
        people=people,
        waiting=tuple(s.waiting()),
        injected=tuple((d, r, int(u)) for d, r, u in s.injected),
        last_close=s.rounds[-1].reason if s.rounds else "",
    )
