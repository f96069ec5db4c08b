"""Benchmarks: `gpu-alloc bench` (`cli.py`) runs the sections in order (`harness.py`): whole model
runs, growth with the number of buyers and the allocation phase against a plain-numpy floor
(`market.py`, `floor.py`), negotiations against NegMAS (`negotiation.py`), sweeps through every
executor against Mesa's batch_run and the driver's memory (`sweeps.py`, each in a fresh process).
`common.py` times by medians and describes the machine; `report.py` renders the figures and goals.
"""
