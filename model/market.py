"""`GpuMarket`: the Mesa model. Builds the agents from a validated scenario and runs the week as its
phases: produce, plan orders, allocate, reprioritize, ship, deploy, collect."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from agents.buyer import BuyerFirm, Buyers
from agents.owner import Owner
from agents.population import LONG_TAIL_OWNER, build_buyers
from agents.supplier import Supplier
from model.calendar import date_labels, week_start
from model.collect import collect_week
from model.config import CONCESSION_EXPONENT as CONCESSION
from model.recorder import Recorder
from model.records import (
    Event,
    EventKind,
    MechanismContext,
)
from model.reprioritize import SwapDebt, reprioritize
from model.scenario import Scenario, load_scenario


@dataclass(slots=True)
class Week:
    """Scratch state of the week being simulated, passed from phase to phase."""

    price: float = 0.0
    backlog_before: np.ndarray | None = None  # open orders before this week's changes
    granted: np.ndarray | None = None  # the mechanism's allocation
    units: np.ndarray | None = None  # allocation after redirects and swap repayments
    prices: np.ndarray | None = None
    moved_in: np.ndarray | None = None
    moved_out: np.ndarray | None = None
    shipped_net: np.ndarray | None = None  # net units received through redirects of shipped units
    refused: int = 0
    delivered: np.ndarray | None = None
    deployed: np.ndarray | None = None


class GpuMarket(mesa.Model):
    """Scarce GPU supply among buyer firms, with an owner who redirects chips among his companies.

    `GpuMarket()` runs the built-in `baseline`; `GpuMarket("classroom", seed=3,
    overrides={"market.mechanism": "uniform"})` any other. The model never writes files or prints.
    """

    def __init__(
        self,
        scenario: str | Path | Scenario = "baseline",
        *,
        seed: int | None = None,
        overrides: dict[str, Any] | None = None,
        steps: int | None = None,
    ) -> None:
        config = load_scenario(scenario, overrides)
        seed = config.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.seed = seed
        self.config = config
        self.weeks = int(steps if steps is not None else config.weeks)
        self.start = dt.date.fromisoformat(config.start_date)
        self.week = 0
        self.buyers: Buyers = build_buyers(config, self.rng)
        names = self.buyers.traits.names
        self.supplier = Supplier(self, config, self.buyers.n)
        self.owner = Owner(self, config, names)
        self.firms = [BuyerFirm(self, self.buyers, i) for i in range(self.buyers.n)]
        self.swap_debts: list[SwapDebt] = []
        self.cost_to_owner_firms = np.zeros(self.buyers.n)
        named = sum(1 for o in self.buyers.traits.owners if o != LONG_TAIL_OWNER)
        self.recorder = Recorder(
            self.weeks,
            named,
            self.buyers.n - named,
            list(names),
            list(self.buyers.traits.owners),
            date_labels(self.start, self.weeks),
        )
        self.lead_time = np.full(self.buyers.n, float(config.market.horizon_weeks))
        self.last_gap = np.zeros(self.buyers.n)
        self.last_slots = self.buyers.slots_at(0).copy()
        self.running = self.weeks > 0

    # --- the week ---------------------------------------------------------------------------------

    def step(self) -> None:
        """One week: produce, plan orders, allocate, reprioritize, ship, deploy, collect."""
        if self.week >= self.weeks:
            self.running = False
            return
        w = Week()
        self.produce()
        self.plan_orders(w)
        self.allocate(w)
        self.reprioritize(w)
        self.ship(w)
        self.deploy(w)
        self.collect(w)
        self.week += 1
        self.running = self.week < self.weeks

    def run(self, steps: int | None = None) -> GpuMarket:
        """Run `steps` more weeks (default: to the end of the horizon)."""
        end = self.weeks if steps is None else min(self.weeks, self.week + steps)
        while self.week < end:
            self.step()
        return self

    def produce(self) -> None:
        capacity = self.supplier.produce(self.week)
        for shock in self.supplier.shocks_starting(self.week):
            self.supplier.ledger.record(
                Event(
                    self.week,
                    EventKind.SHOCK,
                    "Nvidia",
                    units=capacity,
                    text=(
                        f"{shock.label}: output cut to {shock.factor:.0%} "
                        f"for {shock.end - shock.start} weeks"
                    ),
                )
            )

    def plan_orders(self, w: Week) -> None:
        b = self.buyers
        b.in_transit = self.supplier.in_transit()
        b.update_needs(self.week, self.lead_time)
        w.price = self.quote_price()
        w.backlog_before = b.backlog.copy()
        b.plan_orders(self.week, w.price)
        for event in b.cancellation_events(self.week, self.config.friction.cancel):
            self.supplier.ledger.record(event, "cancel")

    def allocate(self, w: Week) -> None:
        b = self.buyers
        alloc, response = self.supplier.allocate(b.ordered, self.context(w.price))
        b.learn(alloc.units, response)
        w.granted, w.units, w.prices = alloc.units, alloc.units.copy(), alloc.prices
        w.moved_in = np.zeros(b.n, dtype=np.int64)
        w.moved_out = np.zeros(b.n, dtype=np.int64)
        w.shipped_net = np.zeros(b.n, dtype=np.int64)

    def quote_price(self) -> float:
        """This week's list price: the buyers' need per week it covers against this week's
        supply."""
        b = self.buyers
        need = float(b.need.sum())
        weeks = float(np.dot(b.need, b.ahead) / need) if need > 0 else 1.0
        return self.supplier.list_price(need, weeks)

    def context(self, price: float) -> MechanismContext:
        """What the mechanism may see this week."""
        b, m = self.buyers, self.config.market
        t = b.traits
        soon = b.slots_at(self.week + self.config.supply.transit_weeks)
        deployable = np.maximum(0, soon - b.installed - b.idle - b.in_transit)
        order = None
        if m.mechanism == "negotiation":
            order = np.lexsort((self.rng.permutation(b.n), t.tier))
        return MechanismContext(
            needs=b.need,
            past=b.past,
            tiers=t.tier,
            deployable=deployable,
            max_price=t.max_price,
            patience=t.patience,
            concession=t.concession,
            list_price=price,
            cost_price=m.cost_price_usd,
            readiness_cap=m.readiness_cap,
            seller_concession=CONCESSION[m.seller_concession],
            negotiation_rounds=m.negotiation_rounds,
            service_order=order,
        )

    def reprioritize(self, w: Week) -> None:
        reprioritize(self, w)

    def ship(self, w: Week) -> None:
        self.buyers.book(w.units, w.prices)
        w.delivered = self.supplier.ship(w.units, w.granted)

    def deploy(self, w: Week) -> None:
        b = self.buyers
        w.deployed = b.deploy(self.week, w.delivered)
        b.in_transit = self.supplier.in_transit()
        self.expansion_events()

    def expansion_events(self) -> None:
        b = self.buyers
        now = b.slots_at(self.week)
        grew = np.flatnonzero(
            (now > self.last_slots) & (np.asarray(b.traits.owners) != LONG_TAIL_OWNER)
        )
        for i in grew:
            extra = int(now[i] - self.last_slots[i])
            self.supplier.ledger.record(
                Event(
                    self.week,
                    EventKind.EXPANSION,
                    b.traits.names[i],
                    units=extra,
                    text=f"{b.traits.names[i]}'s data centre can now power {extra:,} more GPUs",
                )
            )
        self.last_slots = now.copy()

    # --- phase 7: trust, friction, data --------------------------------------------------------

    def collect(self, w: Week) -> None:
        collect_week(self, w)

    # --- tables ---------------------------------------------------------------------------------

    @property
    def date(self) -> dt.date:
        """Calendar date of the next week to simulate."""
        return week_start(self.start, self.week)

    @property
    def events(self) -> list[Event]:
        return self.supplier.ledger.events

    def model_table(self) -> pd.DataFrame:
        return self.recorder.model_table()

    def firms_table(self) -> pd.DataFrame:
        return self.recorder.firms_table()

    def events_table(self) -> pd.DataFrame:
        return self.recorder.events_table(self.events)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The three output tables: model (per week), firms (per week per firm), events."""
        return {
            "model": self.model_table(),
            "firms": self.firms_table(),
            "events": self.events_table(),
        }
