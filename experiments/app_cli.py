"""`gpu-alloc app`: serve the browser app from the installed package, no checkout or Makefile.

It finds `server/app.py` inside the installed `server` package, fills Solara's offline asset cache
on first start (`server.assets`, from the npm registry), turns telemetry and Solara's version check
off, and runs `solara run` in this process, so Ctrl-C (or SIGTERM) stops the one server cleanly.
It listens on loopback unless told otherwise; any other address gets a warning, as the app has no
login. Exit codes: 0 when stopped, 2 on bad input (one line on stderr, nothing started).
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import os
import re
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import Any

from experiments.app_rooms import add_room_flags, apply_room_flags
from experiments.cli_common import UsageError, whole
from server import assets

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
HOSTNAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$")


class Stopped(Exception):
    """SIGTERM arrived: stop the way Ctrl-C does."""


def host(text: str) -> str:
    """argparse type: an IP address or a host name (resolved later, before anything starts)."""
    name = text.strip().removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    numeric = name.rstrip(".").rpartition(".")[2].isdigit()  # 256.1.1.1: a bad address, no name
    if len(name) > 253 or not HOSTNAME.match(name) or numeric:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IP address or a host name")
    return name


def addresses(name: str, port: int) -> list[tuple[Any, ...]]:
    """What `name` resolves to, for a server socket on `port`."""
    try:
        return socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"--host {name}: cannot be resolved ({exc.strerror})") from None


def check_bind(name: str, port: int) -> bool:
    """Bind and release the address now, so a port in use or an address this machine does not
    have fails as bad input before Solara starts; returns whether it is loopback only."""
    found = addresses(name, port)
    family, kind, proto, _, address = found[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind(address)
        except OSError as exc:
            raise UsageError(
                f"--host {name} --port {port}: cannot listen there ({exc.strerror})"
            ) from None
    return all(ipaddress.ip_address(a[4][0].split("%")[0]).is_loopback for a in found)


def app_file() -> Path:
    """`server/app.py` of the installed `server` package (without importing the app itself)."""
    path = Path(str(resources.files("server").joinpath("app.py")))
    if not path.is_file():
        raise UsageError(f"the app is not installed ({path} is missing)")
    if importlib.util.find_spec("solara") is None:
        raise UsageError("the app needs Solara: pip install 'gpu-allocation-sim[app]'")
    return path


def ensure_assets() -> None:
    """Fill the offline asset cache if it is incomplete; without npm or the registry the app
    still starts, and the page then fetches its assets from the public CDN."""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # before solara's settings
    cache = assets.cache_dir()
    if not assets.missing(cache):
        return
    say(f"filling the offline asset cache {cache} (once, about 124 MB from the npm registry)")
    try:
        assets.fill(cache)
    except (RuntimeError, OSError) as exc:
        reason = " ".join(str(exc).split())  # npm's stderr, on one line
        say(
            f"warning: the asset cache is incomplete ({reason}); the page will need internet "
            "(install npm, or point SOLARA_ASSETS_PROXY_CACHE_DIR at a writable folder)"
        )


def say(line: str) -> None:
    """One line on stderr, prefixed like the rest of the command line's messages."""
    print(f"gpu-alloc app: {line}", file=sys.stderr, flush=True)


def solara_args(app: Path, args: argparse.Namespace) -> list[str]:
    """The `solara run` command line: no browser, no call home to PyPI for its version."""
    mode = ["--production"] if args.production else []
    port = str(args.port)
    return [str(app), "--host", args.host, "--port", port, "--no-open", "--no-check-version", *mode]


@contextmanager
def sigterm_stops() -> Iterator[None]:
    """While serving, SIGTERM raises `Stopped` (after uvicorn's own graceful shutdown, which
    re-raises the signal it caught), so a `kill` ends the command as Ctrl-C does."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(argv: list[str]) -> None:
    """Run `solara run ARGV` in this process until it is stopped."""
    import solara.server.settings
    from solara.__main__ import run

    solara.server.settings.telemetry.mixpanel_enable = False
    with run.make_context("gpu-alloc app", argv) as ctx:
        run.invoke(ctx)


def cmd_app(args: argparse.Namespace) -> int:
    for line in apply_room_flags(args, DEFAULT_HOST):
        say(line)
    loopback = check_bind(args.host, args.port)
    app = app_file()
    if not loopback:
        say(
            f"warning: --host {args.host} makes the app reachable from the network, and it has "
            "no login: anyone who can reach this machine can use it"
        )
    ensure_assets()
    try:
        with sigterm_stops():
            serve(solara_args(app, args))
    except (KeyboardInterrupt, Stopped):
        say("stopped")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `app` to the `gpu-alloc` command line."""
    p = sub.add_parser(
        "app",
        help="serve the browser app (offline-ready; http://127.0.0.1:8765 by default)",
        description="Serve the Solara app from the installed package. The first start fills "
        "Solara's offline asset cache from the npm registry; telemetry is off. Ctrl-C stops it.",
    )
    p.add_argument(
        "--host",
        type=host,
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}; 0.0.0.0 is every network, no login)",
    )
    p.add_argument(
        "--port",
        type=whole(1, 65535),
        default=DEFAULT_PORT,
        help=f"port, 1 to 65535 (default {DEFAULT_PORT})",
    )
    add_room_flags(p)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--production",
        dest="production",
        action="store_true",
        default=True,
        help="Solara's production mode (the default)",
    )
    mode.add_argument(
        "--dev",
        dest="production",
        action="store_false",
        help="Solara's development mode: errors show with their traceback in the page",
    )
    p.set_defaults(func=cmd_app)
