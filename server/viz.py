"""The same views inside Mesa's own SolaraViz: `solara run server/viz.py`, or `Page()` in Jupyter.

SolaraViz's model form passes plain keyword arguments to `GpuMarket`, so only the scenario and the
seed can be changed here, and it has no place for validation messages, lessons or a comparison;
that is why the main app (server/app.py) has its own controls. The charts are the same components:
outside our page they redraw on Mesa's `update_counter`, which SolaraViz bumps after each step.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import SolaraViz

from model.market import GpuMarket
from model.params import walk
from model.scenario import load_scenario, scenario_names
from server.components.allocations import AllocationsChart, InstalledChart
from server.components.events import EventLog
from server.components.fairness import FairnessChart, InflationChart
from server.components.flow import FlowChart
from server.components.friction import FrictionChart
from server.components.supply import BacklogChart, IdleChart, PriceChart

SEED_SLIDER_MAX = 1_000  # a slider over 2**63 seeds is unusable; any seed works from code

COMPONENTS = [
    (AllocationsChart, 0),
    (InstalledChart, 0),
    (IdleChart, 1),
    (BacklogChart, 1),
    (PriceChart, 1),
    (FrictionChart, 2),
    (EventLog, 2),
    (FairnessChart, 3),
    (InflationChart, 3),
    (lambda m: FlowChart(m, cumulative=True), 4),
]


class VizMarket(GpuMarket):
    """`GpuMarket` under a keyword SolaraViz can pass: it fills a `scenario` argument with Mesa's
    own `mesa.experimental.scenarios.Scenario` whenever the model accepts one, which is not ours."""

    def __init__(self, scenario_name: str = "baseline", seed: int | None = None) -> None:
        super().__init__(scenario_name, seed=seed)


def viz_params(scenario: str = "baseline") -> dict[str, Any]:
    """SolaraViz's form, with labels, defaults and ranges from the model's parameter definitions."""
    seed = next(p for p in walk(load_scenario(scenario)) if p.path == "seed")
    return {
        "scenario_name": {
            "type": "Select",
            "value": scenario,
            "values": scenario_names(),
            "label": "Scenario",
        },
        "seed": {
            "type": "SliderInt",
            "value": seed.default,
            "label": seed.meta.label,
            "min": int(seed.meta.min or 0),
            "max": SEED_SLIDER_MAX,
            "step": 1,
        },
    }


@solara.component
def Page() -> None:
    """One model per session (made on first render, never at module level)."""
    model = solara.use_memo(VizMarket, [])
    SolaraViz(
        model, components=COMPONENTS, model_params=viz_params(), name="GPU allocation (SolaraViz)"
    )
