"""The negotiation mechanism: buyers are served in turn, each negotiating its unit price with the
supplier by alternating offers (the engine is `model.negotiation`).

Buyers are served by tier; within a tier in an order drawn from the context's generator (the
market's), so no buyer is always first. A buyer that agrees gets min(order, what is left).
"""

from __future__ import annotations

import numpy as np

from model.negotiation import Party, falling, negotiate_batch, rising
from model.records import Allocation, MechanismContext

PRICE_LEVELS = 101  # price grid size: integer-dollar prices from the floor to the top price


def price_parties(ctx: MechanismContext) -> tuple[np.ndarray, Party, Party]:
    """Each buyer's price grid and both parties: seller from cost up, buyer below its max price.

    The grid has PRICE_LEVELS integer-dollar prices from ``cost_price`` to the larger of
    ``list_price`` and the buyer's ``max_price``; the seller's utility rises from 0 at cost, the
    buyer's falls from 1 at cost to 0 at its max price (dearer prices are irrational to it).
    """
    max_price = np.asarray(ctx.max_price, dtype=float)
    top = np.maximum(ctx.list_price, max_price)
    prices = np.round(np.linspace(ctx.cost_price, top, PRICE_LEVELS, axis=1))
    spare = ctx.cost_price + 1.0  # stands in for a bound at or below cost; such rows never trade
    seller_top = np.where(top > ctx.cost_price, top, spare)[:, None]
    ceiling = np.where(max_price > ctx.cost_price, max_price, spare)[:, None]
    seller = Party("seller", rising(prices, ctx.cost_price, seller_top), ctx.seller_concession)
    buyer = Party(
        "buyer", falling(prices, ctx.cost_price, ceiling), ctx.concession, 0.0, ctx.patience
    )
    return prices, seller, buyer


def allocate_by_negotiation(orders: np.ndarray, capacity: int, ctx: MechanismContext) -> Allocation:
    """Serve buyers in ``ctx.service_order`` (default: by tier, within a tier in an order drawn
    from ``ctx.rng``, else by index); each negotiates a price.

    With an agreement a buyer gets min(order, remaining capacity) at the agreed price. A buyer
    with no order, no surplus (max price <= cost) or no capacity left does not trade: its price
    is 0 and its round -1.
    """
    q = np.asarray(orders, dtype=np.int64)
    n = q.size
    if n == 0:
        return Allocation(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
    order = _service_order(ctx, n)
    prices, seller, buyer = price_parties(ctx)
    deals = negotiate_batch(prices, seller, buyer, ctx.negotiation_rounds)
    feasible = (q > 0) & (np.asarray(ctx.max_price) > ctx.cost_price) & (deals.round >= 0)
    wanted = np.where(feasible, q, 0)[order]
    granted = np.clip(capacity - (np.cumsum(wanted) - wanted), 0, wanted)
    units = np.zeros(n, dtype=np.int64)
    units[order] = granted
    sold = units > 0
    return Allocation(
        units=units,
        prices=np.where(sold, deals.price, 0.0),
        rounds=np.where(sold, deals.round, -1),
    )


def _service_order(ctx: MechanismContext, n: int) -> np.ndarray:
    """The order buyers are served in, checked to be a permutation of 0..n-1."""
    if ctx.service_order is None:
        within = np.arange(n) if ctx.rng is None else ctx.rng.permutation(n)
        return np.lexsort((within, np.asarray(ctx.tiers)))
    order = np.asarray(ctx.service_order, dtype=np.int64)
    if not np.array_equal(np.sort(order), np.arange(n)):
        raise ValueError("service_order must be a permutation of the buyer indices")
    return order
