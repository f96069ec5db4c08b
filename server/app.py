"""The browser app: `solara run server/app.py` (or `make app`); in Jupyter, display `Page()`.

Each session (browser tab or notebook cell) gets its own `GpuMarket`; controls are derived from the
model's parameter definitions; every view reads the model's three tables and redraws in place.
The layout fits the screens a class uses: a sidebar with its own scroll whose run bar (Step, Play,
Reset, the week) stays in view, collapsing to that run bar on narrow screens; tabs that wrap
instead of scrolling; and a presenter mode (`?presenter=1`) with big text for a projector.
"""

from __future__ import annotations

import os

# Telemetry off: the env var covers a notebook importing us first; `solara run` read its settings
# before loading this file, so the setting itself is switched off below as well.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import time
import urllib.parse
from collections.abc import Callable

import ipyvuetify
import solara
import solara.checks
import solara.lab
import solara.server.settings
import traitlets

from server.components.about import AboutView
from server.components.allocations import AllocationsView
from server.components.common import PresenterContext
from server.components.compare import CompareView
from server.components.controls import Controls
from server.components.downloads import Downloads
from server.components.events import EventLog
from server.components.fairness import FairnessView
from server.components.flow import FlowView
from server.components.friction import FrictionView
from server.components.headline import Headline
from server.components.lessons import LessonPanel, LessonPicker
from server.components.narration import Narration
from server.components.negotiation import NegotiationView
from server.components.record import RealityCheck
from server.components.supply import SupplyView
from server.rooms.pages import routes as room_routes
from server.session import PLAY_SPEEDS, RunContext, RunSpec, Session, use_session

solara.server.settings.telemetry.mixpanel_enable = False
solara.server.settings.theme.show_banner = False  # its fixed corner badge covered the page
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
    "record": ("Reality check", lambda s: RealityCheck(s.market.value)),
    "about": ("About", lambda s: AboutView(s.market.value)),
}
PRESENTER_KEY = "presenter"


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


def presenter_from_query(search: str | None) -> bool:
    """`?presenter=1` asks for presenter mode. The address is untrusted: only the values 0 and 1
    count, anything else (or a malformed query) leaves presenter mode off."""
    if not search or len(search) > 2_000:
        return False
    try:
        pairs = urllib.parse.parse_qsl(search.removeprefix("?"), max_num_fields=50)
    except ValueError:
        return False
    values = [v for k, v in pairs if k == PRESENTER_KEY]
    return len(values) == 1 and values[0] == "1"


def use_initial_presenter() -> bool:
    """Presenter mode as the page's address asked for it when the page opened (read once)."""
    router = solara.use_router()
    search = getattr(router, "search", None)
    return solara.use_memo(lambda: presenter_from_query(search), [])


