"""A round played through the model's decision hooks: the seats' logged decisions become a
firm's `decider`, the owner's `decider` and Nvidia's `answerer` for the round's weeks, and are
removed again afterwards, so between rounds the model holds no reference to the room.

A seat with no decision in the log gets no hook: its agent (strategy, policy, rule) decides, as in
a run with no room at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from model.concession import CONCESSION
from model.market import GpuMarket
from model.policies import OwnerView
from model.records import Answer, FirmDecision, FirmView, RedirectRequest
from server.rooms.seats import FIRM_PREFIX, NVIDIA, OWNER


class HeldOrder:
    """A firm's decision, held for every week of the round."""

    def __init__(self, decision: FirmDecision) -> None:
        self.decision = decision

    def __call__(self, view: FirmView) -> FirmDecision:
        return self.decision


class OwnerTransfers:
    """The owner's redirects for the round's first week (positions among the owner's firms)."""

    def __init__(self, transfers: list[tuple[int, int, int]]) -> None:
        self.transfers = transfers

    def __call__(self, view: OwnerView) -> list[tuple[int, int, int]]:
        return list(self.transfers)


class PairAnswers:
    """Nvidia's answer per (donor, receiver) pair of buyer indices; other pairs: its rule."""

    def __init__(self, answers: dict[tuple[int, int], Answer]) -> None:
        self.answers = answers

    def __call__(self, request: RedirectRequest) -> Answer | None:
        return self.answers.get((request.donor, request.receiver))


def firm_decision(payload: Mapping[str, Any]) -> FirmDecision:
    concession = payload.get("concession")
    return FirmDecision(
        order=int(payload["order"]),
        max_price_usd=payload.get("max_price_usd"),
        concession=None if concession is None else CONCESSION[concession],
    )


def owner_transfers(m: GpuMarket, decisions: Mapping[str, Any], injected: list) -> list | None:
    """The owner's transfers this round in positions, the teacher's injected requests after his
    own; None when neither the owner's seat nor the teacher decided (his policy decides)."""
    mine = decisions.get(OWNER)
    if mine is None and not injected:
        return None
    names = m.owner.firm_names
    lines = [*(mine or {}).get("transfers", []), *injected]
    return [(names.index(d), names.index(r), int(u)) for d, r, u in lines]


def nvidia_answers(m: GpuMarket, decisions: Mapping[str, Any]) -> dict | None:
    mine = decisions.get(NVIDIA)
    if mine is None:
        return None
    names = m.buyers.traits.names
    out = {}
    for pair, answer in mine.get("answers", {}).items():
        donor, receiver = pair.split(">")
        out[(names.index(donor), names.index(receiver))] = Answer(answer)
    return out


def play_round(m: GpuMarket, decisions: Mapping[str, Any], injected: list, weeks: int) -> int:
    """Step `m` up to `weeks` weeks with the round's decisions; returns the weeks simulated."""
    for seat, payload in decisions.items():
        if seat.startswith(FIRM_PREFIX):
            m.firm(seat.removeprefix(FIRM_PREFIX)).decider = HeldOrder(firm_decision(payload))
    transfers = owner_transfers(m, decisions, injected)
    answers = nvidia_answers(m, decisions)
    if transfers is not None:
        m.owner.decider = OwnerTransfers(transfers)
    if answers is not None:
        m.supplier.answerer = PairAnswers(answers)
    played = 0
    try:
        while played < weeks and m.running:
            m.step()
            played += 1
            m.owner.decider = None  # redirects are asked for once, in the round's first week
    finally:
        for f in m.firms:
            f.decider = None
        m.owner.decider = None
        m.supplier.answerer = None
    return played
