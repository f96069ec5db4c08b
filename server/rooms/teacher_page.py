"""`/teacher`: create a room, then run it from the secret teacher link.

The controls need the key in the teacher's link (`/teacher?room=CODE&key=...`): the room code
alone, which every student has, opens nothing here.
"""

from __future__ import annotations

import solara

from model.scenario import scenario_names
from server.components.allocations import AllocationsView
from server.components.headline import Headline
from server.rooms.live import use_room_version
from server.rooms.qr import qr_svg
from server.rooms.replay import debrief, log_csv
from server.rooms.room import Room
from server.rooms.seats import AGENT, HUMAN
from server.rooms.settings import DEFAULT_TIMER, available_lessons
from server.rooms.ui import CSS, ErrorLine, act, join_link, manager, number, query
from server.rooms.views import RoomView
from server.rooms.widgets import Countdown


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
    lesson = solara.use_reactive("(none)")
    weeks = solara.use_reactive("1")
    timer = solara.use_reactive(str(DEFAULT_TIMER))
    error = solara.use_reactive(None)
    slugs = {"(none)": None} | {le.title: le.slug for le in available_lessons()}

    def create() -> None:
        chosen = slugs[lesson.value]

        def make() -> None:
            room, key = manager().create(
                None if chosen else scenario.value, chosen, number(weeks.value), number(timer.value)
            )
            on_created(room.code, key)

        act(make, error)

    solara.Markdown("## Create a classroom room")
    solara.Select("Scenario", values=scenario_names(), value=scenario)
    solara.Select("Lesson (sets the scenario)", values=list(slugs), value=lesson)
    solara.InputText("Weeks per round", value=weeks, continuous_update=True)
    solara.InputText("Round timer (seconds, 0: none)", value=timer, continuous_update=True)
    solara.Button("Create room", on_click=create, color="primary")
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
        Countdown(view.seconds_left if view.status == "running" else None, view.version)
        waiting = len(view.waiting)
        people = sum(s.people for s in view.seats)
        solara.Text(f"· submitted {people - waiting} of {people} seats played by people")


@solara.component
def Controls(room: Room, key: str, view: RoomView, error) -> None:
    timer = solara.use_reactive(str(view.timer_seconds))
    weeks = solara.use_reactive(str(view.weeks_per_round))
    factor = solara.use_reactive(0.5)
    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px"}):
        if view.status == "lobby":
            solara.Button("Start", on_click=lambda: act(lambda: room.start(key), error))
        if view.status == "running":
            solara.Button("Pause", on_click=lambda: act(lambda: room.pause(key), error))
        if view.status == "paused":
            solara.Button("Resume", on_click=lambda: act(lambda: room.resume(key), error))
        solara.Button("Advance now", on_click=lambda: act(lambda: room.advance(key), error))
        solara.Button("End game", on_click=lambda: act(lambda: room.end(key), error))
    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px", "align-items": "center"}):
        solara.InputInt("Round timer (s)", value=timer, style={"max-width": "150px"})
        solara.Button(
            "Set timer", on_click=lambda: act(lambda: room.set_timer(key, timer.value), error)
        )
        solara.InputInt("Weeks per round", value=weeks, style={"max-width": "150px"})
        solara.Button(
            "Set weeks", on_click=lambda: act(lambda: room.set_weeks(key, weeks.value), error)
        )
    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px", "align-items": "center"}):
        solara.Button(
            "Inject: December 2023 redirect (12,000 Tesla → X)",
            on_click=lambda: act(lambda: room.inject_redirect(key), error),
        )
        solara.SliderFloat("Output during shock", value=factor, min=0.0, max=1.0, step=0.05)
        solara.Button(
            "Inject supply shock",
            on_click=lambda: act(lambda: room.inject_shock(key, factor=factor.value), error),
        )
    for d, r, u in view.injected:
        solara.Text(f"This round: the owner asks to move {u:,} GPUs from {d} to {r}")


@solara.component
def SeatTable(room: Room, key: str, view: RoomView, error) -> None:
    solara.Text("Seats", style={"font-weight": "600", "margin-top": "8px"})
    for s in view.seats:
        with solara.Row(classes=["seat-row", f"seat-{s.key.replace(':', '-')}"]):
            solara.Text(s.label, style={"min-width": "260px"})
            solara.Text(", ".join(s.holders) or "nobody", style={"min-width": "140px"})
            state = "agent" if not s.people else "submitted" if s.submitted else "deciding"
            solara.Text(state, classes=[f"seat-state-{state}"], style={"min-width": "80px"})
            other = HUMAN if s.mode == AGENT else AGENT
            label = "Hand to people" if other == HUMAN else "Hand to agent"
            solara.Button(
                label,
                small=True,
                on_click=lambda k=s.key, o=other: act(lambda: room.set_mode(key, k, o), error),
            )


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
