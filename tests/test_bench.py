"""`gpu-alloc bench`: the harness runs, prints its tables, writes the expected JSON, and the things
it compares are really the same (floor and mechanism units, our and NegMAS's agreements).

No timing is asserted here: figures come from the benchmark, on a quiet machine.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from experiments.bench.floor import FLOORS
from experiments.cli import main
from model import mechanisms

CHEAP = "baseline,scale,floor,negotiation"
HAS_NEGMAS = importlib.util.find_spec("negmas") is not None


def bench(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[str, dict]:
    out = tmp_path / "bench.json"
    code = main(["bench", "--quick", "--out", str(out), *args])
    printed = capsys.readouterr().out
    assert code == 0
    return printed, json.loads(out.read_text(encoding="utf-8"))


def test_quick_bench_prints_tables_and_writes_json(capsys, tmp_path: Path) -> None:
    md = tmp_path / "bench.md"
    printed, r = bench(capsys, tmp_path, "--only", CHEAP, "--markdown", str(md))
    for title in (
        "1. One baseline run",
        "2. Seconds per week",
        "3. Allocation at",
        "4. Bilateral negotiations",
        "Goals",
    ):
        assert title in printed and title in md.read_text(encoding="utf-8")
    assert {"machine", "runs", "goals"} <= set(r)
    assert list(r["runs"]) == CHEAP.split(",")
    assert all({"date", "seconds", "load", "repeats"} <= set(run) for run in r["runs"].values())
    assert {"cpu", "cores", "python", "numpy", "mesa"} <= set(r["machine"])
    assert [row["mechanism"] for row in r["baseline"]["rows"]] == mechanisms.mechanism_names()
    assert set(r["scale"]["growth"]) == {"proportional", "negotiation"}
    assert all(row["equal"] and row["binding"] for row in r["floor"]["rows"])
    n = r["negotiation"]
    assert n["engines_equal"] is True
    assert n["agreements_equal"] is (True if HAS_NEGMAS else None)
    assert all({"goal", "value", "target", "met"} <= set(g) for g in r["goals"])
    assert "sweep" not in r and "memory" not in r


@pytest.mark.slow
@pytest.mark.cluster
def test_quick_bench_runs_every_section(capsys, tmp_path: Path) -> None:
    """Sweeps through every executor and batch_run, and the memory sweep in its own process."""
    printed, r = bench(capsys, tmp_path)
    assert "5. Sweeps of" in printed and "6. Driver memory" in printed
    (case,) = r["sweep"]["cases"]
    assert [row["executor"] for row in case["rows"]] == ["serial", "process", "dask", "batch_run"]
    assert set(case["ratios"]) >= {"process_vs_serial", "process_vs_batch_run"}
    assert r["memory"]["ok"] == r["memory"]["runs"]
    assert r["memory"]["rss_peak_mb"] > 0


def test_update_keeps_the_sections_not_run_again(capsys, tmp_path: Path) -> None:
    _, first = bench(capsys, tmp_path, "--only", "baseline")
    _, both = bench(capsys, tmp_path, "--only", "negotiation", "--update")
    assert (
        both["baseline"] == first["baseline"]
        and both["runs"]["baseline"] == first["runs"]["baseline"]
    )
    assert list(both["runs"]) == ["baseline", "negotiation"]
    _, alone = bench(capsys, tmp_path, "--only", "negotiation")
    assert "baseline" not in alone


def test_unknown_section_is_a_usage_error(capsys) -> None:
    assert main(["bench", "--only", "nope"]) == 2
    assert "--only" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(FLOORS))
@pytest.mark.parametrize("seed", range(20))
def test_floor_gives_the_mechanisms_units(name: str, seed: int) -> None:
    """The floor is only a fair reference if it computes the very same allocation."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    q = rng.integers(0, rng.choice([3, 50, 10_000]), n).astype(np.int64)
    k = int(rng.integers(0, max(1, int(q.sum() * 1.2)) + 1))
    expected = mechanisms.allocate(name, q, k).units
    np.testing.assert_array_equal(FLOORS[name](q, k), expected)
