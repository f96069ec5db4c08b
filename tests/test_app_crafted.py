"""What a crafted client can send to the views' own inputs and to the room pages.

As in `test_app_safety`, each test sets a rendered widget's v_model through `set_state`, the path
a client's message takes, to what no browser's widget would send: a path as a choice, an unknown
name, a number out of range, text or a list for a number, None, True. Each must get an inline
message naming the field and the value, the widget must show the server's value again, the page
must show no traceback, and it must keep working afterwards.
"""

from __future__ import annotations

import ipyvuetify as v
import numpy as np
import pytest

from model.market import GpuMarket
from server.app import VIEWS
from server.components.negotiation import bargain, summary
from server.rooms import RoomManager
from server.rooms.forms import seat_form
from server.rooms.play_page import PlayPage
from server.rooms.teacher_page import TeacherPage
from tests.test_app_components import button, charts, render, select, series, week_text
from tests.test_app_safety import assert_clean, page_text, send
from tests.test_rooms_pages import click, type_into
from tests.test_rooms_pages import render as render_room

CHOICES = [  # (value sent, how the message shows it)
    ("/etc/passwd", "'/etc/passwd'"),
    ("../../model/scenarios/baseline.toml", "'../../model/scenarios/baseline.toml'"),
    ("lottery", "'lottery'"),
    (None, "None"),
    (["refusals"], "['refusals']"),
    (3, "3"),
    (True, "True"),
]
NOT_NUMBERS = [
    ("abc", "'abc' is not a number"),
    ([1, 2], "[1, 2] is not a number"),
    (None, "None is not a number"),
    (True, "True is not a number"),
    (float("nan"), "nan is not a number"),
    ("1e999", "inf is not a number"),
]
NOT_FLAGS = [("yes", "'yes'"), (None, "None"), (1, "1"), ([True], "[True]")]
NOT_TEXT = [(None, "None"), ([1, 2], "[1, 2]"), (True, "True"), ({"a": 1}, "{'a': 1}")]


def messages(rc, css_class: str) -> list[str]:
    """The texts of the inline errors carrying `css_class`."""
    return [str(a.children[0]) for a in rc.find(v.Alert, class_=css_class).widgets]


def open_view(rc, key: str) -> None:
    send(rc.find(v.Tabs).widget, list(VIEWS).index(key))


def slider(rc, css_class: str):
    return rc.find(v.Slider, class_=css_class).widget


def texts(rc) -> str:
    return " | ".join(str(w.children) for w in rc.find(v.Html).widgets)


def assert_steps(rc, week: int) -> None:
    """Step still advances the run by one week."""
    button(rc, "Step").click()
    assert week_text(rc) == f"Week {week} of 104"


# --- Events: the "Show" filter ------------------------------------------------------------------

SHOW = (
    "all events; redirects and swaps; refusals; cancellations; statements vs bookings; "
    "shocks and expansions"
)


def test_a_crafted_event_filter_is_refused_and_the_log_keeps_working() -> None:
    rc = render()
    open_view(rc, "events")
    for value, shown in CHOICES:
        send(select(rc, "Show"), value)
        assert messages(rc, "events-value-error") == [f"Show: {shown} is not one of: {SHOW}"]
        assert select(rc, "Show").v_model == "all events", value
        assert "No events yet: step the model." in texts(rc)
    assert_clean(rc)
    for week in range(1, 11):
        assert_steps(rc, week)
    send(select(rc, "Show"), "refusals")  # a real choice is taken, and the message goes
    assert messages(rc, "events-value-error") == []
    assert select(rc, "Show").v_model == "refusals"
    assert "No refusals in the 10 weeks so far" in texts(rc)


# --- Compare: "B changes", "to", "only up to this week", "Metric" -------------------------------

