"""Chinese working days: statutory holidays and 调休 make-up working days.

A payment or a seal use on a non-working day (PAY05, SEL01) is a treasury-monitoring signal, so the
product needs the official calendar, not Monday–Friday: the State Council's annual holiday notice
(国务院办公厅关于放假安排的通知) moves working days onto weekends (调休), so that e.g. Sunday
2024-09-29 was a working day and Wednesday 2024-10-02 was not.

The built-in calendar is the ``chinesecalendar`` package (imported as ``chinese_calendar``), which
covers the years of the notices it ships (2004–2026 at the time of writing). A data set may bring
its own ``calendar`` table (``date``, ``is_workday``, data contract section 1): its rows win over the
package, for local arrangements or years the package does not know yet. For any other date in a
year the package does not cover, the calendar falls back to Monday–Friday and records the year in
:attr:`WorkdayCalendar.assumed_years`, so that a scan can say which years were assumed.

**Fiscal years.** China's budget year is the calendar year (《预算法》第18条); other countries' is not:
the United Kingdom's runs from 1 April, Australia's from 1 July, the United States federal one from
1 October. ``calendar.fiscal_year_start_month`` in params (default 1) sets the month a fiscal year
starts; :func:`fiscal_year` labels a date with **the calendar year in which its fiscal year starts**
(UK 2019/20 — April 2019 to March 2020 — is 2019, as Harrogate's ``budget_year`` is). Note that
the US federal convention labels by the year it ends (FY 2020 starts in October 2019): such data
should state its ``budget_year`` explicitly. :func:`fiscal_month` numbers the months of a fiscal year
1–12, so that "month 12" is always the year's last month (December in China, March in the UK).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import chinese_calendar
import numpy as np
import pandas as pd

__all__ = [
    "WorkdayCalendar",
    "package_years",
    "fiscal_year",
    "fiscal_year_bounds",
    "fiscal_month",
    "fiscal_month_names",
]


def package_years() -> tuple[int, int]:
    """First and last year covered by the installed ``chinesecalendar`` package."""
    years = [d.year for d in chinese_calendar.constants.holidays]
    return min(years), max(years)


def _as_datetime_index(dates: object) -> pd.DatetimeIndex:
    """Any date-like input (Series, array, list, scalar, strings) as a normalised DatetimeIndex."""
    if isinstance(dates, (str, dt.date, pd.Timestamp, np.datetime64)):
        dates = [dates]
    if isinstance(dates, pd.Series):
        dates = dates.to_numpy()
    index = pd.DatetimeIndex(pd.to_datetime(dates))
    if index.tz is not None:
        index = index.tz_localize(None)
    return index.normalize()


_TRUE = frozenset({"true", "1", "yes", "y", "是"})
_FALSE = frozenset({"false", "0", "no", "n", "否"})


def _as_bool(value: object) -> bool:
    """An ``is_workday`` cell as a bool (booleans, 0/1, true/false, yes/no, 是/否)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"calendar: column 'is_workday' expected true or false, got {value!r}")


