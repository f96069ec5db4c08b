"""Classroom lessons: presets with explanations and questions, read from server/lessons/*.toml.

A lesson names a scenario, its overrides, the view to open, and stages keyed by week; the app shows
each stage beside the charts once the run reaches that week. A stage's `checks` say, as data (see
`server.conditions`), what its text claims about the run; its `tries` are buttons that restart
the lesson's run with a change; a question may name the view and the data that answer it. Adding
a lesson is adding one file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from model.params import ScenarioError, short
from server.conditions import Condition, Measure, Test, measure, parse_condition, run_tables
from server.runspec import RunSpec, freeze

LESSON_DIR = resources.files("server") / "lessons"


@dataclass(frozen=True)
class Question:
    """A question; `view` and `check` say where its answer is and that the run holds it, or
    `tries` name the try buttons whose runs answer it."""

    text: str
    view: str | None = None
    check: tuple[Condition, ...] = ()
    tries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Try:
    """A "try this" button: the lesson's run again with `overrides`; `expect` holds in that run
    at `week`."""

    slug: str
    label: str
    overrides: tuple[tuple[str, Any], ...]
    week: int
    expect: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Stage:
    """What to read and ask once the run reaches `week`; `checks` hold in the lesson's run."""

    week: int
    text: str
    questions: tuple[Question, ...] = ()
    checks: tuple[Condition, ...] = ()
    tries: tuple[Try, ...] = ()


@dataclass(frozen=True)
class Counterfactual:
    """What Compare's run B changes in a lesson that asks for a comparison."""

    label: str
    overrides: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    summary: str
    scenario: str
    overrides: tuple[tuple[str, Any], ...]
    view: str
    stages: tuple[Stage, ...]
    order: int = 0
    compare: Counterfactual | None = None

    def spec(self) -> RunSpec:
        return RunSpec.of(self.scenario, dict(self.overrides)).canonical()

    def tries(self) -> tuple[Try, ...]:
        return tuple(t for s in self.stages for t in s.tries)

    def find_try(self, slug: Any) -> Try | None:
        return next((t for t in self.tries() if t.slug == slug), None)

    def try_spec(self, t: Try | None) -> RunSpec:
        """The lesson's run with a try's change (the lesson's own run for None)."""
        if t is None:
            return self.spec()
        return RunSpec.of(self.scenario, {**dict(self.overrides), **dict(t.overrides)}).canonical()

    def compare_spec(self, spec: RunSpec) -> RunSpec | None:
        """Compare's run B for the run `spec`, if this lesson asks for one."""
        if self.compare is None:
            return None
        return spec.with_settings(**dict(self.compare.overrides))

    def declared(self) -> dict[str, list[Any]]:
        """Every value this lesson's runs give each setting (a link may repeat only these)."""
        out: dict[str, list[Any]] = {}
        for path, value in (*self.overrides, *(kv for t in self.tries() for kv in t.overrides)):
            out.setdefault(path, []).append(freeze(value))
        return out

    def reached(self, week: int) -> list[Stage]:
        """Stages due by `week` (weeks simulated), oldest first."""
        return [s for s in self.stages if s.week <= week]

    def next_stage(self, week: int) -> Stage | None:
        return next((s for s in self.stages if s.week > week), None)


def parse_lesson(slug: str, text: str) -> Lesson:
    """Build a Lesson from TOML text; errors name the file and the field."""
    where = f"lessons/{slug}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: not valid TOML: {exc}") from None
    try:
        stages = tuple(
            _stage(s, f"{where}: stages[{i}]") for i, s in enumerate(data.get("stages", []))
        )
        lesson = Lesson(
            slug=slug,
            title=data["title"],
            summary=data.get("summary", "").strip(),
            scenario=data["scenario"],
            overrides=_overrides(data.get("overrides", {}), f"{where}: overrides"),
            view=data.get("view", "allocations"),
            stages=tuple(sorted(stages, key=lambda s: s.week)),
            order=int(data.get("order", 0)),
            compare=_counterfactual(data.get("compare"), f"{where}: compare"),
        )
    except KeyError as exc:
        raise ScenarioError(f"{where}: required field {exc.args[0]!r} is missing") from None
    if not lesson.stages:
        raise ScenarioError(f"{where}: stages: a lesson needs at least one stage")
    _check_lesson(lesson, where)
    return lesson


def _stage(data: dict, where: str) -> Stage:
    week = int(data["week"])
    checks = tuple(
        _claim(c, week, f"{where}.checks[{j}]") for j, c in enumerate(data.get("checks", []))
    )
    questions = tuple(
        _question(q, f"{where}.questions[{j}]") for j, q in enumerate(data.get("questions", []))
    )
    tries = tuple(_try(t, week, f"{where}.tries[{j}]") for j, t in enumerate(data.get("tries", [])))
    return Stage(week, str(data["text"]).strip(), questions, checks, tries)


