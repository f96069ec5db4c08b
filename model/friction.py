"""The friction ledger: every redirect, reschedule, cancellation, statement gap and refusal costs
index points, kept by component, with the events that caused them.

Friction index for week t:  F_t = w_r R_t + w_s S_t + w_c C_t + w_d D_t + w_f N_t
where R, S, C, D are thousands of units redirected, rescheduled (swap repayments), cancelled and of
statement gap (above tolerance), and N is the number of refused requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from model.config import Friction
from model.records import Event, FrictionWeek

COMPONENTS = ("redirect", "reschedule", "cancel", "discrepancy", "refusal")
UNITS = 1_000.0  # the weights are points per this many units (refusals: per request)


@dataclass(slots=True)
class FrictionLedger:
    """Accumulates this week's friction by component and keeps every event."""

    weights: Friction
    week: FrictionWeek = field(default_factory=FrictionWeek)
    events: list[Event] = field(default_factory=list)
    cumulative: float = 0.0

    def cost(self, component: str, amount: float) -> float:
        """Friction points of `amount` (units, or a count of refusals) of one component."""
        weight = getattr(self.weights, component)
        return weight * (amount if component == "refusal" else amount / UNITS)

    def charge(self, component: str, amount: float) -> float:
        """Add the friction of `amount` to this week's `component`; returns the points."""
        points = self.cost(component, amount)
        setattr(self.week, component, getattr(self.week, component) + points)
        return points

    def record(self, event: Event, component: str | None = None) -> Event:
        """Keep an event; with `component`, charge its units (a refusal: one request) to that
        component and return the event with its friction set."""
        if component is not None:
            amount = 1 if component == "refusal" else event.units
            event = replace(event, friction=self.charge(component, amount))
        self.events.append(event)
        return event

    def close_week(self) -> FrictionWeek:
        """This week's friction; starts a new week."""
        done, self.week = self.week, FrictionWeek()
        self.cumulative += done.total
        return done
