"""The classroom flags of `gpu-alloc app`: `--data DIR` (where rooms are stored) and
`--classroom` (listen on every network and print the addresses students type).

`experiments/app_cli.py` adds them with `add_room_flags` and applies them with `apply_room_flags`
before its bind check, since `--classroom` changes the host. The server reads the two environment
variables set here.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
from pathlib import Path

from experiments.cli_common import UsageError

DATA_ENV = "GPU_ALLOC_ROOMS_DATA"  # server.rooms.manager.DATA_ENV
PUBLIC_URL_ENV = "GPU_ALLOC_PUBLIC_URL"  # server.rooms.pages.PUBLIC_URL_ENV
EVERY_NETWORK = "0.0.0.0"
LOOPBACK = "127.0.0.1"


def add_room_flags(p: argparse.ArgumentParser) -> None:
    """Add `--data DIR` and `--classroom` to the `app` subcommand."""
    p.add_argument(
        "--data",
        metavar="DIR",
        type=Path,
        help="folder for the classroom rooms' store (default: $XDG_DATA_HOME/gpu-allocation-sim "
        "or ~/.local/share/gpu-allocation-sim); a restart replays every room from it",
    )
    p.add_argument(
        "--classroom",
        action="store_true",
        help=f"serve the class on this machine's network (--host {EVERY_NETWORK} unless --host "
        "is given) and print the addresses for the teacher's and the students' pages",
    )


def check_data_dir(path: Path) -> Path:
    """The data folder, created if missing; a file in the way or no write permission is bad
    input."""
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"--data {path}: is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--data {path}: cannot create it ({exc.strerror})") from None
    if not os.access(path, os.W_OK):
        raise UsageError(f"--data {path}: is not writable")
    return path.resolve()


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback, as its own name resolves them (no
    packet is sent anywhere)."""
    try:
        _, _, found = socket.gethostbyname_ex(socket.gethostname())
    except OSError:
        return []
    return sorted({a for a in found if not ipaddress.ip_address(a).is_loopback})


def apply_room_flags(args: argparse.Namespace, default_host: str = LOOPBACK) -> list[str]:
    """Set the environment the room pages read, adjust `args.host` for `--classroom`, and
    return the banner lines to print."""
    lines: list[str] = []
    if getattr(args, "data", None) is not None:
        folder = check_data_dir(args.data)
        os.environ[DATA_ENV] = str(folder)
        lines.append(f"classroom rooms are stored in {folder}")
    if not getattr(args, "classroom", False):
        return lines
    if args.host == default_host:
        args.host = EVERY_NETWORK
    hosts = lan_addresses() if args.host == EVERY_NETWORK else [args.host]
    if not hosts:
        hosts = [socket.gethostname()]
    os.environ[PUBLIC_URL_ENV] = f"http://{hosts[0]}:{args.port}"
    lines.append("classroom mode: students on this network open")
    lines += [f"    http://{h}:{args.port}/play" for h in hosts]
    lines.append(f"  and the teacher creates the room at http://{hosts[0]}:{args.port}/teacher")
    return lines
