"""Scenarios: TOML data files turned into validated, typed, frozen objects.

A scenario is a `Scenario` (supply, market, supplier, friction, owner, firms, long tail). Every
field is a parameter with a label, range and help text (see `model.params`). Overrides use dotted
paths: `market.mechanism=uniform`, `firms.Tesla.slots=60000`, `supply.shocks.0.factor=0.3`.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from model.config import (  # noqa: F401 - re-exported: the scenario's types live with its loader's API
    ANSWER_CHOICES,
    CONCESSION_CHOICES,
    CONCESSION_EXPONENT,
    MECHANISM_CHOICES,
    ORDERING_CHOICES,
    POLICY_CHOICES,
    Firm,
    Friction,
    LongTail,
    Market,
    Owner,
    Scenario,
    Shock,
    Supplier,
    Supply,
)
from model.params import ScenarioError, build

# --- loading -----------------------------------------------------------------------------------

SCENARIO_DIR = resources.files("model") / "scenarios"


def scenario_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(
        p.name.removesuffix(".toml") for p in SCENARIO_DIR.iterdir() if p.name.endswith(".toml")
    )


def read_raw(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """Read a built-in scenario by name, or a TOML file by path; returns (data, where).

    A file may start from another with `base = "baseline"`: its tables are merged over the base's
    (firms matched by name, other lists replaced)."""
    text, where = _scenario_text(str(name_or_path))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: not valid TOML: {exc}") from None
    base = data.pop("base", None)
    if base is None:
        return data, where
    if not isinstance(base, str) or base in _seen:
        raise ScenarioError(f"{where}: base: {base!r} is not a scenario name (or it loops)")
    base_data, _ = read_raw(base, (*_seen, base))
    return merge(base_data, data), where


def merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """`top` over `base`: tables merged key by key, firms by name, other values replaced."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        elif key == "firms" and isinstance(value, list) and isinstance(out.get(key), list):
            by_name = {f.get("name"): i for i, f in enumerate(out[key]) if isinstance(f, dict)}
            for firm in value:
                i = by_name.get(firm.get("name")) if isinstance(firm, dict) else None
                if i is None:
                    out[key].append(firm)
                else:
                    out[key][i] = merge(out[key][i], firm)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _scenario_text(ref: str) -> tuple[str, str]:
    builtin = SCENARIO_DIR / f"{ref}.toml"
    if "/" not in ref and not ref.endswith(".toml") and builtin.is_file():
        return builtin.read_text(encoding="utf-8"), f"{ref}.toml"
    path = Path(ref)
    if path.is_file():
        return path.read_text(encoding="utf-8"), str(path)
    valid = ", ".join(scenario_names())
    raise ScenarioError(f"{ref}: no such scenario file or built-in scenario (built-in: {valid})")


def load_scenario(
    ref: str | Path | Scenario = "baseline", overrides: dict[str, Any] | None = None
) -> Scenario:
    """Load and validate a scenario, applying dotted-path overrides (`{"market.mechanism":
    "uniform"}`)."""
    if isinstance(ref, Scenario):
        if not overrides:
            return ref
        data, where = to_raw(ref), ref.name
    else:
        data, where = read_raw(ref)
    for key, value in (overrides or {}).items():
        set_path(data, key, value)
    scenario = build(Scenario, data, where)
    validate_links(scenario, where)
    return scenario


def to_raw(obj: Any) -> Any:
    """The plain-data (TOML-like) form of a config object, for re-validation after overrides."""
    from dataclasses import fields, is_dataclass

    if is_dataclass(obj):
        return {f.name: to_raw(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple):
        return [to_raw(v) for v in obj]
    return copy.copy(obj)


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set `data[a][b]... = value` for the path `a.b...`; lists of firms are addressed by name."""
    parts = dotted.split(".")
    node: Any = data
    for i, key in enumerate(parts[:-1]):
        node = _child(node, key, parts, i)
    last = parts[-1]
    if isinstance(node, list):
        raise ScenarioError(f"override {dotted}: cannot replace a list item as a whole")
    if not isinstance(node, dict):
        raise ScenarioError(f"override {dotted}: {'.'.join(parts[:-1])} is not a table")
    node[last] = value


def _child(node: Any, key: str, parts: list[str], i: int) -> Any:
    where = ".".join(parts[: i + 1])
    if isinstance(node, dict):
        return node.setdefault(key, {})
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item.get("name") == key:
                return item
        if key.isdigit() and int(key) < len(node):
            return node[int(key)]
        names = [
            str(item.get("name")) for item in node if isinstance(item, dict) and "name" in item
        ]
        hint = f" (known: {', '.join(names)})" if names else ""
        raise ScenarioError(
            f"override {'.'.join(parts)}: no item {key!r} in {'.'.join(parts[:i])}{hint}"
        )
    raise ScenarioError(f"override {'.'.join(parts)}: {where} is not a table")


def parse_date(text: str, where: str, path: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{where}: {path}: {text!r} is not a date (YYYY-MM-DD)") from None


def validate_links(s: Scenario, where: str) -> None:
    """Cross-field checks: dates parse, names are unique and known, ranges are consistent."""
    parse_date(s.start_date, where, "start_date")
    names = [f.name for f in s.firms]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScenarioError(f"{where}: firms: duplicate firm names: {', '.join(dupes)}")
    if not s.firms and s.long_tail.count == 0:
        raise ScenarioError(f"{where}: firms: a scenario needs at least one firm or a long tail")
    for f in s.firms:
        for key in ("targets", "expansions"):
            for j, (date, _units) in enumerate(getattr(f, key)):
                parse_date(date, where, f"firms.{f.name}.{key}[{j}]")
        if f.statement_date:
            parse_date(f.statement_date, where, f"firms.{f.name}.statement_date")
    for j, (date, _units) in enumerate(s.supply.schedule):
        parse_date(date, where, f"supply.schedule[{j}]")
    for j, shock in enumerate(s.supply.shocks):
        parse_date(shock.start, where, f"supply.shocks[{j}].start")
    _validate_owner(s, names, where)
    if s.long_tail.need_min > s.long_tail.need_max:
        raise ScenarioError(
            f"{where}: long_tail.need_min: {s.long_tail.need_min} is above need_max"
        )


def _validate_owner(s: Scenario, names: list[str], where: str) -> None:
    o = s.owner
    for key in ("firms", "priority"):
        for n in getattr(o, key):
            if n not in names:
                raise ScenarioError(
                    f"{where}: owner.{key}: {n!r} is not a firm (firms: {', '.join(names)})"
                )
    if o.priority and sorted(o.priority) != sorted(o.firms):
        raise ScenarioError(
            f"{where}: owner.priority: must list exactly the owner's firms {list(o.firms)}"
        )
    if o.weights and len(o.weights) != len(o.firms):
        raise ScenarioError(
            f"{where}: owner.weights: needs one weight per owner firm ({len(o.firms)})"
        )
    for key in ("start", "end"):
        if getattr(o, key):
            parse_date(getattr(o, key), where, f"owner.{key}")
    if o.policy != "none" and len(o.firms) < 2:
        raise ScenarioError(f"{where}: owner.policy: {o.policy!r} needs at least two owner firms")
