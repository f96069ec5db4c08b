"""Replay and debrief: a room's game re-simulated from its seed and log, each seat's results set
against the same scenario played by agents only, and the decision log as CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from model.market import GpuMarket
from server.rooms.hooks import play_round
from server.rooms.log import Entry
from server.rooms.room import Room
from server.rooms.seats import FIRM_PREFIX, NVIDIA, OWNER
from server.rooms.settings import RoomSettings
from server.rooms.state import build_market


def final_overrides(settings: RoomSettings, entries: Iterable[Entry]) -> dict[str, Any]:
    """The lesson's overrides and the last injected shock list (shocks start at the week they
    were injected, so applying them from the start leaves the earlier weeks unchanged)."""
    overrides = dict(settings.overrides)
    for e in entries:
        if e.kind == "inject_shock":
            overrides["supply.shocks"] = e.payload["shocks"]
    return overrides


def resimulate(
    settings: RoomSettings, seed: int, entries: list[Entry], humans: bool = True
) -> GpuMarket:
    """The game's model rebuilt from the seed and the log's round closes alone (not through the
    room's state machine). With `humans=False` every seat is left to its agent; the teacher's
    injected requests and shocks stay, so the comparison isolates what the people decided."""
    m = build_market(settings, seed, final_overrides(settings, entries))
    for e in entries:
        if e.kind == "close":
            chosen = e.payload["decisions"] if humans else {}
            play_round(m, chosen, e.payload["injected"], e.payload["weeks"])
    return m


def replay(room: Room) -> GpuMarket:
    """The room's model re-simulated from its seed and a copy of its log."""
    with room.lock:
        entries = list(room.log)
    return resimulate(room.settings, room.seed, entries)


def agents_only(room: Room) -> GpuMarket:
    """The same scenario, seed, injected events and weeks, with every seat played by its agent."""
    with room.lock:
        entries = list(room.log)
    return resimulate(room.settings, room.seed, entries, humans=False)


def _firm_results(firms: pd.DataFrame, names: list[str]) -> dict[str, float]:
    rows = firms[firms.firm.isin(names)]
    last = rows[rows.step == rows.step.max()] if len(rows) else rows
    return {
        "GPUs received": float(rows.allocated.sum()),
        "GPUs installed at the end": float(last.installed.sum()),
        "GPUs idle at the end": float(last.idle.sum()),
        "units cancelled": float(rows.cancelled.sum()),
        "spend (USD)": float(rows.spend_usd.sum()),
        "value of deployed GPU-weeks (USD)": float(rows.value_usd.sum()),
    }


def _market_results(m: GpuMarket) -> dict[str, float]:
    t = m.model_table()
    return {
        "revenue (USD)": float(t.revenue_usd.sum()),
        "friction (index, cumulative)": float(t.friction_cum.iloc[-1]) if len(t) else 0.0,
        "units redirected": float(t.redirected_units.sum()),
        "requests refused": float(t.refused_requests.sum()),
    }


def seat_results(m: GpuMarket, seat: str) -> dict[str, float]:
    """What a seat is judged on: a firm its own results, the owner his firms' together, Nvidia
    its revenue and the friction of the market."""
    firms = m.firms_table()
    if seat.startswith(FIRM_PREFIX):
        return _firm_results(firms, [seat.removeprefix(FIRM_PREFIX)])
    market = _market_results(m)
    if seat == OWNER:
        own = _firm_results(firms, list(m.owner.firm_names))
        return {**own, "units redirected": market["units redirected"]}
    if seat == NVIDIA:
        return market
    raise KeyError(seat)


def debrief(room: Room) -> pd.DataFrame:
    """One row per seat and measure: the game, the same game played by agents only, and the
    difference (game - agents)."""
    game = replay(room)
    agents = agents_only(room)
    with room.lock:
        seats = [(s.key, s.label) for s in room.state.seats.values()]
    rows = []
    for key, label in seats:
        mine, theirs = seat_results(game, key), seat_results(agents, key)
        for measure, value in mine.items():
            rows.append((key, label, measure, value, theirs[measure], value - theirs[measure]))
    columns = ["seat", "label", "measure", "game", "agents_only", "difference"]
    return pd.DataFrame(rows, columns=columns)


LOG_COLUMNS = (
    "seq",
    "time",
    "round",
    "kind",
    "actor",
    "name",
    "seat",
    "order",
    "max_price_usd",
    "concession",
    "details",
)
FIRM_FIELDS = ("order", "max_price_usd", "concession")


def log_rows(room: Room) -> list[dict[str, Any]]:
    """The decision log, one dict per entry: a firm's decision in its own columns, anything else
    as JSON in `details`. Token and cookie hashes are left out."""
    with room.lock:
        entries = list(room.log)
        names = {p.pid: p.name for p in room.state.participants.values()}
    return [_row(e, names) for e in entries]


def _row(e: Entry, names: dict[str, str]) -> dict[str, Any]:
    p = {k: v for k, v in e.payload.items() if k not in ("token_hash", "device_hash")}
    row: dict[str, Any] = {
        "seq": e.seq,
        "time": dt.datetime.fromtimestamp(e.at, dt.UTC).isoformat(timespec="seconds"),
        "round": e.round,
        "kind": e.kind,
        "actor": e.actor,
        "name": names.get(e.actor, ""),
        "seat": p.pop("seat", "") or "",
    }
    decision = p.get("decision") if e.kind == "submit" else None
    if decision is not None and "order" in decision:
        row.update({k: "" if decision[k] is None else decision[k] for k in FIRM_FIELDS})
        p.pop("decision")
    if e.kind in ("submit", "seat"):
        p.pop("pid", None)
    row["details"] = json.dumps(p, sort_keys=True, separators=(", ", ": ")) if p else ""
    return row


def log_csv(room: Room) -> str:
    """The decision log as CSV text (UTF-8, a header row)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LOG_COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(log_rows(room))
    return out.getvalue()
