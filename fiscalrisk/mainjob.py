"""The main job on the bundled sample: ``./run main``.

data_samples/huzhou (generated if absent) → validate → scan → the alert register (``out/fiscalrisk.db``,
the scan ingested) → every region's report with its closed-loop section, outputs under ``out/``, with a
short summary of what was found and where to look.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./run main", description=__doc__)
    parser.add_argument("--data", default=str(ROOT / "data_samples" / "huzhou"), help="data directory (default: the sample)")
    parser.add_argument("--out", default=str(ROOT / "out"), help="output directory (default: out/)")
    parser.add_argument("--workers", type=int, default=2, help="regions reported at a time (default 2)")
    args = parser.parse_args(argv)
    from .cli import main as cli

    data = Path(args.data)
    if not (data / "regions.csv").exists():
        print(f"==> generating the sample in {data}")
        rc = cli(["sample", "--out", str(data), "--seed", "0", "--size", "small"])
        if rc:
            return rc
    print(f"==> validating {data}")
    rc = cli(["validate", str(data)])
    if rc:
        return rc
    out = Path(args.out)
    scan_dir = out / "scan"
    print(f"\n==> scanning {data} into {scan_dir}")
    rc = cli(["scan", str(data), "--out", str(scan_dir)])
    if rc:
        return rc
    if (data / "labels.csv").exists():
        print("\n==> findings against the sample's planted cases (labels.csv)")
        rc = cli(["evaluate", str(data), str(scan_dir)])
        if rc:
            return rc
    db = out / "fiscalrisk.db"
    print(f"\n==> the alert register {db}: every finding becomes a case to follow until it is closed")
    for step in (["init"], ["ingest", str(scan_dir)]):
        rc = cli(["register", *step, "--db", str(db)])
        if rc:
            return rc
    reports = out / "reports"
    print(f"\n==> every region's report into {reports} (papermill, {args.workers} workers)")
    # the reports read the scan directory only
    rc = cli(["report", "--scan", str(scan_dir), "--out", str(reports), "--workers", str(args.workers),
              "--db", str(db)])
    print("\noutputs:")
    print(f"  {scan_dir}/findings.csv   one row per finding, with zh/en explanations and evidence")
    print(f"  {scan_dir}/scores.csv     risk scores per unit and region; pefa_scores.csv: PEFA letters")
    print(f"  {reports / 'index.html'}  every region's report (open it in a browser)")
    print(f"  dashboard: .venv/bin/fiscalrisk dashboard --scan {scan_dir} --db {db}")
    print(f"  register:  .venv/bin/fiscalrisk register list --db {db}   (then: user add, act, tasks, kpi, casedesk)")
    return rc


if __name__ == "__main__":
    sys.exit(main())
