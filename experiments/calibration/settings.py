"""The `[calibrate]` table of a sweep spec: which record to match, the implausibility cutoff, the
points left out, and how many waves.

    [calibrate]
    record = "default"    # the shipped model/data/record.csv, or a CSV path (relative to the spec)
    cutoff = 3.0          # kept: a configuration whose largest implausibility is at most this
    exclude = ["lead-time-2024-04"]   # points kept as columns but not scored
    waves = 2             # then a second design inside the bounding box of the kept region

Checked with the rest of the spec, before any run: the record is loaded and its firms must be
firms of the scenario, so a bad record costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.params import ScenarioError
from model.record import Point, load_record
from model.scenario import Scenario

KEYS = ("record", "cutoff", "exclude", "waves")
DEFAULT_RECORD = "default"
DEFAULT_CUTOFF = 3.0
MAX_WAVES = 5


@dataclass(frozen=True)
class Calibration:
    """A validated `[calibrate]` table with the record's points loaded."""

    record: str  # as written in the spec ("default" or a path)
    points: tuple[Point, ...]
    cutoff: float = DEFAULT_CUTOFF
    exclude: tuple[str, ...] = ()
    waves: int = 1

    @property
    def scored(self) -> tuple[Point, ...]:
        """The points history matching scores: facts and estimates not excluded (no claims)."""
        return tuple(p for p in self.points if p.scored and p.id not in self.exclude)

    @property
    def digest(self) -> str:
        """What the simulated values depend on (each point's id, weeks, firm, quantity and
        statistic): two sweeps with different digests keep different record columns."""
        keys = [[p.id, str(p.date), str(p.end), p.firm, p.quantity, p.stat] for p in self.points]
        return hashlib.sha256(json.dumps(keys).encode()).hexdigest()[:16]

    def info(self) -> dict[str, Any]:
        """The table as plain data, saved in spec.json."""
        return {
            "record": self.record,
            "cutoff": self.cutoff,
            "exclude": list(self.exclude),
            "waves": self.waves,
        }


def check_calibrate(table: Any, where: str, folder: Path, scenario: Scenario) -> Calibration | None:
    """Validate `[calibrate]` (None when the spec has none); `folder` resolves a relative record
    path, and every firm the record names must be a firm of `scenario`."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: calibrate: expected a table, got {table!r}")
    for key in table:
        if key not in KEYS:
            raise ScenarioError(
                f"{where}: calibrate.{key}: unknown key (valid keys: {', '.join(KEYS)})"
            )
    record = table.get("record", DEFAULT_RECORD)
    points = _points(record, where, folder)
    _check_firms(points, scenario, where)
    return Calibration(
        record=record,
        points=points,
        cutoff=_cutoff(table.get("cutoff", DEFAULT_CUTOFF), where),
        exclude=_exclude(table.get("exclude", []), points, where),
        waves=_waves(table.get("waves", 1), where),
    )


def _points(record: Any, where: str, folder: Path) -> tuple[Point, ...]:
    """The record's points: the shipped record for "default", else a CSV file."""
    if not isinstance(record, str) or not record:
        raise ScenarioError(
            f'{where}: calibrate.record: expected "default" or a CSV path, got {record!r}'
        )
    if record == DEFAULT_RECORD:
        return load_record()
    path = Path(record) if Path(record).is_absolute() else folder / record
    if not path.is_file():
        raise ScenarioError(f"{where}: calibrate.record: no such file: {record}")
    try:
        return load_record(path)
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: calibrate.record: {exc}") from None


def _check_firms(points: tuple[Point, ...], scenario: Scenario, where: str) -> None:
    firms = {f.name for f in scenario.firms}
    for p in points:
        for firm in p.firms:
            if firm not in firms:
                raise ScenarioError(
                    f"{where}: calibrate.record: point {p.id!r} names firm {firm!r}, not a firm "
                    f"of scenario {scenario.name} (firms: {', '.join(sorted(firms))})"
                )


def _cutoff(value: Any, where: str) -> float:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value <= 0:
        raise ScenarioError(
            f"{where}: calibrate.cutoff: expected a finite number above 0, got {value!r}"
        )
    return float(value)


def _exclude(value: Any, points: tuple[Point, ...], where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(
            f"{where}: calibrate.exclude: expected a list of point ids, got {value!r}"
        )
    ids = [p.id for p in points]
    for v in value:
        if v not in ids:
            raise ScenarioError(
                f"{where}: calibrate.exclude: {v!r} is not a point of the record "
                f"(points: {', '.join(ids)})"
            )
    scored = [p for p in points if p.scored and p.id not in value]
    if not scored:
        raise ScenarioError(f"{where}: calibrate: no point left to score (all claims or excluded)")
    return tuple(dict.fromkeys(value))


def _waves(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WAVES:
        raise ScenarioError(
            f"{where}: calibrate.waves: expected a whole number from 1 to {MAX_WAVES}, "
            f"got {value!r}"
        )
    return value