CSS = """
.compare-results td, .compare-results th { padding: 2px 14px; text-align: right; }
.compare-results td:first-child, .compare-results th:first-child { text-align: left; }
.compare-delays { margin-top: 8px; }
.event-log li { margin: 2px 0; }
.lesson-panel { background: #fffbea; border-left: 4px solid #f9a825; padding: 8px 12px; }
.lesson-questions li { font-style: italic; }
.lesson-summary { font-size: 14px; }
.lesson-trial { flex-wrap: wrap; }
.lesson-panel .v-btn { max-width: 100%; height: auto !important; min-height: 32px;
  padding: 6px 10px !important; }
.lesson-panel .v-btn__content { white-space: normal; text-align: left; flex-shrink: 1;
  min-width: 0; }
.lesson-current .lesson-text { font-size: 15px; }
.lesson-earlier .lesson-text { font-size: 13px; color: #666; }
.v-btn.success { background-color: #2e7d32 !important; }  /* white text at 5:1, not 2.9:1 */

/* The frame: sidebar | views | lesson. The sidebar scrolls on its own; its run bar sticks. */
.app-shell { display: grid; grid-template-columns: minmax(250px, 300px) minmax(0, 1fr);
  column-gap: 20px; padding: 4px 16px 16px 16px; align-items: start; }
.app-shell.with-lesson {
  grid-template-columns: minmax(240px, 280px) minmax(0, 1fr) minmax(250px, 330px); }
.app-sidebar { position: sticky; top: 0; max-height: 100vh; overflow-y: auto;
  overflow-x: hidden; padding: 0 6px 12px 2px; display: flex; flex-direction: column;
  gap: 8px; }
.app-main, .app-lesson { min-width: 0; }
.app-lesson { position: sticky; top: 0; max-height: 100vh; overflow-y: auto; }
.app-title-row { display: flex; align-items: center; flex-wrap: wrap; gap: 4px 10px;
  padding-top: 4px; }
.app-title { font-size: 22px; font-weight: 600; margin: 0; }
.app-controls > * > :has(.run-play) { position: sticky; top: 0; z-index: 3;
  background: #fff; padding: 4px 0 6px 0; }
.app-sidebar .v-btn { min-width: 0 !important; }
.app-sidebar .v-btn-toggle > .v-btn { padding: 0 10px !important; }
.sidebar-toggle { display: none !important; }
.app-sidebar .v-input--switch { margin-top: 0; }
.app-sidebar .v-input--switch .v-messages { display: none; }
.app-downloads .v-btn { text-transform: none; padding: 0 10px !important; }
.app-sidebar [style*="flex-direction: row"] { flex-wrap: wrap; row-gap: 6px; }

/* Headline cards and the week's narration */
.headline-row { display: flex; flex-wrap: wrap; gap: 6px; }
.headline { padding: 4px 10px; border: 1px solid #ddd; border-radius: 6px; min-width: 104px; }
.headline:focus { outline: 2px solid #0077bb; }
.headline-label { font-size: 12px; color: #555; display: block; }
.narration { font-size: 15px; margin: 8px 0 2px 0; color: #212121; }

/* Tabs wrap onto a second row rather than hiding behind arrows */
.view-tabs .v-slide-group__prev, .view-tabs .v-slide-group__next { display: none !important; }
.view-tabs .v-tabs-bar { height: auto !important; }
.view-tabs .v-slide-group__wrapper { overflow: visible !important; contain: none !important;
  flex: 1 1 auto; min-width: 0; }
.view-tabs .v-slide-group__content { flex-wrap: wrap; transform: none !important;
  flex: 1 1 auto; min-width: 0; max-width: 100%; }
.view-tabs .v-tabs-slider-wrapper { display: none !important; }
.view-tabs .v-tab { min-width: 0 !important; padding: 0 12px !important; height: 40px;
  text-transform: none; letter-spacing: 0; font-size: 15px;
  border-bottom: 3px solid transparent; }
.view-tabs .v-tab.v-tab--active { border-bottom-color: currentColor; font-weight: 600; }
.view-tabs .v-tab:focus-visible { outline: 2px solid #0077bb; outline-offset: -2px; }

/* Views */
.flow-pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
  gap: 0 16px; }
.compare-pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr));
  gap: 0 16px; }
.presenter .compare-pair { grid-template-columns: repeat(auto-fit, minmax(620px, 1fr)); }
.compare-pair > * { min-width: 0; }
.flow-moved { font-size: 15px; font-weight: 600; }
.presenter .flow-moved { font-size: 20px; }
.about { max-width: 980px; font-size: 15px; }
.about-glossary th { text-align: left; padding: 2px 12px 2px 0; vertical-align: top;
  white-space: nowrap; }
.about-glossary td { padding: 2px 0; }
.v-tooltip__content { font-size: 14px; max-width: 420px; }

/* Presenter mode: big text for the back of the room */
/* compact around the big figures, so a 720-line projector still shows a chart */
.presenter .narration { font-size: 19px; line-height: 1.3; }
.presenter .headline-label { font-size: 14px; }
.presenter .headline { min-width: 0; padding: 1px 8px 2px 8px; }
.presenter .view-tabs .v-tab { font-size: 18px; height: 42px; padding: 0 10px !important; }
.presenter .run-week { font-size: 24px !important; }
.presenter h4 { font-size: 22px; }
.presenter .about, .presenter .lesson-panel, .presenter .event-log { font-size: 19px; }
.presenter .lesson-summary, .presenter .lesson-earlier .lesson-text { font-size: 16px; }
.presenter .lesson-current .lesson-text { font-size: 19px; }
.presenter .compare-results { font-size: 18px; }
.presenter-mode .v-tooltip__content { font-size: 20px; max-width: 560px; }
.presenter .app-sidebar .v-btn:not(.v-btn--small) { font-size: 17px; height: 44px; }

/* Between: the lesson goes under the views */
@media (max-width: 1180px) {
  .app-shell.with-lesson { grid-template-columns: minmax(240px, 270px) minmax(0, 1fr); }
  .app-shell.with-lesson .app-lesson { grid-column: 2; position: static; max-height: none; }
}
/* Narrow: one column; the sidebar folds to its run bar, sticky at the top */
@media (max-width: 900px) {
  .app-shell, .app-shell.with-lesson { grid-template-columns: minmax(0, 1fr); }
  .app-shell.with-lesson .app-lesson { grid-column: 1; grid-row: 2; max-height: 40vh;
    overflow-y: auto; margin-top: 6px; }  /* the note above the views, scrolling on its own */
  .headline { min-width: 88px; padding: 3px 8px; }
  .app-sidebar { z-index: 5; background: #fff; max-height: none; overflow: visible;
    border-bottom: 1px solid #ddd; padding-bottom: 6px; }
  .app-sidebar.open { position: static; }  /* open: the settings flow in the page */
  .sidebar-toggle { display: inline-flex !important; }
  .app-sidebar:not(.open) .sidebar-more { display: none !important; }
  .app-sidebar:not(.open) .app-controls > * > :not(:has(.run-play)) { display: none !important; }
  .app-sidebar:not(.open) .app-controls > * > :has(.run-play) {
    flex-direction: row !important; flex-wrap: wrap; align-items: center; column-gap: 12px; }
  .flow-pair { grid-template-columns: minmax(0, 1fr); }
}
"""


