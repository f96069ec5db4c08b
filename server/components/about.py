"""The About tab, in the manner of NetLogo's Info tab: what the model is, how it works, things to
notice, things to try, and its sources; then every headline figure and control with the help text
its tooltip shows (read from the same definitions, never copied)."""

from __future__ import annotations

import functools
import html
import math
from typing import Any

import solara

from model.figures import FIGURES, HEADLINE
from model.market import GpuMarket
from server.components.common import figure_tooltip, heading, md_html, tooltip_for
from server.components.echart import EChart
from server.levers import levers
from server.session import use_tick

WHAT = """
An agent-based simulation of a scarce supply of AI chips. Each week Nvidia makes a limited number
of H100 GPUs and an **allocation rule** shares them among the buyers: Microsoft, Meta, Google,
Amazon, Oracle, CoreWeave, ByteDance, Tencent, the rest of the market, and three firms with one
owner, **Tesla, X and xAI**. It starts from a real episode: in December 2023 an Nvidia memo
recorded that Elon Musk had 12,000 H100s shipped for Tesla sent to X instead, with X's later units
going back to Tesla. The model asks who gets the chips, at what price, how fast, and how much
**friction** every change of plan costs.
"""

HOW = """
One step is one week (the phases run in this order, as in the diagram):

1. **Produce**: Nvidia's weekly output follows a schedule (times the supply multiplier, cut during
   a supply shock).
2. **Plan orders**: each buyer works out its need (target installed base minus what it has,
   what is on the way and what it has on order) and books orders, truthfully or padded while
   supply is short.
3. **Allocate**: the allocation mechanism shares out the week's supply among the open orders and
   sets the price.
4. **Reprioritize**: the owner (Musk) may ask Nvidia to move units among his firms; Nvidia
   accepts, accepts as a swap (the receiver's later units go back) or refuses. Every move, and
   every refusal, costs friction.
5. **Ship**: units travel for a few weeks.
6. **Deploy**: delivered units go into powered data-centre slots; the rest sit **idle**.
7. **Collect**: the week's numbers go into the model's tables (downloadable as CSV).
"""

NOTICE = """
- While supply is short, buyers order more than they need under the **proportional** rule
  (Fairness tab: orders / true need above 1), and cancel when the shortage ends: the phantom
  orders of Lee, Padmanabhan & Whang (1997).
- The December 2023 redirects are the red bands in **Flows** in weeks 9 to 11 (December 2023);
  X repays Tesla in January and June 2024 (orange *reschedule* friction).
- Tesla's delivered chips sit idle while its data centre is full: it "had no place to send the
  Nvidia chips to turn them on" (Musk, June 2024).
- The quoted lead time falls as output catches up with orders.
- In **Negotiation**, a more patient buyer pays less, as in Rubinstein (1982).
"""

TRY = """
- Set the allocation mechanism to **uniform** and press Reset: order inflation disappears
  (Sprumont 1991; Cachon & Lariviere 1999). Then try **linear**.
- Open **Compare**: B runs without the owner's policy. How many weeks later (or sooner) does Tesla
  reach its target, and how many units does the owner owe it?
- Move **Tesla: Data-centre ready date shift** to -20 weeks: are the redirects still worth it?
- Set the supply multiplier to 0.7 or 1.5, or add a supply shock, and watch the backlog and price.
- Press **Presenter mode** (or open the page as `?presenter=1`) for big text on a projector.
"""

