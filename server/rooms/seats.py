"""Seats and participants: who may decide for which role.

A seat is one buyer firm, the owner (Musk: redirects among his firms) or Nvidia (answers to
redirect requests). Several participants may share a seat as a team; a seat is played by people
(`human`) or by its agent. A human seat nobody holds is played by its agent too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from model.market import GpuMarket
from server.rooms.errors import RoomError

OWNER, NVIDIA = "owner", "nvidia"
FIRM_PREFIX = "firm:"
HUMAN, AGENT = "human", "agent"
MAX_TEAM = 8  # people sharing one seat: a class of 30 fits the 7 seats of `classroom`
MAX_NAME = 40
_NAME = re.compile(r"^[^\x00-\x1f\x7f-\x9f<>]+$")


@dataclass(slots=True)
class Seat:
    """One role: `key` is "firm:Tesla", "owner" or "nvidia"."""

    key: str
    kind: str  # "firm", "owner" or "nvidia"
    label: str
    firm: str = ""  # the buyer firm, for a firm seat
    mode: str = HUMAN
    holders: list[str] = field(default_factory=list)  # participant ids, in joining order

    @property
    def played_by_people(self) -> bool:
        return self.mode == HUMAN and bool(self.holders)


@dataclass(slots=True)
class Participant:
    """A person in the room; `token_hash` identifies them (the token itself stays with them)."""

    pid: str
    name: str
    token_hash: str
    device_hash: str = ""  # the browser's session cookie, hashed: a reload finds the seat again
    seat: str | None = None
    removed: bool = False


def digest(secret: str) -> str:
    """What the store keeps of a token or cookie: its SHA-256, never the secret itself."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def build_seats(m: GpuMarket) -> dict[str, Seat]:
    """Every named buyer firm, then the owner and Nvidia when the owner controls two firms or
    more (with fewer there is nothing to redirect and nothing to answer)."""
    seats = {
        FIRM_PREFIX + f.name: Seat(FIRM_PREFIX + f.name, "firm", f"{f.name} (buyer)", f.name)
        for f in m.firms
    }
    owned = m.owner.firm_names
    if len(owned) >= 2:
        who = m.owner.name
        seats[OWNER] = Seat(OWNER, "owner", f"{who} (owner of {', '.join(owned)})")
        seats[NVIDIA] = Seat(NVIDIA, "nvidia", "Nvidia (answers redirect requests)")
    return seats


def check_name(name: object) -> str:
    """A display name: 1-40 printable characters, no markup."""
    if not isinstance(name, str) or not name.strip():
        raise RoomError("your name: please type a name")
    name = " ".join(name.split())
    if len(name) > MAX_NAME or not _NAME.match(name):
        raise RoomError(f"your name: at most {MAX_NAME} letters, digits or signs (no < or >)")
    return name
