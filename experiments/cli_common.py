"""What every `gpu-alloc` subcommand shares: the parser whose errors are one line, the exit code for
bad input, argparse types that name their limits, and the checks of output paths.

Subcommands import this module, never `experiments.cli`, so the command line has no import cycles.
Every check runs before any work starts: bad input costs nothing and leaves nothing behind.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

BAD_INPUT = 2
MAX_WAIT_SECONDS = 7 * 24 * 3600.0
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
ADDRESS = re.compile(
    r"^(?:(?P<scheme>[a-z]+)://)?"  # tcp:// when absent, as Dask does
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+)"  # a name, an IPv4 address or [IPv6]
    r":(?P<port>\d+)$"
)


class UsageError(Exception):
    """Bad command-line input: reported in one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but errors are one line and raise instead of printing usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def whole(low: int, high: int) -> Callable[[str], int]:
    """argparse type: a whole number in [low, high]; the error names the range (and argparse the
    flag), e.g. `argument --rounds: expected a whole number from 1 to 10,000, got '1e9'`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low:,} to {high:,}, got {text!r}"
            )
        return value

    parse.__name__ = f"whole number from {low} to {high}"
    return parse


def positive(text: str) -> int:
    """argparse type: a whole number >= 1 (argparse names it in its error message)."""
    value = int(text)
    if value < 1:
        raise ValueError
    return value


positive.__name__ = "positive integer"


def seconds(text: str) -> float:
    """argparse type: a finite, positive number of seconds, at most a week."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_WAIT_SECONDS):
        raise argparse.ArgumentTypeError(
            f"expected seconds above 0 and at most {MAX_WAIT_SECONDS:,.0f}, got {text!r}"
        )
    return value


def scheduler_address(text: str) -> str:
    """argparse type: a Dask scheduler address, `[SCHEME://]HOST:PORT` (SCHEME tcp by default)."""
    m = ADDRESS.match(text.strip())
    scheme = (m.group("scheme") or "tcp") if m else ""
    if m is None or scheme not in SCHEMES or not 1 <= int(m.group("port")) <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a scheduler address (expected tcp://HOST:PORT, "
            f"PORT 1-65535, scheme one of: {', '.join(SCHEMES)})"
        )
    return text.strip()


def local_workers() -> Callable[[str], int]:
    """argparse type for local worker processes: at most twice the cores (and at least 64), so a
    typo cannot start thousands of processes."""
    return whole(1, max(64, 2 * (os.cpu_count() or 1)))


def _nearest_existing(path: Path) -> Path:
    probe = path.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def out_folder(text: str, flag: str = "--out") -> Path:
    """A folder to write into: absent (it will be made) or a folder; never a file or a device."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{flag} {text}: exists and is not a folder (a file or a device)")
    base = _nearest_existing(path)
    if not base.is_dir():
        raise UsageError(f"{flag} {text}: {base} is not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {text}: {base} is not writable")
    return path


def out_file(text: str, flag: str) -> Path:
    """A file to write: in an existing, writable folder, and not itself a folder."""
    path = Path(text)
    if path.is_dir():
        raise UsageError(f"{flag} {text}: is a folder; give a file name")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise UsageError(f"{flag} {text}: no folder {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {text}: {parent} is not writable")
    return path