LEVER_LABELS = (
    "Allocation mechanism; Owner's policy; Priority among the owner's firms (first = most); "
    "Answer to redirect requests; Buyers' ordering strategy; "
    "Supply multiplier (tighter < 1 < looser); Tesla: Data-centre ready date shift"
)
POLICIES = "none; priority; weights; readiness; value"
METRIC_NAMES = (
    "Friction so far; Installed base, all firms; Idle GPUs; List price (USD); "
    "Jain's index (fill rates); Order inflation; Backlog"
)
SUPPLY = "Supply multiplier (tighter < 1 < looser)"


def overlay(rc, side: str) -> np.ndarray:
    return np.array(series(charts(rc)["compare_overlay"], side), dtype=float)


def full_run(**overrides: object) -> GpuMarket:
    return GpuMarket("baseline", overrides=overrides).run()


def test_a_crafted_lever_to_change_is_refused() -> None:
    rc = render()
    open_view(rc, "compare")
    for value, shown in CHOICES:
        send(select(rc, "B changes"), value)
        want = f"B changes: {shown} is not one of: {LEVER_LABELS}"
        assert messages(rc, "compare-value-error") == [want]
        assert select(rc, "B changes").v_model == "Owner's policy", value
        assert select(rc, "to").v_model == "none"
    assert_clean(rc)
    want_b = full_run(**{"owner.policy": "none"}).model_table().friction_cum.round(3)
    assert np.allclose(overlay(rc, "B"), want_b)  # B is still the run without the owner
    assert_steps(rc, 1)


def test_a_crafted_choice_for_b_is_refused_then_a_real_one_runs() -> None:
    rc = render()
    open_view(rc, "compare")
    for value, shown in CHOICES:
        send(select(rc, "to"), value)
        want = f"Owner's policy: {shown} is not one of: {POLICIES}"
        assert messages(rc, "compare-value-error") == [want]
        assert select(rc, "to").v_model == "none", value
    assert_clean(rc)
    send(select(rc, "to"), "weights")
    assert messages(rc, "compare-value-error") == []
    want_b = full_run(**{"owner.policy": "weights"}).model_table().friction_cum.round(3)
    assert np.allclose(overlay(rc, "B"), want_b)
    assert_steps(rc, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (11, f"{SUPPLY}: 11 is above the maximum 10"),
        (-1, f"{SUPPLY}: -1 is below the minimum 0"),
        *[(value, f"{SUPPLY}: {text}") for value, text in NOT_NUMBERS],
    ],
)
def test_a_crafted_number_for_b_is_refused(value: object, message: str) -> None:
    rc = render()
    open_view(rc, "compare")
    send(select(rc, "B changes"), SUPPLY)
    send(slider(rc, "compare-to"), 0.5)  # (True would equal the default 1.0: no change at all)
    send(slider(rc, "compare-to"), value)
    assert messages(rc, "compare-value-error") == [message]
    assert slider(rc, "compare-to").v_model == 0.5  # B's value, as last accepted
    assert "to (0 to 10): 0.5" in texts(rc)
    assert_clean(rc)
    assert_steps(rc, 1)


def test_a_real_number_for_b_runs_after_a_refusal() -> None:
    rc = render()
    open_view(rc, "compare")
    send(select(rc, "B changes"), SUPPLY)
    send(slider(rc, "compare-to"), "abc")
    send(slider(rc, "compare-to"), 0.5)
    assert messages(rc, "compare-value-error") == []
    assert slider(rc, "compare-to").v_model == 0.5
    assert "to (0 to 10): 0.5" in texts(rc)
    want_b = full_run(**{"supply.scale": 0.5}).model_table().friction_cum.round(3)
    assert np.allclose(overlay(rc, "B"), want_b)


def test_a_crafted_tick_for_this_week_only_is_refused() -> None:
    rc = render()
    for week in (1, 2, 3):
        assert_steps(rc, week)
    open_view(rc, "compare")
    box = rc.find(v.Checkbox, label="only up to this week").widget
    for value, shown in NOT_FLAGS:
        send(box, value)
        want = f"only up to this week: expected on or off, got {shown}"
        assert messages(rc, "compare-value-error") == [want]
        assert box.v_model is False, value
        assert "(104 weeks each)" in texts(rc)  # both runs still go to the horizon
    assert_clean(rc)
    send(box, True)
    assert messages(rc, "compare-value-error") == []
    assert "(3 weeks each)" in texts(rc)
    assert_steps(rc, 4)


