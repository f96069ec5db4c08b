"""A printable run report: one self-contained HTML file (`gpu-alloc run --report FILE.html`, and
the app's "Download report").

document.py   the page: settings, headline figures, charts, events, the record check; print CSS
charts.py     the four charts as inline SVG (matplotlib's object API, no pyplot)
narrative.py  the events table in plain words, month by month

The app imports this package too: it is the one place the report is built, so the file from the
command line and the one from the browser are the same bytes for the same run.
"""

from server.reporting.document import report_html, write_report

__all__ = ["report_html", "write_report"]
