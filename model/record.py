"""The record: what was reported about the 2023-2024 H100 market, as data, and a run's score on it.

`model/data/record.csv` holds one reported figure a row (the week it refers to, the firm or the
market, a column of the run's tables, a statistic, the value and its range, fact/claim/estimate and
a source). Scoring is pure logic over the model and firms tables: no Mesa, no I/O but the CSV.
Firms are checked against a run when it is scored, not at load, so one record serves every
scenario that has the firms it names.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.params import ScenarioError, short
from model.recorder import FIRM_COLUMNS, MODEL_COLUMNS

RECORD_PATH = resources.files("model") / "data" / "record.csv"
COLUMNS = (
    "id",
    "date",
    "end",
    "firm",
    "quantity",
    "stat",
    "value",
    "low",
    "high",
    "kind",
    "source",
)
STATS = ("at", "sum", "mean")
KINDS = ("fact", "claim", "estimate")
MARKET = "market"  # the firm of a point read from the model table
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK = np.timedelta64(7, "D")

Run = tuple[pd.DataFrame, pd.DataFrame]  # (model table, firms table) of one run


@dataclass(frozen=True, slots=True)
class Point:
    """One reported figure: `stat` of `quantity` for `firm` at `date` (or over [date, end])."""

    id: str
    date: dt.date
    end: dt.date | None
    firm: str
    quantity: str
    stat: str
    value: float
    low: float
    high: float
    kind: str
    source: str

    @property
    def firms(self) -> tuple[str, ...]:
        """The firms summed (empty for the market, i.e. the model table)."""
        return () if self.firm == MARKET else tuple(self.firm.split("+"))

    @property
    def scored(self) -> bool:
        """Claims are what a firm said, not what happened: shown, never scored."""
        return self.kind != "claim"

    @property
    def obs_var(self) -> float:
        """Observation variance for history matching: the range read as +-2 standard deviations."""
        return ((self.high - self.low) / 4) ** 2


# --- loading ------------------------------------------------------------------------------------


def load_record(path: str | Path | None = None) -> tuple[Point, ...]:
    """The record's points (the shipped `model/data/record.csv` unless `path`), validated: any
    error is a `ScenarioError` naming the file, the row and what is wrong."""
    return _shipped_record() if path is None else _read_record(Path(path), str(path))


@functools.cache
def _shipped_record() -> tuple[Point, ...]:
    """The shipped record, parsed once: it is package data, and the points are frozen."""
    return _read_record(RECORD_PATH, "model/data/record.csv")


def _read_record(source: Traversable, where: str) -> tuple[Point, ...]:
    """Parse and validate a record file; `where` names it in errors."""
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{where}: cannot read the record: {exc}") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = _header(next(reader, None), where)
        points = _rows(reader, header, where)
    except csv.Error as exc:
        raise ScenarioError(f"{where}: line {reader.line_num}: not valid CSV: {exc}") from None
    if not points:
        raise ScenarioError(f"{where}: the record has no points")
    return points


def _rows(reader: Any, header: list[str], where: str) -> tuple[Point, ...]:
    """The rows of a `csv.reader` as points (blank lines skipped); ids must be unique."""
    points: list[Point] = []
    lines: dict[str, int] = {}
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        line = reader.line_num
        point = _row(header, cells, where, line)
        if point.id in lines:
            raise ScenarioError(
                f"{where}: row {point.id!r} (line {line}): duplicate id "
                f"(first on line {lines[point.id]})"
            )
        lines[point.id] = line
        points.append(point)
    return tuple(points)


def _header(row: list[str] | None, where: str) -> list[str]:
    """The header's column names; unknown, missing or repeated columns are errors."""
    names = [c.strip() for c in row or []]
    for name in names:
        if name not in COLUMNS:
            raise ScenarioError(
                f"{where}: line 1: unknown column {short(name)} (columns: {', '.join(COLUMNS)})"
            )
        if names.count(name) > 1:
            raise ScenarioError(f"{where}: line 1: column {name!r} appears twice")
    for name in COLUMNS:
        if name not in names:
            raise ScenarioError(f"{where}: line 1: missing column {name!r}")
    return names


