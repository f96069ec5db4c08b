"""Lessons tell the truth about their runs, and drive them.

Every note's `checks` are evaluated in the lesson's own run at the note's week, every question's
`check` in the lesson's run (and Compare's run B), and every try's `expect` in the run its button
starts: a lesson whose text no longer matches the model fails here, naming the note.
"""

from __future__ import annotations

import functools

import ipyvuetify as v
import pytest

from model.market import GpuMarket
from model.params import ScenarioError
from server.app import VIEWS
from server.components.lessons import stage_holds
from server.conditions import failures, parse_condition, run_tables
from server.curriculum import Lesson, delay_figures, find_lesson, lessons, parse_lesson
from tests.test_app_components import button, cards, render, select, week_text

LESSONS = {le.slug: le for le in lessons()}


@functools.cache
def tables(spec_key: str, lesson: str, trial: str | None = None) -> dict:
    """A whole run's tables for a lesson (`spec_key` "lesson", "try" or "compare"), cached."""
    le = LESSONS[lesson]
    spec = {
        "lesson": lambda: le.spec(),
        "try": lambda: le.try_spec(le.find_try(trial)),
        "compare": lambda: le.compare_spec(le.spec()),
    }[spec_key]()
    return run_tables(spec.build().run())


def lesson_runs(le: Lesson) -> dict:
    own = tables("lesson", le.slug)
    runs = {"here": own, "lesson": own}
    if le.compare is not None:
        runs["compare"] = tables("compare", le.slug)
    return runs


NOTES = [(le.slug, i) for le in lessons() for i in range(len(le.stages))]
TRIES = [(le.slug, t.slug) for le in lessons() for t in le.tries()]


@pytest.mark.parametrize(("slug", "index"), NOTES)
def test_every_note_holds_in_its_run(slug: str, index: int) -> None:
    le = LESSONS[slug]
    stage = le.stages[index]
    runs = lesson_runs(le)
    wrong = [f for c in stage.checks for f in failures(c, runs, stage.week)]
    assert not wrong, f"{slug}, week {stage.week}: {wrong}"
    for q in stage.questions:
        missing = [f for c in q.check for f in failures(c, runs, stage.week)]
        assert not missing, f"{slug}, week {stage.week}, {q.text!r}: {missing}"


@pytest.mark.parametrize(("slug", "trial"), TRIES)
def test_every_try_shows_what_its_note_says(slug: str, trial: str) -> None:
    le = LESSONS[slug]
    t = le.find_try(trial)
    t_spec = le.try_spec(t)
    assert t_spec.scenario == le.scenario  # a try restarts within the lesson's scenario
    assert t_spec != le.spec()
    runs = {"here": tables("try", slug, trial), "lesson": tables("lesson", slug)}
    wrong = [f for c in t.expect for f in failures(c, runs, t.week)]
    assert t.expect and not wrong, f"{slug}, try {t.label!r}: {wrong}"


def test_every_note_makes_a_checked_claim() -> None:
    """Each note carries checks; views named by lessons and questions exist."""
    for le in lessons():
        assert le.view in VIEWS
        for stage in le.stages:
            assert stage.checks, f"{le.slug}: the note at week {stage.week} has no checks"
            assert all(q.view in (None, *VIEWS) for q in stage.questions)


def test_the_inflation_lesson_says_nothing_is_cancelled_and_shows_a_shortage_end() -> None:
    """Lee, Padmanabhan & Whang (1997): phantom orders are cancelled when a shortage ends. The
    lesson's own run never ends its shortage (nothing is cancelled, and its week-40 note says
    so); its first try ends one, and the buyers cancel 126,000 phantom units in weeks 11-13."""
    le = LESSONS["inflation"]
    note = next(s for s in le.stages if s.week == 40)
    assert "no order is ever\ncancelled" in note.text or "never ends" in note.text
    own = tables("lesson", "inflation")
    assert own["events"].empty and own["model"].cancelled.sum() == 0
    ended = tables("try", "inflation", "a-shortage-that-ends")["events"]
    cancelled = ended[ended.kind == "cancellation"]
    assert cancelled.units.sum() == 126_000
    assert sorted(set(cancelled.step))[:3] == [11, 12, 13]


