"""A classroom room in real browsers: a teacher and three students, each in its own chromium
context (separate cookies, as separate machines), against a real Solara server that is
restarted mid-game. States are waited for, never fixed times.

Screenshots (teacher and student at 1280x720, a student's phone at 390x844) go to test-output/.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from server.rooms import RoomManager
from server.rooms.manager import DATA_ENV
from server.rooms.replay import replay
from tests.app_helpers import (
    CHROMIUM_ARGS,
    OUTPUT,
    ROOT,
    chromium_path,
    ensure_assets,
    expect,
    free_port,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
WAIT = 30_000  # ms: a state the page should reach


class RoomsServer:
    """`solara run server/rooms/app.py` on one port and one data folder; `restart()` stops the
    process and starts a new one on both."""

    def __init__(self, data: Path) -> None:
        self.data, self.port = data, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 90.0) -> None:
        env = {
            **os.environ,
            DATA_ENV: str(self.data),
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "PYTHONUNBUFFERED": "1",
        }
        OUTPUT.mkdir(exist_ok=True)
        self.starts += 1
        log = (OUTPUT / f"rooms-server-{self.starts}.log").open("w")
        app = ["server/rooms/app.py", "--host", "127.0.0.1", "--port", str(self.port)]
        cmd = [sys.executable, "-m", "solara", "run", *app, "--no-open", "--production"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rooms server exited ({self.proc.returncode}); see {log.name}")
            try:
                with urllib.request.urlopen(self.url + "/play", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"rooms server did not answer on {self.url}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    path = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(browser, tmp_path_factory) -> Iterator[RoomsServer]:
    ensure_assets()
    s = RoomsServer(tmp_path_factory.mktemp("rooms-data"))
    s.start()
    yield s
    s.stop()


def create_room(browser, server: RoomsServer, timer: int = 45):
    """The teacher's page after "Create room": (page, room code)."""
    page = browser.new_context(viewport=DESKTOP, accept_downloads=True).new_page()
    page.goto(server.url + "/teacher")
    page.get_by_label("Round timer (seconds, 0: none)").fill(str(timer))
    page.get_by_role("button", name="Create room").click()
    page.locator(".room-code").wait_for(timeout=WAIT)
    return page, page.locator(".room-code").inner_text()


def join(browser, server: RoomsServer, code: str, name: str, seat: str, viewport=DESKTOP):
    """A student in a new browser context: joins by code and takes `seat` ("firm-Tesla")."""
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{server.url}/play")
    page.get_by_label("Room code").fill(code)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    page.locator(f".seat-{seat}").get_by_role("button", name="Take seat").click()
    expect(page.locator(f".seat-{seat}")).to_contain_text("your seat", timeout=WAIT)
    return page


def at_round(page, n: int) -> None:
    expect(page.locator(".room-status").first).to_contain_text(f"Round {n} ", timeout=WAIT)


def submit(page, round_no: int, order: int | None = None) -> None:
    at_round(page, round_no)
    if order is not None:
        page.get_by_label("Order for the week", exact=False).fill(str(order))
    page.get_by_role("button", name="Submit").click()
    done = page.get_by_text(f"Submitted for round {round_no}")  # or, the last to submit:
    moved_on = page.locator(".room-status", has_text=f"Round {round_no + 1} ")
    expect(done.or_(moved_on).first).to_be_visible(timeout=WAIT)


def shot(page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"rooms-{name}.png"), full_page=False)


def download(page, label: str) -> pd.DataFrame:
    with page.expect_download(timeout=WAIT) as info:
        page.get_by_role("button", name=label).click()
    return pd.read_csv(info.value.path())


