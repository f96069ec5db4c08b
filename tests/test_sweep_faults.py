"""Sweeps under faults, with real processes: a killed driver takes its workers, fork server and
resource tracker with it; a stopped one writes every chunk already finished; a full disk stops with
one clear line; retries and a second driver cannot duplicate or mix results. Every interrupted
sweep is then resumed and compared with an uninterrupted one.

Synchronisation is on observable state (chunk files appearing, processes gone), never on sleeps.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pytest

from experiments.cli import main
from experiments.sweep import SweepInterrupted, run_sweep
from experiments.sweeps import store as store_module
from experiments.sweeps.executors import Executor
from tests.test_sweep_run import FAILING, same_runs, toml_spec

# 300 short runs in chunks of 5, with series: seconds of work on 2 workers, ~0.9 MB on disk.
FAULTS = {
    "name": "faults",
    "scenario": "classroom",
    "steps": 4,
    "replications": 60,
    "chunk_size": 5,
    "grid": {"supply.scale": [0.5, 0.7, 0.9, 1.1, 1.3]},
    "keep": {
        "metrics": ["order_inflation.mean", "installed_total.final", "firms.Tesla.idle.max"],
        "series": ["price_usd", "firms.Tesla.installed"],
    },
}
SMALL = {**FAULTS, "replications": 2, "chunk_size": 2}  # 10 runs, 5 chunks
GONE_WITHIN = 15.0  # seconds; measured: well under 2 s after SIGKILL or SIGTERM
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """FAULTS, uninterrupted and serial: what every interrupted sweep must end up with."""
    return run_sweep(FAULTS, tmp_path_factory.mktemp("ref"), progress=False)


@pytest.fixture(scope="module")
def small_reference(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return run_sweep(SMALL, tmp_path_factory.mktemp("small"), progress=False)


def gpu_alloc() -> list[str]:
    """The console script beside this Python (as users run it), else the module."""
    script = Path(sys.executable).with_name("gpu-alloc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "experiments.cli"]


def start(spec: Path, out: Path, *extra: str, new_session: bool = False) -> subprocess.Popen:
    return subprocess.Popen(
        [*gpu_alloc(), "sweep", str(spec), "--out", str(out), "--quiet", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )


def chunk_files(out: Path) -> list[Path]:
    return sorted((out / "chunks").glob("runs-*.parquet"))


def rows_on_disk(out: Path) -> int:
    return sum(len(pd.read_parquet(p, columns=["run_id"])) for p in chunk_files(out))


def wait_until(done: Callable[[], bool], proc: subprocess.Popen, what: str) -> None:
    """Poll `done` until it holds; fail if the sweep ended first or a minute passed."""
    deadline = time.monotonic() + 60
    while not done():
        assert proc.poll() is None, f"the sweep ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"no {what} within 60 s"
        time.sleep(0.005)


def live_in_session(sid: int) -> list[int]:
    """Processes of session `sid` that still run (zombies have exited: they hold nothing)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if os.getsid(int(entry.name)) == sid and state != "Z":
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def reaches_eof(stream: IO[str], seconds: float) -> bool:
    """True once every writer of the pipe has closed it (read() returns), within `seconds`."""
    reader = threading.Thread(target=stream.read, daemon=True)
    reader.start()
    reader.join(seconds)
    return not reader.is_alive()


@linux_only
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_driver_takes_every_process_with_it(tmp_path: Path, sig: int) -> None:
    spec, out = toml_spec(tmp_path / "faults.toml", FAULTS), tmp_path / "out"
    proc = start(spec, out, "--workers", "2", new_session=True)
    wait_until(lambda: len(chunk_files(out)) >= 2, proc, "two chunks on disk")
    before = live_in_session(proc.pid)
    assert len(before) >= 4, before  # driver, resource tracker, fork server, workers
    os.kill(proc.pid, sig)
    proc.wait(timeout=GONE_WITHIN)
    killed = time.monotonic()
    while (left := live_in_session(proc.pid)) and time.monotonic() - killed < GONE_WITHIN:
        time.sleep(0.01)
    assert left == [], f"{len(left)} of {len(before)} processes still run after {GONE_WITHIN} s"
    assert reaches_eof(proc.stdout, 5) and reaches_eof(proc.stderr, 5)
    assert proc.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 143)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_writes_every_finished_chunk_and_resume_completes(
    reference: Any, tmp_path: Path, sig: int
) -> None:
    spec, out = toml_spec(tmp_path / "faults.toml", FAULTS), tmp_path / "out"
    proc = start(spec, out, "--workers", "2")
    wait_until(lambda: len(chunk_files(out)) >= 3, proc, "three chunks on disk")
    seen = rows_on_disk(out)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, stderr
    reported = re.search(r"interrupted after ([\d,]+) of 300 runs; they are saved in", stderr)
    assert reported is not None and "run again with --resume" in stderr, stderr
    rows = rows_on_disk(out)
    assert rows == int(reported.group(1).replace(",", "")) and seen <= rows < 300
    assert not list(out.rglob("*.tmp")) and not (out / "runs.parquet").exists()
    resumed = run_sweep(FAULTS, out, resume=True, progress=False)
    assert (resumed.summary["skipped"], resumed.summary["ran"]) == (rows, 300 - rows)
    same_runs(resumed.runs, reference.runs)
    same_runs(resumed.series, reference.series)


