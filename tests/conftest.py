"""Shared fixtures: finished runs of the built-in scenarios, computed once per test session."""

from __future__ import annotations

import functools

import pytest

from model.market import GpuMarket


@functools.cache
def finished(scenario: str, seed: int | None = None, **overrides: object) -> GpuMarket:
    """A finished run, cached: tests must not mutate it."""
    return GpuMarket(scenario, seed=seed, overrides=dict(overrides) or None).run()


@pytest.fixture(scope="session")
def baseline() -> GpuMarket:
    return finished("baseline")


@pytest.fixture(scope="session")
def no_redirect() -> GpuMarket:
    return finished("no-redirect")


@pytest.fixture
def mgr(monkeypatch, tmp_path):
    """The pages' rooms: a fresh manager (stored in the test's folder, a clock that moves only
    when told) in place of the process's shared one."""
    import server.rooms.manager as manager_module
    from server.rooms import RoomManager
    from server.rooms.clock import FakeClock

    m = RoomManager(tmp_path, FakeClock())
    monkeypatch.setattr(manager_module, "_shared", m)
    yield m
    m.close()
