"""The record (model/data/record.csv) and the scoring of runs against it: exact tables first."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli_common import Parser, UsageError
from experiments.record_cli import record_table, register
from model.params import ScenarioError
from model.record import (
    COLUMNS,
    KINDS,
    RECORD_PATH,
    Point,
    implausibility,
    load_record,
    score,
    simulate,
)

# Firms of the baseline scenario (ByteDance and Tencent are being added to it); the record may
# name only these. Checked here as a list, not against the scenario, which is being recalibrated.
BASELINE_FIRMS = {
    "Microsoft",
    "Meta",
    "Google",
    "Amazon",
    "Oracle",
    "CoreWeave",
    "Tesla",
    "X",
    "xAI",
    "ByteDance",
    "Tencent",
}
GOOD = {
    "id": "p1",
    "date": "2024-04-23",
    "end": "",
    "firm": "Tesla",
    "quantity": "installed",
    "stat": "at",
    "value": "35000",
    "low": "30000",
    "high": "40000",
    "kind": "fact",
    "source": "Tesla Q1 2024 call",
}


# --- the shipped record ---------------------------------------------------------------------------


def test_shipped_record_has_the_columns_and_enough_sourced_points() -> None:
    with RECORD_PATH.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0].keys()) == COLUMNS
    points = load_record()
    assert len(points) == len(rows) >= 19
    assert len({p.id for p in points}) == len(points)
    assert all(p.source.strip() for p in points)
    assert {p.kind for p in points} <= set(KINDS)
    assert all(p.low <= p.value <= p.high for p in points)


def test_shipped_record_names_only_baseline_firms_or_the_market() -> None:
    for p in load_record():
        assert p.firm == "market" or set(p.firms) <= BASELINE_FIRMS, p.id


def test_shipped_record_holds_the_dated_moments() -> None:
    """DOMAIN.md's facts: the memo's 12k both ways, Tesla's ~35k, Colossus, Omdia's volumes."""
    by_id = {p.id: p for p in load_record()}
    memo = [by_id["memo-tesla-out-2023-12"], by_id["memo-x-in-2023-12"]]
    assert [(p.firm, p.quantity, p.stat, p.value, p.low, p.high) for p in memo] == [
        ("Tesla", "redirected_out", "sum", 12_000, 12_000, 12_000),
        ("X", "redirected_in", "sum", 12_000, 12_000, 12_000),
    ]
    tesla = by_id["tesla-installed-2024-04"]
    assert (tesla.date, tesla.value, tesla.low, tesla.high) == (
        dt.date(2024, 4, 23),
        35_000,
        30_000,
        40_000,
    )
    assert by_id["xai-colossus-2024-07"].date == dt.date(2024, 7, 22)
    omdia = {p.firm: p for p in by_id.values() if p.id.startswith("hopper-2024-")}
    assert {f: p.value for f, p in omdia.items()} == {
        "Microsoft": 485_000,
        "ByteDance": 230_000,
        "Tencent": 230_000,
        "Meta": 224_000,
        "xAI+Tesla": 200_000,
        "Amazon": 196_000,
        "Google": 169_000,
    }
    for p in omdia.values():  # +-15%, summed over 2024's weeks
        assert (p.low, p.high) == pytest.approx((0.85 * p.value, 1.15 * p.value))
        assert (p.date, p.end, p.quantity) == (
            dt.date(2024, 1, 1),
            dt.date(2024, 12, 30),
            "allocated",
        )
    claims = {p.id for p in by_id.values() if p.kind == "claim"}
    assert claims == {"meta-claim-2024-12", "tesla-claim-2024-12"}


# --- validation on load ---------------------------------------------------------------------------


def write_record(
    tmp_path: Path, rows: list[dict[str, str]], header: tuple[str, ...] = COLUMNS
) -> Path:
    path = tmp_path / "record.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for row in rows:
            w.writerow([row.get(c, "") for c in header])
    return path


def test_a_good_row_loads_as_a_point(tmp_path: Path) -> None:
    (p,) = load_record(write_record(tmp_path, [GOOD]))
    assert p == Point(
        id="p1",
        date=dt.date(2024, 4, 23),
        end=None,
        firm="Tesla",
        quantity="installed",
        stat="at",
        value=35_000.0,
        low=30_000.0,
        high=40_000.0,
        kind="fact",
        source="Tesla Q1 2024 call",
    )
    assert p.scored and p.obs_var == (10_000 / 4) ** 2


BAD_ROWS = [
    ({"quantity": "installd"}, "unknown quantity 'installd': not a column of the firms table"),
    ({"firm": "market"}, "unknown quantity 'installed': not a column of the model table"),
    ({"stat": "median"}, "unknown stat 'median' (one of: at, sum, mean)"),
    ({"kind": "rumour"}, "unknown kind 'rumour' (one of: fact, claim, estimate)"),
    ({"low": "41000"}, "low 41000 is above high 40000"),
    ({"value": "45000"}, "value 45000 is outside [low, high] = [30000, 40000]"),
    ({"date": "2024-13-01"}, "date '2024-13-01' is not a date YYYY-MM-DD"),
    ({"date": "20240423"}, "date '20240423' is not a date YYYY-MM-DD"),
    ({"stat": "sum", "end": "2024-04-01"}, "end 2024-04-01 is before date 2024-04-23"),
    ({"stat": "mean"}, "stat 'mean' needs an end date"),
    ({"end": "2024-05-01"}, "end is only for stat sum or mean"),
    ({"stat": "sum", "end": "2024-02-30"}, "end '2024-02-30' is not a date YYYY-MM-DD"),
    ({"value": "35k"}, "value '35k' is not a number"),
    ({"high": "1_000"}, "high '1_000' is not a number"),
    ({"high": "inf"}, "high 'inf' is not a finite number"),
    ({"low": "nan"}, "low 'nan' is not a finite number"),
    ({"source": " "}, "source is empty"),
    ({"firm": "market+Tesla"}, "'market' cannot be summed with firms"),
    ({"firm": "xAI++Tesla"}, "firm 'xAI++Tesla' has an empty name"),
    ({"firm": "Tesla+Tesla"}, "firm 'Tesla+Tesla' names a firm twice"),
]


@pytest.mark.parametrize(("change", "message"), BAD_ROWS)
def test_a_bad_row_is_named_with_what_is_wrong(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    path = write_record(tmp_path, [GOOD, GOOD | {"id": "p2"} | change])
    with pytest.raises(ScenarioError) as err:
        load_record(path)
    text = str(err.value)
    assert text.startswith(f"{path}: row 'p2' (line 3): ") and message in text
    assert "\n" not in text


def test_header_errors_name_the_column(tmp_path: Path) -> None:
    extra = write_record(tmp_path, [GOOD], (*COLUMNS, "note"))
    with pytest.raises(ScenarioError, match=r"line 1: unknown column 'note' \(columns: id, date"):
        load_record(extra)
    missing = write_record(tmp_path, [GOOD], COLUMNS[:-1])
    with pytest.raises(ScenarioError, match="line 1: missing column 'source'"):
        load_record(missing)


def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    path = write_record(tmp_path, [GOOD, GOOD | {"date": "2024-05-01"}])
    with pytest.raises(
        ScenarioError, match=r"row 'p1' \(line 3\): duplicate id \(first on line 2\)"
    ):
        load_record(path)


def test_rows_without_an_id_or_of_the_wrong_width_are_named_by_line(tmp_path: Path) -> None:
    path = write_record(tmp_path, [GOOD | {"id": ""}])
    with pytest.raises(ScenarioError, match=rf"^{path}: line 2: id is empty$"):
        load_record(path)
    path.write_text(",".join(COLUMNS) + "\np1,2024-04-23\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"row 'p1' \(line 2\): 2 fields, the header has 11"):
        load_record(path)


def test_a_missing_or_empty_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nope\.csv: cannot read the record"):
        load_record(tmp_path / "nope.csv")
    empty = write_record(tmp_path, [])
    with pytest.raises(ScenarioError, match="the record has no points"):
        load_record(empty)


# --- simulate on hand-made tables -----------------------------------------------------------------

MONDAYS = ["2024-01-01", "2024-01-08", "2024-01-15"]


def tables(capacity: list[float], a: list[float], b: list[float]) -> tuple[pd.DataFrame, ...]:
    """Three weeks; the firms table's rows deliberately out of order (weeks match by date)."""
    model = pd.DataFrame(
        {"date": MONDAYS, "capacity": capacity, "price_usd": [1.0, 2.0, 4.0]}
    ).iloc[[2, 0, 1]]
    firms = pd.DataFrame(
        {
            "date": [d for d in MONDAYS for _ in "AB"],
            "firm": ["A", "B"] * 3,
            "installed": [x for pair in zip(a, b, strict=True) for x in pair],
        }
    ).iloc[[5, 0, 3, 1, 4, 2]]
    return model, firms


