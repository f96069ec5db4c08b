"""Calibration on the sweep engine: history matching on a hand-computed table first, then
`gpu-alloc calibrate` on a tiny classroom spec with a hand-written record through the process
pool and (slow, cluster) a real Dask LocalCluster, with identical plausible.parquet; resume, waves
and bad input."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from experiments.calibration.matching import history_match
from experiments.calibration.run import run_calibration
from experiments.calibration.settings import Calibration
from experiments.cli import main
from experiments.sweeps.errors import SweepError
from model.market import GpuMarket
from model.record import Point, load_record, simulate
from tests.test_sweep_run import toml_spec

# Dates within the 9 classroom weeks (from 2024-01-01), one claim, and one point after the runs.
RECORD = """id,date,end,firm,quantity,stat,value,low,high,kind,source
ms-alloc,2024-01-01,2024-02-26,Microsoft,allocated,sum,30000,20000,40000,estimate,hand-written
price,2024-01-01,2024-02-26,market,price_usd,mean,40000,30000,50000,estimate,hand-written
tesla-at,2024-02-26,,Tesla,installed,at,15000,10000,20000,fact,hand-written
claim,2024-02-26,,xAI,installed,at,1000,500,1500,claim,hand-written
late,2024-12-30,,Tesla,installed,at,1000,500,1500,fact,after the runs: not scored
"""
# 5 configurations x 2 seeds; negotiation draws on the seed, so run-to-run variance is not 0.
TINY = {
    "name": "tiny",
    "scenario": "classroom",
    "steps": 9,
    "seed": 1,
    "replications": 2,
    "fixed": {"market.mechanism": "negotiation"},
    "sample": {"method": "lhs", "n": 5, "ranges": {"supply.scale": [0.6, 1.4]}},
    "keep": {"metrics": ["price_usd.mean"]},
    "calibrate": {"record": "record.csv", "cutoff": 3.0, "waves": 2},
}


def point(pid: str, value: float, low: float, high: float, kind: str = "estimate") -> Point:
    day = dt.date(2024, 1, 1)
    return Point(pid, day, None, "market", "price_usd", "at", value, low, high, kind, "test")


def tiny_spec(folder: Path, **changes: object) -> Path:
    (folder / "record.csv").write_text(RECORD)
    return toml_spec(folder / "tiny.toml", {**TINY, **changes})


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


# --- history matching, exact numbers ------------------------------------------------------------


def test_implausibility_and_the_kept_decision_by_hand() -> None:
    a, b = point("a", 10, 8, 12), point("b", 100, 80, 120)  # obs_var 1 and 100
    runs = pd.DataFrame(
        {
            "config": [0, 0, 1, 1, 2, 2],
            "x": [0.5, 0.5, 1.5, 1.5, 2.5, 2.5],
            "status": ["ok", "ok", "ok", "ok", "ok", "failed"],
            "record.a": [11.0, 13.0, 14.0, 14.0, 10.0, math.nan],
            "record.b": [100.0, 120.0, 130.0, 150.0, math.nan, math.nan],
        }
    )
    table = history_match(runs, [a, b], ["x"], cutoff=3.0)
    # config 0: a mean 12, var 2 -> 2/sqrt(3); b mean 110, var 200 -> 10/sqrt(300)
    # config 1: a mean 14, var 0 -> 4/sqrt(1) = 4; b mean 140, var 200 -> 40/sqrt(300)
    # config 2: one ok run; a exact (0); b outside the run (NaN): not scored
    assert table["implausibility.a"].tolist() == pytest.approx([2 / math.sqrt(3), 4.0, 0.0])
    assert table["implausibility.b"].tolist()[:2] == pytest.approx(
        [10 / math.sqrt(300), 40 / math.sqrt(300)]
    )
    assert math.isnan(table["implausibility.b"].iloc[2])
    assert table.max_implausibility.tolist() == pytest.approx([2 / math.sqrt(3), 4.0, 0.0])
    assert table.worst_point.tolist() == ["a", "a", "a"]
    assert table.points_inside.tolist() == [2, 0, 1]
    assert table.points_scored.tolist() == [2, 2, 1]
    assert table.runs_ok.tolist() == [2, 2, 1] and table.runs_failed.tolist() == [0, 0, 1]
    assert table.kept.tolist() == [True, False, True]
    assert table.x.tolist() == [0.5, 1.5, 2.5]
    # the cutoff is inclusive: a largest implausibility of exactly 4 is kept at cutoff 4
    assert history_match(runs, [a, b], ["x"], cutoff=4.0).kept.tolist() == [True, True, True]


def test_claims_and_excluded_points_are_not_scored() -> None:
    points = (point("a", 1, 0, 2), point("c", 1, 0, 2, kind="claim"), point("e", 1, 0, 2))
    cal = Calibration(record="default", points=points, exclude=("e",))
    assert [p.id for p in cal.scored] == ["a"]


# --- calibrate on the process pool --------------------------------------------------------------


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("pool")
    spec = tiny_spec(folder)
    result = run_calibration(spec, folder / "out", executor="process", workers=2, progress=False)
    return spec, folder / "out", result


def test_record_values_are_kept_columns_equal_to_simulate(pooled) -> None:
    spec, _, result = pooled
    runs = result.waves[0].sweep.runs
    points = load_record(spec.parent / "record.csv")
    assert [c for c in runs.columns if c.startswith("record.")] == [
        f"record.{p.id}" for p in points
    ]
    first = result.waves[0].sweep.design.iloc[0]
    scenario = result.waves[0].spec.scenario  # the fixed overrides are in the scenario
    overrides = json.loads(first.overrides)
    m = GpuMarket(scenario, seed=int(first.seed), overrides=overrides, steps=9).run()
    model, firms = m.model_table(), m.firms_table()
    for p in points:
        expected = simulate(p, model, firms)
        got = runs.loc[runs.run_index == first.run_index, f"record.{p.id}"].item()
        assert got == expected or (math.isnan(got) and math.isnan(expected)), p.id
    assert runs["record.ms-alloc"].nunique() > 5  # seeds matter: run-to-run variance is real


def test_plausible_table_and_report(pooled) -> None:
    _, out, result = pooled
    table = pd.read_parquet(out / "plausible.parquet")
    assert len(table) == 5 and table.config.tolist() == list(range(5))
    assert table.points_scored.eq(3).all()  # the claim is not scored, the late point not covered
    again = history_match(
        result.waves[0].sweep.runs, result.waves[0].spec.calibration.scored, ["supply.scale"], 3.0
    )
    same(table, again)
    summary = (out / "report" / "calibration.md").read_text()
    kept = int(table.kept.sum())
    assert f"{kept} of 5 configurations kept" in summary
    assert "inside " in summary and "claims not scored" in summary  # the record table
    assert (out / "report" / "implausibility-supply.scale.png").stat().st_size > 1000


def test_second_wave_samples_inside_the_kept_box(pooled) -> None:
    _, out, result = pooled
    first = result.waves[0].table
    kept = first[first.kept]
    assert len(kept) >= 2, "the tiny spec should keep a range, or the wave test tests nothing"
    assert len(result.waves) == 2 and (out / "wave2" / "plausible.parquet").exists()
    wave2 = pd.read_parquet(out / "wave2" / "design.parquet")
    lo, hi = kept["supply.scale"].min(), kept["supply.scale"].max()
    assert wave2["supply.scale"].between(lo, hi).all() and len(wave2) == 10


def test_resume_after_the_runs_are_done_does_nothing(pooled, capsys) -> None:
    spec, out, result = pooled
    before = pd.read_parquet(out / "plausible.parquet")
    argv = ["calibrate", str(spec), "--out", str(out), "--resume", "--quiet"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert printed.count("nothing to run") == 2 and printed.count("10 already done") == 2
    same(pd.read_parquet(out / "plausible.parquet"), before)
    same(pd.read_parquet(out / "wave2" / "plausible.parquet"), result.waves[1].table)


def test_another_record_cannot_resume_into_the_same_folder(pooled, tmp_path: Path) -> None:
    _, out, _ = pooled
    moved = RECORD.replace("tesla-at,2024-02-26", "tesla-at,2024-02-19")  # same ids, other week
    (tmp_path / "record.csv").write_text(moved)
    other = toml_spec(tmp_path / "tiny.toml", TINY)
    with pytest.raises(SweepError, match="keeps other record points"):
        run_calibration(other, out, resume=True, progress=False)


# --- calibrate on a Dask LocalCluster -----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.cluster
def test_dask_local_cluster_gives_the_same_plausible_table(pooled, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    spec, out, _ = pooled
    argv = ["calibrate", str(spec), "--out", str(tmp_path / "dask"), "--dask-local", "2"]
    assert main([*argv, "--quiet"]) == 0
    for wave in ("", "wave2"):
        same(
            pd.read_parquet(tmp_path / "dask" / wave / "plausible.parquet"),
            pd.read_parquet(out / wave / "plausible.parquet"),
        )


# --- bad input ----------------------------------------------------------------------------------


def test_bad_input_exits_2_in_one_line(tmp_path: Path, capsys) -> None:
    tiny_spec(tmp_path)
    plain = toml_spec(tmp_path / "plain.toml", {k: v for k, v in TINY.items() if k != "calibrate"})
    out = str(tmp_path / "out")
    cases = [
        ({"record": "missing.csv"}, "calibrate.record: no such file: missing.csv"),
        ({"cutoff": -1}, "calibrate.cutoff: expected a finite number above 0, got -1"),
        ({"cutoff": "3"}, "calibrate.cutoff"),
        ({"waves": 0}, "calibrate.waves"),
        ({"exclude": ["nope"]}, "calibrate.exclude: 'nope' is not a point of the record"),
        ({"colour": 1}, "calibrate.colour: unknown key"),
    ]
    for table, message in cases:
        path = toml_spec(
            tmp_path / "bad.toml", {**TINY, "calibrate": {**TINY["calibrate"], **table}}
        )
        assert main(["calibrate", str(path), "--out", out]) == 2, table
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    (tmp_path / "tesla.csv").write_text(
        RECORD.replace("Tesla,installed,at,15000", "SpaceX,installed,at,15000")
    )
    path = toml_spec(tmp_path / "bad.toml", {**TINY, "calibrate": {"record": "tesla.csv"}})
    assert main(["calibrate", str(path), "--out", out]) == 2
    assert "names firm 'SpaceX', not a firm of scenario classroom" in capsys.readouterr().err
    assert main(["calibrate", str(plain), "--out", out]) == 2
    err = capsys.readouterr().err
    assert "no [calibrate] table" in err and "gpu-alloc sweep" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()  # nothing started


def test_seeds_option_replaces_the_spec_replications(tmp_path: Path) -> None:
    spec = tiny_spec(tmp_path, calibrate={"record": "record.csv", "waves": 1})
    result = run_calibration(spec, tmp_path / "out", seeds=3, progress=False)
    assert len(result.waves) == 1
    assert sorted(set(result.waves[0].sweep.design.seed)) == [1, 2, 3]
    assert result.waves[0].table.runs_ok.eq(3).all()
