"""Phase 4 of the week: swaps come due, then the owner asks for redirects and the supplier answers.

Every unit moved goes through `move`, so the week's allocation, the pipeline, the redirect columns
and the owner's accounts always agree; every answer is an event with its friction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.policies import OwnerView
from model.records import Answer, Event, EventKind, RedirectRequest, RedirectSource

if TYPE_CHECKING:
    from model.market import GpuMarket, Week


@dataclass(slots=True)
class SwapDebt:
    """Units the receiver of a swap owes back to the donor from its later allocations."""

    creditor: int
    debtor: int
    owed: int
    due: int  # first week of repayment


def reprioritize(m: GpuMarket, w: Week) -> None:
    """Swap repayments first, then the owner's requests and the supplier's answers."""
    repay_swaps(m, w)
    view = owner_view(m, w)
    if view is None:
        return
    tallies: dict[tuple[int, int, Answer], list[int]] = {}  # -> [units, of which already shipped]
    for request in m.owner.reprioritize(m.week, view):
        answer = m.supplier.answer(request)
        moved = 0 if answer is Answer.REFUSE else move(m, w, request)
        tally = tallies.setdefault((request.donor, request.receiver, answer), [0, 0])
        tally[0] += request.units if answer is Answer.REFUSE else moved
        tally[1] += moved if request.source is RedirectSource.IN_TRANSIT else 0
        if answer is Answer.SWAP and moved:
            due = m.week + m.config.supplier.swap_delay_weeks
            m.swap_debts.append(SwapDebt(request.donor, request.receiver, moved, due))
    for (donor, receiver, answer), (units, shipped) in tallies.items():
        if units > 0:
            record_answer(m, w, donor, receiver, answer, units, shipped)


def move(m: GpuMarket, w: Week, r: RedirectRequest) -> int:
    """Carry out an accepted request; returns the units actually moved."""
    if r.source is RedirectSource.ALLOCATED:
        units = int(min(r.units, w.units[r.donor]))
        w.units[r.donor] -= units
        w.units[r.receiver] += units
    else:
        units = m.supplier.take_in_transit(r.donor, r.receiver, r.units)
        w.shipped_net[r.donor] -= units
        w.shipped_net[r.receiver] += units
    w.moved_out[r.donor] += units
    w.moved_in[r.receiver] += units
    m.owner.account(r.donor, r.receiver, units)
    return units


def record_answer(
    m: GpuMarket, w: Week, donor: int, receiver: int, answer: Answer, units: int, shipped: int
) -> None:
    """One event per pair and answer this week, charged to the redirect or refusal component."""
    names, ledger = m.buyers.traits.names, m.supplier.ledger
    d, r, who = names[donor], names[receiver], m.owner.name
    if answer is Answer.REFUSE:
        w.refused += 1
        text = f"Nvidia refused {who}'s request to redirect {units:,} GPUs from {d} to {r}"
        event = Event(m.week, EventKind.REFUSAL, d, r, units, ledger.cost("refusal", 1), text)
        ledger.record(event, "refusal")
        return
    kind = EventKind.SWAP if answer is Answer.SWAP else EventKind.REDIRECT
    swap = f"; {r}'s later units go back to {d}" if kind is EventKind.SWAP else ""
    road = f" ({shipped:,} already shipped)" if shipped else ""
    text = f"{who} redirected {units:,} GPUs{road} from {d} to {r}{swap}"
    ledger.record(
        Event(m.week, kind, d, r, units, ledger.cost("redirect", units), text), "redirect"
    )


def repay_swaps(m: GpuMarket, w: Week) -> None:
    """Swaps are repaid from the debtor's later allocations (as X's Jan and Jun 2024 orders were),
    while the creditor still needs the units; a swap the creditor no longer needs lapses."""
    names, ledger = m.buyers.traits.names, m.supplier.ledger
    for debt in m.swap_debts:
        if m.week < debt.due:
            continue
        wanted = max(0, int(m.buyers.need[debt.creditor] - w.units[debt.creditor]))
        if wanted == 0:
            debt.owed = 0
            continue
        units = min(debt.owed, wanted)
        units = move(m, w, RedirectRequest(debt.debtor, debt.creditor, units, reason="swap"))
        if units <= 0:
            continue
        debt.owed -= units
        debtor, creditor = names[debt.debtor], names[debt.creditor]
        text = f"Swap repaid: {units:,} of {debtor}'s units rescheduled to {creditor}"
        cost = ledger.cost("reschedule", units)
        ledger.record(
            Event(m.week, EventKind.SWAP_REPAY, debtor, creditor, units, cost, text), "reschedule"
        )
    m.swap_debts = [d for d in m.swap_debts if d.owed > 0]


def owner_view(m: GpuMarket, w: Week) -> OwnerView | None:
    """What the owner sees of its firms this week, or None when it does not review them."""
    o, b = m.owner, m.buyers
    if not o.active(m.week):
        return None
    idx = o.firms
    transit = b.in_transit[idx] if o.config.in_transit else np.zeros(len(idx), dtype=np.int64)
    soon = b.slots_at(m.week + m.config.supply.transit_weeks)[idx]
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
    )