def test_a_crafted_metric_is_refused_then_a_real_one_draws() -> None:
    rc = render()
    open_view(rc, "compare")
    for value, shown in CHOICES:
        send(select(rc, "Metric"), value)
        want = f"Metric: {shown} is not one of: {METRIC_NAMES}"
        assert messages(rc, "compare-value-error") == [want]
        assert select(rc, "Metric").v_model == "Friction so far", value
    assert_clean(rc)
    send(select(rc, "Metric"), "Backlog")
    assert messages(rc, "compare-value-error") == []
    assert np.allclose(overlay(rc, "A"), full_run().model_table().backlog.round(3))
    assert_steps(rc, 1)


# --- Negotiation: "Buyer", concession, patience -------------------------------------------------

FIRMS = (
    "Microsoft; Meta; Google; Amazon; Oracle; CoreWeave; ByteDance; Tencent; Rest of market; "
    "Tesla; X; xAI"
)
PATIENCE = "Buyer's patience (weekly discount factor)"


def negotiation_summary(rc) -> str:
    return rc.find(v.Html, class_="negotiation-summary").widget.children[0]


def test_a_crafted_buyer_or_concession_is_refused() -> None:
    rc = render()
    open_view(rc, "negotiation")
    before = negotiation_summary(rc)
    for label, field, pinned, valid in (
        ("Buyer", "Buyer", "Tesla", FIRMS),
        ("Buyer's concession", "Buyer's concession", "linear", "boulware; linear; conceder"),
    ):
        for value, shown in CHOICES:
            send(select(rc, label), value)
            want = f"{field}: {shown} is not one of: {valid}"
            assert messages(rc, "negotiation-value-error") == [want]
            assert select(rc, label).v_model == pinned, value
            assert negotiation_summary(rc) == before
    assert_clean(rc)
    send(select(rc, "Buyer's concession"), "boulware")
    assert messages(rc, "negotiation-value-error") == []
    want = summary(bargain(GpuMarket("baseline"), "Tesla", "boulware", 0.98))
    assert negotiation_summary(rc) == want
    assert_steps(rc, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2, f"{PATIENCE}: 2 is above the maximum 1"),
        (0.1, f"{PATIENCE}: 0.1 is below the minimum 0.5"),
        *[(value, f"{PATIENCE}: {text}") for value, text in NOT_NUMBERS],
    ],
)
def test_a_crafted_patience_is_refused(value: object, message: str) -> None:
    rc = render()
    open_view(rc, "negotiation")
    send(slider(rc, "negotiation-patience"), value)
    assert messages(rc, "negotiation-value-error") == [message]
    assert slider(rc, "negotiation-patience").v_model == 0.98  # Tesla's own patience
    assert f"{PATIENCE}: 0.980" in texts(rc)
    assert_clean(rc)
    send(slider(rc, "negotiation-patience"), 0.9)
    assert messages(rc, "negotiation-value-error") == []
    want = summary(bargain(GpuMarket("baseline"), "Tesla", "linear", 0.9))
    assert negotiation_summary(rc) == want
    assert_steps(rc, 1)


# --- Rooms: creating one -------------------------------------------------------------------------

SCENARIOS = "baseline; classroom; inflation-lab; long-tail; no-redirect; supply-shock"
LESSONS = (
    "(none); Scarcity and allocation rules; Order inflation (shortage gaming); The Musk redirect; "
    "Patience and bargaining power"
)


def room_messages(rc) -> list[str]:
    return messages(rc, "room-value-error")


def field(rc, label: str):
    return rc.find(v.TextField, label=label).widget


