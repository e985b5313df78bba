"""Year-end execution forecast: statsmodels OLS, fallbacks, and a backtest on Madrid 2023."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from fiscalrisk.detectors import ForecastResult, backtest, backtest_pooled, forecast_year_end

from ..conftest import real_data


def _history(n: int, seed: int = 0) -> pd.DataFrame:
    """Trajectories whose months follow a common profile with unit-level noise."""
    rng = np.random.default_rng(seed)
    profile = np.linspace(1 / 12, 1, 12) ** 1.2
    final = rng.uniform(0.8, 1.0, n)
    noise = rng.normal(0, 0.02, (n, 12)).cumsum(axis=1)
    traj = np.clip(profile[None, :] * final[:, None] + noise, 0, None)
    traj[:, 11] = final
    return pd.DataFrame(traj, columns=range(1, 13))


def test_ols_forecast_equals_statsmodels_prediction_interval() -> None:
    hist = _history(12)
    cum = pd.Series([0.05, 0.11, 0.17, 0.24, 0.30, 0.37], index=range(1, 7))
    r = forecast_year_end(cum, hist, interval=0.8)
    fit = sm.OLS(hist[12].to_numpy(), sm.add_constant(hist[6].to_numpy())).fit()
    pred = fit.get_prediction(np.array([[1.0, 0.37]]))
    lo, hi = pred.conf_int(obs=True, alpha=0.2)[0]
    assert r.method == "ols" and r.months_used == 6 and r.n_history == 12
    assert r.point == pytest.approx(pred.predicted_mean[0])
    assert (r.lower, r.upper) == (pytest.approx(lo), pytest.approx(hi))
    assert r.lower < r.point < r.upper
    assert isinstance(r, ForecastResult) and "December" in r.summary()


def test_few_history_rows_fall_back_honestly() -> None:
    cum = pd.Series([0.1, 0.2, 0.3], index=[1, 2, 3])
    three = forecast_year_end(cum, _history(3))
    assert three.method == "increment" and three.n_history == 3
    assert three.lower < three.point < three.upper
    one = forecast_year_end(cum, _history(1))
    assert one.method == "increment, no interval" and np.isnan(one.upper)
    assert one.level() == "not assessed"
    none = forecast_year_end(cum, _history(5).iloc[:0])
    assert none.method == "no history" and np.isnan(none.point)
    done = forecast_year_end(pd.Series(np.linspace(0.1, 0.95, 12), index=range(1, 13)), _history(5))
    assert done.method == "actual" and done.point == done.upper == pytest.approx(0.95)


def test_level_grades_the_upper_bound() -> None:
    assert ForecastResult(0.7, 0.6, 0.79, "ols", 9).level() == "alert"
    assert ForecastResult(0.8, 0.7, 0.85, "ols", 9).level() == "warning"
    assert ForecastResult(0.9, 0.8, 0.95, "ols", 9).level() == "ok"


def test_backtest_has_one_row_per_cutoff() -> None:
    hist = _history(20, seed=1)
    target = _history(1, seed=2).iloc[0]
    bt = backtest(target, hist)
    assert list(bt["cutoff"]) == list(range(1, 12))
    assert list(bt.columns) == [
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
    assert (bt["actual"] == target[12]).all()
    np.testing.assert_allclose(bt["abs_error"], (bt["point"] - bt["actual"]).abs())


def _read(path: Path) -> pd.DataFrame:
    d = pd.read_csv(path, sep=";", decimal=",", encoding="latin-1", dtype={"Centro": str, "Seccion": str})
    d["Centro"] = d["Centro"].str.zfill(3)  # one monthly file writes Centro 001 as "1"
    return d.groupby(["Centro", "Seccion"])[["C_DEFINITIVO", "OBL_RECONOC"]].sum()


def test_madrid_2023_backtest_coverage_and_mae() -> None:
    """Units = Centro × Sección (budget >= EUR 1m): cumulative OBL_RECONOC / C_DEFINITIVO by month.

    Madrid publishes monthly snapshots only for 2023; the earlier years (annual files) give
    year-end rates but no monthly profile. So each unit's December is forecast from the other
    units' 2023 trajectories (pooled, leave-one-out) — optimistic, since their Decembers are not
    known in real time — and compared with the naive forecast "same rate as the unit's 2022
    year-end" from the annual file, which is available in real time.
    """
    madrid = real_data("es-madrid-budget-execution")
    months = {}
    for m in range(1, 13):
        name = "final" if m == 12 else f"M{m:02d}"
        months[m] = _read(madrid / "monthly_2023" / f"ejecucion_gastos_2023_{name}.csv.gz")
    traj = pd.DataFrame({m: g["OBL_RECONOC"] / g["C_DEFINITIVO"] for m, g in months.items()})
    budget = months[12]["C_DEFINITIVO"]
    traj = traj[(budget >= 1e6) & traj.notna().all(axis=1)]
    assert len(traj) >= 40

    bt = backtest_pooled(traj, interval=0.8)
    assert set(bt["method"]) == {"ols"}
    by_cut = bt.groupby("cutoff").agg(
        coverage=("covered", "mean"), mae=("abs_error", "mean"), median_ae=("abs_error", "median")
    )
    coverage, mae = bt["covered"].mean(), bt["abs_error"].mean()

    prior = _read(madrid / "annual" / "ejecucion_gastos_2022.csv")
    prior_rate = (prior["OBL_RECONOC"] / prior["C_DEFINITIVO"]).reindex(traj.index)
    naive_mae = (prior_rate - traj[12]).abs().mean()

    print(f"\nMadrid 2023, {len(traj)} units, 80% interval, leave-one-unit-out OLS")
    print(by_cut.round(3).to_string())
    print(
        f"overall coverage {coverage:.3f}  MAE {mae:.3f}  (naive 2022 year-end rate: MAE {naive_mae:.3f}, "
        f"{prior_rate.notna().sum()} units)"
    )
    assert 0.7 <= coverage <= 0.95
    assert mae < 0.2
    assert by_cut.loc[11, "mae"] < by_cut.loc[1, "mae"]
