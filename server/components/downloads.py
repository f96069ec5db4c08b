"""Download the current run's tables as CSV, byte for byte what `gpu-alloc run --format csv`
writes, and its printable report, the page `gpu-alloc run --report` writes."""

from __future__ import annotations

from typing import Any

import solara

from model.market import GpuMarket
from server.session import Session

TABLES = ("model", "firms", "events")


def report_page(m: GpuMarket, overrides: dict[str, Any]) -> str:
    """The printable HTML report of the run as it stands, the same page `gpu-alloc run --report`
    writes (imported here, so the charting library loads only when a report is asked for)."""
    from server.reporting import report_html

    return report_html(m, overrides)


def table_csv(m: GpuMarket, name: str) -> str:
    """One of the model's three tables as CSV (the same `DataFrame.to_csv(index=False)` as the
    CLI)."""
    return m.tables()[name].to_csv(index=False)


@solara.component
def Downloads(session: Session) -> None:
    """The three tables and the printable report; each is built from the run at click time, so it
    holds every week stepped so far."""
    solara.Text("Download this run's tables")
    with solara.Row(gap="4px"):
        for name in TABLES:
            solara.FileDownload(
                lambda name=name: table_csv(session.market.value, name),
                filename=f"{name}.csv",
                label=f"{name}.csv",
                mime_type="text/csv",
            )
    spec = session.spec.value
    solara.FileDownload(
        lambda: report_page(session.market.value, session.spec.value.settings),
        filename=f"{spec.scenario}-report.html",
        label="Download report",
        mime_type="text/html",
    )
