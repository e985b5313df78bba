"""The whole scan on the `full` sample at 250k / 500k / 1M payments; print time, peak memory, growth.

    .venv/bin/python benchmarks/scan.py [--data DIR] [--rules-only]

Uses the Parquet copy of the full sample made by benchmarks/load.py (generated if absent). Each size
runs in a fresh subprocess (its own peak RSS): the payments are a seeded random subset of the full
table, the other tables unchanged. Also prints the time of just reading payments.parquet, the
yardstick the scan is compared with. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import CACHE, ensure_full  # noqa: E402

CHILD = r"""
import json, sys, time
import pandas as pd
from fiscalrisk.data import load
from fiscalrisk.indicators import registry
from fiscalrisk.scan import scan
path, n, rules_only = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
t0 = time.perf_counter()
pay = pd.read_parquet(f"{path}/payments.parquet")
read_s = time.perf_counter() - t0
ds = load(path)
tables = dict(ds.tables)
if n < len(tables["payments"]):
    tables["payments"] = tables["payments"].sample(n=n, random_state=0).sort_index()
codes = [s.code for s in registry.specs() if not (rules_only and s.module == "anomaly")]
t0 = time.perf_counter()
result = scan(tables, codes=codes)
scan_s = time.perf_counter() - t0
print(json.dumps({"n": len(tables["payments"]), "read_s": read_s, "scan_s": scan_s,
                  "findings": len(result.findings), "timings": result.manifest.get("seconds_by_indicator", {}),
                  "peak_rss": int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]) * 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=CACHE)
    parser.add_argument("--rules-only", action="store_true", help="leave out the ANM detectors")
    args = parser.parse_args()
    _, pq_dir = ensure_full(args.data)
    rows = []
    for n in (250_000, 500_000, 1_000_000):
        out = subprocess.run([sys.executable, "-c", CHILD, str(pq_dir), str(n), "1" if args.rules_only else "0"],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        slow = sorted(r["timings"].items(), key=lambda kv: -kv[1])[:5]
        print(f"{r['n']:>9,} payments: scan {r['scan_s']:6.1f} s, peak RSS {r['peak_rss'] / 1e9:4.2f} GB, "
              f"{r['findings']:,} findings; read payments.parquet {r['read_s']:.2f} s "
              f"(scan = {r['scan_s'] / r['read_s']:.0f}x read); slowest: "
              + ", ".join(f"{k} {v:.1f}s" for k, v in slow), flush=True)
    a, b, c = rows
    print(f"growth: 500k/250k = {b['scan_s'] / a['scan_s']:.2f}x, 1M/500k = {c['scan_s'] / b['scan_s']:.2f}x "
          f"(linear = 2.00x)")


if __name__ == "__main__":
    main()
