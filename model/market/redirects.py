"""Phase 4 of the week: swaps come due, then the owner asks for redirects and the supplier answers.

Every unit moved goes through `move`, so the week's allocation, the pipeline, the redirect columns
and the owner's accounts always agree; every answer is an event, charged through the ledger.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from agents.owner import OpenAction, Scripted
from model.market.week import Parties, Week
from model.policies import OwnerView
from model.records import Answer, Event, EventKind, RedirectRequest, RedirectSource


def reprioritize(w: Week, p: Parties, transit_weeks: int) -> None:
    """Swap repayments first, then the owner's dated actions, then its policy's requests; the
    supplier answers each."""
    repay_swaps(w, p, transit_weeks)
    carry_out(w, p)
    if not p.owner.active(w.step):
        return
    tallies: dict[tuple[int, int, Answer], list[int]] = {}  # -> [units, of which already shipped]
    for request in p.owner.requests(owner_view(w, p, transit_weeks), w.step):
        answer = p.supplier.answer(request)
        moved = 0 if answer is Answer.REFUSE else move(w, p, request)
        tally = tallies.setdefault((request.donor, request.receiver, answer), [0, 0])
        tally[0] += request.units if answer is Answer.REFUSE else moved
        tally[1] += moved if request.source is RedirectSource.IN_TRANSIT else 0
        if answer is Answer.SWAP and moved:
            p.supplier.book_swap(request.donor, request.receiver, moved, w.step)
    for (donor, receiver, answer), (units, shipped) in tallies.items():
        if units > 0:
            record_answer(w, p, (donor, receiver), answer, units, shipped)


SOURCES = {
    "allocated": (RedirectSource.ALLOCATED,),
    "in_transit": (RedirectSource.IN_TRANSIT,),
    "shipped": (RedirectSource.IN_TRANSIT, RedirectSource.ALLOCATED),
}


def carry_out(w: Week, p: Parties) -> None:
    """The owner's dated actions: the supplier answers each when it is made; an accepted one
    moves what it can each week, from its sources in order, until done or out of weeks."""
    for a in p.owner.actions_at(w.step):
        first = RedirectRequest(a.donor, a.receiver, a.units, SOURCES[a.source][0], a.action.note)
        answer = p.supplier.answer(first)
        if answer is Answer.REFUSE:
            record_action(w, p, OpenAction(a, str(answer)), 0, 0)
        else:
            p.owner.open_actions.append(OpenAction(a, str(answer)))
    for o in list(p.owner.open_actions):
        moved, shipped = _move_action(w, p, o)
        if moved or o.moved == 0:
            record_action(w, p, o, moved, shipped)
        if o.moved >= o.scripted.units or w.step >= o.scripted.last_week:
            p.owner.open_actions.remove(o)
            if o.answer == Answer.SWAP and o.moved:
                book_exchange(w, p, o.scripted, o.moved)


def _move_action(w: Week, p: Parties, o: OpenAction) -> tuple[int, int]:
    """This week's part of an action: (units moved, of which already on the road)."""
    a, moved, shipped = o.scripted, 0, 0
    for source in SOURCES[a.source]:
        left = a.units - o.moved - moved
        if left <= 0:
            break
        units = move(w, p, RedirectRequest(a.donor, a.receiver, left, source, a.action.note))
        moved += units
        shipped += units if source is RedirectSource.IN_TRANSIT else 0
    o.moved += moved
    o.shipped += shipped
    return moved, shipped


def book_exchange(w: Week, p: Parties, a: Scripted, moved: int) -> None:
    """The receiver's later units go back as the action says (else after the usual delay)."""
    if not a.swap:
        p.supplier.book_swap(a.donor, a.receiver, moved, w.step)
        return
    left = moved
    for week, units in a.swap:
        back = min(units, left)
        if back > 0:
            p.supplier.book_exchange(a.donor, a.receiver, back, week, a.action.note)
            left -= back


def record_action(w: Week, p: Parties, o: OpenAction, moved: int, shipped: int) -> None:
    """This week's event of a dated action, in the words of the record, charged like any answer."""
    a, names, ledger, who = o.scripted, p.buyers.traits.names, p.supplier.ledger, p.owner.name
    d, r = names[a.donor], names[a.receiver]
    if o.answer == Answer.REFUSE:
        w.refused += 1
        text = f"Nvidia refused {who}'s request to redirect {a.units:,} GPUs from {d} to {r}"
        ledger.record(Event(w.step, EventKind.REFUSAL, d, r, a.units, text=text), "refusal")
        return
    what = "shipped GPUs" if a.source == "shipped" or shipped == moved else "GPUs"
    if o.moved > moved:  # a later week of the action
        text = (
            f"{who} redirected {moved:,} more {what} from {d} to {r} ({o.moved:,} of {a.units:,})"
        )
    else:
        text = f"{who} redirected {moved:,} {what} from {d} to {r}"
        if moved < a.units and a.action.weeks > 1:
            text += f", the first of {a.units:,} slated for {d}"
        text += _exchange(p, o, d, r)
    if a.action.note:
        text += f" ({a.action.note})"
    kind = EventKind.SWAP if o.answer == Answer.SWAP else EventKind.REDIRECT
    ledger.record(Event(w.step, kind, d, r, moved, text=text), "redirect")


def _exchange(p: Parties, o: OpenAction, donor: str, receiver: str) -> str:
    """What goes back in a swap, as the first event of an action says it."""
    if o.answer != Answer.SWAP:
        return ""
    if not o.scripted.swap:
        return f"; {receiver}'s later units go back to {donor}"
    back = min(o.scripted.units, sum(u for _, u in o.scripted.swap))
    months = _months([p.calendar(week) for week, _ in o.scripted.swap])
    return f"; in exchange {receiver}'s {back:,} units slated for {months} go to {donor}"


