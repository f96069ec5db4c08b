"""A run's recipe and one browser session's state: the model, how it was built, play state.

Nothing here lives at module level: every session (browser tab, notebook cell) builds its own
`GpuMarket`, so two tabs never share a run.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from model.market import GpuMarket
from model.params import ScenarioError, short
from model.scenario import Scenario, load_scenario
from server.curriculum import find_lesson, lessons
from server.levers import SHOCK_PATH, Lever, levers, seed_lever, shock_levers, shock_override
from server.runspec import RunSpec, builtin_scenarios, check_scenario, freeze  # noqa: F401

logger = logging.getLogger(__name__)


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
    trial: solara.Reactive[str | None] = field(default_factory=lambda: solara.reactive(None))

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
            self.spec.set(spec)  # before the model: a form remounted for the new run reads it
            self.market.set(fresh)
            self.pacing.changed.notify_all()
        self.error.set(None)
        self.redraw()
        return True

    def choose_tab(self, index: Any, count: int) -> None:
        """Open view `index` of `count` (the Tabs' v_model: a browser may send anything)."""
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < count:
            self.tab.set(index)
        else:
            logger.warning("refused a tab index %s of %d views", short(index), count)

    def redraw(self) -> None:
        with self.lock:
            self.version.set(self.version.value + 1)


# --- links: the run in the page's address, so a link (or a reload) re-simulates it ------------

MAX_LINK = 2_000  # characters of query string a link may have
MAX_VALUE = 200  # characters of one value
LINK_KEYS = ("scenario", "lesson", "try", "week", "seed", "shock")
NO_SHOCK = "none"


@dataclass(frozen=True)
class Link:
    """What a link asks for: a run, how many weeks into it, and the lesson (and try) it is in."""

    spec: RunSpec
    week: int = 0
    lesson: str | None = None
    trial: str | None = None

    def build(self) -> GpuMarket:
        return self.spec.build().run(self.week) if self.week else self.spec.build()


@dataclass(frozen=True)
class LinkError:
    """Why a link was refused, in one line for the page."""

    message: str


def spec_from_url(query: str | None) -> Link | LinkError:
    """The run a page address's query string describes, every value checked as a form's would
    be: built-in scenario and lesson names only, settings the app offers, choices from their
    registries, numbers in range. Never raises."""
    try:
        return _read_link(_query_pairs(query or ""))
    except ScenarioError as exc:
        logger.warning("refused a link: %s", exc)
        return LinkError(f"This link could not be opened: {exc}")
    except Exception:  # a bug, not the visitor's fault: keep the page, log the traceback
        logger.exception("could not read a link %s", short(query))
        return LinkError("This link could not be opened.")


def _query_pairs(query: str) -> dict[str, str]:
    query = query.removeprefix("?")
    if len(query) > MAX_LINK:
        raise ScenarioError(f"the link is longer than {MAX_LINK:,} characters")
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, max_num_fields=40)
    found: dict[str, str] = {}
    for key, value in pairs:
        if key in found:
            raise ScenarioError(f"{short(key)} is given twice")
        if len(value) > MAX_VALUE:
            raise ScenarioError(f"{short(key)}: the value is longer than {MAX_VALUE} characters")
        found[key] = value
    return found


def _read_link(q: dict[str, str]) -> Link:

    le = find_lesson(q["lesson"]) if "lesson" in q else None
    if "lesson" in q and le is None:
        raise ScenarioError(f"Lesson: {short(q['lesson'])} is not a lesson of this app")
    name = check_scenario(q.get("scenario", le.scenario if le else "baseline"))
    if le is not None and name != le.scenario:
        raise ScenarioError(f"the lesson {le.slug!r} runs the scenario {le.scenario!r}")
    if "try" in q and le is None:
        raise ScenarioError("Try: a try belongs to a lesson, and the link names none")
    trial = le.find_try(q["try"]) if le is not None and "try" in q else None
    if "try" in q and trial is None:
        raise ScenarioError(f"Try: {short(q['try'])} is not one of this lesson's tries")
    base = le.try_spec(trial) if le is not None else RunSpec(name)
    settings = _read_settings(q, load_scenario(base.scenario, base.settings))
    spec = RunSpec.of(name, {**base.settings, **settings})
    spec.validate()
    s = load_scenario(name, spec.settings)
    week = Lever("week", "Week", "", "int", 0, (), 0, s.weeks).read(q.get("week", "0"))
    return Link(spec.canonical(), week, le.slug if le else None, trial.slug if trial else None)


def _read_settings(q: dict[str, str], s: Scenario) -> dict[str, Any]:
    """The overrides a link sets on scenario `s`, each value read by its control."""
    offered = {lv.path: lv for lv in levers(s)}
    extras = declared_settings(s.name)
    out: dict[str, Any] = {}
    for key, text in q.items():
        if key in ("scenario", "lesson", "try", "week", "presenter"):  # presenter: read by the page
            continue
        if key == "seed":
            out["seed"] = seed_lever(s).read(text)
        elif key == "shock":
            out[SHOCK_PATH] = _read_shock(text, s)
        elif key in offered:
            out[key] = offered[key].read(text)
        elif key in extras:
            out[key] = _read_declared(key, text, extras[key])
        else:
            raise ScenarioError(f"{short(key)} is not a setting this app offers for {s.name}")
    return out


