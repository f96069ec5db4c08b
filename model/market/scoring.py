"""A scenario scored against the public record: runs over several seeds, then `model.record`.

Kept beside the market because it runs it; the scoring itself is pure logic in `model.record`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model.market.market import GpuMarket
from model.params import ScenarioError
from model.record import RecordScore, Run, load_record, score
from model.scenario import Scenario, load_scenario

MAX_SEEDS = 100  # a baseline run takes ~40-80 ms: 100 seeds stay within seconds
MAX_SEED = 2**63 - 1  # seeds travel as int64


def record_table(
    scenario: str | Path | Scenario = "baseline",
    seeds: int = 5,
    overrides: dict[str, Any] | None = None,
    *,
    seed: int | None = None,
    record: str | Path | None = None,
) -> RecordScore:
    """Run `scenario` with seeds seed, seed+1, ... (`seed` defaults to the scenario's) and score
    the runs against the record (the shipped one unless `record` names a CSV)."""
    if not 1 <= seeds <= MAX_SEEDS:
        raise ScenarioError(f"--seeds: expected 1 to {MAX_SEEDS} seeds, got {seeds}")
    points = load_record(record)  # a bad record costs nothing: checked before any run
    config = load_scenario(scenario, overrides)
    first = config.seed if seed is None else seed
    if not 0 <= first <= MAX_SEED - (seeds - 1):
        raise ScenarioError(
            f"--seed: seeds {first} to {first + seeds - 1} must lie in [0, 2**63-1]"
        )
    return score(points, (_run(config, first + i) for i in range(seeds)))


def _run(config: Scenario, seed: int) -> Run:
    """One run's model and firms tables."""
    m = GpuMarket(config, seed=seed).run()
    return m.model_table(), m.firms_table()
