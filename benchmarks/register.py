"""Ingest 12 monthly scans into the register on SQLite and PostgreSQL; print seconds per ingest and size.

    .venv/bin/python benchmarks/register.py [--full] [--months 12] [--pg postgresql+psycopg://...]

The scans are real scans of the sample as of the last 12 month-ends of its data (``--full``: the full
sample of benchmarks/load.py, ≥ 1M payments; default: the committed small sample), so most findings
repeat from month to month, some appear and some are cleared, as in a bureau's year. Each backend gets
a fresh database. Also prints the time of ``Register.cases(region=<a county>)`` (what
``fiscalrisk register list --region`` runs). PostgreSQL: ``--pg`` or ``$FISCALRISK_TEST_PG`` (a server
where a database may be created); skipped without one. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def monthly_scans(data_dir: Path, months: int, work: Path) -> list[Path]:
    from fiscalrisk.data import load
    from fiscalrisk.scan import scan, write_scan

    dataset = load(data_dir)
    last = pd.Timestamp(dataset["payments"]["pay_date"].max())
    ends = [(last.to_period("M") - i).to_timestamp(how="end").normalize() for i in range(months, 0, -1)]
    out = []
    for end in ends:
        t0 = time.perf_counter()
        path = write_scan(scan(dataset, as_of=end), work / f"scan-{end:%Y-%m}")
        print(f"  scan as of {end:%Y-%m-%d}: {time.perf_counter() - t0:6.1f} s", flush=True)
        out.append(path)
    return out


def bench(url: str, scans: list[Path], county: str) -> None:
    from fiscalrisk.register import Register

    reg = Register(url)
    reg.init()
    for path in scans:
        t0 = time.perf_counter()
        result = reg.ingest(path)
        seconds = time.perf_counter() - t0
        counts = " ".join(f"{k}={v}" for k, v in result.counts().items())
        print(f"  ingest {path.name}: {seconds:6.2f} s  ({result.findings:,} findings: {counts})", flush=True)
    t0 = time.perf_counter()
    listed = reg.cases(region=county)
    print(f"  cases(region={county}): {time.perf_counter() - t0:.3f} s ({len(listed):,} cases)")
    t0 = time.perf_counter()
    audit = reg.audit()
    print(f"  audit: {time.perf_counter() - t0:.2f} s ({audit.events:,} events, intact={audit.intact})")
    if url.startswith("sqlite"):
        size = Path(url.split("///", 1)[1]).stat().st_size
    else:
        from sqlalchemy import text

        with reg.engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    print(f"  database size: {size / 1e6:.1f} MB")
    reg.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="the full sample (≥ 1M payments) instead of the small one")
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--pg", default=os.environ.get("FISCALRISK_TEST_PG"), help="PostgreSQL server URL")
    args = ap.parse_args()
    if args.full:
        from load import CACHE, ensure_full

        ensure_full()
        data = CACHE
    else:
        data = ROOT / "data_samples" / "huzhou"
    with tempfile.TemporaryDirectory(prefix="fiscalrisk-register-bench-") as tmp:
        work = Path(tmp)
        print(f"data: {data}")
        scans = monthly_scans(data, args.months, work)
        regions = pd.read_csv(data / "regions.csv", dtype=str) if (data / "regions.csv").exists() else None
        county = regions.loc[regions["level"] == "county", "region_code"].iloc[0] if regions is not None else "330521"
        print("SQLite:")
        bench(f"sqlite:///{work / 'register.db'}", scans, county)
        if args.pg:
            from sqlalchemy import create_engine, text

            name = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                print("PostgreSQL:")
                bench(args.pg.rsplit("/", 1)[0] + f"/{name}", scans, county)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            print("PostgreSQL: skipped (no --pg URL and no FISCALRISK_TEST_PG)")


if __name__ == "__main__":
    main()
