"""Cross-field checks of a typed scenario, so that every accepted scenario runs to its end.

Field types and ranges are checked as the scenario is built (`model.params`); here come the checks
that need several fields at once: dates against the run's horizon, names, the owner's firms, and
the magnitudes the whole-unit (int64) arithmetic of the run depends on. The mechanisms take orders,
purchases and capacity up to `MAX_UNITS`; buyers order at most `inflation` times their need, so
each firm's peak target times its inflation, the targets summed over buyers and the supply over
the whole run are kept below it. Budgets (< 1e15 USD a year) over prices (>= 1 USD) stay far below
int64, as do units times prices and values (< 1e7 USD).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import typing
from typing import Any

import numpy as np

from model.config import MAX_TARGET, Firm, Owner, Scenario, Supply
from model.mechanisms import MAX_UNITS
from model.params import ScenarioError, fields_of, hints_of, limit_text, meta_of, short, short_key

MAX_BUYER_WEEKS = 20_000_000  # buyers x (weeks + horizon + 1): two int64 schedules of this size
MAX_FIRM_WEEKS = 2_100_000  # named firms x weeks: rows of the firms table (about 0.8 KB each)
MAX_NAME = 100  # characters in a firm's or the owner's name
FIRST_START, LAST_START = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_TAIL_NAME = re.compile(r"Small-\d+|long tail \(\d+ buyers\)")  # its buyers and its table row
LONG_TAIL_OWNER = "long tail"  # the long tail's owner label (agents.population.LONG_TAIL_OWNER)


def parse_date(text: str, where: str, path: str) -> dt.date:
    """A YYYY-MM-DD date (only that form: Python would also take 20231002 or 2023-W40-1)."""
    try:
        if _DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise ScenarioError(f"{where}: {path}: {short(text)} is not a date (YYYY-MM-DD)")


def validate_links(s: Scenario, where: str) -> None:
    """Cross-field checks: dates in the run, names unique and known, magnitudes within int64."""
    start = parse_date(s.start_date, where, "start_date")
    if not FIRST_START <= start <= LAST_START:
        raise ScenarioError(
            f"{where}: start_date: {s.start_date} is outside {FIRST_START} to {LAST_START}"
        )
    horizon = Horizon(start, s.weeks)
    _check_size(s, where)
    check_dates(s, where, "")
    names = _check_names(s, where)
    for f in s.firms:
        _check_firm(f, horizon, where)
    _check_supply(s.supply, horizon, where)
    _check_owner(s.owner, names, horizon, where)
    _check_actions(s.owner, names, horizon, where)
    _check_long_tail(s, where)
    _check_units(s, horizon, where)
    if s.supplier.swap_above_trust > s.supplier.accept_above_trust:
        raise ScenarioError(
            f"{where}: supplier.swap_above_trust: {s.supplier.swap_above_trust:g} is above "
            f"accept_above_trust {s.supplier.accept_above_trust:g} (swaps could never happen)"
        )


class Horizon:
    """The run's weeks: dates are turned into week numbers and checked against them."""

    def __init__(self, start: dt.date, weeks: int) -> None:
        self.start, self.weeks = start, weeks
        self.end = start + dt.timedelta(weeks=weeks)  # first day after the run

    def week(self, text: str, where: str, path: str) -> int:
        """The week (0-based, negative before the start) that contains the date `text`."""
        return (parse_date(text, where, path) - self.start).days // 7

    def text(self) -> str:
        """The horizon in words, for messages."""
        last = self.end - dt.timedelta(days=1)
        return f"covers {self.start} to {last} ({self.weeks} weeks)"

    def not_before_start(self, text: str, where: str, path: str) -> None:
        """Refuse a date before the first day of the run."""
        if parse_date(text, where, path) < self.start:
            raise ScenarioError(f"{where}: {path}: {text} is before start_date {self.start}")


def check_dates(obj: Any, where: str, path: str) -> None:
    """Every date of `obj` and of the records inside it is a real YYYY-MM-DD date. Date fields
    are found by their metadata (a help or label with YYYY-MM-DD, or [[date, units]] lists), so
    a field added later is checked without being listed here."""
    scalars, pairs, records = _date_fields(type(obj))
    for name in scalars:
        if getattr(obj, name):
            parse_date(getattr(obj, name), where, f"{path}{name}")
    for name in pairs:
        for j, (date, _units) in enumerate(getattr(obj, name)):
            parse_date(date, where, f"{path}{name}[{j}]")
    for name in records:
        value = getattr(obj, name)
        if not isinstance(value, tuple):
            check_dates(value, where, f"{path}{name}.")
            continue
        for i, item in enumerate(value):
            named = isinstance(getattr(item, "name", None), str) and item.name
            check_dates(
                item, where, f"{path}{name}" + (f".{short_key(item.name)}." if named else f"[{i}].")
            )


