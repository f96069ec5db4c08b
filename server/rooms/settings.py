"""A room's settings: a built-in scenario (or a lesson's), weeks per round, the round timer.

Only built-in scenario names are accepted, never a path: a room is created from a browser, and a
path would let anyone make the server read its files.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from model.config import Scenario
from model.params import ScenarioError, check_scalar, fields_of, meta_of
from model.scenario import scenario_names
from server.rooms.errors import RoomError

MAX_WEEKS_PER_ROUND = 13  # a quarter: longer rounds leave students nothing to decide
MIN_TIMER, MAX_TIMER = 10, 600  # seconds; 0 switches the timer off
DEFAULT_TIMER = 45  # the Beer Game's online rounds run 30-45 s
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RoomSettings:
    """What the teacher chose; `overrides` come from the lesson (if any), never from a form."""

    scenario: str = "classroom"
    lesson: str | None = None
    weeks_per_round: int = 1
    timer_seconds: int = DEFAULT_TIMER
    overrides: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> RoomSettings:
        return RoomSettings(**data)


def make_settings(
    scenario: str | None = None,
    lesson: str | None = None,
    weeks_per_round: Any = 1,
    timer_seconds: Any = DEFAULT_TIMER,
) -> RoomSettings:
    """Validated settings: a lesson brings its scenario and overrides; a scenario must be
    built-in."""
    overrides: dict[str, Any] = {}
    if lesson:
        found = find_lesson(lesson)
        if scenario and scenario != found.scenario:
            raise RoomError(
                f"lesson {lesson!r} plays the scenario {found.scenario!r}, not {scenario!r}"
            )
        scenario, overrides = found.scenario, dict(found.overrides)
    scenario = check_scenario(scenario or "classroom")
    return RoomSettings(
        scenario,
        lesson or None,
        check_weeks(weeks_per_round),
        check_timer(timer_seconds),
        overrides,
    )


def check_scenario(name: Any) -> str:
    """A built-in scenario's name (a path or any other file is refused)."""
    names = scenario_names()
    if not isinstance(name, str) or name not in names:
        shown = repr(name)[:60]
        raise RoomError(f"unknown scenario {shown}: choose one of {', '.join(names)}")
    return name


def available_lessons() -> list:  # -> list[server.curriculum.Lesson]
    """The app's lessons, or none if they cannot be read (a room can always use a scenario)."""
    try:
        from server.curriculum import lessons

        return list(lessons())
    except Exception:  # a lesson file being edited must not take the room pages down
        log.exception("the lessons could not be read")
        return []


def find_lesson(slug: Any):  # -> server.curriculum.Lesson (imported late: it brings in Solara)
    """The lesson named `slug`."""
    found = available_lessons()
    for lesson in found:
        if lesson.slug == slug:
            return lesson
    valid = ", ".join(le.slug for le in found) or "none can be read now"
    raise RoomError(f"unknown lesson {repr(slug)[:60]}: choose one of {valid}")


def whole_number(value: Any, what: str) -> int:
    """An int (a float with no fraction is accepted; booleans and text are not)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RoomError(f"{what}: expected a whole number, got {repr(value)[:60]}")
    return value


def check_weeks(value: Any) -> int:
    weeks = whole_number(value, "weeks per round")
    if not 1 <= weeks <= MAX_WEEKS_PER_ROUND:
        raise RoomError(f"weeks per round: {weeks} is not between 1 and {MAX_WEEKS_PER_ROUND}")
    return weeks


def check_timer(value: Any) -> int:
    seconds = whole_number(value, "round timer")
    if seconds != 0 and not MIN_TIMER <= seconds <= MAX_TIMER:
        raise RoomError(
            f"round timer: {seconds} s is not 0 (off) or between {MIN_TIMER} and {MAX_TIMER} s"
        )
    return seconds


def check_seed(value: Any) -> int:
    """A seed within the scenario's own `seed` field's range."""
    seed = whole_number(value, "seed")
    try:
        return check_scalar(int, seed, "room", "seed", meta_of(fields_of(Scenario)["seed"]))
    except ScenarioError as exc:
        raise RoomError(str(exc)) from None
