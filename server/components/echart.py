"""An ECharts widget that merges each update into the drawn chart instead of replacing it.

Solara's stock `FigureEcharts` redraws from scratch on every change (tooltips vanish, animation
replays). This one merges (`notMerge: false`) and rebuilds only when `layout` changes, loads the
minified ECharts from Solara's offline CDN cache, and marks the DOM element with `data-chart` and
`data-stamp` (the week last drawn) so end-to-end tests can see what is on screen. Text sizes and
line widths come from `common.present`, big in presenter mode.
"""

from __future__ import annotations

from typing import Any

import ipyvuetify
import solara
import traitlets

from server.components.common import present, use_presenter

PRESENTER_HEIGHT = 1.3  # charts grow in presenter mode, so big labels leave room for the data
SCREEN_HEIGHT = 720  # px: the screen height a chart's `height` is meant for
MOST_GROWTH = 1.6  # a chart grows with the screen up to this factor


class EChartWidget(ipyvuetify.VuetifyTemplate):
    """The browser side lives in echart.vue."""

    template_file = (__file__, "echart.vue")
    option = traitlets.Any({}).tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    attributes = traitlets.Dict({}).tag(sync=True)


@solara.component
def EChart(
    option: dict[str, Any],
    name: str,
    stamp: int = 0,
    layout: str = "",
    height: int = 320,
    label: str = "",
):
    """Draw `option`; `stamp` (the model week) shows up as `data-stamp` once drawn; `label` is
    what a screen reader announces. Switching presenter mode rebuilds the chart (its layout key
    changes)."""
    big = use_presenter()
    styled = present(option, big)
    full = {"animation": False, **styled, "stamp": stamp, "layout": f"{layout}:p{int(big)}"}
    px = round(height * PRESENTER_HEIGHT) if big else height
    # `height` is for a 720 px tall screen; taller screens (a projector at 1080) get taller charts
    tall = f"clamp({px}px, {px * 100 / SCREEN_HEIGHT:.1f}vh, {round(px * MOST_GROWTH)}px)"
    attributes = {
        "style": f"height: {tall}; width: 100%;",
        "role": "img",
        "aria-label": label or f"{name.replace('_', ' ')} chart",
    }
    return EChartWidget.element(option=full, name=name, attributes=attributes)
