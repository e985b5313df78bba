"""Benford digit tests over 1M synthetic amounts: fiscalrisk vs the benford_py package.

Run: ``.venv/bin/python benchmarks/detectors.py [n]``. Prints wall-clock seconds (best of 3), the
MAD each implementation reports and how many amounts benford_py counts under another digit pair
(its digits come from float arithmetic; ours from the exact decimal value).
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from fiscalrisk.detectors import benford_test


def best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(n: int = 1_000_000) -> None:
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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
