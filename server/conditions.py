"""What a lesson note claims about its run, as data: a tiny query language over the run's tables.

A condition measures one number in one table (rows filtered, one statistic) and bounds it:

    {table = "events", kind = "cancellation", stat = "count", min = 1}
    {table = "firms", firm = "Tesla", column = "owner_debt", stat = "max", min = 14000}
    {table = "firms", firm = "X", column = "installed", stat = "last",
     above = {table = "firms", firm = "Tesla", column = "installed", stat = "last"}}

Tables: `model`, `firms` and `events` (the run's own, rows of the weeks simulated so far) and
`setup` (the scenario's parameters: one row per dotted `path` with its `value`). Nothing is ever
evaluated as code: keys, tables, columns, statistics and operators come from the fixed lists below,
and an unknown one is an error naming the lesson file and the field.
"""

from __future__ import annotations

import fnmatch
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from model.params import ScenarioError, short, walk
from model.recorder import EVENT_COLUMNS, FIRM_COLUMNS, MODEL_COLUMNS

COLUMNS: dict[str, tuple[str, ...]] = {
    "model": ("step", "date", *MODEL_COLUMNS),
    "firms": ("step", "date", "firm", "owner", *FIRM_COLUMNS),
    "events": EVENT_COLUMNS,
    "setup": ("path", "value"),
}
EVENT_KINDS = (
    "redirect",
    "swap",
    "swap_repay",
    "refusal",
    "cancellation",
    "discrepancy",
    "shock",
    "expansion",
    "output_cut",
    "allocation_drop",
)
STATS = ("count", "sum", "mean", "min", "max", "first", "last", "first_step", "last_step")
OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
RUNS = ("here", "lesson", "compare")  # the run on screen, the lesson's own run, Compare's B
MEASURE_KEYS = ("table", "firm", "other_firm", "kind", "path", "from_week", "to_week", "where")
MEASURE_KEYS += ("column", "stat", "whole_run", "run")
BOUND_KEYS = ("min", "max", "equals", "above", "below", "than_lesson")
Tables = Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class Test:
    """One row filter: `column op value`, or `column op other` (another column of the row)."""

    column: str
    op: str
    value: Any = None
    other: str | None = None


@dataclass(frozen=True)
class Measure:
    """One number (or label) from one table of one run."""

    table: str
    stat: str
    column: str | None = None
    tests: tuple[Test, ...] = ()
    from_week: int | None = None
    to_week: int | None = None
    whole_run: bool = False  # all the run's weeks, not only those up to the note's week
    run: str = "here"


@dataclass(frozen=True)
class Condition:
    """A measure and the bounds it must meet (all given bounds must hold)."""

    measure: Measure
    min: float | None = None
    max: float | None = None
    equals: Any = None
    above: Measure | None = None
    below: Measure | None = None
    than_lesson: str | None = None  # "above", "below" or "same": against the lesson's own run


def parse_condition(data: Any, where: str) -> Condition:
    """A Condition from TOML data; ScenarioError naming `where` and the bad key or value."""
    table = _table(data, where, MEASURE_KEYS + BOUND_KEYS)
    lesson = data.get("than_lesson")
    if lesson is not None and lesson not in ("above", "below", "same"):
        raise ScenarioError(f"{where}: than_lesson: {short(lesson)} is not above, below or same")
    for key in ("min", "max"):
        if key in data and not _is_number(data[key]):
            raise ScenarioError(f"{where}: {key}: expected a number, got {short(data[key])}")
    return Condition(
        measure=parse_measure({k: v for k, v in table.items() if k in MEASURE_KEYS}, where),
        min=data.get("min"),
        max=data.get("max"),
        equals=_frozen(data.get("equals")),
        above=_sub(data, "above", where),
        below=_sub(data, "below", where),
        than_lesson=lesson,
    )


def _frozen(value: Any) -> Any:
    """Lists as tuples, as the scenario holds them (so `equals = ["Tesla", "X"]` can match)."""
    return tuple(_frozen(v) for v in value) if isinstance(value, list | tuple) else value


