"""A run's recipe and one browser session's state: the model, how it was built, play state.

Nothing here lives at module level: every session (browser tab, notebook cell) builds its own
`GpuMarket`, so two tabs never share a run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from model.market import GpuMarket
from model.params import ScenarioError, walk
from model.scenario import load_scenario


@dataclass(frozen=True)
class RunSpec:
    """Scenario name plus dotted-path overrides: everything needed to rebuild the same run."""

    scenario: str = "baseline"
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.overrides)

    def build(self) -> GpuMarket:
        """A fresh model; raises ScenarioError (with the field and value) on bad settings."""
        return GpuMarket(self.scenario, overrides=self.settings)

    def canonical(self) -> RunSpec:
        """The same run with overrides that merely repeat the scenario's own values dropped."""
        base = {p.path: p.default for p in walk(load_scenario(self.scenario))}
        kept = {
            k: v for k, v in self.settings.items() if k not in base or freeze(base[k]) != freeze(v)
        }
        return RunSpec.of(self.scenario, kept)

    def validate(self) -> None:
        load_scenario(self.scenario, self.settings)

    @staticmethod
    def of(scenario: str, overrides: dict[str, Any]) -> RunSpec:
        """A spec with overrides in canonical form (sorted, lists as tuples), so equal runs compare
        equal."""
        return RunSpec(scenario, tuple(sorted((k, freeze(v)) for k, v in overrides.items())))

    def with_settings(self, **changes: Any) -> RunSpec:
        """The same recipe with some overrides replaced (keys are dotted paths)."""
        return RunSpec.of(self.scenario, {**self.settings, **changes})

    def describe(self) -> str:
        extra = ", ".join(f"{k} = {_show(v)}" for k, v in self.overrides)
        return f"{self.scenario}" + (f" with {extra}" if extra else "")


def freeze(value: Any) -> Any:
    """Lists to tuples, recursively (dicts are kept: the loader reads them as tables)."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    return value


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " > ".join(map(str, value)) if all(isinstance(v, str) for v in value) else str(value)
    return str(value)


PLAY_SPEEDS = {"slow": 0.5, "normal": 0.15, "fast": 0.02}  # seconds between weeks while playing


@dataclass
class Session:
    """Reactive handles for one session; the lock keeps Play's thread and the buttons apart."""

    market: solara.Reactive[GpuMarket]
    spec: solara.Reactive[RunSpec]
    playing: solara.Reactive[bool]
    speed: solara.Reactive[str]  # a key of PLAY_SPEEDS
    error: solara.Reactive[str | None]
    lesson: solara.Reactive[str | None]
    tab: solara.Reactive[int]
    version: solara.Reactive[int]  # bumped on every step and reset: the charts' redraw signal
    lock: threading.RLock = field(default_factory=threading.RLock)

    def step(self, weeks: int = 1) -> None:
        """Advance the run and redraw the charts in place."""
        with self.lock:
            m = self.market.value
            for _ in range(weeks):
                if not m.running:
                    break
                m.step()
        if not m.running:
            self.playing.set(False)
        self.redraw()

    def reset(self, spec: RunSpec | None = None) -> bool:
        """Start again from `spec` (default: the current one). On bad settings, keep the run."""
        spec = spec or self.spec.value
        try:
            fresh = spec.build()
        except (ScenarioError, ValueError) as exc:
            self.error.set(str(exc))
            return False
        self.playing.set(False)
        with self.lock:
            self.market.set(fresh)
            self.spec.set(spec)
        self.error.set(None)
        self.redraw()
        return True

    def redraw(self) -> None:
        with self.lock:
            self.version.set(self.version.value + 1)


RunContext = solara.create_context(None)


def use_tick() -> int:
    """Subscribe the calling view to its own session's redraws (so a step redraws only that page).

    Outside our page (e.g. a view dropped into Mesa's SolaraViz) it falls back to Mesa's
    `update_counter`, which SolaraViz bumps after every step.
    """
    session = solara.use_context(RunContext)
    return session.version.value if session is not None else update_counter.get()


def use_session(initial: RunSpec | None = None) -> Session:
    """Per-session state, created on first render of the page that calls it."""
    first = solara.use_memo(lambda: initial or RunSpec(), [])
    model = solara.use_memo(first.build, [])
    return Session(
        market=solara.use_reactive(model),
        spec=solara.use_reactive(first),
        playing=solara.use_reactive(False),
        speed=solara.use_reactive("normal"),
        error=solara.use_reactive(None),
        lesson=solara.use_reactive(None),
        tab=solara.use_reactive(0),
        version=solara.use_reactive(0),
        lock=solara.use_memo(threading.RLock, []),
    )
