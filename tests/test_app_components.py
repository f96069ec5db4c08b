"""The app without a browser: render the page with `solara.render`, click, and read the widgets.

Every number a view shows is checked against a model built independently from the same recipe, so
the app can only pass by showing what the model says.
"""

from __future__ import annotations

import threading

import ipyvuetify as v
import numpy as np
import pytest
import solara

from model.market import GpuMarket
from model.params import walk
from model.scenario import load_scenario, scenario_names
from server.app import VIEWS, Page
from server.components.controls import WeekLabel
from server.components.echart import EChartWidget
from server.levers import LEVERS, levers
from server.session import RunSpec, Session
from tests.app_helpers import TEXT_VIEWS


def render(spec: RunSpec | None = None):
    """Render the page inside an AppLayout, as `solara run` does; returns the finder."""

    @solara.component
    def InLayout() -> None:
        with solara.AppLayout():
            Page(spec)

    _box, rc = solara.render(InLayout(), handle_error=False)
    return rc


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def week_text(rc) -> str:
    return rc.find(WeekLabel).widget.text


def charts(rc) -> dict[str, EChartWidget]:
    return {w.name: w for w in rc.find(EChartWidget).widgets}


def series(chart: EChartWidget, name: str) -> list:
    return next(s for s in chart.option["series"] if s["name"] == name)["data"]


def cards(rc, css_class: str) -> list:
    """Cards carrying `css_class` (Solara adds a margin class, so match one class among several)."""
    return [w for w in rc.find(v.Card).widgets if css_class in (w.class_ or "").split()]


def select(rc, label: str):
    return rc.find(v.Select, label=label).widget


def test_page_steps_and_charts_show_the_models_numbers() -> None:
    rc = render()
    assert week_text(rc) == "Week 0 of 104"
    for _ in range(6):
        button(rc, "Step").click()
    assert week_text(rc) == "Week 6 of 104"
    expected = GpuMarket("baseline").run(6)
    firms = expected.firms_table()
    shown = charts(rc)
    assert {"allocations", "installed"} <= set(shown)
    for firm in ("Tesla", "X", "Microsoft"):
        want = firms[firms.firm == firm].allocated.round().tolist()
        assert series(shown["allocations"], firm) == want
    assert shown["allocations"].option["stamp"] == 6
    # the headline reads the model table
    friction = rc.find(v.Html, class_="headline-value").widgets[5].children[0]
    assert friction == f"{expected.model_table().friction_cum.iloc[-1]:,.1f}"


def test_controls_are_derived_from_parameter_definitions() -> None:
    s = load_scenario("baseline")
    info = {p.path: p for p in walk(s)}
    got = {lv.path: lv for lv in levers(s)}
    assert set(got) == set(LEVERS)
    for path, lv in got.items():
        meta = info[path].meta
        if path == "owner.priority":  # no priority given: the owner's firms in their own order
            assert lv.default == (info[path].default or s.owner.firms)
        else:
            assert lv.default == info[path].default
        if lv.kind == "select":
            assert lv.choices == meta.choices
        if lv.kind in ("int", "float"):
            assert (lv.min, lv.max) == (meta.min, meta.max)
    assert ("X", "xAI", "Tesla") in got["owner.priority"].choices
    # no Tesla, no owner: no Tesla lever, no priority lever
    lab = {lv.path for lv in levers(load_scenario("inflation-lab"))}
    assert lab == {"market.mechanism", "market.ordering", "supply.scale"}
    rc = render()
    assert select(rc, "Allocation mechanism").items == list(info["market.mechanism"].meta.choices)
    assert select(rc, "Allocation mechanism").v_model == s.market.mechanism


