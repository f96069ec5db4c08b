"""Parameter sweeps: a spec (`spec.py`, checked against the scenario's parameter definitions by
`params.py` and `keep.py`) becomes a design table of runs with stable ids (`design.py`); the driver
(`driver.py`) sends chunks of runs (`task.py`) to an executor (`executors.py`: serial, a process
pool whose workers die with the driver (`lifeline.py`), or Dask) and streams each finished chunk to
a folder it alone writes (`store.py`, guarded by `lock.py`; `interrupt.py` turns Ctrl-C and SIGTERM
into a clean stop). `report.py` turns a finished folder into tables (`tables.py`) and plots
(`plots.py`); `cli.py` is `gpu-alloc sweep` and `gpu-alloc report`. A spec's `[calibrate]` table
(`experiments.calibration`) adds each record point's simulated value to the kept metrics.
"""
