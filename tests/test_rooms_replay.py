"""Replay and debrief: the game re-simulated from its seed and log gives the live game's three
tables exactly; each seat's results against the same scenario played by agents only; the CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from pandas.testing import assert_frame_equal

from model.market import GpuMarket
from server.rooms import RoomManager
from server.rooms.clock import FakeClock
from server.rooms.replay import LOG_COLUMNS, agents_only, debrief, log_csv, replay


@pytest.fixture
def played():
    """Eight weeks of classroom in rounds of one and two weeks, with people on Tesla, the owner
    and Nvidia, the memo injected and a shock."""
    clock = FakeClock()
    room, key = RoomManager(clock=clock).create("classroom", timer_seconds=20)
    t = {}
    for name, seat in (("Ann", "firm:Tesla"), ("Bob", "owner"), ("Cy", "nvidia")):
        _, t[name] = room.join(name)
        room.take_seat(t[name], seat)
    room.start(key)
    for rnd in range(1, 6):
        need = room.preview().views["Tesla"].need
        room.submit(t["Ann"], "firm:Tesla", rnd, {"order": 3 * need, "concession": "conceder"})
        if rnd == 2:
            room.inject_redirect(key)
        if rnd == 3:
            room.inject_shock(key, factor=0.6, weeks=6)
            room.set_weeks(key, 2)
        movable = room.preview().movable("Tesla")
        room.submit(t["Bob"], "owner", rnd, {"transfers": [["Tesla", "X", movable // 3]]})
        if rnd % 2:
            room.submit(t["Cy"], "nvidia", rnd, {"answers": {"Tesla>X": "swap"}})
        else:
            clock.advance(21)
            assert room.tick()
    return room, key


def test_replay_equals_the_live_game(played):
    room, _ = played
    assert room.market.week == 8
    again = replay(room)
    for name, table in room.market.tables().items():
        assert_frame_equal(again.tables()[name], table)
    events = room.market.events_table()
    assert {"swap", "redirect", "shock"} <= set(events.kind)


def test_agents_only_is_the_scenario_with_the_teachers_events(played):
    room, _ = played
    agents = agents_only(room)
    assert agents.week == room.market.week
    plain = GpuMarket("classroom", seed=room.seed).run(8)
    assert not agents.model_table().equals(plain.model_table())  # the shock and the memo stay
    people = replay(room).firms_table()
    tesla = people[people.firm == "Tesla"].ordered.tolist()
    assert tesla != agents.firms_table().query("firm == 'Tesla'").ordered.tolist()


def test_debrief(played):
    room, _ = played
    table = debrief(room)
    assert set(table.seat) == set(room.state.seats)
    assert list(table.columns) == ["seat", "label", "measure", "game", "agents_only", "difference"]
    assert (table.difference == table.game - table.agents_only).all()
    tesla = table[(table.seat == "firm:Tesla") & (table.measure == "GPUs received")].iloc[0]
    firms = room.market.firms_table()
    assert tesla.game == firms[firms.firm == "Tesla"].allocated.sum()
    nvidia = table[table.seat == "nvidia"].set_index("measure")
    assert nvidia.loc["revenue (USD)", "game"] == pytest.approx(
        room.market.model_table().revenue_usd.sum()
    )


def test_log_csv(played):
    room, _ = played
    rows = list(csv.DictReader(io.StringIO(log_csv(room))))
    assert tuple(rows[0]) == LOG_COLUMNS
    assert len(rows) == len(room.log)
    first = next(r for r in rows if r["kind"] == "submit" and r["seat"] == "firm:Tesla")
    assert first["name"] == "Ann" and first["concession"] == "conceder" and int(first["order"]) > 0
    owner = next(r for r in rows if r["kind"] == "submit" and r["seat"] == "owner")
    assert json.loads(owner["details"])["decision"]["transfers"][0][:2] == ["Tesla", "X"]
    closes = [r for r in rows if r["kind"] == "close"]
    assert [json.loads(r["details"])["reason"] for r in closes][:2] == ["all submitted", "timer"]
    text = log_csv(room)
    assert "token" not in text and "device" not in text
