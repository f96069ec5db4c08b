"""`/play`: a student joins with the room code and a name, takes a seat, and decides each round.

The tab keeps its participant in a per-tab `StudentClient`; a reload finds it again through the
browser's session cookie. Each value a widget sends is read as it arrives (a refusal shows
inline, and the widget shows the page's value again), and checked again by the room when the
form is submitted.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from model.concession import CONCESSION
from model.records import Answer
from server.components.inputs import Refusal, Refused, use_refusal
from server.rooms.client import StudentClient
from server.rooms.decisions import RULE
from server.rooms.errors import RoomError
from server.rooms.forms import SeatForm
from server.rooms.live import use_room_version
from server.rooms.ui import (
    CSS,
    ErrorLine,
    act,
    device_id,
    manager,
    menu_input,
    number,
    query,
    text_input,
)
from server.rooms.views import RoomView
from server.rooms.widgets import Countdown

ANSWERS = [RULE, *(str(a) for a in Answer)]


@solara.component
def PlayPage() -> None:
    solara.Title("GPU allocation: play")
    solara.Style(CSS)
    router = solara.use_router()
    code = query(router.search).get("room", "")
    client = solara.use_memo(lambda: StudentClient(manager(), device_id()), [])
    joined = solara.use_reactive(False)

    def resume() -> None:
        try:
            if code and not joined.value and client.resume(code):
                joined.set(True)
        except RoomError:
            pass

    solara.use_effect(resume, [code])
    with solara.Column(style={"padding": "12px", "max-width": "760px", "width": "100%"}):
        if not joined.value:
            JoinForm(client, code, lambda c: (joined.set(True), router.push(f"/play?room={c}")))
        else:
            RoomPanel(client)


@solara.component
def JoinForm(client: StudentClient, code: str, on_joined) -> None:
    """The room code and a name, then "Join"."""
    room_code = solara.use_reactive(code)
    name = solara.use_reactive("")
    error = solara.use_reactive(None)
    refusal = use_refusal()

    def join() -> None:
        c = room_code.value.strip().upper()
        if act(lambda: client.join(c, name.value), error):
            on_joined(c)

    solara.Markdown("## Join a classroom room")
    text_input("Room code", room_code, refusal)
    text_input("Your name", name, refusal)
    solara.Button("Join", on_click=join, color="primary")
    Refused(refusal, "room-value-error")
    ErrorLine(error)


@solara.component
def RoomPanel(client: StudentClient) -> None:
    use_room_version(client.room)
    error = solara.use_reactive(None)
    view = client.view()
    try:
        me = client.me()
    except RoomError as exc:
        solara.Text(str(exc), classes=["room-error"])
        return
    title = f"Round {view.round} · week of {view.date} · {view.status}"
    solara.Text(f"Room {view.code} · {me.name}", style={"color": "#555"})
    with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
        solara.Text(title, classes=["room-status"])
        Countdown(view)
    if view.status == "lobby":
        solara.Text("Waiting for the teacher to start the game.")
    if me.seat is not None and view.status in ("running", "paused"):
        form = client.form()
        if form is not None:
            SeatPanel(client, form, view).key(form.seat)  # its widgets live on from round to round
    if view.status in ("over", "ended"):
        solara.Text("The game is over. Thank you for playing!", classes=["room-ok"])
    Roles(client, view, me.seat, error)
    ErrorLine(error)


@solara.component
def Roles(client: StudentClient, view: RoomView, mine: str | None, error) -> None:
    solara.Text("Roles", style={"font-weight": "600", "margin-top": "10px"})
    for s in view.seats:
        with solara.Row(classes=["seat-row", f"seat-{s.key.replace(':', '-')}"]):
            solara.Text(s.label, style={"min-width": "180px"})
            who = ", ".join(s.holders) or "nobody yet"
            solara.Text(who + (" · played by its agent" if s.mode == "agent" else ""))
            if s.key == mine:
                solara.Text("your seat", classes=["room-ok"])
            else:
                solara.Button(
                    "Take seat",
                    small=True,
                    on_click=lambda k=s.key: act(lambda: client.take_seat(k), error),
                )


@solara.component
def Facts(form: SeatForm) -> None:
    rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in form.facts)
    solara.HTML(tag="table", unsafe_innerHTML=rows, classes=["room-facts"])


@solara.component
def SeatPanel(client: StudentClient, form: SeatForm, view: RoomView) -> None:
    """The seat's facts for this round, then its decision (locked once submitted)."""
    label = view.seat(form.seat).label
    solara.Text(f"{label}: what you know in round {form.round}", style={"font-weight": "600"})
    Facts(form)
    agent = view.seat(form.seat).mode == "agent"
    if form.submitted:
        left = ", ".join(k.removeprefix("firm:") for k in view.waiting) or "nobody"
        solara.Text(f"Submitted for round {form.round}. Waiting for: {left}", classes=["room-ok"])
    elif agent:
        solara.Text("The teacher handed this seat to its agent for now.")
    # One Decision per round: its inputs keep what was typed (and sent) through the round, and
    # start from the agent's choice in the next.
    Decision(client, form, locked=form.submitted or agent).key(f"decision-{form.round}")


