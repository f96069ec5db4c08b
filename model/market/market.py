"""`GpuMarket`: the Mesa model. Builds the agents from a validated scenario and runs the week as its
phases: produce, plan orders, allocate, reprioritize, ship, deploy, collect."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from agents.buyer import BuyerFirm, Buyers
from agents.owner import Owner
from agents.population import build_buyers
from agents.supplier import Supplier
from model.calendar import date_labels, week_start
from model.concession import CONCESSION
from model.market.collect import collect_week
from model.market.redirects import reprioritize
from model.market.week import Parties, Week
from model.recorder import Recorder
from model.records import Event, EventKind, FirmDecision, MechanismContext
from model.scenario import Scenario, load_scenario


def output_event(step: int, cutting: bool, capacity: int, planned: int, stock: int) -> Event:
    """The supplier starts or stops cutting output to its order book."""
    if cutting:
        text = (
            f"Nvidia cuts output to {capacity:,} GPUs a week (plan {planned:,}): orders fall short "
            f"of output and {stock:,} GPUs are unsold"
        )
    else:
        text = f"Nvidia's output is back to plan: {capacity:,} GPUs a week"
    return Event(step, EventKind.OUTPUT_CUT, "Nvidia", units=planned - capacity, text=text)


class GpuMarket(mesa.Model):
    """Scarce GPU supply among buyer firms, with an owner who redirects chips among his companies.

    `GpuMarket()` runs the built-in `baseline`; `GpuMarket("classroom", seed=3,
    overrides={"market.mechanism": "uniform"})` any other. The week counter is Mesa's `steps`;
    `week` is the number of weeks simulated. The model never writes files or prints.
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
        if steps is not None and steps > config.weeks:  # a longer run is validated as such
            config = load_scenario(config, {"weeks": int(steps)})
        seed = config.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.seed = seed
        self.config = config
        self.weeks = int(steps if steps is not None else config.weeks)
        self.start = dt.date.fromisoformat(config.start_date)
        self.buyers: Buyers = build_buyers(config, self.rng)
        names = self.buyers.traits.names
        self.supplier = Supplier(self, config, self.buyers.n)
        self.owner = Owner(self, config, names)
        self.parties = Parties(self.buyers, self.owner, self.supplier, self.start)
        named = int((~self.buyers.in_tail).sum())
        self.firms = [BuyerFirm(self, self.buyers, i) for i in range(named)]
        self.recorder = Recorder(
            self.weeks,
            named,
            self.buyers.n - named,
            list(names),
            list(self.buyers.traits.owners),
            date_labels(self.start, self.weeks),
        )
        self.running = self.weeks > 0

    @property
    def week(self) -> int:
        """Weeks simulated so far (Mesa's step counter, which a call past the end also bumps)."""
        return min(self.steps, self.weeks)

    def firm(self, name: str) -> BuyerFirm:
        """The named buyer firm (KeyError listing the firms otherwise)."""
        for f in self.firms:
            if f.name == name:
                return f
        raise KeyError(f"no firm {name!r}; firms: {', '.join(f.name for f in self.firms)}")

    # --- the week ----------------------------------------------------------------------------

    def step(self) -> None:
        """One week: produce, plan orders, allocate, reprioritize, ship, deploy, collect."""
        now = self.steps - 1  # Mesa counts this step already
        if now >= self.weeks:
            self.running = False
            return
        w = Week(now)
        self.produce(w)
        self.plan_orders(w)
        self.allocate(w)
        reprioritize(w, self.parties, self.config.supply.transit_weeks)
        self.ship(w)
        self.deploy(w)
        collect_week(w, self.parties, self.recorder, self.config)
        self.running = self.steps < self.weeks

    def run(self, steps: int | None = None) -> GpuMarket:
        """Run `steps` more weeks (default: to the end of the horizon)."""
        end = self.weeks if steps is None else min(self.weeks, self.week + steps)
        while self.week < end:
            self.step()
        return self

    def produce(self, w: Week) -> None:
        s = self.supplier
        was_cutting = s.cutting
        capacity = s.produce(w.step)
        if s.cutting != was_cutting:
            self.supplier.ledger.record(
                output_event(w.step, s.cutting, capacity, s.planned, s.stock)
            )
        for shock in self.supplier.shocks_starting(w.step):
            weeks = shock.end - shock.start
            text = f"{shock.label}: output cut to {shock.factor:.0%} for {weeks} weeks"
            event = Event(w.step, EventKind.SHOCK, "Nvidia", units=capacity, text=text)
            self.supplier.ledger.record(event)

    def plan_orders(self, w: Week) -> None:
        b = self.buyers
        b.in_transit = self.supplier.in_transit()
        b.update_needs(w.step, self.supplier.lead_time)
        w.price = self.quote_price()
        w.backlog_before = b.backlog.copy()
        orders = b.strategy_orders()
        for i, decision in self.decisions(w, orders):
            b.decide(i, decision, orders)
        b.place_orders(w.step, w.price, orders)
        for firm, units in b.cancellations():
            text = f"{firm} cancelled {units:,} units of open orders"
            event = Event(w.step, EventKind.CANCELLATION, firm, units=units, text=text)
            self.supplier.ledger.record(event, "cancel")

    def decisions(self, w: Week, orders: np.ndarray) -> list[tuple[int, FirmDecision]]:
        """Decisions made for firms from outside (their `decider`), this week."""
        out = []
        for f in self.firms:
            if f.decider is not None:
                lead = self.supplier.lead_time[f.index]
                decision = f.decider(f.view(w.step, orders[f.index], lead, w.price))
                if decision is not None:
                    out.append((f.index, decision))
        return out

    def allocate(self, w: Week) -> None:
        b = self.buyers
        alloc, response = self.supplier.allocate(b.ordered, self.context(w))
        b.learn(alloc.units, response)
        w.granted, w.units, w.prices = alloc.units, alloc.units.copy(), alloc.prices
        w.moved_in = np.zeros(b.n, dtype=np.int64)
        w.moved_out = np.zeros(b.n, dtype=np.int64)
        w.shipped_net = np.zeros(b.n, dtype=np.int64)

    def quote_price(self) -> float:
        """This week's list price: need per week it covers, against this week's output."""
        b = self.buyers
        need = float(b.need.sum())
        weeks = float(np.dot(b.need, b.ahead) / need) if need > 0 else 1.0
        return self.supplier.list_price(need, weeks)

    def context(self, w: Week) -> MechanismContext:
        """What the mechanism may see this week."""
        b, m = self.buyers, self.config.market
        soon = b.slots_at(w.step + self.config.supply.transit_weeks)
        deployable = np.maximum(0, soon - b.installed - b.idle - b.in_transit)
        return MechanismContext(
            needs=b.need,
            past=b.past,
            tiers=b.traits.tier,
            deployable=deployable,
            max_price=b.max_price,
            patience=b.traits.patience,
            concession=b.concession,
            list_price=w.price,
            cost_price=m.cost_price_usd,
            readiness_cap=m.readiness_cap,
            seller_concession=CONCESSION[m.seller_concession],
            negotiation_rounds=m.negotiation_rounds,
            rng=self.rng,
        )

    def ship(self, w: Week) -> None:
        self.buyers.book(w.units, w.prices)
        w.delivered = self.supplier.ship(w.units, w.granted)

    def deploy(self, w: Week) -> None:
        b = self.buyers
        w.deployed = b.deploy(w.step, w.delivered)
        b.in_transit = self.supplier.in_transit()
        for i, extra in b.expansions(w.step):
            name = b.traits.names[i]
            text = f"{name}'s data centre can now power {extra:,} more GPUs"
            self.supplier.ledger.record(
                Event(w.step, EventKind.EXPANSION, name, units=extra, text=text)
            )

    # --- tables ------------------------------------------------------------------------------

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