def test_a_crafted_scenario_or_lesson_for_a_room_is_refused(mgr) -> None:
    rc, where = render_room(TeacherPage, "/teacher")
    for label, pinned, valid in (
        ("Scenario", "classroom", SCENARIOS),
        ("Lesson (sets the scenario)", "(none)", LESSONS),
    ):
        for value, shown in CHOICES:
            send(select(rc, label), value)
            assert room_messages(rc) == [f"{label}: {shown} is not one of: {valid}"]
            assert select(rc, label).v_model == pinned, value
    assert_clean(rc)
    assert mgr.rooms == {}
    send(select(rc, "Scenario"), "baseline")
    assert room_messages(rc) == []
    click(rc, "Create room")
    (room,) = mgr.rooms.values()
    assert room.settings.scenario == "baseline" and room.settings.lesson is None
    assert where["path"].startswith(f"/teacher?room={room.code}&key=")


def test_a_lesson_that_cannot_be_read_any_more_is_not_created(mgr, monkeypatch) -> None:
    import server.rooms.teacher_page as teacher_page

    rc, _ = render_room(TeacherPage, "/teacher")
    send(select(rc, "Lesson (sets the scenario)"), "The Musk redirect")
    monkeypatch.setattr(teacher_page, "available_lessons", lambda: [])  # its file broke
    send(field(rc, "Weeks per round"), "2")  # the page is drawn again without the lesson
    click(rc, "Create room")
    want = "the lesson 'The Musk redirect' cannot be read now; choose another"
    assert want in texts(rc)
    assert mgr.rooms == {}
    assert_clean(rc)


@pytest.mark.parametrize(
    ("label", "pinned"), [("Weeks per round", "1"), ("Round timer (seconds, 0: none)", "45")]
)
def test_a_crafted_number_field_for_a_new_room_is_refused(mgr, label: str, pinned: str) -> None:
    rc, _ = render_room(TeacherPage, "/teacher")
    for value, shown in NOT_TEXT:
        send(field(rc, label), value)
        assert room_messages(rc) == [f"{label}: expected text, got {shown}"]
        assert field(rc, label).v_model == pinned, value
    send(field(rc, label), "9" * 101)
    assert room_messages(rc) == [f"{label}: longer than 100 characters"]
    assert field(rc, label).v_model == pinned
    assert_clean(rc)
    click(rc, "Create room")
    (room,) = mgr.rooms.values()
    assert (room.settings.weeks_per_round, room.settings.timer_seconds) == (1, 45)


def test_numbers_sent_to_a_new_rooms_fields_are_checked_by_the_room(mgr) -> None:
    """A number field may send a number: it is taken as typed, and the room checks it."""
    rc, _ = render_room(TeacherPage, "/teacher")
    send(field(rc, "Weeks per round"), 99)
    assert room_messages(rc) == [] and field(rc, "Weeks per round").v_model == "99"
    click(rc, "Create room")
    assert texts(rc).count("weeks per round: 99 is not between 1 and 13") == 1
    assert mgr.rooms == {}
    send(field(rc, "Weeks per round"), 3)
    send(field(rc, "Round timer (seconds, 0: none)"), 0)
    click(rc, "Create room")
    (room,) = mgr.rooms.values()
    assert (room.settings.weeks_per_round, room.settings.timer_seconds) == (3, 0)


# --- Rooms: the teacher's dashboard ---------------------------------------------------------------


def dashboard(mgr: RoomManager) -> tuple:
    """The teacher's dashboard of a new classroom room."""
    room, key = mgr.create("classroom")
    rc, _ = render_room(TeacherPage, f"/teacher?room={room.code}&key={key}")
    return room, rc


@pytest.mark.parametrize(("label", "pinned"), [("Round timer (s)", "45"), ("Weeks per round", "1")])
def test_a_crafted_pace_is_refused_and_the_dashboard_keeps_working(
    mgr,
    label: str,
    pinned: str,
) -> None:
    room, rc = dashboard(mgr)
    for value, shown in NOT_TEXT:
        send(field(rc, label), value)
        assert room_messages(rc) == [f"{label}: expected text, got {shown}"]
        assert field(rc, label).v_model == pinned, value
    assert_clean(rc)
    send(field(rc, "Round timer (s)"), "30")
    click(rc, "Set timer")
    send(field(rc, "Weeks per round"), "2")
    click(rc, "Set weeks")
    assert (room.view().timer_seconds, room.view().weeks_per_round) == (30, 2)
    click(rc, "Start")
    click(rc, "Advance now")
    assert room.market.week == 2


