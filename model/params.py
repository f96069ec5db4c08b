"""One parameter definition for the whole project: typed frozen dataclasses whose fields carry
label, help, range and choices. The scenario loader, the CLI's `--set`, the app's controls and the
sweep specs all read these definitions, so defaults and ranges never drift apart.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any


class ScenarioError(ValueError):
    """A scenario, override or spec value is wrong; the message names the source, field and
    value."""


@dataclass(frozen=True, slots=True)
class ParamMeta:
    """What a person (or a form) needs to know about one parameter."""

    label: str
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    unit: str = ""


def param(default: Any = dataclasses.MISSING, **meta: Any) -> Any:
    """A dataclass field with parameter metadata (label, help, min, max, choices, unit)."""
    if "choices" in meta and meta["choices"] is not None:
        meta["choices"] = tuple(meta["choices"])
    return field(default=default, metadata={"param": ParamMeta(**meta)})


def meta_of(f: dataclasses.Field) -> ParamMeta:
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
    hints = typing.get_type_hints(type(obj))
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


# --- building typed objects from plain data, with errors that name the field --------------------


def build(cls: type, data: Any, where: str, path: str = "") -> Any:
    """Turn a plain dict (from TOML) into the frozen dataclass `cls`, validating every field."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: {path or 'top level'}: expected a table, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            valid = ", ".join(fields)
            raise ScenarioError(f"{where}: {path}{key}: unknown key (valid keys: {valid})")
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
        if not isinstance(value, list | tuple):
            raise ScenarioError(f"{where}: {path}: expected a list, got {value!r}")
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(
                coerce(args[0], v, where, _item_path(path, i, v), meta) for i, v in enumerate(value)
            )
        if len(value) != len(args):
            raise ScenarioError(f"{where}: {path}: expected {len(args)} items, got {value!r}")
        return tuple(
            coerce(a, v, where, f"{path}[{i}]")
            for i, (a, v) in enumerate(zip(args, value, strict=True))
        )
    return check_scalar(tp, value, where, path, meta)


def check_scalar(tp: Any, value: Any, where: str, path: str, meta: ParamMeta | None) -> Any:
    """Type, range and choice checks for one scalar."""
    if tp is bool:
        if not isinstance(value, bool):
            raise ScenarioError(f"{where}: {path}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(f"{where}: {path}: expected an integer, got {value!r}")
    elif tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"{where}: {path}: expected a number, got {value!r}")
        if meta is not None:
            check_meta(
                value, where, path, meta
            )  # before float(): messages show the value as written
        return float(value)
    elif tp is str and not isinstance(value, str):
        raise ScenarioError(f"{where}: {path}: expected a string, got {value!r}")
    if meta is not None:
        check_meta(value, where, path, meta)
    return value


def check_meta(value: Any, where: str, path: str, meta: ParamMeta) -> None:
    if meta.choices is not None and value not in meta.choices:
        valid = ", ".join(meta.choices)
        raise ScenarioError(f"{where}: {path}: {value!r} is not one of: {valid}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != value:  # NaN
            raise ScenarioError(f"{where}: {path}: NaN is not allowed")
        if meta.min is not None and value < meta.min:
            raise ScenarioError(f"{where}: {path}: {value!r} is below the minimum {meta.min:g}")
        if meta.max is not None and value > meta.max:
            raise ScenarioError(f"{where}: {path}: {value!r} is above the maximum {meta.max:g}")


def _item_path(path: str, i: int, value: Any) -> str:
    """`firms.Tesla` for a named record, `targets[2]` otherwise."""
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return f"{path}.{value['name']}"
    return f"{path}[{i}]"
