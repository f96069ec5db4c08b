"""The orchestration floor: `GpuMarket` builds the agents from a validated scenario and runs the
week as its phases. It is the only part of `model/` that imports `agents/`; everything else in
`model/` is records and pure logic that the agents use.

- `market.py`: `GpuMarket`, the Mesa model: the week's phases in order, the three tables.
- `week.py`: `Week`, the scratch record a week's phases pass along.
- `redirects.py`: phase 4, swaps coming due, the owner's requests and the supplier's answers.
- `collect.py`: phase 7, statements, trust, the friction week and the records.
"""

from model.market.market import GpuMarket

__all__ = ["GpuMarket"]
