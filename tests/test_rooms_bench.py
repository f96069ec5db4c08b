"""The room benchmark's harness on a small class (two students, one round): it runs and reports
what it says it measures. The figures themselves come from `python -m experiments.bench.rooms`."""

from __future__ import annotations

import pytest

from tests.app_helpers import chromium_path, ensure_assets

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_room_benchmark_harness(capsys):
    chromium_path()  # skips politely without chromium (fails under CI=true)
    pytest.importorskip("playwright.sync_api")
    ensure_assets()
    from experiments.bench.rooms import bench_rooms

    out = bench_rooms(students=2, rounds=1)
    a = out["advance_to_screen_ms"]
    assert out["students"] == 2 and 0 < a["min"] <= a["median"] <= a["p95"] <= a["max"] < 60_000
    assert out["server_rss_mb"]["after_joins"] > 0
    assert "Advance -> new week on screen" in capsys.readouterr().out
