"""The run in the page's address: a link re-simulates the same run to the same week (and lesson),
a reload keeps it, and whatever a link says is checked like a form's input.

The browser tests at the end use the real server and Debian's chromium (see tests/app_helpers.py).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import ipyvuetify as v
import pytest
import solara
import solara.routing

import model.scenario
from model.market import GpuMarket
from server.app import VIEWS, Page
from server.components.controls import RunLink
from server.curriculum import lessons
from server.levers import levers
from server.session import (
    Link,
    LinkError,
    RunSpec,
    Session,
    link_pairs,
    spec_from_url,
    url_for,
)
from tests.app_helpers import (
    CHROMIUM_ARGS,
    chart_series,
    chromium_path,
    click_button,
    expect,
    solara_server,
    wait_week,
)
from tests.test_app_components import button, charts, select, series, week_text

SECRET = "DISTINCTIVE-42c1e8"


def render_at(query: str):
    """The page as the Solara server renders it for an address with `query`."""

    @solara.component
    def InLayout() -> None:
        solara.routing.router_context.provide(solara.routing.Router(f"/?{query}", []))
        with solara.AppLayout():
            Page()

    _box, rc = solara.render(InLayout(), handle_error=False)
    return rc


def query_of(rc) -> str:
    return rc.find(RunLink).widget.query


def allocated(m: GpuMarket, firm: str) -> list[float]:
    ft = m.firms_table()
    return ft[ft.firm == firm].allocated.round().tolist()


# --- reading and writing links ------------------------------------------------------------------


TRIALS = [(le.slug, t.slug if t else None) for le in lessons() for t in (None, *le.tries())]


@pytest.mark.parametrize(("lesson", "trial"), TRIALS)
def test_every_lesson_and_try_round_trips(lesson: str, trial: str | None) -> None:
    le = next(x for x in lessons() if x.slug == lesson)
    spec = le.try_spec(le.find_try(trial))
    query = urllib.parse.urlencode([*link_pairs(spec, lesson, trial), ("week", "9")])
    got = spec_from_url(query)
    assert got == Link(spec.canonical(), 9, lesson, trial)


def changed_settings() -> list[dict]:
    """One override per control of the baseline, each to a value other than its default."""
    out = []
    for lv in levers(model.scenario.load_scenario("baseline")):
        if lv.choices:
            out.append({lv.path: next(c for c in lv.choices if c != lv.default)})
        else:
            out.append({lv.path: lv.max if lv.default != lv.max else lv.min})
    return out


@pytest.mark.parametrize("change", changed_settings(), ids=lambda c: next(iter(c)))
def test_every_control_round_trips(change: dict) -> None:
    spec = RunSpec.of("baseline", {**change, "seed": 7})
    query = urllib.parse.urlencode(link_pairs(spec, None, None))
    assert spec_from_url(query) == Link(spec.canonical())


def test_shocks_round_trip_both_ways() -> None:
    shock = [{"start": "2024-03-04", "weeks": 6, "factor": 0.35, "label": "classroom shock"}]
    added = RunSpec.of("classroom", {"supply.shocks": shock})
    query = urllib.parse.urlencode(link_pairs(added, None, None))
    assert "shock=2024-03-04%2C6%2C0.35" in query
    assert spec_from_url(query).spec == added.canonical()
    removed = RunSpec.of("supply-shock", {"supply.shocks": []})
    query = urllib.parse.urlencode(link_pairs(removed, None, None))
    assert query == "scenario=supply-shock&shock=none"
    assert spec_from_url(query).spec == removed.canonical()


def test_a_lesson_setting_changed_back_to_the_scenarios_own_is_kept() -> None:
    """The patience lesson sets `negotiation`; a run of it back on `proportional` (the classroom
    scenario's own rule) must not reopen on `negotiation`."""
    spec = RunSpec.of("classroom", {})
    query = urllib.parse.urlencode(link_pairs(spec, "patience", None))
    assert "market.mechanism=proportional" in query
    assert spec_from_url(query).spec == spec.canonical()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("scenario=/etc/passwd", "'/etc/passwd' is not a built-in scenario"),
        ("scenario=../model/scenarios/baseline", "is not a built-in scenario"),
        ("lesson=secrets", "Lesson: 'secrets' is not a lesson of this app"),
        (
            "lesson=redirect&scenario=classroom",
            "the lesson 'redirect' runs the scenario 'baseline'",
        ),
        ("lesson=scarcity&try=everything", "Try: 'everything' is not one of this lesson's tries"),
        ("try=uniform", "a try belongs to a lesson, and the link names none"),
        ("market.mechanism=lottery", "'lottery' is not one of: proportional"),
        ("owner.priority=X,X,X", "is not one of"),
        ("supply.scale=11", "11 is above the maximum 10"),
        ("supply.scale=abc", "'abc' is not a number"),
        ("supply.scale=nan", "nan is not a number"),
        ("firms.Tesla.ready_shift_weeks=2.5", "2.5 is not a whole number"),
        ("seed=-1", "Seed: -1 is below the minimum 0"),
        ("week=105", "Week: 105 is above the maximum 104"),
        ("week=1&week=2", "'week' is given twice"),
        ("base=classroom", "'base' is not a setting this app offers"),
        ("firms.Tesla.slots=1", "'firms.Tesla.slots' is not a setting this app offers"),
        ("owner.actions=[]", "'owner.actions' is not a setting this app offers"),
        ("scenario=classroom&firms.Tesla.concession=foo", "'foo' is not a value the lessons use"),
        ("scenario=classroom&firms.Tesla.patience=0.5", "'0.5' is not a value the lessons use"),
        ("shock=2030-01-01,4,0.5", "2030-01-01 is outside the run"),
        ("shock=soon", "'soon' is not 'none' or START,WEEKS,FACTOR"),
        ("shock=2024-01-01,4,7", "Output during the shock: 7 is above the maximum 1"),
        ("seed=" + "9" * 300, "longer than 200 characters"),
        ("&".join(f"k{i}=1" for i in range(50)), "could not be opened"),
        ("x" * 2_100, "longer than 2,000 characters"),
    ],
)
def test_a_bad_link_is_refused_with_its_reason(query: str, message: str) -> None:
    got = spec_from_url(query)
    assert isinstance(got, LinkError)
    assert message in got.message
    assert "Traceback" not in got.message


