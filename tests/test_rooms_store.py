"""The durable store: every entry written as it happens; a new manager on the same folder
rebuilds each room by replaying its log from the seed and lands exactly where it was."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

from server.rooms import RoomError, RoomManager, default_data_dir, manager
from server.rooms.clock import FakeClock
from server.rooms.manager import DATA_ENV, DAY_SECONDS, KEEP_DAYS
from server.rooms.store import FILE_NAME


def play_some(room, key, tokens) -> None:
    """Four rounds with every kind of entry: decisions, a round closed by all submitting, a
    timer change, a seat handed to its agent, an injected redirect and shock, and a decision
    pending in the open round (Cy, on Nvidia, stays silent throughout)."""
    room.submit(tokens["Ann"], "firm:Tesla", 1, {"order": 2_000, "concession": "boulware"})
    room.submit(tokens["Bob"], "owner", 1, {"transfers": [["Tesla", "xAI", 100]]})
    room.advance(key)
    room.inject_redirect(key)
    room.set_timer(key, 20)
    room.submit(tokens["Bob"], "owner", 2, {"transfers": []})
    room.advance(key)
    room.inject_shock(key, factor=0.4, weeks=10)
    room.set_mode(key, "owner", "agent")
    room.set_weeks(key, 2)
    room.advance(key)
    room.submit(tokens["Ann"], "firm:Tesla", 4, {"order": 3_000, "max_price_usd": 41_000.5})


def state_of(room) -> dict:
    s = room.state
    return {
        "status": s.status,
        "round": s.round,
        "pending": s.pending,
        "weeks_per_round": s.weeks_per_round,
        "timer": s.timer_seconds,
        "overrides": s.overrides,
        "seats": {k: (v.mode, list(v.holders)) for k, v in s.seats.items()},
        "people": {p.pid: (p.name, p.seat, p.removed) for p in s.participants.values()},
        "rounds": [(r.number, r.first_week, r.weeks, r.reason) for r in s.rounds],
        "log": [(e.seq, e.kind, e.round, e.actor, e.payload) for e in room.log],
    }


@pytest.fixture
def stored(tmp_path):
    clock = FakeClock()
    mgr = RoomManager(tmp_path, clock)
    room, key = mgr.create("classroom", timer_seconds=30)
    tokens = {}
    for name, seat in (("Ann", "firm:Tesla"), ("Bob", "owner"), ("Cy", "nvidia")):
        _, tokens[name] = room.join(name, device=f"cookie-{name}")
        room.take_seat(tokens[name], seat)
    room.start(key)
    play_some(room, key, tokens)
    return mgr, room, key, tokens, clock


def test_a_restart_lands_exactly_where_the_room_was(stored, tmp_path):
    mgr, room, _, _, clock = stored
    before = state_of(room)
    tables = room.market.tables()
    mgr.close()
    again = RoomManager(tmp_path, clock).room(room.code)
    assert again is not room
    assert state_of(again) == before
    for name, table in again.market.tables().items():
        assert_frame_equal(table, tables[name])
    assert again.view().seconds_left == pytest.approx(20.0)  # a fresh timer for the open round


def test_after_a_restart_the_game_goes_on(stored, tmp_path):
    """Tokens and browser cookies still find their participants; the restored room and the
    original, given the same actions, stay identical."""
    mgr, room, key, tokens, clock = stored
    mgr.close()
    again = RoomManager(tmp_path, clock).room(room.code)
    assert again.participant(tokens["Ann"]).seat == "firm:Tesla"
    assert again.by_device("cookie-Bob").name == "Bob"
    assert again.by_device("cookie-Nobody") is None
    room.sink = None  # the original goes on in memory only, beside the restored one
    for r in (room, again):
        r.advance(key)
        r.submit(tokens["Ann"], "firm:Tesla", 5, {"order": 1_500})
        r.advance(key)
    for name, table in again.market.tables().items():
        assert_frame_equal(table, room.market.tables()[name])


def test_three_restarts_in_a_row(stored, tmp_path):
    mgr, room, key, tokens, clock = stored
    mgr.close()
    for round_no in (4, 5, 6):
        mgr = RoomManager(tmp_path, clock)
        r = mgr.room(room.code)
        if round_no > 4:
            r.submit(tokens["Ann"], "firm:Tesla", round_no, {"order": 100 * round_no})
        r.advance(key)
        mgr.close()
    final = RoomManager(tmp_path, clock).room(room.code)
    assert final.state.round == 7 and len(final.state.rounds) == 6


def test_the_store_keeps_hashes_never_secrets(stored, tmp_path):
    mgr, _, key, tokens, _ = stored
    mgr.close()
    raw = (tmp_path / FILE_NAME).read_bytes()
    for secret in (key, *tokens.values(), "cookie-Ann"):
        assert secret.encode() not in raw
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        kinds = [k for (k,) in db.execute("SELECT kind FROM log ORDER BY seq")]
        (seats,) = db.execute("SELECT seats FROM rooms").fetchone()
    assert (
        kinds.count("close") == 3 and kinds.count("submit") == 4 and kinds[:2] == ["join", "seat"]
    )
    assert "owner" in seats and "firm:Tesla" in seats


def test_entries_are_written_before_they_are_applied(tmp_path):
    """Written as it happens: each entry is in the file when the call returns."""
    mgr = RoomManager(tmp_path, FakeClock())
    room, key = mgr.create("classroom")
    room.join("Ann")
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        assert db.execute("SELECT count(*) FROM log").fetchone() == (1,)
    room.start(key)
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        assert db.execute("SELECT kind FROM log WHERE seq = 2").fetchone() == ("start",)


def test_refused_actions_write_nothing(tmp_path):
    mgr = RoomManager(tmp_path, FakeClock())
    room, key = mgr.create("classroom")
    with pytest.raises(RoomError):
        room.advance(key)
    with pytest.raises(RoomError):
        room.join("")
    assert mgr.store.entries(room.code) == []


def test_several_rooms_and_a_broken_one(tmp_path):
    clock = FakeClock()
    mgr = RoomManager(tmp_path, clock)
    a, ka = mgr.create("classroom")
    b, kb = mgr.create("inflation-lab", weeks_per_round=4)
    a.start(ka)
    b.start(kb)
    b.advance(kb)
    mgr.store._db.execute(  # a log entry this version cannot apply
        "INSERT INTO log VALUES (?, 99, 'nonsense', 1, 'x', '{}', 0)", (a.code,)
    )
    mgr.close()
    again = RoomManager(tmp_path, clock)
    assert a.code in again.broken and "KeyError" in again.broken[a.code]
    assert again.room(b.code).market.week == 4
    new, _ = again.create("classroom")
    assert new.code not in (a.code, b.code)


def test_rooms_idle_for_the_keep_period_stay_stored_but_are_not_reloaded(tmp_path):
    mgr = RoomManager(tmp_path, FakeClock())
    old, k_old = mgr.create("classroom")
    new, _ = mgr.create("classroom")
    old.start(k_old)
    long_ago = time.time() - (KEEP_DAYS + 1) * DAY_SECONDS
    mgr.store._db.execute("UPDATE rooms SET created = ? WHERE code = ?", (long_ago, old.code))
    mgr.store._db.execute("UPDATE log SET at = ? WHERE room = ?", (long_ago, old.code))
    mgr.close()
    again = RoomManager(tmp_path, FakeClock())
    assert list(again.rooms) == [new.code]
    assert again.store.has(old.code) and len(again.store.entries(old.code)) == 1  # the start
    with pytest.raises(RoomError, match="no room"):
        again.room(old.code)


def test_a_new_code_is_never_one_the_store_holds(tmp_path, monkeypatch):
    mgr = RoomManager(tmp_path, FakeClock())
    first, _ = mgr.create("classroom")
    del mgr.rooms[first.code]  # unloaded, still stored
    letters = iter(first.code + "ZZZZZ")
    monkeypatch.setattr(manager.secrets, "choice", lambda _alphabet: next(letters))
    second, _ = mgr.create("classroom")
    assert second.code == "ZZZZZ"


def test_at_the_limit_finished_rooms_make_way_and_unfinished_ones_never(tmp_path, monkeypatch):
    monkeypatch.setattr(manager, "MAX_ROOMS", 4)
    mgr = RoomManager(tmp_path, FakeClock())
    made = [mgr.create("classroom") for _ in range(4)]
    for room, key in made[:3]:
        room.start(key)
        room.end(key)
    fifth, _ = mgr.create("classroom")  # down to half the limit: the two oldest finished go
    assert list(mgr.rooms) == [made[2][0].code, made[3][0].code, fifth.code]
    assert all(mgr.store.has(room.code) for room, _ in made)
    sixth, _ = mgr.create("classroom")  # four loaded again: the limit
    seventh, _ = mgr.create("classroom")  # the last finished room makes way
    assert list(mgr.rooms) == [made[3][0].code, fifth.code, sixth.code, seventh.code]
    with pytest.raises(RoomError, match="this server already runs 4 unfinished rooms"):
        mgr.create("classroom")


def test_default_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "gpu-allocation-sim"
    monkeypatch.setenv("XDG_DATA_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_data_dir() == Path(tmp_path / "home/.local/share/gpu-allocation-sim")
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "flag"))
    assert default_data_dir() == tmp_path / "flag"
