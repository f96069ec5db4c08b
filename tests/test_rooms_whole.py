"""A whole room played headless, as oTree's bots play a session: scripted students and a teacher
go through the same client interface the pages use. One seat stays silent and is played by its
agent when the (injected) clock runs out; the server restarts mid-game; the replay equals the
live game; and every security check is tried on the way."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pandas.testing import assert_frame_equal

from server.rooms import RoomError, RoomManager
from server.rooms.client import StudentClient, TeacherClient
from server.rooms.clock import FakeClock
from server.rooms.forms import SeatForm
from server.rooms.replay import replay

TIMER = 30
SEATS = {
    "Ann": "firm:Tesla",
    "Eve": "firm:Tesla",  # Ann's team mate: whoever submits first decides
    "Bob": "firm:X",
    "Cy": "owner",
    "Dee": "nvidia",
    "Fay": "firm:xAI",  # joins, takes xAI, never submits: her agent plays at the timer
}


def ann(form: SeatForm) -> dict:
    return {"order": min(form.order_max, 2 * form.default["order"])}


def bob(form: SeatForm) -> dict:
    return dict(form.default)


def cy(form: SeatForm) -> dict:
    movable = form.pairs.get("Tesla", 0)
    return {"transfers": [["Tesla", "X", movable // 4]] if movable else []}


def dee(form: SeatForm) -> dict:
    return {"answers": {pair: "swap" for pair, units in form.pairs.items() if units}}


BOTS: dict[str, Callable[[SeatForm], dict]] = {"Ann": ann, "Bob": bob, "Cy": cy, "Dee": dee}


def students(mgr: RoomManager, code: str, joined: bool) -> dict[str, StudentClient]:
    """One client per student, each its own browser (cookie); after a restart they come back
    through the cookie, as a reloaded page does."""
    out = {}
    for name, seat in SEATS.items():
        client = StudentClient(mgr, device=f"browser-of-{name}")
        if joined:
            assert client.resume(code) and client.me().seat == seat
        else:
            client.join(code, name)
            client.take_seat(seat)
        out[name] = client
    return out


def play_round(clients: dict[str, StudentClient], teacher: TeacherClient, clock: FakeClock) -> int:
    """Every bot submits from its form; Fay stays silent, so the timer closes the round."""
    start = teacher.view().round
    for name, bot in BOTS.items():
        form = clients[name].form()
        assert form is not None and form.round == start
        if not form.submitted:
            clients[name].submit(bot(form), form.round)
    view = teacher.view()
    assert view.round == start and view.waiting == ("firm:xAI",)
    clock.advance(TIMER - 1)
    assert teacher.manager.tick() == []
    clock.advance(1.5)
    assert teacher.manager.tick() == [teacher.code]
    assert teacher.view().round == start + 1
    return start


def play_game(folder, restart: bool):
    """Eight rounds; with `restart`, the server stops after round 4 and a new one goes on."""
    clock = FakeClock()
    mgr = RoomManager(folder, clock)
    teacher = TeacherClient.create(mgr, scenario="classroom", timer_seconds=TIMER)
    clients = students(mgr, teacher.code, joined=False)
    teacher.act("start")
    for rnd in range(1, 9):
        if rnd == 5 and restart:
            mgr.close()
            mgr = RoomManager(folder, clock)
            teacher = TeacherClient(mgr, teacher.code, teacher.key)
            clients = students(mgr, teacher.code, joined=True)
        if rnd == 6:
            teacher.act("inject_redirect")
        if rnd == 7:
            teacher.act("inject_shock", factor=0.5)
        assert play_round(clients, teacher, clock) == rnd
    return mgr, teacher, clients, clock


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    return play_game(tmp_path_factory.mktemp("rooms"), restart=True)


def test_the_game_ran_with_the_silent_seat_played_by_its_agent(whole):
    _, teacher, _, _ = whole
    room = teacher.room
    assert room.market.week == 8 and len(room.state.rounds) == 8
    for record in room.state.rounds:
        assert record.reason == "timer"
        assert set(record.decisions) == {"firm:Tesla", "firm:X", "owner", "nvidia"}
    events = room.market.events_table()
    assert {"swap", "shock"} <= set(events.kind)  # Cy's redirects answered by Dee as swaps
    swaps = events[events.kind == "swap"].set_index("step").units
    assert swaps.idxmax() == 5  # the teacher's memo (12,000 asked) went in round 6


def test_replay_equals_the_live_game(whole):
    _, teacher, _, _ = whole
    room = teacher.room
    again = replay(room)
    for name, table in room.market.tables().items():
        assert_frame_equal(again.tables()[name], table)


def test_the_restart_changed_nothing(whole, tmp_path):
    """The same game played without a restart gives the same tables."""
    _, teacher, _, _ = whole
    _, straight, _, _ = play_game(tmp_path, restart=False)
    for name, table in teacher.room.market.tables().items():
        assert_frame_equal(straight.room.market.tables()[name], table)


def test_security_checks(whole):
    mgr, teacher, clients, clock = whole
    ann_, bob_ = clients["Ann"], clients["Bob"]
    form = ann_.form()
    clock.advance(2)  # a fresh rate-limit window
    with pytest.raises(RoomError, match="is not open"):
        ann_.submit({"order": 1}, form.round - 1)  # a stale page's round
    with pytest.raises(RoomError, match="seat you hold"):
        ann_.submit({"order": 1}, form.round, seat="firm:X")
    with pytest.raises(RoomError, match="not between 0"):
        ann_.submit({"order": form.order_max + 1}, form.round)
    with pytest.raises(RoomError, match="too many submissions"):
        for _ in range(10):
            try:
                bob_.submit({"order": -5}, form.round)
            except RoomError as exc:
                if "too many" in str(exc):
                    raise
    for bad in ("../../etc/passwd", "/tmp/x.toml", "baseline.toml", "no-such"):
        with pytest.raises(RoomError, match="unknown scenario"):
            TeacherClient.create(mgr, scenario=bad)
    for stolen in ("", teacher.code, ann_.credential, "browser-of-Ann"):
        with pytest.raises(RoomError, match="only the teacher"):
            TeacherClient(mgr, teacher.code, stolen).act("advance")
    with pytest.raises(RoomError, match="no teacher action"):
        teacher.act("_commit", "end", "teacher", {})
    intruder = StudentClient(mgr, device="browser-of-Mallory")
    assert not intruder.resume(teacher.code)
    with pytest.raises(RoomError, match="join a room first"):
        intruder.submit({"order": 1}, form.round, seat="firm:Tesla")
    teacher.act("remove", clients["Fay"].me().pid)
    with pytest.raises(RoomError, match="removed"):
        clients["Fay"].submit({"order": 1}, form.round)
    assert not StudentClient(mgr, device="browser-of-Fay").resume(teacher.code)
