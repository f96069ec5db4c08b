"""What a crafted client can send, and the edge states of the controls.

Each test sets a rendered widget's v_model as a browser console (or a hand-made websocket
message) would, through `set_state`, the path a client's message takes: to a file path, an
unknown choice, an out-of-range number, a value of the wrong type. The page must answer with an
inline message, show no traceback, read no file, and keep working (Step still steps).
"""

from __future__ import annotations

import logging
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import pytest
import solara

import model.scenario
from model.market import GpuMarket
from server.app import VIEWS
from server.session import RunSpec, Session
from tests.app_helpers import TEXT_VIEWS
from tests.test_app_components import button, charts, render, select, series, week_text

SECRET = "DISTINCTIVE-7f3a9c"


def send(widget, value: object) -> None:
    """What a client's websocket message does to a widget: `set_state` with its new v_model."""
    widget.set_state({"v_model": value})


def page_text(rc) -> str:
    """Everything the page's widgets hold, as one string (labels, alerts, HTML, chart data)."""
    return " ".join(repr(w) for w in rc.find(ipywidgets.Widget).widgets)


def alert(rc, css_class: str) -> str:
    found = rc.find(v.Alert, class_=css_class).widgets
    return " ".join(str(a.children) for a in found)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A real scenario file whose values must never reach the page."""
    path = tmp_path / "evil.toml"
    path.write_text(
        f'base = "classroom"\nname = "{SECRET}"\ndescription = "{SECRET} description"\n'
        f'[[firms]]\nname = "{SECRET}-firm"\ntargets = [["2024-06-30", 1000]]\n'
    )
    return path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every scenario file the loader opens during the test."""
    opened: list[str] = []
    real = model.scenario.read_text

    def spy(src):
        opened.append(str(src.path))
        return real(src)

    monkeypatch.setattr(model.scenario, "read_text", spy)
    return opened


def assert_still_steps(rc, weeks: int, total: int) -> None:
    before = int(week_text(rc).split()[1])
    button(rc, "Step").click()
    assert week_text(rc) == f"Week {before + 1} of {total}"
    assert weeks == before


def assert_clean(rc) -> None:
    text = page_text(rc)
    for leak in ("Traceback", 'File "', SECRET, "/tmp/", "site-packages"):
        assert leak not in text, leak


def test_a_scenario_path_is_refused_unread(secret_file: Path, reads: list[str]) -> None:
    rc = render()
    button(rc, "Step").click()
    send(select(rc, "Scenario"), str(secret_file))
    assert "is not a built-in scenario" in alert(rc, "value-error")
    assert select(rc, "Scenario").v_model == "baseline"  # the menu shows the draft again
    button(rc, "Reset").click()  # the draft is the baseline's: a fresh baseline
    assert week_text(rc) == "Week 0 of 104"
    assert str(secret_file) not in reads
    assert_clean(rc)
    assert_still_steps(rc, 0, 104)


@pytest.mark.parametrize(
    ("label", "value", "message"),
    [
        ("Allocation mechanism", "lottery", "'lottery' is not one of: proportional"),
        ("Allocation mechanism", ["uniform"], "is not one of"),
        ("Owner's policy", None, "None is not one of"),
        ("Priority among the owner's firms (first = most)", "X > X > X", "is not one of"),
        ("Answer to redirect requests", 3, "3 is not one of"),
    ],
)
def test_an_unknown_choice_is_refused(label: str, value: object, message: str) -> None:
    rc = render()
    button(rc, "Step").click()
    send(select(rc, label), value)
    assert message in alert(rc, "value-error")
    assert "Press Reset" not in repr(rc.find(v.Alert).widgets)  # the draft did not change
    button(rc, "Reset").click()
    want = GpuMarket("baseline").run(1).firms_table()
    button(rc, "Step").click()
    assert (
        series(charts(rc)["allocations"], "Tesla") == want[want.firm == "Tesla"].allocated.tolist()
    )
    assert_clean(rc)


def sliders(rc) -> list:
    return rc.find(v.Slider).widgets


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (999, "999 is above the maximum"),
        (-1000, "-1000 is below the minimum"),
        ("abc", "'abc' is not a number"),
        ([1, 2], "[1, 2] is not a number"),
        (True, "True is not a number"),
        (2.5, "2.5 is not a whole number"),
        (float("nan"), "nan is not a number"),
    ],
)
def test_an_out_of_range_or_mistyped_number_is_refused(value: object, message: str) -> None:
    rc = render()
    button(rc, "Step").click()
    tesla = sliders(rc)[-1]  # the last lever: Tesla's data-centre ready date shift (an int)
    send(tesla, value)
    assert message in alert(rc, "value-error")
    assert sliders(rc)[-1].v_model == 0  # drawn again from the draft
    assert_clean(rc)
    assert_still_steps(rc, 1, 104)


def test_a_mistyped_supply_multiplier_and_shock_factor_are_refused() -> None:
    rc = render()
    send(sliders(rc)[0], 11.0)  # supply multiplier: 0 to 10
    assert "11 is above the maximum 10" in alert(rc, "value-error")
    send(rc.find(v.Checkbox, label="Add a supply shock").widget, "yes")
    assert "expected on or off" in alert(rc, "value-error")
    send(rc.find(v.Checkbox, label="Add a supply shock").widget, True)
    factor = rc.find(v.Slider, label="Output during the shock").widget
    send(factor, 5)
    assert "5 is above the maximum 1" in alert(rc, "value-error")
    assert_clean(rc)
    assert_still_steps(rc, 0, 104)