def test_a_link_never_reads_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "evil.toml"
    path.write_text(f'base = "classroom"\nname = "{SECRET}"\ndescription = "{SECRET}"\n')
    opened: list[str] = []
    real = model.scenario.read_text
    monkeypatch.setattr(
        model.scenario, "read_text", lambda src: opened.append(src.path) or real(src)
    )
    for query in (f"scenario={path}", f"scenario=classroom&base={path}", f"lesson={path}"):
        got = spec_from_url(query)
        assert isinstance(got, LinkError) and SECRET not in got.message
    assert str(path) not in map(str, opened)


# --- the page opens a link and keeps its address up to date ----------------------------------


def test_a_link_opens_the_same_run_at_the_same_week_in_its_lesson() -> None:
    rc = render_at("scenario=classroom&lesson=scarcity&try=uniform&seed=3&week=7")
    assert week_text(rc) == "Week 7 of 52"
    want = GpuMarket("classroom", seed=3, overrides={"market.mechanism": "uniform"}).run(7)
    assert series(charts(rc)["allocations"], "xAI") == allocated(want, "xAI")
    assert rc.find(v.Html, tag="h3", children=["Scarcity and allocation rules"]).widgets
    assert "Now running: uniform." in repr(rc.find(v.Html).widgets)
    assert select(rc, "Allocation mechanism").v_model == "uniform"
    assert rc.find(v.TextField, label="Seed").widget.v_model == "3"
    assert query_of(rc).endswith("&week=7") and "lesson=scarcity" in query_of(rc)


def test_the_lesson_menu_names_the_lesson_a_link_opened() -> None:
    rc = render_at("scenario=baseline&lesson=redirect&week=2")
    assert select(rc, "Lesson").v_model == "The Musk redirect"  # not the menu's first lesson
    assert rc.find(v.Tabs).widget.v_model == list(VIEWS).index("flows")  # the lesson's view
    assert "flow_week" in charts(rc)
    button(rc, "End lesson").click()
    assert select(rc, "Lesson").v_model == "The Musk redirect"  # ready to start it again