def _months(days: list[dt.date]) -> str:
    """`January and June 2024`, or `December 2024 and January 2025`."""
    if len({d.year for d in days}) == 1:
        names = [d.strftime("%B") for d in days]
        return f"{' and '.join(names)} {days[0].year}"
    return " and ".join(d.strftime("%B %Y") for d in days)


def move(w: Week, p: Parties, r: RedirectRequest) -> int:
    """Carry out an accepted request; returns the units actually moved."""
    if r.source is RedirectSource.ALLOCATED:
        units = int(min(r.units, w.units[r.donor]))
        w.units[r.donor] -= units
        w.units[r.receiver] += units
    else:
        units = p.supplier.take_in_transit(r.donor, r.receiver, r.units)
        w.shipped_net[r.donor] -= units
        w.shipped_net[r.receiver] += units
    w.moved_out[r.donor] += units
    w.moved_in[r.receiver] += units
    p.owner.account(r.donor, r.receiver, units)
    return units


def record_answer(
    w: Week, p: Parties, pair: tuple[int, int], answer: Answer, units: int, shipped: int
) -> None:
    """One event per pair and answer this week, charged to the redirect or refusal component."""
    names, ledger = p.buyers.traits.names, p.supplier.ledger
    d, r, who = names[pair[0]], names[pair[1]], p.owner.name
    if answer is Answer.REFUSE:
        w.refused += 1
        text = f"Nvidia refused {who}'s request to redirect {units:,} GPUs from {d} to {r}"
        ledger.record(Event(w.step, EventKind.REFUSAL, d, r, units, text=text), "refusal")
        return
    kind = EventKind.SWAP if answer is Answer.SWAP else EventKind.REDIRECT
    swap = f"; {r}'s later units go back to {d}" if kind is EventKind.SWAP else ""
    road = f" ({shipped:,} already shipped)" if shipped else ""
    text = f"{who} redirected {units:,} GPUs{road} from {d} to {r}{swap}"
    ledger.record(Event(w.step, kind, d, r, units, text=text), "redirect")


def repay_swaps(w: Week, p: Parties, transit_weeks: int = 0) -> None:
    """Swaps are repaid from the debtor's later allocations (as X's Jan and Jun 2024 orders were),
    while the creditor still needs the units and (unless idle units are allowed) can switch them
    on when they arrive; a swap the creditor no longer needs lapses. An agreed exchange is repaid
    from its dates whatever the creditor needs."""
    names, ledger = p.buyers.traits.names, p.supplier.ledger
    room = _room(w, p, transit_weeks)
    for debt in p.supplier.due_swaps(w.step):
        wanted = max(0, int(p.buyers.need[debt.creditor] - w.units[debt.creditor]))
        if debt.agreed:
            wanted = debt.owed
        elif wanted == 0:
            debt.owed = 0
            continue
        elif not p.owner.config.to_idle:
            wanted = min(wanted, int(room[debt.creditor]))
        if wanted <= 0:
            continue
        units = _repay(w, p, debt.debtor, debt.creditor, min(debt.owed, wanted), debt.agreed)
        if units <= 0:
            continue
        debt.owed -= units
        room[debt.creditor] -= units
        debtor, creditor = names[debt.debtor], names[debt.creditor]
        text = f"Swap repaid: {units:,} of {debtor}'s units rescheduled to {creditor}"
        text += f" ({debt.note})" if debt.note else ""
        event = Event(w.step, EventKind.SWAP_REPAY, debtor, creditor, units, text=text)
        ledger.record(event, "reschedule")
    p.supplier.settle_swaps()


def _room(w: Week, p: Parties, transit_weeks: int) -> np.ndarray:
    """Slots free for each buyer when this week's units arrive, after all it has coming."""
    b = p.buyers
    coming = b.installed + b.idle + b.in_transit + w.units
    return np.maximum(0, b.slots_at(w.step + transit_weeks) - coming)


def _repay(w: Week, p: Parties, debtor: int, creditor: int, units: int, agreed: bool) -> int:
    """Move a repayment from the debtor's allocation; an agreed exchange also takes the
    debtor's units already on the road (its orders slated for that month)."""
    moved = move(w, p, RedirectRequest(debtor, creditor, units, reason="swap"))
    if agreed and moved < units:
        rest = RedirectRequest(debtor, creditor, units - moved, RedirectSource.IN_TRANSIT, "swap")
        moved += move(w, p, rest)
    return moved


def owner_view(w: Week, p: Parties, transit_weeks: int) -> OwnerView:
    """What the owner sees of its firms this week."""
    o, b = p.owner, p.buyers
    idx = o.firms
    later = p.supplier.movable_in_transit()[idx]
    transit = later if o.config.in_transit else np.zeros(len(idx), dtype=np.int64)
    soon = b.slots_at(w.step + transit_weeks)[idx]
    coming = b.installed[idx] + b.idle[idx] + b.in_transit[idx] + w.units[idx]
    return OwnerView(
        allocated=w.units[idx].copy(),
        in_transit=transit,
        shortfall=np.maximum(0, b.need[idx] - w.units[idx]),
        free_soon=soon - coming,
        value=b.traits.value[idx],
        rank=o.rank,
        weights=o.weights,
        max_share=o.config.max_share,
        to_idle=o.config.to_idle,
    )
