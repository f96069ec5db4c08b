"""The run controls (Step, Play/Pause, Reset) and the settings form derived from the scenario.

Settings are a draft until Reset: Reset builds a new model from them, and if they are invalid the
message appears inline and the current run carries on untouched. Every value a widget sends is
read by its lever (`Lever.read`: choices from their registries, numbers in range, built-in
scenarios only) before it enters the draft; a refused value gets an inline message, and a bug in
a handler is logged on the server, never shown to the page as a traceback.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import ipyvuetify
import solara
import traitlets

from model.params import ScenarioError
from model.scenario import load_scenario
from server.components.common import tooltip_for, use_presenter
from server.components.inputs import (
    LABEL_STYLE,
    Explained,
    Flag,
    LabelledSlider,
    Menu,
    Slider,
    TextBox,
    Toggle,
    guarded,
    read_flag,
    read_index,
    read_text,
)
from server.levers import Lever, levers, parse_int, seed_lever, shock_levers, shock_override
from server.session import (
    PLAY_SPEEDS,
    RunSpec,
    Session,
    builtin_scenarios,
    check_scenario,
    freeze,
    link_pairs,
    use_tick,
)

logger = logging.getLogger(__name__)
SHOCKS = "supply.shocks"


@dataclass(frozen=True)
class Draft:
    """What the form currently says (text fields stay text until Reset)."""

    scenario: str
    values: tuple[tuple[str, Any], ...]
    seed: str
    shock: bool
    shock_start: str
    shock_weeks: str
    shock_factor: float
    extra: tuple[tuple[str, Any], ...] = ()  # the run's overrides that no control shows


def draft_from(spec: RunSpec) -> Draft:
    """The form for a run: the scenario's defaults with the run's overrides applied."""
    current = load_scenario(spec.scenario, spec.settings)
    values = {lv.path: lv.default for lv in levers(current)}
    shock = {lv.path.rsplit(".", 1)[1]: lv.default for lv in shock_levers(current)}
    shown = {*values, "seed", SHOCKS}
    extra = tuple((k, v) for k, v in spec.overrides if k not in shown)
    return Draft(
        spec.scenario,
        tuple(values.items()),
        str(current.seed),
        bool(current.supply.shocks),
        str(shock["start"]),
        str(shock["weeks"]),
        float(shock["factor"]),
        extra,
    )


def spec_from(d: Draft) -> RunSpec:
    """Overrides for whatever differs from the scenario's own values; raises ScenarioError on
    text."""
    base = load_scenario(check_scenario(d.scenario))
    defaults = {lv.path: lv.default for lv in levers(base)}
    overrides: dict[str, Any] = dict(d.extra)
    overrides |= {k: v for k, v in d.values if k in defaults and freeze(v) != freeze(defaults[k])}
    seed = parse_int(d.seed, "Seed")
    if seed != base.seed:
        overrides["seed"] = seed
    if d.shock:
        shock = shock_override(d.shock_start, d.shock_weeks, d.shock_factor)
        first = base.supply.shocks[0] if base.supply.shocks else None
        same = first and (first.start, first.weeks, first.factor) == (
            shock[0]["start"],
            shock[0]["weeks"],
            shock[0]["factor"],
        )
        if not same or len(base.supply.shocks) != 1:
            overrides[SHOCKS] = shock
    elif base.supply.shocks:
        overrides[SHOCKS] = []
    return RunSpec.of(d.scenario, overrides)


def check(d: Draft) -> tuple[RunSpec | None, str | None]:
    """The run the form describes, or the message saying what is wrong with it."""
    try:
        spec = spec_from(d)
        spec.validate()
    except (ScenarioError, ValueError) as exc:
        return None, str(exc)
    return spec, None


@solara.component
def LeverInput(lever: Lever, value: Any, on_value: Callable[[Any], None], nonce: int = 0) -> None:
    """One control, chosen from the parameter's type and metadata, with the parameter's help as
    its tooltip; `on_value` gets what the browser sent, unread (the form reads it with
    `lever.read`)."""
    with Explained(tip(lever)):
        if lever.kind in ("select", "order"):
            labels = [lever.show(c) for c in lever.choices]
            Menu(lever.label, labels, lever.show(value), on_value, nonce)
            return
        unit = f" {lever.unit}" if lever.unit else ""
        shown = (
            f"{int(value):+d}"
            if lever.kind == "int" and lever.min is not None and lever.min < 0
            else f"{value:g}"
        )
        step = 1 if lever.kind == "int" else 0.05
        LabelledSlider(
            lever.label, value, lever.min, lever.max, step, on_value, nonce, f"{shown}{unit}"
        )


WEEK_LABEL = """
<template>
  <span class="run-week" style="font-size: 18px">Week {{ parts[1] }} of {{ parts[2] }}</span>
