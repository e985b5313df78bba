"""ANM05's year-end forecast tested field by field against hand-worked small cases.

Every branch of ``forecast_year_end`` (actual, no history twice, increment without and with an
interval, OLS) is checked on every field of its ``ForecastResult`` with a non-default interval; the
expected values are worked out by hand in the comments (dyadic rates, so the arithmetic is exact) or
computed with statsmodels / scipy directly. The error messages are checked word for word, the
thresholds at their exact boundaries (``min_ols`` rows, interval 0 and 1, month 12, a bound equal to
the actual), the summary and its HTML repr character by character, and the backtests column by column.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from fiscalrisk.detectors import ForecastResult, backtest, backtest_pooled, forecast_year_end

NAN = float("nan")
BACKTEST_COLUMNS = [
    "cutoff",
    "actual",
    "point",
    "lower",
    "upper",
    "covered",
    "abs_error",
    "method",
    "n_history",
]


def _same(actual: object, expected: object) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    return type(actual) is type(expected) and actual == expected


def assert_result(
    r: ForecastResult,
    point: float,
    lower: float,
    upper: float,
    method: str,
    months_used: int,
    current: float,
    n_history: int,
    interval: float,
) -> None:
    """Every field, with its type (NaN where NaN is expected); floats compared to 1e-12."""
    assert isinstance(r, ForecastResult)
    expected = dict(
        point=point,
        lower=lower,
        upper=upper,
        method=method,
        months_used=months_used,
        current=current,
        n_history=n_history,
        interval=interval,
    )
    for name, want in expected.items():
        got = getattr(r, name)
        if isinstance(want, float) and not math.isnan(want):
            assert isinstance(got, float) and got == pytest.approx(want, abs=1e-12), name
        else:
            assert _same(got, want), f"{name}: {got!r} != {want!r}"


def _hist(rows: list[tuple[float, float]], k: int) -> pd.DataFrame:
    """History rows (rate at month k, rate at December)."""
    return pd.DataFrame(rows, columns=[k, 12])


# five rows with spread in y_3: the regression branch at the default min_ols (5)
X5 = [0.25, 0.375, 0.5, 0.625, 0.75]
Y5 = [0.5, 0.75, 0.75, 1.0, 0.875]


def _ols_reference(
    xk: list[float], y12: list[float], x: float, interval: float
) -> tuple[float, float, float]:
    fit = sm.OLS(np.array(y12), np.column_stack([np.ones(len(xk)), xk])).fit()
    pred = fit.get_prediction(np.array([[1.0, x]]))
    lo, hi = pred.conf_int(obs=True, alpha=1 - interval)[0]
    return float(pred.predicted_mean[0]), float(lo), float(hi)


# --- forecast_year_end: each branch, every field --------------------------------------------------


def test_complete_year_is_the_actual_december_rate() -> None:
    cum = pd.Series([0.0625 * m for m in range(1, 12)] + [0.8125], index=range(1, 13))
    r = forecast_year_end(cum, _hist([(0.5, 0.75)], 6), interval=0.9)
    # k = 12: point = lower = upper = current = December's 0.8125, no history used
    assert_result(r, 0.8125, 0.8125, 0.8125, "actual", 12, 0.8125, 0, 0.9)


def test_history_without_month_k_or_december_is_no_history() -> None:
    cum = pd.Series([0.125, 0.25, 0.375], index=[1, 2, 3])
    no_k = forecast_year_end(cum, _hist([(0.5, 0.75), (0.25, 1.0)], 6), interval=0.9)  # no column 3
    assert_result(no_k, NAN, NAN, NAN, "no history", 3, 0.375, 0, 0.9)
    # column 3 is there but December is not: still no history (not a KeyError)
    no_dec = forecast_year_end(cum, pd.DataFrame({3: [0.5, 0.25], 6: [0.75, 0.5]}), interval=0.9)
    assert_result(no_dec, NAN, NAN, NAN, "no history", 3, 0.375, 0, 0.9)
    assert no_dec.level() == "not assessed"


def test_history_rows_all_incomplete_is_no_history() -> None:
    cum = pd.Series([0.125, 0.25, 0.375], index=[1, 2, 3])
    # both columns exist, but no row has both the month-3 and the December rate
    hist = pd.DataFrame({3: [0.5, NAN, NAN], 12: [NAN, 0.75, NAN]})
    r = forecast_year_end(cum, hist, interval=0.9)
    assert_result(r, NAN, NAN, NAN, "no history", 3, 0.375, 0, 0.9)


def test_one_history_row_gives_a_point_without_interval() -> None:
    cum = pd.Series([0.125, 0.25, 0.375], index=[1, 2, 3])
    # rows with a NaN are dropped: one usable row, increment 0.875 - 0.5 = 0.375 → 0.375 + 0.375 = 0.75
    hist = pd.DataFrame({3: [0.5, NAN], 12: [0.875, 0.9]})
    r = forecast_year_end(cum, hist, interval=0.9)
    assert_result(r, 0.75, NAN, NAN, "increment, no interval", 3, 0.375, 1, 0.9)


def test_two_history_rows_student_t_interval_worked_by_hand() -> None:
    cum = pd.Series([0.125, 0.25], index=[1, 2])  # k = 2, x = 0.25
    hist = pd.DataFrame({1: [0.0, 0.0], 2: [0.25, 0.25], 12: [0.5, 0.75]})
    # increments 0.25, 0.5: mean 0.375, sd (ddof 1) = sqrt(2 · 0.125²) = 0.125·√2
    # point = 0.25 + 0.375 = 0.625; a 50% interval uses t(0.75, 1 df) = tan(π/4) = 1
    assert stats.t.ppf(0.75, 1) == pytest.approx(1.0, abs=1e-12)
    # half width = 1 · 0.125·√2 · √(1 + 1/2) = 0.125·√3
    half = 0.125 * math.sqrt(3)
    r = forecast_year_end(cum, hist, interval=0.5)
    assert_result(r, 0.625, 0.625 - half, 0.625 + half, "increment", 2, 0.25, 2, 0.5)


def test_four_rows_80pct_interval_uses_t_with_three_df() -> None:
    cum = pd.Series([0.25], index=[3])
    hist = _hist([(0.25, 0.5), (0.5, 0.75), (0.25, 0.75), (0.5, 1.0)], 3)
    # increments 0.25, 0.25, 0.5, 0.5: mean 0.375, sd = sqrt(4 · 0.125² / 3) = 0.25/√3
    half = stats.t.ppf(0.9, 3) * 0.25 / math.sqrt(3) * math.sqrt(1 + 1 / 4)
    r = forecast_year_end(cum, hist)
    assert_result(r, 0.625, 0.625 - half, 0.625 + half, "increment", 3, 0.25, 4, 0.8)


def test_exactly_min_ols_rows_is_the_regression() -> None:
    cum = pd.Series([0.125, 0.25, 0.5], index=[1, 2, 3])
    point, lo, hi = _ols_reference(X5, Y5, 0.5, 0.9)
    r = forecast_year_end(
        cum, _hist(list(zip(X5, Y5, strict=True)), 3), interval=0.9
    )  # 5 rows = default min_ols
    assert_result(r, point, lo, hi, "ols", 3, 0.5, 5, 0.9)
    assert r.lower < r.point < r.upper
    # one row short of min_ols: the increment fallback, t with 4 df
    inc = np.array(Y5) - np.array(X5)  # 0.25 0.375 0.25 0.375 0.125
    half = stats.t.ppf(0.95, 4) * inc.std(ddof=1) * math.sqrt(1 + 1 / 5)
    r6 = forecast_year_end(cum, _hist(list(zip(X5, Y5, strict=True)), 3), interval=0.9, min_ols=6)
    assert_result(r6, 0.5 + 0.275, 0.775 - half, 0.775 + half, "increment", 3, 0.5, 5, 0.9)


def test_no_spread_in_month_k_falls_back_to_the_increment() -> None:
    # six rows, all at 0.5 in month 6: no regression can be fitted on a constant; increments
    # 0.25 ×3 and 0.5 ×3 → mean 0.375; point 0.25 + 0.375
    hist = _hist([(0.5, 0.75)] * 3 + [(0.5, 1.0)] * 3, 6)
    inc = np.array([0.25] * 3 + [0.5] * 3)
    half = stats.t.ppf(0.9, 5) * inc.std(ddof=1) * math.sqrt(1 + 1 / 6)
    r = forecast_year_end(pd.Series([0.25], index=[6]), hist)
    assert_result(r, 0.625, 0.625 - half, 0.625 + half, "increment", 6, 0.25, 6, 0.8)


def test_rates_given_as_text_are_read_as_numbers() -> None:
    # e.g. a column read with dtype=str: "0.375" is a rate, the text "NaN" a month without a value
    cum = pd.Series(["0.125", "0.375", "NaN"], index=["1", "3", "4"])
    r = forecast_year_end(cum, _hist([(0.5, 0.875)], 3), interval=0.9)
    assert_result(r, 0.75, NAN, NAN, "increment, no interval", 3, 0.375, 1, 0.9)


# --- forecast_year_end: the messages ---------------------------------------------------------------


@pytest.mark.parametrize("interval", [0, 1, 1.5, -0.2])
def test_interval_outside_zero_one_is_refused(interval: float) -> None:
    cum = pd.Series(np.linspace(0.1, 0.9, 12), index=range(1, 13))  # a complete year: no other error
    with pytest.raises(ValueError, match=rf"^interval must be in \(0, 1\), got {re.escape(repr(interval))}$"):
        forecast_year_end(cum, _hist([], 6), interval=interval)


@pytest.mark.parametrize("cum", [pd.Series([], dtype="float64"), pd.Series([NAN, NAN], index=[1, 2])])
def test_cumulative_without_a_value_is_refused(cum: pd.Series) -> None:
    with pytest.raises(ValueError, match=r"^cumulative has no month with a value$"):
        forecast_year_end(cum, _hist([(0.5, 0.75)], 1))


@pytest.mark.parametrize("month", [0, 13, -1])
def test_cumulative_month_outside_1_12_is_refused(month: int) -> None:
    # the last month with a value is the cut-off: 13 (or 0) is no month
    cum = pd.Series([0.25], index=[month]) if month < 1 else pd.Series([0.25, 0.5], index=[6, month])
    with pytest.raises(ValueError, match=rf"^months must be 1\.\.12, got {month}$"):
        forecast_year_end(cum, _hist([(0.5, 0.75)], 6))


@pytest.mark.parametrize(
    ("columns", "bad"), [([6, 12, 13], "[13]"), ([0, 6, 12], "[0]"), ([6, 12, 14, 20], "[14, 20]")]
)
def test_history_columns_outside_1_12_are_refused(columns: list[int], bad: str) -> None:
    hist = pd.DataFrame([[0.25] * len(columns)], columns=columns)
    with pytest.raises(ValueError, match=rf"^history columns must be months 1\.\.12, got {re.escape(bad)}$"):
        forecast_year_end(pd.Series([0.25], index=[6]), hist)


# --- ForecastResult ----------------------------------------------------------------------------------


def test_level_boundaries_are_strict() -> None:
    # "alert" if upper < alert, "warning" if upper < warning: a bound equal to a threshold is the milder grade
    assert ForecastResult(0.7, 0.6, 0.8, "ols", 9).level() == "warning"
    assert ForecastResult(0.8, 0.7, 0.9, "ols", 9).level() == "ok"
    assert ForecastResult(0.7, 0.6, 0.7999, "ols", 9).level() == "alert"
    assert ForecastResult(0.8, 0.7, 0.8999, "ols", 9).level() == "warning"
    assert ForecastResult(0.5, 0.4, 0.6, "ols", 9).level(warning=0.7, alert=0.6) == "warning"
    assert ForecastResult(0.5, 0.4, 0.7, "ols", 9).level(warning=0.7, alert=0.6) == "ok"
    assert ForecastResult(0.5, 0.4, NAN, "ols", 9).level() == "not assessed"
    assert ForecastResult(0.5, 0.4, math.inf, "ols", 9).level() == "not assessed"


def test_defaults_of_a_result() -> None:
    r = ForecastResult(0.5, 0.25, 0.75, "ols", 6)
    assert math.isnan(r.current) and r.n_history == 0 and r.interval == 0.8


def test_summary_written_out() -> None:
    r = ForecastResult(0.625, 0.5, 0.75, "increment", 3, 0.25, 2, 0.5)
    expected = (
        "Year-end execution forecast (increment; 2 history rows)\n"
        "  cumulative rate at month 3: 0.250\n"
        "  December forecast 0.625  [50% interval 0.500 .. 0.750]"
    )
    assert r.summary() == expected
    assert str(r) == expected


def test_html_repr_is_the_escaped_summary_in_pre() -> None:
    r = ForecastResult(0.625, 0.5, 0.75, "ols <pooled> & 'peers'", 3, 0.25, 2, 0.9)
    assert r._repr_html_() == (
        "<pre>Year-end execution forecast (ols &lt;pooled&gt; &amp; &#x27;peers&#x27;; 2 history rows)\n"
        "  cumulative rate at month 3: 0.250\n"
        "  December forecast 0.625  [90% interval 0.500 .. 0.750]</pre>"
    )


# --- backtest ----------------------------------------------------------------------------------------


def _year(k_rate: float, dec: float, k: int = 6) -> pd.Series:
    return pd.Series([k_rate, dec], index=[k, 12])


def test_backtest_rows_written_out() -> None:
    # this year: 0.25 at June, 0.5 in December; history incs 0.25, 0.5 → the 2-row case above
    hist = _hist([(0.0, 0.25), (0.0, 0.5)], 6)
    half = 0.125 * math.sqrt(3)  # 50% interval: t(0.75, 1) = 1
    bt = backtest(_year(0.25, 0.5), hist, 0.5, cutoffs=[6, 12])
    expected = pd.DataFrame(
        {
            "cutoff": [6, 12],
            "actual": [0.5, 0.5],
            "point": [0.625, 0.5],
            "lower": [0.625 - half, 0.5],
            "upper": [0.625 + half, 0.5],
            "covered": [True, True],  # 0.409 <= 0.5 <= 0.841; the actual covers itself
            "abs_error": [0.125, 0.0],
            "method": ["increment", "actual"],
            "n_history": [2, 0],
        }
    )
    pd.testing.assert_frame_equal(bt, expected, check_exact=False, rtol=0, atol=1e-12)


def test_backtest_interval_bound_equal_to_the_actual_is_covered() -> None:
    # history increments both 0.25 → sd 0, half width 0: lower = upper = 0.25 + 0.25 = 0.5 = actual
    hist = _hist([(0.5, 0.75), (0.25, 0.5)], 6)
    bt = backtest(_year(0.25, 0.5), hist, cutoffs=[6])
    assert bt[["lower", "upper"]].iloc[0].tolist() == [0.5, 0.5]
    assert bt["covered"].tolist() == [True]
    # no interval (one row) is never covered, nor a bound a hair off the actual
    one = backtest(_year(0.25, 0.5), _hist([(0.5, 0.75)], 6), cutoffs=[6])
    assert one["covered"].tolist() == [False] and one["method"].tolist() == ["increment, no interval"]
    # increments both 0.3125: lower = upper = 0.5625, a sixteenth above the actual
    off = backtest(_year(0.25, 0.5), _hist([(0.5, 0.8125), (0.25, 0.5625)], 6), cutoffs=[6])
    assert off[["lower", "upper", "covered"]].iloc[0].tolist() == [0.5625, 0.5625, False]


def test_backtest_empty_cutoffs_keeps_the_columns() -> None:
    bt = backtest(_year(0.25, 0.5), _hist([(0.5, 0.75)], 6), cutoffs=[])
    assert list(bt.columns) == BACKTEST_COLUMNS and len(bt) == 0


def test_backtest_passes_interval_and_min_ols_on() -> None:
    cum = pd.Series([0.125, 0.5, 0.75], index=[1, 3, 12])
    hist = _hist(list(zip(X5, Y5, strict=True)), 3)
    point, lo, hi = _ols_reference(X5, Y5, 0.5, 0.9)
    bt = backtest(cum, hist, 0.9, cutoffs=[3])  # default min_ols 5: 5 rows are enough
    assert bt.iloc[0][["point", "lower", "upper"]].tolist() == pytest.approx([point, lo, hi], abs=1e-12)
    assert bt.iloc[0][["method", "n_history", "covered"]].tolist() == ["ols", 5, lo <= 0.75 <= hi]
    assert bt.iloc[0]["abs_error"] == pytest.approx(abs(point - 0.75), abs=1e-12)
    inc = np.array(Y5) - np.array(X5)
    half = stats.t.ppf(0.95, 4) * inc.std(ddof=1) * math.sqrt(1.2)
    bt6 = backtest(cum, hist, 0.9, cutoffs=[3], min_ols=6)
    assert bt6.iloc[0][["point", "lower", "upper"]].tolist() == pytest.approx(
        [0.775, 0.775 - half, 0.775 + half], abs=1e-12
    )
    assert bt6.iloc[0][["method", "n_history"]].tolist() == ["increment", 5]


def test_backtest_accepts_text_and_nullable_rates() -> None:
    text = backtest(
        pd.Series(["0.25", "0.5"], index=["6", "12"]), _hist([(0.5, 0.75), (0.25, 0.5)], 6), cutoffs=[6]
    )
    assert text[["actual", "point", "covered"]].iloc[0].tolist() == [0.5, 0.5, True]
    nullable = pd.Series([0.25, None], index=[6, 12], dtype="Float64")
    with pytest.raises(ValueError, match=r"^backtest needs the actual December value \(month 12\)$"):
        backtest(nullable, _hist([(0.5, 0.75)], 6), cutoffs=[6])


@pytest.mark.parametrize(
    "cum",
    [
        pd.Series([0.25, 0.5], index=[6, 11]),
        pd.Series([0.25, NAN], index=[6, 12]),
        pd.Series([0.25, math.inf], index=[6, 12]),
    ],
)
def test_backtest_without_a_december_is_refused(cum: pd.Series) -> None:
    with pytest.raises(ValueError, match=r"^backtest needs the actual December value \(month 12\)$"):
        backtest(cum, _hist([(0.5, 0.75)], 6), cutoffs=[6])


# --- backtest_pooled ---------------------------------------------------------------------------------

# three units, June and December rates
TRAJ = pd.DataFrame({6: [0.25, 0.5, 0.25], 12: [0.5, 1.0, 0.75]}, index=["A", "B", "C"])


def test_pooled_leave_one_out_written_out() -> None:
    # A from B, C: increments 0.5, 0.5 → sd 0 → 0.25 + 0.5 = 0.75 (no width); actual 0.5
    # B from A, C: increments 0.25, 0.5 → 0.5 + 0.375 = 0.875 ± t(0.9, 1)·0.125·√3; actual 1.0
    # C from A, B: increments 0.25, 0.5 → 0.25 + 0.375 = 0.625 ± the same; actual 0.75
    half = stats.t.ppf(0.9, 1) * 0.125 * math.sqrt(3)  # ≈ 0.666
    bt = backtest_pooled(TRAJ, cutoffs=[6])  # default interval 0.8
    expected = pd.DataFrame(
        {
            "unit": ["A", "B", "C"],
            "cutoff": [6, 6, 6],
            "actual": [0.5, 1.0, 0.75],
            "point": [0.75, 0.875, 0.625],
            "lower": [0.75, 0.875 - half, 0.625 - half],
            "upper": [0.75, 0.875 + half, 0.625 + half],
            "covered": [False, True, True],
            "abs_error": [0.25, 0.125, 0.125],
            "method": ["increment"] * 3,
            "n_history": [2, 2, 2],
        }
    )
    pd.testing.assert_frame_equal(bt, expected, check_exact=False, rtol=0, atol=1e-12)


def test_pooled_adds_the_extra_history_rows() -> None:
    extra = pd.DataFrame({6: [0.5], 12: [0.5]})  # one more row, increment 0
    bt = backtest_pooled(TRAJ, 0.8, [6], history=extra)
    # A from B, C and the extra row: increments 0.5, 0.5, 0 → mean 1/3 → 0.25 + 1/3
    # B from A, C, extra: 0.25, 0.5, 0 → mean 0.25 → 0.75; C: the same increments → 0.5
    assert bt["n_history"].tolist() == [3, 3, 3]
    assert bt["point"].tolist() == pytest.approx([0.25 + 1 / 3, 0.75, 0.5], abs=1e-12)
    sd_a = np.std([0.5, 0.5, 0.0], ddof=1)
    assert bt["upper"].iloc[0] == pytest.approx(
        0.25 + 1 / 3 + stats.t.ppf(0.9, 2) * sd_a * math.sqrt(4 / 3), abs=1e-12
    )
    assert list(bt.index) == [0, 1, 2]


def test_pooled_index_is_renumbered_and_unit_first() -> None:
    bt = backtest_pooled(TRAJ.set_index(pd.Index([10, 20, 30])), cutoffs=[6])
    assert isinstance(bt.index, pd.RangeIndex) and list(bt.index) == [0, 1, 2]
    assert list(bt.columns) == ["unit", *BACKTEST_COLUMNS]
    assert bt["unit"].tolist() == [10, 20, 30]


def test_pooled_min_ols_default_and_passed_on() -> None:
    # six units: each is forecast from the five others, enough for the regression at min_ols 5
    xs = [0.25, 0.375, 0.5, 0.625, 0.75, 0.5]
    ys = [0.5, 0.75, 0.75, 1.0, 0.875, 0.625]
    traj = pd.DataFrame({6: xs, 12: ys}, index=list("abcdef"))
    bt = backtest_pooled(traj, 0.9, [6])
    for i, row in bt.iterrows():
        others = [j for j in range(6) if j != i]
        point, lo, hi = _ols_reference([xs[j] for j in others], [ys[j] for j in others], xs[i], 0.9)
        assert row[["method", "n_history"]].tolist() == ["ols", 5]
        assert row[["point", "lower", "upper"]].tolist() == pytest.approx([point, lo, hi], abs=1e-12)
    bt6 = backtest_pooled(traj, 0.9, [6], min_ols=6)
    assert bt6["method"].eq("increment").all() and bt6["n_history"].eq(5).all()


def test_pooled_trajectory_columns_are_checked() -> None:
    with pytest.raises(ValueError, match=r"^history columns must be months 1\.\.12, got \[13\]$"):
        backtest_pooled(pd.DataFrame({6: [0.25], 13: [0.5]}, index=["A"]), cutoffs=[6])
