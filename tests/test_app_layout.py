"""The app on the screens a class uses, in a real chromium: 1280x720, 1920x1080 and 800 px wide.

Every control (buttons, tabs, inputs) must be inside the viewport or reachable by scrolling, never
clipped by a box around it nor hidden behind another element; Step, Play and the week stay in view
while a lesson runs. axe-core (npm, installed by `ensure_axe`) finds no serious or critical
accessibility problem on any tab; Step, Play, Reset and the tabs work from the keyboard; presenter
mode has big text and steps fast. A screenshot of every view at every size goes to test-output/.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_helpers import (
    CHROMIUM_ARGS,
    OUTPUT,
    chromium_path,
    click_button,
    expect,
    solara_server,
    unavailable,
    wait_week,
    week_shown,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SIZES = {
    "1280x720": {"width": 1280, "height": 720},
    "1920x1080": {"width": 1920, "height": 1080},
    "800x800": {"width": 800, "height": 800},
}
VIEWS = {  # tab title -> the charts it draws (waited for before checking)
    "Allocations": ("allocations", "installed"),
    "Idle, backlog, price": ("idle", "backlog", "price"),
    "Friction": ("friction", "friction_cum"),
    "Fairness": ("fairness", "inflation"),
    "Flows": ("flow_week", "flow_cumulative"),
    "Events": (),
    "Negotiation": ("negotiation",),
    "Compare": ("compare_a", "compare_b", "compare_overlay"),
    "About": ("about_cycle",),
}
AXE_VERSION = "4.10.3"
AXE_DIR = Path(sys.prefix) / "share" / "npm-test"  # inside the venv: ignored by git, like Solara's
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
MEASURED: dict[str, object] = {}


def ensure_axe() -> Path:
    """axe-core from the npm registry, once, into the venv (`.ci/run` calls this too)."""
    if AXE_JS.is_file():
        return AXE_JS
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed, so axe-core cannot be fetched")
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(AXE_DIR), "--no-save", "--no-audit", "--no-fund"]
    done = subprocess.run([*cmd, f"axe-core@{AXE_VERSION}"], capture_output=True, text=True)
    if done.returncode or not AXE_JS.is_file():
        unavailable(f"npm could not install axe-core@{AXE_VERSION}: {done.stderr[-400:]}")
    return AXE_JS


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
    if MEASURED:
        path = OUTPUT / "app-measurements.json"
        old = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**old, **MEASURED}, indent=2))


def open_page(browser, url: str, size: str, query: str = ""):
    page = browser.new_context(viewport=SIZES[size]).new_page()
    page.goto(url + query)
    wait_week(page, 0, timeout=90_000)
    return page


def step(page, weeks: int, start: int) -> None:
    for i in range(weeks):
        click_button(page, "Step")
        wait_week(page, start + i + 1, charts=())


def open_tab(page, title: str, week: int) -> None:
    """Click a view's tab and wait until its charts show `week` (Compare shows whole runs)."""
    page.locator(".v-tab", has_text=title).first.click()
    charts = VIEWS[title]
    if charts:
        drawn = 104 if title == "Compare" else week
        wait_week(page, week, charts, drawn=drawn)
    else:
        page.locator(".event-log, .event-empty").first.wait_for()


CONTROLS = """() => {
    // Every visible control: buttons, tabs, text fields, selects, sliders, switches.
    const sel = 'button, [role=tab], [role=button], [role=switch], input:not([type=hidden]),'
        + ' textarea, select, .v-slider__thumb-container';
    const shown = el => el.getClientRects().length > 0
        && getComputedStyle(el).visibility !== 'hidden';
    const name = el => (el.getAttribute('aria-label') || el.textContent || el.name
        || el.closest('.v-input')?.querySelector('label')?.textContent || el.className)
        .trim().slice(0, 40);
    const box = el => el.closest('.v-input__slot, .v-input--selection-controls__input') || el;
    const clipped = el => {
        // The part of the element every overflow-clipping ancestor (and the viewport) shows.
        let r = box(el).getBoundingClientRect();
        let [l, t, rt, b] = [r.left, r.top, r.right, r.bottom];
        for (let a = el.parentElement; a; a = a.parentElement) {
            const s = getComputedStyle(a);
            if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
            const c = a.getBoundingClientRect();
            l = Math.max(l, c.left); t = Math.max(t, c.top);
            rt = Math.min(rt, c.right); b = Math.min(b, c.bottom);
        }
        l = Math.max(l, 0); t = Math.max(t, 0);
        rt = Math.min(rt, innerWidth); b = Math.min(b, innerHeight);
        const shownArea = Math.max(0, rt - l) * Math.max(0, b - t);
        return {share: shownArea / Math.max(1, r.width * r.height), x: (l + rt) / 2,
                y: (t + b) / 2, w: r.width, h: r.height};
    };
    const problems = [];
    const all = [...document.querySelectorAll(sel)].filter(shown);
    for (const el of all) {
        const target = box(el);
        target.scrollIntoView({block: 'center', inline: 'nearest'});
        const c = clipped(el);
        if (c.w < 1 || c.h < 1) continue;  // a zero-size native input behind its Vuetify face
        const hit = document.elementFromPoint(c.x, c.y);
        const root = el.closest('.v-input') || el;
        const sideways = [...function* () {
            for (let a = el.parentElement; a; a = a.parentElement) yield a; }()]
            .some(a => a.scrollLeft > 0);
        if (c.share < 0.98) problems.push(`${name(el)}: clipped (${Math.round(c.share * 100)}%)`);
        else if (!hit || !(root.contains(hit) || hit.contains(el)))
            problems.push(`${name(el)}: hidden behind ${hit?.className || hit?.tagName}`);
        else if (sideways) problems.push(`${name(el)}: needs sideways scrolling`);
    }
    return {count: all.length, problems};
}"""

