"""The browser app: `solara run server/app.py` (or `make app`); in Jupyter, display `Page()`.

Each session (browser tab or notebook cell) gets its own `GpuMarket`; controls are derived from the
model's parameter definitions; every view reads the model's three tables and redraws in place.
"""

from __future__ import annotations

import os

# Telemetry off: the env var covers a notebook importing us first; `solara run` read its settings
# before loading this file, so the setting itself is switched off below as well.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import time
from collections.abc import Callable

import solara
import solara.checks
import solara.lab
import solara.server.settings

from server.components.allocations import AllocationsView
from server.components.compare import CompareView
from server.components.controls import Controls
from server.components.downloads import Downloads
from server.components.events import EventLog
from server.components.fairness import FairnessView
from server.components.flow import FlowView
from server.components.friction import FrictionView
from server.components.headline import Headline
from server.components.lessons import LessonPanel, LessonPicker
from server.components.negotiation import NegotiationView
from server.components.supply import SupplyView
from server.session import PLAY_SPEEDS, RunContext, RunSpec, Session, use_session

solara.server.settings.telemetry.mixpanel_enable = False
# Outside production mode Solara's page also loads a hidden solara.dev iframe once per machine to
# count
# installs; an offline classroom gets a failed request, and we do not call home either way.
solara.checks.should_perform_solara_check = lambda: False
VIEWS: dict[str, tuple[str, Callable[[Session], object]]] = {
    "allocations": ("Allocations", lambda s: AllocationsView(s.market.value)),
    "supply": ("Idle, backlog, price", lambda s: SupplyView(s.market.value)),
    "friction": ("Friction", lambda s: FrictionView(s.market.value)),
    "fairness": ("Fairness", lambda s: FairnessView(s.market.value)),
    "flows": ("Flows", lambda s: FlowView(s.market.value)),
    "events": ("Events", lambda s: EventLog(s.market.value)),
    "negotiation": ("Negotiation", lambda s: NegotiationView(s.market.value)),
    "compare": ("Compare", CompareView),
}


def use_play(session: Session) -> None:
    """While Play is on, step a week at a time in a background task; Pause ends the loop."""

    def loop() -> None:
        # `Session.step` checks Play under the session's lock right before each week and waits
        # for the page to show the last one; the pause between weeks sets the speed.
        while session.step(1):
            time.sleep(PLAY_SPEEDS[session.speed.value])
        if session.playing.value:
            session.playing.set(False)

    solara.lab.use_task(loop, dependencies=[session.playing.value], prefer_threaded=True)


CSS = """
.compare-results td, .compare-results th { padding: 2px 14px; text-align: right; }
.compare-results td:first-child, .compare-results th:first-child { text-align: left; }
.event-log li { margin: 2px 0; }
.lesson-panel { background: #fffbea; border-left: 4px solid #f9a825; padding: 8px 12px; }
.lesson-questions li { font-style: italic; }
"""


@solara.component
def Page(initial: RunSpec | None = None) -> None:
    """The whole app for one session: controls left, views centre, the lesson (if any) right."""
    session = use_session(initial)
    RunContext.provide(session)
    use_play(session)
    solara.Title("GPU allocation: who gets the chips")
    solara.Style(CSS)
    keys = list(VIEWS)
    lesson_on = session.lesson.value is not None
    with solara.Columns([3, 9, 4] if lesson_on else [3, 13], style={"padding": "8px 16px"}):
        with solara.Column(style={"gap": "6px"}):
            solara.Text("GPU allocation", style={"font-size": "22px", "font-weight": "600"})
            Controls(session).key(f"controls-{id(session.market.value)}")
            LessonPicker(session, keys)
            Downloads(session)
        with solara.Column():
            Headline(session.market.value)
            with solara.v.Tabs(
                v_model=session.tab.value, on_v_model=session.tab.set, show_arrows=True
            ):
                for key in keys:
                    solara.v.Tab(children=[VIEWS[key][0]])
            VIEWS[keys[session.tab.value]][1](session)
        if lesson_on:
            with solara.Column(classes=["lesson-panel"]):
                LessonPanel(session)