class WorkdayCalendar:
    """Working days of mainland China, overridable by the data set's ``calendar`` table.

    Parameters
    ----------
    overrides:
        Optional frame with columns ``date`` and ``is_workday`` (bool-like). Each row fixes that
        date; a later row for the same date wins.
    base:
        ``"cn"`` (default): the official calendar of mainland China, statutory holidays and 调休
        make-up working days; ``"weekdays"``: Monday–Friday, for data from elsewhere, whose own
        public holidays come in ``overrides`` (the ``calendar`` table). Set by ``calendar.base`` in
        params.
    """

    BASES = ("cn", "weekdays")

    def __init__(self, overrides: pd.DataFrame | None = None, base: str = "cn") -> None:
        if base not in self.BASES:
            raise ValueError(f"calendar base: expected one of {', '.join(self.BASES)}, got {base!r}")
        self.base = base
        self._overrides: dict[pd.Timestamp, bool] = {}
        if overrides is not None and len(overrides):
            missing = {"date", "is_workday"} - set(overrides.columns)
            if missing:
                raise ValueError(
                    f"calendar: columns {sorted(missing)} are required, got {list(overrides.columns)}"
                )
            dates = _as_datetime_index(overrides["date"])
            for date, flag in zip(dates, overrides["is_workday"], strict=True):
                self._overrides[pd.Timestamp(date)] = _as_bool(flag)
        self._first_year, self._last_year = package_years()
        self._cache: dict[pd.Timestamp, bool] = {}
        self._assumed: set[int] = set()

    @property
    def covered_years(self) -> tuple[int, int]:
        """First and last year for which the official calendar is known."""
        return self._first_year, self._last_year

    @property
    def assumed_years(self) -> list[int]:
        """Years, met so far, for which Monday–Friday was assumed (not covered, not overridden)."""
        return sorted(self._assumed)

    @property
    def overrides(self) -> dict[pd.Timestamp, bool]:
        """The override table as ``{date: is_workday}``."""
        return dict(self._overrides)

    def _one(self, day: pd.Timestamp) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        if self.base == "weekdays":
            value = day.weekday() < 5
        elif self._first_year <= day.year <= self._last_year:
            value = bool(chinese_calendar.is_workday(day.date()))
        else:
            # No official notice known for this year: ordinary Monday–Friday week.
            value = day.weekday() < 5
            self._assumed.add(day.year)
        self._cache[day] = value
        return value

    def is_workday(self, dates: object) -> np.ndarray:
        """Whether each date is a working day, as a boolean array aligned with ``dates``.

        ``dates`` may be a Series, an array, a list of dates / timestamps / ``YYYY-MM-DD`` strings,
        or a single date; times of day are ignored. The calendar is evaluated once per distinct
        date. A missing date (NaT) is not a working day: drop missing dates first where that
        matters.
        """
        index = _as_datetime_index(dates)
        codes, uniques = pd.factorize(index, use_na_sentinel=True)
        flags = np.fromiter((self._one(pd.Timestamp(u)) for u in uniques), dtype=bool, count=len(uniques))
        out = np.zeros(len(index), dtype=bool)
        valid = codes >= 0
        out[valid] = flags[codes[valid]]
        return out

    def is_holiday(self, dates: object) -> np.ndarray:
        """The complement of :meth:`is_workday` (weekends and statutory holidays, make-up days excluded)."""
        index = _as_datetime_index(dates)
        return ~self.is_workday(index) & ~index.isna()

    def workdays(self, start: object, end: object) -> pd.DatetimeIndex:
        """Working days from ``start`` to ``end`` inclusive."""
        days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
        return days[self.is_workday(days)]

    def count_workdays(self, start: object, end: object) -> int:
        """Number of working days from ``start`` to ``end`` inclusive (0 when end < start)."""
        return len(self.workdays(start, end))

    def years_assumed_in(self, years: Iterable[int]) -> list[int]:
        """Which of ``years`` fall outside the official calendar (whether met yet or not)."""
        return sorted({int(y) for y in years if not self._first_year <= int(y) <= self._last_year})


# --------------------------------------------------------------------------------------------------
# Fiscal years
# --------------------------------------------------------------------------------------------------


def _check_start(start_month: int) -> int:
    m = int(start_month)
    if not 1 <= m <= 12:
        raise ValueError(f"fiscal_year_start_month: expected a month 1–12, got {start_month!r}")
    return m


def fiscal_year(dates: object, start_month: int = 1) -> pd.Series | int:
    """The fiscal year of each date: the calendar year in which that fiscal year starts.

    ``dates`` is a Series (answer: an ``Int64`` Series on the same index, missing dates missing) or a
    single date (answer: an int). ``start_month`` 1 (the default) is the calendar year.
    """
    m = _check_start(start_month)
    if isinstance(dates, pd.Series):
        d = pd.to_datetime(dates)
        year = d.dt.year.astype("Int64")
        return year if m == 1 else year - (d.dt.month < m).astype("Int64")
    day = pd.Timestamp(dates)
    return int(day.year - (1 if day.month < m else 0))


def fiscal_year_bounds(year: int, start_month: int = 1) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of fiscal year ``year`` (labelled by the calendar year it starts in)."""
    m = _check_start(start_month)
    first = pd.Timestamp(int(year), m, 1)
    return first, first + pd.DateOffset(years=1) - pd.Timedelta(days=1)


def fiscal_month(dates: object, start_month: int = 1) -> pd.Series | int:
    """The month of the fiscal year, 1–12 (12 = the fiscal year's last month: March for an April start)."""
    m = _check_start(start_month)
    if isinstance(dates, pd.Series):
        month = pd.to_datetime(dates).dt.month.astype("Int64")
        return (month - m) % 12 + 1
    return int((pd.Timestamp(dates).month - m) % 12 + 1)


def fiscal_month_names(months: Iterable[int], start_month: int = 1) -> tuple[str, str]:
    """Chinese and English names of fiscal months (``[11, 12]`` → ``11–12月`` / ``November–December``
    for a calendar year, ``2–3月`` / ``February–March`` for an April start). Consecutive months are
    written as a range, others separated by commas."""
    import calendar as _stdlib_calendar

    m = _check_start(start_month)
    cal = [(int(f) - 1 + m - 1) % 12 + 1 for f in sorted({int(x) for x in months})]
    fiscal = sorted({int(x) for x in months})
    if not cal:
        return "", ""
    if len(cal) > 1 and fiscal == list(range(fiscal[0], fiscal[-1] + 1)):
        zh = f"{cal[0]}–{cal[-1]}月"
        en = f"{_stdlib_calendar.month_name[cal[0]]}–{_stdlib_calendar.month_name[cal[-1]]}"
    else:
        zh = "、".join(f"{c}月" for c in cal)
        en = ", ".join(_stdlib_calendar.month_name[c] for c in cal)
    return zh, en