@functools.cache
def _date_fields(cls: type) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A record type's date fields, [[date, units]] fields and fields holding records."""
    scalars, pairs, records = [], [], []
    hints = hints_of(cls)
    for name, f in fields_of(cls).items():
        tp, meta = hints[name], meta_of(f)
        item = typing.get_args(tp)[0] if typing.get_origin(tp) is tuple else None
        if tp is str and "YYYY-MM-DD" in meta.help + meta.label:
            scalars.append(name)
        elif item is not None and typing.get_args(item)[:1] == (str,):
            pairs.append(name)
        elif dataclasses.is_dataclass(tp) or (item is not None and dataclasses.is_dataclass(item)):
            records.append(name)
    return tuple(scalars), tuple(pairs), tuple(records)


def _check_size(s: Scenario, where: str) -> None:
    """Refuse resource bombs before anything is allocated: the per-week schedules of all buyers
    and the per-week rows of the named firms must fit in memory."""
    rows = s.weeks + s.market.horizon_weeks + 1
    buyers = len(s.firms) + s.long_tail.count
    if buyers * rows > MAX_BUYER_WEEKS:
        raise ScenarioError(
            f"{where}: long_tail.count: {len(s.firms):,} firms + {s.long_tail.count:,} small "
            f"buyers over {rows:,} weeks (weeks + horizon_weeks + 1) is {buyers * rows:,} "
            f"buyer-weeks, above the limit of {MAX_BUYER_WEEKS:,}"
        )
    if len(s.firms) * s.weeks > MAX_FIRM_WEEKS:
        raise ScenarioError(
            f"{where}: firms: {len(s.firms):,} named firms over {s.weeks:,} weeks is "
            f"{len(s.firms) * s.weeks:,} firm-weeks, above the limit of {MAX_FIRM_WEEKS:,} "
            "(use long_tail for crowds of small buyers)"
        )


def _check_names(s: Scenario, where: str) -> set[str]:
    """Firm names: present, printable, short, unique (in linear time), and not the long tail's."""
    if not s.firms and s.long_tail.count == 0:
        raise ScenarioError(f"{where}: firms: a scenario needs at least one firm or a long tail")
    seen: set[str] = set()
    dupes: list[str] = []
    for i, f in enumerate(s.firms):
        _check_name(f.name, where, f"firms[{i}].name")
        if s.long_tail.count and _TAIL_NAME.fullmatch(f.name):
            raise ScenarioError(
                f"{where}: firms[{i}].name: {f.name!r} is reserved for the long tail's buyers"
            )
        if f.name in seen:
            dupes.append(f.name)
        seen.add(f.name)
    if dupes:
        shown = ", ".join(short_key(n) for n in sorted(set(dupes))[:10])
        more = f" and {len(set(dupes)) - 10:,} more" if len(set(dupes)) > 10 else ""
        raise ScenarioError(f"{where}: firms: duplicate firm names: {shown}{more}")
    return seen


def _check_name(name: str, where: str, path: str) -> None:
    """A name people can read: not empty, printable, no outer spaces, at most MAX_NAME chars."""
    if not name.strip():
        raise ScenarioError(f"{where}: {path}: the name is empty")
    if len(name) > MAX_NAME:
        raise ScenarioError(
            f"{where}: {path}: {len(name):,} characters, more than the limit of {MAX_NAME}"
        )
    if not name.isprintable() or name != name.strip():
        raise ScenarioError(
            f"{where}: {path}: {short(name)} has invisible characters or outer spaces"
        )


