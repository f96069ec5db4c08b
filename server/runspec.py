"""A run's recipe (`RunSpec`): a built-in scenario and the overrides its controls set.

Kept apart from the session so that lessons (`server.curriculum`) build on it without the session.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from model.market import GpuMarket
from model.params import ScenarioError, short, walk
from model.scenario import load_scenario, scenario_names


@functools.cache
def builtin_scenarios() -> tuple[str, ...]:
    """The built-in scenarios' names: the only scenarios the app ever loads."""
    return tuple(scenario_names())


def check_scenario(name: Any) -> str:
    """`name` if it is a built-in scenario; a path, or any other value, is refused unread."""
    if not isinstance(name, str) or name not in builtin_scenarios():
        valid = ", ".join(builtin_scenarios())
        raise ScenarioError(f"Scenario: {short(name)} is not a built-in scenario ({valid})")
    return name


@dataclass(frozen=True)
class RunSpec:
    """Scenario name plus dotted-path overrides: everything needed to rebuild the same run.

    The scenario must be built-in (checked here, so no spec can name a file); the overrides are
    checked against the parameter definitions when the scenario is loaded."""

    scenario: str = "baseline"
    overrides: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        check_scenario(self.scenario)

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.overrides)

    def build(self) -> GpuMarket:
        """A fresh model; raises ScenarioError (with the field and value) on bad settings."""
        return GpuMarket(self.scenario, overrides=self.settings)

    def canonical(self) -> RunSpec:
        """The same run with overrides that merely repeat the scenario's own values dropped."""
        base = {p.path: p.default for p in walk(load_scenario(self.scenario))}
        kept = {
            k: v for k, v in self.settings.items() if k not in base or freeze(base[k]) != freeze(v)
        }
        return RunSpec.of(self.scenario, kept)

    def validate(self) -> None:
        load_scenario(self.scenario, self.settings)

    @staticmethod
    def of(scenario: str, overrides: dict[str, Any]) -> RunSpec:
        """A spec with overrides in canonical form (sorted, lists as tuples), so equal runs compare
        equal."""
        return RunSpec(scenario, tuple(sorted((k, freeze(v)) for k, v in overrides.items())))

    def with_settings(self, **changes: Any) -> RunSpec:
        """The same recipe with some overrides replaced (keys are dotted paths)."""
        return RunSpec.of(self.scenario, {**self.settings, **changes})

    def describe(self) -> str:
        extra = ", ".join(f"{k} = {_show(v)}" for k, v in self.overrides)
        return f"{self.scenario}" + (f" with {extra}" if extra else "")


def freeze(value: Any) -> Any:
    """Lists to tuples, recursively (dicts are kept: the loader reads them as tables)."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    return value


def _show(value: Any) -> str:
    if isinstance(value, list | tuple) and not value:
        return "none"
    if isinstance(value, list | tuple):
        return " > ".join(map(str, value)) if all(isinstance(v, str) for v in value) else str(value)
    return str(value)
