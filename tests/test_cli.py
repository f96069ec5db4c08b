"""The `gpu-alloc` command line: commands, outputs and exit codes are a contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments import runner
from experiments.cli import main
from model.figures import RUN_SUMMARY, figures
from model.market import GpuMarket


@pytest.fixture(scope="module")
def classroom_run() -> GpuMarket:
    return GpuMarket("classroom", seed=3, steps=20).run()


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_scenarios_lists_each_with_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "scenarios")
    assert code == 0
    lines = dict(line.split(maxsplit=1) for line in out.splitlines())
    assert {"baseline", "no-redirect", "classroom", "supply-shock", "long-tail"} <= set(lines)
    assert lines["no-redirect"].startswith("The baseline without the owner's redirects")


def test_run_writes_the_three_tables_as_the_model_has_them(capsys, tmp_path: Path) -> None:
    code, out, _ = run_cli(
        capsys,
        "run",
        "--scenario",
        "classroom",
        "--steps",
        "12",
        "--seed",
        "3",
        "--set",
        "market.mechanism=uniform",
        "--out",
        str(tmp_path),
    )
    assert code == 0 and "classroom: 12 weeks" in out and "mechanism uniform" in out
    m = GpuMarket("classroom", seed=3, steps=12, overrides={"market.mechanism": "uniform"}).run()
    for name, expected in m.tables().items():
        got = pd.read_csv(tmp_path / f"{name}.csv", keep_default_na=False, na_values=[""])
        assert list(got.columns) == list(expected.columns)
        assert len(got) == len(expected)
    model = pd.read_csv(tmp_path / "model.csv")
    pd.testing.assert_series_equal(model.allocated, m.model_table().allocated, check_dtype=False)


def test_run_writes_parquet(capsys, tmp_path: Path) -> None:
    code, _, _ = run_cli(
        capsys,
        "run",
        "--scenario",
        "classroom",
        "--steps",
        "3",
        "--out",
        str(tmp_path),
        "--format",
        "parquet",
    )
    assert code == 0
    assert len(pd.read_parquet(tmp_path / "firms.parquet")) == 3 * 5


def test_allocate_prints_the_allocation(capsys) -> None:
    code, out, _ = run_cli(
        capsys,
        "allocate",
        "--mechanism",
        "uniform",
        "--capacity",
        "10",
        "--orders",
        "2,5,8",
        "--json",
    )
    assert code == 0 and json.loads(out) == {"allocation": [2, 4, 4]}
    code, out, _ = run_cli(
        capsys, "allocate", "--mechanism", "proportional", "--capacity", "10", "--orders", "5,15"
    )
    assert (
        code == 0 and "allocation [3, 7]" in out
    )  # 2.5 and 7.5: equal remainders, the lower index wins


def test_negotiate_reports_agreement_and_step(capsys) -> None:
    code, out, _ = run_cli(
        capsys, "negotiate", "--seller", "boulware", "--buyer", "conceder", "--json"
    )
    assert code == 0
    assert json.loads(out) == {"agreement": 87, "step": 61}  # README's example


def test_negotiate_without_agreement_reports_the_rounds_run(capsys) -> None:
    """NegMAS's state.step is the number of rounds completed: all of them, with no deal."""
    code, out, _ = run_cli(
        capsys, "negotiate", "--seller", "boulware", "--buyer", "boulware", "--rounds", "1"
    )
    assert code == 0 and out.strip() == "no agreement after 1 round"
    code, out, _ = run_cli(
        capsys,
        *("negotiate", "--seller", "boulware", "--buyer", "boulware", "--rounds", "1", "--json"),
    )
    assert json.loads(out) == {"agreement": None, "step": 1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "--out", "x", "--set", "market.mechanism=lottery"],
            "market.mechanism: 'lottery' is not one of",
        ),
        (["run", "--out", "x", "--set", "nonsense"], "--set 'nonsense': expected key=value"),
        (["run", "--out", "x", "--scenario", "atlantis"], "atlantis: no such scenario"),
        (["run", "--out", "x", "--steps", "0"], "argument --steps"),
        (["run", "--out", "x", "--format", "xlsx"], "--format: 'xlsx' is not one of: csv, parquet"),
        (
            ["allocate", "--mechanism", "magic", "--capacity", "1", "--orders", "1"],
            "Unknown mechanism: 'magic'",
        ),
        (
            ["allocate", "--mechanism", "uniform", "--capacity", "1", "--orders", "1,x"],
            "--orders: expected",
        ),
        (
            ["allocate", "--mechanism", "uniform", "--capacity", "-1", "--orders", "1"],
            "argument --capacity: expected a whole number from 0 to 2,147,483,647, got '-1'",
        ),
        (
            [
                "allocate",
                "--mechanism",
                "uniform",
                "--capacity",
                "1",
                "--orders",
                "1",
                "--needs",
                "1,2",
            ],
            "--needs: 2 values",
        ),
        (["negotiate", "--seller", "stubborn", "--buyer", "linear"], "stubborn"),
        (
            [
                "negotiate",
                "--seller",
                "linear",
                "--buyer",
                "linear",
                "--price-min",
                "5",
                "--price-max",
                "5",
            ],
            "price",
        ),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args: list[str], message: str) -> None:
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("gpu-alloc: error: ") and message in err


def test_nothing_is_written_when_the_input_is_bad(capsys, tmp_path: Path) -> None:
    run_cli(capsys, "run", "--out", str(tmp_path / "o"), "--set", "supply.scale=-1")
    assert not (tmp_path / "o").exists()


def test_console_script_has_no_traceback_on_bad_input(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "run", "--out", str(tmp_path), "--seed", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_run_refuses_an_earlier_runs_folder_unless_forced(capsys, tmp_path: Path) -> None:
    args = ["run", "--scenario", "classroom", "--steps", "2", "--out", str(tmp_path)]
    assert run_cli(capsys, *args)[0] == 0
    before = (tmp_path / "model.csv").read_text()
    code, out, err = run_cli(capsys, *args, "--seed", "9")
    assert (code, out) == (2, "") and "add --force to overwrite them" in err
    assert (tmp_path / "model.csv").read_text() == before
    code, out, _ = run_cli(capsys, *args, "--seed", "9", "--force")
    assert (
        code == 0
        and "seed 9" in out
        and sorted(p.name for p in tmp_path.iterdir())
        == [
            "events.csv",
            "firms.csv",
            "model.csv",
        ]
    )


def test_run_summary_is_the_run_summary_figures(classroom_run: GpuMarket) -> None:
    s = runner.summary(classroom_run)
    f = figures(classroom_run.model_table(), RUN_SUMMARY)
    assert list(s) == [
        "weeks",
        "produced",
        "allocated",
        "redirected",
        "friction",
        "mean_order_inflation",
        "mean_jain_fill",
        "welfare_busd",
        "revenue_busd",
        "installed_end",
    ]
    assert (s["produced"], s["allocated"], s["redirected"]) == (
        int(f["produced"]),
        int(f["allocated"]),
        int(f["redirected"]),
    )
    assert (s["friction"], s["mean_order_inflation"], s["mean_jain_fill"]) == (
        f["friction"],
        f["order_inflation"],
        f["jain_fill"],
    )
    assert (s["welfare_busd"], s["revenue_busd"]) == (f["welfare"] / 1e9, f["revenue"] / 1e9)
    model = classroom_run.model_table()
    assert s["weeks"] == len(model) and s["produced"] == int(model.capacity.sum())
