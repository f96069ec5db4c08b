"""Decisions made from outside the model: the owner's redirects and the supplier's answers.

A person in a classroom room plays the owner or Nvidia through these hooks, the same interface
the policies and the answer rule use; None hands the decision back to them.
"""

from __future__ import annotations

from model.market import GpuMarket
from model.policies import OwnerView
from model.records import Answer, RedirectRequest

NO_POLICY = {"owner.policy": "none", "owner.actions": [], "owner.start": ""}


def test_an_owner_decider_asks_every_week_and_its_requests_are_answered() -> None:
    """Move 1,500 units from Tesla to X each week (local positions of the owner's firms)."""
    m = GpuMarket("baseline", overrides={**NO_POLICY, "supplier.redirect_answer": "accept"})
    tesla, x = m.owner.firm_names.index("Tesla"), m.owner.firm_names.index("X")
    seen: list[OwnerView] = []

    def decide(view: OwnerView) -> list[tuple[int, int, int]]:
        seen.append(view)
        return [(tesla, x, 1_500)]

    m.owner.decider = decide
    m.run(3)
    assert len(seen) == 3  # every week, though the policy is none and reviews are monthly
    e = m.events_table()
    moves = e[(e.kind == "redirect") & (e.firm == "Tesla") & (e.other_firm == "X")]
    assert moves.step.tolist() == [0, 1, 2]
    f = m.firms_table()
    tesla_rows = f[f.firm == "Tesla"]
    # Tesla gets under 1,500 a week and has nothing on the road yet, so all of it moves
    assert (tesla_rows.granted < 1_500).all()
    assert moves.units.tolist() == tesla_rows.granted.tolist() == tesla_rows.redirected_out.tolist()
    assert (tesla_rows.allocated == 0).all()


def test_an_owner_decider_returning_none_leaves_the_policy_to_decide() -> None:
    plain = GpuMarket("baseline").run(30).events_table()
    m = GpuMarket("baseline")
    m.owner.decider = lambda view: None
    m.run(30)
    got = m.events_table()
    policy = plain[plain.kind.isin(["redirect", "swap"])]
    assert got[got.kind.isin(["redirect", "swap"])].to_dict("records") == policy.to_dict("records")


def test_a_supplier_answerer_decides_each_request() -> None:
    """Nvidia refuses every request from outside: the owner's moves become refusals."""
    m = GpuMarket("baseline")
    asked: list[RedirectRequest] = []

    def refuse(request: RedirectRequest) -> Answer:
        asked.append(request)
        return Answer.REFUSE

    m.supplier.answerer = refuse
    m.run()
    e = m.events_table()
    assert len(asked) > 0
    assert not e.kind.isin(["redirect", "swap", "swap_repay"]).any()
    assert (e.kind == "refusal").sum() > 0
    assert m.model_table().refused_requests.sum() == (e.kind == "refusal").sum()


def test_a_supplier_answerer_returning_none_keeps_the_rule() -> None:
    plain = GpuMarket("baseline").run().events_table()
    m = GpuMarket("baseline")
    m.supplier.answerer = lambda request: None
    assert m.run().events_table().equals(plain)
