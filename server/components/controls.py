"""The run controls (Step, Play/Pause, Reset) and the settings form derived from the scenario.

Settings are a draft until Reset: Reset builds a new model from them, and if they are invalid the
message appears inline and the current run carries on untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import ipyvuetify
import solara
import traitlets

from model.params import ScenarioError
from model.scenario import load_scenario, scenario_names
from server.levers import Lever, levers, parse_int, seed_lever, shock_levers, shock_override
from server.session import PLAY_SPEEDS, RunSpec, Session, freeze, use_tick

SHOCKS = "supply.shocks"
LABEL_STYLE = {"font-size": "13px", "color": "rgba(0,0,0,0.6)"}


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
    base = load_scenario(d.scenario)
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
def LeverInput(lever: Lever, value: Any, on_value: Any) -> None:
    """One control, chosen from the parameter's type and metadata."""
    if lever.kind in ("select", "order"):
        labels = [lever.show(c) for c in lever.choices]
        pick = lambda text: on_value(lever.choices[labels.index(text)])  # noqa: E731
        solara.Select(label=lever.label, values=labels, value=lever.show(value), on_value=pick)
        return
    unit = f" {lever.unit}" if lever.unit else ""
    shown = (
        f"{int(value):+d}"
        if lever.kind == "int" and lever.min is not None and lever.min < 0
        else f"{value:g}"
    )
    solara.Text(f"{lever.label}: {shown}{unit}", style=LABEL_STYLE)
    if lever.kind == "int":
        solara.SliderInt(
            "",
            min=int(lever.min),
            max=int(lever.max),
            value=int(value),
            on_value=on_value,
            tick_labels="end_points",
        )
    else:
        solara.SliderFloat(
            "",
            min=lever.min,
            max=lever.max,
            step=0.05,
            value=float(value),
            on_value=on_value,
            tick_labels="end_points",
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


@solara.component
def RunBar(session: Session, draft: Draft) -> None:
    """Step, Play/Pause and Reset, with the week and date of the run."""
    use_tick()
    stamp = session.stamp()
    running = session.market.value.running
    playing = session.playing.value
    WeekLabel.element(stamp=stamp, on_shown=session.page_shows)

    def reset() -> None:
        spec, problem = check(draft)
        if problem or spec is None:
            session.error.set(problem)
            return
        session.reset(spec)

    with solara.Row(gap="6px"):
        solara.Button(
            "Step",
            color="primary",
            on_click=lambda: session.advance(1),
            disabled=playing or not running,
        )
        solara.Button(  # does what its label says, even when pressed twice before a redraw
            "Pause" if playing else "Play",
            color="primary",
            disabled=not running and not playing,
            on_click=session.pause if playing else session.play,
            classes=["run-play"],
        )
        solara.Button("Reset", color="secondary", on_click=reset)
    solara.ToggleButtonsSingle(
        value=session.speed.value,
        values=list(PLAY_SPEEDS),
        on_value=session.speed.set,
        dense=True,
        classes=["run-speed"],
    )
    if session.error.value:
        solara.Error(session.error.value, classes=["run-error"])


@solara.component
def Controls(session: Session) -> None:
    """The settings form; remounted (via key) whenever a new run starts, so it shows that run."""
    spec = session.spec.value
    draft, set_draft = solara.use_state(solara.use_memo(lambda: draft_from(spec), [spec]))
    scenario = solara.use_memo(lambda: load_scenario(draft.scenario), [draft.scenario])
    values = dict(draft.values)

    def set_value(path: str, v: Any) -> None:
        set_draft(replace(draft, values=tuple({**values, path: v}.items())))

    def set_scenario(name: str) -> None:
        set_draft(
            draft_from(RunSpec(name))
        )  # another scenario: its own defaults, no carried overrides

    RunBar(session, draft)
    solara.Select(
        label="Scenario", values=scenario_names(), value=draft.scenario, on_value=set_scenario
    )
    solara.Text(scenario.description, style={"font-size": "13px", "color": "#555"})
    for lever in levers(scenario):
        LeverInput(
            lever, values.get(lever.path, lever.default), lambda v, p=lever.path: set_value(p, v)
        )
    seed = seed_lever(scenario)
    solara.InputText(
        seed.label,
        value=draft.seed,
        on_value=lambda v: set_draft(replace(draft, seed=v)),
        continuous_update=True,
    )
    solara.Checkbox(
        label="Add a supply shock",
        value=draft.shock,
        on_value=lambda v: set_draft(replace(draft, shock=v)),
    )
    if draft.shock:
        start, weeks, factor = shock_levers(scenario)
        solara.InputText(
            start.label,
            value=draft.shock_start,
            continuous_update=True,
            on_value=lambda v: set_draft(replace(draft, shock_start=v)),
        )
        solara.InputText(
            f"{weeks.label} ({weeks.unit})",
            value=draft.shock_weeks,
            continuous_update=True,
            on_value=lambda v: set_draft(replace(draft, shock_weeks=v)),
        )
        solara.SliderFloat(
            factor.label,
            min=factor.min,
            max=factor.max,
            step=0.05,
            value=draft.shock_factor,
            on_value=lambda v: set_draft(replace(draft, shock_factor=v)),
        )
    wanted, problem = solara.use_memo(lambda: check(draft), [draft])
    if problem:
        solara.Error(problem, classes=["input-error"])
    elif wanted is not None and wanted.canonical() != spec.canonical():
        solara.Info("Press Reset to start a run with these settings.", dense=True)
