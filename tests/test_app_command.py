"""`gpu-alloc app`: it serves the page from the installed package (started from an empty folder, no
checkout or Makefile), stops cleanly on SIGTERM and Ctrl-C, warns when it listens beyond loopback,
and refuses bad flags with exit code 2 before anything starts."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from experiments import app_cli
from experiments.app_cli import solara_args
from experiments.cli import build_parser, main

STARTUP_SECONDS = 120.0  # a first start may fill the asset cache from npm
WARNING = "reachable from the network, and it has no login"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(*args: str) -> list[str]:
    """`gpu-alloc ARGS` through the console script installed next to this Python."""
    script = Path(sys.executable).with_name("gpu-alloc")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "experiments.cli"]


def start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    """The command in an empty folder, its output in a log file (a pipe could fill and block)."""
    log = tmp_path / "app.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            command("app", *args), cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )
    return proc, log


def wait_for(predicate, proc: subprocess.Popen, log: Path, what: str) -> None:
    """Poll `predicate` until it holds; fail early if the command exits, late at the deadline."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while not predicate():
        if proc.poll() is not None:
            pytest.fail(
                f"gpu-alloc app exited ({proc.returncode}) before {what}:\n{log.read_text()}"
            )
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {STARTUP_SECONDS:.0f} s:\n{log.read_text()}")
        time.sleep(0.2)


def fetch(url: str) -> str | None:
    """The page at `url` if it answers 200, else None."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.read().decode("utf-8", "replace") if r.status == 200 else None
    except OSError:
        return None


def stop(proc: subprocess.Popen, how: signal.Signals) -> int:
    """Send `how` and wait for the exit (killing it, and failing, if it does not go)."""
    proc.send_signal(how)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"gpu-alloc app did not stop within 30 s of {how.name}")


@pytest.mark.parametrize(
    "how",
    [signal.SIGTERM, pytest.param(signal.SIGINT, marks=pytest.mark.slow)],
    ids=["SIGTERM", "SIGINT (Ctrl-C)"],
)
def test_serves_the_page_and_stops_cleanly(tmp_path: Path, how: signal.Signals) -> None:
    port = free_port()
    proc, log = start(tmp_path, "--port", str(port))
    url = f"http://127.0.0.1:{port}/"
    seen: dict[str, str | None] = {"page": None}

    def answered() -> bool:
        seen["page"] = fetch(url)
        return seen["page"] is not None

    try:
        wait_for(answered, proc, log, "HTTP 200")
    finally:
        code = stop(proc, how) if proc.poll() is None else proc.returncode
    html = seen["page"] or ""
    assert 'id="app"' in html and "solara-vuetify-app@" in html  # Solara's boot markup
    assert code == 0 and "gpu-alloc app: stopped" in log.read_text()
    assert WARNING not in log.read_text()
    assert fetch(url) is None  # nothing left listening


def test_warns_when_listening_beyond_loopback(tmp_path: Path) -> None:
    proc, log = start(tmp_path, "--host", "0.0.0.0", "--port", str(free_port()))
    try:
        wait_for(lambda: WARNING in log.read_text(), proc, log, "the warning")
    finally:
        if proc.poll() is None:
            stop(proc, signal.SIGTERM)
    (line,) = [x for x in log.read_text().splitlines() if WARNING in x]
    assert line.startswith("gpu-alloc app: warning: --host 0.0.0.0 makes the app reachable")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--port", "0"], "expected a whole number from 1 to 65,535, got '0'"),
        (["--port", "65536"], "expected a whole number from 1 to 65,535"),
        (["--port", "http"], "expected a whole number from 1 to 65,535"),
        (["--host", "not a host"], "is not an IP address or a host name"),
        (["--host", "256.1.1.1"], "is not an IP address or a host name"),
        (["--host=-bad-.example"], "is not an IP address or a host name"),
        (["--host", "192.0.2.1"], "cannot listen there"),  # TEST-NET: no machine has it
        (["--production", "--dev"], "not allowed with argument"),
    ],
)
def test_bad_flags_exit_2(flags: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["app", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gpu-alloc: error: ") and message in err and err.count("\n") == 1


def test_a_port_in_use_exits_2(capsys: pytest.CaptureFixture) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    assert f"--port {port}: cannot listen there" in capsys.readouterr().err


def test_solara_gets_no_browser_no_version_check_and_the_mode_asked_for() -> None:
    app = Path("server/app.py")
    default = build_parser().parse_args(["app"])
    assert solara_args(app, default) == [
        "server/app.py",
        "--host",
        "127.0.0.1",
        "--port",
        "8765",
        "--no-open",
        "--no-check-version",
        "--production",
    ]
    dev = build_parser().parse_args(["app", "--dev", "--host", "::1", "--port", "9000"])
    assert solara_args(app, dev)[1:5] == ["--host", "::1", "--port", "9000"]
    assert "--production" not in solara_args(app, dev)


def test_first_start_fills_the_asset_cache_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    filled: list[Path] = []
    monkeypatch.setattr(app_cli.assets, "cache_dir", lambda: tmp_path)
    monkeypatch.setattr(app_cli.assets, "fill", lambda cache: filled.append(cache) or ["x@1"])
    app_cli.ensure_assets()
    assert filled == [tmp_path] and "filling the offline asset cache" in capsys.readouterr().err
    monkeypatch.setattr(app_cli.assets, "missing", lambda cache: [])
    app_cli.ensure_assets()
    assert filled == [tmp_path] and capsys.readouterr().err == ""  # complete: nothing to do


def test_without_npm_the_app_still_starts_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def no_npm(cache: Path) -> list[str]:
        raise RuntimeError("npm was not found on PATH.\nInstall Node.js/npm")

    monkeypatch.setattr(app_cli.assets, "cache_dir", lambda: tmp_path)
    monkeypatch.setattr(app_cli.assets, "fill", no_npm)
    app_cli.ensure_assets()
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("gpu-alloc app: warning: the asset cache is incomplete (npm was not")
    assert "the page will need internet" in last
