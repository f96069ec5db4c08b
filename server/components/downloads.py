"""Download the current run's tables as CSV, byte for byte what `gpu-alloc run --format csv`
writes."""

from __future__ import annotations

import solara

from model.market import GpuMarket
from server.session import Session

TABLES = ("model", "firms", "events")


def table_csv(m: GpuMarket, name: str) -> str:
    """One of the model's three tables as CSV (the same `DataFrame.to_csv(index=False)` as the
    CLI)."""
    return m.tables()[name].to_csv(index=False)


@solara.component
def Downloads(session: Session) -> None:
    """Three buttons; each reads the run at click time, so it holds every week stepped so far."""
    solara.Text("Download this run's tables")
    with solara.Row(gap="4px"):
        for name in TABLES:
            solara.FileDownload(
                lambda name=name: table_csv(session.market.value, name),
                filename=f"{name}.csv",
                label=f"{name}.csv",
                mime_type="text/csv",
            )
