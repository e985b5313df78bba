"""ANM05's forecast backtested on the committed sample: calibration of the 80% interval.

The sample's completed years are 2023–2025 (as_of 2026-06-30). Each unit's 2024 and 2025 December
execution rate is forecast from every month-end cut-off 1..11 with ANM05's own trajectories and choice
of history (2025: the unit's own 2023–2024; 2024: one own year, so pooled peers). The data are
deterministic, so the coverage is a fixed figure: a check of the interval's calibration, not a flaky
sampling test.

ANM05's own figures are checked against a reference computed in this file from the CSV files (the
trajectories with pandas, the increment and OLS intervals written out with scipy's t quantiles), not
against a backtest built from the indicator's helpers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fiscalrisk.data import load
from fiscalrisk.detectors import backtest
from fiscalrisk.indicators.anomaly import (
    anm05,
    execution_trajectories,
    forecast_history,
    history_trajectories,
    peer_groups,
)
from fiscalrisk.scan import make_context

MONTHS = list(range(1, 13))


@pytest.fixture(scope="module")
def tables(sample_dir: Path) -> dict[str, pd.DataFrame]:
    ds = load(sample_dir)
    return {name: ds[name] for name in ds}


@pytest.fixture(scope="module")
def sample_bt(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    ctx = make_context(tables, "2026-06-30")
    traj = execution_trajectories(ctx)
    groups = peer_groups(ctx)
    parts = []
    for year in (2024, 2025):
        hist = history_trajectories(ctx, traj, year)
        hist_group = hist.index.get_level_values("unit_code").map(groups)
        cur = traj.loc[traj.index.get_level_values("year") == year]
        for (unit, _y), r in cur.iterrows():
            h, source = forecast_history(hist, unit, groups, 2, hist_group)
            bt = backtest(r[MONTHS], h, 0.8)
            bt.insert(0, "history", source)
            bt.insert(0, "unit", unit)
            bt.insert(0, "year", year)
            parts.append(bt)
    return pd.concat(parts, ignore_index=True)


def test_sample_80pct_interval_covers_70_to_90pct(sample_bt: pd.DataFrame) -> None:
    assert set(sample_bt["cutoff"]) == set(range(1, 12))
    assert sample_bt.groupby("year")["unit"].nunique().to_dict() == {2024: 150, 2025: 150}
    assert sample_bt["upper"].notna().all()  # every forecast has an interval
    coverage = sample_bt["covered"].mean()
    assert 0.70 <= coverage <= 0.90, f"overall coverage {coverage:.3f}"
    for year, g in sample_bt.groupby("year"):
        assert 0.70 <= g["covered"].mean() <= 0.90, f"{year}: coverage {g['covered'].mean():.3f}"
    # 2025 uses the units' own two years (increment, Student t); 2024 pooled peers (OLS)
    assert sample_bt.loc[sample_bt["year"] == 2025, "history"].str.startswith("own history").all()
    assert sample_bt.loc[sample_bt["year"] == 2024, "method"].eq("ols").all()
    assert sample_bt["abs_error"].mean() < 0.05


def _reference_trajectories(sample_dir: Path, as_of: str) -> dict[tuple[str, int], np.ndarray]:
    """Cumulative execution rate at each month end per (unit, year), read from the CSV files with
    the definition of ANM05: payments of the budget year paid within it, up to as_of, over the unit's
    adjusted budget; the contingency reserve (function 227) left out of both."""
    bud = pd.read_csv(sample_dir / "budget.csv", dtype={"unit_code": str, "function_code": str})
    bud = bud.loc[~bud["function_code"].str.startswith("227")]
    bud["adjusted"] = bud["adjusted_amount"].fillna(bud["original_amount"])
    budget = bud.groupby(["unit_code", "year"])["adjusted"].sum()
    budget = budget.loc[budget > 0]
    pay = pd.read_csv(sample_dir / "payments.csv", dtype={"unit_code": str, "function_code": str},
                      parse_dates=["pay_date"])
    pay = pay.loc[(pay["pay_date"] <= as_of) & ~pay["function_code"].str.startswith("227")]
    pay["year"] = pay["budget_year"].fillna(pay["pay_date"].dt.year).astype(int)
    pay = pay.loc[pay["year"] == pay["pay_date"].dt.year]
    monthly = pay.groupby(["unit_code", "year", pay["pay_date"].dt.month])["amount"].sum()
    out = {}
    for (unit, year), b in budget.items():
        paid = [monthly.get((unit, year, m), 0.0) for m in MONTHS]
        out[(unit, int(year))] = np.cumsum(paid) / b  # position m - 1 = end of month m
    return out


def _reference_forecast(history: np.ndarray, x: float, interval: float = 0.8) -> tuple[float, float, float]:
    """(point, lower, upper) from history rows [y_k, y_12]: the mean remaining increment with a Student-t
    interval for 2–4 rows; ordinary least squares with its prediction interval for 5 or more."""
    xk, y12 = history[:, 0], history[:, 1]
    m = len(xk)
    q = 0.5 + interval / 2
    if m < 5:
        inc = y12 - xk
        point = x + inc.mean()
        half = stats.t.ppf(q, m - 1) * inc.std(ddof=1) * np.sqrt(1 + 1 / m)
        return point, point - half, point + half
    sxx = ((xk - xk.mean()) ** 2).sum()
    b = ((xk - xk.mean()) * (y12 - y12.mean())).sum() / sxx
    a = y12.mean() - b * xk.mean()
    s2 = ((y12 - a - b * xk) ** 2).sum() / (m - 2)
    point = a + b * x
    half = stats.t.ppf(q, m - 2) * np.sqrt(s2 * (1 + 1 / m + (x - xk.mean()) ** 2 / sxx))
    return point, point - half, point + half


@pytest.mark.parametrize(("as_of", "history"), [("2025-06-30", "own"), ("2024-06-30", "pooled")])
def test_anm05_forecasts_equal_a_reference_read_from_the_files(
        sample_dir: Path, tables: dict[str, pd.DataFrame], as_of: str, history: str) -> None:
    """ANM05 at the end of June, unit by unit, against the forecast recomputed here from budget.csv
    and payments.csv: in 2025 each unit has its own 2023–2024 (increment, Student t); in 2024 one own
    year is too few, so its peers' 2023 (same kind, same region level; OLS) are used."""
    year, k = int(as_of[:4]), 6
    traj = _reference_trajectories(sample_dir, as_of)
    units = pd.read_csv(sample_dir / "units.csv", dtype=str).set_index("unit_code")
    regions = pd.read_csv(sample_dir / "regions.csv", dtype=str).set_index("region_code")
    peer = units["kind"] + "|" + units["region_code"].map(regions["level"])
    earlier = [(u, c) for (u, y), c in traj.items() if y < year]  # payments start in January 2023
    expected = {}
    for (unit, y), cum in traj.items():
        if y != year:
            continue
        rows = [c for u, c in earlier if u == unit]  # its own earlier years, if two or more
        if len(rows) < 2:
            rows = [c for u, c in earlier if peer[u] == peer[unit]]  # else its peers', if five or more
            if len(rows) < 5:
                rows = [c for _, c in earlier]  # else every unit's
        expected[unit] = _reference_forecast(np.array([[c[k - 1], c[11]] for c in rows]), float(cum[k - 1]))
    assert len(expected) == 150

    ctx = make_context(tables, as_of)
    res = anm05(ctx, dict(ctx.params.indicator("ANM05"))).set_index("unit_code").sort_index()
    assert sorted(res.index) == sorted(expected)
    assert res["method"].eq("increment" if history == "own" else "ols").all()
    ref = pd.DataFrame.from_dict(expected, orient="index", columns=["point", "lower", "upper"]).sort_index()
    for col in ("point", "lower", "upper"):
        np.testing.assert_allclose(res[col].to_numpy(dtype=float), ref[col].to_numpy(), rtol=0, atol=1e-9,
                                   err_msg=col)
    current = [traj[(u, year)][k - 1] for u in ref.index]
    np.testing.assert_allclose(res["current"].to_numpy(dtype=float), current, atol=1e-12)
