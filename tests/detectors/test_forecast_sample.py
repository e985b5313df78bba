"""ANM05's forecast backtested on the committed sample: calibration of the 80% interval.

The sample's completed years are 2023–2025 (as_of 2026-06-30). Each unit's 2024 and 2025 December
execution rate is forecast from every month-end cut-off 1..11 with ANM05's own trajectories and choice
of history (2025: the unit's own 2023–2024; 2024: one own year, so pooled peers). The data are
deterministic, so the coverage is a fixed figure: a check of the interval's calibration, not a flaky
sampling test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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


def test_backtest_follows_the_indicator_code_path(tables: dict[str, pd.DataFrame], sample_bt: pd.DataFrame) -> None:
    """ANM05 run at 30 June 2025 gives the backtest's cut-off-6 forecasts of 2025, unit by unit."""
    ctx = make_context(tables, "2025-06-30")
    res = anm05(ctx, dict(ctx.params.indicator("ANM05"))).set_index("unit_code").sort_index()
    ref = sample_bt.loc[(sample_bt["year"] == 2025) & (sample_bt["cutoff"] == 6)].set_index("unit").sort_index()
    assert list(res.index) == list(ref.index)
    for col in ("point", "lower", "upper"):
        np.testing.assert_allclose(res[col].to_numpy(dtype=float), ref[col].to_numpy(dtype=float), atol=1e-12)
