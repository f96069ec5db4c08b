"""What crosses an agent boundary: small frozen records (orders, allocations, redirects, events).

Agents never reach into each other's fields; they exchange these records. Arrays inside records are
per-buyer vectors indexed like the market's buyer list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

LIST_PRICE_USD = 30_000.0  # the supplier's list price per GPU before any scarcity markup
COST_PRICE_USD = 12_000.0  # the supplier's floor price: it never sells below this


@dataclass(frozen=True, slots=True)
class MechanismContext:
    """Everything an allocation mechanism may look at besides orders and capacity.

    All arrays have one entry per buyer. Fields a mechanism does not use may be left at their
    defaults; `MechanismContext.neutral(n)` builds a neutral context for `n` buyers.
    """

    needs: np.ndarray  # true outstanding need d_i (units)
    past: np.ndarray  # past purchases (units), for turn-and-earn
    tiers: np.ndarray  # strategic tier, 0 = most favoured, for priority
    deployable: np.ndarray  # units the buyer could deploy soon (readiness cap), for priority
    max_price: np.ndarray  # highest unit price the buyer will pay (USD), for auction/negotiation
    patience: np.ndarray  # discount factor per buyer, for negotiation
    concession: np.ndarray  # concession exponent per buyer (Boulware 4, Linear 1, Conceder 0.25)
    list_price: float = LIST_PRICE_USD  # supplier's list price (USD) this week
    cost_price: float = COST_PRICE_USD  # supplier's floor price (USD)
    readiness_cap: bool = False  # priority: never allocate above `deployable`
    seller_concession: float = 4.0  # supplier's concession exponent in negotiations
    negotiation_rounds: int = 20
    service_order: np.ndarray | None = None  # negotiation: order in which buyers are served
    rng: np.random.Generator | None = None  # the market's generator, for tie-breaking orders

    @staticmethod
    def neutral(n: int, **overrides: object) -> MechanismContext:
        """A context for `n` buyers with needs = 0, equal tiers, unlimited readiness, $40k bids."""
        base: dict[str, object] = {
            "needs": np.zeros(n, dtype=np.int64),
            "past": np.zeros(n, dtype=np.int64),
            "tiers": np.zeros(n, dtype=np.int64),
            "deployable": np.full(n, np.iinfo(np.int64).max // 4, dtype=np.int64),
            "max_price": np.full(n, 40_000.0),
            "patience": np.full(n, 0.99),
            "concession": np.full(n, 1.0),
        }
        base.update(overrides)
        return MechanismContext(**base)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Allocation:
    """A mechanism's answer: integer units per buyer and the unit price each pays (USD)."""

    units: np.ndarray  # int64, 0 <= units <= orders, sum <= capacity
    prices: np.ndarray  # float64, unit price per buyer (meaningful where units > 0)
    rounds: np.ndarray | None = None  # negotiation: step at which each agreement was reached


class RedirectSource(StrEnum):
    ALLOCATED = "allocated"  # this week's allocation, not yet shipped
    IN_TRANSIT = "in_transit"  # already shipped, not yet delivered


class Answer(StrEnum):
    ACCEPT = "accept"
    SWAP = "swap"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class RedirectRequest:
    """The owner asks the supplier to move `units` from `donor` to `receiver` (buyer indices)."""

    donor: int
    receiver: int
    units: int
    source: RedirectSource = RedirectSource.ALLOCATED
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FirmView:
    """What one buyer firm knows when it orders: its position and the market's signals."""

    week: int
    firm: str
    need: int  # true outstanding need (units)
    suggested: int  # what its own ordering strategy would order this week
    backlog: int  # open orders on the supplier's book
    installed: int
    idle: int  # delivered, no slot to switch them on
    in_transit: int
    slots: int  # data-centre slots it can power this week
    fill_rate: float  # its recent share of orders filled on time (estimate, 0..1)
    lead_time_weeks: float  # the supplier's quoted lead time
    price_usd: float  # this week's list price
    max_price_usd: float  # its current highest unit price (auction, negotiation)


@dataclass(frozen=True, slots=True)
class FirmDecision:
    """A firm's decision for one week, made from outside the model (a person, a script).

    `order` replaces what its strategy would order (still within its budget); `max_price_usd`
    and `concession` (the exponent p of aspiration 1 - t**p), when given, hold from now on."""

    order: int
    max_price_usd: float | None = None
    concession: float | None = None


class EventKind(StrEnum):
    REDIRECT = "redirect"
    SWAP = "swap"
    SWAP_REPAY = "swap_repay"
    REFUSAL = "refusal"
    CANCELLATION = "cancellation"
    DISCREPANCY = "discrepancy"
    SHOCK = "shock"
    EXPANSION = "expansion"
    OUTPUT_CUT = "output_cut"
    ALLOCATION_DROP = "allocation_drop"


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the event table: something that happened, who was involved, what it cost."""

    step: int
    kind: EventKind
    firm: str
    other_firm: str = ""
    units: int = 0
    friction: float = 0.0
    text: str = ""


@dataclass(slots=True)
class FrictionWeek:
    """Friction accrued in one week, by component (index points)."""

    redirect: float = 0.0
    reschedule: float = 0.0
    cancel: float = 0.0
    discrepancy: float = 0.0
    refusal: float = 0.0

    @property
    def total(self) -> float:
        return self.redirect + self.reschedule + self.cancel + self.discrepancy + self.refusal