def _read_shock(text: str, s: Scenario) -> list[dict]:
    """`none`, or `START,WEEKS,FACTOR` (the loader checks the date lies inside the run)."""
    if text == NO_SHOCK:
        return []
    parts = text.split(",")
    if len(parts) != 3:
        raise ScenarioError(f"Shock: {short(text)} is not 'none' or START,WEEKS,FACTOR")
    _start, weeks, factor = shock_levers(s)
    return shock_override(parts[0][:10], str(weeks.read(parts[1])), factor.read(parts[2]))


def _read_declared(path: str, text: str, allowed: list[Any]) -> Any:
    """A setting with no control: only a value one of the lessons itself gives it."""
    value: Any = text
    if text not in allowed:
        try:
            value = freeze(tomllib.loads(f"v = {text}")["v"])
        except (tomllib.TOMLDecodeError, RecursionError, ValueError):
            value = None
    if value not in allowed:
        raise ScenarioError(f"{path}: {short(text)} is not a value the lessons use")
    return value


@functools.cache
def declared_settings(scenario: str) -> dict[str, list[Any]]:
    """Settings without a control that the lessons on `scenario` give, with their values."""

    out: dict[str, list[Any]] = {}
    for le in lessons():
        if le.scenario == scenario:
            for path, values in le.declared().items():
                out.setdefault(path, []).extend(values)
    return out


def url_for(session: Session) -> str:
    """The page address's query string for the session's run, week and lesson."""
    with session.lock:
        spec, week = session.spec.value, session.market.value.week
    pairs = link_pairs(spec, session.lesson.value, session.trial.value)
    return "?" + urllib.parse.urlencode([*pairs, ("week", str(week))])


def link_pairs(spec: RunSpec, lesson: str | None, trial: str | None) -> list[tuple[str, str]]:
    """The link's keys for a run (all but the week): what differs from the lesson's (or the
    scenario's) own run, as its controls write it."""

    le = find_lesson(lesson)
    if le is not None and le.scenario != spec.scenario:
        le = None
    t = le.find_try(trial) if le is not None else None
    base = le.try_spec(t) if le is not None else RunSpec(spec.scenario)
    pairs = [("scenario", spec.scenario)]
    pairs += [("lesson", le.slug)] if le else []
    pairs += [("try", t.slug)] if t else []
    now = load_scenario(spec.scenario, spec.settings)
    then = load_scenario(base.scenario, base.settings)
    was = {lv.path: lv.default for lv in levers(then)}
    for lv in levers(now):
        if freeze(lv.default) != freeze(was.get(lv.path)):
            pairs.append((lv.path, lv.write(lv.default)))
    if now.seed != then.seed:
        pairs.append(("seed", str(now.seed)))
    if _shocks(now) != _shocks(then):
        pairs.append(("shock", _write_shock(now)))
    shown = {*was, "seed", SHOCK_PATH}
    for path, value in spec.overrides:
        if path not in shown and freeze(base.settings.get(path)) != value:
            pairs.append((path, value if isinstance(value, str) else json.dumps(value)))
    return pairs


def _shocks(s: Scenario) -> tuple[tuple[str, int, float], ...]:
    return tuple((k.start, k.weeks, k.factor) for k in s.supply.shocks)


def _write_shock(s: Scenario) -> str:
    if not s.supply.shocks:
        return NO_SHOCK
    first = s.supply.shocks[0]
    return f"{first.start},{first.weeks},{first.factor:g}"


RunContext = solara.create_context(None)


def use_tick() -> int:
    """Subscribe the calling view to its own session's redraws (so a step redraws only that page).

    Outside our page (e.g. a view dropped into Mesa's SolaraViz) it falls back to Mesa's
    `update_counter`, which SolaraViz bumps after every step.
    """
    session = solara.use_context(RunContext)
    return session.version.value if session is not None else update_counter.get()


def open_link(search: str | None, initial: RunSpec | None) -> tuple[Link, GpuMarket, str | None]:
    """The first run of a page: its address's (if it has a query string) or `initial`, with the
    model built, and the message to show if the address was refused."""
    fallback = Link(initial or RunSpec())
    found = spec_from_url(search) if search else fallback
    if isinstance(found, LinkError):
        return fallback, fallback.build(), found.message
    try:
        return found, found.build(), None
    except (ScenarioError, ValueError) as exc:  # checked already: only a model's own refusal
        logger.warning("a link's run did not build: %s", exc)
        return fallback, fallback.build(), f"This link could not be opened: {exc}"


def use_session(initial: RunSpec | None = None, views: list[str] | None = None) -> Session:
    """Per-session state, created on first render of the page that calls it. Under the Solara
    server the page's address may carry a run (see `spec_from_url`): it is opened first, in its
    lesson's own view when it names a lesson (as "Start lesson" opens it)."""
    search = solara.use_router().search
    link, model, problem = solara.use_memo(lambda: open_link(search, initial), [])
    le = find_lesson(link.lesson)
    first_tab = views.index(le.view) if le is not None and le.view in (views or []) else 0
    lock = solara.use_memo(threading.RLock, [])
    return Session(
        market=solara.use_reactive(model),
        spec=solara.use_reactive(link.spec),
        playing=solara.use_reactive(False),
        speed=solara.use_reactive("normal"),
        error=solara.use_reactive(problem),
        lesson=solara.use_reactive(link.lesson),
        tab=solara.use_reactive(first_tab),
        version=solara.use_reactive(0),
        lock=lock,
        pacing=solara.use_memo(lambda: Pacing(threading.Condition(lock)), []),
        trial=solara.use_reactive(link.trial),
    )
