"""The public record in the app: points and key dates on the charts, and the Reality check tab.

Expected counts, weeks and labels are read off `model/data/record.csv` and the calendar by hand;
the tab's verdicts are checked against `model.record.score` run on an independently built model.
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections import Counter

import ipyvuetify as v
import pytest
import solara

from model.market import GpuMarket
from model.record import load_record, number, score
from model.scenario import scenario_names
from server.components.allocations import installed_option
from server.components.record import (
    KEY_DATES_SERIES,
    RealityCheck,
    key_date_lines,
    record_series,
    with_record,
)
from server.components.supply import backlog_option
from tests.conftest import finished

POINTS = {p.id: p for p in load_record()}
# record.csv by quantity and firm: (facts and estimates, claims)
COUNTS = {
    "installed": {"X": (1, 0), "Tesla": (2, 1), "xAI": (1, 0), "Meta": (0, 1)},
    "lead_time_weeks": {"market": (2, 0)},
}
KEY_WEEKS = [  # each key date at the Monday label of its week in baseline (from 2023-10-02)
    ("2023-12-04", "Nvidia memo: 12k to X"),
    ("2024-04-22", "Tesla Q1 call"),
    ("2024-06-03", "Musk: no place to turn them on"),
    ("2024-07-22", "Colossus 100k"),
    ("2024-10-21", "Cortex live"),
]


def items(series: list[dict]) -> dict[str, dict]:
    """Every drawn point by record id, with the series it sits in."""
    return {d["name"]: {**d, "series": s} for s in series for d in s["data"]}


def per_firm(series: list[dict]) -> dict[str, tuple[int, int]]:
    """(facts and estimates, claims) per firm among the drawn points."""
    counts: Counter[tuple[str, bool]] = Counter()
    for pid in items(series):
        counts[POINTS[pid].firm, POINTS[pid].kind == "claim"] += 1
    firms = {firm for firm, _ in counts}
    return {f: (counts[f, False], counts[f, True]) for f in firms}


@pytest.mark.parametrize("quantity", list(COUNTS))
def test_record_series_draws_every_point_of_the_quantity(baseline, quantity) -> None:
    series = record_series(baseline, quantity, None)
    assert per_firm(series) == COUNTS[quantity]
    assert [s["name"] for s in series] == (
        ["Reported (facts, estimates)", "Claims"]
        if quantity == "installed"
        else ["Reported (facts, estimates)"]
    )
    for pid, item in items(series).items():
        p = POINTS[pid]
        assert item["value"][1] == p.value
        tip = item["tooltip"]["formatter"]
        scale = max(p.value, p.high)
        span = f"[{number(p.low, scale)}-{number(p.high, scale)}]"  # e.g. [30,000-40,000]
        for text in (p.id, html.escape(p.source), p.kind, span):
            assert text in tip
    json.dumps(series)  # goes to the browser as is


def test_record_series_places_points_and_ranges_on_the_run_weeks(baseline) -> None:
    drawn = items(record_series(baseline, "installed", None))
    assert drawn["tesla-installed-2024-04"]["value"] == ["2024-04-22", 35000.0]  # a Tuesday
    assert drawn["tesla-cortex-2024-10"]["value"] == ["2024-10-28", 50000.0]
    assert drawn["meta-claim-2024-12"]["value"] == ["2024-12-30", 350000.0]
    # a period's mean at its middle week: weeks 0-12 -> 6, and 26-30 -> 28
    lead = record_series(baseline, "lead_time_weeks", None, y_axis=1)
    got = {pid: item["value"] for pid, item in items(lead).items()}
    assert got == {
        "lead-time-late-2023": ["2023-11-13", 44.0],
        "lead-time-2024-04": ["2024-04-15", 10.0],
    }
    (s,) = lead
    assert s["yAxisIndex"] == 1
    bars = [[end["coord"] for end in bar] for bar in s["markLine"]["data"]]
    assert bars == [
        [["2023-11-13", 36.0], ["2023-11-13", 52.0]],
        [["2024-04-15", 8.0], ["2024-04-15", 12.0]],
    ]
    shades = [[c["coord"] for c in area] for area in s["markArea"]["data"]]
    assert shades == [
        [["2023-10-02", 36.0], ["2023-12-25", 52.0]],
        [["2024-04-01", 8.0], ["2024-04-29", 12.0]],
    ]


def test_claims_are_drawn_apart_from_facts(baseline) -> None:
    facts, claims = record_series(baseline, "installed", None)
    for item in facts["data"]:
        assert item["symbol"] == "circle" and item["itemStyle"]["color"] != "#ffffff"
    for item in claims["data"]:
        assert item["symbol"] == "diamond" and item["itemStyle"]["color"] == "#ffffff"
    assert {bar[0]["lineStyle"]["type"] for bar in facts["markLine"]["data"]} == {"solid"}
    assert {bar[0]["lineStyle"]["type"] for bar in claims["markLine"]["data"]} == {"dashed"}
    tesla = items([facts, claims])["tesla-claim-2024-12"]
    assert tesla["itemStyle"]["borderColor"] == baseline.firm("Tesla").color


def test_record_series_follows_the_firms_shown_and_the_runs_weeks() -> None:
    m = finished("baseline")
    assert per_firm(record_series(m, "installed", ["Tesla", "X"])) == {"Tesla": (2, 1), "X": (1, 0)}
    assert record_series(m, "installed", ["Microsoft"]) == []
    short = GpuMarket("baseline", steps=20).run()  # to 2024-02-12: later points are omitted
    assert list(items(record_series(short, "installed", None))) == ["x-installed-2023-10"]
    assert list(items(record_series(short, "lead_time_weeks", None))) == ["lead-time-late-2023"]
    assert record_series(finished("classroom"), "installed", None) == []


def test_key_date_lines_sit_at_their_weeks(baseline) -> None:
    lines = key_date_lines(baseline)
    assert [(d["xAxis"], d["name"]) for d in lines["data"]] == KEY_WEEKS
    assert lines["label"]["show"] and lines["label"]["fontSize"] >= 14
    assert key_date_lines(baseline, font_size=22)["label"]["fontSize"] == 22
    # classroom starts on 2024-01-01: the December 2023 memo lies before it
    assert [d["xAxis"] for d in key_date_lines(finished("classroom"))["data"]] == [
        w for w, _ in KEY_WEEKS[1:]
    ]
    assert key_date_lines(GpuMarket("baseline", steps=20))["data"][0]["xAxis"] == "2023-12-04"
    assert len(key_date_lines(GpuMarket("baseline", steps=20))["data"]) == 1


def test_with_record_adds_series_and_leaves_the_input_alone(baseline) -> None:
    option = installed_option(baseline)
    before = copy.deepcopy(option)
    out = with_record(option, baseline, "installed")
    assert option == before
    assert out["series"][: len(option["series"])] == option["series"]
    added = [s["name"] for s in out["series"][len(option["series"]) :]]
    assert added == ["Reported (facts, estimates)", "Claims", KEY_DATES_SERIES]
    dated = out["series"][-1]["markLine"]["data"]
    assert [(d["xAxis"], d["name"]) for d in dated] == KEY_WEEKS
    lead = with_record(backlog_option(baseline), baseline, "lead_time_weeks", font_size=20)
    record = next(s for s in lead["series"] if s["name"].startswith("Reported"))
    assert record["yAxisIndex"] == 1  # the axis named "weeks"
    assert lead["series"][-1]["markLine"]["label"]["fontSize"] == 20
    json.dumps(out)
    json.dumps(lead)


def test_with_record_is_a_no_op_without_the_records_firms_or_weeks() -> None:
    classroom = finished("classroom")
    for option, quantity in (
        (installed_option(classroom), "installed"),
        (backlog_option(classroom), "lead_time_weeks"),
    ):
        assert with_record(option, classroom, quantity) is option
    fresh = GpuMarket("baseline")
    option = installed_option(fresh)
    assert with_record(option, fresh, "installed") is option


# --- the Reality check tab -----------------------------------------------------------------------


def rendered(m: GpuMarket):
    """Render the tab alone; returns (totals text, [(id, verdict)] in record order, messages)."""
    _box, rc = solara.render(RealityCheck(m), handle_error=False)
    messages = [str(w.children) for w in rc.find(v.Alert).widgets]
    if messages:
        return None, [], messages
    totals = rc.find(v.Html, class_="reality-check-totals").widget.children[0]
    table = next(
        w.unsafe_innerHTML
        for w in rc.find(solara.widgets.HTML).widgets
        if "reality-check-table" in (w.unsafe_innerHTML or "")
    )
    ids = re.findall(r'<td title="[^"]*"[^>]*>([^<]+)</td>', table)
    verdicts = re.findall(r'<td class="verdict"[^>]*>([^<]+)</td>', table)
    for p in POINTS.values():
        assert html.escape(p.source) in table
    return totals, list(zip(ids, verdicts, strict=True)), messages


def expected_verdicts(weeks: int | None) -> list[tuple[str, str]]:
    """What the tab should say, from `model.record.score` on a model built apart."""
    m = GpuMarket("baseline").run(weeks)
    last = m.week - 1  # the last week simulated
    result = score(load_record(), [(m.model_table(), m.firms_table())])
    out = []
    for p, s in zip(load_record(), result.points, strict=True):
        end = (p.end or p.date) - m.start
        if end.days // 7 > last:
            out.append((p.id, "not yet"))
        else:
            out.append(
                (p.id, "claim" if p.kind == "claim" else ("inside" if s.inside else "outside"))
            )
    return out


def test_reality_check_before_the_first_week() -> None:
    totals, rows, messages = rendered(GpuMarket("baseline"))
    assert not messages
    assert [pid for pid, _ in rows] == list(POINTS)
    assert {verdict for _, verdict in rows} == {"not yet"}
    assert "No weeks simulated yet" in totals and "19 scored points" in totals


def test_reality_check_at_week_30() -> None:
    m = GpuMarket("baseline").run(30)
    totals, rows, _ = rendered(m)
    want = expected_verdicts(30)
    assert rows == want
    counts = Counter(verdict for _, verdict in want)
    assert counts["not yet"] == 15  # every point after 2024-04-28 (week 29 ends there)
    reached = 19 - sum(1 for pid, verdict in want if verdict == "not yet" and POINTS[pid].scored)
    assert f"{counts['inside']} of the {reached} scored points reached so far" in totals
    assert "(13 not yet)" in totals


def test_reality_check_at_the_end_of_baseline(baseline) -> None:
    totals, rows, _ = rendered(baseline)
    assert rows == expected_verdicts(None)
    verdicts = dict(rows)
    assert "not yet" not in verdicts.values()
    assert [pid for pid, verdict in rows if verdict == "claim"] == [
        "meta-claim-2024-12",
        "tesla-claim-2024-12",
    ]
    result = score(load_record(), [(baseline.model_table(), baseline.firms_table())])
    assert totals == (
        f"Inside the reported range: {result.inside} of 19 scored points. Score {result.score:.3f}."
    )


@pytest.mark.parametrize("scenario", ["classroom", "inflation-lab"])
def test_reality_check_explains_a_scenario_the_record_does_not_cover(scenario) -> None:
    totals, rows, messages = rendered(GpuMarket(scenario).run(3))
    assert totals is None and rows == []
    (message,) = messages
    assert "does not have all of its firms" in message and scenario in message
    if scenario == "classroom":
        assert "missing: Amazon, ByteDance, Google, Tencent" in message


def test_reality_check_renders_for_every_scenario() -> None:
    for name in scenario_names():
        totals, rows, messages = rendered(GpuMarket(name).run(2))
        assert (totals and len(rows) == len(POINTS)) or messages
