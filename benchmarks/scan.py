"""The whole scan against the bare read of the payments, at 250k / 500k / 1M / 2M payments.

    .venv/bin/python benchmarks/scan.py [--sizes 250000,500000,1000000,2000000] [--check-against REV]
    .venv/bin/python benchmarks/scan.py --province [--workers 2]

Sizes up to the `full` sample's 1.2M payments are seeded random subsets of it (benchmarks/load.py
makes its Parquet copy; each subset is written once as a data directory of its own, so a size is read
and loaded at its size); 2M takes two cities of the `province` sample (generated once, about four
minutes). Each size runs in a fresh subprocess, so its peak RSS (VmHWM) is its own. Per size it prints:

* ``read``: ``pyarrow.parquet.read_table`` of the payments, the best of three (the yardstick);
* ``scan``: the whole scan (every rule and detector) of the already loaded tables, and its ratio to
  ``read``; ``load+scan`` from Parquet; once per ``--jobs`` value (default 1 and 2: the indicators in
  one process, and in two forked ones, whose largest peak RSS is printed beside the parent's);
* seconds per million payments (flat = linear), peak RSS.

``--check-against REV`` scans the 1M subset once more with the package as it was at git revision
REV (a ``git worktree`` in a temporary folder) and compares the two ``findings.csv`` byte for byte.

``--province`` scans the whole ``province`` sample (≥ 10M payments, partitioned by county) in one
process and on a ``LocalCluster(--workers)``, printing time and the peak RSS of the driver and of the
largest worker. Nothing is asserted: the figures are printed for the record.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import CACHE, ensure_full  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PROVINCE = Path(tempfile.gettempdir()) / "fiscalrisk-bench" / "province-seed0"

CHILD = r"""
import json, sys, time
import pyarrow.parquet as pq
import pandas as pd
from fiscalrisk.data import load
from fiscalrisk.scan import scan, write_scan

def peak():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]) * 1024

path, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 1
reads = []
for _ in range(3):  # the best of three: the first read of a process also starts Arrow's thread pool
    t0 = time.perf_counter()
    pq.read_table(f"{path}/payments.parquet")
    reads.append(time.perf_counter() - t0)
read_s = min(reads)
t0 = time.perf_counter()
ds = load(path)
load_s = time.perf_counter() - t0
tables = dict(ds.tables)
assert len(tables["payments"]) == n, (len(tables["payments"]), n)
t0 = time.perf_counter()
result = scan(tables, jobs=jobs) if jobs > 1 else scan(tables)  # (an older engine has no jobs)
scan_s = time.perf_counter() - t0
import resource
import fiscalrisk
workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
if out != "-":
    write_scan(result, out)
print(json.dumps({"n": len(tables["payments"]), "read_s": read_s, "load_s": load_s, "scan_s": scan_s,
                  "findings": len(result.findings), "peak_rss": peak(), "jobs": jobs, "workers_peak_rss": workers_peak,
                  "package": fiscalrisk.__file__,
                  "timings": result.manifest.get("seconds_by_indicator", {})}))
"""

PROVINCE_CHILD = r"""
import json, sys, time
from fiscalrisk.partitions import scan_data_dir

def peak():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]) * 1024

def worker_peak():
    return peak()

if __name__ == "__main__":
    path, workers = sys.argv[1], int(sys.argv[2])
    t0 = time.perf_counter()
    if workers > 1:
        # the cluster is made here so that each worker's peak RSS can be asked for before it closes
        from distributed import Client, LocalCluster
        import fiscalrisk.partitions as parts
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=40) as cluster, Client(cluster) as client:
            result = scan_data_dir(path, scheduler=cluster.scheduler_address)
            worker_rss = list(client.run(worker_peak).values())
    else:
        result = scan_data_dir(path)
        worker_rss = []
    print(json.dumps({"seconds": time.perf_counter() - t0, "findings": len(result.findings),
                      "payments": result.manifest["inputs"]["payments"]["rows"],
                      "partitions": result.manifest["partitions"]["count"],
                      "driver_peak_rss": peak(), "worker_peak_rss": worker_rss}))
"""


def _child(code: str, *args: str, env_path: str | None = None) -> dict:
    """Run ``code`` in a fresh interpreter: the package of this checkout, or the one at ``env_path``. The
    child runs in that folder (``python -c`` puts its working directory first on ``sys.path``: run from
    this checkout, it would import this checkout's package whatever PYTHONPATH says)."""
    import os

    root = env_path or str(ROOT)
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=root)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure_province() -> Path:
    if not (PROVINCE / "manifest.json").is_file():
        print(f"generating the province sample in {PROVINCE} (about four minutes) …", flush=True)
        subprocess.run([sys.executable, "-m", "fiscalrisk.cli", "sample", "--size", "province", "--out",
                        str(PROVINCE)], check=True, stdout=subprocess.DEVNULL)
    return PROVINCE