def test_the_redirect_lesson_follows_the_memo_dates() -> None:
    """The memo's redirect on 4, 11 and 18 December 2023, X's repayments on 1 January and in the
    weeks of 3 and 10 June 2024, the readiness policy's first move on 22 April 2024."""
    le = LESSONS["redirect"]
    ev = tables("lesson", "redirect")["events"]
    memo = ev[(ev.kind == "swap") & (ev.step <= 11)]
    assert memo.date.tolist() == ["2023-12-04", "2023-12-11", "2023-12-18"]
    assert memo.units.sum() == 12_000
    repaid = ev[(ev.kind == "swap_repay") & (ev.firm == "X") & (ev.step <= 36)]
    assert repaid.groupby("date").units.sum().to_dict() == {
        "2024-01-01": 6000,
        "2024-06-03": 5299,
        "2024-06-10": 701,
    }
    policy = ev[(ev.kind == "swap") & (ev.step > 11)]
    assert policy.date.iloc[0] == "2024-04-22" and policy.firm.iloc[0] == "Tesla"
    text = " ".join(s.text for s in le.stages)
    for said in ("4, 11 and 18 December", "1 January", "3 and 10 June", "22 April", "readiness"):
        assert said in text
    assert "five buyers" not in text.lower() and "X > xAI > Tesla" not in le.summary
    for stage in le.stages:  # every question of this lesson has its answer in the run
        assert all(q.view and (q.check or q.tries) for q in stage.questions)


def test_compare_answers_how_much_later_tesla_reached_its_target() -> None:
    """B is the `no-redirect` scenario exactly; the rows Compare needs (`delay_figures`) give
    Tesla's week of reaching its target, peak weeks of delay and peak units owed."""
    le = LESSONS["redirect"]
    b = le.compare_spec(le.spec()).build().run()
    assert b.firms_table().equals(GpuMarket("no-redirect").run().firms_table())
    a = le.spec().build().run()
    got_a, got_b = delay_figures(a, "Tesla"), delay_figures(b, "Tesla")
    assert got_a["Tesla: week target reached"] == 58.0  # step 57 (2024-11-04), as the bar counts
    assert got_b["Tesla: week target reached"] == 79.0
    assert got_a["Tesla: units owed (peak)"] == 14_672.0 and got_b["Tesla: units owed (peak)"] == 0
    assert 15.0 < got_a["Tesla: weeks of delay (peak)"] < 16.0
    assert got_b["Tesla: weeks of delay (peak)"] == 0.0


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"table": "files", "stat": "count"}, "table: 'files' is not one of"),
        ({"table": "model", "column": "__import__('os')"}, "column: \"__import__('os')\""),
        ({"table": "events", "kind": "anything"}, "kind: 'anything' is not one of"),
        ({"table": "model", "where": [["step", "~", 1]]}, "operator: '~' is not one of"),
        ({"table": "model", "stat": "median", "column": "step"}, "stat: 'median'"),
        ({"table": "model", "stat": "sum"}, "needs a column"),
        ({"table": "model", "eval": "1"}, "unknown key 'eval'"),
        ({"table": "model", "min": "1"}, "min: expected a number"),
    ],
)
def test_the_condition_language_refuses_what_it_does_not_know(condition, message) -> None:
    with pytest.raises(ScenarioError, match=r"lessons/x\.toml") as err:
        parse_condition(condition, "lessons/x.toml: stages[0].checks[0]")
    assert message in str(err.value)


def test_a_note_cannot_foretell_or_read_another_run() -> None:
    head = 'title = "t"\nscenario = "classroom"\n[[stages]]\nweek = 4\ntext = "x"\n'
    ahead = head + '[[stages.checks]]\ntable = "model"\ncolumn = "step"\nto_week = 9\n'
    with pytest.raises(ScenarioError, match=r"lessons/bad\.toml: stages\[0\]\.checks\[0\]"):
        parse_lesson("bad", ahead)
    other = head + '[[stages.checks]]\ntable = "model"\nstat = "count"\nrun = "compare"\n'
    with pytest.raises(ScenarioError, match="reads only its own run"):
        parse_lesson("bad", other)
    asks = head + '[[stages.questions]]\ntext = "q"\ncheck = [{table = "model", run = "compare"}]\n'
    with pytest.raises(ScenarioError, match=r"there is no \[compare\]"):
        parse_lesson("bad", asks)


