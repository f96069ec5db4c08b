"""The weekly model end to end: output tables, determinism, conservation of units, events."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.market import GpuMarket
from tests.conftest import finished

MODEL_COLUMNS = [
    "step",
    "date",
    "capacity",
    "allocated",
    "shipped",
    "price_usd",
    "backlog",
    "friction",
    "friction_redirect",
    "friction_reschedule",
    "friction_cancel",
    "friction_discrepancy",
    "friction_refusal",
    "redirected_units",
    "jain_fill",
    "gini_alloc",
    "order_inflation",
    "idle_total",
    "welfare_usd",
]
FIRM_COLUMNS = [
    "step",
    "date",
    "firm",
    "owner",
    "need",
    "ordered",
    "allocated",
    "redirected_in",
    "redirected_out",
    "delivered",
    "deployed",
    "idle",
    "backlog",
    "lead_time_weeks",
    "price_usd",
    "spend_usd",
    "fill_rate",
    "trust",
]
EVENT_COLUMNS = ["step", "date", "kind", "firm", "other_firm", "units", "friction", "text"]


def test_tables_have_the_contract_columns(baseline: GpuMarket) -> None:
    t = baseline.tables()
    assert set(MODEL_COLUMNS) <= set(t["model"].columns)
    assert set(FIRM_COLUMNS) <= set(t["firms"].columns)
    assert list(t["events"].columns) == EVENT_COLUMNS
    assert len(t["model"]) == 104 and len(t["firms"]) == 104 * len(baseline.config.firms)


def test_weeks_carry_calendar_dates(baseline: GpuMarket) -> None:
    dates = pd.to_datetime(baseline.model_table().date)
    assert dates.iloc[0] == pd.Timestamp("2023-10-02")
    assert (dates.diff().dropna() == pd.Timedelta(days=7)).all()
    assert str(baseline.date) == "2025-09-29"  # the week after the last one simulated


def test_same_scenario_and_seed_give_identical_tables() -> None:
    a = GpuMarket("long-tail", steps=30).run()
    b = GpuMarket("long-tail", steps=30).run()
    for name in ("model", "firms", "events"):
        pd.testing.assert_frame_equal(a.tables()[name], b.tables()[name])


def test_the_seed_matters_where_chance_enters() -> None:
    """The long tail's needs are drawn from the model's generator, so another seed changes them."""
    a = GpuMarket("long-tail", steps=5, seed=1).run().model_table()
    b = GpuMarket("long-tail", steps=5, seed=2).run().model_table()
    assert not np.array_equal(a.need.to_numpy(), b.need.to_numpy())


@pytest.mark.parametrize("scenario", ["baseline", "long-tail", "supply-shock", "classroom"])
def test_units_are_conserved_end_to_end(scenario: str) -> None:
    m = finished(scenario)
    assert_conserved(m)


def assert_conserved(m: GpuMarket) -> None:
    """produced = allocated + stock; delivered = deployed + idle increase; nothing negative."""
    model, firms = m.model_table(), m.firms_table()
    assert model.capacity.sum() == model.allocated.sum() + m.supplier.stock
    assert (model.allocated <= model.available).all()
    assert model.allocated.sum() == model.delivered.sum() + m.supplier.in_transit().sum()
    by_firm = firms.pivot(index="step", columns="firm")
    idle = by_firm["idle"].to_numpy()
    idle_before = np.vstack([np.zeros(idle.shape[1]), idle[:-1]])
    np.testing.assert_array_equal(
        by_firm["delivered"].to_numpy(), by_firm["deployed"].to_numpy() + idle - idle_before
    )
    moved = by_firm["redirected_in"].to_numpy() - by_firm["redirected_out"].to_numpy()
    shipped = by_firm["redirected_shipped"].to_numpy()  # redirects of units already on the road
    np.testing.assert_array_equal(
        by_firm["allocated"].to_numpy(), by_firm["granted"].to_numpy() + moved - shipped
    )
    assert (by_firm["granted"].to_numpy() <= by_firm["ordered"].to_numpy()).all()
    numeric = firms.select_dtypes("number").drop(columns=["owner_debt", "redirected_shipped"])
    assert (numeric.to_numpy() >= 0).all()
    assert (model.select_dtypes("number").fillna(0).to_numpy() >= 0).all()


def test_installed_never_exceeds_slots(baseline: GpuMarket) -> None:
    f = baseline.firms_table()
    assert (f.installed <= f.slots).all()


def test_friction_components_add_up(baseline: GpuMarket) -> None:
    d = baseline.model_table()
    parts = d[[c for c in d.columns if c.startswith("friction_") and c != "friction_cum"]].sum(
        axis=1
    )
    np.testing.assert_allclose(d.friction, parts)
    np.testing.assert_allclose(d.friction_cum, d.friction.cumsum())


def test_event_friction_matches_the_redirect_and_reschedule_components(baseline: GpuMarket) -> None:
    d, e = baseline.model_table(), baseline.events_table()
    redirect = e[e.kind.isin(["redirect", "swap"])].groupby("step").friction.sum()
    np.testing.assert_allclose(d.friction_redirect.iloc[redirect.index], redirect.to_numpy())
    repay = e[e.kind == "swap_repay"].groupby("step").friction.sum()
    np.testing.assert_allclose(d.friction_reschedule.iloc[repay.index], repay.to_numpy())


def test_stepping_matches_running(baseline: GpuMarket) -> None:
    m = GpuMarket("baseline")
    for _ in range(10):
        m.step()
    m.run()
    pd.testing.assert_frame_equal(m.model_table(), baseline.model_table())
    assert not m.running and m.steps == 104
    m.step()  # a finished model stays finished: Mesa counts the call, the tables do not change
    assert m.steps == 105 and m.week == 104 and not m.running
    pd.testing.assert_frame_equal(m.model_table(), baseline.model_table())
    pd.testing.assert_frame_equal(m.firms_table(), baseline.firms_table())


def test_steps_shorten_the_horizon() -> None:
    m = GpuMarket("classroom", steps=5).run()
    assert len(m.model_table()) == 5 and m.steps == 5 and not m.running
    assert m.run().steps == 5  # nothing left to run


def test_long_tail_is_one_row_in_the_firms_table() -> None:
    m = finished("long-tail")
    f = m.firms_table()
    assert f.firm.nunique() == len(m.config.firms) + 1 and "long tail (500 buyers)" in set(f.firm)


def test_model_uses_only_its_own_generator() -> None:
    """Global numpy random state is neither used nor disturbed by a run."""
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    GpuMarket("long-tail", steps=3, overrides={"market.mechanism": "negotiation"}).run()
    assert np.array_equal(before, np.random.get_state()[1])
