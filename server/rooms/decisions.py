"""Checking a seat's decision on the server, against the parameter definitions and the seat's own
firm, and turning it into plain data for the log.

Every bad value raises `RoomError` with a message for the person who typed it. What passes is
stored in the log as plain JSON (firm names, not positions), and `hooks` turns it into the
records the model's decision hooks take.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from model.concession import CONCESSION
from model.config import Firm
from model.params import ScenarioError, check_scalar, fields_of, meta_of
from model.records import Answer, FirmView
from server.rooms.errors import RoomError
from server.rooms.preview import Preview
from server.rooms.settings import whole_number

MAX_ORDER = 2**31 - 1  # the mechanisms' unit limit
# No ordering strategy pads an order by more than the Firm `inflation` field's maximum (20x), so
# an order above 20 x the firm's need (plus the book it already has) is a typing slip or an attack.
MAX_INFLATION = float(meta_of(fields_of(Firm)["inflation"]).max or 20.0)
PRICE_META = meta_of(fields_of(Firm)["max_price_usd"])
RULE = "rule"  # Nvidia leaves a pair to its own rule


def pair_key(donor: str, receiver: str) -> str:
    return f"{donor}>{receiver}"


def order_bound(view: FirmView) -> int:
    """Largest order a firm may place this week: 20 x its need plus its open book, at most
    2**31 - 1."""
    return int(min(MAX_ORDER, math.floor(MAX_INFLATION * view.need) + view.backlog))


def _only(raw: Any, allowed: tuple[str, ...], what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise RoomError(f"{what}: expected a form, got {repr(raw)[:60]}")
    extra = [k for k in raw if k not in allowed]
    if extra:
        raise RoomError(
            f"{what}: unknown field {repr(extra[0])[:40]} (fields: {', '.join(allowed)})"
        )
    return raw


def firm_decision(raw: Any, view: FirmView) -> dict[str, Any]:
    """{"order": int, "max_price_usd": float | None, "concession": name | None}, checked."""
    raw = _only(raw, ("order", "max_price_usd", "concession"), "decision")
    if "order" not in raw:
        raise RoomError("order: please enter your order for the week")
    order = whole_number(raw["order"], "order")
    bound = order_bound(view)
    if not 0 <= order <= bound:
        raise RoomError(
            f"order: {order:,} is not between 0 and {bound:,} "
            f"(at most {MAX_INFLATION:g} x your need of {view.need:,} plus your open orders)"
        )
    price = raw.get("max_price_usd")
    if price is not None:
        price = _price(price, view.firm)
    concession = raw.get("concession")
    if concession is not None and concession not in CONCESSION:
        raise RoomError(
            f"concession: {repr(concession)[:40]} is not one of {', '.join(CONCESSION)}"
        )
    return {"order": order, "max_price_usd": price, "concession": concession}


def _price(value: Any, firm: str) -> float:
    """A highest unit price within the Firm field's range (finite, in USD)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RoomError(f"highest price: expected a number of dollars, got {repr(value)[:40]}")
    if not math.isfinite(value):
        raise RoomError("highest price: must be a finite number of dollars")
    try:
        check_scalar(float, value, "highest price", f"firms.{firm}.max_price_usd", PRICE_META)
    except ScenarioError as exc:
        raise RoomError(str(exc)) from None
    return float(value)


def owner_transfers(raw: Any, p: Preview) -> dict[str, Any]:
    """{"transfers": [[donor, receiver, units], ...]} between the owner's firms, each donor giving
    at most its movable units this week (none at all outside the owner's window)."""
    raw = _only(raw, ("transfers",), "redirects")
    items = raw.get("transfers", [])
    if p.owner_view is None and items:  # outside his window he can only pass
        raise RoomError("redirects: the owner may not redirect units this week")
    firms = p.owner_firms
    if not isinstance(items, list | tuple) or len(items) > len(firms) * (len(firms) - 1):
        raise RoomError(f"redirects: at most one line per pair of {', '.join(firms)}")
    given: dict[str, int] = {}
    out: list[list[Any]] = []
    for item in items:
        donor, receiver, units = _transfer(item, firms)
        given[donor] = given.get(donor, 0) + units
        if given[donor] > p.movable(donor):
            raise RoomError(
                f"redirects: {donor} has only {p.movable(donor):,} units that can move this week "
                f"(its allocation and units on the road), not {given[donor]:,}"
            )
        if units:
            out.append([donor, receiver, units])
    return {"transfers": out}


def _transfer(item: Any, firms: tuple[str, ...]) -> tuple[str, str, int]:
    if isinstance(item, Mapping):
        item = (item.get("from"), item.get("to"), item.get("units"))
    if not isinstance(item, list | tuple) or len(item) != 3:
        raise RoomError("redirects: each line needs a firm to take from, one to give to, and units")
    donor, receiver, units = item
    for name in (donor, receiver):
        if name not in firms:
            raise RoomError(f"redirects: {repr(name)[:40]} is not one of the owner's firms")
    if donor == receiver:
        raise RoomError(f"redirects: {donor} cannot redirect units to itself")
    units = whole_number(units, "redirects: units")
    if units < 0:
        raise RoomError(f"redirects: units must be 0 or more, not {units:,}")
    return donor, receiver, units


def nvidia_answers(raw: Any, p: Preview) -> dict[str, Any]:
    """{"answers": {"Tesla>X": "swap", ...}}: one answer per pair of the owner's firms; a pair
    left out (or set to "rule") is answered by Nvidia's own rule."""
    raw = _only(raw, ("answers",), "answers")
    items = raw.get("answers", {})
    if not isinstance(items, Mapping):
        raise RoomError("answers: expected one answer per pair of firms")
    pairs = {pair_key(d, r) for d in p.owner_firms for r in p.owner_firms if d != r}
    valid = [str(a) for a in Answer]
    out: dict[str, str] = {}
    for pair, answer in items.items():
        if pair not in pairs:
            raise RoomError(f"answers: {repr(pair)[:40]} is not a pair of the owner's firms")
        if answer == RULE:
            continue
        if answer not in valid:
            raise RoomError(f"answers: {repr(answer)[:40]} is not one of {', '.join(valid)}")
        out[pair] = answer
    return {"answers": dict(sorted(out.items()))}