def test_change_mechanism_then_reset_starts_a_new_run() -> None:
    rc = render()
    for _ in range(3):
        button(rc, "Step").click()
    select(rc, "Allocation mechanism").v_model = "uniform"
    assert "Press Reset" in str(rc.find(v.Alert).widgets[-1].children)
    assert week_text(rc) == "Week 3 of 104"  # a draft does not touch the run
    button(rc, "Reset").click()
    assert week_text(rc) == "Week 0 of 104"
    button(rc, "Step").click()
    button(rc, "Step").click()
    want = GpuMarket("baseline", overrides={"market.mechanism": "uniform"}).run(2).firms_table()
    assert (
        series(charts(rc)["allocations"], "Meta")
        == want[want.firm == "Meta"].allocated.round().tolist()
    )
    assert select(rc, "Allocation mechanism").v_model == "uniform"


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ("abc", "'abc' is not a whole number"),
        ("-5", "below the minimum"),
        ("3.5", "not a whole number"),
    ],
)
def test_bad_input_shows_inline_message_and_keeps_the_run(seed: str, message: str) -> None:
    rc = render()
    for _ in range(4):
        button(rc, "Step").click()
    rc.find(v.TextField, label="Seed").widget.v_model = seed
    assert message in rc.find(v.Alert, class_="input-error").widget.children[0]
    button(rc, "Reset").click()
    assert week_text(rc) == "Week 4 of 104"
    assert message in rc.find(v.Alert, class_="run-error").widget.children[0]
    button(rc, "Step").click()  # the old run carries on
    assert week_text(rc) == "Week 5 of 104"


def test_bad_shock_date_is_reported_by_the_scenario_loader() -> None:
    rc = render()
    rc.find(v.Checkbox, label="Add a supply shock").widget.v_model = True
    rc.find(v.TextField, label="Shock start date").widget.v_model = "2024-13-45"
    assert "is not a date" in rc.find(v.Alert, class_="input-error").widget.children[0]
    rc.find(v.TextField, label="Shock start date").widget.v_model = "2024-03-04"
    rc.find(v.TextField, label="Shock length (weeks)").widget.v_model = "500"
    assert "above the maximum" in rc.find(v.Alert, class_="input-error").widget.children[0]


def test_every_view_renders_for_every_scenario() -> None:
    for name in scenario_names():
        rc = render(RunSpec(name))
        for _ in range(8):
            button(rc, "Step").click()
        tabs = rc.find(v.Tabs).widget
        for i, key in enumerate(VIEWS):
            tabs.v_model = i
            drawn = charts(rc)
            if key not in TEXT_VIEWS:
                assert drawn, f"{name}: {key} drew no chart"
            for chart in drawn.values():
                assert chart.option["series"], f"{name}: {key}/{chart.name} has no series"


def test_two_pages_hold_independent_runs() -> None:
    a, b = render(), render()
    for _ in range(5):
        button(a, "Step").click()
    button(b, "Step").click()
    assert week_text(a) == "Week 5 of 104"
    assert week_text(b) == "Week 1 of 104"


def test_page_renders_in_a_notebook_without_app_layout() -> None:
    """In Jupyter one displays `Page()`; it must not need Solara's server layout."""
    _box, rc = solara.render(Page(), handle_error=False)
    button(rc, "Step").click()
    assert week_text(rc) == "Week 1 of 104"


def test_lesson_preset_and_stages_follow_the_run() -> None:
    rc = render()
    select(rc, "Lesson").v_model = "The Musk redirect"
    button(rc, "Start lesson").click()
    panel = rc.find(v.Html, tag="h3", children=["The Musk redirect"])
    assert panel.widgets
    assert rc.find(v.Tabs).widget.v_model == list(VIEWS).index("flows")
    assert len(cards(rc, "lesson-current")) == 1
    for _ in range(5):
        button(rc, "Step").click()
    (current,) = cards(rc, "lesson-current")
    assert "Week 5" in repr(current) and "red bands" in repr(current)
    assert len(cards(rc, "lesson-earlier")) == 1
    button(rc, "End lesson").click()
    assert not cards(rc, "lesson-current")


