"""The pages without a browser: rendered with `solara.render`, clicked, and read back; every
action lands in the room the page shows."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara
import solara.routing

from server.rooms import RoomManager
from server.rooms.clock import FakeClock
from server.rooms.play_page import PlayPage
from server.rooms.teacher_page import TeacherPage, seat_state
from server.rooms.ui import number
from server.rooms.widgets import CountdownWidget


def render(page, path: str):
    """`page` under a router at `path` (as the app's routes would show it)."""
    where = {"path": path}

    @solara.component
    def At() -> None:
        current, set_current = solara.use_state(path)
        where["path"] = current
        solara.routing.router_context.provide(solara.routing.Router(current, [], set_current))
        page()

    _, rc = solara.render(At(), handle_error=False)
    return rc, where


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).assert_single()
    rc.find(v.Btn, children=[label]).widget.click()


def texts(rc) -> str:
    return " | ".join(str(w.children) for w in rc.find(v.Html).widgets) + " ".join(
        str(getattr(w, "value", "")) for w in rc.find(v.TextField).widgets
    )


def type_into(rc, label: str, value) -> None:
    field = rc.find(v.TextField, label=label).widget
    field.v_model = value
    if any(k.startswith("blur") for k in field._event_handlers_map):
        field.fire_event("blur")


def test_teacher_creates_a_room_and_runs_it(mgr):
    rc, where = render(TeacherPage, "/teacher")
    click(rc, "Create room")
    (room,) = mgr.rooms.values()
    assert where["path"].startswith(f"/teacher?room={room.code}&key=")
    key = where["path"].split("key=")[1]
    room.check_teacher(key)
    rc, _ = render(TeacherPage, where["path"])
    assert rc.find(v.Html, children=[room.code])
    click(rc, "Start")
    assert room.view().status == "running"
    click(rc, "Advance now")
    assert room.market.week == 1
    click(rc, "Inject supply shock")
    assert room.state.overrides["supply.shocks"][0]["factor"] == 0.5


def test_a_wrong_teacher_key_shows_no_controls(mgr):
    room, _ = mgr.create("classroom")
    for path in (f"/teacher?room={room.code}", f"/teacher?room={room.code}&key=guess"):
        rc, _ = render(TeacherPage, path)
        assert not rc.find(v.Btn, children=["Advance now"]).widgets
        assert rc.find(v.Html, children=["only the teacher can do that (open the teacher's link)"])


def test_a_student_joins_takes_a_seat_and_submits(mgr):
    room, key = mgr.create("classroom")
    rc, _ = render(PlayPage, f"/play?room={room.code}")
    type_into(rc, "Your name", "Ann")
    click(rc, "Join")
    assert [p.name for p in room.state.participants.values()] == ["Ann"]
    buttons = rc.find(v.Btn, children=["Take seat"]).widgets
    assert len(buttons) == len(room.state.seats)
    buttons[2].click()  # Tesla
    assert room.state.seats["firm:Tesla"].holders == ["p1"]
    room.start(key)
    rc.find(v.Btn, children=["Submit"]).wait_for(timeout=5)
    label = next(w.label for w in rc.find(v.TextField).widgets if w.label.startswith("Order"))
    type_into(rc, label, 4_321)
    click(rc, "Submit")
    assert room.market.week == 1  # the only human seat: the round closed
    firms = room.market.firms_table()
    assert firms[firms.firm == "Tesla"].ordered.iloc[0] == 4_321


def test_a_bad_value_shows_a_message_not_a_traceback(mgr):
    room, key = mgr.create("classroom")
    _, other = room.join("Bob")
    room.take_seat(other, "firm:Meta")
    rc, _ = render(PlayPage, f"/play?room={room.code}")
    type_into(rc, "Your name", "Ann")
    click(rc, "Join")
    rc.find(v.Btn, children=["Take seat"]).widgets[2].click()
    room.start(key)
    rc.find(v.Btn, children=["Submit"]).wait_for(timeout=5)
    label = next(w.label for w in rc.find(v.TextField).widgets if w.label.startswith("Order"))
    type_into(rc, label, -3)
    click(rc, "Submit")
    shown = [w.children[0] for w in rc.find(v.Html).widgets if w.children]
    assert any("order: -3 is not between 0" in str(t) for t in shown)
    assert room.state.pending == {}


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("12,000", 12_000),
        (" 41000.5 ", 41_000.5),
        ("-3", -3),
        ("1_000", 1_000),
        ("0", 0),
        ("abc", "abc"),
        ("", ""),
        ("1e9", "1e9"),
        ("--1", "--1"),
        (".", "."),
    ],
)
def test_numbers_as_typed(typed, value):
    assert number(typed) == value and type(number(typed)) is type(value)


def test_text_in_a_number_field_is_refused_by_the_room(mgr):
    room, key = mgr.create("classroom")
    rc, _ = render(PlayPage, f"/play?room={room.code}")
    type_into(rc, "Your name", "Ann")
    click(rc, "Join")
    rc.find(v.Btn, children=["Take seat"]).widgets[2].click()
    _, bob = room.join("Bob")
    room.take_seat(bob, "firm:Meta")
    room.start(key)
    rc.find(v.Btn, children=["Submit"]).wait_for(timeout=5)
    label = next(w.label for w in rc.find(v.TextField).widgets if w.label.startswith("Order"))
    type_into(rc, label, "lots")
    click(rc, "Submit")
    shown = [str(w.children[0]) for w in rc.find(v.Html).widgets if w.children]
    assert any("order: expected a whole number, got 'lots'" in t for t in shown)


def test_a_closed_tab_stops_listening(mgr):
    room, _ = mgr.create("classroom")
    rc, _ = render(PlayPage, f"/play?room={room.code}")
    type_into(rc, "Your name", "Ann")
    click(rc, "Join")
    assert len(room.subscribers) == 1
    rc.close()
    assert len(room.subscribers) == 0


def test_the_seat_table_says_who_plays_each_seat(tmp_path) -> None:
    mgr = RoomManager(tmp_path, FakeClock())
    room, key = mgr.create("classroom")
    _, ann = room.join("Ann")
    room.take_seat(ann, "firm:Tesla")
    _, bob = room.join("Bob")
    room.take_seat(bob, "firm:X")  # so Ann's submission does not close the round
    room.set_mode(key, "firm:Meta", "agent")
    room.start(key)
    words = {s.key: seat_state(s)[1] for s in room.view().seats}
    assert (words["firm:Tesla"], words["firm:Meta"], words["owner"]) == (
        "deciding",
        "agent (you chose)",
        "agent, until a student sits",
    )
    room.submit(ann, "firm:Tesla", 1, {"order": 10})
    assert seat_state(room.view().seat("firm:Tesla")) == ("submitted", "submitted")
    mgr.close()


def test_the_round_timer_reads_right_in_the_lobby_running_and_paused(mgr):
    rc, where = render(TeacherPage, "/teacher")
    click(rc, "Create room")  # the form's default timer: 45 s
    (room,) = mgr.rooms.values()
    rc, _ = render(TeacherPage, where["path"])
    clock = rc.find(CountdownWidget).widget
    assert (clock.seconds, clock.idle) == (-1.0, "45 s a round (starts with the game)")
    click(rc, "Start")
    assert clock.seconds == 45.0  # counting down in the browser
    click(rc, "Pause")
    assert (clock.seconds, clock.idle) == (-1.0, "45 s a round (paused)")
    assert room.view().status == "paused"
