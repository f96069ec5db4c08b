"""What a seat's form shows and starts from: the facts the seat knows this round and a default
decision, built from the room's preview. The pages draw these; the headless bots read them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from model.concession import CONCESSION
from server.rooms.decisions import RULE, order_bound, pair_key
from server.rooms.preview import Preview
from server.rooms.room import Room
from server.rooms.seats import NVIDIA, OWNER

PRICE_MECHANISMS = ("auction", "negotiation")  # where a highest price matters


@dataclass(frozen=True)
class SeatForm:
    """One seat's form for one round."""

    seat: str
    kind: str
    round: int
    date: str
    facts: tuple[tuple[str, str], ...]
    default: dict[str, Any]
    fields: tuple[str, ...] = ()  # the firm's decision fields to show
    order_max: int = 0
    pairs: dict[str, int] = field(default_factory=dict)  # owner: movable; nvidia: requested
    submitted: bool = False
    firms: tuple[str, ...] = ()  # the owner's firms (owner and Nvidia seats), every round


def _usd(x: float) -> str:
    return f"${x:,.0f}"


def firm_form(room: Room, seat: str, p: Preview) -> SeatForm:
    firm = room.state.seats[seat].firm
    v = p.views[firm]
    last = p.last.get(firm, {})
    facts = (
        ("Need (GPUs)", f"{v.need:,}"),
        ("Open orders (backlog)", f"{v.backlog:,}"),
        ("Fill rate", f"{v.fill_rate:.0%}"),
        ("Quoted lead time", f"{v.lead_time_weeks:.1f} weeks"),
        ("Price this week", _usd(v.price_usd)),
        ("Idle GPUs (no slot)", f"{v.idle:,}"),
        ("Installed", f"{v.installed:,} of {v.slots:,} slots"),
        ("On the road", f"{v.in_transit:,}"),
        ("Received last week", f"{last.get('allocated', 0):,}"),
        ("Your agent would order", f"{v.suggested:,}"),
    )
    mechanism = room.market.config.market.mechanism
    fields = ("order",)
    if mechanism in PRICE_MECHANISMS:
        fields += ("max_price_usd",)
    if mechanism == "negotiation":
        fields += ("concession",)
    default: dict[str, Any] = {"order": int(v.suggested)}
    if "max_price_usd" in fields:
        default["max_price_usd"] = float(v.max_price_usd)
    if "concession" in fields:
        default["concession"] = concession_name(room.market.firm(firm).concession)
    return SeatForm(seat, "firm", 0, p.date, facts, default, fields, order_bound(v))


def concession_name(exponent: float) -> str:
    return min(CONCESSION, key=lambda name: abs(CONCESSION[name] - exponent))


def owner_form(room: Room, p: Preview) -> SeatForm:
    if p.owner_view is None:
        facts = (("This week", "the owner may not redirect units (outside his window)"),)
        return SeatForm(OWNER, "owner", 0, p.date, facts, {"transfers": []}, firms=p.owner_firms)
    ov = p.owner_view
    facts = tuple(
        (
            name,
            f"expected allocation {int(ov.allocated[i]):,} · on the road {int(ov.in_transit[i]):,}"
            f" · short {int(ov.shortfall[i]):,} · free slots soon {int(ov.free_soon[i]):,}",
        )
        for i, name in enumerate(p.owner_firms)
    )
    movable = {name: p.movable(name) for name in p.owner_firms}
    return SeatForm(
        OWNER, "owner", 0, p.date, facts, {"transfers": []}, pairs=movable, firms=p.owner_firms
    )


def nvidia_form(room: Room, p: Preview) -> SeatForm:
    asked = requests_this_round(room, p)
    pairs = {
        pair_key(d, r): asked.get((d, r), 0) for d in p.owner_firms for r in p.owner_firms if d != r
    }
    facts = tuple((f"{k.replace('>', ' → ')}", f"{u:,} GPUs asked") for k, u in pairs.items() if u)
    if not facts:
        facts = (("This week", "no redirect requests expected so far"),)
    default = {"answers": dict.fromkeys(pairs, RULE)}
    return SeatForm(NVIDIA, "nvidia", 0, p.date, facts, default, pairs=pairs, firms=p.owner_firms)


def requests_this_round(room: Room, p: Preview) -> dict[tuple[str, str], int]:
    """Redirects Nvidia can expect this round: the owner's submitted ones if people play him
    (else his agent's, estimated), and the teacher's injected requests."""
    s = room.state
    out: dict[tuple[str, str], int] = {}
    owner = s.seats.get(OWNER)
    if owner is not None and owner.played_by_people:
        lines = s.pending.get(OWNER, {}).get("decision", {}).get("transfers", [])
    else:
        lines = [[d, r, u] for (d, r), u in p.agent_requests.items()]
    for d, r, u in [*lines, *s.injected]:
        out[(d, r)] = out.get((d, r), 0) + int(u)
    return out


def seat_form(room: Room, seat: str) -> SeatForm | None:
    """The form of `seat` this round (None when the run is over)."""
    with room.lock:
        p = room.preview()
        if p is None:
            return None
        if seat == OWNER:
            form = owner_form(room, p)
        elif seat == NVIDIA:
            form = nvidia_form(room, p)
        else:
            form = firm_form(room, seat, p)
        return SeatForm(
            **{**form.__dict__, "round": room.state.round, "submitted": seat in room.state.pending}
        )
