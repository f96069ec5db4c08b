"""Benchmark of a live classroom room: 30 students and a teacher, each a real headless chromium
context, against one Solara server process on this machine.

Measured from the teacher's click on "Advance now" (the click event's time in the teacher's
page) to each student's screen showing the new round (a MutationObserver in each student's page
notes when its status line first says so); all pages share this machine's clock. Students' and
teacher's browsers run on the same two cores as the server, so the figures are pessimistic for
a class whose students each have their own machine. Memory is the server's resident set after
everyone has joined and taken a seat, less before, per participant.

    python -m experiments.bench.rooms [STUDENTS]   # or call bench_rooms() from Python
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from experiments.bench.common import machine

ROOT = Path(__file__).resolve().parents[2]
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
WAIT_MS = 120_000
WATCH = """() => {
  window.__rounds = {};
  const look = () => {
    const el = document.querySelector('.room-status');
    const m = el && el.textContent.match(/Round (\\d+) /);
    if (m && !(m[1] in window.__rounds)) window.__rounds[m[1]] = Date.now();
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true,
                                                     characterData: true});
  look();
}"""
CLICK_TIME = """() => { window.__clicked = null; document.addEventListener('click',
  () => { window.__clicked = Date.now(); }, {capture: true, once: true}); }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def rooms_server(data: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """The rooms app (`server/rooms/app.py`) on a free loopback port, its data in `data`."""
    from server import assets

    cache = assets.cache_dir()
    if assets.missing(cache):
        assets.fill(cache)
    port = _free_port()
    env = {
        **os.environ,
        "GPU_ALLOC_ROOMS_DATA": str(data),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    }
    app = ["server/rooms/app.py", "--host", "127.0.0.1", "--port", str(port)]
    cmd = [sys.executable, "-m", "solara", "run", *app, "--no-open", "--production"]
    log = (data / "server.log").open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/play", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the rooms server did not start; see {log.name}") from None
                time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _join(browser: Any, url: str, code: str, i: int, seats: list[str]) -> Any:
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{url}/play")
    page.get_by_label("Room code").fill(code)
    page.get_by_label("Your name").fill(f"Student {i + 1}")
    page.get_by_role("button", name="Join").click()
    seat = seats[i % len(seats)]
    page.locator(f".seat-{seat}").get_by_role("button", name="Take seat").click()
    page.locator(f".seat-{seat}", has_text="your seat").wait_for(timeout=WAIT_MS)
    page.evaluate(WATCH)
    return page


def _advance(teacher: Any, pages: list[Any], round_no: int) -> list[float]:
    """Click "Advance now" in round `round_no`; ms until each student page shows the next."""
    teacher.evaluate(CLICK_TIME)
    teacher.get_by_role("button", name="Advance now").click()
    nxt = str(round_no + 1)
    for page in pages:
        page.wait_for_function(f"() => '{nxt}' in window.__rounds", timeout=WAIT_MS)
    clicked = teacher.evaluate("() => window.__clicked")
    return [page.evaluate(f"() => window.__rounds['{nxt}']") - clicked for page in pages]


def _create(teacher: Any, url: str, scenario: str) -> tuple[str, list[str]]:
    """The teacher creates a room with no timer; returns its code and its seats' CSS names."""
    teacher.goto(f"{url}/teacher")
    if scenario != "classroom":  # the default
        teacher.get_by_label("Scenario", exact=True).click()
        teacher.locator(".v-menu__content .v-list-item", has_text=scenario).first.click()
    teacher.get_by_label("Round timer (seconds, 0: none)").fill("0")
    teacher.get_by_role("button", name="Create room").click()
    teacher.locator(".room-code").wait_for(timeout=WAIT_MS)
    names = teacher.locator(".seat-row").evaluate_all(
        "els => els.map(e => [...e.classList].find(c => c.startsWith('seat-') && c !== 'seat-row'))"
    )
    return teacher.locator(".room-code").inner_text(), [n.removeprefix("seat-") for n in names]


def bench_rooms(
    students: int = 30, rounds: int = 5, scenario: str = "classroom", show: bool = True
) -> dict[str, Any]:
    """Run the benchmark; returns (and, with `show`, prints) the figures."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which(os.environ.get("CHROMIUM", "") or "chromium")
    if chromium is None:
        raise RuntimeError("the room benchmark needs Debian's chromium (apt-get install chromium)")
    with (
        tempfile.TemporaryDirectory() as tmp,
        rooms_server(Path(tmp)) as (url, proc),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        teacher = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        code, seats = _create(teacher, url, scenario)
        before = rss_mb(proc.pid)
        started = time.perf_counter()
        pages = [_join(browser, url, code, i, seats) for i in range(students)]
        joined_s = time.perf_counter() - started
        teacher.get_by_role("button", name="Start").click()
        for page in pages:
            page.wait_for_function("() => '1' in window.__rounds", timeout=WAIT_MS)
        after = rss_mb(proc.pid)
        latencies: list[float] = []
        for r in range(1, rounds + 1):
            latencies += _advance(teacher, pages, r)
        browser.close()
    return _report(students, rounds, latencies, before, after, joined_s, show)


def _report(
    students: int,
    rounds: int,
    ms: list[float],
    before: float,
    after: float,
    joined_s: float,
    show: bool,
) -> dict[str, Any]:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    out = {
        "students": students,
        "rounds": rounds,
        "advance_to_screen_ms": {
            "median": statistics.median(ms),
            "p95": p95,
            "max": ms[-1],
            "min": ms[0],
        },
        "server_rss_mb": {"before_joins": before, "after_joins": after},
        "server_mb_per_participant": (after - before) / students,
        "join_seconds_all": joined_s,
        "machine": machine(),
    }
    if show:
        a = out["advance_to_screen_ms"]
        print(f"room of {students} students + teacher, {rounds} rounds ({len(ms)} screens):")
        print(
            f"  Advance -> new week on screen: median {a['median']:.0f} ms, p95 {a['p95']:.0f} ms,"
        )
        print(f"    max {a['max']:.0f} ms")
        print(f"  server memory: {before:.0f} MB before joins, {after:.0f} MB after,")
        print(f"    {out['server_mb_per_participant']:.2f} MB per participant")
        print(f"  {students} students joined and took seats in {joined_s:.1f} s")
    return out


if __name__ == "__main__":
    import json

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    result = bench_rooms(students=n)
    print(json.dumps(result, indent=2, default=str))
