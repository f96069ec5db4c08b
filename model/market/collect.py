"""Phase 7 of the week: statements against bookings, trust, the friction week, and the records."""

from __future__ import annotations

import numpy as np

from model import metrics
from model.config import Scenario
from model.market.week import Parties, Week
from model.recorder import Recorder
from model.records import Event, EventKind, FrictionWeek


def collect_week(w: Week, p: Parties, recorder: Recorder, scenario: Scenario) -> None:
    """Charge statement gaps, update trust, quote lead times, close the friction week, record."""
    b, s = p.buyers, p.supplier
    gap, share = b.discrepancies(w.step, scenario.friction.discrepancy_tolerance)
    s.ledger.charge("discrepancy", float(gap.sum()))
    _discrepancy_onsets(w, p, gap)
    s.update_trust(share, b.cancelled, w.backlog_before, w.moved_out + w.moved_in)
    friction = s.ledger.close_week()
    p.owner.tally_cost(b.slots_at(w.step) - b.installed, b.traits.value)
    s.quote_lead_times(b.backlog)
    _record_model(w, p, recorder, friction, scenario.supply.transit_weeks)
    _record_firms(w, p, recorder)
    _allocation_drop(w, p, recorder)


def _record_firms(w: Week, p: Parties, recorder: Recorder) -> None:
    b, s, o = p.buyers, p.supplier, p.owner
    owed = np.maximum(0, o.debt)
    columns = {
        "need": b.need,
        "ordered": b.ordered,
        "granted": w.granted,
        "allocated": w.units,
        "redirected_in": w.moved_in,
        "redirected_shipped": w.shipped_net,
        "redirected_out": w.moved_out,
        "delivered": w.delivered,
        "deployed": w.deployed,
        "idle": b.idle,
        "installed": b.installed,
        "target": b.target_at(w.step),
        "slots": b.slots_at(w.step),
        "in_transit": b.in_transit,
        "backlog": b.backlog,
        "spend_usd": w.units * w.prices,
        "cancelled": b.cancelled,
        "owner_debt": o.debt,
        "owner_cost_usd": o.cost,
        "owner_delay_weeks": np.where(b.need > 0, owed / np.maximum(s.rate, 1.0), 0.0),
        "value_usd": b.installed * b.traits.value,
        "lead_time_weeks": s.lead_time,
        "price_usd": np.where(w.units > 0, w.prices, w.price),
        "trust": s.trust,
        "multiplier": b.multiplier,
    }
    recorder.record_firms(w.step, columns)


def _record_model(
    w: Week, p: Parties, recorder: Recorder, friction: FrictionWeek, transit_weeks: int
) -> None:
    b, s = p.buyers, p.supplier
    allocated = int(w.units.sum())
    spend = float((w.units * w.prices).sum())
    active = b.ordered > 0
    fill = w.granted[active] / b.ordered[active]
    columns = {
        "capacity": s.capacity,
        "available": s.available,
        "allocated": allocated,
        "shipped": allocated,
        "delivered": int(w.delivered.sum()),
        "stock": s.stock,
        "price_usd": spend / allocated if allocated else w.price,
        "ordered": int(b.ordered.sum()),
        "need": int(b.need.sum()),
        "backlog": int(b.backlog.sum()),
        "lead_time_weeks": float(b.backlog.sum() / max(s.capacity, 1)) + transit_weeks,
        "friction": friction.total,
        "friction_redirect": friction.redirect,
        "friction_reschedule": friction.reschedule,
        "friction_cancel": friction.cancel,
        "friction_discrepancy": friction.discrepancy,
        "friction_refusal": friction.refusal,
        "friction_cum": s.ledger.cumulative,
        "redirected_units": int(w.moved_out.sum()),
        "refused_requests": w.refused,
        "cancelled": int(b.cancelled.sum()),
        "jain_fill": metrics.jain(fill),
        "gini_alloc": metrics.gini(w.granted[active]),
        "order_inflation": metrics.inflation(b.ordered, b.need),
        "idle_total": int(b.idle.sum()),
        "installed_total": int(b.installed.sum()),
        "welfare_usd": float((b.installed * b.traits.value).sum()),
        "revenue_usd": spend,
        "supply_gap": s.gap,
    }
    recorder.record_model(w.step, columns)


DROP = 0.5  # a week's allocation below this share of the week before's is explained by an event


def _allocation_drop(w: Week, p: Parties, recorder: Recorder) -> None:
    """An event saying why, when this week's allocation is under half of last week's."""
    if w.step == 0:
        return
    before = {k: int(recorder.model[k][w.step - 1]) for k in ("allocated", "ordered", "capacity")}
    now = {k: int(recorder.model[k][w.step]) for k in ("allocated", "ordered", "capacity")}
    if now["allocated"] >= DROP * before["allocated"]:
        return
    if now["capacity"] < DROP * before["capacity"] or now["capacity"] < now["ordered"]:
        why = f"output fell from {before['capacity']:,} to {now['capacity']:,}"
    else:
        why = (
            f"orders fell from {before['ordered']:,} to {now['ordered']:,} "
            "as buyers' needs were met or budgets spent"
        )
    text = f"Allocation fell from {before['allocated']:,} to {now['allocated']:,} GPUs: {why}"
    units = before["allocated"] - now["allocated"]
    p.supplier.ledger.record(
        Event(w.step, EventKind.ALLOCATION_DROP, "Nvidia", units=units, text=text)
    )


def _discrepancy_onsets(w: Week, p: Parties, gap: np.ndarray) -> None:
    """An event when a firm's public statement first drifts beyond tolerance from its bookings."""
    b = p.buyers
    for i in b.discrepancy_onsets(gap):
        name, said = b.traits.names[i], int(b.traits.statement[i])
        booked = said - int(gap[i])
        text = f"{name} says {said:,} GPUs; its bookings imply {booked:,} (friction accrues weekly)"
        event = Event(w.step, EventKind.DISCREPANCY, name, units=int(gap[i]), text=text)
        p.supplier.ledger.record(event)
