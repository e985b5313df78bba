"""Backtest of ANM05's year-end execution forecast: the Huzhou-like sample and Madrid 2023.

Run: ``.venv/bin/python benchmarks/forecast_backtest.py [--data DIR] [--interval 0.8] [--madrid DIR]``.

Sample: for each completed year Y with at least one earlier year of monthly history (2024 from 2023,
2025 from 2023–2024, with the sample's as_of 2026-06-30), every unit with a budget in Y is forecast
from each month-end cut-off k = 1..11 and compared with its actual December rate. The trajectories,
the history years and the choice of history (own years first, pooled peers as fallback) are ANM05's
own functions (:func:`fiscalrisk.indicators.anomaly.execution_trajectories`,
:func:`~fiscalrisk.indicators.anomaly.history_trajectories`,
:func:`~fiscalrisk.indicators.anomaly.forecast_history`), and the forecast is
:func:`fiscalrisk.detectors.backtest` over :func:`~fiscalrisk.detectors.forecast_year_end`. As a check
that this is the indicator's code path, ANM05 itself is run at the end of June of the last year and
its bounds are compared with the backtest's cut-off 6.

Madrid: units = Centro × Sección with a 2023 budget of at least EUR 1m; each unit's December forecast
from the other units' 2023 trajectories (leave-one-out, pooled OLS; optimistic, see
:func:`fiscalrisk.detectors.backtest_pooled`).

Coverage counts a forecast without an interval (one history row) as not covered.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from fiscalrisk.detectors import backtest, backtest_pooled
from fiscalrisk.indicators.anomaly import (
    execution_trajectories,
    forecast_history,
    history_trajectories,
    peer_groups,
)
from fiscalrisk.indicators.registry import run_indicator
from fiscalrisk.scan import make_context

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data_samples" / "huzhou"
MADRID = ROOT.parent / "shared" / "real-data" / "es-madrid-budget-execution"
MONTHS = list(range(1, 13))


def load_sample(path: Path = SAMPLE) -> dict[str, pd.DataFrame]:
    from fiscalrisk.data import load

    ds = load(path)
    return {name: ds[name] for name in ds}


def sample_backtest(tables: dict[str, pd.DataFrame], as_of: str = "2026-06-30", interval: float = 0.8,
                    min_history_years: int = 2) -> pd.DataFrame:
    """One row per target year × unit × cut-off (columns of :func:`backtest` plus year, unit, history)."""
    ctx = make_context(tables, as_of)
    traj = execution_trajectories(ctx)
    groups = peer_groups(ctx)
    last = ctx.as_of.year - 1 if not (ctx.as_of.month == 12 and ctx.as_of.day == 31) else ctx.as_of.year
    parts = []
    for year in sorted(set(traj.index.get_level_values("year"))):
        if year > last:
            continue
        hist = history_trajectories(ctx, traj, year)
        if hist.empty:
            continue
        hist_group = hist.index.get_level_values("unit_code").map(groups)
        cur = traj.loc[traj.index.get_level_values("year") == year]
        for (unit, _y), r in cur.iterrows():
            h, source = forecast_history(hist, unit, groups, min_history_years, hist_group)
            bt = backtest(r[MONTHS], h, interval)
            bt.insert(0, "history", source.split(",")[0])
            bt.insert(0, "unit", unit)
            bt.insert(0, "year", int(year))
            parts.append(bt)
    return pd.concat(parts, ignore_index=True)


def check_against_indicator(tables: dict[str, pd.DataFrame], bt: pd.DataFrame, year: int, month: int = 6) -> int:
    """Run ANM05 at the end of ``month`` of ``year``; assert its bounds equal the backtest's. Returns the
    number of units compared."""
    as_of = pd.Period(f"{year}-{month:02d}", freq="M").end_time.normalize()
    ctx = make_context(tables, as_of)
    from fiscalrisk.indicators.anomaly import anm05

    res = anm05(ctx, dict(ctx.params.indicator("ANM05"))).set_index("unit_code")
    ref = bt.loc[(bt["year"] == year) & (bt["cutoff"] == month)].set_index("unit")
    common = res.index.intersection(ref.index)
    assert len(common) == len(ref), "ANM05 and the backtest assess different units"
    for col in ("point", "lower", "upper"):
        np.testing.assert_allclose(res.loc[common, col].to_numpy(dtype=float),
                                   ref.loc[common, col].to_numpy(dtype=float), rtol=0, atol=1e-12)
    run_indicator("ANM05", ctx)  # and through the registry, as a scan runs it
    return len(common)


def summary(bt: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return bt.groupby(by).agg(
        n=("covered", "size"), coverage=("covered", "mean"), mae=("abs_error", "mean"),
        median_ae=("abs_error", "median"), width=("upper", lambda s: (s - bt.loc[s.index, "lower"]).mean()),
    )


def _madrid_read(path: Path) -> pd.DataFrame:
    d = pd.read_csv(path, sep=";", decimal=",", encoding="latin-1", dtype={"Centro": str, "Seccion": str})
    d["Centro"] = d["Centro"].str.zfill(3)  # one monthly file writes Centro 001 as "1"
    return d.groupby(["Centro", "Seccion"])[["C_DEFINITIVO", "OBL_RECONOC"]].sum()


def madrid_backtest(path: Path = MADRID, interval: float = 0.8) -> pd.DataFrame | None:
    if not path.exists():
        return None
    months = {}
    for m in MONTHS:
        name = "final" if m == 12 else f"M{m:02d}"
        months[m] = _madrid_read(path / "monthly_2023" / f"ejecucion_gastos_2023_{name}.csv.gz")
    traj = pd.DataFrame({m: g["OBL_RECONOC"] / g["C_DEFINITIVO"] for m, g in months.items()})
    budget = months[12]["C_DEFINITIVO"]
    traj = traj[(budget >= 1e6) & traj.notna().all(axis=1)]
    return backtest_pooled(traj, interval=interval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SAMPLE)
    parser.add_argument("--as-of", default="2026-06-30")
    parser.add_argument("--interval", type=float, default=0.8)
    parser.add_argument("--madrid", type=Path, default=MADRID)
    args = parser.parse_args()
    pd.set_option("display.width", 140)

    tables = load_sample(args.data)
    bt = sample_backtest(tables, args.as_of, args.interval)
    last = int(bt["year"].max())
    n_checked = check_against_indicator(tables, bt, last, 6)
    print(f"sample {args.data.name}: {bt['unit'].nunique()} units; {args.interval:.0%} interval; "
          f"ANM05 at {last}-06-30 reproduces cut-off 6 for {n_checked} units")
    for year, g in bt.groupby("year"):
        hist = g.drop_duplicates("unit")["history"].value_counts().to_dict()
        print(f"\n{year} (history: {hist}), per cut-off")
        print(summary(g, ["cutoff"]).round(3).to_string())
        print(f"{year} overall: coverage {g['covered'].mean():.3f}  MAE {g['abs_error'].mean():.4f}  "
              f"({len(g)} forecasts)")
    print(f"\nsample overall (all years): coverage {bt['covered'].mean():.3f}  MAE {bt['abs_error'].mean():.4f}  "
          f"({len(bt)} forecasts)")

    mad = madrid_backtest(args.madrid, args.interval)
    if mad is None:
        print(f"\nMadrid: reference data not present ({args.madrid})")
        return
    print(f"\nMadrid 2023: {mad['unit'].nunique()} units, leave-one-unit-out pooled OLS, per cut-off")
    print(summary(mad, ["cutoff"]).round(3).to_string())
    print(f"Madrid overall: coverage {mad['covered'].mean():.3f}  MAE {mad['abs_error'].mean():.4f}  "
          f"({len(mad)} forecasts)")


if __name__ == "__main__":
    main()
