"""End-to-end: the real Solara server, offline assets, and Debian's chromium through Playwright.

What the page draws is read back from the live ECharts instances and compared with a model built
independently from the same recipe. Screenshots of each view go to test-output/ (not committed);
timings and memory go to test-output/app-measurements.json.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from model.market import GpuMarket
from model.scenario import MECHANISM_CHOICES
from server.components.downloads import TABLES, table_csv
from server.session import PLAY_SPEEDS
from tests.app_helpers import (
    CHROMIUM_ARGS,
    OUTPUT,
    chart_series,
    choose,
    chromium_path,
    click_button,
    expect,
    rss_kb,
    solara_server,
    wait_week,
    week_shown,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
VIEWPORT = {"width": 1500, "height": 950}
MEASURED: dict[str, object] = {}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    path = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(browser) -> Iterator[tuple[str, object]]:  # browser first: skip before starting a server
    with solara_server() as (url, proc):
        yield url, proc
    if MEASURED:  # keep earlier figures when only some tests ran
        path = OUTPUT / "app-measurements.json"
        old = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**old, **MEASURED}, indent=2))


def open_page(browser, url: str, context=None):
    """A fresh page (new session unless `context` is shared) with the first charts drawn."""
    ctx = context or browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = ctx.new_page()
    page.goto(url)
    wait_week(page, 0, timeout=90_000)
    return page


def step(page, weeks: int, start: int, charts: tuple[str, ...] = ("allocations",)) -> None:
    for i in range(weeks):
        click_button(page, "Step")
        wait_week(page, start + i + 1, charts)


def shown(page, chart: str, series: str) -> list:
    return next(s for s in chart_series(page, chart) if s["name"] == series)["data"]


def firm_column(m: GpuMarket, firm: str, column: str) -> list[float]:
    ft = m.firms_table()
    return ft[ft.firm == firm][column].round().tolist()


def tab(page, title: str) -> None:
    page.locator(".v-tab", has_text=title).first.click()


def test_load_step_and_charts_follow_the_model(browser, server) -> None:
    url, _ = server
    page = open_page(browser, url)
    expect(page.locator(".run-week")).to_have_text("Week 0 of 104")
    step(page, 8, 0, ("allocations", "installed"))
    m = GpuMarket("baseline").run(8)
    for firm in ("Tesla", "X", "xAI", "Meta"):
        assert shown(page, "allocations", firm) == firm_column(m, firm, "allocated")
    installed = [s for s in chart_series(page, "installed") if s["name"] == "Tesla"]
    assert installed[0]["data"] == firm_column(m, "Tesla", "installed")
    assert installed[1]["data"] == firm_column(m, "Tesla", "target")
    friction = page.locator(".headline-value").nth(5)
    expect(friction).to_have_text(f"{m.model_table().friction_cum.iloc[-1]:,.1f}")
    tab(page, "Friction")
    wait_week(page, 8, ("friction", "friction_cum"))
    parts = {s["name"]: s["data"] for s in chart_series(page, "friction") if s["type"] == "bar"}
    assert parts["Redirects"] == m.model_table().friction_redirect.round(2).tolist()
    page.context.close()


def test_every_view_screenshot_and_step_render_time(browser, server) -> None:
    url, _ = server
    page = open_page(browser, url)
    step(page, 20, 0)
    OUTPUT.mkdir(exist_ok=True)
    views = {
        "Allocations": ("allocations", "installed"),
        "Idle, backlog, price": ("idle", "backlog", "price"),
        "Friction": ("friction", "friction_cum"),
        "Fairness": ("fairness", "inflation"),
        "Flows": ("flow_week", "flow_cumulative"),
        "Events": (),
        "Negotiation": ("negotiation",),
        "Compare": ("compare_a", "compare_b", "compare_overlay"),
    }
    timings: dict[str, dict[str, float]] = {}
    week, n = 20, 12  # five measured views: 20 + 60 weeks stays inside the 104-week horizon
    for title, charts in views.items():
        tab(page, title)
        if charts:  # Compare runs A and B over the whole horizon
            wait_week(page, week, charts, drawn=104 if title == "Compare" else week)
        else:
            page.wait_for_selector(".event-log li")
        page.screenshot(path=str(OUTPUT / f"app-{title.split(',')[0].lower()}.png"))
        if title in ("Allocations", "Idle, backlog, price", "Friction", "Fairness", "Flows"):
            ms = measure_steps(page, list(charts), n)
            week += n
            timings[title] = {
                "median_ms": statistics.median(ms),
                "p90_ms": sorted(ms)[int(0.9 * len(ms))],
            }
    MEASURED["step_render_ms_baseline"] = timings
    print("\nstep+render in the browser (baseline):", json.dumps(timings, indent=1))
    expect(page.locator(".run-week")).to_have_text(f"Week {week} of 104")
    page.context.close()


def measure_steps(page, charts: list[str], n: int) -> list[float]:
    """Click Step n times; time each click until every chart of the view has drawn the new week."""
    times = page.evaluate(
        """async ([names, n]) => {
            const times = [];
            const stamp = name => document.querySelector(`[data-chart=${name}]`)?.dataset.stamp;
            const button = [...document.querySelectorAll('button')]
                .find(b => b.textContent.trim() === 'Step');
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
        }""",
        [charts, n],
    )
    assert isinstance(times, list), times
    return times


def test_change_mechanism_and_reset(browser, server) -> None:
    url, _ = server
    page = open_page(browser, url)
    step(page, 3, 0)
    choose(page, "Allocation mechanism", "uniform")
    page.get_by_text("Press Reset to start a run").wait_for()
    expect(page.locator(".run-week")).to_have_text("Week 3 of 104")
    click_button(page, "Reset")
    wait_week(page, 0)
    step(page, 4, 0)
    m = GpuMarket("baseline", overrides={"market.mechanism": "uniform"}).run(4)
    assert shown(page, "allocations", "Microsoft") == firm_column(m, "Microsoft", "allocated")
    page.context.close()


def test_bad_input_shows_a_message_and_keeps_the_run(browser, server) -> None:
    url, _ = server
    page = open_page(browser, url)
    step(page, 3, 0)
    page.get_by_label("Seed").fill("twelve")
    page.locator(".input-error", has_text="'twelve' is not a whole number").wait_for()
    click_button(page, "Reset")
    page.locator(".run-error").wait_for()
    page.screenshot(path=str(OUTPUT / "app-bad-input.png"))
    expect(page.locator(".run-week")).to_have_text("Week 3 of 104")
    step(page, 1, 3)  # the run carries on
    page.get_by_label("Seed").fill("-1")
    page.locator(".input-error", has_text="-1 is below the minimum 0").wait_for()
    page.context.close()


PLAY_AND_PAUSE = """async (changes) => {
    // Watch Play for `changes` new weeks, then click Pause in the same turn as reading the
    // week: what the page showed at the click, and the longest time between two weeks.
    const week = () => Number(document.querySelector('.run-week').textContent.split(' ')[1]);
    const tick = () => new Promise(done => setTimeout(done, 5));
    const deadline = performance.now() + 60000;
    let last = week(), at = performance.now(), gap = 0;
    for (let seen = 0; seen < changes; await tick()) {
        if (performance.now() > deadline) return {error: `${seen} new weeks in 60 s`, at: last};
        const now = week();
        if (now !== last) {
            gap = Math.max(gap, performance.now() - at);
            at = performance.now();
            last = now;
            seen++;
        }
    }
    const clicked = week();
    document.querySelector('.run-play').click();
    return {clicked, gap};
}"""

WEEKS_SEEN = """async (ms) => {
    // Every week label the page shows during `ms` milliseconds, polled every 5 ms.
    const seen = new Set();
    const end = performance.now() + ms;
    while (performance.now() < end) {
        seen.add(document.querySelector('.run-week').textContent);
        await new Promise(done => setTimeout(done, 5));
    }
    return [...seen];
}"""


@pytest.mark.parametrize("speed", list(PLAY_SPEEDS))
def test_play_and_pause(browser, server, speed: str) -> None:
    """Pause stops within one week at every speed, and the run then stays where it is."""
    url, _ = server
    page = open_page(browser, url)
    play = page.locator(".run-play")
    page.locator(".run-speed button", has_text=speed).click()
    expect(page.locator(".run-speed .v-btn--active")).to_have_text(speed)
    play.click()
    expect(play).to_have_text("Pause")
    pressed = page.evaluate(PLAY_AND_PAUSE, 4)
    assert "error" not in pressed, pressed
    expect(play).to_have_text("Play", timeout=30_000)  # Pause acknowledged by the server
    week = week_shown(page)
    assert pressed["clicked"] <= week <= pressed["clicked"] + 1, (pressed, week)
    # A week started after Pause would show up within about one gap between weeks while playing:
    # watch for four of them (at least 2 s, and at least 100 intervals of the fastest speed).
    quiet = max(4 * pressed["gap"], 2000, 100 * 1000 * min(PLAY_SPEEDS.values()))
    assert page.evaluate(WEEKS_SEEN, quiet) == [f"Week {week} of 104"], (pressed, quiet)
    wait_week(page, week)
    assert shown(page, "allocations", "Tesla") == firm_column(
        GpuMarket("baseline").run(week), "Tesla", "allocated"
    )
    page.context.close()


def test_lesson_runs_beside_the_charts(browser, server) -> None:
    url, _ = server
    page = open_page(browser, url)
    choose(page, "Lesson", "The Musk redirect")
    click_button(page, "Start lesson")
    panel = page.locator(".lesson-panel")
    panel.get_by_text("In December 2023 an Nvidia memo").wait_for()
    expect(panel.locator(".lesson-current")).to_have_count(1)
    step(page, 5, 0, ("flow_week", "flow_cumulative"))
    current = panel.locator(".lesson-current")  # the panel redraws after the charts: wait for it
    expect(current).to_contain_text("Week 5")
    expect(current).to_contain_text("red bands")
    step(page, 5, 5, ("flow_week", "flow_cumulative"))  # the memo's redirects start in week 9
    links = chart_series(page, "flow_cumulative")[0]["links"]
    assert any(lk["lineStyle"]["color"] == "#d62728" and lk["value"] > 0 for lk in links)
    page.screenshot(path=str(OUTPUT / "app-lesson.png"))
    page.context.close()


def test_readme_screenshot(browser, server) -> None:
    """The picture README shows (copy test-output/app-readme.png to server/screenshot.png)."""
    url, _ = server
    ctx = browser.new_context(viewport={"width": 1400, "height": 860})
    page = open_page(browser, url, ctx)
    choose(page, "Lesson", "The Musk redirect")
    click_button(page, "Start lesson")
    page.locator("[data-chart=flow_week][data-stamp='0']").wait_for()  # the lesson opened its view
    tab(page, "Allocations")
    step(page, 40, 0, ("allocations", "installed"))
    page.screenshot(path=str(OUTPUT / "app-readme.png"))
    ctx.close()


def test_csv_download_matches_the_cli(browser, server, tmp_path: Path) -> None:
    url, _ = server
    page = open_page(browser, url)
    step(page, 10, 0)
    m = GpuMarket("baseline", seed=42).run(10)
    for name in TABLES:
        with page.expect_download() as info:
            click_button(page, f"{name}.csv")
        target = tmp_path / f"{name}.csv"
        info.value.save_as(target)
        assert target.read_text() == table_csv(m, name) == m.tables()[name].to_csv(index=False)
    page.context.close()


def test_two_tabs_stay_independent(browser, server) -> None:
    url, _ = server
    ctx = browser.new_context(viewport=VIEWPORT)  # same browser session, two tabs
    one, two = open_page(browser, url, ctx), open_page(browser, url, ctx)
    one.bring_to_front()  # a background tab gets no animation frames, so its charts draw late
    step(one, 5, 0)
    two.bring_to_front()
    step(two, 2, 0)
    expect(one.locator(".run-week")).to_have_text("Week 5 of 104")
    expect(two.locator(".run-week")).to_have_text("Week 2 of 104")
    click_button(two, "Reset")
    wait_week(two, 0)
    step(two, 1, 0)
    one.bring_to_front()
    one.reload()  # the address holds tab one's own run and week: re-simulated, not tab two's
    wait_week(one, 5)
    assert shown(one, "allocations", "X") == firm_column(
        GpuMarket("baseline").run(5), "X", "allocated"
    )
    assert shown(two, "allocations", "X") == firm_column(
        GpuMarket("baseline").run(1), "X", "allocated"
    )
    ctx.close()


def test_ten_sessions_stepping_at_once(browser, server) -> None:
    """Ten sessions with different mechanisms, clicked round-robin so the server steps them at
    once."""
    url, proc = server
    warm = open_page(browser, url)  # its session is up: week 0 is drawn
    before = rss_kb(proc.pid)
    pages = [open_page(browser, url) for _ in range(10)]
    mechanisms = [MECHANISM_CHOICES[i % len(MECHANISM_CHOICES)] for i in range(10)]
    for page, mech in zip(pages, mechanisms, strict=True):
        if mech != "proportional":
            choose(page, "Allocation mechanism", mech)
            page.get_by_text("Press Reset to start a run").wait_for()  # the server has the draft
            click_button(page, "Reset")
            expect(page.get_by_text("Press Reset to start a run")).to_have_count(0)
    weeks = [6 + i for i in range(10)]
    start = time.perf_counter()
    for k in range(max(weeks)):
        for page, w in zip(pages, weeks, strict=True):
            if k < w:
                click_button(page, "Step")
        for page, w in zip(pages, weeks, strict=True):
            if k < w:
                wait_week(page, k + 1, timeout=60_000)
    took = time.perf_counter() - start
    after = rss_kb(proc.pid)
    for page, mech, w in zip(pages, mechanisms, weeks, strict=True):
        expect(page.locator(".run-week")).to_have_text(f"Week {w} of 104")
        m = GpuMarket("baseline", overrides={"market.mechanism": mech}).run(w)
        assert shown(page, "allocations", "Tesla") == firm_column(m, "Tesla", "allocated"), mech
    per_session = (after - before) / 10 / 1024 if before and after else None
    MEASURED["ten_sessions"] = {
        "server_rss_before_mb": before / 1024,
        "server_rss_after_mb": after / 1024,
        "mb_per_session": per_session,
        "seconds_for_all_steps": took,
        "steps_total": sum(weeks),
    }
    print("\nten sessions:", json.dumps(MEASURED["ten_sessions"], indent=1))
    for page in [warm, *pages]:
        page.context.close()
