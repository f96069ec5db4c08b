"""Sweeps on one machine: results on disk as they come, failed runs recorded, resume after a real
crash or Ctrl-C, a killed pool worker recovered, the same results on every executor."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli import main
from experiments.sweep import run_sweep

# 120 short runs in chunks of 5: long enough (seconds) to interrupt, short enough for the suite.
LONG = {
    "name": "long",
    "scenario": "classroom",
    "steps": 4,
    "replications": 24,
    "chunk_size": 5,
    "grid": {"supply.scale": [0.5, 0.7, 0.9, 1.1, 1.3]},
    "keep": {
        "metrics": ["order_inflation.mean", "installed_total.final", "firms.Tesla.idle.max"],
        "series": ["price_usd", "firms.Tesla.installed"],
    },
}
# owner.weights must have one weight per owner firm: the model rejects [1, 1] at run time.
FAILING = {
    "name": "failing",
    "scenario": "classroom",
    "steps": 3,
    "fixed": {"owner.policy": "weights"},
    "grid": {"owner.weights": [[1.0, 2.0, 3.0], [1.0, 1.0]], "supply.scale": [0.8, 1.0]},
}


def toml_spec(path: Path, data: dict) -> Path:
    """Write a spec dict as TOML: scalars and lists as JSON (which TOML reads alike), tables as
    `[table]` sections with quoted keys, nested tables as `[table."key"]`."""

    def section(name: str, table: dict) -> list[str]:
        lines = [f"[{name}]"] if name else []
        lines += [
            f"{json.dumps(k)} = {json.dumps(v)}"
            for k, v in table.items()
            if not isinstance(v, dict)
        ]
        for k, v in table.items():
            if isinstance(v, dict):
                lines += section(f"{name}.{json.dumps(k)}" if name else json.dumps(k), v)
        return lines

    path.write_text("\n".join(section("", data)) + "\n")
    return path


def same_runs(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory):
    """The LONG sweep, uninterrupted and serial: what every other way must reproduce."""
    return run_sweep(LONG, tmp_path_factory.mktemp("ref"), progress=False)


def test_serial_sweep_writes_design_chunks_and_compacted_tables(reference) -> None:
    out = reference.out
    runs, design = reference.runs, reference.design
    assert len(runs) == len(design) == 120 and (runs.status == "ok").all()
    assert runs.run_id.tolist() == design.run_id.tolist()
    assert {
        "run_index",
        "run_id",
        "config",
        "seed",
        "supply.scale",
        "status",
        "error",
        "order_inflation.mean",
        "firms.Tesla.idle.max",
    } <= set(runs.columns)
    assert len(list((out / "chunks").glob("runs-*.parquet"))) == 24
    assert not list(out.rglob("*.tmp"))
    series = reference.series
    assert len(series) == 120 * 4 and set(series.columns) == {
        "run_index",
        "run_id",
        "step",
        "price_usd",
        "firms.Tesla.installed",
    }
    s = reference.summary
    assert (s["ok"], s["failed"], s["ran"], s["chunks"]) == (120, 0, 120, 24)
    assert json.loads((out / "summary.json").read_text())["runs_per_second"] > 0


def test_run_ids_and_results_do_not_depend_on_chunks_or_the_rest_of_the_design(
    reference, tmp_path: Path
) -> None:
    fewer = run_sweep({**LONG, "chunk_size": None, "replications": 3}, tmp_path, progress=False)
    ref = reference.runs.set_index("run_id").loc[fewer.runs.run_id]
    cols = [c for c in fewer.runs.columns if c not in ("run_index", "config")]
    same_runs(fewer.runs[cols], ref.reset_index()[cols])


def test_a_failing_run_is_recorded_and_the_rest_complete(tmp_path: Path) -> None:
    result = run_sweep(FAILING, tmp_path, progress=False)
    runs = result.runs
    failed = runs[runs.status == "failed"]
    assert len(runs) == 4 and len(failed) == 2
    assert (failed["owner.weights"] == "[1.0, 1.0]").all()
    assert failed.error.str.contains("owner.weights: needs one weight per owner firm").all()
    assert (
        failed["welfare_usd.sum"].isna().all()
        and runs[runs.status == "ok"]["welfare_usd.sum"].notna().all()
    )
    log = [json.loads(line) for line in (tmp_path / "failures.jsonl").read_text().splitlines()]
    assert sorted(e["run_id"] for e in log) == sorted(failed.run_id)
    again = run_sweep(FAILING, tmp_path, resume=True, retry_failed=True, progress=False)
    assert again.summary["ran"] == 2 and again.summary["failed"] == 2 and len(again.runs) == 4


def test_resume_after_lost_chunks_runs_only_what_is_missing(reference, tmp_path: Path) -> None:
    out = tmp_path / "copy"
    shutil.copytree(reference.out, out)
    for name in ("runs-000003.parquet", "runs-000017.parquet", "series-000017.parquet"):
        (out / "chunks" / name).unlink()
    (out / "runs.parquet").unlink()
    resumed = run_sweep(LONG, out, resume=True, progress=False)
    assert resumed.summary["ran"] == 10 and resumed.summary["skipped"] == 110
    same_runs(resumed.runs, reference.runs)
    same_runs(resumed.series, reference.series)


def interrupted_sweep(tmp_path: Path, sig: int) -> tuple[subprocess.CompletedProcess, Path]:
    """Start `gpu-alloc sweep` in a child process and send it `sig` once a few chunks are on
    disk."""
    spec, out = toml_spec(tmp_path / "long.toml", LONG), tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.cli", "sweep", str(spec), "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(list((out / "chunks").glob("runs-*.parquet"))) < 3 and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["crash", "ctrl-c"])
def test_resume_after_a_real_interruption_matches_an_uninterrupted_sweep(
    reference, tmp_path: Path, sig: int
) -> None:
    done, out = interrupted_sweep(tmp_path, sig)
    if sig == signal.SIGINT:
        assert done.returncode == 130 and "run again with --resume" in done.stderr
    else:
        assert done.returncode == -signal.SIGKILL
    assert not (out / "runs.parquet").exists()
    on_disk = sum(
        len(pd.read_parquet(p, columns=["run_id"])) for p in (out / "chunks").glob("runs-*.parquet")
    )
    assert 15 <= on_disk < 120
    resumed = run_sweep(LONG, out, resume=True, progress=False)
    assert resumed.summary["skipped"] == on_disk and resumed.summary["ran"] == 120 - on_disk
    same_runs(resumed.runs, reference.runs)
    same_runs(resumed.series, reference.series)


def pool_workers(psutil) -> list:
    """The process pool's workers: children of this process's multiprocessing fork server."""
    servers = [c for c in psutil.Process().children() if "forkserver" in " ".join(c.cmdline())]
    return [w for s in servers for w in s.children()]


def test_process_pool_gives_the_same_results_and_survives_a_killed_worker(
    reference, tmp_path: Path
) -> None:
    psutil = pytest.importorskip("psutil")
    killed: list[int] = []

    def kill_one_worker() -> None:
        while not list((tmp_path / "chunks").glob("runs-*.parquet")):
            time.sleep(0.005)
        victim = pool_workers(psutil)[0]
        os.kill(victim.pid, signal.SIGKILL)
        killed.append(victim.pid)

    threading.Thread(target=kill_one_worker, daemon=True).start()
    result = run_sweep(LONG, tmp_path, executor="process", workers=2, progress=False)
    assert killed and result.summary["retried_chunks"] >= 1
    assert result.summary["ok"] == 120
    same_runs(result.runs, reference.runs)
    same_runs(result.series, reference.series)


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = toml_spec(tmp_path / "small.toml", {**LONG, "replications": 2})
    out = str(tmp_path / "out")
    assert main(["sweep", str(small), "--out", out, "--quiet"]) == 0
    assert "sweep long: 10 runs, 10 ok, 0 failed" in capsys.readouterr().out
    assert main(["sweep", str(small), "--out", out, "--quiet"]) == 2
    assert "already holds a sweep; add --resume" in capsys.readouterr().err
    assert main(["sweep", str(small), "--out", out, "--quiet", "--resume"]) == 0
    assert "10 already done" in capsys.readouterr().out
    changed = toml_spec(tmp_path / "changed.toml", {**LONG, "replications": 3})
    assert main(["sweep", str(changed), "--out", out, "--quiet", "--resume"]) == 2
    assert "changed since this sweep started" in capsys.readouterr().err
    failing = toml_spec(tmp_path / "failing.toml", FAILING)
    assert main(["sweep", str(failing), "--out", str(tmp_path / "f"), "--quiet"]) == 1
    assert "2 runs failed" in capsys.readouterr().out
    for argv, message in [
        (["sweep", "no-such-spec", "--out", out], "no such spec file or built-in spec"),
        (
            ["sweep", str(small), "--out", out, "--dask", "tcp://x:1", "--dask-local", "2"],
            "either --dask",
        ),
        (["sweep", str(small), "--out", out, "--workers", "0"], "--workers"),
        (["sweep", str(small)], "--out"),
        (["report", str(tmp_path)], "not a finished sweep directory"),
        (["report", out, "--outcomes", "nothing.mean"], "'nothing.mean' is not a metric"),
    ]:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("gpu-alloc: error: ") and message in err and err.count("\n") == 1
    assert main(["report", out]) == 0
    assert (tmp_path / "out" / "report" / "summary.md").exists()