def test_text_typed_as_a_timer_is_refused_by_the_room(mgr) -> None:
    room, rc = dashboard(mgr)
    send(field(rc, "Round timer (s)"), "soon")
    assert room_messages(rc) == []
    click(rc, "Set timer")
    assert "round timer: expected a whole number, got 'soon'" in texts(rc)
    assert room.view().timer_seconds == 45


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "Output during shock: 1.5 is above the maximum 1"),
        (-0.5, "Output during shock: -0.5 is below the minimum 0"),
        *[(value, f"Output during shock: {text}") for value, text in NOT_NUMBERS],
    ],
)
def test_a_crafted_shock_factor_is_refused(mgr, value: object, message: str) -> None:
    room, rc = dashboard(mgr)
    send(slider(rc, "room-shock-factor"), value)
    assert room_messages(rc) == [message]
    assert slider(rc, "room-shock-factor").v_model == 0.5
    assert "Output during shock: 0.5" in texts(rc)
    assert_clean(rc)
    click(rc, "Start")
    click(rc, "Inject supply shock")
    assert room.state.overrides["supply.shocks"][-1]["factor"] == 0.5
    send(slider(rc, "room-shock-factor"), 0.25)
    assert room_messages(rc) == []
    click(rc, "Inject supply shock")
    assert room.state.overrides["supply.shocks"][-1]["factor"] == 0.25


# --- Rooms: a student's page -------------------------------------------------------------------


def test_a_crafted_room_code_or_name_is_refused(mgr) -> None:
    room, _ = mgr.create("classroom")
    rc, _ = render_room(PlayPage, "/play")
    for label in ("Room code", "Your name"):
        for value, shown in [*NOT_TEXT, (1234, "1234")]:
            send(field(rc, label), value)
            assert room_messages(rc) == [f"{label}: expected text, got {shown}"]
            assert field(rc, label).v_model == "", value
    send(field(rc, "Your name"), "A" * 500)
    assert room_messages(rc) == ["Your name: longer than 100 characters"]
    assert_clean(rc)
    assert "A" * 80 not in page_text(rc)
    send(field(rc, "Room code"), room.code.lower())
    send(field(rc, "Your name"), "Ann")
    assert room_messages(rc) == []
    click(rc, "Join")
    assert [p.name for p in room.state.participants.values()] == ["Ann"]


BOB: dict[str, str] = {}  # room code -> the token of Bob, who holds Meta


def seated(
    mgr: RoomManager, seat: str, scenario: str | None = "classroom", lesson: str | None = None
):
    """A student's page holding `seat` in a running room (Bob holds Meta, so no round closes
    on the student's own submission)."""
    room, key = mgr.create(scenario, lesson)
    _, bob = room.join("Bob")
    BOB[room.code] = bob
    room.take_seat(bob, "firm:Meta")
    rc, _ = render_room(PlayPage, f"/play?room={room.code}")
    type_into(rc, "Your name", "Ann")
    click(rc, "Join")
    rc.find(v.Btn, children=["Take seat"]).widgets[list(room.state.seats).index(seat)].click()
    room.start(key)
    rc.find(v.Btn, children=["Submit"]).wait_for(timeout=5)
    return room, rc


def order_field(rc):
    return next(w for w in rc.find(v.TextField).widgets if w.label.startswith("Order"))


def test_a_crafted_order_is_refused_and_the_seat_still_submits(mgr) -> None:
    room, rc = seated(mgr, "firm:Tesla")
    label = "Order for the week (0 to 300,000)"
    assert order_field(rc).label == label
    for value, shown in NOT_TEXT:
        send(order_field(rc), value)
        assert room_messages(rc) == [f"{label}: expected text, got {shown}"]
        assert order_field(rc).v_model == "15000", value
    assert_clean(rc)
    click(rc, "Submit")
    assert room.state.pending["firm:Tesla"]["decision"]["order"] == 15_000


