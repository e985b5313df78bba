"""Chinese working-day calendar: statutory holidays, 调休 make-up days, overrides."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fiscalrisk.calendar import WorkdayCalendar


def test_national_day_holiday_is_not_a_working_day() -> None:
    assert not WorkdayCalendar().is_workday(["2024-10-02"])[0]


def test_sunday_make_up_day_is_a_working_day() -> None:
    assert pd.Timestamp("2024-09-29").day_name() == "Sunday"
    assert WorkdayCalendar().is_workday(["2024-09-29"])[0]


def test_saturday_make_up_day_in_2026_is_a_working_day() -> None:
    assert pd.Timestamp("2026-10-10").day_name() == "Saturday"
    assert WorkdayCalendar().is_workday([dt.date(2026, 10, 10)])[0]


def test_override_flips_a_day() -> None:
    overrides = pd.DataFrame(
        {"date": pd.to_datetime(["2024-10-02", "2024-10-08"]), "is_workday": [True, False]}
    )
    cal = WorkdayCalendar(overrides)
    assert cal.is_workday(["2024-10-02", "2024-10-08"]).tolist() == [True, False]
    assert WorkdayCalendar().is_workday(["2024-10-08"]).tolist() == [True]


def test_vectorised_over_a_series_with_times_and_repeats() -> None:
    dates = pd.Series(pd.to_datetime(["2024-10-02 09:30", "2024-10-02 18:00", "2024-10-09 10:00", None]))
    out = WorkdayCalendar().is_workday(dates)
    assert isinstance(out, np.ndarray) and out.dtype == bool
    assert out.tolist() == [False, False, True, False]


def test_years_beyond_the_package_fall_back_to_monday_to_friday() -> None:
    cal = WorkdayCalendar()
    first, last = cal.covered_years
    assert first <= 2004 and last >= 2026
    later = last + 1
    monday = pd.Timestamp(f"{later}-01-01") + pd.offsets.Week(weekday=0)
    out = cal.is_workday([monday, monday + pd.Timedelta(days=5)])
    assert out.tolist() == [True, False]
    assert cal.assumed_years == [later]


def test_overridden_dates_do_not_count_as_assumed() -> None:
    cal = WorkdayCalendar(pd.DataFrame({"date": ["2030-01-01"], "is_workday": [False]}))
    assert cal.is_workday(["2030-01-01"]).tolist() == [False]
    assert cal.assumed_years == []


def test_spring_festival_week_has_no_working_days() -> None:
    cal = WorkdayCalendar()
    assert cal.count_workdays("2025-01-28", "2025-02-04") == 0
    assert cal.count_workdays("2025-01-26", "2025-01-26") == 1  # Sunday make-up day


def test_override_flags_may_be_text_from_a_csv() -> None:
    cal = WorkdayCalendar(pd.DataFrame({"date": ["2024-10-03"], "is_workday": ["是"]}))
    assert cal.is_workday(["2024-10-03"]).tolist() == [True]


def test_weekdays_base_ignores_chinese_holidays_but_keeps_overrides() -> None:
    """For foreign data: Monday–Friday, with the data's own holidays from the calendar table."""
    overrides = pd.DataFrame({"date": pd.to_datetime(["2019-12-25"]), "is_workday": [False]})
    cal = WorkdayCalendar(overrides, base="weekdays")
    flags = cal.is_workday(pd.to_datetime(["2024-10-02", "2024-09-29", "2019-12-25", "2019-12-24"]))
    assert flags.tolist() == [True, False, False, True]
    with pytest.raises(ValueError, match="weekdays"):
        WorkdayCalendar(None, base="uk")


# ---------------------------------------------------------------------------------------- fiscal years
def test_fiscal_year_is_labelled_by_the_calendar_year_it_starts_in() -> None:
    from fiscalrisk.calendar import fiscal_month, fiscal_year, fiscal_year_bounds

    dates = pd.Series(pd.to_datetime(["2019-04-01", "2019-12-31", "2020-03-31", "2020-04-01"]))
    assert fiscal_year(dates, 4).tolist() == [2019, 2019, 2019, 2020]  # UK 2019/20 is 2019
    assert fiscal_year(dates).tolist() == [2019, 2019, 2020, 2020]  # China: the calendar year
    assert fiscal_month(dates, 4).tolist() == [1, 9, 12, 1]  # March is the UK year's last month
    assert fiscal_month(dates).tolist() == [4, 12, 3, 4]
    assert fiscal_year(pd.Timestamp("2020-03-31"), 4) == 2019
    assert fiscal_year_bounds(2019, 4) == (pd.Timestamp("2019-04-01"), pd.Timestamp("2020-03-31"))
    assert fiscal_year_bounds(2024, 1) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    with pytest.raises(ValueError, match="1–12"):
        fiscal_year(dates, 13)


def test_fiscal_month_names_name_calendar_months() -> None:
    from fiscalrisk.calendar import fiscal_month_names

    assert fiscal_month_names([12]) == ("12月", "December")
    assert fiscal_month_names([11, 12]) == ("11–12月", "November–December")
    assert fiscal_month_names([12], 4) == ("3月", "March")
    assert fiscal_month_names([11, 12], 4) == ("2–3月", "February–March")
    assert fiscal_month_names([1, 12]) == ("1月、12月", "January, December")
