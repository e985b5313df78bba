"""STL monthly anomalies, exact: every field of the result, the names and dtypes of its series, the
flag thresholds at their boundaries, the summary and HTML text, and each error message word for word.

Expected values are written out by hand or computed here from statsmodels' own ``STL`` with the
parameters the docstrings give (periodic seasonal = span ``10 · n + 1``, degree 0) and the robust z
of Iglewicz & Hoaglin, ``(resid − median) / (1.4826 · MAD)``.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.seasonal import STL

from fiscalrisk.detectors import SeasonalResult, stl_anomalies
from fiscalrisk.detectors.seasonal import monthly_index

LEVELS = pd.CategoricalDtype(["ok", "warning", "alert"], ordered=True)


def _months(start: str, n: int) -> pd.PeriodIndex:
    return pd.period_range(start, periods=n, freq="M")


def _monthly(n: int = 48, seed: int = 0, name: str | None = None) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 1000 + 5 * t + 200 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 20, n)
    return pd.Series(values, index=_months("2020-01", n), name=name)


def _exactly(message: str) -> str:
    return "^" + re.escape(message) + "$"


# ---------------------------------------------------------------------------------------------------
# monthly_index


def test_monthly_index_sorts_keeps_the_name_and_casts_integers_to_float() -> None:
    s = pd.Series([3, 1, 2], index=pd.to_datetime(["2020-03-01", "2020-01-01", "2020-02-01"]), name="net")
    expected = pd.Series([1.0, 2.0, 3.0], index=_months("2020-01", 3), name="net")
    pd.testing.assert_series_equal(monthly_index(s), expected)
    assert monthly_index(s).dtype == np.float64
    # any day of the month, and a daily PeriodIndex, land on the month
    days = pd.Series([7, 8], index=pd.PeriodIndex(["2021-05-31", "2021-06-02"], freq="D"), name="x")
    pd.testing.assert_series_equal(
        monthly_index(days), pd.Series([7.0, 8.0], index=_months("2021-05", 2), name="x")
    )


def test_monthly_index_fills_gaps_with_zero_by_default_or_the_value_given() -> None:
    s = pd.Series([1, 4], index=pd.PeriodIndex(["2020-01", "2020-04"], freq="M"), name="net")
    idx = _months("2020-01", 4)
    pd.testing.assert_series_equal(monthly_index(s), pd.Series([1.0, 0.0, 0.0, 4.0], index=idx, name="net"))
    pd.testing.assert_series_equal(
        monthly_index(s, fill_value=-2.5), pd.Series([1.0, -2.5, -2.5, 4.0], index=idx, name="net")
    )
    # fill_value=None is fine without gaps
    full = pd.Series([5.0, 6.0], index=_months("2020-01", 2))
    pd.testing.assert_series_equal(monthly_index(full, fill_value=None), full)


def test_monthly_index_error_messages() -> None:
    with pytest.raises(
        TypeError, match=_exactly("monthly series needs a PeriodIndex or a DatetimeIndex, got RangeIndex")
    ):
        monthly_index(pd.Series([1.0, 2.0]))
    with pytest.raises(
        TypeError, match=_exactly("monthly series needs a PeriodIndex or a DatetimeIndex, got Index")
    ):
        monthly_index(pd.Series([1.0, 2.0], index=["2020-01", "2020-02"]))
    dup = pd.Series([1.0, 2.0], index=pd.to_datetime(["2020-01-01", "2020-01-15"]))
    with pytest.raises(
        ValueError, match=_exactly("monthly series has more than one value for a month: aggregate it first")
    ):
        monthly_index(dup)
    # six months missing (Feb .. Jul): the message names the first five, comma separated
    gappy = pd.Series([1.0, 2.0, 3.0], index=pd.PeriodIndex(["2020-01", "2020-08", "2020-09"], freq="M"))
    with pytest.raises(
        ValueError, match=_exactly("monthly series has gaps: 2020-02, 2020-03, 2020-04, 2020-05, 2020-06")
    ):
        monthly_index(gappy, fill_value=None)


# ---------------------------------------------------------------------------------------------------
# stl_anomalies


def test_every_field_against_statsmodels_stl_and_the_robust_z_definition() -> None:
    s = _monthly(36, name="net")
    idx = _months("2020-01", 36)
    r = stl_anomalies(s, period=6, robust=True)
    ref = STL(s.to_numpy(), period=6, seasonal=10 * 36 + 1, seasonal_deg=0, robust=True).fit()
    med = np.median(ref.resid)
    scale = 1.4826 * np.median(np.abs(ref.resid - med))
    assert r.period == 6
    assert r.robust is True
    assert r.seasonal_smoother == "periodic"
    assert r.scale_method == "mad"
    assert r.resid_median == pytest.approx(med, rel=1e-12, abs=1e-12)
    assert r.resid_scale == pytest.approx(scale, rel=1e-12)
    pd.testing.assert_series_equal(r.observed, pd.Series(s.to_numpy(), index=idx, name="observed"))
    pd.testing.assert_series_equal(r.trend, pd.Series(ref.trend, index=idx, name="trend"), rtol=1e-12)
    pd.testing.assert_series_equal(
        r.seasonal, pd.Series(ref.seasonal, index=idx, name="seasonal"), rtol=1e-12
    )
    pd.testing.assert_series_equal(r.resid, pd.Series(ref.resid, index=idx, name="resid"), rtol=1e-12)
    expected_z = pd.Series((ref.resid - med) / scale, index=idx, name="robust_z")
    pd.testing.assert_series_equal(r.robust_z, expected_z, rtol=1e-10)
    # the defaults: period 12, not robust; an integer seasonal span is kept as its text
    d = stl_anomalies(s, seasonal=7)
    assert (d.period, d.robust, d.seasonal_smoother) == (12, False, "7")
    ref7 = STL(s.to_numpy(), period=12, seasonal=7, seasonal_deg=1, robust=False).fit()
    np.testing.assert_allclose(d.resid.to_numpy(), ref7.resid, rtol=1e-12)


def test_a_scale_below_one_still_divides() -> None:
    # residual scale about 0.02: the z is still (resid - median) / scale
    s = _monthly(48) / 1000
    r = stl_anomalies(s)
    ref = STL(s.to_numpy(), period=12, seasonal=10 * 48 + 1, seasonal_deg=0).fit()
    med = np.median(ref.resid)
    scale = 1.4826 * np.median(np.abs(ref.resid - med))
    assert 0 < scale < 1
    assert r.resid_scale == pytest.approx(scale, rel=1e-12)
    np.testing.assert_allclose(r.robust_z.to_numpy(), (ref.resid - med) / scale, rtol=1e-10)
    assert r.robust_z.abs().max() > 1  # not all zero


def test_an_all_zero_series_has_no_scale_and_every_z_is_zero() -> None:
    # 24 months (the minimum) of zeros, integers on month starts: STL gives exactly zero residuals
    s = pd.Series(np.zeros(24, dtype=np.int64), index=pd.date_range("2020-01-01", periods=24, freq="MS"))
    r = stl_anomalies(s)
    idx = _months("2020-01", 24)
    assert r.scale_method == "none"
    assert r.resid_scale == 0.0
    assert r.resid_median == 0.0
    pd.testing.assert_series_equal(r.observed, pd.Series(np.zeros(24), index=idx, name="observed"))
    pd.testing.assert_series_equal(r.robust_z, pd.Series(np.zeros(24), index=idx, name="robust_z"))
    assert r.flags().empty


def test_stl_error_messages() -> None:
    with pytest.raises(
        ValueError,
        match=_exactly(
            "STL needs at least two full periods: 24 months for period 12, got 23 (2020-01 .. 2021-11)"
        ),
    ):
        stl_anomalies(_monthly(23))
    with pytest.raises(
        ValueError,
        match=_exactly(
            "STL needs at least two full periods: 8 months for period 4, got 7 (2020-01 .. 2020-07)"
        ),
    ):
        stl_anomalies(_monthly(7), period=4)
    missing = "monthly series has missing values; fill or drop them before STL"
    s = _monthly(36)
    s.iloc[4] = np.nan
    with pytest.raises(ValueError, match=_exactly(missing)):
        stl_anomalies(s)
    gappy = _monthly(36).drop(_months("2020-05", 1))
    with pytest.raises(ValueError, match=_exactly(missing)):
        stl_anomalies(gappy, fill_value=np.nan)
    with pytest.raises(
        ValueError, match=_exactly("seasonal must be 'periodic' or an odd integer >= 7, got 'fixed'")
    ):
        stl_anomalies(_monthly(36), seasonal="fixed")


# ---------------------------------------------------------------------------------------------------
# SeasonalResult, built by hand (its methods only read the fields)


def _result(z: np.ndarray, **fields: object) -> SeasonalResult:
    n = len(z)
    idx = _months("2021-01", n)
    t = np.arange(n, dtype=np.float64)
    return SeasonalResult(
        observed=pd.Series(1000.0 + t, index=idx),
        trend=pd.Series(900.0 + t, index=idx),
        seasonal=pd.Series(50.0 - t, index=idx),
        resid=pd.Series(t / 10, index=idx),
        robust_z=pd.Series(z, index=idx),
        **fields,  # type: ignore[arg-type]
    )


def test_frame_has_the_five_components_by_name() -> None:
    z = np.linspace(-1, 1, 24)
    r = _result(z)
    f = r.frame()
    assert list(f.columns) == ["observed", "trend", "seasonal", "resid", "robust_z"]
    t = np.arange(24, dtype=np.float64)
    np.testing.assert_array_equal(f["observed"].to_numpy(), 1000.0 + t)
    np.testing.assert_array_equal(f["trend"].to_numpy(), 900.0 + t)
    np.testing.assert_array_equal(f["seasonal"].to_numpy(), 50.0 - t)
    np.testing.assert_array_equal(f["resid"].to_numpy(), t / 10)
    np.testing.assert_array_equal(f["robust_z"].to_numpy(), z)


def test_flags_thresholds_at_their_boundaries_both_directions() -> None:
    z = np.zeros(24)
    z[[0, 1, 2, 3, 4, 5, 6, 7]] = [3.5, -3.5, 3.4999, 4.0, 5.0, -5.5, 4.9999, -6.5]
    r = _result(z)
    rows = [0, 1, 3, 4, 5, 6, 7]
    levels = ["warning", "warning", "warning", "alert", "alert", "warning", "alert"]
    idx = _months("2021-01", 24)[rows]
    t = np.array(rows, dtype=np.float64)
    expected = pd.DataFrame(
        {
            "observed": 1000.0 + t,
            "trend": 900.0 + t,
            "seasonal": 50.0 - t,
            "resid": t / 10,
            "robust_z": z[rows],
            "level": pd.Categorical(levels, dtype=LEVELS),
            "warning": 3.5,
            "alert": 5.0,
        },
        index=idx,
    )
    pd.testing.assert_frame_equal(r.flags(), expected)
    # thresholds of one's own, written into the frame
    f = r.flags(warning=4.0, alert=6.0)
    assert [str(p) for p in f.index] == ["2021-04", "2021-05", "2021-06", "2021-07", "2021-08"]
    assert list(f["level"]) == ["warning", "warning", "warning", "warning", "alert"]
    assert (f["warning"] == 4.0).all() and (f["alert"] == 6.0).all()
    assert list(f.columns) == [
        "observed",
        "trend",
        "seasonal",
        "resid",
        "robust_z",
        "level",
        "warning",
        "alert",
    ]


def _summary_result() -> SeasonalResult:
    # four months tie at |z| = 5: the three listed are the first three in time order
    z = np.zeros(24)
    z[[0, 3, 5, 8, 10, 12, 15]] = [0.5, 5.0, -5.0, 5.0, -5.0, 3.5, -4.0]
    r = _result(
        z,
        period=6,
        robust=True,
        seasonal_smoother="7",
        resid_median=-1234.5,
        resid_scale=12345.678,
        scale_method="meanad",
    )
    observed = r.observed.copy()
    observed.iloc[3] = 12345.6
    return dataclasses.replace(r, observed=observed)


SUMMARY_LINES = [
    "STL decomposition (Cleveland et al. 1990), period 6, seasonal 7, robust=True",
    "  months              24  (2021-01 .. 2022-12)",
    "  residual scale      12,345.68  (meanad; median -1,234.50)",
    "  largest |robust z|  2021-04: +5.00, 2021-06: -5.00, 2021-09: +5.00",
    "  months >= 3.5       6;  >= 5: 4",
]


def test_summary_text() -> None:
    r = _summary_result()
    assert r.summary() == "\n".join(SUMMARY_LINES)
    assert str(r) == "\n".join(SUMMARY_LINES)


def test_repr_html_escapes_the_summary_and_formats_the_flags_to_four_digits() -> None:
    out = _summary_result()._repr_html_()
    head = "<br>".join(line.replace(">=", "&gt;=") for line in SUMMARY_LINES)
    assert out.startswith("<div><p style='font-family:monospace'>" + head + "</p><table")
    assert out.endswith("</table></div>")
    assert out.count("<th>202") == 6  # the six flagged months, one row each
    assert "<td>1.235e+04</td>" in out  # observed 12345.6 of 2021-04, %.4g
    assert "<td>1003</td>" not in out  # 2021-04's observed was replaced
    assert "<td>1005</td>" in out  # observed of 2021-06
    assert "<td>-5</td>" in out and "<td>3.5</td>" in out and "<td>-4</td>" in out


def test_an_empty_series_is_an_empty_month_index_and_too_short_for_stl() -> None:
    for index in (pd.DatetimeIndex([]), pd.PeriodIndex([], freq="M")):
        empty = pd.Series([], index=index, dtype=float, name="net")
        m = monthly_index(empty)
        assert m.empty and isinstance(m.index, pd.PeriodIndex) and m.index.freqstr == "M" and m.name == "net"
        with pytest.raises(ValueError, match=r"^STL needs at least two full periods: 24 months, got an empty series$"):
            stl_anomalies(empty)