@pytest.mark.parametrize(
    ("value", "message"),
    [(12345, "Seed: expected text, got 12345"), ("9" * 500, "longer than 100 characters")],
)
def test_a_mistyped_seed_is_refused_without_echoing_it(value: object, message: str) -> None:
    rc = render()
    send(rc.find(v.TextField, label="Seed").widget, value)
    assert message in alert(rc, "value-error")
    assert "9" * 80 not in page_text(rc)
    assert_still_steps(rc, 0, 104)


def test_a_long_number_typed_as_seed_is_not_echoed() -> None:
    rc = render()
    send(rc.find(v.TextField, label="Seed").widget, "1" * 90)
    assert "is not a whole number" in alert(rc, "input-error")
    assert "1" * 70 not in alert(rc, "input-error")  # the message cuts it short


def test_an_unknown_lesson_or_speed_is_refused() -> None:
    rc = render()
    send(select(rc, "Lesson"), "../../etc/passwd")
    assert "is not one of this app's lessons" in alert(rc, "lesson-error")
    button(rc, "Start lesson").click()  # the menu still holds a real lesson: it starts
    assert rc.find(v.Html, tag="h3").widgets
    speed = rc.find(v.BtnToggle).widget
    send(speed, "warp")
    assert "'warp' is not one of: slow, normal, fast" in alert(rc, "value-error")
    assert_clean(rc)
    assert_still_steps(rc, 0, 104 if "Week 0 of 104" in week_text(rc) else 52)


def test_a_failing_handler_is_logged_not_shown(monkeypatch, caplog) -> None:
    """A bug in a handler: one line on the page, the traceback in the server's log."""
    import server.components.controls as controls

    def broken(spec: RunSpec):
        raise RuntimeError(f"bug with {SECRET}")

    rc = render()
    monkeypatch.setattr(controls, "draft_from", broken)
    with caplog.at_level(logging.ERROR, logger="server.components.controls"):
        send(select(rc, "Scenario"), "classroom")
    assert "That did not work; the run is unchanged." in alert(rc, "value-error")
    assert any(r.exc_info and SECRET in str(r.exc_info[1]) for r in caplog.records)
    assert_clean(rc)
    assert_still_steps(rc, 0, 104)


def test_a_tab_index_from_the_browser_is_checked() -> None:
    s = Session(
        market=solara.reactive(GpuMarket("classroom")),
        spec=solara.reactive(RunSpec("classroom")),
        playing=solara.reactive(False),
        speed=solara.reactive("fast"),
        error=solara.reactive(None),
        lesson=solara.reactive(None),
        tab=solara.reactive(0),
        version=solara.reactive(0),
    )
    for bad in (len(VIEWS), -1, "2", None, True, 1.0):
        s.choose_tab(bad, len(VIEWS))
        assert s.tab.value == 0
    s.choose_tab(3, len(VIEWS))
    assert s.tab.value == 3


def test_a_spec_can_never_name_a_file(secret_file: Path, reads: list[str]) -> None:
    with pytest.raises(ValueError, match="is not a built-in scenario"):
        RunSpec(str(secret_file))
    with pytest.raises(ValueError, match="is not a built-in scenario"):
        RunSpec.of("../model/scenarios/baseline", {})
    assert not reads


# --- edge states --------------------------------------------------------------------------------


def test_a_failed_resets_message_goes_once_the_seed_is_fixed() -> None:
    rc = render()
    send(rc.find(v.TextField, label="Seed").widget, "-3")
    button(rc, "Reset").click()
    assert "below the minimum" in alert(rc, "run-error")
    send(rc.find(v.TextField, label="Seed").widget, "3")
    assert alert(rc, "run-error") == "" and alert(rc, "input-error") == ""
    button(rc, "Reset").click()
    assert alert(rc, "run-error") == ""
    button(rc, "Step").click()
    want = GpuMarket("baseline", seed=3).run(1).firms_table()
    assert series(charts(rc)["allocations"], "Meta") == want[want.firm == "Meta"].allocated.tolist()


def test_no_supply_at_all_runs_to_the_end_and_every_view_draws() -> None:
    rc = render(RunSpec("classroom"))
    send(sliders(rc)[0], 0.0)  # supply multiplier 0: Nvidia makes nothing
    button(rc, "Reset").click()
    assert alert(rc, "run-error") == "" and alert(rc, "value-error") == ""
    for _ in range(52):
        button(rc, "Step").click()
    assert week_text(rc) == "Week 52 of 52"
    m = GpuMarket("classroom", overrides={"supply.scale": 0.0}).run()
    assert m.model_table().allocated.sum() == 0
    tabs = rc.find(v.Tabs).widget
    for i, key in enumerate(VIEWS):
        send(tabs, i)
        if key not in TEXT_VIEWS:
            assert charts(rc), key
    assert_clean(rc)


def test_a_shock_outside_the_run_gets_the_loaders_message() -> None:
    rc = render(RunSpec("classroom"))
    send(rc.find(v.Checkbox, label="Add a supply shock").widget, True)
    send(rc.find(v.TextField, label="Shock start date").widget, "2026-03-02")
    message = alert(rc, "input-error")
    assert "2026-03-02 is outside the run, which covers 2024-01-01 to" in message
    button(rc, "Reset").click()
    assert "is outside the run" in alert(rc, "run-error")
    assert_still_steps(rc, 0, 52)
