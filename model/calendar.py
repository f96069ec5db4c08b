"""Steps are weeks; every step has a calendar date for display (the Monday the week starts)."""

from __future__ import annotations

import datetime as dt

import numpy as np


def week_start(start: dt.date, step: int) -> dt.date:
    """The date on which week `step` (0-based) begins."""
    return start + dt.timedelta(weeks=step)


def week_of(start: dt.date, date: dt.date | str) -> int:
    """The step whose week contains `date` (negative before the start)."""
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    return (date - start).days // 7


def date_labels(start: dt.date, steps: int) -> np.ndarray:
    """ISO date strings for steps 0..steps-1 (numpy array of str)."""
    base = np.datetime64(start, "D")
    return np.datetime_as_string(base + 7 * np.arange(steps), unit="D")