def _sub(data: dict, key: str, where: str) -> Measure | None:
    return parse_measure(data[key], f"{where}: {key}") if key in data else None


def parse_measure(data: Any, where: str) -> Measure:
    """A Measure from TOML data (the keys of MEASURE_KEYS)."""
    data = _table(data, where, MEASURE_KEYS)
    table = _choice(data.get("table"), tuple(COLUMNS), f"{where}: table")
    tests = [_shorthand(data, key, table, where) for key in ("firm", "other_firm", "kind", "path")]
    tests += [_test(t, table, f"{where}: where") for t in _list(data.get("where", []), where)]
    column = data.get("column")
    if column is not None:
        _choice(column, COLUMNS[table], f"{where}: column")
    default = "count" if table == "events" or column is None else "last"
    stat = _choice(data.get("stat", default), STATS, f"{where}: stat")
    if stat not in ("count", "first_step", "last_step") and column is None:
        raise ScenarioError(f"{where}: stat {stat!r} needs a column")
    weeks = {k: _week(data.get(k), f"{where}: {k}") for k in ("from_week", "to_week")}
    whole = data.get("whole_run", False)
    if not isinstance(whole, bool):
        raise ScenarioError(f"{where}: whole_run: expected true or false, got {short(whole)}")
    run = _choice(data.get("run", "here"), RUNS, f"{where}: run")
    found = tuple(t for t in tests if t is not None)
    return Measure(table, stat, column, found, weeks["from_week"], weeks["to_week"], whole, run)


def _table(data: Any, where: str, keys: tuple[str, ...]) -> dict:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected a table, got {short(data)}")
    unknown = [k for k in data if k not in keys]
    if unknown:
        raise ScenarioError(f"{where}: unknown key {short(unknown[0])} (valid: {', '.join(keys)})")
    return data


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ScenarioError(f"{where}: where: expected a list of [column, op, value]")
    return value