def _claim(data: Any, week: int, where: str) -> Condition:
    """A note's check: about the run on screen, up to the note's week (it cannot foretell)."""
    c = parse_condition(data, where)
    for ms in (c.measure, c.above, c.below):
        if ms is None:
            continue
        if ms.run != "here" or ms.whole_run or c.than_lesson:
            raise ScenarioError(f"{where}: a note's check reads only its own run, to its week")
        if ms.to_week is not None and ms.to_week >= week:
            raise ScenarioError(f"{where}: to_week {ms.to_week} is not before the note's week")
    return c


def _question(data: Any, where: str) -> Question:
    if isinstance(data, str):
        return Question(data.strip())
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise ScenarioError(f"{where}: expected text or a table with text, view and check")
    checks = tuple(
        parse_condition(c, f"{where}.check[{j}]") for j, c in enumerate(data.get("check", []))
    )
    tries = data.get("tries", [])
    if not isinstance(tries, list) or not all(isinstance(t, str) for t in tries):
        raise ScenarioError(f"{where}.tries: expected a list of try labels")
    return Question(data["text"].strip(), data.get("view"), checks, tuple(map(_slug, tries)))


def _try(data: dict, week: int, where: str) -> Try:
    label = str(data["label"]).strip()
    expect = tuple(
        parse_condition(c, f"{where}.expect[{j}]") for j, c in enumerate(data.get("expect", []))
    )
    at = int(data.get("week", week))
    return Try(_slug(label), label, _overrides(data["set"], f"{where}.set"), at, expect)


def _counterfactual(data: Any, where: str) -> Counterfactual | None:
    if data is None:
        return None
    return Counterfactual(str(data["label"]), _overrides(data["set"], f"{where}.set"))


def _overrides(data: Any, where: str) -> tuple[tuple[str, Any], ...]:
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ScenarioError(f"{where}: expected a table of dotted settings, got {short(data)}")
    return tuple(data.items())


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _check_lesson(le: Lesson, where: str) -> None:
    """Tries have distinct names; only a lesson with a [compare] table reads Compare's run."""
    slugs = [t.slug for t in le.tries()]
    if len(set(slugs)) != len(slugs):
        raise ScenarioError(f"{where}: two tries have the same label")
    named = {t for s in le.stages for q in s.questions for t in q.tries}
    if named - set(slugs):
        raise ScenarioError(f"{where}: a question names no try of this lesson: {sorted(named)}")
    reads = [c for s in le.stages for q in s.questions for c in q.check]
    reads += [c for t in le.tries() for c in t.expect]
    runs = {ms.run for c in reads for ms in (c.measure, c.above, c.below) if ms is not None}
    if "compare" in runs and le.compare is None:
        raise ScenarioError(f"{where}: a check reads Compare's run, but there is no [compare]")


@cache
def lessons() -> tuple[Lesson, ...]:
    """Every lesson shipped with the app, in teaching order."""
    found = [
        parse_lesson(p.name.removesuffix(".toml"), p.read_text(encoding="utf-8"))
        for p in LESSON_DIR.iterdir()
        if p.name.endswith(".toml")
    ]
    return tuple(sorted(found, key=lambda le: (le.order, le.slug)))


def lesson(slug: str) -> Lesson:
    for le in lessons():
        if le.slug == slug:
            return le
    raise KeyError(slug)


def find_lesson(slug: Any) -> Lesson | None:
    """The lesson named `slug` (any value a browser sends), or None."""
    return next((le for le in lessons() if isinstance(slug, str) and le.slug == slug), None)


def reached_target(firm: str) -> Measure:
    """The first week (after the start) in which `firm`'s installed base meets its target."""
    tests = (
        Test("firm", "==", firm),
        Test("installed", ">=", other="target"),
        Test("step", ">", 0),
    )
    return Measure("firms", "first_step", tests=tests, whole_run=True)


def delay_figures(m: Any, firm: str) -> dict[str, float]:
    """Rows Compare shows for how the owner's moves delayed `firm` (`m` a GpuMarket): the week
    (as the run bar counts) it reached its target, and the peak weeks of delay and units owed
    (`owner_delay_weeks`, `owner_debt`). The redirect lesson's questions check the same
    measures."""
    tables = run_tables(m)
    peak = {
        "weeks of delay (peak)": "owner_delay_weeks",
        "units owed (peak)": "owner_debt",
    }
    reached = measure(reached_target(firm), tables, m.week)  # a step: the run bar shows step + 1
    out = {f"{firm}: week target reached": float("nan") if reached is None else reached + 1.0}
    for label, column in peak.items():
        ms = Measure("firms", "max", column, (Test("firm", "==", firm),), whole_run=True)
        value = measure(ms, tables, m.week)
        out[f"{firm}: {label}"] = 0.0 if value is None else float(value)
    return out
