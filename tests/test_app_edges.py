"""The app at its edges, without a browser (`solara.render`): the first and last weeks, no supply,
empty filters, number formats, the dates each view shows, presenter mode, tooltips, narration,
the About tab, and Compare's answers for the redirect lesson."""

from __future__ import annotations

import html
import re

import ipyvuetify as v
import pytest
import solara

from model.figures import FIGURES, HEADLINE
from model.market import GpuMarket
from model.scenario import load_scenario, scenario_names
from server.app import VIEWS, Page, presenter_from_query
from server.components.about import SECTIONS, glossary_html
from server.components.common import (
    HEADLINE_PX,
    fmt_lead_time,
    fmt_number,
    present,
    tooltip_for,
)
from server.components.compare import (
    OWED,
    REACHED,
    delay_lines,
    nice_ceiling,
    owner_rows,
    results_html,
)
from server.components.echart import EChartWidget
from server.components.events import empty_message
from server.components.flow import HEIGHT, NODE_GAP, moved_lines, sankey_option
from server.components.flow import empty_message as flow_empty
from server.components.headline import cards, headline
from server.components.narration import first_clause, narrate
from server.components.negotiation import bargain, summary
from server.components.supply import backlog_option
from server.curriculum import find_lesson
from server.levers import levers, seed_lever, shock_levers
from server.session import RunSpec
from tests.conftest import finished
from tests.test_app_url import render_at

NO_SUPPLY = {"supply.scale": 0.0}


def render(spec: RunSpec | None = None):
    """The page inside an AppLayout, as `solara run` shows it; returns the finder."""

    @solara.component
    def InLayout() -> None:
        with solara.AppLayout():
            Page(spec)

    _box, rc = solara.render(InLayout(), handle_error=False)
    return rc


def step(rc, weeks: int) -> None:
    for _ in range(weeks):
        rc.find(v.Btn, children=["Step"]).widget.click()


def open_view(rc, key: str) -> None:
    rc.find(v.Tabs).widget.v_model = list(VIEWS).index(key)


def charts(rc) -> dict[str, EChartWidget]:
    return {w.name: w for w in rc.find(EChartWidget).widgets}