IN_VIEW = """(selector) => {
    // The element is in the viewport now (no scrolling) and nothing covers its centre.
    const el = document.querySelector(selector);
    if (!el) return `${selector}: missing`;
    const r = el.getBoundingClientRect();
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
        return `${selector}: outside the viewport (${Math.round(r.top)}, ${Math.round(r.left)})`;
    const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    return hit && (el.contains(hit) || hit.contains(el)) ? '' : `${selector}: covered`;
}"""
RUN_BAR = ("button.run-play", ".run-week")


def check_controls(page, where: str) -> int:
    found = page.evaluate(CONTROLS)
    assert not found["problems"], f"{where}: {found['problems']}"
    assert found["count"] > 5, f"{where}: only {found['count']} controls found"
    return found["count"]


def step_button_selector(page) -> str:
    """A selector for the Step button (marked for the checks below)."""
    page.evaluate(
        "() => [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Step')"
        ".classList.add('test-step')"
    )
    return "button.test-step"


def assert_run_bar_in_view(page, where: str) -> None:
    for selector in (*RUN_BAR, step_button_selector(page)):
        problem = page.evaluate(IN_VIEW, selector)
        assert not problem, f"{where}: {problem}"


def shot(page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"layout-{name}.png"))


@pytest.mark.parametrize("size", list(SIZES))
def test_every_control_fits_on_every_view(browser, server, size: str) -> None:
    page = open_page(browser, server, size)
    step(page, 3, 0)
    for title in VIEWS:
        open_tab(page, title, 3)
        check_controls(page, f"{size} {title}")
        page.evaluate("() => document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
        shot(page, f"{size}-{title.split(',')[0].lower()}")
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_lesson_keeps_step_play_and_the_week_in_view(browser, server, size: str) -> None:
    page = open_page(browser, server, size)
    narrow = SIZES[size]["width"] < 900
    if narrow:  # the sidebar is folded to its run bar: the lessons are behind the toggle
        assert_run_bar_in_view(page, f"{size} folded")
        expect(page.locator(".app-lessons")).to_be_hidden()
        click_button(page, "Settings and lessons")
        check_controls(page, f"{size} sidebar open")
    lesson = page.locator(".v-select", has=page.locator("label", has_text="Lesson")).first
    lesson.click()
    page.locator(".menuable__content__active .v-list-item", has_text="The Musk redirect").click()
    click_button(page, "Start lesson")
    page.locator(".lesson-panel h3", has_text="The Musk redirect").wait_for()
    if narrow:
        click_button(page, "Hide settings")
    assert_run_bar_in_view(page, f"{size} lesson started")
    step(page, 5, 0)
    assert_run_bar_in_view(page, f"{size} lesson at week 5")
    check_controls(page, f"{size} lesson")
    shot(page, f"{size}-lesson")
    page.context.close()


def test_presenter_mode_has_big_text_and_thick_lines(browser, server) -> None:
    page = open_page(browser, server, "1920x1080", "?presenter=1")
    step(page, 2, 0)
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('.headline-value')]"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes and min(sizes) >= 28, sizes
    option = page.eval_on_selector(
        "[data-chart=allocations]",
        "el => { const o = el.chart.getOption(); return {x: o.xAxis[0].axisLabel.fontSize,"
        " y: o.yAxis[0].axisLabel.fontSize, legend: o.legend[0].textStyle.fontSize,"
        " tip: o.tooltip[0].textStyle.fontSize}; }",
    )
    assert min(option.values()) >= 18, option
    widths = page.eval_on_selector(
        "[data-chart=installed]",
        "el => el.chart.getOption().series.filter(s => s.type === 'line')"
        ".map(s => s.lineStyle.width)",
    )
    assert min(widths) >= 3, widths
    expect(page).to_have_url(re.compile(r"\?scenario=baseline&week=2&presenter=1$"))  # shareable
    shot(page, "presenter-1920x1080")
    page.get_by_role("switch", name="Presenter mode").click(force=True)  # off again, from the page
    expect(page.locator(".app-shell.presenter")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"\?scenario=baseline&week=2$"))
    assert (
        page.eval_on_selector(".headline-value", "e => parseFloat(getComputedStyle(e).fontSize)")
        < 28
    )
    page.context.close()