def _row(header: list[str], cells: list[str], where: str, line: int) -> Point:
    """One row as a `Point`, every field checked; errors name the row by id (and line)."""
    raw = {k: v.strip() for k, v in zip(header, cells, strict=False)}
    at = f"{where}: row {raw['id']!r} (line {line})" if raw.get("id") else f"{where}: line {line}"
    if len(cells) != len(header):
        raise ScenarioError(f"{at}: {len(cells)} fields, the header has {len(header)}")
    for name in ("id", "date", "firm", "quantity", "stat", "value", "low", "high", "source"):
        if not raw[name]:
            raise ScenarioError(f"{at}: {name} is empty")
    stat, kind = _choice(raw, "stat", STATS, at), _choice(raw, "kind", KINDS, at)
    date, end = _date(raw["date"], "date", at), _end(raw["end"], stat, at)
    if end is not None and end < date:
        raise ScenarioError(f"{at}: end {end} is before date {date}")
    value, low, high = (_number(raw[k], k, at) for k in ("value", "low", "high"))
    if low > high:
        raise ScenarioError(f"{at}: low {low:g} is above high {high:g}")
    if not low <= value <= high:
        raise ScenarioError(f"{at}: value {value:g} is outside [low, high] = [{low:g}, {high:g}]")
    firm = _firm(raw["firm"], at)
    _quantity(raw["quantity"], firm, at)
    return Point(
        raw["id"], date, end, firm, raw["quantity"], stat, value, low, high, kind, raw["source"]
    )


def _choice(raw: dict[str, str], name: str, allowed: tuple[str, ...], at: str) -> str:
    if raw[name] not in allowed:
        raise ScenarioError(
            f"{at}: unknown {name} {short(raw[name])} (one of: {', '.join(allowed)})"
        )
    return raw[name]


def _date(text: str, name: str, at: str) -> dt.date:
    """A calendar date written YYYY-MM-DD (and nothing else Python's ISO parser would take)."""
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{at}: {name} {short(text)} is not a date YYYY-MM-DD") from None


def _end(text: str, stat: str, at: str) -> dt.date | None:
    """`end` closes the period of a sum or mean, and only of those."""
    if stat == "at":
        if text:
            raise ScenarioError(f"{at}: end is only for stat sum or mean, not 'at'")
        return None
    if not text:
        raise ScenarioError(f"{at}: stat {stat!r} needs an end date (the period [date, end])")
    return _date(text, "end", at)


def _number(text: str, name: str, at: str) -> float:
    try:
        if "_" in text:  # float() takes 1_000, which no other CSV reader would
            raise ValueError
        value = float(text)
    except ValueError:
        raise ScenarioError(f"{at}: {name} {short(text)} is not a number") from None
    if not math.isfinite(value):
        raise ScenarioError(f"{at}: {name} {short(text)} is not a finite number")
    return value


def _firm(text: str, at: str) -> str:
    """`market`, one firm, or several joined with `+` (each once, none empty)."""
    parts = [p.strip() for p in text.split("+")]
    if any(not p for p in parts):
        raise ScenarioError(f"{at}: firm {short(text)} has an empty name")
    if MARKET in parts and len(parts) > 1:
        raise ScenarioError(f"{at}: firm {short(text)}: 'market' cannot be summed with firms")
    if len(set(parts)) != len(parts):
        raise ScenarioError(f"{at}: firm {short(text)} names a firm twice")
    return "+".join(parts)


def _quantity(name: str, firm: str, at: str) -> None:
    """A column of the model table (for the market) or of the firms table."""
    table, columns = ("model", MODEL_COLUMNS) if firm == MARKET else ("firms", FIRM_COLUMNS)
    if name not in columns:
        raise ScenarioError(
            f"{at}: unknown quantity {short(name)}: not a column of the {table} table"
        )


# --- one run: where each point's weeks and firms sit --------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """The points' weeks as arrays, converted once and shared by every run that is scored."""

    points: tuple[Point, ...]
    market: np.ndarray  # bool per point: it reads the model table
    starts: np.ndarray  # datetime64[D] per point: its date
    ends: np.ndarray  # datetime64[D] per point: its end (its date for `at`)

    @classmethod
    def of(cls, points: Sequence[Point]) -> Plan:
        points = tuple(points)
        starts = np.array([p.date for p in points], dtype="datetime64[D]")
        ends = np.array([p.end or p.date for p in points], dtype="datetime64[D]")
        market = np.array([p.firm == MARKET for p in points], dtype=bool)
        return cls(points, market, starts, ends)