def _check_firm(f: Firm, horizon: Horizon, where: str) -> None:
    """One firm's dates (on or after the start) and its data centre (installed <= slots)."""
    at = f"firms.{short_key(f.name)}"
    for key in ("targets", "expansions"):
        for j, (date, _units) in enumerate(getattr(f, key)):
            horizon.not_before_start(date, where, f"{at}.{key}[{j}]")
    if f.statement_date:
        horizon.not_before_start(f.statement_date, where, f"{at}.statement_date")
    if f.installed > f.slots:
        raise ScenarioError(
            f"{where}: {at}.installed: {f.installed:,} is above its slots {f.slots:,} "
            "(every installed GPU needs a powered slot: raise slots or lower installed)"
        )
    if f.color and not _COLOR.fullmatch(f.color):
        raise ScenarioError(f"{where}: {at}.color: {short(f.color)} is not #rrggbb")
    powered = f.slots + sum(u for _, u in f.expansions)
    if powered > MAX_UNITS:
        raise ScenarioError(
            f"{where}: {at}.expansions: slots plus expansions is {powered:,}, above the "
            f"limit of {MAX_UNITS:,} units"
        )


def _check_supply(s: Supply, horizon: Horizon, where: str) -> None:
    """Shock dates inside the run; schedule dates valid; the output over the run within
    MAX_UNITS (unsold units stay in stock, so the whole run's output is what can pile up)."""
    for j, shock in enumerate(s.shocks):
        week = horizon.week(shock.start, where, f"supply.shocks[{j}].start")
        if not 0 <= week < horizon.weeks:
            raise ScenarioError(
                f"{where}: supply.shocks[{j}].start: {shock.start} is outside the run, "
                f"which {horizon.text()}"
            )
    total = float(planned_output(s, horizon, where).sum())
    if total + horizon.weeks + 1 > MAX_UNITS:  # + one unit of rounding a week
        raise ScenarioError(
            f"{where}: supply: the output over the run is {total:,.0f} units (scale "
            f"{s.scale:g}), above the limit of {MAX_UNITS:,}: lower supply.scale or the weekly "
            "output"
        )


def planned_output(s: Supply, horizon: Horizon, where: str) -> np.ndarray:
    """Planned output in weeks 0..weeks before shocks, computed as `agents.supplier` plans it:
    linear between the schedule's dated points (flat beyond them), or the capped ramp; times
    scale."""
    weeks = np.arange(horizon.weeks + 1)
    if not s.schedule:
        ramp = s.initial_weekly * (1.0 + s.growth_weekly) ** weeks
        return np.minimum(float(s.max_weekly), ramp) * s.scale
    at = [horizon.week(d, where, f"supply.schedule[{j}]") for j, (d, _) in enumerate(s.schedule)]
    order = np.argsort(at, kind="stable")
    units = np.asarray([u for _, u in s.schedule], dtype=float)
    return np.interp(weeks, np.asarray(at, dtype=float)[order], units[order]) * s.scale


def _check_owner(o: Owner, names: set[str], horizon: Horizon, where: str) -> None:
    """The owner's firms exist once each; priority and weights match them; its window meets
    the run."""
    _check_name(o.name, where, "owner.name")
    if o.name == LONG_TAIL_OWNER:
        raise ScenarioError(f"{where}: owner.name: {o.name!r} is reserved for the long tail")
    for key in ("firms", "priority"):
        listed = getattr(o, key)
        for n in listed:
            if n not in names:
                raise ScenarioError(
                    f"{where}: owner.{key}: {short(n)} is not a firm (firms: {_some(names)})"
                )
        if len(set(listed)) != len(listed):
            raise ScenarioError(f"{where}: owner.{key}: a firm is listed twice")
    if o.priority and set(o.priority) != set(o.firms):
        raise ScenarioError(
            f"{where}: owner.priority: must list exactly the owner's firms {short(list(o.firms))}"
        )
    if o.weights and len(o.weights) != len(o.firms):
        raise ScenarioError(
            f"{where}: owner.weights: needs one weight per owner firm ({len(o.firms)})"
        )
    if o.policy == "weights" and o.weights and sum(o.weights) <= 0:
        raise ScenarioError(
            f"{where}: owner.weights: all zero under the weights policy (one must be above 0)"
        )
    if o.policy != "none" and len(o.firms) < 2:
        raise ScenarioError(f"{where}: owner.policy: {o.policy!r} needs at least two owner firms")
    _check_owner_window(o, horizon, where)