def two_cities(n: int) -> Path:
    """A one-piece data directory of two cities of the province sample (3305 and 3306)."""
    import pandas as pd

    out = PROVINCE.parent / f"two-cities-{n}"
    if (out / "payments.parquet").is_file():
        return out
    src = ensure_province()
    out.mkdir(parents=True, exist_ok=True)
    keep = ("3305", "3306")
    regions = pd.read_parquet(src / "regions.parquet")
    codes = set(regions.loc[regions["region_code"].str[:4].isin(keep), "region_code"])
    for f in sorted(src.glob("*.parquet")):
        df = pd.read_parquet(f)
        col = "region_code" if f.stem in ("regions", "revenue") else ("unit_code" if "unit_code" in df else None)
        if col == "region_code":
            df = df.loc[df["region_code"].isin(codes)]
            if f.stem == "regions":
                df = df.assign(parent_code=df["parent_code"].where(df["parent_code"].isin(codes)))
        elif col:
            df = df.loc[df[col].str[:4].isin(keep)]
        if f.stem == "project_progress":
            projects = pd.read_parquet(src / "projects.parquet")
            df = df.loc[df["project_code"].isin(set(projects.loc[projects["unit_code"].str[:4].isin(keep),
                                                                  "project_code"]))]
        df.to_parquet(out / f.name, index=False)
    parts = [pd.read_parquet(p) for p in sorted((src / "payments").glob("county=33050*/*.parquet"))
             + sorted((src / "payments").glob("county=33052*/*.parquet"))
             + sorted((src / "payments").glob("county=33060*/*.parquet"))
             + sorted((src / "payments").glob("county=33062*/*.parquet"))]
    pay = pd.concat(parts, ignore_index=True)
    pay.sample(n=min(n, len(pay)), random_state=0).sort_index().to_parquet(out / "payments.parquet", index=False)
    return out


def subset(full: Path, n: int) -> Path:
    """A data directory of ``n`` payments of the full sample (a seeded random subset, in the sample's
    order) and its other tables, written once: each size is loaded from a Parquet file of its own size."""
    import pandas as pd

    total = len(pd.read_parquet(full / "payments.parquet", columns=["payment_id"]))
    if n >= total:
        return full
    out = full.parent / f"parquet-{n}"
    if (out / "payments.parquet").is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    for f in sorted(full.glob("*.parquet")):
        if f.name != "payments.parquet":
            shutil.copyfile(f, out / f.name)
    pay = pd.read_parquet(full / "payments.parquet")
    pay.sample(n=n, random_state=0).sort_index().to_parquet(out / "payments.parquet", index=False)
    return out


def scan_sizes(sizes: list[int], check_against: str | None, jobs: list[int]) -> None:
    _, full = ensure_full(CACHE)
    rows = []
    for n in sizes:
        path = subset(full, n) if n <= 1_200_000 else two_cities(n)
        for j in jobs:
            r = _child(CHILD, str(path), str(n), "-", str(j))
            rows.append(r)
            slow = sorted(r["timings"].items(), key=lambda kv: -kv[1])[:4]
            workers = f" (largest worker {r['workers_peak_rss'] / 1e9:4.2f} GB)" if j > 1 else ""
            print(f"{r['n']:>10,} payments, jobs {j}: read {r['read_s']:5.2f} s | scan {r['scan_s']:6.2f} s = "
                  f"{r['scan_s'] / r['read_s']:5.1f}x read, {r['scan_s'] / r['n'] * 1e6:5.2f} s per million | "
                  f"load+scan {r['load_s'] + r['scan_s']:6.2f} s | peak RSS {r['peak_rss'] / 1e9:4.2f} GB{workers} | "
                  f"{r['findings']:,} findings | slowest: " + ", ".join(f"{k} {v:.2f}s" for k, v in slow), flush=True)
    if check_against:
        tmp = Path(tempfile.mkdtemp(prefix="fiscalrisk-bench-"))
        try:
            old = tmp / "old"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), check_against],
                           check=True, capture_output=True)
            new_out, old_out = tmp / "new-scan", tmp / "old-scan"
            _child(CHILD, str(subset(full, 1_000_000)), "1000000", str(new_out))
            r = _child(CHILD, str(subset(full, 1_000_000)), "1000000", str(old_out), env_path=str(old))
            if not Path(r["package"]).is_relative_to(old):
                raise SystemExit(f"the previous engine's run imported {r['package']}, not the package at {old}")
            same = (new_out / "findings.csv").read_bytes() == (old_out / "findings.csv").read_bytes()
            files = sorted(str(f.relative_to(new_out)) for f in new_out.rglob("*") if f.is_file())
            differ = [n for n in files if n != "manifest.json" and (not (old_out / n).is_file()
                                                                    or (old_out / n).read_bytes() != (new_out / n).read_bytes())]
            print(f"1M findings against {check_against}: {'byte-identical' if same else 'DIFFERENT'}; other files "
                  f"of the scan directory that differ: {differ or 'none'} (previous engine, {r['package']}: scan "
                  f"{r['scan_s']:.2f} s, peak RSS {r['peak_rss'] / 1e9:.2f} GB)")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tmp / "old")],
                           capture_output=True)
            shutil.rmtree(tmp, ignore_errors=True)


def scan_province(workers: int) -> None:
    path = ensure_province()
    for w in (1, workers):
        t = time.perf_counter()
        r = _child(PROVINCE_CHILD, str(path), str(w))
        wk = ", ".join(f"{x / 1e9:.2f}" for x in r["worker_peak_rss"]) or "-"
        print(f"province ({r['payments']:,} payments, {r['partitions']} partitions), "
              f"{'one process' if w == 1 else f'LocalCluster({w})'}: {r['seconds']:.1f} s "
              f"({time.perf_counter() - t:.1f} s with start-up), driver peak RSS "
              f"{r['driver_peak_rss'] / 1e9:.2f} GB, workers' peak RSS [{wk}] GB, {r['findings']:,} findings",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="250000,500000,1000000,2000000")
    parser.add_argument("--check-against", metavar="REV", help="compare the 1M findings with this git revision's")
    parser.add_argument("--province", action="store_true", help="the ≥ 10M province sample, one process vs Dask")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jobs", default="1,2", help="the scan's --jobs to measure at each size (default 1,2)")
    args = parser.parse_args()
    if args.province:
        scan_province(args.workers)
    else:
        scan_sizes([int(s) for s in args.sizes.split(",")], args.check_against, [int(j) for j in args.jobs.split(",")])


if __name__ == "__main__":
    main()
