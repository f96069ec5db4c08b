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


PAGE_WAIT = 30.0  # seconds Play waits for the page to show a week before it gives up and pauses


@dataclass
class Pacing:
    """What Play's loop waits on, one per session: the page's last report of the week it shows,
    and which loop thread steps."""

    changed: threading.Condition  # on the session's lock: notified on a report, Pause and Reset
    shown: str = ""  # the run bar's stamp the page last reported showing
    reporting: bool = False  # a page has reported at all (never, without a browser)
    thread: threading.Thread | None = None  # the loop that steps (set by its first step)


@dataclass
class Session:
    """Reactive handles for one session.

    `lock` orders everything that touches the model: a step and its redraw, Play, Pause, Reset,
    and the week the run bar shows. Play's loop (`use_play` in server/app.py) calls `step`, which
    steps only once the page shows the current week, and only if Play is still on: that is
    checked under the lock immediately before stepping, and Pause clears the flag under the same
    lock. So once Pause is handled no week starts (one under way finishes and is redrawn before
    the page shows Play again), and a page never lags more than one week behind the run: Pause
    pressed while it shows week n leaves the run at n or n + 1.
    """

    market: solara.Reactive[GpuMarket]
    spec: solara.Reactive[RunSpec]
    playing: solara.Reactive[bool]
    speed: solara.Reactive[str]  # a key of PLAY_SPEEDS
    error: solara.Reactive[str | None]
    lesson: solara.Reactive[str | None]
    tab: solara.Reactive[int]
    version: solara.Reactive[int]  # bumped on every step and reset: the charts' redraw signal
    lock: threading.RLock = field(default_factory=threading.RLock)
    pacing: Pacing | None = None  # made on the lock in __post_init__ unless given

    def __post_init__(self) -> None:
        if self.pacing is None:
            self.pacing = Pacing(threading.Condition(self.lock))

    def step(self, weeks: int = 1) -> bool:
        """Play's step: `weeks` weeks forward once the page shows the current week, and only if
        Play is still on. False when the loop should stop: paused, the run is over, the page
        stopped answering for PAGE_WAIT seconds (Play is then switched off), or another loop owns
        Play (one left over from a quick Pause and Play never steps beside the new one)."""
        pacing = self.pacing
        me = threading.current_thread()
        with self.lock:
            if pacing.reporting and not pacing.changed.wait_for(
                lambda: not self._may_play(me) or pacing.shown == self.stamp(), PAGE_WAIT
            ):
                self.playing.set(False)
                return False
            if not self._may_play(me):  # under the lock, right before the step
                return False
            pacing.thread = me
            if not self._advance(weeks):
                self.playing.set(False)
                return False
            return True

    def _may_play(self, thread: threading.Thread) -> bool:
        owner = self.pacing.thread
        return self.playing.value and (owner in (None, thread) or not owner.is_alive())

    def advance(self, weeks: int = 1) -> None:
        """Step by hand (the Step button): nothing while Play is on."""
        with self.lock:
            if not self.playing.value:
                self._advance(weeks)

    def _advance(self, weeks: int) -> bool:
        """Step and redraw (the caller holds the lock); False once the run is over."""
        m = self.market.value
        stepped = 0
        while stepped < weeks and m.running:
            m.step()
            stepped += 1
        if stepped:
            self.redraw()
        return m.running

    def play(self) -> None:
        """Switch Play on (server/app.py's loop then calls `step` at the chosen speed)."""
        with self.lock:
            if self.market.value.running and not self.playing.value:
                self.pacing.thread = None
                self.playing.set(True)

    def pause(self) -> None:
        """Switch Play off. Waits for a step under way and its redraw; no step starts after."""
        with self.lock:
            self.playing.set(False)
            self.pacing.changed.notify_all()

    def page_shows(self, stamp: str) -> None:
        """The page reports that its run bar now shows `stamp` (see `stamp`)."""
        with self.lock:
            self.pacing.shown = stamp
            self.pacing.reporting = True
            self.pacing.changed.notify_all()

    def stamp(self) -> str:
        """The run and week the run bar shows, "run:week:weeks", read under the lock (never a
        week half stepped). The run's id tells a new run's week 3 from the old run's."""
        with self.lock:
            m = self.market.value
            return f"{id(m)}:{m.week}:{m.weeks}"

    def reset(self, spec: RunSpec | None = None) -> bool:
        """Start again from `spec` (default: the current one). On bad settings, keep the run."""
        spec = spec or self.spec.value
        try:
            fresh = spec.build()
        except (ScenarioError, ValueError) as exc:
            self.error.set(str(exc))
            return False
        with self.lock:
            self.playing.set(False)
            self.market.set(fresh)
            self.spec.set(spec)
            self.pacing.changed.notify_all()
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
    lock = solara.use_memo(threading.RLock, [])
    return Session(
        market=solara.use_reactive(model),
        spec=solara.use_reactive(first),
        playing=solara.use_reactive(False),
        speed=solara.use_reactive("normal"),
        error=solara.use_reactive(None),
        lesson=solara.use_reactive(None),
        tab=solara.use_reactive(0),
        version=solara.use_reactive(0),
        lock=lock,
        pacing=solara.use_memo(lambda: Pacing(threading.Condition(lock)), []),
    )