SOURCES = """
- Nvidia memo on the December 2023 redirect, and Nvidia's April 2024 email that Tesla's statements
  "conflict with bookings": CNBC, 4 June 2024.
- Omdia: 2023 H100 shipments by buyer (November 2023); 2024 Hopper shipments by buyer (via the
  Financial Times, December 2024).
- Tesla Q1 2024 earnings call (23 April 2024: ~35,000 H100s, "~85k" by the end of 2024) and Q3 2024
  call (23 October 2024: Cortex); Musk on X, 4 June 2024.
- Cachon, G. P. & Lariviere, M. A. (1999). Capacity choice and allocation: strategic behavior and
  supply chain performance. *Management Science* 45(8), 1091-1108; and An equilibrium analysis of
  linear, proportional and uniform allocation of scarce capacity. *IIE Transactions* 31(9),
  835-849; and Capacity allocation using past sales: when to turn-and-earn. *Management Science*
  45(5), 685-703.
- Sprumont, Y. (1991). The division problem with single-peaked preferences: a characterization of
  the uniform allocation rule. *Econometrica* 59(2), 509-519.
- Lee, H. L., Padmanabhan, V. & Whang, S. (1997). Information distortion in a supply chain: the
  bullwhip effect. *Management Science* 43(4), 546-558.
- Rubinstein, A. (1982). Perfect equilibrium in a bargaining model. *Econometrica* 50(1), 97-109.
"""

SECTIONS = (
    ("What is it?", WHAT),
    ("How it works", HOW),
    ("Things to notice", NOTICE),
    ("Things to try", TRY),
    ("Sources", SOURCES),
)
PHASES = (
    "Produce",
    "Plan orders",
    "Allocate",
    "Reprioritize",
    "Ship",
    "Deploy (or idle)",
    "Collect",
)


@functools.cache
def section_html(text: str) -> str:
    """A section's Markdown as HTML (our own text, rendered once)."""
    return md_html(text)


def cycle_option() -> dict[str, Any]:
    """The weekly step as a ring of phases with arrows, clockwise from the top."""
    n = len(PHASES)
    nodes = [
        {
            "name": f"{i + 1}. {p}",
            "x": 100 * math.sin(2 * math.pi * i / n),
            "y": -100 * math.cos(2 * math.pi * i / n),
            "symbolSize": 18,
            "label": {"position": "left" if i > n / 2 else "right"},
        }
        for i, p in enumerate(PHASES)
    ]
    links = [{"source": nodes[i]["name"], "target": nodes[(i + 1) % n]["name"]} for i in range(n)]
    return {
        "tooltip": {"show": False},
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "top": 30,
                "bottom": 30,
                "left": "30%",
                "right": "30%",
                "label": {"show": True, "color": "#212121"},
                "edgeSymbol": ["none", "arrow"],
                "edgeSymbolSize": 12,
                "lineStyle": {"color": "#555555", "width": 2, "curveness": 0.2},
                "itemStyle": {"color": "#0077bb"},
                "data": nodes,
                "links": links,
            }
        ],
    }


def glossary_html(m: GpuMarket) -> str:
    """Every headline figure and control with its help text, the one its tooltip shows."""
    figures = [(FIGURES[k].label, figure_tooltip(k)) for k in HEADLINE]
    controls = [(lv.label, tooltip_for(lv.path) or lv.help) for lv in levers(m.config)]

    def table(rows: list[tuple[str, str]]) -> str:
        cells = "".join(
            f"<tr><th scope='row'>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>"
            for a, b in rows
        )
        return f'<table class="about-glossary">{cells}</table>'

    return f"<h4>Headline figures</h4>{table(figures)}<h4>Controls</h4>{table(controls)}"


@solara.component
def AboutView(m: GpuMarket) -> None:
    """The About tab: the model in words, its weekly cycle, and what every number means."""
    use_tick()
    with solara.Div(classes=["about"]):
        for title, text in SECTIONS[:2]:
            heading(title, level=3)
            solara.HTML(tag="div", unsafe_innerHTML=section_html(text))
        EChart(
            cycle_option(),
            name="about_cycle",
            stamp=m.week,
            layout="cycle",
            height=300,
            label="The weekly step: produce, plan orders, allocate, reprioritize, ship, deploy, "
            "collect",
        )
        for title, text in SECTIONS[2:]:
            heading(title, level=3)
            solara.HTML(tag="div", unsafe_innerHTML=section_html(text))
        heading("What the numbers and controls mean", level=3)
        solara.HTML(tag="div", unsafe_innerHTML=glossary_html(m))
