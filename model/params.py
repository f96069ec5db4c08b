"""One parameter definition for the whole project: typed frozen dataclasses whose fields carry
label, help, range and choices. The scenario loader, the CLI's `--set`, the app's controls and the
sweep specs all read these definitions, so defaults and ranges never drift apart.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any

MAX_ITEMS = 10_000  # longest list a field may hold unless its metadata sets `max_items`
MAX_TEXT = 10_000  # longest string a field may hold (characters)
SHORT = 60  # values are shown in messages as reprs cut to this many characters
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class ScenarioError(ValueError):
    """A scenario, override or spec value is wrong; the message names the source, field and
    value, on one line (line breaks are flattened so the CLI prints exactly one line)."""

    def __init__(self, message: object = "") -> None:
        super().__init__(" ".join(str(message).splitlines()))


def short(value: Any, limit: int = SHORT) -> str:
    """A repr for messages, cut to `limit` characters: errors never echo huge values."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 192:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def limit_text(x: float) -> str:
    """A range limit as people write it: 100,000,000 or 1e+15."""
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


@dataclass(frozen=True, slots=True)
class ParamMeta:
    """What a person (or a form) needs to know about one parameter.

    `min`/`max` bound a number (or each number of a list); `max_items` bounds a list's length
    (default `MAX_ITEMS`)."""

    label: str
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    unit: str = ""
    max_items: int | None = None


def param(default: Any = dataclasses.MISSING, **meta: Any) -> Any:
    """A dataclass field with parameter metadata (label, help, min, max, choices, unit)."""
    if "choices" in meta and meta["choices"] is not None:
        meta["choices"] = tuple(meta["choices"])
    return field(default=default, metadata={"param": ParamMeta(**meta)})


def meta_of(f: dataclasses.Field) -> ParamMeta:
    """A field's parameter metadata (a bare label when it has none)."""
    return f.metadata.get("param") or ParamMeta(label=f.name)


@dataclass(frozen=True, slots=True)
class ParamInfo:
    """A flattened parameter: its dotted path, Python type, default value and metadata."""

    path: str
    type: Any
    default: Any
    meta: ParamMeta


