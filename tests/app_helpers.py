"""Helpers for the app's end-to-end tests: a real Solara server on a free loopback port, and a
headless Debian chromium driven by Playwright.

Outside CI the browser tests skip (saying why) only when no chromium is installed; with CI=true
they fail instead, so a broken CI image cannot hide them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT_VIEWS = frozenset({"events", "record", "about"})  # the app's tabs of tables and text, no chart
OUTPUT = ROOT / "test-output"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip outside CI, fail in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(f"{reason}: browser tests skipped")


def chromium_path() -> str:
    """Debian's chromium (`apt-get install chromium`); Playwright cannot download browsers here."""
    for name in (os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser"):
        found = name and shutil.which(name)
        if found:
            return found
    unavailable("chromium is not installed (apt-get install chromium)")
    raise AssertionError("unreachable")


def ensure_assets() -> None:
    """The offline asset cache must be complete, or the page would try the public CDN."""
    from server import assets

    cache = assets.cache_dir()
    if not assets.missing(cache):
        return
    try:
        assets.fill(cache)
    except RuntimeError as exc:
        unavailable(f"Solara's asset cache is incomplete and could not be filled: {exc}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    """Resident memory of a process in kB (Linux /proc), 0 where unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextlib.contextmanager
def solara_server(timeout: float = 90.0) -> Iterator[tuple[str, subprocess.Popen]]:
    """`solara run server/app.py` on a free loopback port; yields (url, process)."""
    ensure_assets()
    port = free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "PYTHONUNBUFFERED": "1"}
    OUTPUT.mkdir(exist_ok=True)
    log = (OUTPUT / "solara-server.log").open("w")
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "server/app.py",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-open",
        "--production",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"solara server exited ({proc.returncode}); see {log.name}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"solara server did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_week(
    page,
    week: int,
    charts: tuple[str, ...] = ("allocations",),
    timeout: float = 30_000,
    drawn: int | None = None,
) -> None:
    """Wait until the run shows `week` and each named chart has drawn week `drawn` (default: the
    same week; Compare's charts show whole runs)."""
    try:
        _wait_drawn(page, week, week if drawn is None else drawn, charts, timeout)
    except Exception as exc:
        seen = page.evaluate(
            "() => [document.querySelector('.run-week')?.textContent,"
            " [...document.querySelectorAll('[data-chart]')]"
            ".map(e => `${e.dataset.chart}=${e.dataset.stamp}`)]"
        )
        raise AssertionError(f"week {week} of {charts} not drawn; page shows {seen}") from exc


def _wait_drawn(page, week: int, drawn: int, charts: tuple[str, ...], timeout: float) -> None:
    page.wait_for_function(
        "([w, d, names]) => { const t = document.querySelector('.run-week');"
        " if (!t || !t.textContent.startsWith(`Week ${w} of`)) return false;"
        " return names.every(n => { const el = document.querySelector(`[data-chart=${n}]`);"
        " return el && el.dataset.stamp === String(d); }); }",
        arg=[week, drawn, list(charts)],
        timeout=timeout,
    )


def chart_series(page, name: str) -> list[dict]:
    """What a chart has drawn: [{name, data}] per series, read from the live ECharts instance."""
    return page.eval_on_selector(
        f"[data-chart={name}]",
        "el => el.chart.getOption().series.map(s => ({name: s.name, type: s.type, data: s.data,"
        " links: s.links}))",
    )


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without playwright the tests skip)."""
    return pytest.importorskip("playwright.sync_api").expect(target)


def week_shown(page) -> int:
    """The week number the run bar shows now."""
    return int(page.locator(".run-week").inner_text().split()[1])


def click_button(page, label: str) -> None:
    page.locator("button", has_text=label).first.click()


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the Vuetify select labelled `label`; returns once the select shows it."""
    select = page.locator(".v-select", has=page.locator("label", has_text=label)).first
    select.click()
    page.locator(
        ".v-menu__content.menuable__content__active .v-list-item", has_text=option
    ).first.click()
    expect(select.locator(".v-select__selection")).to_have_text(option)
    expect(page.locator(".v-menu__content.menuable__content__active")).to_have_count(0)