def test_flow_sankey_keeps_node_order_and_marks_redirects() -> None:
    rc = render()
    rc.find(v.Tabs).widget.v_model = list(VIEWS).index("flows")
    orders = []
    for _ in range(12):  # past the December 2023 memo (weeks 9 to 11)
        button(rc, "Step").click()
        chart = charts(rc)["flow_cumulative"]
        orders.append([n["name"] for n in chart.option["series"][0]["data"]])
    assert all(o == orders[0] for o in orders)
    links = charts(rc)["flow_cumulative"].option["series"][0]["links"]
    red = [lk for lk in links if lk["lineStyle"]["color"] == "#d62728"]
    m = GpuMarket("baseline").run(12)
    ev = m.events_table()
    moved = ev[ev.kind.isin(["redirect", "swap", "swap_repay"])].units.sum()
    assert red and sum(lk["value"] for lk in red) == moved
    from_nvidia = sum(lk["value"] for lk in links if lk["source"] == "Nvidia")
    assert from_nvidia == pytest.approx(m.firms_table().granted.sum(), abs=len(links))


def test_friction_markers_sit_at_the_events() -> None:
    rc = render()
    rc.find(v.Tabs).widget.v_model = list(VIEWS).index("friction")
    for _ in range(10):
        button(rc, "Step").click()
    chart = charts(rc)["friction"]
    ev = GpuMarket("baseline").run(10).events_table()
    redirect_weeks = sorted(set(ev[ev.kind.isin(["redirect", "swap"])].step))
    marks = next(s for s in chart.option["series"] if s["name"] == "Redirect")["data"]
    assert [p["value"][0] for p in marks] == redirect_weeks
    assert "redirected" in marks[0]["name"]


def test_event_log_in_plain_words() -> None:
    rc = render()
    rc.find(v.Tabs).widget.v_model = list(VIEWS).index("events")
    for _ in range(12):  # past the December 2023 memo (weeks 9 to 11)
        button(rc, "Step").click()
    html = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "Musk redirected" in html and "; friction +" in html
    assert html.index("2023-12-11") < html.index("2023-12-04")  # newest first


def test_negotiation_view_replays_the_engine() -> None:
    from server.components.negotiation import bargain

    m = GpuMarket("baseline").run(3)
    b = bargain(m, "Tesla", "linear", 0.98)
    assert b.result.agreement is not None
    assert b.cost <= float(b.result.agreement) <= b.ceiling
    patient = bargain(m, "Tesla", "linear", 1.0)
    hasty = bargain(m, "Tesla", "linear", 0.9)
    assert float(patient.result.agreement) <= float(hasty.result.agreement)
    rc = render()
    rc.find(v.Tabs).widget.v_model = list(VIEWS).index("negotiation")
    chart = charts(rc)["negotiation"]
    names = [s["name"] for s in chart.option["series"]]
    assert names == [
        "Nvidia's offers",
        "Tesla's offers",
        "Nvidia's aspiration",
        "Tesla's aspiration",
    ]
    assert len(chart.option["series"][2]["data"]) == m.config.market.negotiation_rounds


def test_compare_view_runs_the_counterfactual() -> None:
    rc = render()
    rc.find(v.Tabs).widget.v_model = list(VIEWS).index("compare")
    shown = charts(rc)
    assert {"compare_a", "compare_b", "compare_overlay"} <= set(shown)
    a = np.array(series(shown["compare_overlay"], "A"), dtype=float)
    b = np.array(series(shown["compare_overlay"], "B"), dtype=float)
    want_b = (
        GpuMarket("baseline", overrides={"owner.policy": "none"}).run().model_table().friction_cum
    )
    assert np.allclose(b, want_b.round(3))
    assert a[-1] > b[-1]  # redirects add friction