PAGE_SHIM = """
<template><span class="page-shim" style="display: none"></span></template>
<script>
module.exports = {
  // What the page shell itself must get right for screen readers and keyboards, and what the
  // widget library gets wrong (Vuetify 2's selects and unnamed sliders), fixed in the DOM.
  watch: { presenter() { this.mode(); } },
  mounted() {
    this.mode();
    document.documentElement.lang = document.documentElement.lang || "en";
    const meta = document.querySelector("meta[name=viewport]");
    if (meta) meta.content = "width=device-width, initial-scale=1";  // pinch-zoom allowed
    this.pending = false;
    this.observer = new MutationObserver(() => this.schedule());
    this.observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                          attributeFilter: ["role", "aria-label"]});
    this.onKey = (event) => this.arrows(event);
    document.addEventListener("keydown", this.onKey, true);
    this.fix();
  },
  beforeDestroy() {
    this.observer.disconnect();
    document.removeEventListener("keydown", this.onKey, true);
  },
  methods: {
    mode() {
      // Tooltips and menus live outside the page's box: the body carries presenter mode.
      document.body.classList.toggle("presenter-mode", this.presenter);
    },
    schedule() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => { this.pending = false; this.fix(); });
    },
    fix() {
      // A select's clickable box is a "button" holding a text input: make it the combobox it
      // is, named by its label, so nothing interactive sits inside a button.
      for (const slot of document.querySelectorAll(".v-select .v-input__slot[role=button]")) {
        slot.setAttribute("role", "combobox");
        const label = slot.querySelector("label");
        if (label && !slot.getAttribute("aria-label"))
          slot.setAttribute("aria-label", label.textContent.trim());
      }
      // A slider drawn under its own caption ("Supply multiplier: 1") is named by it.
      for (const thumb of document.querySelectorAll("[role=slider]")) {
        if (thumb.getAttribute("aria-label")) continue;
        const caption = thumb.closest(".v-input")?.previousElementSibling;
        const text = caption ? caption.textContent.split(":")[0].trim() : "";
        if (text) thumb.setAttribute("aria-label", text);
      }
    },
    arrows(event) {
      // Arrow keys, Home and End move between tabs (Enter or Space then opens one).
      const tab = event.target.closest && event.target.closest("[role=tab]");
      if (!tab) return;
      const tabs = [...tab.parentElement.querySelectorAll("[role=tab]")];
      const i = tabs.indexOf(tab);
      const to = {ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1,
                  Home: 0, End: tabs.length - 1}[event.key];
      if (to === undefined) return;
      event.preventDefault();
      tabs[(to + tabs.length) % tabs.length].focus();
    },
  },
};
</script>
"""


