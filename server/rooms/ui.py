"""What both room pages share: the process's manager, query parameters, button actions that show
refusals as messages, checked inputs, numbers as typed, the join link, the browser's cookie, the
bare layout.
"""

from __future__ import annotations

import logging
import os
import re
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

import solara

from model.params import ScenarioError
from server.components.inputs import Menu, Refusal, TextBox, read_choice, read_text
from server.rooms.errors import RoomError
from server.rooms.manager import RoomManager, shared_manager

log = logging.getLogger(__name__)
PUBLIC_URL_ENV = "GPU_ALLOC_PUBLIC_URL"  # e.g. http://192.168.1.20:8765, set by --classroom
CSS = """
.room-code { font-size: 40px; font-weight: 700; letter-spacing: 6px; font-family: monospace; }
.room-status { font-size: 18px; font-weight: 600; }
.room-facts td { padding: 1px 12px 1px 0; }
.room-facts td:first-child { color: #555; }
.seat-row { border-bottom: 1px solid #eee; padding: 4px 0; align-items: center; flex-wrap: wrap; }
.room-page { box-sizing: border-box; width: 100%; overflow-wrap: anywhere; padding: 0 0 56px 0; }
.room-error { color: #b00020; font-weight: 600; }
.room-ok { color: #1b5e20; }
"""


def manager() -> RoomManager:
    """The process's rooms (one manager for every tab)."""
    return shared_manager()


def query(search: str | None) -> dict[str, str]:
    """The page's query parameters (first value of each)."""
    return {k: v[0] for k, v in urllib.parse.parse_qs(search or "").items() if v}


def act(action: Callable[[], object], error: solara.Reactive[str | None]) -> bool:
    """Run a button's action; a refusal shows its message, anything else a plain apology (the
    traceback goes to the server log, never to the page)."""
    try:
        action()
    except RoomError as exc:
        error.set(str(exc))
        return False
    except Exception:
        log.exception("room action failed")
        error.set("Something went wrong on the server; please try again.")
        return False
    error.set(None)
    return True


@solara.component
def ErrorLine(error: solara.Reactive[str | None]) -> None:
    if error.value:
        solara.Text(error.value, classes=["room-error"])


def text_input(
    label: str,
    state: solara.Reactive[str],
    refusal: Refusal,
    numbers: bool = False,
    locked: bool = False,
) -> None:
    """A text field whose value is checked as it arrives (text; with `numbers`, a number too, kept
    as its text for `number` and the room to check when the form is sent)."""
    read = lambda value: read_text(value, label, numbers)  # noqa: E731
    on_value = refusal.handler(read, state.value, _store(state, label, locked))
    TextBox(label, state.value, on_value, refusal.nonce, locked)


def menu_input(
    label: str,
    values: Sequence[str],
    state: solara.Reactive[str],
    refusal: Refusal,
    locked: bool = False,
) -> None:
    """A menu whose value is checked as it arrives: one of `values`, nothing else."""
    read = lambda value: read_choice(value, values, label)  # noqa: E731
    on_value = refusal.handler(read, state.value, _store(state, label, locked))
    Menu(label, list(values), state.value, on_value, refusal.nonce, locked)


def _store(state: solara.Reactive[Any], label: str, locked: bool) -> Callable[[Any], None]:
    """Keep a checked value; a locked input (a decision sent for this round) changes no more,
    whatever a client sends to its disabled widget."""

    def store(value: Any) -> None:
        if locked:
            raise ScenarioError(f"{label}: the decision is locked for this round")
        state.set(value)

    return store


_NUMBER = re.compile(r"^[+-]?(\d[\d,_ ]*)?(\.\d*)?$")


def number(text: str) -> int | float | str:
    """What a person typed as a number ("12,000", "41000.5"); anything else is passed on as
    typed, for the room to refuse with its own message (a number field that silently kept the
    previous value would submit something the person did not mean)."""
    cleaned = text.strip()
    if not cleaned or not _NUMBER.match(cleaned) or not any(c.isdigit() for c in cleaned):
        return text
    cleaned = re.sub(r"[,_ ]", "", cleaned)
    return float(cleaned) if "." in cleaned else int(cleaned)


def base_url() -> str:
    """Where students reach this server: $GPU_ALLOC_PUBLIC_URL, else the address the teacher's
    browser used (its Host header)."""
    public = os.environ.get(PUBLIC_URL_ENV, "").strip().rstrip("/")
    if public:
        return public
    headers = solara.lab.headers.value or {}
    host = (headers.get("x-forwarded-host") or headers.get("host") or ["127.0.0.1:8765"])[0]
    scheme = (headers.get("x-forwarded-proto") or ["http"])[0]
    return f"{scheme}://{host}"


def join_link(code: str) -> str:
    return f"{base_url()}/play?room={code}"


def device_id() -> str:
    """This browser's session cookie (survives a reload and a server restart)."""
    try:
        return solara.get_session_id()
    except Exception:  # rendered outside a server: no cookie, no seat coming back
        return ""


@solara.component
def RoomLayout(children: list | None = None) -> None:
    """No navigation bar or side panel: a student's phone shows its form and nothing else."""
    solara.Column(children=children or [], classes=["room-page"])