def test_a_sent_decision_is_locked_against_a_crafted_client(mgr) -> None:
    room, rc = seated(mgr, "firm:Tesla")
    send(order_field(rc), 4_321)  # a number field's number: taken as typed
    click(rc, "Submit")
    assert room.state.pending["firm:Tesla"]["decision"]["order"] == 4_321
    assert order_field(rc).disabled
    shown = order_field(rc).v_model  # the locked field shows what was sent
    assert shown == "4321"
    send(order_field(rc), "99999")
    label = "Order for the week (0 to 300,000)"
    assert room_messages(rc) == [f"{label}: the decision is locked for this round"]
    assert order_field(rc).v_model == shown != "99999"
    assert room.state.pending["firm:Tesla"]["decision"]["order"] == 4_321
    assert_clean(rc)
    room.submit(BOB[room.code], "firm:Meta", 1, {"order": 0})  # every seat has sent: round 2
    rc.find(v.Btn, children=["Submit"]).wait_for(timeout=5)  # round 2: a fresh decision
    assert not order_field(rc).disabled
    assert order_field(rc).v_model == str(seat_form(room, "firm:Tesla").default["order"])


def test_a_crafted_price_or_concession_is_refused(mgr) -> None:
    room, rc = seated(mgr, "firm:Tesla", None, "patience")
    price = "Highest price under the auction (USD)"
    for value, shown in NOT_TEXT:
        send(field(rc, price), value)
        assert room_messages(rc) == [f"{price}: expected text, got {shown}"]
        assert field(rc, price).v_model == "42000", value
    concession = "Concession under negotiation"
    for value, shown in CHOICES:
        send(select(rc, concession), value)
        want = f"{concession}: {shown} is not one of: boulware; linear; conceder"
        assert room_messages(rc) == [want]
        assert select(rc, concession).v_model == "linear", value
    assert_clean(rc)
    send(select(rc, concession), "boulware")
    assert room_messages(rc) == []
    click(rc, "Submit")
    decision = room.state.pending["firm:Tesla"]["decision"]
    assert decision == {"order": 15_000, "max_price_usd": 42_000.0, "concession": "boulware"}


def test_a_crafted_redirect_is_refused_in_the_page_or_by_the_room(mgr) -> None:
    room, rc = seated(mgr, "owner")
    label = "Redirect from Tesla to X (up to 1,026)"
    for value, shown in NOT_TEXT:
        send(field(rc, label), value)
        assert room_messages(rc) == [f"{label}: expected text, got {shown}"]
        assert field(rc, label).v_model == "0", value
    assert_clean(rc)
    send(field(rc, label), -5)  # a number: as typed, for the room to check
    click(rc, "Submit")
    assert "redirects: units must be 0 or more, not -5" in texts(rc)
    send(field(rc, label), "2,000")
    click(rc, "Submit")
    assert "redirects: Tesla has only 1,026 units that can move this week" in texts(rc)
    assert "owner" not in room.state.pending
    send(field(rc, label), 500)
    click(rc, "Submit")
    assert room.state.pending["owner"]["decision"] == {"transfers": [["Tesla", "X", 500]]}


def test_a_crafted_answer_to_a_redirect_is_refused(mgr) -> None:
    room, rc = seated(mgr, "nvidia")
    label = "Tesla → X (0 asked)"
    for value, shown in CHOICES:
        send(select(rc, label), value)
        want = f"{label}: {shown} is not one of: rule; accept; swap; refuse"
        assert room_messages(rc) == [want]
        assert select(rc, label).v_model == "rule", value
    assert_clean(rc)
    send(select(rc, label), "refuse")
    click(rc, "Submit")
    assert room.state.pending["nvidia"]["decision"] == {"answers": {"Tesla>X": "refuse"}}