def texts(rc) -> str:
    """Every text the page shows (strings among widgets' children, HTML blocks), joined."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
            return
        found.append(getattr(node, "unsafe_innerHTML", "") or "")
        for child in getattr(node, "children", None) or ():
            walk(child)
        for slot in getattr(node, "v_slots", None) or ():
            for child in slot.get("children", ()):
                walk(child)

    walk(rc.find(v.Html).widget)
    return " ".join(found)


# --- Flows: nothing to draw, and never a heap of labels -------------------------------------


def test_flows_at_week_0_show_a_message_not_a_diagram() -> None:
    rc = render()
    open_view(rc, "flows")
    for name in ("flow_week", "flow_cumulative"):
        option = charts(rc)[name].option
        assert option["series"] == []
        assert "step the model" in option["title"]["text"]


def test_flows_without_supply_say_so() -> None:
    rc = render(RunSpec.of("baseline", NO_SUPPLY))
    open_view(rc, "flows")
    step(rc, 3)
    week = charts(rc)["flow_week"].option
    assert week["series"] == [] and "no supply" in week["title"]["text"]
    assert charts(rc)["flow_cumulative"].option["series"] == []


@pytest.mark.parametrize("week", [0, 50, 103, None])
def test_flow_labels_never_overlap(week: int | None) -> None:
    """At the end of the run (week 104 shows week index 103) and cumulatively: every label shown
    sits on a node tall enough for it, so no two labels can pile up."""
    m = finished("baseline")
    assert flow_empty(m, week) is None
    for px in (12, 18):
        nodes = sankey_option(m, week, px)["series"][0]["data"]
        links = sankey_option(m, week, px)["series"][0]["links"]
        for depth, end in ((1, "target"), (2, "target")):
            column = [n for n in nodes if n.get("depth") == depth]
            units = {
                n["name"]: sum(lk["value"] for lk in links if lk[end] == n["name"]) for n in column
            }
            total = sum(units.values())
            room = HEIGHT - 20 - NODE_GAP * (len(column) - 1)
            for n in column:
                if n["label"]["show"]:
                    assert units[n["name"]] / total * room >= px + 2 - 1e-6, (week, px, n["name"])


# --- No supply: no absurd lead time ---------------------------------------------------------


def test_zero_supply_shows_no_supply_instead_of_a_lead_time() -> None:
    m = GpuMarket("baseline", overrides=NO_SUPPLY).run(4)
    assert m.model_table().lead_time_weeks.iloc[-1] > 1e5  # the model's own number is absurd
    shown = headline(m)
    assert shown["Lead time"] == "no supply"
    assert not any(re.search(r"\d{4,}(\.\d)? wk", value) for value in shown.values())
    lead = next(s for s in backlog_option(m)["series"] if s["name"] == "Quoted lead time")
    assert lead["data"] == [None] * 4
    assert narrate(m).endswith("no supply this week")


def test_lead_time_formats() -> None:
    assert fmt_lead_time(46.4, 26_500) == "46 wk"
    assert fmt_lead_time(902_660.0, 0) == "no supply"
    assert fmt_lead_time(9_000.0, 5) == "over 10 years"
    assert fmt_lead_time(float("nan"), 10) == "-"


# --- Events: an empty filter says why ---------------------------------------------------------


def test_event_filter_with_no_matches_says_so() -> None:
    rc = render()
    open_view(rc, "events")
    assert "No events yet: step the model." in texts(rc)
    step(rc, 10)  # the December 2023 memo's first redirect and some cancellations, no refusal
    rc.find(v.Select, label="Show").widget.v_model = "refusals"
    shown = texts(rc)
    assert "No refusals in the 10 weeks so far" in shown
    assert "step the model" not in shown


def test_empty_event_messages() -> None:
    assert empty_message(0, 0, "refusals") == "No events yet: step the model."
    assert empty_message(6, 0, "all events") == "No events in the 6 weeks so far."
    assert "No cancellations in the 6 weeks" in empty_message(6, 3, "cancellations")


# --- Compare: integers as integers, GPU counts without decimals -------------------------------


def test_number_formats() -> None:
    assert fmt_number(-20.0) == "-20"
    assert fmt_number(-20.0, signed=True) == "-20"
    assert fmt_number(20.0, signed=True) == "+20"
    assert fmt_number(90_000.0) == "90,000"
    assert fmt_number(0.0, signed=True) == fmt_number(-0.0, signed=True) == "0"
    assert fmt_number(1.2345) == "1.23"
    assert fmt_number(float("nan")) == "-"
    assert nice_ceiling(175_136) == 180_000


def test_compare_prints_whole_numbers_without_decimals() -> None:
    a = finished("baseline")
    b = finished("baseline", **{"owner.policy": "none"})
    table = results_html(a, b)
    cells = re.findall(r"<td>([^<]*)</td>", table)
    assert "20.0" not in cells and "-20.0" not in cells
    for name in ("installed at end", "units owed", "Idle at end", "Redirected units"):
        row = re.search(rf"<td>[^<]*{name}[^<]*</td>((?:<td>[^<]*</td>){{3}})", table)
        assert row, name
        assert not re.search(r"\.\d", row.group(1)), (name, row.group(1))
    assert "<td>85,000</td>" in table  # Tesla installed at the end, a GPU count


# --- Compare: what the redirect lesson asks -----------------------------------------------------


def test_compare_answers_how_much_later_tesla_reaches_its_target() -> None:
    a = finished("baseline")
    b = finished("baseline", **{"owner.policy": "none"})
    ra, rb = owner_rows(a), owner_rows(b)
    ft = {m: m.firms_table() for m in (a, b)}
    for m, rows in ((a, ra), (b, rb)):
        tesla = ft[m][ft[m].firm == "Tesla"].reset_index(drop=True)
        short = tesla.index[tesla.installed < tesla.target][0]
        reached = tesla.index[(tesla.index > short) & (tesla.installed >= tesla.target)][0]
        assert rows[f"Tesla: {REACHED}"] == tesla.step[reached]
        assert rows[f"Tesla: {OWED}"] == tesla.owner_debt.iloc[-1]
    delay = rb[f"Tesla: {REACHED}"] - ra[f"Tesla: {REACHED}"]
    lines = delay_lines(a, b)
    assert any(f"Tesla, weeks of delay (B - A): {abs(delay):.0f} weeks" in line for line in lines)
    assert any(line.startswith("Tesla, units owed: -9,046 in A, 0 in B") for line in lines)
    assert "Tesla: week it reaches its stated 85,000" in ra  # its public statement, too


def test_compare_view_shows_the_delay_and_units_owed() -> None:
    rc = render()
    open_view(rc, "compare")
    shown = texts(rc)
    for firm in load_scenario("baseline").owner.firms:
        assert f"{firm}, weeks of delay (B - A)" in shown
        assert f"{firm}: {OWED}" in shown


def test_compare_in_a_lesson_runs_the_lessons_own_b_and_any_lever_after() -> None:
    rc = render_at("scenario=baseline&lesson=redirect")
    open_view(rc, "compare")
    lesson_b = "The lesson's B: without the memo and the owner's redirects"
    menu = next(w for w in rc.find(v.Select).widgets if w.label == "B changes")
    assert menu.v_model == lesson_b and menu.items[0] == lesson_b
    spec = find_lesson("redirect").spec()
    a = GpuMarket(spec.scenario, overrides=dict(spec.overrides) or None).run()
    b_spec = find_lesson("redirect").compare_spec(spec)
    b = GpuMarket(b_spec.scenario, overrides=dict(b_spec.overrides)).run()
    assert b.firms_table().owner_debt.abs().max() == 0  # no memo, no policy: nothing moved
    shown = texts(rc)
    assert "B: baseline without the memo and the owner's redirects" in shown
    assert "owner.actions = none" in b_spec.describe()  # an empty list, in words
    for line in delay_lines(a, b):
        assert line in shown
    menu.v_model = "Owner's policy"  # any lever of the run, as outside a lesson
    assert "B: baseline with owner.policy = none" in texts(rc)


# --- Negotiation: the headline's week -------------------------------------------------------------


def test_negotiation_shows_the_headlines_week() -> None:
    rc = render()
    step(rc, 3)
    open_view(rc, "negotiation")
    shown = rc.find(v.Html, class_="headline-value").widgets[0].children[0]
    heading = next(
        w.children[0] for w in rc.find(v.Html, tag="h4").widgets if "negotiates" in str(w.children)
    )
    assert shown == "2023-10-16" and heading.endswith(f"week of {shown}")


# --- Presenter mode -------------------------------------------------------------------------------


def font_sizes(option: dict) -> list[float]:
    """Every fontSize set anywhere in a chart option."""
    found: list[float] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "fontSize":
                    found.append(value)
                elif key not in ("data", "links"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(option)
    return found


def as_list(node: object) -> list[dict]:
    """An option part given as a dict or a list of dicts, as a list."""
    if isinstance(node, dict):
        return [node]
    return list(node) if isinstance(node, list) else []


def test_presenter_mode_makes_every_chart_text_big_and_lines_thick() -> None:
    rc = render()
    step(rc, 2)
    rc.find(v.Switch, label="Presenter mode").widget.v_model = True
    for key in VIEWS:
        open_view(rc, key)
        for chart in charts(rc).values():
            option, where = chart.option, (key, chart.name)
            sizes = font_sizes(option)
            assert sizes and min(sizes) >= 18, (*where, sizes)
            for part in ("xAxis", "yAxis"):
                for axis in as_list(option.get(part)):
                    assert axis["axisLabel"]["fontSize"] >= 18, where
            for part, style in (("legend", "textStyle"), ("tooltip", "textStyle")):
                for item in as_list(option.get(part)):
                    assert item[style]["fontSize"] >= 18, (*where, part)
            for s in option["series"]:
                if s.get("type") == "line":
                    assert s["lineStyle"]["width"] >= 3, (*where, s.get("name"))
    values = rc.find(v.Html, class_="headline-value").widgets
    assert all(f"font-size:{HEADLINE_PX[True]}px" in w.style_ for w in values)
    assert HEADLINE_PX[True] >= 28


def test_present_leaves_the_original_option_alone() -> None:
    option = {"series": [{"type": "line", "data": [1, 2], "lineStyle": {"width": 1}}]}
    big = present(option, True)
    assert option["series"][0]["lineStyle"]["width"] == 1
    assert big["series"][0]["lineStyle"]["width"] >= 3
    assert big["series"][0]["data"] is option["series"][0]["data"]  # data shared, not copied


@pytest.mark.parametrize(
    ("search", "on"),
    [
        ("presenter=1", True),
        ("?presenter=1&scenario=baseline", True),
        ("presenter=0", False),
        ("presenter=true", False),
        ("presenter=1&presenter=1", False),
        ("presenter=%31", True),  # the same 1, percent-encoded
        ("presenter=" + "1" * 5000, False),
        ("&" * 100 + "presenter=1", False),  # more fields than any link of ours: refused
        (None, False),
        ("", False),
    ],
)
def test_presenter_is_read_from_the_address_as_0_or_1_only(search: str | None, on: bool) -> None:
    assert presenter_from_query(search) is on


# --- Tooltips and the About tab: one source for every help text ------------------------------


def test_every_headline_figure_has_help_from_figures() -> None:
    m = GpuMarket("baseline").run(2)
    shown = cards(m)
    assert [c.label for c in shown[1:]] == [FIGURES[k].label for k in HEADLINE]
    for card, key in zip(shown[1:], HEADLINE, strict=True):
        assert card.help == FIGURES[key].help and len(card.help) > 20
    rc = render()
    tips = [w.children[0] for w in rc.find(v.Tooltip).widgets if w.children]
    for key in HEADLINE:
        assert FIGURES[key].help in tips


@pytest.mark.parametrize("name", scenario_names())
def test_every_control_has_help_from_its_parameter(name: str) -> None:
    s = load_scenario(name)
    for lever in [*levers(s), seed_lever(s), *shock_levers(s)]:
        tip = tooltip_for(lever.path)
        assert len(tip) > 15, (lever.path, tip)
        assert tip.startswith(lever.help or "x") or lever.label in tip or lever.help in tip


def test_every_control_of_the_form_shows_its_help_as_a_tooltip() -> None:
    rc = render(RunSpec("baseline"))
    rc.find(v.Checkbox, label="Add a supply shock").widget.v_model = True  # the shock's fields
    tips = [w.children[0] for w in rc.find(v.Tooltip).widgets if w.children]
    s = load_scenario("baseline")
    for lever in [*levers(s), seed_lever(s), *shock_levers(s)]:
        assert tooltip_for(lever.path) in tips, lever.path


def test_tooltip_for_unknown_paths_is_empty() -> None:
    assert tooltip_for("market.nonsense") == ""
    assert tooltip_for("firms.Tesla") == ""
    assert "from -104 to 104 weeks" in tooltip_for("firms.Tesla.ready_shift_weeks")


def test_about_tab_says_what_it_is_and_cites_its_sources() -> None:
    rc = render()
    open_view(rc, "about")
    shown = texts(rc)
    for title, _text in SECTIONS:
        assert title in shown
    for source in (
        "Nvidia memo",
        "CNBC",
        "Omdia",
        "Tesla Q1 2024",
        "Cachon",
        "Sprumont",
        "Lee, H. L.",
        "Rubinstein",
    ):
        assert source in shown, source
    glossary = glossary_html(GpuMarket("baseline"))
    for lever in levers(load_scenario("baseline")):
        assert html.escape(lever.label) in glossary
    assert charts(rc)["about_cycle"].option["series"][0]["data"]


# --- Narration ------------------------------------------------------------------------------------


def test_narration_says_what_happened_this_week() -> None:
    m = GpuMarket("baseline")
    assert narrate(m) == "Press Step to simulate the first week (2023-10-02)."
    m.run(10)
    line = narrate(m)
    assert line.startswith(
        "Week of 2023-12-04: Musk redirected 9,892 shipped GPUs from Tesla to X; "
    )
    last = m.model_table().iloc[-1]
    assert line.endswith(f"supply {last.capacity:,.0f}; lead time {last.lead_time_weeks:.0f} weeks")


def test_narration_shortens_event_texts_to_their_first_clause() -> None:
    assert (
        first_clause("Musk redirected 4,400 GPUs (3,479 already shipped) from Tesla to X; X's")
        == "Musk redirected 4,400 GPUs from Tesla to X"
    )
    assert first_clause("Swap repaid: 6,000 of X's units rescheduled to Tesla (memo)") == (
        "Swap repaid: 6,000 of X's units rescheduled to Tesla"
    )


def test_narration_is_shown_above_the_charts() -> None:
    rc = render()
    step(rc, 10)
    (line,) = rc.find(v.Html, class_="narration").widgets
    assert line.children[0] == narrate(GpuMarket("baseline").run(10))


def test_negotiation_says_when_a_price_brought_no_units() -> None:
    m = GpuMarket("classroom", overrides={"market.mechanism": "negotiation"}).run(1)
    week = m.firms_table().set_index("firm")
    assert week.granted["Meta"] == 10_000 and week.granted["Tesla"] == 0  # Meta's tier first
    tesla = summary(bargain(m, "Tesla", "linear", 0.95))
    assert tesla.endswith(
        f"This week Tesla ordered {week.ordered['Tesla']:,} but was allocated none: the supply"
        " ran out before its turn."
    )
    assert summary(bargain(m, "Meta", "linear", 0.95)).endswith("Meta's limit $38,000).")


def test_flows_say_the_red_bands_in_words() -> None:
    """The memo's 12,000 move in the weeks of 4, 11 and 18 December: 9,892 + 1,542 + 566."""
    assert moved_lines(GpuMarket("baseline").run(12)) == [
        "Moved this week: Tesla \u2192 X: 566.",
        "Moved since the start: Tesla \u2192 X: 12,000.",
    ]
    assert moved_lines(GpuMarket("baseline").run(5)) == [
        "Moved this week: nothing.",
        "Moved since the start: nothing.",
    ]
    assert moved_lines(GpuMarket("baseline")) == []
    rc = render(RunSpec("baseline"))
    step(rc, 12)
    open_view(rc, "flows")
    assert "Moved since the start: Tesla \u2192 X: 12,000." in texts(rc)