@dataclass(frozen=True, slots=True)
class TableIndex:
    """Row numbers of one table by week and by key (firm), built once from its `date` column
    so that each point then costs a slice instead of a scan of the table."""

    mondays: np.ndarray  # datetime64[D], sorted: the weeks of the table
    keys: dict[str, int]  # firm name (or 'market') -> column of `rows`
    rows: np.ndarray  # (weeks, keys): row number in the table, -1 where it has none

    @classmethod
    def of(cls, dates: pd.Series, keys: pd.Series | None = None) -> TableIndex:
        """Index a table by its `date` column (ISO dates) and its firm column (if any)."""
        codes, weeks = pd.factorize(dates)  # sorting the dates as numbers is cheaper than as text
        try:
            unsorted = np.asarray(weeks, dtype="datetime64[D]")
        except ValueError:
            raise ScenarioError("record: the run's date column holds a non-date") from None
        order = np.argsort(unsorted)
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        mondays, week_codes = unsorted[order], rank[codes]
        if keys is None:
            key_codes, names = np.zeros(len(dates), dtype=np.int64), [MARKET]
        else:
            key_codes, names = pd.factorize(keys)
        rows = np.full((len(mondays), len(names)), -1, dtype=np.int64)
        rows[week_codes, key_codes] = np.arange(len(dates))
        return cls(mondays, {str(n): i for i, n in enumerate(names)}, rows)

    def weeks(self, days: np.ndarray) -> np.ndarray:
        """The week holding each day (that of the latest Monday on or before it), -1 outside."""
        if not len(self.mondays):
            return np.full(len(days), -1)
        i = np.searchsorted(self.mondays, days, side="right") - 1
        inside = (i >= 0) & (days < self.mondays[np.maximum(i, 0)] + _WEEK)
        return np.where(inside, i, -1)

    def columns(self, point: Point) -> list[int]:
        """The key columns of the point's firms; a firm the run does not have is an error."""
        names = point.firms or (MARKET,)
        for name in names:
            if name not in self.keys:
                known = ", ".join(sorted(k for k in self.keys if k != MARKET))
                raise ScenarioError(
                    f"record point {point.id!r}: firm {name!r} is not a firm of the run "
                    f"(its firms: {known})"
                )
        return [self.keys[n] for n in names]


class RunIndex:
    """One run's two tables indexed once; evaluates a plan of points against them."""

    def __init__(self, model: pd.DataFrame, firms: pd.DataFrame) -> None:
        self.tables = {"model": model, "firms": firms}
        self.index = {
            "model": TableIndex.of(model["date"]),
            "firms": TableIndex.of(firms["date"], firms["firm"]),
        }
        self._columns: dict[tuple[str, str], np.ndarray] = {}

    def column(self, table: str, name: str) -> np.ndarray:
        """A column as floats, converted once per run (a run from an older version may lack it)."""
        key = (table, name)
        if key not in self._columns:
            if name not in self.tables[table].columns:
                raise ScenarioError(f"record: the run's {table} table has no column {name!r}")
            self._columns[key] = self.tables[table][name].to_numpy(dtype=float)
        return self._columns[key]

    def evaluate(self, plan: Plan) -> np.ndarray:
        """Every point's statistic in this run: firms summed per week, then the week's value
        (`at`), the sum over the period's weeks, or their mean; NaN outside the run."""
        out = np.full(len(plan.points), np.nan)
        for table, reads in (("model", plan.market), ("firms", ~plan.market)):
            (which,) = np.nonzero(reads)
            index = self.index[table]
            firsts, lasts = index.weeks(plan.starts[which]), index.weeks(plan.ends[which])
            for i, first, last in zip(which, firsts, lasts, strict=True):
                point = plan.points[i]
                columns = index.columns(point)  # checks the firms even outside the run
                if first < 0 or last < 0:
                    continue
                rows = index.rows[first : last + 1, columns]
                if (rows < 0).any():
                    continue
                per_week = self.column(table, point.quantity)[rows].sum(axis=1)
                out[i] = per_week.mean() if point.stat == "mean" else per_week.sum()
        return out


def simulate(point: Point, model_table: pd.DataFrame, firms_table: pd.DataFrame) -> float:
    """The statistic of `point` in one run (NaN when the run does not cover its weeks).

    Weeks are matched by the tables' `date` column (ISO dates of each week's Monday); a date falls
    in the week of the latest Monday on or before it. To score many points, use `score` (or
    `RunIndex(...).evaluate(Plan.of(points))`), which indexes the tables once."""
    return float(RunIndex(model_table, firms_table).evaluate(Plan.of([point]))[0])


# --- scoring over runs --------------------------------------------------------------------------


def implausibility(observed: float, sim_mean: float, obs_var: float, run_var: float) -> float:
    """History matching's implausibility |observed - sim_mean| / sqrt(obs_var + run_var).

    `obs_var` is the observation's variance (for a point, ((high - low) / 4)**2: its range read as
    +-2 standard deviations), `run_var` the model's run-to-run variance; values above 3 rule a
    setting out (Pukelsheim's three-sigma rule; Vernon, Goldstein & Bower 2010). With no variance
    at all it is 0 for an exact match and infinite otherwise."""
    if obs_var < 0 or run_var < 0:
        raise ValueError(f"variances must be >= 0, got {obs_var} and {run_var}")
    gap = abs(observed - sim_mean)
    var = obs_var + run_var
    if var == 0:
        return 0.0 if gap == 0 else math.inf
    return gap / math.sqrt(var)