def test_a_game_in_four_browsers(browser, server):
    teacher, code = create_room(browser, server)
    ann = join(browser, server, code, "Ann", "firm-Tesla")
    bob = join(browser, server, code, "Bob", "owner")
    cy = join(browser, server, code, "Cy", "nvidia", viewport=PHONE)
    expect(teacher.locator(".seat-nvidia")).to_contain_text("Cy", timeout=WAIT)
    teacher.get_by_role("button", name="Start").click()

    # Round 1: everyone submits; the week advances on every screen.
    submit(ann, 1, order=12_345)
    submit(bob, 1)
    expect(teacher.locator(".seat-owner")).to_contain_text("submitted", timeout=WAIT)
    shot(teacher, "teacher-1280x720")
    shot(cy, "student-phone-390x844")
    submit(cy, 1)
    for page in (teacher, ann, bob, cy):
        at_round(page, 2)
    shot(ann, "student-1280x720")

    # Round 2: Cy stays silent; the timer hands Nvidia's seat to its agent.
    teacher.get_by_label("Round timer (s)").fill("10")
    teacher.get_by_role("button", name="Set timer").click()
    submit(ann, 2, order=9_000)
    submit(bob, 2)
    for page in (teacher, ann, bob, cy):
        at_round(page, 3)

    # A reload keeps the seat (the session cookie finds the participant again).
    ann.reload()
    expect(ann.locator(".seat-firm-Tesla")).to_contain_text("your seat", timeout=WAIT)
    at_round(ann, 3)

    # The server process restarts mid-game; every page reloads and the game goes on.
    server.restart()
    for page in (teacher, ann, bob, cy):
        page.reload()
        at_round(page, 3)
    expect(cy.locator(".seat-nvidia")).to_contain_text("your seat", timeout=WAIT)
    teacher.get_by_label("Round timer (s)").fill("0")
    teacher.get_by_role("button", name="Set timer").click()
    submit(ann, 3, order=8_000)
    submit(bob, 3)
    submit(cy, 3)
    for page in (teacher, ann, bob, cy):
        at_round(page, 4)

    teacher.get_by_role("button", name="End game").click()
    expect(teacher.locator(".room-debrief")).to_be_visible(timeout=WAIT)
    expect(ann.get_by_text("The game is over")).to_be_visible(timeout=WAIT)
    live = {name: download(teacher, f"{name}.csv") for name in ("model", "firms", "events")}

    # The replay from the stored seed and log equals the live game's tables.
    mgr = RoomManager(server.data)
    room = mgr.room(code)
    records = room.state.rounds
    assert [r.reason for r in records] == ["all submitted", "timer", "all submitted"]
    assert set(records[1].decisions) == {"firm:Tesla", "owner"}  # Nvidia's agent answered
    assert records[0].decisions["firm:Tesla"]["order"] == 12_345
    again = replay(room).tables()
    for name, table in live.items():
        expected = pd.read_csv(io.StringIO(again[name].to_csv(index=False)))
        assert_frame_equal(table, expected, check_dtype=False)
    mgr.close()


def test_a_student_reaches_no_teacher_controls_and_no_other_seat(browser, server):
    teacher, code = create_room(browser, server)
    dee = join(browser, server, code, "Dee", "firm-Meta")
    for path in (f"/teacher?room={code}", f"/teacher?room={code}&key=guess"):
        snoop = dee.context.new_page()
        snoop.goto(server.url + path)
        expect(snoop.get_by_text("only the teacher can do that")).to_be_visible(timeout=WAIT)
        assert snoop.get_by_role("button", name="Advance now").count() == 0
        snoop.close()
    teacher.get_by_role("button", name="Start").click()
    at_round(dee, 1)
    expect(dee.get_by_role("button", name="Submit")).to_have_count(1)
    expect(dee.get_by_text("Meta (buyer): what you know in round 1")).to_be_visible()
    teacher.locator(".seat-firm-Meta").get_by_role("button", name="Hand to agent").click()
    expect(dee.get_by_text("handed this seat to its agent")).to_be_visible(timeout=WAIT)
    assert dee.get_by_role("button", name="Submit").count() == 0