def _check_owner_window(o: Owner, horizon: Horizon, where: str) -> None:
    """owner.start before the run's end, owner.end on or after its start, start <= end: an
    owner whose window misses the run would silently never act."""
    if o.start and horizon.week(o.start, where, "owner.start") >= horizon.weeks:
        raise ScenarioError(
            f"{where}: owner.start: {o.start} is after the run, which {horizon.text()}: "
            "the owner would never act"
        )
    if o.end and parse_date(o.end, where, "owner.end") < horizon.start:
        raise ScenarioError(
            f"{where}: owner.end: {o.end} is before start_date {horizon.start}; "
            "the owner would never act"
        )
    if o.start and o.end and o.start > o.end:
        raise ScenarioError(f"{where}: owner.start: {o.start} is after owner.end {o.end}")


def _check_actions(o: Owner, names: set[str], horizon: Horizon, where: str) -> None:
    """The owner's dated actions: made inside the run, between two different named firms."""
    for j, a in enumerate(o.actions):
        at = f"owner.actions[{j}]"
        if not 0 <= horizon.week(a.date, where, f"{at}.date") < horizon.weeks:
            raise ScenarioError(
                f"{where}: {at}.date: {a.date} is outside the run, which {horizon.text()}"
            )
        for key in ("from_firm", "to_firm"):
            if getattr(a, key) not in names:
                raise ScenarioError(
                    f"{where}: {at}.{key}: {short(getattr(a, key))} is not a firm "
                    f"(firms: {_some(names)})"
                )
        if a.from_firm == a.to_firm:
            raise ScenarioError(f"{where}: {at}.to_firm: {a.to_firm!r} is also the from_firm")


def _some(names: set[str]) -> str:
    """Up to ten names, sorted, and how many more: messages stay one short line."""
    shown = ", ".join(short_key(n) for n in sorted(names)[:10])
    return shown + (f" and {len(names) - 10:,} more" if len(names) > 10 else "")


def _check_long_tail(s: Scenario, where: str) -> None:
    """The long tail's needs are drawn from need_min to need_max: an empty range is an error."""
    lt = s.long_tail
    if lt.need_min > lt.need_max:
        raise ScenarioError(
            f"{where}: long_tail.need_min: {lt.need_min:,} is above need_max {lt.need_max:,}"
        )


def _order_factor(s: Scenario, ordering: str, inflation: float) -> float:
    """The most a buyer can order per unit of need: 1 when truthful, else its inflation."""
    effective = ordering if s.market.ordering == "scenario" else s.market.ordering
    return 1.0 if effective == "truthful" else inflation


def peak_target(f: Firm, horizon: Horizon, rows: int, where: str) -> float:
    """The largest target over the buyer's rows, as `agents.population` builds the path: the
    dated points (and `installed` at week 0), then the last stretch's trend if it rises."""
    points = sorted(
        [(0, f.installed)] + [(horizon.week(d, where, "targets"), u) for d, u in f.targets],
        key=lambda p: p[0],
    )
    peak = float(max(u for _, u in points))
    (w0, u0), (w1, u1) = points[-2:] if len(points) > 1 else (points[0], points[0])
    if f.after_targets == "trend" and w1 > w0 and rows - 1 > w1:
        slope = (u1 - u0) / (w1 - w0)
        peak = max(peak, min(float(MAX_TARGET), u1 + slope * (rows - 1 - w1)))
    return peak


def _check_units(s: Scenario, horizon: Horizon, where: str) -> None:
    """Orders, installed bases and targets within the mechanisms' MAX_UNITS."""
    total_target = total_installed = 0.0
    rows = s.weeks + s.market.horizon_weeks + 1
    for f in s.firms:
        peak = peak_target(f, horizon, rows, where)
        factor = _order_factor(s, f.ordering, f.inflation)
        if peak * factor > MAX_UNITS:
            raise ScenarioError(
                f"{where}: firms.{short_key(f.name)}.targets: peak target {peak:,.0f} (its trend "
                f"included) x inflation {factor:g} is above the limit of {MAX_UNITS:,} units an "
                "order may hold"
            )
        total_target += peak
        total_installed += f.installed
    lt = s.long_tail  # need_max (<= 1e8) x inflation (<= 20) always fits an order
    total_target += lt.count * lt.need_max
    for key, total in (("installed", total_installed), ("targets", total_target)):
        if total > MAX_UNITS:
            raise ScenarioError(
                f"{where}: firms: the {key} summed over all buyers is {total:,.0f}, above the "
                f"limit of {limit_text(MAX_UNITS)} units"
            )