def walk(obj: Any, prefix: str = "") -> list[ParamInfo]:
    """Flatten a config object into ParamInfo rows (lists of records are indexed by `name`)."""
    rows: list[ParamInfo] = []
    hints = hints_of(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            rows += walk(value, path + ".")
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                key = getattr(item, "name", str(i))
                rows += walk(item, f"{path}.{key}.")
        else:
            rows.append(ParamInfo(path, hints[f.name], value, meta_of(f)))
    return rows


@functools.cache
def hints_of(cls: type) -> dict[str, Any]:
    """A dataclass's resolved annotations, computed once per class (loading 20,000 firms calls
    this 20,000 times)."""
    return typing.get_type_hints(cls)


@functools.cache
def fields_of(cls: type) -> dict[str, dataclasses.Field]:
    """A dataclass's fields by name, computed once per class."""
    return {f.name: f for f in dataclasses.fields(cls)}


# --- building typed objects from plain data, with errors that name the field --------------------


def build(cls: type, data: Any, where: str, path: str = "") -> Any:
    """Turn a plain dict (from TOML) into the frozen dataclass `cls`, validating every field."""
    if not isinstance(data, dict):
        at = path.removesuffix(".") or "top level"
        raise ScenarioError(f"{where}: {at}: expected a table, got {short(data)}")
    hints, fields = hints_of(cls), fields_of(cls)
    for key in data:
        if key not in fields:
            valid = ", ".join(fields)
            name = key if isinstance(key, str) else short(key)
            raise ScenarioError(
                f"{where}: {path}{short_key(name)}: unknown key (valid keys: {valid})"
            )
    kwargs = {}
    for name, f in fields.items():
        fpath = f"{path}{name}"
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ScenarioError(f"{where}: {fpath}: required field is missing")
            continue
        kwargs[name] = coerce(hints[name], data[name], where, fpath, meta_of(f))
    return cls(**kwargs)


def coerce(tp: Any, value: Any, where: str, path: str, meta: ParamMeta | None = None) -> Any:
    """Check `value` against the annotation `tp` (and range/choices) and return the typed value."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if value is None else coerce(args[0], value, where, path, meta)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, where, path + ".")
    if origin is tuple:
        return _coerce_tuple(tp, value, where, path, meta)
    return check_scalar(tp, value, where, path, meta)


def _coerce_tuple(tp: Any, value: Any, where: str, path: str, meta: ParamMeta | None) -> tuple:
    """A list field: `tuple[X, ...]` (at most `max_items` items) or a fixed pair like
    `tuple[str, int]`; the field's range applies to every number inside."""
    if not isinstance(value, list | tuple):
        raise ScenarioError(f"{where}: {path}: expected a list, got {short(value)}")
    args = typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        most = meta.max_items if meta is not None and meta.max_items is not None else MAX_ITEMS
        if len(value) > most:
            raise ScenarioError(
                f"{where}: {path}: {len(value):,} items, more than the limit of {most:,}"
            )
        return tuple(
            coerce(args[0], v, where, _item_path(path, i, v), meta) for i, v in enumerate(value)
        )
    if len(value) != len(args):
        raise ScenarioError(f"{where}: {path}: expected {len(args)} items, got {short(value)}")
    return tuple(
        coerce(a, v, where, f"{path}[{i}]", meta)
        for i, (a, v) in enumerate(zip(args, value, strict=True))
    )


def check_scalar(tp: Any, value: Any, where: str, path: str, meta: ParamMeta | None) -> Any:
    """Type, range and choice checks for one scalar (floats must be finite, strings clean)."""
    if tp is bool:
        if not isinstance(value, bool):
            raise ScenarioError(f"{where}: {path}: expected true or false, got {short(value)}")
        return value
    if tp is int:
        written, value = value, _as_int(value, where, path)
        if meta is not None:
            check_meta(written, where, path, meta)  # messages show 1e+23, not 99999...392
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"{where}: {path}: expected a number, got {short(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ScenarioError(
                f"{where}: {path}: {short(value)} is not allowed: numbers must be finite"
            )
        if meta is not None:
            check_meta(value, where, path, meta)  # before float(): shows the value as written
        return float(value)
    if tp is str:
        _check_text(value, where, path)
    if meta is not None:
        check_meta(value, where, path, meta)
    return value


def _as_int(value: Any, where: str, path: str) -> int:
    """A whole number: an int, or a float with no fraction (TOML writes 1e6 as a float)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{where}: {path}: expected an integer, got {short(value)}")
    return value


def _check_text(value: Any, where: str, path: str) -> None:
    """A string of printable text: no control characters or lone surrogates (they break the
    one-line messages and the CSV output), at most MAX_TEXT characters."""
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: {path}: expected a string, got {short(value)}")
    if len(value) > MAX_TEXT:
        raise ScenarioError(
            f"{where}: {path}: {len(value):,} characters, more than the limit of {MAX_TEXT:,}"
        )
    bad = _BAD_CHARS.search(value)
    if bad:
        raise ScenarioError(f"{where}: {path}: control character {bad.group()!r} in {short(value)}")


def check_meta(value: Any, where: str, path: str, meta: ParamMeta) -> None:
    """Choices and range of one value."""
    if meta.choices is not None and value not in meta.choices:
        valid = ", ".join(meta.choices)
        raise ScenarioError(f"{where}: {path}: {short(value)} is not one of: {valid}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != value:  # NaN
            raise ScenarioError(f"{where}: {path}: NaN is not allowed")
        if meta.min is not None and value < meta.min:
            raise ScenarioError(
                f"{where}: {path}: {short(value)} is below the minimum {limit_text(meta.min)}"
            )
        if meta.max is not None and value > meta.max:
            raise ScenarioError(
                f"{where}: {path}: {short(value)} is above the maximum {limit_text(meta.max)}"
            )


def short_key(key: str) -> str:
    """A key or name as it appears in a dotted path: itself if short and printable, else a
    cut repr."""
    return key if len(key) <= 40 and key.isprintable() and key.strip() == key else short(key, 40)


def _item_path(path: str, i: int, value: Any) -> str:
    """`firms.Tesla` for a named record, `targets[2]` otherwise."""
    if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"]:
        return f"{path}.{short_key(value['name'])}"
    return f"{path}[{i}]"