def test_starting_a_lesson_sets_the_form_and_reset_keeps_its_scenario() -> None:
    rc = render()
    select(rc, "Lesson").v_model = "Scarcity and allocation rules"
    button(rc, "Start lesson").click()
    assert select(rc, "Scenario").v_model == "classroom"
    assert select(rc, "Scenario").disabled  # the lesson owns the scenario
    assert select(rc, "Allocation mechanism").v_model == "proportional"
    assert week_text(rc) == "Week 0 of 52"
    for _ in range(2):
        button(rc, "Step").click()
    select(rc, "Allocation mechanism").v_model = "uniform"
    button(rc, "Reset").click()
    assert week_text(rc) == "Week 0 of 52"  # the classroom market, not the baseline
    assert select(rc, "Scenario").v_model == "classroom"
    assert rc.find(v.Html, tag="h3", children=["Scarcity and allocation rules"]).widgets
    button(rc, "Step").click()
    want = GpuMarket("classroom", overrides={"market.mechanism": "uniform"}).run(1)
    from tests.test_app_components import charts, series

    tesla = want.firms_table().query("firm == 'Tesla'").allocated.round().tolist()
    assert series(charts(rc)["allocations"], "Tesla") == tesla


def test_patience_lesson_sets_the_negotiation_mechanism_in_the_form() -> None:
    rc = render()
    select(rc, "Lesson").v_model = "Patience and bargaining power"
    button(rc, "Start lesson").click()
    assert select(rc, "Scenario").v_model == "classroom"
    assert select(rc, "Allocation mechanism").v_model == "negotiation"
    assert rc.find(v.Alert, class_="input-error").widgets == []
    assert "Press Reset" not in repr(rc.find(v.Alert).widgets)  # the form is the run


def test_a_try_button_restarts_within_the_lesson_and_a_stale_note_says_so() -> None:
    """After "Try: uniform" the week-13 note (Jain's index 1 every week) no longer holds in the
    run on screen: the panel says so instead of claiming it."""
    rc = render()
    select(rc, "Lesson").v_model = "Scarcity and allocation rules"
    button(rc, "Start lesson").click()
    for _ in range(26):
        button(rc, "Step").click()
    assert not rc.find(v.Alert, class_="lesson-stale").widgets
    button(rc, "Try: uniform").click()
    assert week_text(rc) == "Week 0 of 52"
    assert select(rc, "Allocation mechanism").v_model == "uniform"
    assert "Now running: uniform." in repr(rc.find(v.Html).widgets)
    for _ in range(13):
        button(rc, "Step").click()
    (current,) = cards(rc, "lesson-current")
    assert "Week 13" in repr(current)
    assert rc.find(v.Alert, class_="lesson-stale").widgets
    button(rc, "Back to the lesson's run").click()
    assert select(rc, "Allocation mechanism").v_model == "proportional"
    assert "Now running" not in repr(rc.find(v.Html).widgets)


@pytest.mark.parametrize(("slug", "trial"), TRIES)
def test_every_try_button_is_on_the_page_and_restarts_within_the_lesson(slug, trial) -> None:
    """Opened at the try's note (through a link), the button restarts the lesson's scenario with
    the try's settings, which the form then shows."""
    from tests.test_app_url import render_at

    le = LESSONS[slug]
    stage = next(s for s in le.stages if any(t.slug == trial for t in s.tries))
    t = le.find_try(trial)
    rc = render_at(f"lesson={slug}&week={stage.week}")
    assert week_text(rc).startswith(f"Week {stage.week} of")
    button(rc, f"Try: {t.label}").click()
    assert week_text(rc).startswith("Week 0 of")
    assert f"Now running: {t.label}." in repr(rc.find(v.Html).widgets)
    assert select(rc, "Scenario").v_model == le.scenario
    for path, value in t.overrides:
        if path == "market.mechanism":
            assert select(rc, "Allocation mechanism").v_model == value
    assert "Press Reset" not in repr(rc.find(v.Alert).widgets)  # the form is the try's run


def test_a_try_that_changes_the_supply_flags_the_notes_that_no_longer_hold() -> None:
    le = find_lesson("inflation")
    shortage_ends = next(t for t in le.tries() if t.label == "a shortage that ends")
    spec = le.try_spec(shortage_ends)
    m = GpuMarket(spec.scenario, overrides=dict(spec.overrides)).run(12)
    first = le.stages[0]  # "Nvidia makes 6,000 a week for all five"
    assert not stage_holds(first, run_tables(m))
    own = le.spec()
    assert stage_holds(first, run_tables(GpuMarket(own.scenario, overrides=dict(own.overrides))))
