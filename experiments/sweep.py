"""`experiments.sweep.run_sweep`, the documented way to run a sweep from Python; the sweep itself
lives in `experiments.sweeps` (see `experiments/sweeps/driver.py`)."""

from experiments.sweeps.driver import SweepResult, run_sweep, spec_info
from experiments.sweeps.errors import SweepError, SweepInterrupted

__all__ = ["SweepError", "SweepInterrupted", "SweepResult", "run_sweep", "spec_info"]