def test_the_address_follows_the_run_and_reopens_it() -> None:
    rc = render_at("")
    for _ in range(3):
        button(rc, "Step").click()
    select(rc, "Allocation mechanism").v_model = "linear"
    assert query_of(rc) == "?scenario=baseline&week=3"  # a draft is not the run
    button(rc, "Reset").click()
    button(rc, "Step").click()
    assert query_of(rc) == "?scenario=baseline&market.mechanism=linear&week=1"
    again = render_at(query_of(rc).removeprefix("?"))  # a reload, or the link sent to a friend
    assert week_text(again) == "Week 1 of 104"
    a, b = charts(rc)["allocations"], charts(again)["allocations"]
    assert series(a, "Meta") == series(b, "Meta")


def test_url_for_names_the_sessions_run_week_and_lesson() -> None:
    spec = RunSpec.of("classroom", {"market.mechanism": "uniform", "seed": 3})
    s = Session(
        market=solara.reactive(spec.build()),
        spec=solara.reactive(spec),
        playing=solara.reactive(False),
        speed=solara.reactive("fast"),
        error=solara.reactive(None),
        lesson=solara.reactive("scarcity"),
        tab=solara.reactive(0),
        version=solara.reactive(0),
        trial=solara.reactive("uniform"),
    )
    s.advance(4)
    assert url_for(s) == "?scenario=classroom&lesson=scarcity&try=uniform&seed=3&week=4"
    s.lesson.set(None)
    s.trial.set(None)
    assert url_for(s) == "?scenario=classroom&market.mechanism=uniform&seed=3&week=4"


def test_a_bad_link_opens_the_default_run_with_a_message() -> None:
    rc = render_at("scenario=/etc/passwd&week=3")
    message = " ".join(str(a.children) for a in rc.find(v.Alert, class_="run-error").widgets)
    assert "This link could not be opened" in message and "Traceback" not in message
    assert week_text(rc) == "Week 0 of 104"
    button(rc, "Step").click()
    assert week_text(rc) == "Week 1 of 104"


# --- in a real browser -------------------------------------------------------------------------

VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    path = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(browser) -> Iterator[str]:
    with solara_server() as (url, _proc):
        yield url


def wait_address(page, text: str) -> None:
    page.wait_for_function("(t) => window.location.search.includes(t)", arg=text, timeout=30_000)


def shown(page, chart: str, name: str) -> list:
    return next(s for s in chart_series(page, chart) if s["name"] == name)["data"]


@pytest.mark.slow
@pytest.mark.browser
def test_a_shared_link_opens_and_a_reload_keeps_the_run(browser, server) -> None:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(f"{server}?scenario=classroom&lesson=scarcity&try=uniform&seed=3&week=7")
    wait_week(page, 7, timeout=90_000)
    want = GpuMarket("classroom", seed=3, overrides={"market.mechanism": "uniform"})
    assert shown(page, "allocations", "Tesla") == allocated(want.run(7), "Tesla")
    panel = page.locator(".lesson-panel")
    expect(panel).to_contain_text("Now running: uniform.")
    wait_address(page, "week=7")
    for week in (8, 9):
        click_button(page, "Step")
        wait_week(page, week)
    wait_address(page, "week=9")
    assert "lesson=scarcity" in page.evaluate("window.location.search")
    page.reload()
    wait_week(page, 9, timeout=90_000)
    expect(page.locator(".lesson-panel")).to_contain_text("Now running: uniform.")
    assert shown(page, "allocations", "Tesla") == allocated(want.run(2), "Tesla")
    page.context.close()


@pytest.mark.slow
@pytest.mark.browser
def test_a_crafted_link_gets_a_message_and_the_page_works(browser, server, tmp_path) -> None:
    path = tmp_path / "evil.toml"
    path.write_text(f'base = "classroom"\nname = "{SECRET}"\ndescription = "{SECRET}"\n')
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(f"{server}?scenario={urllib.parse.quote(str(path))}&week=5")
    page.locator(".run-error", has_text="is not a built-in scenario").wait_for(timeout=90_000)
    wait_week(page, 0)
    text = page.locator("body").inner_text()
    assert SECRET not in text and "Traceback" not in text
    click_button(page, "Step")
    wait_week(page, 1)
    wait_address(page, "scenario=baseline&week=1")
    page.context.close()