</template>
<script>
module.exports = {
  computed: { parts() { return this.stamp.split(":"); } },
  // Report back once the DOM shows a stamp: Play steps on only after the page caught up.
  mounted() { this.shown = this.stamp; },
  watch: { stamp() { this.$nextTick(() => { this.shown = this.stamp; }); } },
};
</script>
"""


class WeekLabel(ipyvuetify.VuetifyTemplate):
    """The run bar's week, drawn from the stamp "run:week:weeks"; `shown` is the page's answer:
    the stamp its DOM shows (the session's play loop waits for it, see `Session.step`)."""

    template = traitlets.Unicode(WEEK_LABEL).tag(sync=True)
    stamp = traitlets.Unicode("0:0:0").tag(sync=True)
    shown = traitlets.Unicode("").tag(sync=True)

    @property
    def text(self) -> str:
        _run, week, weeks = self.stamp.split(":")
        return f"Week {week} of {weeks}"


RUN_LINK = """
<template><span class="run-link" style="display: none"></span></template>
<script>
module.exports = {
  // Keep the address bar on this run (history.replaceState: no history entry per week), at
  // most four times a second so a fast Play never floods the browser's history API.
  created() { this.last = 0; this.timer = null; },
  mounted() { this.write(); },
  watch: { query() { this.write(); } },
  methods: {
    write() {
      clearTimeout(this.timer);
      if (!this.enabled) return;
      const wait = 250 - (Date.now() - this.last);
      if (wait > 0) { this.timer = setTimeout(() => this.write(), wait); return; }
      this.last = Date.now();
      const url = window.location.pathname + this.query + window.location.hash;
      const now = window.location.pathname + window.location.search + window.location.hash;
      if (url !== now) window.history.replaceState(window.history.state, "", url);
    },
  },
};
</script>
"""


class RunLink(ipyvuetify.VuetifyTemplate):
    """Writes `query` (see `server.session.url_for`) into the page's address, under the Solara
    server only (`enabled`): a notebook's address is left alone."""

    template = traitlets.Unicode(RUN_LINK).tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)
    enabled = traitlets.Bool(False).tag(sync=True)


def served() -> bool:
    """True under `solara run` (a page with an address of its own), False in a notebook."""
    return bool(getattr(solara, "_using_solara_server", lambda: False)())


@solara.component
def RunBar(session: Session, draft: Draft, refuse: Callable[[str], None], nonce: int) -> None:
    """Step, Play/Pause and Reset, with the week and date of the run."""
    use_tick()
    stamp = session.stamp()
    running = session.market.value.running
    playing = session.playing.value
    WeekLabel.element(stamp=stamp, on_shown=session.page_shows)
    spec, lesson, trial = session.spec.value, session.lesson.value, session.trial.value
    pairs = solara.use_memo(lambda: link_pairs(spec, lesson, trial), [spec, lesson, trial])
    week = stamp.split(":")[1]
    shown = [("presenter", "1")] if use_presenter() else []  # a link to the projector's view
    query = "?" + urllib.parse.urlencode([*pairs, ("week", week), *shown])
    RunLink.element(query=query, enabled=served())

    def reset() -> None:
        wanted, problem = check(draft)
        if problem or wanted is None:
            session.error.set(problem)
            return
        session.reset(wanted)

    with solara.Row(gap="6px"):
        solara.Button(
            "Step",
            color="primary",
            on_click=guarded(lambda: session.advance(1), refuse),
            disabled=playing or not running,
        )
        solara.Button(  # does what its label says, even when pressed twice before a redraw
            "Pause" if playing else "Play",
            color="primary",
            disabled=not running and not playing,
            on_click=guarded(session.pause if playing else session.play, refuse),
            classes=["run-play"],
        )
        solara.Button("Reset", color="secondary", on_click=guarded(reset, refuse))
    speeds = list(PLAY_SPEEDS)
    Toggle(
        speeds,
        session.speed.value,
        guarded(lambda i: session.speed.set(read_index(i, speeds, "Speed")), refuse),
        nonce,
        ("run-speed",),
    )
    if session.error.value:
        solara.Error(session.error.value, classes=["run-error"])


