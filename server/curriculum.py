"""Classroom lessons: presets with explanations and questions, read from server/lessons/*.toml.

A lesson names a scenario, its overrides, the view to open, and stages keyed by week; the app shows
each stage beside the charts once the run reaches that week. Adding a lesson is adding one file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from model.params import ScenarioError
from server.session import RunSpec

LESSON_DIR = resources.files("server") / "lessons"


@dataclass(frozen=True)
class Stage:
    """What to read and ask once the run reaches `week`."""

    week: int
    text: str
    questions: tuple[str, ...] = ()


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

    def spec(self) -> RunSpec:
        return RunSpec.of(self.scenario, dict(self.overrides)).canonical()

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
            Stage(int(s["week"]), str(s["text"]).strip(), tuple(s.get("questions", ())))
            for s in data.get("stages", [])
        )
        lesson = Lesson(
            slug=slug,
            title=data["title"],
            summary=data.get("summary", "").strip(),
            scenario=data["scenario"],
            overrides=tuple(data.get("overrides", {}).items()),
            view=data.get("view", "allocations"),
            stages=tuple(sorted(stages, key=lambda s: s.week)),
            order=int(data.get("order", 0)),
        )
    except KeyError as exc:
        raise ScenarioError(f"{where}: required field {exc.args[0]!r} is missing") from None
    if not lesson.stages:
        raise ScenarioError(f"{where}: stages: a lesson needs at least one stage")
    return lesson


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