def distance(mean: float, value: float, low: float, high: float) -> float:
    """How far `mean` lies outside [low, high], in units of the range's width (0 inside); for a
    zero-width range the unit is the value itself (at least 1)."""
    if math.isnan(mean):
        return math.nan
    if low <= mean <= high:
        return 0.0
    if high > low:
        return (low - mean) / (high - low) if mean < low else (mean - high) / (high - low)
    return abs(mean - value) / max(abs(value), 1.0)


@dataclass(frozen=True, slots=True)
class PointScore:
    """One point against the runs: reported and simulated figures side by side."""

    id: str
    firm: str
    quantity: str
    stat: str
    date: str
    end: str | None
    kind: str
    source: str
    value: float
    low: float
    high: float
    mean: float  # simulated mean over runs (NaN when a run does not cover the point)
    min: float
    max: float
    variance: float  # run-to-run variance (ddof=1; 0 for a single run)
    inside: bool
    distance: float
    implausibility: float
    scored: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class RecordScore:
    """A set of runs against the record: per point, and totals over the scored points (claims
    are left out; a point the runs do not cover counts as outside)."""

    points: tuple[PointScore, ...]
    runs: int
    inside: int
    total: int
    score: float  # inside / total (NaN when nothing is scored)
    mean_distance: float  # over scored points the runs cover

    def outside(self) -> tuple[PointScore, ...]:
        """The scored points whose simulated mean misses the reported range."""
        return tuple(p for p in self.points if p.scored and not p.inside)


def score(points: Sequence[Point], runs: Iterable[Run]) -> RecordScore:
    """Score runs (e.g. seeds of one setting; (model, firms) table pairs) against the record.

    `runs` may be a generator: each run is scored as it comes, so an unknown firm stops the
    work after the first run."""
    plan = Plan.of(points)
    per_run = [RunIndex(*run).evaluate(plan) for run in runs]
    if not per_run:
        raise ScenarioError("record: no runs to score")
    sims = np.vstack(per_run)  # (runs, points)
    n = len(sims)
    means, lows, highs = sims.mean(axis=0), sims.min(axis=0), sims.max(axis=0)
    variances = sims.var(axis=0, ddof=1) if n > 1 else np.zeros(len(points))
    scored = [
        _point_score(p, float(m), float(lo), float(hi), float(v))
        for p, m, lo, hi, v in zip(points, means, lows, highs, variances, strict=True)
    ]
    counted = [s for s in scored if s.scored]
    inside = sum(s.inside for s in counted)
    dists = [s.distance for s in counted if not math.isnan(s.distance)]
    return RecordScore(
        points=tuple(scored),
        runs=n,
        inside=inside,
        total=len(counted),
        score=inside / len(counted) if counted else math.nan,
        mean_distance=float(np.mean(dists)) if dists else math.nan,
    )


def _point_score(p: Point, mean: float, lo: float, hi: float, var: float) -> PointScore:
    return PointScore(
        id=p.id,
        firm=p.firm,
        quantity=p.quantity,
        stat=p.stat,
        date=p.date.isoformat(),
        end=None if p.end is None else p.end.isoformat(),
        kind=p.kind,
        source=p.source,
        value=p.value,
        low=p.low,
        high=p.high,
        mean=mean,
        min=lo,
        max=hi,
        variance=var,
        inside=bool(p.low <= mean <= p.high),
        distance=distance(mean, p.value, p.low, p.high),
        implausibility=math.nan
        if math.isnan(mean)
        else implausibility(p.value, mean, p.obs_var, var),
        scored=p.scored,
    )


# --- the record table as people read it -----------------------------------------------------

HEADER = ("id", "firm", "quantity", "reported [range]", "simulated [min-max]", "inside", "distance")


def number(x: float, scale: float | None = None) -> str:
    """A figure as people read it (1,900,000, 44.5 or 0.350), its precision set by `scale` (a
    point's largest reported figure, so that a point's numbers line up); n/a if not finite."""
    if not math.isfinite(x):
        return "n/a"
    size = abs(x) if scale is None else abs(scale)
    if size >= 1000:
        return f"{x:,.0f}"
    return f"{x:.1f}" if size >= 10 else f"{x:.3f}"


def table_row(p: PointScore) -> tuple[str, ...]:
    """One point as the text table shows it."""
    inside = "claim" if not p.scored else ("yes" if p.inside else "no")
    scale = max(abs(p.value), abs(p.low), abs(p.high))
    return (
        p.id,
        p.firm,
        p.quantity,
        f"{number(p.value, scale)} [{number(p.low, scale)}-{number(p.high, scale)}]",
        f"{number(p.mean, scale)} [{number(p.min, scale)}-{number(p.max, scale)}]",
        inside,
        "n/a" if math.isnan(p.distance) else f"{p.distance:.2f}",
    )