class StopOnThirdChunk(Executor):
    """Serial, but the third submission signals this process, as a user's SIGTERM would."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, job: Any, rows: list) -> Any:
        future = super().submit(job, rows)  # already finished when it is handed back
        self.submitted += 1
        if self.submitted == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return future


def test_chunks_finished_when_a_stop_arrives_are_all_written(
    small_reference: Any, tmp_path: Path
) -> None:
    """Three chunks have finished when SIGTERM arrives (one of them not yet collected): all three
    reach disk, the handler is restored, and resume adds exactly the other two."""
    with pytest.raises(SweepInterrupted) as stopped:
        run_sweep(SMALL, tmp_path, executor=StopOnThirdChunk(), progress=False)
    assert stopped.value.signum == signal.SIGTERM and stopped.value.exit_code == 143
    assert "interrupted after 6 of 10 runs" in str(stopped.value)
    assert rows_on_disk(tmp_path) == 6 and len(chunk_files(tmp_path)) == 3
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    resumed = run_sweep(SMALL, tmp_path, resume=True, progress=False)
    assert (resumed.summary["skipped"], resumed.summary["ran"]) == (6, 4)
    same_runs(resumed.runs, small_reference.runs)
    same_runs(resumed.series, small_reference.series)


def test_a_full_disk_stops_with_one_line_and_resume_completes(
    small_reference: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    """ENOSPC injected into the store's 4th Parquet write (after the design and the first chunk's
    two files: the second chunk's series), once half a file reached the temporary name."""
    spec, out = toml_spec(tmp_path / "small.toml", SMALL), tmp_path / "out"
    real, calls = store_module.pq.write_table, []

    def full_disk(table: Any, where: Any, **kwargs: Any) -> None:
        calls.append(where)
        if len(calls) == 4:
            Path(where).write_bytes(b"PAR1 half a file")
            raise OSError(errno.ENOSPC, "No space left on device")
        real(table, where, **kwargs)

    monkeypatch.setattr(store_module.pq, "write_table", full_disk)
    assert main(["sweep", str(spec), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{out}: cannot write chunks/series-000002.parquet: the disk is full" in err
    assert "run the same command again with --resume" in err
    assert not list(out.rglob("*.tmp")) and rows_on_disk(out) == 2
    monkeypatch.setattr(store_module.pq, "write_table", real)
    assert main(["sweep", str(spec), "--out", str(out), "--quiet", "--resume"]) == 0
    assert "ran 8 in" in (printed := capsys.readouterr().out) and "2 already done" in printed
    resumed = pd.read_parquet(out / "runs.parquet").sort_values("run_index", ignore_index=True)
    same_runs(resumed, small_reference.runs)


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A real 2 MB tmpfs (needs root and mount); skipped where it cannot be made."""
    disk = tmp_path / "disk"
    disk.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@linux_only
@pytest.mark.slow
def test_a_real_full_disk_stops_cleanly_and_resume_completes(
    reference: Any, tmp_path: Path, small_disk: Path
) -> None:
    spec, out = toml_spec(tmp_path / "faults.toml", FAULTS), small_disk / "out"
    filler = small_disk / "filler"
    filler.write_bytes(b"x" * (2 * 2**20 - 400 * 2**10))  # leaves 400 KB: about 20 chunks
    done = subprocess.run(
        [*gpu_alloc(), "sweep", str(spec), "--out", str(out), "--quiet", "--workers", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"gpu-alloc: error: {out}: cannot write " in done.stderr
    assert "the disk is full" in done.stderr and "again with --resume" in done.stderr
    assert not list(small_disk.rglob("*.tmp"))
    written = rows_on_disk(out)
    assert 0 < written < 300
    filler.unlink()
    resumed = run_sweep(FAULTS, out, resume=True, progress=False)
    assert resumed.summary["skipped"] == written
    same_runs(resumed.runs, reference.runs)
    same_runs(resumed.series, reference.series)


def test_retry_failed_keeps_one_ledger_row_and_one_log_line_per_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = toml_spec(tmp_path / "failing.toml", FAILING), str(tmp_path / "out")
    assert main(["sweep", str(spec), "--out", out, "--quiet"]) == 1
    for _ in range(2):
        assert (
            main(["sweep", str(spec), "--out", out, "--quiet", "--resume", "--retry-failed"]) == 1
        )
        assert "ran 2 in" in capsys.readouterr().out
    ledger = pd.concat(pd.read_parquet(p) for p in chunk_files(Path(out)))
    assert len(ledger) == 4 and ledger.run_id.is_unique
    log = (Path(out) / "failures.jsonl").read_text().splitlines()
    failed = pd.read_parquet(Path(out) / "runs.parquet").query("status == 'failed'")
    assert len(log) == 2 and sorted(re.findall(r'"run_id": "(\w+)"', "".join(log))) == sorted(
        failed.run_id
    )


@pytest.mark.slow
def test_a_second_driver_refuses_and_a_dead_drivers_lock_does_not_block(
    reference: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, out = toml_spec(tmp_path / "faults.toml", FAULTS), tmp_path / "out"
    first = start(spec, out)
    wait_until(lambda: len(chunk_files(out)) >= 2, first, "two chunks on disk")
    assert main(["sweep", str(spec), "--out", str(out), "--quiet", "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{out}: another sweep (pid {first.pid}) is writing here; wait for it" in err
    first.kill()
    first.communicate(timeout=60)
    assert (out / ".lock").exists()  # left by the dead driver; the kernel released its lock
    assert main(["sweep", str(spec), "--out", str(out), "--quiet", "--resume"]) == 0
    same_runs(
        pd.read_parquet(out / "runs.parquet").sort_values("run_index", ignore_index=True),
        reference.runs,
    )
