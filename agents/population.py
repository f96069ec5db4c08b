"""Build the buyer population from a validated scenario: named firms plus a generated long tail."""

from __future__ import annotations

import datetime as dt

import numpy as np

from agents.buyer import LONG_TAIL_OWNER, STRATEGY_NAMES, Buyers, BuyerTraits
from model.calendar import week_of
from model.concession import CONCESSION
from model.config import MAX_TARGET, Firm, Scenario

# Colour-blind-safe firm colours from Okabe & Ito's and Paul Tol's sets, ordered so that the first
# few are the most distinct (also under simulated protanopia and deuteranopia). Every pair, and
# each against LONG_TAIL_COLOR, is at least 20 apart in CIEDE2000 (tests/test_palette.py).
PALETTE = (
    "#0077bb",  # Tol blue
    "#ddcc77",  # Tol sand
    "#000000",  # Okabe-Ito black
    "#d55e00",  # Okabe-Ito vermillion
    "#009e73",  # Okabe-Ito bluish green
    "#332288",  # Tol indigo
    "#66ccee",  # Tol cyan
    "#663333",  # Tol dark red
    "#225555",  # Tol dark cyan
    "#ee6677",  # Tol red
    "#aa4499",  # Tol purple
    "#666633",  # Tol dark yellow
)
LONG_TAIL_COLOR = "#999999"


def build_buyers(s: Scenario, rng: np.random.Generator) -> Buyers:
    """The scenario's firms, then `long_tail.count` small buyers drawn from `rng`."""
    start = dt.date.fromisoformat(s.start_date)
    rows = s.weeks + s.market.horizon_weeks + 1
    named = [_firm_row(s, f, start, rows, k) for k, f in enumerate(s.firms)]
    tail = _long_tail(s, rng, rows)
    cols = {key: [r[key] for r in named] for key in named[0]} if named else {}
    traits = BuyerTraits(
        names=tuple(cols.get("name", [])) + tail["names"],
        owners=tuple(cols.get("owner", [])) + tail["owners"],
        colors=tuple(cols.get("color", [])) + tail["colors"],
        **{key: _stack(cols.get(key, []), tail[key]) for key in _ARRAY_KEYS},
    )
    installed = _stack(cols.get("installed", []), np.zeros(s.long_tail.count, dtype=np.int64))
    return Buyers(traits, installed, s.market.horizon_weeks)


_ARRAY_KEYS = (
    "tier",
    "value",
    "max_price",
    "patience",
    "concession",
    "budget",
    "inflation",
    "strategy",
    "statement",
    "statement_week",
    "statement_made",
    "orders_from",
    "target",
    "slots",
)


def _stack(named: list, tail: np.ndarray) -> np.ndarray:
    if not named:
        return tail
    if np.ndim(named[0]) == 1:  # schedules: [week, buyer]
        head = np.stack(named, axis=1)
        return np.concatenate([head, tail], axis=1) if tail.size else head
    return np.concatenate([np.asarray(named), tail])


def _firm_row(s: Scenario, f: Firm, start: dt.date, rows: int, k: int) -> dict:
    ordering = f.ordering if s.market.ordering == "scenario" else s.market.ordering
    owner = s.owner.name if f.name in s.owner.firms else ""
    return {
        "name": f.name,
        "owner": owner,
        "color": f.color or PALETTE[k % len(PALETTE)],
        "installed": f.installed,
        "tier": f.tier,
        "value": f.value_usd,
        "max_price": f.max_price_usd,
        "patience": f.patience,
        "concession": CONCESSION[f.concession],
        "budget": f.budget_usd,
        "inflation": f.inflation,
        "strategy": STRATEGY_NAMES.index(ordering),
        "statement": f.statement,
        "statement_week": week_of(start, f.statement_date) if f.statement_date else rows,
        "statement_made": week_of(start, f.statement_made) if f.statement_made else 0,
        "orders_from": week_of(start, f.orders_from) if f.orders_from else 0,
        "target": _target_path(f, start, rows),
        "slots": _slot_path(f, start, rows),
    }


def _target_path(f: Firm, start: dt.date, rows: int) -> np.ndarray:
    """Target installed base per week: linear between dated points; after the last, the trend
    of the last stretch goes on (`after_targets = "trend"`, within [0, MAX_TARGET]) or holds."""
    weeks = np.asarray([0] + [week_of(start, d) for d, _ in f.targets])
    units = np.asarray([f.installed] + [u for _, u in f.targets], dtype=float)
    order = np.argsort(weeks, kind="stable")
    weeks, units = weeks[order], units[order]
    t = np.arange(rows)
    path = np.interp(t, weeks, units)
    if f.after_targets == "trend" and len(weeks) > 1 and weeks[-1] > weeks[-2]:
        slope = (units[-1] - units[-2]) / (weeks[-1] - weeks[-2])
        after = t > weeks[-1]
        path[after] = np.clip(units[-1] + slope * (t[after] - weeks[-1]), 0.0, MAX_TARGET)
    return np.round(path).astype(np.int64)


def _slot_path(f: Firm, start: dt.date, rows: int) -> np.ndarray:
    """Powered data-centre slots per week: the base plus each expansion from its (shifted) date
    on."""
    path = np.full(rows, f.slots, dtype=np.int64)
    for date, extra in f.expansions:
        on = max(0, week_of(start, date) + f.ready_shift_weeks)
        path[on:] += extra
    return path


def _long_tail(s: Scenario, rng: np.random.Generator, rows: int) -> dict:
    """Small buyers with needs drawn uniformly between need_min and need_max, reached linearly."""
    lt, n = s.long_tail, s.long_tail.count
    need = rng.integers(lt.need_min, lt.need_max + 1, size=n)
    ramp = np.minimum(1.0, np.arange(rows) / max(1, s.weeks))
    concession = rng.choice(np.asarray(list(CONCESSION.values())), size=n)
    return {
        "names": tuple(f"Small-{i + 1:05d}" for i in range(n)),
        "owners": (LONG_TAIL_OWNER,) * n,
        "colors": (LONG_TAIL_COLOR,) * n,
        "tier": np.full(n, lt.tier),
        "value": np.full(n, lt.value_usd),
        "max_price": s.market.list_price_usd * rng.uniform(1.0, 1.5, size=n),
        "patience": rng.uniform(0.9, 0.995, size=n),
        "concession": concession,
        "budget": np.full(n, 1e12),
        "inflation": np.full(n, lt.inflation),
        "strategy": np.full(
            n,
            STRATEGY_NAMES.index(
                lt.ordering if s.market.ordering == "scenario" else s.market.ordering
            ),
        ),
        "statement": np.zeros(n, dtype=np.int64),
        "statement_week": np.full(n, rows),
        "statement_made": np.zeros(n, dtype=np.int64),
        "orders_from": np.zeros(n, dtype=np.int64),
        "target": np.round(np.outer(ramp, need)).astype(np.int64),
        "slots": np.full((rows, n), np.iinfo(np.int32).max, dtype=np.int64),
    }
