"""Phase 4 of the week: swaps come due, then the owner asks for redirects and the supplier answers.

Every unit moved goes through `move`, so the week's allocation, the pipeline, the redirect columns
and the owner's accounts always agree; every answer is an event, charged through the ledger.
"""

from __future__ import annotations

import numpy as np

from agents.owner import Scripted
from model.market.week import Parties, Week
from model.policies import OwnerView
from model.records import Answer, Event, EventKind, RedirectRequest, RedirectSource


def reprioritize(w: Week, p: Parties, transit_weeks: int) -> None:
    """Swap repayments first, then the owner's dated actions, then its policy's requests; the
    supplier answers each."""
    repay_swaps(w, p)
    for scripted in p.owner.actions_at(w.step):
        carry_out(w, p, scripted)
    if not p.owner.active(w.step):
        return
    tallies: dict[tuple[int, int, Answer], list[int]] = {}  # -> [units, of which already shipped]
    for request in p.owner.requests(owner_view(w, p, transit_weeks)):
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


def carry_out(w: Week, p: Parties, a: Scripted) -> None:
    """A dated action: one request (or two: shipped units, then this week's) and its answer."""
    sources = {
        "allocated": (RedirectSource.ALLOCATED,),
        "in_transit": (RedirectSource.IN_TRANSIT,),
        "shipped": (RedirectSource.IN_TRANSIT, RedirectSource.ALLOCATED),
    }[a.source]
    first = RedirectRequest(a.donor, a.receiver, a.units, sources[0], a.action.note)
    answer = p.supplier.answer(first)
    moved, shipped = 0, 0
    if answer is not Answer.REFUSE:
        for source in sources:
            request = RedirectRequest(a.donor, a.receiver, a.units - moved, source, a.action.note)
            units = move(w, p, request) if request.units > 0 else 0
            moved += units
            shipped += units if source is RedirectSource.IN_TRANSIT else 0
    if answer is Answer.SWAP and moved:
        book_exchange(w, p, a, moved)
    record_action(w, p, a, answer, moved, shipped)


def book_exchange(w: Week, p: Parties, a: Scripted, moved: int) -> None:
    """The receiver's later units go back as the action says (else after the usual delay)."""
    if not a.swap:
        p.supplier.book_swap(a.donor, a.receiver, moved, w.step)
        return
    left = moved
    for week, units in a.swap:
        back = min(units, left)
        if back > 0:
            p.supplier.book_exchange(a.donor, a.receiver, back, week)
            left -= back


def record_action(
    w: Week, p: Parties, a: Scripted, answer: Answer, moved: int, shipped: int
) -> None:
    """The event of a dated action, in the words of the record, charged like any answer."""
    names, ledger, who = p.buyers.traits.names, p.supplier.ledger, p.owner.name
    d, r = names[a.donor], names[a.receiver]
    if answer is Answer.REFUSE:
        w.refused += 1
        text = f"Nvidia refused {who}'s request to redirect {a.units:,} GPUs from {d} to {r}"
        ledger.record(Event(w.step, EventKind.REFUSAL, d, r, a.units, text=text), "refusal")
        return
    what = "shipped GPUs" if shipped == moved else "GPUs"
    text = f"{who} redirects {moved:,} {what} from {d} to {r}"
    if answer is Answer.SWAP and a.swap:
        months = " and ".join(_month(p, week) for week, _ in a.swap)
        text += f"; in exchange {r}'s {moved:,} units slated for {months} go to {d}"
    elif answer is Answer.SWAP:
        text += f"; {r}'s later units go back to {d}"
    if a.action.note:
        text += f" ({a.action.note})"
    kind = EventKind.SWAP if answer is Answer.SWAP else EventKind.REDIRECT
    ledger.record(Event(w.step, kind, d, r, moved, text=text), "redirect")


def _month(p: Parties, week: int) -> str:
    """`January 2024` for a week of the run."""
    return p.calendar(week).strftime("%B %Y")


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


def repay_swaps(w: Week, p: Parties) -> None:
    """Swaps are repaid from the debtor's later allocations (as X's Jan and Jun 2024 orders were),
    while the creditor still needs the units; a swap the creditor no longer needs lapses."""
    names, ledger = p.buyers.traits.names, p.supplier.ledger
    for debt in p.supplier.due_swaps(w.step):
        wanted = max(0, int(p.buyers.need[debt.creditor] - w.units[debt.creditor]))
        if debt.agreed:
            wanted = debt.owed
        elif wanted == 0:
            debt.owed = 0
            continue
        request = RedirectRequest(debt.debtor, debt.creditor, min(debt.owed, wanted), reason="swap")
        units = move(w, p, request)
        if units <= 0:
            continue
        debt.owed -= units
        debtor, creditor = names[debt.debtor], names[debt.creditor]
        text = f"Swap repaid: {units:,} of {debtor}'s units rescheduled to {creditor}"
        event = Event(w.step, EventKind.SWAP_REPAY, debtor, creditor, units, text=text)
        ledger.record(event, "reschedule")
    p.supplier.settle_swaps()


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
