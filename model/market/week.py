"""What the week's phases pass along: the agents taking part, and the week's scratch numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from agents.buyer import Buyers
from agents.owner import Owner
from agents.supplier import Supplier
from model.calendar import week_start


@dataclass(frozen=True, slots=True)
class Parties:
    """The agents of the market: the buyers, their owner and the supplier."""

    buyers: Buyers
    owner: Owner
    supplier: Supplier
    start: dt.date  # the run's first week, for dates in event texts

    def calendar(self, week: int) -> dt.date:
        """The first day of a week of the run."""
        return week_start(self.start, week)


def _zeros() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass(slots=True)
class Week:
    """One week's numbers as the phases produce them (per-buyer arrays, buyer order)."""

    step: int  # index of the week, 0 first
    price: float = 0.0  # this week's list price
    backlog_before: np.ndarray = field(default_factory=_zeros)  # open orders before this week
    granted: np.ndarray = field(default_factory=_zeros)  # the mechanism's allocation
    units: np.ndarray = field(default_factory=_zeros)  # after redirects and swap repayments
    prices: np.ndarray = field(default_factory=_zeros)  # unit price each buyer pays
    moved_in: np.ndarray = field(default_factory=_zeros)
    moved_out: np.ndarray = field(default_factory=_zeros)
    shipped_net: np.ndarray = field(default_factory=_zeros)  # net units of redirected shipments
    refused: int = 0  # refused redirect requests
    delivered: np.ndarray = field(default_factory=_zeros)
    deployed: np.ndarray = field(default_factory=_zeros)
