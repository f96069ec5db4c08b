"""Phase 7 of the week: statements against bookings, trust, the friction week, and the records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model import metrics
from model.records import Event, EventKind

if TYPE_CHECKING:
    from model.market import GpuMarket, Week


def collect_week(m: GpuMarket, w: Week) -> None:
    """Charge statement gaps, update trust, close the friction week and record both tables."""
    b, s = m.buyers, m.supplier
    gap, share = b.discrepancies(m.week, m.config.friction.discrepancy_tolerance)
    s.ledger.charge("discrepancy", float(gap.sum()))
    _discrepancy_onsets(m, gap)
    s.update_trust(share, b.cancelled, w.backlog_before, w.moved_out + w.moved_in)
    friction = s.ledger.close_week()
    value = b.installed * b.traits.value
    debt = np.maximum(0, m.owner.debt)
    m.cost_to_owner_firms += (
        np.minimum(debt, np.maximum(0, b.slots_at(m.week) - b.installed)) * b.traits.value
    )
    spend = w.units * w.prices
    m.lead_time = s.lead_times(b.backlog)
    _record_model(m, w, friction, value, spend)
    m.recorder.record_firms(
        m.week,
        {
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
            "target": b.target_at(m.week),
            "slots": b.slots_at(m.week),
            "in_transit": b.in_transit,
            "backlog": b.backlog,
            "spend_usd": spend,
            "cancelled": b.cancelled,
            "owner_debt": m.owner.debt,
            "owner_cost_usd": m.cost_to_owner_firms,
            "owner_delay_weeks": np.where(b.need > 0, debt / np.maximum(s.rate, 1.0), 0.0),
            "value_usd": value,
            "lead_time_weeks": m.lead_time,
            "price_usd": np.where(w.units > 0, w.prices, w.price),
            "trust": s.trust,
            "multiplier": b.multiplier,
        },
    )


def _record_model(m: GpuMarket, w: Week, friction, value: np.ndarray, spend: np.ndarray) -> None:
    b, s = m.buyers, m.supplier
    allocated = int(w.units.sum())
    active = b.ordered > 0
    fill = w.granted[active] / b.ordered[active]
    m.recorder.record_model(
        m.week,
        {
            "capacity": s.capacity,
            "available": s.available,
            "allocated": allocated,
            "shipped": allocated,
            "delivered": int(w.delivered.sum()),
            "stock": s.stock,
            "price_usd": float(spend.sum() / allocated) if allocated else w.price,
            "ordered": int(b.ordered.sum()),
            "need": int(b.need.sum()),
            "backlog": int(b.backlog.sum()),
            "lead_time_weeks": float(b.backlog.sum() / max(s.capacity, 1))
            + m.config.supply.transit_weeks,
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
            "welfare_usd": float(value.sum()),
            "revenue_usd": float(spend.sum()),
        },
    )


def _discrepancy_onsets(m: GpuMarket, gap: np.ndarray) -> None:
    """An event when a firm's public statement first drifts beyond tolerance from its bookings."""
    b = m.buyers
    for i in np.flatnonzero((gap > 0) & (m.last_gap == 0)):
        name, said = b.traits.names[i], int(b.traits.statement[i])
        booked = said - int(gap[i])
        text = f"{name} says {said:,} GPUs; its bookings imply {booked:,} (friction accrues weekly)"
        m.supplier.ledger.record(
            Event(m.week, EventKind.DISCREPANCY, name, units=int(gap[i]), text=text)
        )
    m.last_gap = gap.astype(float)
