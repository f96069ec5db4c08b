"""The report page: one self-contained HTML file, its sections in order, and print CSS for A4.

Nothing in the page is fetched: styles are inline, charts are inline SVG, fonts are the reader's
own, and a Content-Security-Policy forbids any request the browser might still think of making.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Collection
from html import escape
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from agents.population import LONG_TAIL_COLOR
from model.figures import FIGURES, RUN_SUMMARY, Figure, figures
from model.market import GpuMarket
from model.market.scoring import record_table
from model.params import ScenarioError
from model.record import HEADER, RecordScore, number, table_row
from server.reporting import charts
from server.reporting.narrative import narrative_html

FIRM_HEADER = (
    "Firm",
    "Owner",
    "Allocated",
    "Redirected in",
    "Redirected out",
    "Installed",
    "Target",
)
CSP = "default-src 'none'; style-src 'unsafe-inline'"
CSS = """
@page { size: A4; margin: 16mm 14mm; }
html { color: #222; background: #fff; }
body { font: 10pt/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; max-width: 182mm;
       margin: 0 auto; padding: 10mm 0; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 0 0 3mm; border-bottom: 1px solid #bbb; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm; break-after: avoid; }
.subtitle { color: #555; margin: 0 0 6mm; }
section { margin-top: 9mm; }
section + section { break-before: page; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 2mm 0 4mm; }
th, td { border-bottom: 1px solid #ddd; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
figure { margin: 0 0 6mm; break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; max-height: 120mm; }
.source { color: #666; font-size: 8pt; }
.note { color: #555; font-style: italic; }
.key-summary { background: #fdecea; border-left: 3px solid #d62728; padding: 2mm 3mm; }
ul.events { margin: 0 0 2mm; padding-left: 5mm; }
ul.events li { margin: 0.6mm 0; break-inside: avoid; }
ul.events li.key { font-weight: 600; list-style: square; color: #8b1a1a; }
@media print { body { max-width: none; padding: 0; } }
"""


def report_html(m: GpuMarket, overrides: dict[str, Any] | None = None) -> str:
    """The report of `m` as it stands (finished or not) as one HTML page; `overrides` are the
    settings the run was built with, shown as given (they are already in `m.config`)."""
    title = f"GPU allocation run report: {m.config.name}"
    sections = [
        settings_section(m, overrides or {}),
        figures_section(m),
        charts_section(m),
        events_section(m),
        record_section(m),
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p class='subtitle'>{escape(progress(m))}</p></header>\n"
        + "\n".join(sections)
        + "\n</body>\n</html>\n"
    )


def write_report(m: GpuMarket, path: str | Path, overrides: dict[str, Any] | None = None) -> Path:
    """Write `report_html(m, overrides)` to `path`, making its folder if needed (through a
    temporary file, so a failed write leaves no half page behind); returns the path."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name")
    page = report_html(m, overrides)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return path


def progress(m: GpuMarket) -> str:
    """Where the run stands and what wrote the report."""
    first, last = m.model_table().date.iloc[[0, -1]] if m.week else ("-", "-")
    span = f"{first} to {last}" if m.week else "not started"
    done = "finished" if m.week >= m.weeks else "in progress"
    return (
        f"Week {m.week} of {m.weeks} ({done}; {span}), seed {m.seed}. "
        f"gpu-allocation-sim {version()}."
    )


def version() -> str:
    """The installed package's version (unknown when run from a bare checkout)."""
    try:
        return metadata.version("gpu-allocation-sim")
    except metadata.PackageNotFoundError:
        return "(version unknown)"


def section(key: str, heading: str, body: str) -> str:
    return f"<section id='{key}'>\n<h2>{escape(heading)}</h2>\n{body}\n</section>"


def html_table(header: list[str], rows: list[list[str]], numeric: Collection[int] = ()) -> str:
    """A table of already-escaped cells; columns in `numeric` align right."""

    def cell(tag: str, i: int, text: str) -> str:
        return f"<{tag} class='num'>{text}</{tag}>" if i in numeric else f"<{tag}>{text}</{tag}>"

    head = "".join(cell("th", i, escape(h)) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def shown(value: Any) -> str:
    """A setting as a reader reads it: lists joined with commas, empty as a dash."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return str(value) if value not in ("", None) else "-"


def settings_section(m: GpuMarket, overrides: dict[str, Any]) -> str:
    """What ran: the scenario, its seed and rules, and every override given."""
    c = m.config
    rows = [
        ("Scenario", c.name),
        ("Description", c.description),
        ("Seed", m.seed),
        ("Start date, horizon", f"{c.start_date}, {m.weeks} weeks"),
        ("Allocation mechanism", c.market.mechanism),
        ("Owner", f"{c.owner.name}, owning {shown(c.owner.firms)}"),
        ("Owner policy", c.owner.policy),
        ("Owner's priority", shown(c.owner.priority)),
        ("Nvidia's answer to redirect requests", c.supplier.redirect_answer),
        ("Firms", shown([f.name for f in c.firms])),
    ]
    body = html_table(["Setting", "Value"], [[escape(k), escape(shown(v))] for k, v in rows])
    if overrides:
        over = [[escape(k), escape(repr(v))] for k, v in sorted(overrides.items())]
        body += "<h3>Overrides</h3>" + html_table(["Parameter", "Value"], over)
    else:
        body += "<p class='note'>No overrides: the scenario as written.</p>"
    return section("settings", "Scenario and settings", body)


def figure_value(f: Figure, value: float) -> str:
    """A headline figure with its unit: GPUs, dollars (in billions when large), weeks."""
    if not math.isfinite(value):
        return "n/a"
    match f.unit:
        case "units":
            return f"{value:,.0f} GPUs"
        case "usd":
            return f"${value / 1e9:,.2f}B" if abs(value) >= 1e9 else f"${value:,.0f}"
        case "weeks":
            return f"{value:,.1f} weeks"
    return number(value)


def figures_section(m: GpuMarket) -> str:
    """The run's headline figures (`model.figures.RUN_SUMMARY`), then each firm at the end."""
    values = figures(m.model_table(), RUN_SUMMARY)
    rows = [
        [escape(FIGURES[k].label), escape(figure_value(FIGURES[k], v))] for k, v in values.items()
    ]
    body = html_table(["Figure", "Value"], rows, numeric={1})
    firms = m.firms_table()
    if not firms.empty:
        body += "<h3>Each firm over the run</h3>" + firm_table(firms)
    return section("figures", "Headline figures", body)


def firm_table(firms: pd.DataFrame) -> str:
    """Per firm: GPUs allocated and redirected over the run, installed and target at the end."""
    totals = firms.groupby("firm", sort=False)[["allocated", "redirected_in", "redirected_out"]]
    summed = totals.sum()
    last = firms[firms.step == firms.step.max()].set_index("firm")
    rows = [
        [
            escape(name),
            escape(str(last.at[name, "owner"] or "-")),
            *(f"{int(summed.at[name, col]):,}" for col in summed.columns),
            f"{int(last.at[name, 'installed']):,}",
            f"{int(last.at[name, 'target']):,}",
        ]
        for name in summed.index
    ]
    return html_table(list(FIRM_HEADER), rows, numeric={2, 3, 4, 5, 6})


def colors(m: GpuMarket) -> dict[str, str]:
    """One colour per firm, the model's own; the long tail (one summed row) in grey."""
    own = {f.name: f.color for f in m.firms}
    return {name: own.get(name, LONG_TAIL_COLOR) for name in m.recorder.names}


def charts_section(m: GpuMarket) -> str:
    """Allocations, the owner's installed base, friction, lead time and price, as inline SVG."""
    if m.week == 0:
        return section("charts", "Charts", "<p class='note'>No weeks simulated yet.</p>")
    model, firms, palette = m.model_table(), m.firms_table(), colors(m)
    svgs = [
        charts.allocations_chart(firms, palette),
        charts.installed_chart(firms, m.config.owner.firms, palette),
        charts.friction_chart(model),
        charts.lead_price_chart(model),
    ]
    return section("charts", "Charts", "\n".join(f"<figure>{s}</figure>" for s in svgs))


def events_section(m: GpuMarket) -> str:
    """The event log in plain words, grouped by month."""
    return section("events", "What happened", narrative_html(m.events_table()))


def record_section(m: GpuMarket) -> str:
    """The run's setting against the public record: one run to the horizon with the run's seed
    and overrides; skipped, with the reason, when the record names firms the scenario lacks."""
    heading = "Against the public record"
    try:
        result = record_table(m.config, 1, seed=m.seed)
    except ScenarioError as exc:
        return section("record", heading, f"<p class='note'>Not checked: {escape(str(exc))}.</p>")
    return section("record", heading, record_body(result, m))


def record_body(result: RecordScore, m: GpuMarket) -> str:
    """Each reported point against the simulated figure, then the totals."""
    rows = []
    for p in result.points:
        cells = [escape(c) for c in table_row(p)]
        cells[0] += f"<br><span class='source'>{escape(p.source)}</span>"
        rows.append(cells)
    intro = (
        f"<p>One run of {escape(m.config.name)} to its horizon ({m.config.weeks} weeks), seed "
        f"{m.seed}, with the settings above; claims are shown but not scored.</p>"
    )
    totals = (
        f"<p>Inside {result.inside} of {result.total}, score {number(result.score, 1)}, "
        f"mean distance {number(result.mean_distance, 1)} (in units of the reported range).</p>"
    )
    return intro + html_table(list(HEADER), rows, numeric={6}) + totals
