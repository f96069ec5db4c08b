"""An ECharts widget that merges each update into the drawn chart instead of replacing it.

Solara's stock `FigureEcharts` redraws from scratch on every change (tooltips vanish, animation
replays). This one merges (`notMerge: false`) and rebuilds only when `layout` changes, loads the
minified ECharts from Solara's offline CDN cache, and marks the DOM element with `data-chart` and
`data-stamp` (the week last drawn) so end-to-end tests can see what is on screen.
"""

from __future__ import annotations

from typing import Any

import ipyvuetify
import solara
import traitlets


class EChartWidget(ipyvuetify.VuetifyTemplate):
    """The browser side lives in echart.vue."""

    template_file = (__file__, "echart.vue")
    option = traitlets.Any({}).tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    attributes = traitlets.Dict({}).tag(sync=True)


@solara.component
def EChart(option: dict[str, Any], name: str, stamp: int = 0, layout: str = "", height: int = 320):
    """Draw `option`; `stamp` (the model week) shows up as `data-stamp` once drawn."""
    full = {"animation": False, **option, "stamp": stamp, "layout": layout}
    style = f"height: {height}px; width: 100%;"
    return EChartWidget.element(option=full, name=name, attributes={"style": style})