def use_draft(session: Session) -> tuple[Draft, Callable[[Draft], None]]:
    """The form's draft, started afresh from each new run (whether or not the page remounts
    the form), and a setter that also clears a failed Reset's message: once the form changes,
    that message no longer describes it."""
    spec = session.spec.value
    origin = (id(session.market.value), spec)
    held, hold = solara.use_state((origin, None))
    draft = held[1] if held[0] == origin and held[1] is not None else None
    fresh = solara.use_memo(lambda: draft_from(spec), [spec])

    def set_draft(d: Draft) -> None:
        session.error.set(None)
        hold((origin, d))

    return draft or fresh, set_draft


@solara.component
def Controls(session: Session) -> None:
    """The settings form: a draft of the next run, shown from the current run's settings."""
    draft, set_draft = use_draft(session)
    origin = id(session.market.value)  # a new run clears a refusal (whether or not we remount)
    (nonce, seen, refused), set_refusal = solara.use_state((0, origin, None))
    refused = refused if seen == origin else None
    refuse = lambda message: set_refusal(lambda old: (old[0] + 1, origin, message))  # noqa: E731
    scenario = solara.use_memo(lambda: load_scenario(draft.scenario), [draft.scenario])
    values = dict(draft.values)
    lesson = session.lesson.value

    def change(**fields: Any) -> None:
        wanted = replace(draft, **fields)
        if wanted != draft:  # a pinned widget set back to the draft's value changes nothing
            set_refusal(lambda old: (old[0], origin, None))
            set_draft(wanted)

    def set_scenario(name: Any) -> None:
        check_scenario(name)
        if name == draft.scenario:
            return
        if lesson is not None:
            raise ScenarioError(f"Scenario: the lesson runs {draft.scenario}; end it to change")
        set_refusal(lambda old: (old[0], origin, None))
        set_draft(draft_from(RunSpec(name)))  # another scenario: its defaults, no overrides

    def on(action: Callable[[Any], None]) -> Callable[[Any], None]:
        return guarded(action, refuse)

    RunBar(session, draft, refuse, nonce)
    names = list(builtin_scenarios())
    Menu("Scenario", names, draft.scenario, on(set_scenario), nonce, lesson is not None)
    if lesson is not None:
        solara.Text("The lesson runs this scenario.", style=LABEL_STYLE)
    solara.Text(scenario.description, style={"font-size": "13px", "color": "#555"})
    for lever in levers(scenario):
        LeverInput(
            lever,
            values.get(lever.path, lever.default),
            on(lambda v, lv=lever: change(values=tuple({**values, lv.path: lv.read(v)}.items()))),
            nonce,
        )
    ShockAndSeed(scenario, draft, change, on, nonce)
    if refused:
        solara.Error(refused, classes=["value-error"])
    wanted, problem = solara.use_memo(lambda: check(draft), [draft])
    if problem:
        solara.Error(problem, classes=["input-error"])
    elif wanted is not None and wanted.canonical() != session.spec.value.canonical():
        solara.Info("Press Reset to start a run with these settings.", dense=True)


@solara.component
def ShockAndSeed(
    scenario: Any,
    draft: Draft,
    change: Callable[..., None],
    on: Callable[[Callable[[Any], None]], Callable[[Any], None]],
    nonce: int,
) -> None:
    """The seed and the optional supply shock; text stays text until Reset checks it."""
    seed = seed_lever(scenario)
    with Explained(tip(seed)):
        TextBox(seed.label, draft.seed, on(lambda v: change(seed=read_text(v, seed.label))), nonce)
    shock = "Add a supply shock"
    Flag(shock, draft.shock, on(lambda v: change(shock=read_flag(v, shock))), nonce)
    if not draft.shock:
        return
    start, weeks, factor = shock_levers(scenario)
    with Explained(tip(start)):
        TextBox(
            start.label,
            draft.shock_start,
            on(lambda v: change(shock_start=read_text(v, start.label))),
            nonce,
        )
    with Explained(tip(weeks)):
        TextBox(
            f"{weeks.label} ({weeks.unit})",
            draft.shock_weeks,
            on(lambda v: change(shock_weeks=read_text(v, weeks.label))),
            nonce,
        )
    with Explained(tip(factor)):
        Slider(
            factor.label,
            draft.shock_factor,
            factor.min,
            factor.max,
            0.05,
            on(lambda v: change(shock_factor=factor.read(v))),
            nonce,
        )


def tip(lever: Lever) -> str:
    """A control's tooltip: its parameter's help, range and unit (one source: model.config)."""
    return tooltip_for(lever.path) or lever.help
