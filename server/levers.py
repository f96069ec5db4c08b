"""The app's controls, derived from the model's parameter definitions (`model.params.walk`).

Labels, ranges, choices and defaults all come from the loaded scenario and the field metadata, so a
slider can never drift from the model (the wolf_sheep mistake). Only the list of which parameters
to show lives here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import Any

from model.params import ScenarioError, short, walk
from model.scenario import Scenario, Shock

LEVERS: tuple[str, ...] = (
    "market.mechanism",
    "owner.policy",
    "owner.priority",
    "supplier.redirect_answer",
    "market.ordering",
    "supply.scale",
    "firms.Tesla.ready_shift_weeks",
)
OWNER_LEVERS = ("owner.policy", "owner.priority", "supplier.redirect_answer")
SHOCK_PATH = "supply.shocks"


@dataclass(frozen=True)
class Lever:
    """One control: what it sets, how it is shown, and its allowed values."""

    path: str
    label: str
    help: str
    kind: str  # "select" | "order" | "int" | "float"
    default: Any
    choices: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    unit: str = ""

    def show(self, value: Any) -> str:
        """How a value reads in a menu ('X > xAI > Tesla' for a priority order)."""
        return " > ".join(value) if self.kind == "order" else str(value)

    def read(self, value: Any) -> Any:
        """A value from a browser (a menu label, a slider's number, a link's text), checked
        against this lever's choices or range; raises ScenarioError saying what is wrong."""
        if self.kind in ("select", "order"):
            return self._read_choice(value)
        return read_number(value, self.label, self.kind == "int", self.min, self.max)

    def _read_choice(self, value: Any) -> Any:
        labels = [self.show(c) for c in self.choices]
        if isinstance(value, str):
            text = " > ".join(p.strip() for p in value.split(",")) if "," in value else value
            if text in labels:
                return self.choices[labels.index(text)]
        shown = "; ".join(labels) if len(labels) <= 12 else f"{len(labels)} choices"
        raise ScenarioError(f"{self.label}: {short(value)} is not one of: {shown}")

    def write(self, value: Any) -> str:
        """The value as a link writes it (`read` reads it back)."""
        if self.kind == "order":
            return ",".join(value)
        return f"{value:g}" if self.kind == "float" else str(value)


def levers(s: Scenario) -> list[Lever]:
    """Controls that make sense for scenario `s` (e.g. no Tesla lever without a Tesla)."""
    info = {p.path: p for p in walk(s)}
    owned = len(s.owner.firms) >= 2  # without an owner of several firms, redirect levers do nothing
    out = []
    for path in LEVERS:
        p = info.get(path)
        if p is None or (not owned and path in OWNER_LEVERS):
            continue
        label = p.meta.label
        if path.startswith("firms."):
            label = f"{path.split('.')[1]}: {label}"
        if path == "owner.priority":
            orders = tuple(itertools.permutations(s.owner.firms))
            out.append(Lever(path, label, p.meta.help, "order", p.default or s.owner.firms, orders))
        elif p.meta.choices:
            out.append(Lever(path, label, p.meta.help, "select", p.default, p.meta.choices))
        else:
            kind = "int" if p.type is int else "float"
            out.append(
                Lever(
                    path,
                    label,
                    p.meta.help,
                    kind,
                    p.default,
                    (),
                    p.meta.min,
                    p.meta.max,
                    p.meta.unit,
                )
            )
    return out


def seed_lever(s: Scenario) -> Lever:
    p = next(p for p in walk(s) if p.path == "seed")
    return Lever("seed", p.meta.label, p.meta.help, "int", p.default, (), p.meta.min, p.meta.max)


def shock_levers(s: Scenario) -> list[Lever]:
    """Start, length and severity of one supply shock, with the scenario's first shock as
    default."""
    start = dt.date.fromisoformat(s.start_date) + dt.timedelta(weeks=min(20, s.weeks // 3))
    base = s.supply.shocks[0] if s.supply.shocks else Shock(start=start.isoformat())
    out = []
    for p in walk(base):
        if p.path in ("start", "weeks", "factor"):
            kind = {"start": "date", "weeks": "int", "factor": "float"}[p.path]
            out.append(
                Lever(
                    f"{SHOCK_PATH}.{p.path}",
                    p.meta.label,
                    p.meta.help,
                    kind,
                    p.default,
                    (),
                    p.meta.min,
                    p.meta.max,
                    p.meta.unit,
                )
            )
    return out


MAX_TYPED = 40  # characters: longer text in a number field is refused before it is parsed


def parse_int(text: str, label: str) -> int:
    """A whole number typed by a person; a clear message otherwise (never echoing long text)."""
    if not isinstance(text, str | int) or isinstance(text, bool) or len(str(text)) > MAX_TYPED:
        raise ScenarioError(f"{label}: {short(text)} is not a whole number")
    try:
        return int(str(text).strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise ScenarioError(f"{label}: {short(text)} is not a whole number") from None


def read_number(
    value: Any, label: str, whole: bool = False, lo: float | None = None, hi: float | None = None
) -> int | float:
    """A number a browser sent (a slider's value, a link's text) within `lo` to `hi`; raises
    ScenarioError naming `label` and the value (text, booleans, lists and NaN are no numbers)."""
    number = _read_number(value, label, whole)
    if lo is not None and number < lo:
        raise ScenarioError(f"{label}: {number:g} is below the minimum {lo:g}")
    if hi is not None and number > hi:
        raise ScenarioError(f"{label}: {number:g} is above the maximum {hi:g}")
    return number


def _read_number(value: Any, label: str, whole: bool) -> int | float:
    """An int (whole) or finite float from a number or a short text; ScenarioError otherwise."""
    if isinstance(value, str) and len(value) <= MAX_TYPED:
        with contextlib.suppress(ValueError):
            value = int(value) if whole and value.strip().lstrip("+-").isdigit() else float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{label}: {short(value)} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(f"{label}: {short(value)} is not a number")
    if whole:
        if isinstance(value, float) and not value.is_integer():
            raise ScenarioError(f"{label}: {short(value)} is not a whole number")
        return int(value)
    return float(value)


def shock_override(
    start: str, weeks: str, factor: float, label: str = "classroom shock"
) -> list[dict]:
    """The `supply.shocks` override for one shock; validation happens in the scenario loader."""
    return [
        {
            "start": str(start).strip(),
            "weeks": parse_int(weeks, "Shock length"),
            "factor": float(factor),
            "label": label,
        }
    ]
