"""A sweep's directory: results reach disk chunk by chunk, atomically, and are compacted at the end.

    DIR/.lock             held by the one driver writing here (`lock.py`)
    DIR/spec.json         the resolved spec (what the report reads)
    DIR/design.parquet    every run: run_index, run_id, config, sample, seed, parameters, overrides
    DIR/chunks/runs-NNNNNN.parquet    one file per finished chunk: the ledger (status, error,
                                      metrics), one row per run
    DIR/chunks/series-NNNNNN.parquet  its weekly series, written before the runs file
    DIR/failures.jsonl    failed runs as they happen; rewritten from runs.parquet at the end
    DIR/runs.parquet, DIR/series.parquet, DIR/summary.json    after compaction

A file appears only complete (written to a temporary name, then renamed), so whatever is in
`chunks/` after a crash is good, and `--resume` runs only the run ids it does not hold. A write that
fails (a full disk) removes its temporary file and stops the sweep with a message naming the folder.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.sweeps.errors import SweepError

CHUNK = re.compile(r"^(runs|series)-(\d{6,})\.parquet$")
IDENTITY = ("metrics", "series", "record")  # besides run ids: what makes two sweeps different
LABELS = {"record": "record points"}
FAILURE_COLUMNS = ["run_index", "run_id", "seed", "error"]


class Store:
    """Reads and writes one sweep directory."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.chunks = self.out / "chunks"
        self._seq = 0

    # --- writing safely ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self, path: Path) -> Iterator[Path]:
        """Yield a temporary name for `path`, renamed into place at the end; on an OS error
        (a full disk, a read-only folder) remove it and stop with what to do next."""
        tmp = path.with_name(path.name + ".tmp")
        try:
            yield tmp
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc)
            reason = "the disk is full" if full else exc.strerror or str(exc)
            raise SweepError(
                f"{self.out}: cannot write {path.relative_to(self.out)}: {reason}; "
                "make room (or fix the folder) and run the same command again with --resume"
            ) from None

    def write_parquet(self, table: pa.Table | pd.DataFrame, path: Path) -> None:
        """Write `path` so that readers never see half a file."""
        if isinstance(table, pd.DataFrame):
            table = pa.Table.from_pandas(table, preserve_index=False)
        with self._writing(path) as tmp:
            pq.write_table(table, tmp)

    def write_json(self, name: str, data: dict[str, Any]) -> None:
        with self._writing(self.out / name) as tmp:
            tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")

    # --- starting and resuming -----------------------------------------------------------------

    def check(self, design: pd.DataFrame, info: dict[str, Any], resume: bool) -> None:
        """Fail unless the directory is new, or (with `resume`) holds this very sweep: the same
        run ids and the same metrics and series kept."""
        if (self.out / "design.parquet").exists():
            self._check_same(design, info, resume)
            return
        others = sorted(p.name for p in self._entries() if not p.name.endswith((".lock", ".tmp")))
        if others:
            raise SweepError(
                f"{self.out}: holds files that are not a sweep ({', '.join(others[:5])}); "
                "choose another --out"
            )

    def _entries(self) -> list[Path]:
        return list(self.out.iterdir()) if self.out.is_dir() else []

    def _check_same(self, design: pd.DataFrame, info: dict[str, Any], resume: bool) -> None:
        if not resume:
            raise SweepError(
                f"{self.out}: already holds a sweep; add --resume to finish it, "
                "or choose another --out"
            )
        old = pd.read_parquet(self.out / "design.parquet", columns=["run_id"]).run_id.tolist()
        if old != design.run_id.tolist():
            raise SweepError(
                f"{self.out}: the spec or scenario changed since this sweep started "
                "(run ids differ); start it in a new --out directory"
            )
        saved = self._saved_spec()
        changed = [k for k in IDENTITY if saved.get(k, info.get(k)) != info.get(k)]
        if "metrics" not in changed and self._ledger_metrics() not in (None, info.get("metrics")):
            changed.insert(0, "metrics")
        if changed:
            raise SweepError(
                f"{self.out}: holds a different sweep (it keeps other "
                f"{' and '.join(LABELS.get(k, k) for k in changed)}); "
                "start this one in a new --out directory"
            )

    def _saved_spec(self) -> dict[str, Any]:
        """spec.json as saved, or {} when it is missing or damaged (prepare rewrites it)."""
        try:
            saved = json.loads((self.out / "spec.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return saved if isinstance(saved, dict) else {}

    def _ledger_metrics(self) -> list[str] | None:
        """The metric columns of the first chunk on disk (after status and error), if any."""
        files = self._chunk_files("runs")
        if not files:
            return None
        names = pq.read_schema(files[0][0]).names
        return names[names.index("error") + 1 :] if "error" in names else None

    def prepare(self, info: dict[str, Any], design: pd.DataFrame) -> None:
        """Write the design and spec (once checked), clear half-written files, find the next chunk
        number."""
        design_path = self.out / "design.parquet"
        if not design_path.exists():
            self.out.mkdir(parents=True, exist_ok=True)
            self.write_parquet(design, design_path)
        self.chunks.mkdir(exist_ok=True)
        for stale in [*self.chunks.glob("*.tmp"), *self.out.glob("*.tmp")]:
            stale.unlink()
        self.write_json("spec.json", info)
        self._seq = max((seq for _, seq in self._chunk_files()), default=0)

    def _chunk_files(self, kind: str | None = None) -> list[tuple[Path, int]]:
        found = []
        for p in self.chunks.iterdir() if self.chunks.is_dir() else ():
            m = CHUNK.match(p.name)
            if m and (kind is None or m.group(1) == kind):
                found.append((p, int(m.group(2))))
        return sorted(found, key=lambda f: f[1])

    def finished(self) -> dict[str, str]:
        """run_id -> status of every run already on disk."""
        status: dict[str, str] = {}
        for path, _ in self._chunk_files("runs"):
            t = pq.read_table(path, columns=["run_id", "status"])
            status.update(
                zip(t.column("run_id").to_pylist(), t.column("status").to_pylist(), strict=True)
            )
        return status

    def forget_failed(self) -> int:
        """Drop failed runs from the ledger (and their log), so that they run again and the ledger
        keeps one row per run; returns how many were dropped."""
        dropped = 0
        for path, _ in self._chunk_files("runs"):
            table = pq.read_table(path)
            ok = pa.array([s == "ok" for s in table.column("status").to_pylist()])
            kept = table.filter(ok)
            dropped += table.num_rows - kept.num_rows
            if kept.num_rows == 0:
                path.unlink()
            elif kept.num_rows < table.num_rows:
                self.write_parquet(kept, path)
        (self.out / "failures.jsonl").unlink(missing_ok=True)
        return dropped

    # --- during the sweep ----------------------------------------------------------------------

    def write_chunk(self, runs: pd.DataFrame, series: pd.DataFrame | None) -> Path:
        """Persist one finished chunk: series first, then the runs file that makes it count."""
        self._seq += 1
        if series is not None and len(series):
            self.write_parquet(series, self.chunks / f"series-{self._seq:06d}.parquet")
        path = self.chunks / f"runs-{self._seq:06d}.parquet"
        self.write_parquet(runs, path)
        self._log_failures(runs[runs.status != "ok"])
        return path

    def _log_failures(self, failed: pd.DataFrame) -> None:
        """Append failed runs to failures.jsonl (a live log; compaction rewrites it)."""
        if not len(failed):
            return
        lines = "".join(_failure_line(row) for row in failed.itertuples(index=False))
        log = self.out / "failures.jsonl"
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as f:
            f.write(lines)  # a log line lost to a full disk is restored by compaction

    # --- at the end ----------------------------------------------------------------------------

    def compact(self) -> dict[str, int]:
        """Stream every chunk into runs.parquet (and series.parquet), the latest result per run;
        then rewrite failures.jsonl from it, one line per failed run."""
        latest: dict[str, int] = {}
        for path, seq in self._chunk_files("runs"):
            for run_id in pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist():
                latest[run_id] = seq
        counts = {"runs": self._merge("runs", latest), "series": 0}
        if self._chunk_files("series"):
            counts["series"] = self._merge("series", latest)
        self._rewrite_failures()
        return counts

    def _merge(self, kind: str, latest: dict[str, int]) -> int:
        tables = iter(self._kept(kind, latest))
        first = next(tables, None)
        if first is None:
            return 0
        rows = 0
        target = self.out / f"{kind}.parquet"
        with self._writing(target) as tmp, pq.ParquetWriter(tmp, first.schema) as writer:
            for table in itertools.chain([first], tables):
                writer.write_table(table.cast(writer.schema))
                rows += table.num_rows
        return rows

    def _kept(self, kind: str, latest: dict[str, int]) -> Iterable[pa.Table]:
        for path, seq in self._chunk_files(kind):
            table = pq.read_table(path)
            keep = [latest.get(r) == seq for r in table.column("run_id").to_pylist()]
            if any(keep):
                yield table.filter(pa.array(keep))

    def _rewrite_failures(self) -> None:
        runs = pd.read_parquet(self.out / "runs.parquet", columns=[*FAILURE_COLUMNS, "status"])
        failed = runs[runs.status != "ok"].sort_values("run_index")
        log = self.out / "failures.jsonl"
        if not len(failed):
            log.unlink(missing_ok=True)
            return
        with self._writing(log) as tmp:
            lines = (_failure_line(row) for row in failed[FAILURE_COLUMNS].itertuples(index=False))
            tmp.write_text("".join(lines), encoding="utf-8")


def _failure_line(row: Any) -> str:
    record = {
        "run_index": int(row.run_index),
        "run_id": row.run_id,
        "seed": int(row.seed),
        "error": row.error,
    }
    return json.dumps(record) + "\n"
