"""`/teacher`: create a room, then run it from the secret teacher link.

The controls need the key in the teacher's link (`/teacher?room=CODE&key=...`): the room code
alone, which every student has, opens nothing here. Each value a widget sends is read as it
arrives (a refusal shows inline and the widget shows the page's value again); the room checks
the settings once more when an action is taken.
"""

from __future__ import annotations

import solara
from solara import Reactive

from model.config import Shock
from model.params import fields_of, meta_of
from model.scenario import scenario_names
from server.components.allocations import AllocationsView
from server.components.headline import Headline
from server.components.inputs import LabelledSlider, Refused, use_refusal
from server.levers import read_number
from server.rooms.errors import RoomError
from server.rooms.live import use_room_version
from server.rooms.qr import qr_svg
from server.rooms.replay import debrief, log_csv
from server.rooms.room import Room
from server.rooms.seats import AGENT, HUMAN
from server.rooms.settings import DEFAULT_TIMER, available_lessons
from server.rooms.ui import (
    CSS,
    ErrorLine,
    act,
    join_link,
    manager,
    menu_input,
    number,
    query,
    text_input,
)
from server.rooms.views import RoomView, SeatView
from server.rooms.widgets import Countdown

NO_LESSON = "(none)"
SHOCK_FACTOR = "Output during shock"
FACTOR = meta_of(fields_of(Shock)["factor"])  # the slider's range: the model's own (0 to 1)


@solara.component
def TeacherPage() -> None:
    solara.Title("GPU allocation: teacher")
    solara.Style(CSS)
    router = solara.use_router()
    q = query(router.search)
    with solara.Column(style={"padding": "12px 20px", "max-width": "1400px"}):
        if not q.get("room"):
            CreateRoom(lambda code, key: router.push(f"/teacher?room={code}&key={key}"))
            return
        try:
            room = manager().room(q["room"])
            room.check_teacher(q.get("key", ""))
        except Exception as exc:
            solara.Text(str(exc), classes=["room-error"])
            solara.Markdown("[Create a new room](/teacher)")
            return
        Dashboard(room, q["key"])


@solara.component
def CreateRoom(on_created) -> None:
    """Pick a scenario or a lesson, then "Create room"."""
    scenario = solara.use_reactive("classroom")
    lesson = solara.use_reactive(NO_LESSON)
    weeks = solara.use_reactive("1")
    timer = solara.use_reactive(str(DEFAULT_TIMER))
    error = solara.use_reactive(None)
    refusal = use_refusal()
    slugs = {NO_LESSON: None} | {le.title: le.slug for le in available_lessons()}

    def make() -> None:
        chosen = slugs.get(lesson.value)
        if chosen is None and lesson.value != NO_LESSON:  # its file broke since it was chosen
            raise RoomError(f"the lesson {lesson.value!r} cannot be read now; choose another")
        room, key = manager().create(
            None if chosen else scenario.value, chosen, number(weeks.value), number(timer.value)
        )
        on_created(room.code, key)

    solara.Markdown("## Create a classroom room")
    menu_input("Scenario", scenario_names(), scenario, refusal)
    menu_input("Lesson (sets the scenario)", list(slugs), lesson, refusal)
    text_input("Weeks per round", weeks, refusal, numbers=True)
    text_input("Round timer (seconds, 0: none)", timer, refusal, numbers=True)
    solara.Button("Create room", on_click=lambda: act(make, error), color="primary")
    Refused(refusal, "room-value-error")
    ErrorLine(error)


