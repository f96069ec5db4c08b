"""Classroom mode: pick a lesson (a preset run), then read its stages beside the charts as it
runs."""

from __future__ import annotations

import solara

from server.components.common import heading, md_html
from server.curriculum import Lesson, lesson, lessons
from server.session import Session, use_tick


def start_lesson(session: Session, le: Lesson, views: list[str]) -> None:
    """Load the lesson's preset, start a fresh run, and open the view it talks about."""
    if session.reset(le.spec()):
        session.lesson.set(le.slug)
        if le.view in views:
            session.tab.set(views.index(le.view))


@solara.component
def LessonPicker(session: Session, views: list[str]) -> None:
    """A menu of lessons and a Start button (left column)."""
    titles = [le.title for le in lessons()]
    choice, set_choice = solara.use_state(titles[0])
    solara.Select(label="Lesson", values=titles, value=choice, on_value=set_choice)
    with solara.Row(gap="6px"):
        solara.Button(
            "Start lesson",
            color="success",
            on_click=lambda: start_lesson(session, lessons()[titles.index(choice)], views),
        )
        if session.lesson.value:
            solara.Button("End lesson", outlined=True, on_click=lambda: session.lesson.set(None))


def stage_html(text: str, questions: tuple[str, ...]) -> str:
    asks = "".join(
        f"<li>{md_html(q).removeprefix('<p>').removesuffix('</p>')}</li>" for q in questions
    )
    return md_html(text) + (f'<ul class="lesson-questions">{asks}</ul>' if asks else "")


@solara.component
def LessonPanel(session: Session) -> None:
    """The active lesson: its summary, the newest stage reached (with questions), earlier ones
    below."""
    use_tick()
    if session.lesson.value is None:  # ended: the page drops this panel on its own re-render
        return
    le = lesson(session.lesson.value)
    m = session.market.value
    heading(le.title, level=3)
    solara.HTML(tag="div", unsafe_innerHTML=md_html(le.summary), style="font-size: 14px;")
    reached = le.reached(m.week)
    for i, stage in enumerate(reversed(reached)):
        label = f"Week {stage.week}" if stage.week else "Start"
        style = "font-size: 15px;" if i == 0 else "font-size: 13px; color: #666;"
        with solara.Card(label, classes=["lesson-current" if i == 0 else "lesson-earlier"]):
            solara.HTML(
                tag="div", unsafe_innerHTML=stage_html(stage.text, stage.questions), style=style
            )
    upcoming = le.next_stage(m.week)
    if upcoming is not None:
        solara.Text(
            f"Next note at week {upcoming.week} ({upcoming.week - m.week} to go).",
            style={"color": "#666"},
        )