@solara.component
def Decision(client: StudentClient, form: SeatForm, locked: bool) -> None:
    """The seat's inputs and "Submit", which locks the decision for the round, the inputs still
    showing what was sent. They start each round from its defaults (what the seat's agent would
    do)."""
    error = solara.use_reactive(None)
    refusal = use_refusal()
    if form.kind == "firm":
        decide = firm_inputs(form, locked, refusal)
    elif form.kind == "owner":
        decide = owner_inputs(form, locked, refusal)
    else:
        decide = nvidia_inputs(form, locked, refusal)
    Refused(refusal, "room-value-error")
    if not locked:
        solara.Button(
            "Submit",
            color="primary",
            on_click=lambda: act(lambda: client.submit(decide(), form.round), error),
        )
    ErrorLine(error)


def firm_inputs(form: SeatForm, locked: bool, refusal: Refusal) -> Callable[[], dict]:
    """Order (and, under an auction or negotiation, price and concession); returns the getter."""
    order = solara.use_reactive(str(form.default["order"]))
    price = solara.use_reactive(f"{form.default.get('max_price_usd', 0.0):.0f}")
    concession = solara.use_reactive(form.default.get("concession", "linear"))
    order_label = f"Order for the week (0 to {form.order_max:,})"
    text_input(order_label, order, refusal, numbers=True, locked=locked)
    if "max_price_usd" in form.fields:
        price_label = "Highest price under the auction (USD)"
        text_input(price_label, price, refusal, numbers=True, locked=locked)
    if "concession" in form.fields:
        menu_input("Concession under negotiation", list(CONCESSION), concession, refusal, locked)

    def decision() -> dict:
        out: dict = {"order": number(order.value)}
        if "max_price_usd" in form.fields:
            out["max_price_usd"] = number(price.value)
        if "concession" in form.fields:
            out["concession"] = concession.value
        return out

    return decision


def owner_inputs(form: SeatForm, locked: bool, refusal: Refusal) -> Callable[[], dict]:
    """Units to redirect for each pair of the owner's firms (0: none); none outside his window."""
    pairs = [(d, r) for d in form.firms for r in form.firms if d != r]
    units = {p: solara.use_reactive("0") for p in pairs}  # the same pairs every round

    def reset() -> None:  # a redirect is asked for once: each round starts from none
        for u in units.values():
            u.set("0")

    solara.use_effect(reset, [form.round])
    if form.pairs:
        for d, r in pairs:
            label = f"Redirect from {d} to {r} (up to {form.pairs[d]:,})"
            text_input(label, units[(d, r)], refusal, numbers=True, locked=locked)

    def decision() -> dict:
        if not form.pairs:
            return {"transfers": []}
        lines = [[d, r, number(u.value)] for (d, r), u in units.items()]
        return {"transfers": [line for line in lines if line[2] != 0]}

    return decision


def nvidia_inputs(form: SeatForm, locked: bool, refusal: Refusal) -> Callable[[], dict]:
    """An answer for each pair of the owner's firms (the rule unless chosen)."""
    answers = {pair: solara.use_reactive(RULE) for pair in form.pairs}
    for pair in form.pairs:
        d, r = pair.split(">")
        label = f"{d} → {r} ({form.pairs[pair]:,} asked)"
        menu_input(label, ANSWERS, answers[pair], refusal, locked)
    return lambda: {"answers": {p: a.value for p, a in answers.items() if a.value != RULE}}
