"""The recorder on its own: named firms kept, the long tail folded into one row, fill rates,
column types, and the table cache.

Two named firms (A, B) and a long tail of three buyers over two weeks.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from model.calendar import date_labels
from model.recorder import (
    FIRM_COLUMNS,
    FIRM_FLOATS,
    FIRM_MEANS,
    FIRM_SUMS,
    MODEL_COLUMNS,
    MODEL_INTS,
    Recorder,
)
from model.records import Event, EventKind

NAMES = ["A", "B", "Small-1", "Small-2", "Small-3"]
OWNERS = ["Musk", "", "long tail", "long tail", "long tail"]


def recorder(tail: int = 3, weeks: int = 2) -> Recorder:
    dates = date_labels(dt.date(2024, 1, 1), weeks)
    return Recorder(weeks, 2, tail, NAMES[: 2 + tail], OWNERS[: 2 + tail], dates)


def firm_values(step: int, n: int = 5) -> dict[str, np.ndarray]:
    """Every firms column as 10 * step + [1, 2, 3, 4, 5]; ordered, granted and trust set apart."""
    base = 10.0 * step + np.arange(1, n + 1)
    values = {key: base.copy() for key in FIRM_SUMS + FIRM_MEANS}
    values["ordered"] = np.array([10, 0, 4, 0, 6][:n])
    values["granted"] = np.array([5, 0, 1, 0, 2][:n])
    values["trust"] = np.array([0.9, 0.8, 0.2, 0.4, 0.9][:n])
    values["installed"] = np.array([100, 200, 1, 2, 3][:n])
    return values


def model_values(step: int) -> dict[str, float]:
    return {key: float(step * 100 + i) for i, key in enumerate(MODEL_COLUMNS)}


def record(r: Recorder, step: int) -> None:
    r.record_model(step, model_values(step))
    r.record_firms(step, firm_values(step, 2 + r.tail))


def test_named_firms_are_kept_and_the_long_tail_is_one_row() -> None:
    """Tail sums: installed 1 + 2 + 3 = 6, need 3 + 4 + 5 = 12; tail means: trust
    (0.2 + 0.4 + 0.9) / 3 = 0.5, lead time (3 + 4 + 5) / 3 = 4."""
    r = recorder()
    record(r, 0)
    f = r.firms_table()
    assert f.firm.tolist() == ["A", "B", "long tail (3 buyers)"]
    assert f.owner.tolist() == ["Musk", "", "long tail"]
    assert f.installed.tolist() == [100, 200, 6]
    assert f.need.tolist() == [1, 2, 12]
    assert f.trust.tolist() == pytest.approx([0.9, 0.8, 0.5], rel=1e-12)
    assert f.lead_time_weeks.tolist() == [1.0, 2.0, 4.0]


def test_fill_rate_is_granted_over_ordered_and_one_without_orders() -> None:
    """A: 5 / 10; B ordered nothing: 1; the tail: (1 + 0 + 2) / (4 + 0 + 6) = 0.3."""
    r = recorder()
    record(r, 0)
    assert r.firms_table().fill_rate.tolist() == pytest.approx([0.5, 1.0, 0.3], rel=1e-12)


def test_without_a_long_tail_there_is_no_tail_row() -> None:
    r = recorder(tail=0)
    record(r, 0)
    record(r, 1)
    f = r.firms_table()
    assert f.firm.tolist() == ["A", "B", "A", "B"]
    assert f.step.tolist() == [0, 0, 1, 1]
    assert f.date.tolist() == ["2024-01-01"] * 2 + ["2024-01-08"] * 2
    assert f.need.tolist() == [1, 2, 11, 12]


def test_whole_unit_columns_are_int64_and_the_rest_float64() -> None:
    r = recorder()
    record(r, 0)
    model, firms = r.model_table(), r.firms_table()
    assert list(model.columns) == ["step", "date", *MODEL_COLUMNS]
    assert list(firms.columns) == ["step", "date", "firm", "owner", *FIRM_COLUMNS]
    for key in MODEL_COLUMNS:
        assert str(model[key].dtype) == ("int64" if key in MODEL_INTS else "float64"), key
    for key in FIRM_COLUMNS:
        whole = key in FIRM_SUMS and key not in FIRM_FLOATS
        assert str(firms[key].dtype) == ("int64" if whole else "float64"), key
    assert str(model.step.dtype) == str(firms.step.dtype) == "int64"
    assert {"capacity", "allocated", "idle_total"} <= MODEL_INTS
    assert {"price_usd", "friction", "jain_fill"}.isdisjoint(MODEL_INTS)
    assert str(firms.spend_usd.dtype) == "float64" and str(firms.installed.dtype) == "int64"


def test_model_values_are_stored_by_step() -> None:
    r = recorder()
    record(r, 0)
    record(r, 1)
    m = r.model_table()
    assert m.capacity.tolist() == [0, 100]
    assert m.revenue_usd.tolist() == [27.0, 127.0]  # the 28th column
    assert m.date.tolist() == ["2024-01-01", "2024-01-08"]


def test_tables_are_cached_until_a_new_row() -> None:
    r = recorder()
    record(r, 0)
    model, firms = r.model_table(), r.firms_table()
    assert r.model_table() is model and r.firms_table() is firms
    record(r, 1)
    assert len(r.model_table()) == 2 and len(r.firms_table()) == 6
    assert r.model_table() is not model and len(model) == 1


def test_a_firms_row_recorded_after_a_read_shows_up() -> None:
    r = recorder()
    r.record_model(0, model_values(0))
    r.firms_table()  # read between the two halves of the week (e.g. from a callback)
    r.record_firms(0, firm_values(0))
    assert r.firms_table().installed.tolist() == [100, 200, 6]


def test_events_table_has_its_columns_and_types() -> None:
    r = recorder()
    events = [Event(1, EventKind.SWAP, "A", "B", 1_200, 1.2, "text")]
    e = r.events_table(events)
    assert e.to_dict("records") == [
        {
            "step": 1,
            "date": "2024-01-08",
            "kind": "swap",
            "firm": "A",
            "other_firm": "B",
            "units": 1_200,
            "friction": 1.2,
            "text": "text",
        }
    ]
    empty = r.events_table([])
    assert len(empty) == 0 and str(empty.units.dtype) == "int64"