def test_presenter_mode_from_an_untrusted_address_only_with_1(browser, server) -> None:
    for query, on in (("?presenter=0", False), ("?presenter=yes", False), ("?presenter=1", True)):
        page = open_page(browser, server, "1280x720", query)
        expect(page.locator(".app-shell.presenter")).to_have_count(1 if on else 0)
        page.context.close()


def test_presenter_mode_at_1280x720_shows_the_lesson_big_and_a_chart_without_scrolling(
    browser, server
) -> None:
    page = browser.new_context(viewport=SIZES["1280x720"]).new_page()
    page.goto(server + "?scenario=baseline&lesson=redirect&presenter=1")
    wait_week(page, 0, ("flow_week",), timeout=90_000)  # a lesson's link opens its own view
    expect(page.locator(".lesson-current .lesson-text")).to_have_count(1)
    size = "e => parseFloat(getComputedStyle(e).fontSize)"
    assert page.eval_on_selector(".lesson-current .lesson-text", size) >= 18
    assert page.eval_on_selector(".lesson-summary", size) >= 16
    open_tab(page, "Allocations", 0)
    step(page, 3, 0)  # every headline figure filled in: the widest the cards get
    top = page.locator("[data-chart=allocations]").bounding_box()["y"]
    print(f"\nfirst chart at y={top:.0f} of 720")
    assert top < 720 - 250, f"the first chart starts at y={top}: under 250 px of it in view"
    page.context.close()


def test_no_serious_accessibility_problems_on_any_tab(browser, server) -> None:
    axe = ensure_axe()
    page = open_page(browser, server, "1280x720")
    step(page, 3, 0)
    found: dict[str, list[str]] = {}
    for title in VIEWS:
        open_tab(page, title, 3)
        page.add_script_tag(path=str(axe))
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target)}`)"
        )
        if violations:
            found[title] = violations
    assert not found, json.dumps(found, indent=1)
    page.context.close()


def press_until_focused(page, selector: str, most: int = 80) -> None:
    """Press Tab until the element matching `selector` has the keyboard focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement?.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} never got the focus after {most} presses of Tab")


def test_step_play_reset_and_tabs_work_from_the_keyboard(browser, server) -> None:
    page = open_page(browser, server, "1280x720")
    step_button = step_button_selector(page)
    press_until_focused(page, step_button)
    page.keyboard.press("Enter")
    wait_week(page, 1)
    page.keyboard.press("Space")
    wait_week(page, 2)
    press_until_focused(page, "button.run-play")
    page.keyboard.press("Enter")
    expect(page.locator("button.run-play")).to_have_text("Pause")
    page.keyboard.press("Enter")
    expect(page.locator("button.run-play")).to_have_text("Play", timeout=30_000)
    assert week_shown(page) >= 2
    reset = page.locator("button", has_text="Reset").first
    reset.evaluate("b => b.classList.add('test-reset')")
    press_until_focused(page, "button.test-reset")
    page.keyboard.press("Enter")
    wait_week(page, 0)
    press_until_focused(page, "[role=tab]")
    first = page.evaluate("() => document.activeElement.textContent.trim()")
    page.keyboard.press("ArrowRight")
    second = page.evaluate("() => document.activeElement.textContent.trim()")
    assert (first, second) == ("Allocations", "Idle, backlog, price")
    page.keyboard.press("Enter")
    wait_week(page, 0, ("idle", "backlog", "price"))
    expect(page.locator(".v-tab--active")).to_have_text("Idle, backlog, price")
    page.context.close()


def test_step_and_redraw_in_presenter_mode_measured(browser, server) -> None:
    """Every Step redraws every chart of the tab with the new week; the median time from the click
    to the last chart's redraw is printed and kept in test-output (a figure, not a pass mark)."""
    page = open_page(browser, server, "1920x1080", "?presenter=1")
    step(page, 2, 0)
    medians: dict[str, float] = {}
    week = 2
    for title in ("Allocations", "Idle, backlog, price", "Friction", "Fairness", "Flows"):
        open_tab(page, title, week)
        times = page.evaluate(STEP_TIMES, [list(VIEWS[title]), 10])
        assert isinstance(times, list), times
        week += 10
        medians[title] = statistics.median(times)
    MEASURED["step_render_ms_presenter"] = medians
    print("\nstep + redraw in presenter mode (median ms):", json.dumps(medians))
    expect(page.locator(".run-week")).to_have_text(f"Week {week} of 104")
    page.context.close()


STEP_TIMES = """async ([names, n]) => {
    const stamp = name => document.querySelector(`[data-chart=${name}]`)?.dataset.stamp;
    const button = [...document.querySelectorAll('button')]
        .find(b => b.textContent.trim() === 'Step');
    const times = [];
    for (let i = 0; i < n; i++) {
        const week = String(Number(stamp(names[0])) + 1);
        const t0 = performance.now();
        button.click();
        const drawn = await new Promise(done => {
            const poll = () => {
                if (names.every(name => stamp(name) === week)) return done(true);
                if (performance.now() - t0 > 20000) return done(false);
                requestAnimationFrame(poll);
            };
            poll();
        });
        if (!drawn) return `week ${week} not drawn: ` + JSON.stringify(names.map(stamp));
        times.push(performance.now() - t0);
    }
    return times;
}"""
