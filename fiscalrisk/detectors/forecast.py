"""Year-end execution forecast (ANM05, 早知道).

Given a unit's cumulative execution rate at the end of months 1..k of this year (executed /
adjusted budget) and the same trajectories of earlier years, forecast the December rate with a
prediction interval.

Method (statsmodels OLS; the classic "percent-of-year-complete" regression of budget outturn
forecasting): across the history rows, regress the year-end rate on the cumulative rate at month k,
``y12 = a + b · y_k + e``, and read the forecast and its prediction interval from
``OLS.get_prediction(x).conf_int(obs=True, alpha=1 − interval)`` (the interval for a new
observation, not for the mean).

History rows are trajectories, not necessarily years of the same unit: a unit seldom has more than
two or three earlier years with monthly data, so the rows can be pooled over comparable units (same
kind, same region level) — the regression then describes how units of that kind finish the year. The
fallbacks are explicit and named in ``method``:

* ``"ols"``: at least ``min_ols`` (default 5) usable rows and some spread in ``y_k``;
* ``"increment"``: 2 .. ``min_ols − 1`` rows: this year's rate plus the mean of the earlier rows'
  remaining increment ``y12 − y_k``, with a Student-t prediction interval
  ``mean ± t · sd · sqrt(1 + 1/m)`` (wide with 2 rows — honestly so);
* ``"increment, no interval"``: one row — a point, no interval (NaN bounds: not assessed);
* ``"no history"``: nothing usable — NaN;
* ``"actual"``: k = 12, the year is complete.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

__all__ = ["ForecastResult", "backtest", "backtest_pooled", "forecast_year_end"]


@dataclass(frozen=True)
class ForecastResult:
    """Forecast of the year-end (December) cumulative execution rate.

    Attributes:
        point: forecast rate; lower, upper: bounds of the ``interval`` prediction interval.
        method: "ols", "increment", "increment, no interval", "no history" or "actual".
        months_used: k, the last month of this year's data used.
        current: this year's cumulative rate at month k.
        n_history: history rows used.
        interval: the interval's coverage (0.8 = 80%).
    """

    point: float
    lower: float
    upper: float
    method: str
    months_used: int
    current: float = float("nan")
    n_history: int = 0
    interval: float = 0.8

    def level(self, warning: float = 0.90, alert: float = 0.80) -> str:
        """ANM05 grading: "alert" if upper < alert, "warning" if upper < warning, "ok", or
        "not assessed" when there is no upper bound."""
        if not np.isfinite(self.upper):
            return "not assessed"
        if self.upper < alert:
            return "alert"
        if self.upper < warning:
            return "warning"
        return "ok"

    def summary(self) -> str:
        pct = f"{self.interval:.0%}"
        return "\n".join(
            [
                f"Year-end execution forecast ({self.method}; {self.n_history} history rows)",
                f"  cumulative rate at month {self.months_used}: {self.current:.3f}",
                f"  December forecast {self.point:.3f}  [{pct} interval {self.lower:.3f} .. {self.upper:.3f}]",
            ]
        )

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary()) + "</pre>"


def _month_columns(history: pd.DataFrame) -> pd.DataFrame:
    h = history.copy()
    h.columns = [int(c) for c in h.columns]
    bad = [c for c in h.columns if not 1 <= c <= 12]
    if bad:
        raise ValueError(f"history columns must be months 1..12, got {bad}")
    return h.astype("float64")


def forecast_year_end(
    cumulative: pd.Series,
    history: pd.DataFrame,
    interval: float = 0.8,
    *,
    min_ols: int = 5,
) -> ForecastResult:
    """Forecast December's cumulative execution rate from months 1..k of this year.

    Args:
        cumulative: this year's cumulative execution rate, indexed by month (1..k); the last
            month with a value is the cut-off k.
        history: earlier trajectories, one row each (years of this unit, or pooled unit-years of
            comparable units), columns months 1..12 (at least k and 12), cumulative rates.
        interval: coverage of the prediction interval.
        min_ols: least history rows for the regression; fewer → the increment fallback.
    """
    if not 0 < interval < 1:
        raise ValueError(f"interval must be in (0, 1), got {interval!r}")
    cum = pd.Series(cumulative, dtype="float64").dropna()
    cum.index = [int(i) for i in cum.index]
    if cum.empty:
        raise ValueError("cumulative has no month with a value")
    k = int(max(cum.index))
    if not 1 <= k <= 12:
        raise ValueError(f"months must be 1..12, got {k}")
    x = float(cum[k])
    if k == 12:
        return ForecastResult(x, x, x, "actual", 12, x, 0, interval)
    h = _month_columns(history)
    if k not in h.columns or 12 not in h.columns:
        return ForecastResult(np.nan, np.nan, np.nan, "no history", k, x, 0, interval)
    rows = h[[k, 12]].dropna()
    m = len(rows)
    xk = rows[k].to_numpy()
    y12 = rows[12].to_numpy()
    if m >= min_ols and np.ptp(xk) > 0:
        fit = sm.OLS(y12, sm.add_constant(xk, has_constant="add")).fit()
        pred = fit.get_prediction(np.array([[1.0, x]]))
        lo, hi = pred.conf_int(obs=True, alpha=1 - interval)[0]
        return ForecastResult(float(pred.predicted_mean[0]), float(lo), float(hi), "ols", k, x, m, interval)
    if m == 0:
        return ForecastResult(np.nan, np.nan, np.nan, "no history", k, x, 0, interval)
    inc = y12 - xk
    point = x + float(inc.mean())
    if m == 1:
        return ForecastResult(point, np.nan, np.nan, "increment, no interval", k, x, 1, interval)
    half = float(stats.t.ppf(0.5 + interval / 2, m - 1) * inc.std(ddof=1) * np.sqrt(1 + 1 / m))
    return ForecastResult(point, point - half, point + half, "increment", k, x, m, interval)


_BACKTEST_COLUMNS = [
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


def backtest(
    cumulative: pd.Series,
    history: pd.DataFrame,
    interval: float = 0.8,
    cutoffs: Iterable[int] = range(1, 12),
    *,
    min_ols: int = 5,
) -> pd.DataFrame:
    """Forecast December from each month-end cut-off of a complete year and compare.

    Args:
        cumulative: the complete year's cumulative rates, months 1..12 (12 is the actual).
        history: as for :func:`forecast_year_end`.
        cutoffs: the months k to cut at (default 1..11).

    Returns:
        One row per cut-off: cutoff, actual, point, lower, upper, covered (lower <= actual <=
        upper; False when there is no interval), abs_error, method, n_history.
    """
    cum = pd.Series(cumulative, dtype="float64")
    cum.index = [int(i) for i in cum.index]
    if 12 not in cum.index or not np.isfinite(cum[12]):
        raise ValueError("backtest needs the actual December value (month 12)")
    actual = float(cum[12])
    rows = []
    for k in cutoffs:
        r = forecast_year_end(cum.loc[[i for i in cum.index if i <= k]], history, interval, min_ols=min_ols)
        rows.append(
            {
                "cutoff": int(k),
                "actual": actual,
                "point": r.point,
                "lower": r.lower,
                "upper": r.upper,
                "covered": bool(r.lower <= actual <= r.upper),
                "abs_error": abs(r.point - actual),
                "method": r.method,
                "n_history": r.n_history,
            }
        )
    return pd.DataFrame(rows, columns=_BACKTEST_COLUMNS)


def backtest_pooled(
    trajectories: pd.DataFrame,
    interval: float = 0.8,
    cutoffs: Iterable[int] = range(1, 12),
    *,
    history: pd.DataFrame | None = None,
    min_ols: int = 5,
) -> pd.DataFrame:
    """Leave-one-out backtest over pooled trajectories (e.g. the units of one year).

    Each row of ``trajectories`` (index = unit, columns months 1..12) is forecast from the other
    rows (plus ``history`` rows if given). Returns :func:`backtest`'s columns plus ``unit``.

    Caveat: when the rows are units of the *same* year, the other units' Decembers are not known
    at the cut-off in real time, and a December shock shared by all units (a year-end rush) is
    learnt from them: coverage is then optimistic compared with a forecast from earlier years.
    """
    traj = _month_columns(trajectories)
    cutoffs = list(cutoffs)
    extra = _month_columns(history) if history is not None else None
    parts = []
    for unit in traj.index:
        others = traj.drop(index=unit)
        hist = others if extra is None else pd.concat([others, extra], ignore_index=True)
        bt = backtest(traj.loc[unit], hist, interval, cutoffs, min_ols=min_ols)
        bt.insert(0, "unit", [unit] * len(bt))
        parts.append(bt)
    return pd.concat(parts, ignore_index=True)
