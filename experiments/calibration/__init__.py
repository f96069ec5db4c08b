"""Calibration on the sweep engine: a sweep spec with a `[calibrate]` table (`settings.py`) keeps
each record point's simulated value as a metric of every run, so the runs stream, resume and
survive lost workers exactly as a sweep's do; history matching (`matching.py`) then rules
configurations in or out, `report.py` writes plausible.parquet and the report, `run.py` runs the
waves and `cli.py` is `gpu-alloc calibrate`.
"""