def point(
    firm: str,
    quantity: str,
    stat: str,
    date: str,
    end: str | None = None,
    *,
    value: float = 0.0,
    low: float = 0.0,
    high: float = 0.0,
    kind: str = "estimate",
    id: str = "p",
) -> Point:
    """A point built directly (no CSV), for exact tests of the arithmetic."""
    iso = dt.date.fromisoformat
    end_date = None if end is None else iso(end)
    return Point(id, iso(date), end_date, firm, quantity, stat, value, low, high, kind, "test")


RUN = tables([10, 20, 30], [1, 2, 3], [10, 20, 30])


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (point("A", "installed", "at", "2024-01-10"), 2),  # a Wednesday: the week of 8 Jan
        (point("A", "installed", "at", "2024-01-15"), 3),  # a Monday: its own week
        (point("A", "installed", "at", "2024-01-21"), 3),  # the last day of the run
        (point("A", "installed", "sum", "2024-01-01", "2024-01-08"), 1 + 2),
        (point("market", "capacity", "sum", "2024-01-02", "2024-01-15"), 10 + 20 + 30),
        (point("market", "price_usd", "mean", "2024-01-01", "2024-01-21"), 7 / 3),
        (point("market", "capacity", "at", "2024-01-08"), 20),
        (point("A+B", "installed", "at", "2024-01-08"), 22),
        (point("A+B", "installed", "sum", "2024-01-01", "2024-01-15"), 66),
        (point("B+A", "installed", "mean", "2024-01-01", "2024-01-15"), 22),  # firms summed first
    ],
)
def test_simulate_exact(p: Point, expected: float) -> None:
    assert simulate(p, *RUN) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "p",
    [
        point("A", "installed", "at", "2023-12-31"),  # the day before the run
        point("A", "installed", "at", "2024-01-22"),  # the day after
        point("market", "capacity", "sum", "2024-01-08", "2024-01-29"),  # runs past the end
    ],
)
def test_simulate_outside_the_run_is_nan(p: Point) -> None:
    assert math.isnan(simulate(p, *RUN))


