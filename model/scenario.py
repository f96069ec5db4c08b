"""Scenarios: TOML data files turned into validated, typed, frozen objects.

A scenario is a `Scenario` (supply, market, supplier, friction, owner, firms, long tail). Every field
is a parameter with a label, range and help text (see `model.params`). Overrides use dotted paths:
`market.mechanism=uniform`, `firms.Tesla.slots=60000`, `supply.shocks.0.factor=0.3`.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from model.params import ScenarioError, build, param

MECHANISM_CHOICES = (
    "proportional", "uniform", "linear", "turn_and_earn", "priority", "auction", "negotiation",
)  # fmt: skip
ORDERING_CHOICES = ("truthful", "fixed", "adaptive", "cancel")
CONCESSION_CHOICES = ("boulware", "linear", "conceder")
CONCESSION_EXPONENT = {"boulware": 4.0, "linear": 1.0, "conceder": 0.25}  # aspiration 1 - t**p
POLICY_CHOICES = ("none", "priority", "weights", "readiness", "value")
ANSWER_CHOICES = ("accept", "swap", "refuse", "auto")


@dataclass(frozen=True, slots=True)
class Shock:
    """A temporary cut in production (e.g. a CoWoS packaging outage)."""

    start: str = param(label="Shock start date", help="YYYY-MM-DD")
    weeks: int = param(4, label="Shock length", min=1, max=104, unit="weeks")
    factor: float = param(0.5, label="Output during the shock", min=0.0, max=1.0)
    label: str = param("supply shock", label="What happened")


@dataclass(frozen=True, slots=True)
class Supply:
    """Nvidia's weekly output available to the modelled buyers."""

    schedule: tuple[tuple[str, int], ...] = param(
        (), label="Weekly output [[date, units], ...]",
        help="linear between dated points; when empty, output ramps from initial_weekly by growth_weekly",
    )  # fmt: skip
    scale: float = param(1.0, label="Supply multiplier (tighter < 1 < looser)", min=0.0, max=10.0)
    initial_weekly: int = param(
        12_000, label="Weekly output at start", min=0, max=10_000_000, unit="units"
    )
    growth_weekly: float = param(0.02, label="Supply growth per week", min=-0.2, max=0.2)
    max_weekly: int = param(
        40_000, label="Weekly output ceiling", min=0, max=50_000_000, unit="units"
    )
    transit_weeks: int = param(4, label="Shipping delay", min=0, max=52, unit="weeks")
    shocks: tuple[Shock, ...] = param((), label="Supply shocks")


@dataclass(frozen=True, slots=True)
class Market:
    """How supply is allocated and priced, and how buyers order."""

    mechanism: str = param("proportional", label="Allocation mechanism", choices=MECHANISM_CHOICES)
    ordering: str = param(
        "scenario", label="Buyers' ordering strategy",
        help="'scenario' keeps each firm's own strategy; a name applies it to every buyer",
        choices=("scenario", *ORDERING_CHOICES),
    )  # fmt: skip
    list_price_usd: float = param(30_000.0, label="List price", min=0.0, max=1e6, unit="USD")
    cost_price_usd: float = param(
        12_000.0, label="Supplier's floor price", min=0.0, max=1e6, unit="USD"
    )
    scarcity_markup: float = param(
        0.5, label="Price markup per unit of excess demand", min=0.0, max=10.0
    )
    max_markup: float = param(0.5, label="Largest markup over list price", min=0.0, max=10.0)
    horizon_weeks: int = param(
        26, label="Longest booking horizon", min=0, max=104, unit="weeks",
        help="buyers book ahead by the quoted lead time, up to this many weeks",
    )  # fmt: skip
    negotiation_rounds: int = param(20, label="Negotiation rounds", min=1, max=1000)
    seller_concession: str = param(
        "boulware", label="Supplier's concession", choices=CONCESSION_CHOICES
    )
    readiness_cap: bool = param(False, label="Never allocate above what a buyer can deploy")


@dataclass(frozen=True, slots=True)
class Supplier:
    """The supplier's answers to redirects and how fast it forgives."""

    redirect_answer: str = param(
        "auto", label="Answer to redirect requests", choices=ANSWER_CHOICES,
        help="auto: accept while the donor trusts are high, swap when middling, refuse when low",
    )  # fmt: skip
    swap_delay_weeks: int = param(
        8, label="Weeks before a swap is repaid", min=0, max=104, unit="weeks"
    )
    swap_above_trust: float = param(0.5, label="Auto: lowest trust for a swap", min=0.0, max=1.0)
    accept_above_trust: float = param(
        0.8, label="Auto: lowest trust for a plain accept", min=0.0, max=1.0
    )
    trust_recovery: float = param(0.02, label="Trust recovered per week", min=0.0, max=1.0)
    trust_discrepancy: float = param(
        0.02, label="Trust lost per unit of statement gap", min=0.0, max=10.0
    )
    trust_cancel: float = param(
        0.5, label="Trust lost per share of orders cancelled", min=0.0, max=10.0
    )
    trust_redirect: float = param(
        0.01, label="Trust lost per 1,000 units redirected", min=0.0, max=10.0
    )


