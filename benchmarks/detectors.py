"""Detector timings: Benford over 1M synthetic amounts (fiscalrisk vs benford_py), and ANM01–ANM05
on the full sample.

Run: ``.venv/bin/python benchmarks/detectors.py [n] [--data DIR] [--no-full]``.

1. Benford: wall-clock seconds (best of 3), the MAD each implementation reports and how many amounts
   benford_py counts under another digit pair (its digits come from float arithmetic; ours from the
   exact decimal value). Target: a test on 1M amounts in under 2 s.
2. Full sample (``benchmarks/load.py``'s cached ``full`` sample, generated on first use, loaded from
   its Parquet files with :func:`fiscalrisk.data.load`): each of ANM01–ANM05 run once through the
   registry (:func:`fiscalrisk.indicators.registry.run_indicator` on a scan context, as_of the latest
   pay_date), seconds per detector, subjects assessed and findings, and the total. Target: all five
   under 60 s. Single cold runs (ANM01's simulated MAD quantiles are computed and cached in the run).

The machine's load average is printed too: timings on a shared machine are only comparable with it.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from fiscalrisk.detectors import benford_test

ANOMALY_CODES = ("ANM01", "ANM02", "ANM03", "ANM04", "ANM05")


def best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def benford_amounts(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(0)
    # log-uniform over six decades (Benford) mixed with log-normal payments, rounded to cents
    amounts = np.round(
        np.concatenate([10 ** rng.uniform(0, 6, n // 2), rng.lognormal(7, 1.5, n - n // 2)]), 2
    )
    series = pd.Series(amounts)
    print(f"{n:,} synthetic amounts")

    try:
        import benford as bf
    except ImportError:  # optional test dependency
        bf = None

    # both count every positive amount
    for test, digs in (("first", 1), ("first_two", 2)):
        t_ours, ours = best_of(lambda test=test: benford_test(amounts, test))
        line = f"{test:>9}: fiscalrisk {t_ours:7.3f} s  MAD {ours.mad:.7f}"
        if bf is not None:

            def run_bf(digs: int = digs) -> pd.DataFrame:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return bf.first_digits(
                        series,
                        digs,
                        decimals=2,
                        sign="pos",
                        verbose=False,
                        confidence=95,
                        MAD=True,
                        chi_square=True,
                        KS=True,
                        show_plot=False,
                    )

            t_bf, table = best_of(run_bf)
            bf_mad = float((table["Found"] - table["Expected"]).abs().mean())
            # amounts counted under another digit by benford_py's float arithmetic (or dropped)
            diff = table["Counts"].reindex(ours.table.index).fillna(0) - ours.table["observed"]
            moved = int(diff.abs().sum() // 2)
            line += (
                f" | benford_py {t_bf:7.3f} s  MAD {bf_mad:.7f} | benford_py / fiscalrisk time "
                f"{t_bf / t_ours:4.1f}x | amounts with other digits in benford_py: {moved:,}"
            )
        print(line)
    t_all, _ = best_of(
        lambda: [benford_test(amounts, t) for t in ("first", "second", "first_two", "last_two")]
    )
    print(f"fiscalrisk first + second + first-two + last-two: {t_all:.3f} s")


def full_sample(data: Path | None = None) -> None:
    from load import CACHE, ensure_full  # benchmarks/load.py, beside this file

    from fiscalrisk.data import load
    from fiscalrisk.indicators.registry import get, run_indicator
    from fiscalrisk.scan import make_context

    _, pq_dir = ensure_full(CACHE if data is None else data)
    t0 = time.perf_counter()
    ds = load(pq_dir)
    tables = {name: ds[name] for name in ds}
    t_load = time.perf_counter() - t0
    ctx = make_context(tables)
    print(f"\nfull sample ({pq_dir}): {len(tables['payments']):,} payments, {len(tables['units']):,} units; "
          f"Parquet load+validate {t_load:.1f} s; as_of {ctx.as_of:%Y-%m-%d}")
    total = 0.0
    for code in ANOMALY_CODES:
        t = time.perf_counter()
        try:
            findings, assessed = run_indicator(code, ctx)
        except Exception as e:  # noqa: BLE001 - a failing indicator is reported, the others still timed
            # time the indicator function alone (the registry's grading and counting left out)
            # the time up to the failure (cold: the function ran in full) counts in the total; the
            # indicator function is then timed again on its own (warm caches)
            dt = time.perf_counter() - t
            total += dt
            failed = f"{type(e).__name__}: {e}"
            t = time.perf_counter()
            res = get(code)(ctx, dict(ctx.params.indicator(code)))
            warm = time.perf_counter() - t
            print(f"  {code}: {dt:7.2f} s  run_indicator FAILED after the function ran ({failed}); "
                  f"function alone, warm: {warm:.2f} s, {len(res):,} subject rows")
            continue
        dt = time.perf_counter() - t
        total += dt
        n_assessed = int(pd.to_numeric(assessed["assessed"], errors="coerce").fillna(0).sum())
        print(f"  {code}: {dt:7.2f} s  subjects assessed {n_assessed:,}  findings {len(findings):,}")
    print(f"  ANM01–ANM05 total {total:.2f} s (target < 60 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="synthetic amounts for Benford")
    parser.add_argument("--data", type=Path, default=None, help="full sample cache (default: load.py's)")
    parser.add_argument("--no-full", action="store_true", help="skip the full-sample section")
    args = parser.parse_args()
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} CPUs")
    benford_amounts(args.n)
    if not args.no_full:
        full_sample(args.data)
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