def test_an_unknown_firm_at_scoring_time_is_a_clear_error() -> None:
    p = point("A+Nope", "installed", "at", "2024-01-08", id="typo")
    with pytest.raises(
        ScenarioError,
        match=r"point 'typo': firm 'Nope' is not a firm of the run \(its firms: A, B\)",
    ):
        score([p], [RUN])
    outside = point("Nope", "installed", "at", "2030-01-07", id="later")
    with pytest.raises(ScenarioError, match="firm 'Nope'"):  # checked even outside the run
        simulate(outside, *RUN)


# --- score over runs ------------------------------------------------------------------------------


def test_score_exact_on_two_runs() -> None:
    runs = [RUN, tables([20, 30, 40], [1, 2, 5], [0, 0, 0])]
    span = ("2024-01-01", "2024-01-15")
    points = [
        point("market", "capacity", "sum", *span, value=75, low=70, high=80, id="in"),
        point("market", "capacity", "sum", *span, value=110, low=100, high=120, id="low"),
        point("A", "installed", "at", "2024-01-15", value=2, low=1, high=3, id="high"),
        point("A", "installed", "at", "2024-01-15", value=5, low=5, high=5, id="zero"),
        point("A", "installed", "at", "2024-01-15", value=9, low=8, high=10, kind="claim", id="c"),
    ]
    result = score(points, runs)
    by_id = {p.id: p for p in result.points}
    cap, inst = by_id["in"], by_id["high"]
    assert (cap.mean, cap.min, cap.max, cap.variance) == (75, 60, 90, 450)  # sums 60 and 90
    assert (inst.mean, inst.min, inst.max, inst.variance) == (4, 3, 5, 2)
    assert [(p.inside, p.distance, p.scored) for p in result.points] == [
        (True, 0.0, True),
        (False, (100 - 75) / 20, True),
        (False, (4 - 3) / 2, True),
        (False, abs(4 - 5) / 5, True),  # zero width: the value is the unit
        (False, (8 - 4) / 2, False),  # a claim is shown, not scored
    ]
    assert (result.inside, result.total, result.runs) == (1, 4, 2)
    assert result.score == 0.25
    assert result.mean_distance == pytest.approx((0 + 1.25 + 0.5 + 0.2) / 4)
    assert by_id["low"].implausibility == pytest.approx(35 / math.sqrt((20 / 4) ** 2 + 450))
    assert [p.id for p in result.outside()] == ["low", "high", "zero"]


def test_one_run_has_no_run_to_run_variance_and_uncovered_points_count_as_outside() -> None:
    points = [
        point("A", "installed", "at", "2024-01-08", value=2, low=1, high=3, id="in"),
        point("A", "installed", "at", "2025-01-06", value=2, low=1, high=3, id="later"),
    ]
    result = score(points, [RUN])
    inside, later = result.points
    assert inside.variance == 0 and inside.inside and inside.implausibility == 0
    assert math.isnan(later.mean) and not later.inside and math.isnan(later.distance)
    assert (result.inside, result.total, result.mean_distance) == (1, 2, 0.0)