@dataclass(frozen=True, slots=True)
class Friction:
    """Weights of the friction index, in points per 1,000 units (refusal: per request)."""

    redirect: float = param(1.0, label="Per 1,000 units redirected", min=0.0, max=1e3)
    reschedule: float = param(0.5, label="Per 1,000 units rescheduled", min=0.0, max=1e3)
    cancel: float = param(0.8, label="Per 1,000 units cancelled", min=0.0, max=1e3)
    discrepancy: float = param(
        0.05, label="Per 1,000 units of statement gap, each week", min=0.0, max=1e3
    )
    refusal: float = param(2.0, label="Per refused request", min=0.0, max=1e3)
    discrepancy_tolerance: float = param(
        0.15, label="Tolerated statement gap (share)", min=0.0, max=1.0
    )


@dataclass(frozen=True, slots=True)
class Owner:
    """A controller of several firms (Musk: Tesla, X, xAI) and its reprioritization policy."""

    name: str = param("Musk", label="Owner")
    firms: tuple[str, ...] = param((), label="Firms the owner controls")
    policy: str = param("none", label="Owner's policy", choices=POLICY_CHOICES)
    priority: tuple[str, ...] = param((), label="Priority among the owner's firms (first = most)")
    weights: tuple[float, ...] = param((), label="Weights among the owner's firms", min=0.0)
    max_share: float = param(
        0.5, label="Largest share of a firm's weekly units moved", min=0.0, max=1.0
    )
    in_transit: bool = param(True, label="May redirect units already shipped")
    review_weeks: int = param(
        4, label="Weeks between the owner's reviews", min=1, max=52, unit="weeks"
    )
    min_units: int = param(1_000, label="Smallest redirect worth asking for", min=0, unit="units")
    start: str = param("", label="First date of intervention (empty: from the start)")
    end: str = param("", label="Last date of intervention (empty: to the end)")


@dataclass(frozen=True, slots=True)
class Firm:
    """A buyer: its target installed base, data centre, budget, value and strategies."""

    name: str = param(label="Firm")
    tier: int = param(1, label="Strategic tier (0 = most favoured)", min=0, max=9)
    installed: int = param(0, label="Installed at start", min=0, max=100_000_000, unit="units")
    targets: tuple[tuple[str, int], ...] = param(
        (), label="Target installed base [[date, units], ...]"
    )
    slots: int = param(1_000_000, label="Data-centre slots at start", min=0, max=100_000_000)
    expansions: tuple[tuple[str, int], ...] = param((), label="Slots added [[date, units], ...]")
    ready_shift_weeks: int = param(
        0, label="Data-centre ready date shift", min=-104, max=104, unit="weeks"
    )
    budget_usd: float = param(1e12, label="Budget per year", min=0.0, unit="USD")
    value_usd: float = param(1_000.0, label="Value per deployed GPU-week", min=0.0, unit="USD")
    max_price_usd: float = param(45_000.0, label="Highest unit price", min=0.0, unit="USD")
    patience: float = param(0.98, label="Patience (weekly discount factor)", min=0.0, max=1.0)
    ordering: str = param("truthful", label="Ordering strategy", choices=ORDERING_CHOICES)
    inflation: float = param(
        1.5, label="Inflation factor (fixed) or ceiling (adaptive)", min=1.0, max=20.0
    )
    concession: str = param("linear", label="Concession strategy", choices=CONCESSION_CHOICES)
    statement: int = param(0, label="Publicly stated installed base (0: none)", min=0)
    statement_date: str = param("", label="Date the statement refers to")
    color: str = param("", label="Display colour (#rrggbb)")
    source: str = param("", label="Where the numbers come from")


@dataclass(frozen=True, slots=True)
class LongTail:
    """A generated long tail of smaller buyers (drawn from the model's generator)."""

    count: int = param(0, label="Number of small buyers", min=0, max=100_000)
    need_min: int = param(200, label="Smallest two-year need", min=0, unit="units")
    need_max: int = param(5_000, label="Largest two-year need", min=0, unit="units")
    ordering: str = param("adaptive", label="Their ordering strategy", choices=ORDERING_CHOICES)
    inflation: float = param(2.0, label="Their inflation factor or ceiling", min=1.0, max=20.0)
    tier: int = param(2, label="Their tier", min=0, max=9)
    value_usd: float = param(600.0, label="Their value per GPU-week", min=0.0, unit="USD")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A complete, validated set of inputs for one run."""

    name: str = param("custom", label="Scenario")
    description: str = param("", label="Description")
    start_date: str = param("2023-10-02", label="First week (YYYY-MM-DD)")
    weeks: int = param(104, label="Weeks to simulate", min=1, max=1040)
    seed: int = param(42, label="Seed", min=0, max=2**63 - 1)
    supply: Supply = param(Supply(), label="Supply")
    market: Market = param(Market(), label="Market")
    supplier: Supplier = param(Supplier(), label="Supplier")
    friction: Friction = param(Friction(), label="Friction")
    owner: Owner = param(Owner(), label="Owner")
    firms: tuple[Firm, ...] = param((), label="Firms")
    long_tail: LongTail = param(LongTail(), label="Long tail")

    def firm(self, name: str) -> Firm:
        for f in self.firms:
            if f.name == name:
                return f
        raise KeyError(name)


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
    """Load and validate a scenario, applying dotted-path overrides (`{"market.mechanism": "uniform"}`)."""
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