def _choice(value: Any, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        raise ScenarioError(f"{where}: {short(value)} is not one of: {', '.join(choices)}")
    return value


def _week(value: Any, where: str) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ScenarioError(f"{where}: expected a week number (0 or more), got {short(value)}")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _shorthand(data: dict, key: str, table: str, where: str) -> Test | None:
    """`firm = "Tesla"` is `where = [["firm", "==", "Tesla"]]` (likewise kind, path)."""
    if key not in data:
        return None
    column = key
    _choice(column, COLUMNS[table], f"{where}: {key} (not a column of {table})")
    if key == "kind":
        _choice(data[key], EVENT_KINDS, f"{where}: kind")
    if not isinstance(data[key], str):
        raise ScenarioError(f"{where}: {key}: expected text, got {short(data[key])}")
    return Test(column, "like" if key == "path" else "==", data[key])


def _test(raw: Any, table: str, where: str) -> Test:
    """[column, op, value] or [column, op, {column = other}]."""
    if not isinstance(raw, list) or len(raw) != 3:
        raise ScenarioError(f"{where}: expected [column, op, value], got {short(raw)}")
    column, op, value = raw
    _choice(column, COLUMNS[table], f"{where}: column")
    _choice(op, tuple(OPS), f"{where}: operator")
    if isinstance(value, dict):
        other = _table(value, f"{where}: value", ("column",)).get("column")
        return Test(column, op, other=_choice(other, COLUMNS[table], f"{where}: column"))
    if not (_is_number(value) or isinstance(value, str | list)):
        raise ScenarioError(f"{where}: value: expected a number, text or list, not {short(value)}")
    return Test(column, op, _frozen(value))


# --- evaluation ---------------------------------------------------------------------------------


def run_tables(m: Any) -> dict[str, pd.DataFrame]:
    """A run's tables for conditions: its three tables and its setup (`m` is a GpuMarket)."""
    rows = [(p.path, p.default) for p in walk(m.config)]
    setup = pd.DataFrame(rows, columns=["path", "value"])
    return {
        "model": m.model_table(),
        "firms": m.firms_table(),
        "events": m.events_table(),
        "setup": setup,
    }


def measure(ms: Measure, tables: Tables, week: int) -> Any:
    """The measured value at `week` (weeks simulated); None when no row matches."""
    rows = tables[ms.table]
    if ms.table != "setup":
        last = None if ms.whole_run else week - 1
        top = ms.to_week if last is None or ms.to_week is None else min(ms.to_week, last)
        top = last if top is None else top
        keep = pd.Series(True, index=rows.index)
        if ms.from_week is not None:
            keep &= rows.step >= ms.from_week
        if top is not None:
            keep &= rows.step <= top
        rows = rows[keep]
    for t in ms.tests:
        rows = rows[_mask(rows, t)]
    return _stat(rows, ms)


def _mask(rows: pd.DataFrame, t: Test) -> pd.Series:
    if t.op == "like":
        return rows[t.column].map(lambda p: fnmatch.fnmatchcase(str(p), t.value)).astype(bool)
    if t.other is not None:
        return OPS[t.op](rows[t.column], rows[t.other]).fillna(False).astype(bool)
    return rows[t.column].map(lambda v: _compare(t.op, v, t.value)).astype(bool)


def _compare(op: str, a: Any, b: Any) -> bool:
    """`a op b`; False where the two cannot be compared (text against a number)."""
    try:
        return bool(OPS[op](a, b))
    except TypeError:
        return False


def _stat(rows: pd.DataFrame, ms: Measure) -> Any:
    if ms.stat == "count":
        return len(rows)
    if rows.empty:
        return None
    if ms.stat in ("first_step", "last_step"):
        return int(rows.step.iloc[0 if ms.stat == "first_step" else -1])
    col = rows[ms.column]
    if ms.stat in ("first", "last"):
        value = col.iloc[0 if ms.stat == "first" else -1]
        return value.item() if hasattr(value, "item") else value
    return float(getattr(pd.to_numeric(col), ms.stat)())


def holds(c: Condition, runs: Mapping[str, Tables], week: int) -> bool:
    """Whether `c` holds at `week`; `runs` maps "here" (and "lesson", "compare") to tables."""
    return not failures(c, runs, week)


def failures(c: Condition, runs: Mapping[str, Tables], week: int) -> list[str]:
    """What does not hold, in words (empty when the condition holds)."""
    value = measure(c.measure, runs[c.measure.run], week)
    out = []
    if value is None:
        return [f"{describe(c.measure)}: no rows"]
    if (c.min is not None or c.max is not None) and not _is_number(value):
        return [f"{describe(c.measure)} = {short(value)}, not a number"]
    if c.min is not None and not value >= c.min:
        out.append(f"{describe(c.measure)} = {value:g}, below {c.min:g}")
    if c.max is not None and not value <= c.max:
        out.append(f"{describe(c.measure)} = {value:g}, above {c.max:g}")
    if c.equals is not None and value != c.equals:
        out.append(f"{describe(c.measure)} = {short(value)}, not {short(c.equals)}")
    for other, op, word in ((c.above, operator.gt, "above"), (c.below, operator.lt, "below")):
        if other is not None:
            theirs = measure(other, runs[other.run], week)
            if theirs is None or not op(value, theirs):
                out.append(f"{describe(c.measure)} = {value} is not {word} {theirs}")
    if c.than_lesson is not None:
        theirs = measure(c.measure, runs["lesson"], week)
        op = {"above": operator.gt, "below": operator.lt, "same": operator.eq}[c.than_lesson]
        if theirs is None or not op(value, theirs):
            said = f"not {c.than_lesson} the lesson's {theirs}"
            out.append(f"{describe(c.measure)} = {value}, {said}")
    return out


def describe(ms: Measure) -> str:
    """A measure in words, for test failures and logs."""
    tests = " and ".join(f"{t.column} {t.op} {t.other or t.value!r}" for t in ms.tests)
    of = f" of {ms.column}" if ms.column else ""
    return f"{ms.stat}{of} in {ms.run}:{ms.table}" + (f" where {tests}" if tests else "")
