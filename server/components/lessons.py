"""Classroom mode: pick a lesson (a preset run), then read its stages beside the charts as it
runs. A lesson drives the run: starting it, and each of its "try this" buttons, restarts the run
with the lesson's scenario and settings (the form then shows them). A note whose checks do not
hold in the run on screen (after a try, say) says so instead of claiming what is not there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from model.params import ScenarioError, short
from server.components.common import heading, md_html
from server.components.inputs import Menu, guarded
from server.conditions import holds, run_tables
from server.curriculum import Lesson, Question, Stage, Try, find_lesson, lessons
from server.session import Session, use_tick


def start_lesson(session: Session, le: Lesson, views: list[str]) -> None:
    """Load the lesson's preset, start a fresh run, and open the view it talks about."""
    if session.reset(le.spec()):
        session.lesson.set(le.slug)
        session.trial.set(None)
        if le.view in views:
            session.tab.set(views.index(le.view))


def try_this(session: Session, le: Lesson, t: Try | None) -> None:
    """Restart within the lesson: its run with the try's change (None: the lesson's own run)."""
    if session.reset(le.try_spec(t)):
        session.trial.set(t.slug if t else None)


def end_lesson(session: Session) -> None:
    """Leave the lesson; the run carries on as it is."""
    session.lesson.set(None)
    session.trial.set(None)


@solara.component
def LessonPicker(session: Session, views: list[str]) -> None:
    """A menu of lessons and a Start button (left column)."""
    titles = [le.title for le in lessons()]
    running = next((le.title for le in lessons() if le.slug == session.lesson.value), None)
    choice, set_choice = solara.use_state(running or titles[0])
    # The menu names the lesson that runs, however it started (a link, a reload, this menu).
    solara.use_effect(lambda: set_choice(running) if running else None, [running])
    (refusals, refused), set_refusal = solara.use_state((0, None))
    refuse = lambda message: set_refusal(lambda old: (old[0] + 1, message))  # noqa: E731

    def pick(title: Any) -> None:
        if title not in titles:
            raise ScenarioError(f"Lesson: {short(title)} is not one of this app's lessons")
        if title == choice:
            return
        set_refusal(lambda old: (old[0], None))
        set_choice(title)

    Menu("Lesson", titles, choice, guarded(pick, refuse), refusals)
    start = lambda: start_lesson(session, lessons()[titles.index(choice)], views)  # noqa: E731
    with solara.Row(gap="6px"):
        solara.Button("Start lesson", color="success", on_click=guarded(start, refuse))
        if session.lesson.value:
            solara.Button(
                "End lesson", outlined=True, on_click=guarded(lambda: end_lesson(session), refuse)
            )
    if refused:
        solara.Error(refused, classes=["lesson-error"])


def stage_html(text: str, questions: tuple[Question | str, ...]) -> str:
    asks = "".join(
        f"<li>{md_html(getattr(q, 'text', q)).removeprefix('<p>').removesuffix('</p>')}</li>"
        for q in questions
    )
    return md_html(text) + (f'<ul class="lesson-questions">{asks}</ul>' if asks else "")


def stage_holds(stage: Stage, tables: Any) -> bool:
    """Whether every check of `stage` holds in the run on screen, as of the stage's week."""
    return all(holds(c, {"here": tables}, stage.week) for c in stage.checks)


@solara.component
def StageCard(
    session: Session, le: Lesson, stage: Stage, newest: bool, tables: Callable[[], Any]
) -> None:
    """One note: its text and questions, its try buttons, and a warning if the run on screen
    is not the one it describes."""
    label = f"Week {stage.week}" if stage.week else "Start"
    with solara.Card(label, classes=["lesson-current" if newest else "lesson-earlier"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=stage_html(stage.text, stage.questions),
            classes=["lesson-text"],
        )
        if stage.checks and not stage_holds(stage, tables()):
            solara.Warning(
                "This note describes the lesson's own run; in the run on screen it does not hold.",
                dense=True,
                classes=["lesson-stale"],
            )
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            for t in stage.tries:
                solara.Button(
                    f"Try: {t.label}",
                    outlined=True,
                    color="primary",
                    classes=["lesson-try"],
                    on_click=guarded(lambda t=t: try_this(session, le, t), session.error.set),
                )


@solara.component
def LessonPanel(session: Session) -> None:
    """The active lesson: its summary, the newest stage reached (with questions), earlier ones
    below."""
    use_tick()
    le = find_lesson(session.lesson.value)
    if le is None:  # ended: the page drops this panel on its own re-render
        return
    m = session.market.value
    cache: dict[str, Any] = {}
    tables = lambda: cache.setdefault("t", run_tables(m))  # noqa: E731 - only if a note checks
    heading(le.title, level=3)
    solara.HTML(tag="div", unsafe_innerHTML=md_html(le.summary), classes=["lesson-summary"])
    trial = le.find_try(session.trial.value)
    if trial is not None:
        with solara.Row(gap="6px", style={"align-items": "center"}, classes=["lesson-trial"]):
            solara.Text(f"Now running: {trial.label}.", style={"font-weight": "600"})
            solara.Button(
                "Back to the lesson's run",
                outlined=True,
                on_click=guarded(lambda: try_this(session, le, None), session.error.set),
            )
    reached = le.reached(m.week)
    for i, stage in enumerate(reversed(reached)):
        StageCard(session, le, stage, i == 0, tables)
    upcoming = le.next_stage(m.week)
    if upcoming is not None:
        solara.Text(
            f"Next note at week {upcoming.week} ({upcoming.week - m.week} to go).",
            style={"color": "#666"},
        )
