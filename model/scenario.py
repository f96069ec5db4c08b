"""Scenarios: TOML data files turned into validated, typed, frozen objects.

A scenario is a `Scenario` (supply, market, supplier, friction, owner, firms, long tail). Every
field is a parameter with a label, range and help text (see `model.params`). Overrides use dotted
paths: `market.mechanism=uniform`, `firms.Tesla.slots=60000`, `supply.shocks.0.factor=0.3`.

Every bad input fails here, at load, with a one-line `ScenarioError` naming the file, the field
and what is wrong: unreadable files, resource bombs and values the run could not survive.
"""

from __future__ import annotations

import codecs
import copy
import tomllib
import types
import typing
from dataclasses import dataclass, fields, is_dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from model.config import (  # noqa: F401 - re-exported: the scenario's types live with its loader's API
    ANSWER_CHOICES,
    CONCESSION_CHOICES,
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
from model.params import ScenarioError, build, fields_of, hints_of, short, short_key
from model.validation import parse_date, validate_links

__all__ = ["ScenarioError", "load_scenario", "parse_date", "scenario_names", "validate_links"]

# --- loading -----------------------------------------------------------------------------------

SCENARIO_DIR = resources.files("model") / "scenarios"
MAX_FILE_BYTES = 10_000_000  # 10 MB: a scenario with 20,000 named firms takes about 3 MB
MAX_DEPTH = 8  # nesting of tables and lists: firms -> firm -> targets -> [date, units] is 4
MAX_BASES = 16  # files in one chain of `base = ...`


@dataclass(frozen=True, slots=True)
class Source:
    """A scenario file: `where` names it in messages, `key` identifies it in a chain of bases,
    and a relative `base` inside it resolves against `path.parent`."""

    where: str
    key: str
    path: Path


def scenario_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(
        p.name.removesuffix(".toml") for p in SCENARIO_DIR.iterdir() if p.name.endswith(".toml")
    )


def read_raw(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    """Read a built-in scenario by name, or a TOML file by path; returns (data, where).

    A file may start from another with `base = "baseline"` (a built-in) or `base =
    "parent.toml"` (a file, relative to the including file's folder): its tables are merged over
    the base's (firms matched by name, other lists replaced)."""
    return _read_chain(locate(str(name_or_path)), ())


def _read_chain(src: Source, chain: tuple[Source, ...]) -> tuple[dict[str, Any], str]:
    """`src`'s data merged over its bases'; `chain` holds the files that include it."""
    data = parse_toml(read_text(src), src.where)
    base = data.pop("base", None)
    if base is None:
        return data, src.where
    if not isinstance(base, str) or not base.strip():
        raise ScenarioError(
            f"{src.where}: base: expected a scenario name or file, got {short(base)}"
        )
    parent = locate(base, src.path.parent, src.where)
    chain = (*chain, src)
    if parent.key in {s.key for s in chain}:
        loop = " -> ".join(s.where for s in (*chain, parent))
        raise ScenarioError(f"{src.where}: base: the bases loop: {loop}")
    if len(chain) >= MAX_BASES:
        raise ScenarioError(f"{src.where}: base: more than {MAX_BASES} files in a chain of bases")
    base_data, _ = _read_chain(parent, chain)
    return merge(base_data, data), src.where


def locate(ref: str, folder: Path | None = None, within: str = "") -> Source:
    """A built-in name (no folder, no .toml) or a file path, relative to `folder` if given."""
    builtin = Path(str(SCENARIO_DIR)) / f"{ref}.toml"
    plain = "/" not in ref and "\\" not in ref and not ref.endswith(".toml")
    if plain and _kind(builtin, ref) == "file":
        return Source(f"{ref}.toml", f"built-in:{ref}", builtin)
    path = Path(ref) if folder is None or Path(ref).is_absolute() else folder / ref
    kind = _kind(path, ref)
    if kind == "dir":
        raise ScenarioError(f"{short_key(str(path))}: is a directory, not a scenario file")
    if kind == "file":
        return Source(str(path), str(path.resolve()), path)
    if kind == "other":
        raise ScenarioError(f"{short_key(str(path))}: is not a regular file")
    if within:
        raise ScenarioError(
            f"{within}: base: {short(ref)} is not a built-in scenario or a file "
            f"(looked for {short(str(path), 120)})"
        )
    valid = ", ".join(scenario_names())
    raise ScenarioError(
        f"{short_key(ref)}: no such scenario file or built-in scenario (built-in: {valid})"
    )


def _kind(path: Path, ref: str) -> str:
    """'file', 'dir', 'other' (a pipe, a device) or 'missing'; a name the system refuses (too
    long, a NUL) is an error."""
    try:
        if path.is_dir():
            return "dir"
        return "file" if path.is_file() else "other" if path.exists() else "missing"
    except OSError as exc:
        raise ScenarioError(f"{short(ref)}: cannot open the scenario ({exc.strerror})") from None
    except ValueError as exc:
        raise ScenarioError(f"{short(ref)}: cannot open the scenario ({exc})") from None


def read_text(src: Source) -> str:
    """The file's text: at most MAX_FILE_BYTES, UTF-8 (a UTF-8 byte-order mark is dropped)."""
    try:
        with src.path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)  # the size a file reports may lie (/proc, pipes)
    except OSError as exc:
        raise ScenarioError(f"{src.where}: cannot read the scenario ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{src.where}: larger than the limit of {MAX_FILE_BYTES // 1_000_000} MB for a "
            "scenario file"
        )
    return decode(raw, src.where)


def decode(raw: bytes, where: str) -> str:
    """UTF-8 text, or a message that says what the bytes are instead."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ScenarioError(f"{where}: is UTF-32 text (byte-order mark); save it as UTF-8")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ScenarioError(f"{where}: is UTF-16 text (byte-order mark); save it as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{where}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start:,}); "
            "a scenario is a UTF-8 TOML file"
        ) from None
    if "\x00" in text:
        raise ScenarioError(f"{where}: contains NUL bytes: not a text file")
    if not text.strip():
        raise ScenarioError(f"{where}: the file is empty")
    return text


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """TOML to plain data, refusing nesting deeper than MAX_DEPTH (it would only recurse)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: not valid TOML: {short(str(exc), 200)[1:-1]}") from None
    except RecursionError:
        raise ScenarioError(
            f"{where}: lists or tables nested too deeply to read (at most {MAX_DEPTH} levels)"
        ) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise ScenarioError(f"{where}: not valid TOML: {short(str(exc), 80)[1:-1]}") from None
    check_depth(data, where, "")
    if not data:
        raise ScenarioError(f"{where}: the file is empty (only comments)")
    return data


def check_depth(value: Any, where: str, path: str) -> None:
    """Refuse tables and lists nested more than MAX_DEPTH levels (walked without recursion)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            at = f"{path}: " if path else ""
            raise ScenarioError(
                f"{where}: {at}lists or tables nested more than {MAX_DEPTH} levels deep"
            )
        if isinstance(node, dict):
            stack += [(v, depth + 1) for v in node.values()]
        elif isinstance(node, list | tuple):
            stack += [(v, depth + 1) for v in node]


def merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """`top` over `base`: tables merged key by key, firms by name, other values replaced."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        elif key == "firms" and isinstance(value, list) and isinstance(out.get(key), list):
            by_name = {f["name"]: i for i, f in enumerate(out[key]) if _named(f)}
            for firm in value:
                i = by_name.get(firm["name"]) if _named(firm) else None
                if i is None:
                    out[key].append(firm)
                else:
                    out[key][i] = merge(out[key][i], firm)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _named(item: Any) -> bool:
    """A table with a string `name` (other names cannot be matched, and may not be hashable)."""
    return isinstance(item, dict) and isinstance(item.get("name"), str)


def load_scenario(
    ref: str | Path | Scenario = "baseline", overrides: dict[str, Any] | None = None
) -> Scenario:
    """Load and validate a scenario, applying dotted-path overrides (`{"market.mechanism":
    "uniform"}`)."""
    if isinstance(ref, Scenario):
        if not overrides:
            return ref
        data, where = to_raw(ref), short_key(ref.name)
    else:
        data, where = read_raw(ref)
    apply_overrides(data, overrides)
    scenario = build(Scenario, data, where)
    validate_links(scenario, where)
    return scenario


def to_raw(obj: Any) -> Any:
    """The plain-data (TOML-like) form of a config object, for re-validation after overrides."""
    if is_dataclass(obj):
        return {f.name: to_raw(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple):
        return [to_raw(v) for v in obj]
    return copy.copy(obj)


# --- overrides ---------------------------------------------------------------------------------


def apply_overrides(data: dict[str, Any], overrides: Any) -> None:
    """Apply `{"a.b": value}` overrides to raw data: keys checked against the scenario's fields,
    values checked for depth (their types and ranges are checked when the scenario is built)."""
    if overrides is None:
        return
    if not isinstance(overrides, dict):
        raise ScenarioError(f"overrides: expected a dict of dotted keys, got {short(overrides)}")
    for key, value in overrides.items():
        if not isinstance(key, str):
            raise ScenarioError(f"override {short(key)}: keys are dotted strings")
        check_key(key)
        check_depth(value, f"override {short_key(key)}", "")
        set_path(data, key, value)


def check_key(dotted: str) -> None:
    """Refuse an override path that names no field, naming the valid keys where it goes wrong."""
    parts = dotted.split(".")
    if "" in parts:
        raise ScenarioError(
            f"override {short_key(dotted)}: empty part in the key (e.g. market.mechanism)"
        )
    tp: Any = Scenario
    for i, part in enumerate(parts):
        here = ".".join(parts[:i]) or "the scenario"
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        if is_dataclass(tp):
            names = fields_of(tp)
            if part not in names:
                raise ScenarioError(
                    f"override {short_key(dotted)}: unknown key {short(part)} in {here} "
                    f"(valid keys: {', '.join(names)})"
                )
            tp = hints_of(tp)[part]
        elif typing.get_origin(tp) is tuple:
            tp = typing.get_args(tp)[0]  # an item, by name or index: looked up in the data
        else:
            raise ScenarioError(f"override {short_key(dotted)}: {here} is a value, not a table")


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set `data[a][b]... = value` for the path `a.b...`; lists of firms are addressed by name.

    A table given for a table (`supply={scale=2}`) is merged into it: the fields it leaves out
    keep their values."""
    parts = dotted.split(".")
    node: Any = data
    for i, key in enumerate(parts[:-1]):
        node = _child(node, key, parts, i)
    last = parts[-1]
    if isinstance(node, list):
        raise ScenarioError(f"override {short_key(dotted)}: cannot replace a list item as a whole")
    if not isinstance(node, dict):
        raise ScenarioError(f"override {short_key(dotted)}: {'.'.join(parts[:-1])} is not a table")
    if isinstance(value, dict) and isinstance(node.get(last), dict):
        node[last] = merge(node[last], value)
    else:
        node[last] = copy.deepcopy(value)


def _child(node: Any, key: str, parts: list[str], i: int) -> Any:
    """The table or list item `key` of `node` (a missing table is created empty)."""
    dotted = short_key(".".join(parts))
    if isinstance(node, dict):
        return node.setdefault(key, {})
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item.get("name") == key:
                return item
        if key.isdigit() and int(key) < len(node):
            return node[int(key)]
        names = [str(item["name"]) for item in node if isinstance(item, dict) and "name" in item]
        shown = ", ".join(short_key(n) for n in names[:10])
        more = f" and {len(names) - 10:,} more" if len(names) > 10 else ""
        hint = f" (known: {shown}{more})" if names else f" (it has {len(node)} items)"
        raise ScenarioError(
            f"override {dotted}: no item {short(key)} in {'.'.join(parts[:i])}{hint}"
        )
    raise ScenarioError(f"override {dotted}: {'.'.join(parts[: i + 1])} is not a table")