def test_views_also_work_inside_mesas_solaraviz() -> None:
    """server/viz.py: the same chart components in Mesa's SolaraViz, redrawn by its
    update_counter."""
    from server import viz

    @solara.component
    def InLayout() -> None:
        with solara.AppLayout():
            viz.Page()

    _box, rc = solara.render(InLayout(), handle_error=False)
    for _ in range(3):
        button(rc, "Step").click()
    drawn = charts(rc)
    assert {"allocations", "installed"} <= set(drawn)
    assert all(c.option["stamp"] == 3 for c in drawn.values())
    want = GpuMarket("baseline").run(3).firms_table()
    assert (
        series(drawn["allocations"], "xAI") == want[want.firm == "xAI"].allocated.round().tolist()
    )
    select(rc, "Scenario").v_model = "classroom"
    button(rc, "Reset").click()
    assert all(c.option["stamp"] == 0 for c in charts(rc).values())
    assert "Tesla" in [s["name"] for s in charts(rc)["allocations"].option["series"]]


def test_compare_table_reads_the_shared_figures() -> None:
    """Compare's run-level rows are `model.figures.COMPARE`, labelled as in FIGURES."""
    from model.figures import COMPARE, FIGURES, figures
    from server.components.compare import compare_label, results, results_html

    m = GpuMarket("baseline").run(12)
    got = results(m)
    want = figures(m.model_table(), COMPARE)
    run_rows = [k for k in got if ":" not in k]
    assert run_rows == [compare_label(FIGURES[k]) for k in COMPARE]
    for key in COMPARE:
        f = FIGURES[key]
        scale = 1e9 if f.unit == "usd" else 1.0
        assert got[compare_label(f)] == pytest.approx(want[key] / scale)
    firms = [k for k in got if ":" in k]
    assert firms and all(k.split(":")[0] in m.config.owner.firms for k in firms)
    html = results_html(m, GpuMarket("baseline", overrides={"owner.policy": "none"}).run(12))
    assert "<td>Mean Jain's index (fill)</td>" in html
    assert "Welfare (USD bn)" in html


def bare_session() -> Session:
    """A session outside any page: plain reactive variables, as a unit test needs."""
    return Session(
        market=solara.reactive(GpuMarket("baseline")),
        spec=solara.reactive(RunSpec()),
        playing=solara.reactive(False),
        speed=solara.reactive("fast"),
        error=solara.reactive(None),
        lesson=solara.reactive(None),
        tab=solara.reactive(0),
        version=solara.reactive(0),
    )


def in_thread(fn) -> threading.Thread:
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    return t


def test_play_steps_only_while_on_and_by_one_loop() -> None:
    s = bare_session()
    assert not s.step()  # Play is off: the loop's step does nothing
    s.advance(2)
    assert s.market.value.week == 2
    s.play()
    s.advance(1)  # Step by hand does nothing while playing
    assert s.market.value.week == 2
    assert s.step() and s.market.value.week == 3
    other = threading.Event()
    t = in_thread(lambda: other.set() if not s.step() else None)
    t.join(5)
    assert other.is_set() and s.market.value.week == 3  # a second loop never steps beside it
    s.pause()
    assert not s.step() and s.market.value.week == 3


def test_play_waits_for_the_page_and_pause_wins() -> None:
    """With a page reporting, a week starts only once the page shows the one before; a Pause
    handled while the loop waits means no further week."""
    s = bare_session()
    s.page_shows(s.stamp())
    s.play()
    results: list[bool] = []
    in_thread(lambda: results.append(s.step())).join(5)  # each loop thread ends before the next
    assert results == [True] and s.market.value.week == 1  # the page showed week 0
    results.clear()
    t = in_thread(lambda: results.append(s.step()))
    t.join(0.3)
    assert t.is_alive() and s.market.value.week == 1  # waiting: the page still shows week 0
    s.page_shows(s.stamp())
    t.join(5)
    assert results == [True] and s.market.value.week == 2
    results.clear()
    t = in_thread(lambda: results.append(s.step()))
    t.join(0.3)
    assert t.is_alive()
    s.pause()
    t.join(5)
    assert results == [False] and s.market.value.week == 2
    s.page_shows(s.stamp())
    assert not s.step() and s.market.value.week == 2