@solara.component
def Dashboard(room: Room, key: str) -> None:
    use_room_version(room)
    view = room.view()
    error = solara.use_reactive(None)
    link = join_link(room.code)
    svg = solara.use_memo(lambda: qr_svg(link, 180), [link])
    with solara.Row(style={"gap": "28px", "flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Column(style={"min-width": "260px"}):
            solara.Text("Room code", style={"color": "#555"})
            solara.Text(room.code, classes=["room-code"])
            solara.Text(link, classes=["room-join-link"])
            solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["room-qr"])
        with solara.Column(style={"min-width": "420px", "flex": "1"}):
            StatusLine(view)
            Controls(room, key, view, error)
            ErrorLine(error)
            SeatTable(room, key, view, error)
            People(room, key, view, error)
    Charts(room, view)
    Debrief(room, view)


@solara.component
def StatusLine(view: RoomView) -> None:
    text = f"Round {view.round} · week {view.week} of {view.weeks} · next week of {view.date}"
    solara.Text(f"{text} · {view.status}", classes=["room-status"])
    with solara.Row():
        Countdown(view)
        waiting = len(view.waiting)
        people = sum(s.people for s in view.seats)
        solara.Text(f"· submitted {people - waiting} of {people} seats played by people")


@solara.component
def Controls(room: Room, key: str, view: RoomView, error: Reactive[str | None]) -> None:
    """The teacher's buttons, then the pace of the rounds and the events to inject."""
    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px"}):
        if view.status == "lobby":
            solara.Button("Start", on_click=lambda: act(lambda: room.start(key), error))
        if view.status == "running":
            solara.Button("Pause", on_click=lambda: act(lambda: room.pause(key), error))
        if view.status == "paused":
            solara.Button("Resume", on_click=lambda: act(lambda: room.resume(key), error))
        solara.Button("Advance now", on_click=lambda: act(lambda: room.advance(key), error))
        solara.Button("End game", on_click=lambda: act(lambda: room.end(key), error))
    Pace(room, key, view, error)
    Inject(room, key, view, error)


@solara.component
def Pace(room: Room, key: str, view: RoomView, error: Reactive[str | None]) -> None:
    """The round timer and the weeks per round, as typed (read as text as they arrive; the room
    checks the number when "Set" is pressed)."""
    timer = solara.use_reactive(str(view.timer_seconds))
    weeks = solara.use_reactive(str(view.weeks_per_round))
    refusal = use_refusal()
    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px", "align-items": "center"}):
        with solara.Div(style={"max-width": "150px"}):
            text_input("Round timer (s)", timer, refusal, numbers=True)
        solara.Button(
            "Set timer",
            on_click=lambda: act(lambda: room.set_timer(key, number(timer.value)), error),
        )
        with solara.Div(style={"max-width": "150px"}):
            text_input("Weeks per round", weeks, refusal, numbers=True)
        solara.Button(
            "Set weeks",
            on_click=lambda: act(lambda: room.set_weeks(key, number(weeks.value)), error),
        )
    Refused(refusal, "room-value-error")


@solara.component
def Inject(room: Room, key: str, view: RoomView, error: Reactive[str | None]) -> None:
    """The December 2023 memo and a supply shock of the chosen severity (within the Shock
    field's range, read as the slider sends it), for this round."""
    factor = solara.use_reactive(0.5)
    refusal = use_refusal()
    lo, hi = FACTOR.min or 0.0, FACTOR.max or 1.0
    read = lambda v: read_number(v, SHOCK_FACTOR, False, lo, hi)  # noqa: E731
    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px", "align-items": "center"}):
        solara.Button(
            "Inject: December 2023 redirect (12,000 Tesla → X)",
            on_click=lambda: act(lambda: room.inject_redirect(key), error),
        )
        with solara.Column(gap="0px", style={"min-width": "220px"}):
            LabelledSlider(
                SHOCK_FACTOR,
                factor.value,
                lo,
                hi,
                0.05,
                refusal.handler(read, factor.value, factor.set),
                refusal.nonce,
                classes=("room-shock-factor",),
            )
        solara.Button(
            "Inject supply shock",
            on_click=lambda: act(lambda: room.inject_shock(key, factor=factor.value), error),
        )
    Refused(refusal, "room-value-error")
    for d, r, u in view.injected:
        solara.Text(f"This round: the owner asks to move {u:,} GPUs from {d} to {r}")


@solara.component
def SeatTable(room: Room, key: str, view: RoomView, error) -> None:
    solara.Text("Seats", style={"font-weight": "600", "margin-top": "8px"})
    for s in view.seats:
        with solara.Row(classes=["seat-row", f"seat-{s.key.replace(':', '-')}"]):
            solara.Text(s.label, style={"min-width": "260px"})
            solara.Text(", ".join(s.holders) or "nobody", style={"min-width": "140px"})
            state, words = seat_state(s)
            solara.Text(words, classes=[f"seat-state-{state}"], style={"min-width": "210px"})
            other = HUMAN if s.mode == AGENT else AGENT
            label = "Hand back to students" if other == HUMAN else "Hand to agent"
            solara.Button(
                label,
                small=True,
                on_click=lambda k=s.key, o=other: act(lambda: room.set_mode(key, k, o), error),
            )


def seat_state(s: SeatView) -> tuple[str, str]:
    """Who plays a seat now: a short state (for the page's classes) and the teacher's words."""
    if s.mode == AGENT:
        return "agent", "agent (you chose)"
    if not s.people:
        return "agent", "agent, until a student sits"
    return ("submitted", "submitted") if s.submitted else ("deciding", "deciding")


@solara.component
def People(room: Room, key: str, view: RoomView, error) -> None:
    present = [p for p in view.people if not p.removed]
    solara.Text(f"Joined: {len(present)}", style={"font-weight": "600", "margin-top": "8px"})
    with solara.Row(style={"flex-wrap": "wrap", "gap": "4px"}):
        for p in present:
            seat = p.seat.removeprefix("firm:") if p.seat else "no seat"
            solara.Button(
                f"Remove {p.name} ({seat})",
                small=True,
                text=True,
                on_click=lambda pid=p.pid: act(lambda: room.remove(key, pid), error),
            )


@solara.component
def Charts(room: Room, view: RoomView) -> None:
    """The live charts: the app's own components, drawn from a copy of the model that no round
    changes while it is drawn."""
    m = room.shown_market()
    Headline(m)
    AllocationsView(m)


@solara.component
def Debrief(room: Room, view: RoomView) -> None:
    """Downloads (the decision log, the live game's three tables) and, once the game is over,
    each seat's results against the same game played by agents only."""
    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px"}):
        solara.FileDownload(
            lambda: log_csv(room),
            filename=f"room-{room.code}-log.csv",
            label="Decision log (CSV)",
            mime_type="text/csv",
        )
        for name in ("model", "firms", "events"):
            solara.FileDownload(
                lambda name=name: room.shown_market().tables()[name].to_csv(index=False),
                filename=f"room-{room.code}-{name}.csv",
                label=f"{name}.csv",
                mime_type="text/csv",
            )
    if view.status not in ("over", "ended"):
        return
    solara.Markdown("### Debrief: each seat against the same game played by agents only")
    table = debrief(room)
    rows = "".join(
        f"<tr><td>{r.label}</td><td>{r.measure}</td><td>{r.game:,.0f}</td>"
        f"<td>{r.agents_only:,.0f}</td><td>{r.difference:+,.0f}</td></tr>"
        for r in table.itertuples()
    )
    head = (
        "<tr><th>seat</th><th>measure</th><th>game</th><th>agents only</th><th>difference</th></tr>"
    )
    solara.HTML(tag="table", unsafe_innerHTML=head + rows, classes=["room-facts", "room-debrief"])
