"""The room's append-only log: every decision and teacher action, and each round's close.

The log is the room: replaying it from the seed rebuilds the room exactly (see `state.apply`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

TEACHER, ROOM = "teacher", "room"  # actors besides participant ids

KINDS = (
    "join",  # a participant joins (id, name, token and cookie hashes)
    "seat",  # a participant takes a seat (or leaves it: seat None)
    "submit",  # a seat's decision for the round
    "start",
    "pause",
    "resume",
    "timer",  # round timer in seconds
    "weeks",  # weeks per round
    "mode",  # a seat handed to people or to its agent
    "remove",  # the teacher removes a participant
    "inject_redirect",  # the owner asks for a redirect (the December 2023 memo)
    "inject_shock",  # a supply shock from the next week on (a scenario override)
    "close",  # the round closes: the model advances with the decisions it records
    "end",
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the log; `at` is wall-clock time (shown in the CSV, never replayed)."""

    seq: int
    kind: str
    round: int
    actor: str
    payload: dict[str, Any]
    at: float

    def payload_json(self) -> str:
        return json.dumps(self.payload, sort_keys=True, separators=(",", ":"))
