"""Bad command-line input, flag by flag: exit code 2, one line on stderr that names the flag (or the
spec field) and what is wrong, no traceback, and nothing started or written.

Each case runs `experiments.cli.main` in-process. In a case, `{tmp}` is the test's folder, `{new}`
a folder that must still not exist afterwards, `{INT64}` and `{UNITS}` the limits. The limits are
the real ones: 2**63 - 1 for seeds (int64), MAX_UNITS = 2**31 - 1 (the mechanisms'), 1,040 weeks
(the `weeks` parameter's maximum), 10,000 rounds and prices up to 100,000 (the CLI's negotiation
bounds), 1,000,000 runs a sweep.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from experiments.cli import main
from experiments.sweep import run_sweep
from tests.test_sweep_run import toml_spec

BIG = "12345678901234567890"  # 20 digits: above int64 as well as MAX_UNITS
TINY = {"name": "tiny", "scenario": "classroom", "steps": 1, "grid": {"supply.scale": [0.5]}}
NINE = [
    "supply.transit_weeks",
    "market.negotiation_rounds",
    "friction.redirect",
    "friction.reschedule",
    "friction.cancel",
    "friction.refusal",
    "firms.*.installed",
    "firms.*.slots",
    "firms.*.value_usd",
]
SPECS = {
    "huge-sample": {**TINY, "sample": {"n": 10**9, "ranges": {"market.max_markup": [0.0, 1.0]}}},
    "huge-grid": {**TINY, "grid": {key: list(range(1, 11)) for key in NINE}},
    "negative-seed": {**TINY, "seed": -1},
    "negative-seeds": {**TINY, "seeds": [0, -3]},
    "seeds-past-int64": {**TINY, "seeds": [2**63]},
    "replications-past-int64": {**TINY, "seed": 2**63 - 2, "replications": 3},
    "huge-replications": {**TINY, "replications": 10**9},
    "huge-steps": {**TINY, "steps": 10**9},
}
ALLOCATE = ["allocate", "--mechanism", "priority", "--capacity", "10", "--orders", "1,2"]
NEGOTIATE = ["negotiate", "--seller", "linear", "--buyer", "boulware"]
SWEEP = ["sweep", "{tmp}/tiny.toml", "--out", "{new}", "--quiet"]


def make_file(tmp: Path) -> None:
    (tmp / "afile").write_text("not a folder")


def earlier_run(tmp: Path) -> None:
    (tmp / "done").mkdir()
    (tmp / "done" / "model.csv").write_text("step\n0\n")


def other_sweep(tmp: Path) -> None:
    """A finished one-run sweep keeping one metric; `tiny.toml` keeps the default twelve."""
    run_sweep({**TINY, "keep": {"metrics": ["price_usd.mean"]}}, tmp / "done", progress=False)


def not_a_sweep(tmp: Path) -> None:
    (tmp / "done").mkdir()
    (tmp / "done" / "notes.txt").write_text("mine")


Setup = Callable[[Path], None]


def damaged(spec_json: str, runs: bytes = b"PAR1") -> Setup:
    def setup(tmp: Path) -> None:
        (tmp / "done").mkdir()
        (tmp / "done" / "spec.json").write_text(spec_json)
        (tmp / "done" / "runs.parquet").write_bytes(runs)

    return setup


VALID_INFO = json.dumps({"name": "x", "metrics": [], "grid": {}, "ranges": {}})
LIMITS = {"{INT64}": "9,223,372,036,854,775,807", "{UNITS}": "[0, 2,147,483,647]"}


def case(name: str, args: list[str], phrase: str, setup: Setup | None = None) -> Any:
    return pytest.param(args, phrase, setup, id=name)


CASES = [
    # run
    case(
        "run-negative-seed",
        ["run", "--out", "{new}", "--seed", "-1"],
        "argument --seed: expected a whole number from 0 to {INT64}, got '-1'",
    ),
    case(
        "run-seed-past-int64",
        ["run", "--out", "{new}", "--seed", str(2**63)],
        "argument --seed: expected a whole number from 0 to",
    ),
    case(
        "run-steps-bomb",
        ["run", "--out", "{new}", "--steps", "1000000000"],
        "--steps: at most 1,040 weeks, got 1,000,000,000",
    ),
    case(
        "run-out-file",
        ["run", "--out", "{tmp}/afile"],
        "--out {tmp}/afile: exists and is not a folder",
        make_file,
    ),
    case(
        "run-out-null",
        ["run", "--out", os.devnull],
        f"--out {os.devnull}: exists and is not a folder",
    ),
    case(
        "run-out-under-file",
        ["run", "--out", "{tmp}/afile/x"],
        "{tmp}/afile is not a folder",
        make_file,
    ),
    case(
        "run-out-has-tables",
        ["run", "--out", "{tmp}/done"],
        "already holds the tables of a run (model.csv); add --force",
        earlier_run,
    ),
    # allocate: every list flag, 20 digits and one unit above MAX_UNITS
    case(
        "allocate-capacity",
        [*ALLOCATE[:3], "--capacity", BIG, "--orders", "1"],
        f"argument --capacity: expected a whole number from 0 to 2,147,483,647, got '{BIG}'",
    ),
    case(
        "allocate-orders",
        [*ALLOCATE[:5], "--orders", f"1,{BIG}"],
        "--orders: values must lie in {UNITS}",
    ),
    case(
        "allocate-orders-max+1",
        [*ALLOCATE[:5], "--orders", "1,2147483648"],
        "--orders: values must lie in {UNITS}",
    ),
    case(
        "allocate-tiers", [*ALLOCATE, "--tiers", f"0,{BIG}"], "--tiers: values must lie in {UNITS}"
    ),
    case("allocate-past", [*ALLOCATE, "--past", f"{BIG},0"], "--past: values must lie in {UNITS}"),
    case(
        "allocate-needs", [*ALLOCATE, "--needs", f"{BIG},1"], "--needs: values must lie in {UNITS}"
    ),
    # negotiate: resource bombs, negative prices, an empty range
    case(
        "negotiate-rounds-1e9",
        [*NEGOTIATE, "--rounds", "1e9"],
        "argument --rounds: expected a whole number from 1 to 10,000, got '1e9'",
    ),
    case(
        "negotiate-rounds-max+1",
        [*NEGOTIATE, "--rounds", "10001"],
        "argument --rounds: expected a whole number from 1 to 10,000",
    ),
    case(
        "negotiate-price-max-1e9",
        [*NEGOTIATE, "--price-max", "1e9"],
        "argument --price-max: expected a whole number from 0 to 100,000, got '1e9'",
    ),
    case(
        "negotiate-price-max-10**9",
        [*NEGOTIATE, "--price-max", "1000000000"],
        "argument --price-max: expected a whole number from 0 to 100,000",
    ),
    case(
        "negotiate-negative-price",
        [*NEGOTIATE, "--price-min", "-5"],
        "argument --price-min: expected a whole number from 0 to 100,000, got '-5'",
    ),
    case(
        "negotiate-min-above-max",
        [*NEGOTIATE, "--price-min", "50", "--price-max", "10"],
        "--price-min 50 must be below --price-max 10",
    ),
    # sweep: specs that would allocate too much or overflow int64, options, folders
    case(
        "sweep-sample-n-1e9",
        ["sweep", "{tmp}/huge-sample.toml", "--out", "{new}"],
        "sample.n: expected a whole number from 1 to 1,000,000, got 1000000000",
    ),
    case(
        "sweep-grid-1e9",
        ["sweep", "{tmp}/huge-grid.toml", "--out", "{new}"],
        "the design has 1,000,000,000 runs; at most 1,000,000 a sweep",
    ),
    case(
        "sweep-negative-seed",
        ["sweep", "{tmp}/negative-seed.toml", "--out", "{new}"],
        "negative-seed.toml: seed: must lie in [0, 2**63-1], got -1",
    ),
    case(
        "sweep-negative-seeds",
        ["sweep", "{tmp}/negative-seeds.toml", "--out", "{new}"],
        "seeds: expected a list of whole numbers in [0, 2**63-1], got [0, -3]",
    ),
    case(
        "sweep-seeds-past-int64",
        ["sweep", "{tmp}/seeds-past-int64.toml", "--out", "{new}"],
        "seeds: expected a list of whole numbers in [0, 2**63-1], got [9223372036854775808]",
    ),
    case(
        "sweep-replications-past-int64",
        ["sweep", "{tmp}/replications-past-int64.toml", "--out", "{new}"],
        "replications: seeds 9223372036854775806 to 9223372036854775808 go past 2**63-1",
    ),
    case(
        "sweep-replications-1e9",
        ["sweep", "{tmp}/huge-replications.toml", "--out", "{new}"],
        "replications: must lie in [1, 1,000,000], got 1000000000",
    ),
    case(
        "sweep-steps-1e9",
        ["sweep", "{tmp}/huge-steps.toml", "--out", "{new}"],
        "steps: must lie in [1, 1,040], got 1000000000",
    ),
    case(
        "sweep-dask-not-an-address",
        [*SWEEP, "--dask", "notanaddress"],
        "argument --dask: 'notanaddress' is not a scheduler address (expected tcp://HOST:PORT",
    ),
    case(
        "sweep-dask-bad-port",
        [*SWEEP, "--dask", "tcp://127.0.0.1:99999"],
        "argument --dask: 'tcp://127.0.0.1:99999' is not a scheduler address",
    ),
    case(
        "sweep-dask-timeout-nan",
        [*SWEEP, "--dask-timeout", "nan"],
        "argument --dask-timeout: expected seconds above 0 and at most 604,800, got 'nan'",
    ),
    case(
        "sweep-dask-timeout-negative",
        [*SWEEP, "--dask-timeout", "-5"],
        "argument --dask-timeout: expected seconds above 0 and at most 604,800, got '-5'",
    ),
    case(
        "sweep-dask-timeout-inf",
        [*SWEEP, "--dask-timeout", "inf"],
        "argument --dask-timeout: expected seconds above 0",
    ),
    case(
        "sweep-workers-bomb",
        [*SWEEP, "--workers", "100000"],
        "argument --workers: expected a whole number from 1 to",
    ),
    case(
        "sweep-dask-local-bomb",
        [*SWEEP, "--dask-local", "100000"],
        "argument --dask-local: expected a whole number from 1 to",
    ),
    case(
        "sweep-out-file",
        ["sweep", "{tmp}/tiny.toml", "--out", "{tmp}/afile"],
        "--out {tmp}/afile: exists and is not a folder",
        make_file,
    ),
    case(
        "sweep-out-null",
        ["sweep", "{tmp}/tiny.toml", "--out", os.devnull],
        f"--out {os.devnull}: exists and is not a folder",
    ),
    case(
        "sweep-out-other-sweep",
        ["sweep", "{tmp}/tiny.toml", "--out", "{tmp}/done", "--resume"],
        "{tmp}/done: holds a different sweep (it keeps other metrics)",
        other_sweep,
    ),
    case(
        "sweep-out-not-a-sweep",
        ["sweep", "{tmp}/tiny.toml", "--out", "{tmp}/done"],
        "{tmp}/done: holds files that are not a sweep (notes.txt)",
        not_a_sweep,
    ),
    # report
    case("report-missing-folder", ["report", "{new}"], "{new}: no such folder"),
    case(
        "report-corrupt-spec",
        ["report", "{tmp}/done"],
        "{tmp}/done/spec.json: not valid JSON",
        damaged("{not json"),
    ),
    case(
        "report-spec-not-a-spec",
        ["report", "{tmp}/done"],
        "not a sweep's spec (missing or wrong: name, metrics, grid, ranges)",
        damaged("[]"),
    ),
    case(
        "report-corrupt-runs",
        ["report", "{tmp}/done"],
        "{tmp}/done/runs.parquet: cannot be read",
        damaged(VALID_INFO),
    ),
    # bench: checked before minutes of benchmarking
    case(
        "bench-out-folder",
        ["bench", "--out", "{tmp}"],
        "--out {tmp}: is a folder; give a file name",
    ),
    case(
        "bench-markdown-no-folder",
        ["bench", "--markdown", "{new}/b.md"],
        "--markdown {new}/b.md: no folder {new}",
    ),
    case(
        "bench-repeats-bomb",
        ["bench", "--repeats", "1000000"],
        "argument --repeats: expected a whole number from 1 to 100",
    ),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, data in [("tiny", TINY), *SPECS.items()]:
        toml_spec(tmp_path / f"{name}.toml", data)
    return tmp_path


@pytest.mark.parametrize(("args", "phrase", "setup"), CASES)
def test_bad_input_exits_2_with_one_line_and_starts_nothing(
    capsys: pytest.CaptureFixture[str],
    folder: Path,
    args: list[str],
    phrase: str,
    setup: Setup | None,
) -> None:
    if setup is not None:
        setup(folder)
    capsys.readouterr()
    new = folder / "new"

    def fill(text: str) -> str:
        for key, value in {**LIMITS, "{tmp}": str(folder), "{new}": str(new)}.items():
            text = text.replace(key, value)
        return text

    code = main([fill(a) for a in args])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("gpu-alloc: error: ") and err.count("\n") == 1, err
    assert fill(phrase) in err
    assert not new.exists()
