"""Working days of the sample's years (statutory holidays and 调休 from ``chinese_calendar``)."""

from __future__ import annotations

from dataclasses import dataclass

import chinese_calendar
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class _Calendar:
    """Working days of 2022-10-01 … 2026-12-31 from ``chinese_calendar`` (statutory holidays, 调休)."""

    days: np.ndarray  # datetime64[D] of every working day, ascending
    month_start: np.ndarray  # index into ``days`` of the first working day of each (year, month)
    month_count: np.ndarray  # number of working days of each (year, month)
    first_year: int

    @classmethod
    def build(cls) -> _Calendar:
        first_year = 2022
        all_days = pd.date_range(f"{first_year}-01-01", "2026-12-31", freq="D")
        work = np.array([chinese_calendar.is_workday(d.date()) for d in all_days])
        days = all_days[work].values.astype("datetime64[D]")
        ym = (all_days[work].year - first_year) * 12 + all_days[work].month - 1
        n_months = (2026 - first_year + 1) * 12
        count = np.bincount(ym, minlength=n_months)
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        return cls(days, start, count, first_year)

    def month_index(self, year: np.ndarray | int, month0: np.ndarray | int) -> np.ndarray:
        return (np.asarray(year) - self.first_year) * 12 + np.asarray(month0)

    def random_day(self, rng: np.random.Generator, year: np.ndarray, month0: np.ndarray) -> np.ndarray:
        """A uniformly drawn working day in each (year, month)."""
        mi = self.month_index(year, month0)
        k = (rng.random(len(mi)) * self.month_count[mi]).astype(np.int64)
        return self.days[self.month_start[mi] + k]

    def on_or_after(self, d: np.ndarray) -> np.ndarray:
        """The first working day on or after each date."""
        idx = np.searchsorted(self.days, np.asarray(d, dtype="datetime64[D]"))
        return self.days[np.minimum(idx, len(self.days) - 1)]

    def add_workdays(self, d: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        idx = np.searchsorted(self.days, np.asarray(d, dtype="datetime64[D]")) + np.asarray(n)
        return self.days[np.clip(idx, 0, len(self.days) - 1)]

    def is_workday(self, d: np.ndarray) -> np.ndarray:
        d = np.asarray(d, dtype="datetime64[D]")
        idx = np.searchsorted(self.days, d)
        idx = np.minimum(idx, len(self.days) - 1)
        return self.days[idx] == d
