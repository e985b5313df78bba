"""Load and validate the `full` sample (≥ 1M payments) from CSV and from Parquet; print the figures.

    .venv/bin/python benchmarks/load.py [--data DIR] [--repeat N]

Each measurement runs in a fresh subprocess so that its peak memory (ru_maxrss) is its own. Figures:
- Parquet: validated rows per second over all tables;
- CSV: fiscalrisk's load vs `pandas.read_csv(engine="pyarrow")` of the payments file alone;
- peak memory against the in-memory size of the validated tables.
Nothing is asserted: the numbers are printed for the record.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "fiscalrisk-bench" / "full-seed0"

CHILD = r"""
import json, sys, time
import pandas as pd
from fiscalrisk.data import load
mode, path = sys.argv[1], sys.argv[2]

def peak_rss():
    # VmHWM: this process's own high-water mark (ru_maxrss would carry the parent's over exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0

t0 = time.perf_counter()
if mode == "fiscalrisk":
    ds = load(path)
    rows = sum(len(f) for f in ds.tables.values())
    mem = sum(int(f.memory_usage(deep=True).sum()) for f in ds.tables.values())
elif mode == "pandas_pyarrow":
    df = pd.read_csv(path, engine="pyarrow")
    rows, mem = len(df), int(df.memory_usage(deep=True).sum())
elif mode == "baseline":
    rows, mem = 0, 0  # imports only: the interpreter's own footprint
elapsed = time.perf_counter() - t0
print(json.dumps({"seconds": elapsed, "rows": rows, "table_bytes": mem,
                  "peak_rss": peak_rss()}))
"""


def child(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(mode: str, path: Path, repeat: int) -> dict:
    runs = [child(mode, path) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"])


def ensure_full(data: Path) -> tuple[Path, Path]:
    csv_dir, pq_dir = data / "csv", data / "parquet"
    if not (csv_dir / "payments.csv").exists():
        from fiscalrisk import samples

        print(f"generating the full sample in {csv_dir} ...", flush=True)
        t0 = time.perf_counter()
        samples.write(csv_dir, seed=0, size="full")
        print(f"  generated in {time.perf_counter() - t0:.1f} s")
    if not (pq_dir / "payments.parquet").exists():
        from fiscalrisk.data import load

        pq_dir.mkdir(parents=True, exist_ok=True)
        ds = load(csv_dir)
        for name in ds:
            ds[name].to_parquet(pq_dir / f"{name}.parquet", index=False)
    return csv_dir, pq_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=CACHE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    csv_dir, pq_dir = ensure_full(args.data)
    mb = (csv_dir / "payments.csv").stat().st_size / 1e6
    base = child("baseline", csv_dir)
    pq = best("fiscalrisk", pq_dir, args.repeat)
    cs = best("fiscalrisk", csv_dir, args.repeat)
    pd_pay = best("pandas_pyarrow", csv_dir / "payments.csv", args.repeat)
    fr_pay_dir = args.data / "payments_only"
    if not fr_pay_dir.exists():
        # the same payments file with only the tables it needs, to compare like with like
        fr_pay_dir.mkdir(parents=True)
        for name in ("regions", "units", "budget", "payments"):
            (fr_pay_dir / f"{name}.csv").symlink_to(csv_dir / f"{name}.csv")
    fr_pay = best("fiscalrisk", fr_pay_dir, args.repeat)
    tables_mb = pq["table_bytes"] / 1e6
    print()
    print(f"full sample: {pq['rows']:,} rows in all tables; payments.csv {mb:,.0f} MB; tables in memory {tables_mb:,.0f} MB")
    print(f"interpreter + imports baseline peak RSS: {base['peak_rss'] / 1e6:,.0f} MB")
    print(f"Parquet load+validate, all tables : {pq['seconds']:6.2f} s  = {pq['rows'] / pq['seconds']:,.0f} rows/s"
          f"  peak RSS {pq['peak_rss'] / 1e6:,.0f} MB ({pq['peak_rss'] / pq['table_bytes']:.1f}x tables;"
          f" {(pq['peak_rss'] - base['peak_rss']) / pq['table_bytes']:.1f}x above baseline)")
    print(f"CSV load+validate, all tables     : {cs['seconds']:6.2f} s  = {cs['rows'] / cs['seconds']:,.0f} rows/s"
          f"  peak RSS {cs['peak_rss'] / 1e6:,.0f} MB ({cs['peak_rss'] / cs['table_bytes']:.1f}x tables;"
          f" {(cs['peak_rss'] - base['peak_rss']) / cs['table_bytes']:.1f}x above baseline)")
    print(f"CSV payments: fiscalrisk (regions+units+budget+payments) {fr_pay['seconds']:.2f} s vs "
          f"pandas.read_csv(engine='pyarrow') {pd_pay['seconds']:.2f} s -> ratio {fr_pay['seconds'] / pd_pay['seconds']:.2f}x")


if __name__ == "__main__":
    main()
