"""A sweep's directory: results reach disk chunk by chunk, atomically, and are compacted at the end.

    DIR/spec.json         the resolved spec (what the report reads)
    DIR/design.parquet    every run: run_index, run_id, config, sample, seed, parameters, overrides
    DIR/chunks/runs-NNNNNN.parquet    one file per finished chunk: the ledger (status, error,
                                      metrics)
    DIR/chunks/series-NNNNNN.parquet  its weekly series, written before the runs file
    DIR/failures.jsonl    failed runs as they happen (a log; runs.parquet is authoritative)
    DIR/runs.parquet, DIR/series.parquet, DIR/summary.json    after compaction

A chunk file appears only complete (written to a temporary name, then renamed), so whatever is in
`chunks/` after a crash is good, and `--resume` runs only the run ids it does not hold.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.executors import SweepError

CHUNK = re.compile(r"^(runs|series)-(\d{6,})\.parquet$")


def atomic_parquet(table: pa.Table | pd.DataFrame, path: Path) -> None:
    """Write `path` so that readers never see half a file."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


class Store:
    """Reads and writes one sweep directory."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.chunks = self.out / "chunks"
        self._seq = 0

    # --- starting and resuming -----------------------------------------------------------------

    def check(self, design: pd.DataFrame, resume: bool) -> None:
        """Fail unless the directory is new, or (with `resume`) holds this very design."""
        design_path = self.out / "design.parquet"
        if not design_path.exists():
            return
        if not resume:
            raise SweepError(
                f"{self.out}: already holds a sweep; add --resume to finish it, "
                "or choose another --out"
            )
        old = pd.read_parquet(design_path, columns=["run_id"]).run_id.tolist()
        if old != design.run_id.tolist():
            raise SweepError(
                f"{self.out}: the spec or scenario changed since this sweep started "
                "(run ids differ); start it in a new --out directory"
            )

    def prepare(self, info: dict[str, Any], design: pd.DataFrame) -> None:
        """Write the design and spec (once checked), clear half-written files, find the next chunk
        number."""
        design_path = self.out / "design.parquet"
        if not design_path.exists():
            self.out.mkdir(parents=True, exist_ok=True)
            atomic_parquet(design, design_path)
        self.chunks.mkdir(exist_ok=True)
        for stale in self.chunks.glob("*.tmp"):
            stale.unlink()
        tmp = self.out / "spec.json.tmp"
        tmp.write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, self.out / "spec.json")
        self._seq = max((seq for _, seq in self._chunk_files()), default=0)

    def _chunk_files(self, kind: str | None = None) -> list[tuple[Path, int]]:
        found = []
        for p in self.chunks.iterdir() if self.chunks.is_dir() else ():
            m = CHUNK.match(p.name)
            if m and (kind is None or m.group(1) == kind):
                found.append((p, int(m.group(2))))
        return sorted(found, key=lambda f: f[1])

    def finished(self, retry_failed: bool = False) -> dict[str, str]:
        """run_id -> status of every run already on disk (failed ones left out with
        `retry_failed`)."""
        status: dict[str, str] = {}
        for path, _ in self._chunk_files("runs"):
            t = pq.read_table(path, columns=["run_id", "status"])
            status.update(
                zip(t.column("run_id").to_pylist(), t.column("status").to_pylist(), strict=True)
            )
        if retry_failed:
            status = {k: v for k, v in status.items() if v == "ok"}
        return status

    # --- during the sweep ----------------------------------------------------------------------

    def write_chunk(self, runs: pd.DataFrame, series: pd.DataFrame | None) -> Path:
        """Persist one finished chunk: series first, then the runs file that makes it count."""
        self._seq += 1
        if series is not None and len(series):
            atomic_parquet(series, self.chunks / f"series-{self._seq:06d}.parquet")
        path = self.chunks / f"runs-{self._seq:06d}.parquet"
        atomic_parquet(runs, path)
        failed = runs[runs.status != "ok"]
        if len(failed):
            with open(self.out / "failures.jsonl", "a", encoding="utf-8") as log:
                for row in failed[["run_index", "run_id", "seed", "error"]].itertuples(index=False):
                    log.write(
                        json.dumps(
                            {
                                "run_index": int(row.run_index),
                                "run_id": row.run_id,
                                "seed": int(row.seed),
                                "error": row.error,
                            }
                        )
                        + "\n"
                    )
        return path

    # --- at the end ----------------------------------------------------------------------------

    def compact(self) -> dict[str, int]:
        """Stream every chunk into runs.parquet (and series.parquet), the latest result per run."""
        latest: dict[str, int] = {}
        for path, seq in self._chunk_files("runs"):
            for run_id in pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist():
                latest[run_id] = seq
        counts = {"runs": self._merge("runs", latest), "series": 0}
        if self._chunk_files("series"):
            counts["series"] = self._merge("series", latest)
        return counts

    def _merge(self, kind: str, latest: dict[str, int]) -> int:
        target = self.out / f"{kind}.parquet"
        tmp = target.with_name(target.name + ".tmp")
        writer, rows = None, 0
        try:
            for table in self._kept(kind, latest):
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table.cast(writer.schema))
                rows += table.num_rows
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            return 0
        os.replace(tmp, target)
        return rows

    def _kept(self, kind: str, latest: dict[str, int]) -> Iterable[pa.Table]:
        for path, seq in self._chunk_files(kind):
            table = pq.read_table(path)
            keep = [latest.get(r) == seq for r in table.column("run_id").to_pylist()]
            if any(keep):
                yield table.filter(pa.array(keep))

    def write_json(self, name: str, data: dict[str, Any]) -> None:
        tmp = self.out / f"{name}.tmp"
        tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, self.out / name)