class PageShim(ipyvuetify.VuetifyTemplate):
    """Browser-side fixes for accessibility and keyboard use, and presenter mode on the page's
    body (see PAGE_SHIM); draws nothing."""

    template = traitlets.Unicode(PAGE_SHIM).tag(sync=True)
    presenter = traitlets.Bool(False).tag(sync=True)


@solara.component
def TitleRow(presenter: solara.Reactive[bool], sidebar_open: solara.Reactive[bool]) -> None:
    """The app's name, the presenter switch, and (on narrow screens) the settings toggle."""

    def set_presenter(value: object) -> None:
        if isinstance(value, bool):  # a browser may send anything
            presenter.set(value)

    with solara.Div(classes=["app-title-row"]):
        solara.v.Html(tag="h1", children=["GPU allocation"], class_="app-title")
        solara.Switch(
            label="Presenter mode",
            value=presenter.value,
            on_value=set_presenter,
            classes=["presenter-switch"],
        )
        solara.Button(
            "Hide settings" if sidebar_open.value else "Settings and lessons",
            on_click=lambda: sidebar_open.set(not sidebar_open.value),
            outlined=True,
            small=True,
            classes=["sidebar-toggle"],
            attributes={"aria-expanded": "true" if sidebar_open.value else "false"},
        )


@solara.component
def ViewTabs(session: Session, keys: list[str]) -> None:
    """One tab per view; they wrap onto a second row on a narrow screen."""
    with solara.v.Tabs(
        v_model=session.tab.value,
        on_v_model=lambda i: session.choose_tab(i, len(keys)),
        show_arrows=False,
        class_="view-tabs",
        height="auto",
    ):
        for key in keys:
            solara.v.Tab(children=[VIEWS[key][0]])


@solara.component
def Page(initial: RunSpec | None = None) -> None:
    """The whole app for one session: controls left, views centre, the lesson (if any) right."""
    session = use_session(initial, list(VIEWS))
    RunContext.provide(session)
    use_play(session)
    presenter = solara.use_reactive(use_initial_presenter())
    PresenterContext.provide(presenter.value)
    sidebar_open = solara.use_reactive(False)
    solara.Title("GPU allocation: who gets the chips")
    solara.Style(CSS)
    PageShim.element(presenter=presenter.value)
    keys = list(VIEWS)
    lesson_on = session.lesson.value is not None
    shell = ["app-shell"] + ["presenter"] * presenter.value + ["with-lesson"] * lesson_on
    with solara.Div(classes=shell):
        with solara.Div(classes=["app-sidebar"] + ["open"] * sidebar_open.value):
            TitleRow(presenter, sidebar_open)
            with solara.Div(classes=["sidebar-more", "app-lessons"]):
                LessonPicker(session, keys)
            with solara.Div(classes=["app-controls"]):
                Controls(session).key(f"controls-{id(session.market.value)}")
            with solara.Div(classes=["sidebar-more", "app-downloads"]):
                Downloads(session)
        with solara.Div(classes=["app-main"]):
            Headline(session.market.value)
            Narration(session.market.value)
            ViewTabs(session, keys)
            VIEWS[keys[session.tab.value]][1](session)
        if lesson_on:
            with solara.Div(classes=["app-lesson"]), solara.Column(classes=["lesson-panel"]):
                LessonPanel(session)


@solara.component
def AppPage(children: list | None = None) -> None:
    """Solara's layout without its route tabs: `/teacher` and `/play` are reached by link, and a
    tab bar of them on the run page would push the run bar down."""
    solara.AppLayout(children=children or [], navigation=False)


# The run page at /, and the live classroom rooms: /teacher (the teacher's secret link) and /play.
routes = [solara.Route(path="/", component=Page, layout=AppPage), *room_routes()]
