"""Sweeps on a real Dask LocalCluster (2 worker processes) inside pytest: the same results as the
serial executor, every result even when a worker is killed mid-sweep, and a clear error when the
workers cannot import the model."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli import main
from experiments.sweep import run_sweep
from experiments.sweeps.errors import SweepError
from tests.test_sweep_run import toml_spec

distributed = pytest.importorskip("distributed")
pytestmark = [pytest.mark.cluster, pytest.mark.slow]

SPEC = {
    "name": "dask",
    "scenario": "classroom",
    "steps": 4,
    "replications": 12,
    "chunk_size": 4,
    "grid": {"market.mechanism": ["uniform", "negotiation"], "supply.scale": [0.6, 1.0]},
    "keep": {
        "metrics": ["order_inflation.mean", "price_usd.mean", "firms.xAI.installed.final"],
        "series": ["price_usd"],
    },
}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory):
    return run_sweep(SPEC, tmp_path_factory.mktemp("serial"), progress=False)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_dask_gives_the_same_results_as_serial(client, serial, tmp_path: Path) -> None:
    result = run_sweep(SPEC, tmp_path, executor="dask", client=client, progress=False)
    assert result.summary["executor"].startswith("dask at tcp://")
    assert result.summary["ok"] == 48
    assert (
        serial.runs["price_usd.mean"].nunique() > 4
    )  # negotiation draws on the seed: seeds matter
    same(result.runs, serial.runs)
    same(result.series, serial.series)


def test_a_killed_worker_loses_nothing(client, serial, tmp_path: Path) -> None:
    pids = client.run(os.getpid)
    killed: list[bool] = []

    def kill_one_worker() -> None:
        while not list((tmp_path / "chunks").glob("runs-*.parquet")):
            time.sleep(0.005)
        pid = sorted(pids.values())[0]
        os.kill(pid, signal.SIGKILL)
        killed.append((tmp_path / "runs.parquet").exists())  # True would mean: after the sweep

    threading.Thread(target=kill_one_worker, daemon=True).start()
    result = run_sweep(SPEC, tmp_path, executor="dask", client=client, progress=False)
    assert killed == [False]
    assert result.summary["ok"] == 48 and result.summary["failed"] == 0
    same(result.runs, serial.runs)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the worker for the next tests


def test_cli_with_a_scheduler_address_and_a_local_cluster(
    client, serial, tmp_path: Path, capsys
) -> None:
    path = toml_spec(tmp_path / "dask.toml", SPEC)
    address = client.scheduler.address
    assert (
        main(["sweep", str(path), "--out", str(tmp_path / "a"), "--dask", address, "--quiet"]) == 0
    )
    assert "48 ok" in capsys.readouterr().out
    assert (
        main(["sweep", str(path), "--out", str(tmp_path / "b"), "--dask-local", "2", "--quiet"])
        == 0
    )
    for sub in ("a", "b"):
        runs = pd.read_parquet(tmp_path / sub / "runs.parquet").sort_values(
            "run_index", ignore_index=True
        )
        same(runs, serial.runs)


def test_workers_that_cannot_import_the_model_fail_clearly(client, tmp_path: Path) -> None:
    def hide_model() -> None:
        for name in [n for n in sys.modules if n.startswith(("experiments.", "model.market"))]:
            del sys.modules[name]
        sys.modules["model.market"] = None  # the next import of it raises ImportError

    def restore() -> None:
        sys.modules.pop("model.market", None)

    client.run(hide_model)
    try:
        with pytest.raises(
            SweepError, match=r"Dask worker tcp://\S+ cannot run the model .*model\.market"
        ):
            run_sweep(SPEC, tmp_path / "x", executor="dask", client=client, progress=False)
    finally:
        client.run(restore)
    assert not (tmp_path / "x").exists()  # nothing started


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path, capsys) -> None:
    argv = [
        "sweep",
        "theory",
        "--out",
        str(tmp_path / "y"),
        "--dask",
        "tcp://127.0.0.1:9",
        "--dask-timeout",
        "1",
    ]
    assert main(argv) == 2
    assert "cannot reach the scheduler" in capsys.readouterr().err