def test_score_needs_a_run() -> None:
    with pytest.raises(ScenarioError, match="no runs"):
        score(load_record(), [])


def test_implausibility_hand_computed() -> None:
    """|10 - 7| / sqrt(5 + 4) = 1; a range [6, 14] read as +-2 sd gives obs_var (8/4)**2 = 4."""
    assert implausibility(10, 7, 5, 4) == 1.0
    p = point("A", "installed", "at", "2024-01-08", value=10, low=6, high=14)
    assert p.obs_var == 4.0
    assert implausibility(p.value, 7, p.obs_var, 5) == 1.0
    assert implausibility(3, 3, 0, 0) == 0 and implausibility(3, 4, 0, 0) == math.inf
    with pytest.raises(ValueError, match="variances"):
        implausibility(1, 2, -1, 0)


# --- `gpu-alloc record` ---------------------------------------------------------------------------


CLASSROOM_RECORD = """\
id,date,end,firm,quantity,stat,value,low,high,kind,source
wide,2024-06-03,,Tesla,installed,at,1,0,1e9,estimate,test
narrow,2024-01-01,2024-03-25,market,capacity,sum,1,0,1,estimate,test
said,2024-12-23,,Meta,installed,at,1,0,1,claim,test
later,2026-01-05,,Microsoft+Meta,installed,at,1,0,1,estimate,test
"""


def classroom_record(tmp_path: Path) -> Path:
    """Four points on the classroom scenario (2024, 52 weeks; Microsoft, Meta, Tesla, X, xAI):
    one inside, one outside, a claim, and one after the run."""
    path = tmp_path / "classroom-record.csv"
    path.write_text(CLASSROOM_RECORD, encoding="utf-8")
    return path


def gpu_alloc_record(argv: list[str]) -> int:
    parser = Parser(prog="gpu-alloc")
    register(parser.add_subparsers(dest="command", required=True, parser_class=Parser))
    args = parser.parse_args(["record", *argv])
    return args.func(args)


def test_record_json_on_classroom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = classroom_record(tmp_path)
    argv = ["--scenario", "classroom", "--seeds", "2", "--record", str(path), "--json"]
    assert gpu_alloc_record(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"points", "inside", "total", "score"}
    points = out["points"]
    assert [p["id"] for p in points] == ["wide", "narrow", "said", "later"]
    fields = {"id", "firm", "quantity", "value", "low", "high", "mean", "min", "max", "inside"}
    assert all(fields | {"distance", "scored", "variance"} <= set(p) for p in points)
    assert out["inside"] == sum(p["inside"] for p in points if p["scored"]) == 1
    assert out["total"] == sum(p["scored"] for p in points) == 3
    assert out["score"] == pytest.approx(out["inside"] / out["total"])
    wide, narrow, said, later = points
    assert wide["min"] <= wide["mean"] <= wide["max"] and wide["distance"] == 0
    assert narrow["mean"] > 1 and not narrow["inside"] and narrow["distance"] > 0
    assert not said["scored"]
    assert later["mean"] is None and later["distance"] is None  # the run ends in 2024
    python = record_table("classroom", 2, record=path)
    assert (python.inside, python.total) == (out["inside"], out["total"])


def test_record_table_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = classroom_record(tmp_path)
    assert gpu_alloc_record(["--scenario", "classroom", "--seeds", "1", "--record", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["id", "firm", "quantity"] and len(lines) == 6
    assert "claim" in lines[3] and "n/a" in lines[4]
    assert lines[-1].startswith("inside 1/3, score 0.333, mean distance ")
    assert lines[-1].endswith("(1 runs, seed 7; claims not scored)")


def test_record_refuses_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="from 1 to 100, got '101'"):
        gpu_alloc_record(["--scenario", "classroom", "--seeds", "101"])
    with pytest.raises(ScenarioError, match="expected key=value"):
        gpu_alloc_record(["--scenario", "classroom", "--set", "market.mechanism"])
    with pytest.raises(ScenarioError, match="firm 'ByteDance' is not a firm of the run"):
        record_table("classroom", 1)  # the shipped record names firms classroom lacks


def test_a_column_the_run_lacks_is_named() -> None:
    """Tables from an older version of the model may lack a column the record reads."""
    with pytest.raises(ScenarioError, match="the run's model table has no column 'supply_gap'"):
        simulate(point("market", "supply_gap", "at", "2024-01-08"), *RUN)
