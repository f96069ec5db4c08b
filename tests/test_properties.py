"""Property tests over random scenarios: units are conserved and nothing goes negative, whatever the
mechanism, ordering strategy, owner policy, supplier answer, shipping delay or supply."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.market import GpuMarket
from model.scenario import (
    ANSWER_CHOICES,
    MECHANISM_CHOICES,
    ORDERING_CHOICES,
    POLICY_CHOICES,
)
from tests.test_market import assert_conserved

random_overrides = st.fixed_dictionaries(
    {
        "market.mechanism": st.sampled_from(MECHANISM_CHOICES),
        "market.ordering": st.sampled_from(("scenario", *ORDERING_CHOICES)),
        "owner.policy": st.sampled_from(POLICY_CHOICES),
        "owner.review_weeks": st.integers(1, 6),
        "owner.min_units": st.integers(0, 3_000),
        "owner.in_transit": st.booleans(),
        "supplier.redirect_answer": st.sampled_from(ANSWER_CHOICES),
        "supplier.swap_delay_weeks": st.integers(0, 10),
        "supply.scale": st.floats(0.0, 3.0),
        "supply.transit_weeks": st.integers(0, 6),
        "market.readiness_cap": st.booleans(),
        "long_tail.count": st.integers(0, 30),
        "firms.Tesla.ready_shift_weeks": st.integers(-30, 30),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=random_overrides, seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 30))
def test_random_classroom_runs_conserve_units(overrides: dict, seed: int, steps: int) -> None:
    m = GpuMarket("classroom", seed=seed, steps=steps, overrides=overrides).run()
    assert_conserved(m)
    model = m.model_table()
    assert (model.allocated <= model.available).all()
    assert model.jain_fill.between(0, 1 + 1e-12).all()
    assert model.gini_alloc.between(0, 1).all()
