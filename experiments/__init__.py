"""Uses of the model outside the app: the `gpu-alloc` command line (`cli.py`, with the helpers every
subcommand shares in `cli_common.py`), headless runs that write the three tables (`runner.py`),
parameter sweeps and their reports (`sweeps/`) and benchmarks (`bench/`). Nothing here changes the
model; everything here reaches it through `GpuMarket` and the scenario loader.
"""
