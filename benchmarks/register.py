"""Ingest 12 monthly scans into the register on SQLite and PostgreSQL; print seconds per ingest and size.

    .venv/bin/python benchmarks/register.py [--full] [--months 12] [--findings N] [--pg postgresql+psycopg://...]

The scans are real scans of the sample as of the last 12 month-ends of its data (``--full``: the full
sample of benchmarks/load.py, ≥ 1M payments; default: the committed small sample), so most findings
repeat from month to month, some appear and some are cleared, as in a bureau's year. The samples'
scans hold a few hundred findings; ``--findings N`` writes synthetic monthly scans of N findings each
(90 % repeating, 5 % churn, 2 % changed evidence) to measure the register at a large bureau's volume. Each backend gets
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


def synthetic_scans(data_dir: Path, months: int, n: int, work: Path) -> list[Path]:
    """``months`` scans of ``n`` findings each over the sample's units: month to month 90 % repeat (2 % of
    them with changed evidence), 5 % disappear and as many new ones appear — a large bureau's churn."""
    import json

    import numpy as np

    from fiscalrisk.data import load
    from fiscalrisk.findings import finalize_assessed, finalize_findings
    from fiscalrisk.indicators import registry
    from fiscalrisk.scan import ScanResult, write_scan

    ds = load(data_dir)
    units = ds["units"][["unit_code", "region_code"]].astype(str).to_numpy()
    regions = ds["regions"]
    codes = ["PAY06", "PAY07", "PAY08", "BUD01", "CON01"]
    rng = np.random.default_rng(0)
    live = list(range(n))
    next_id = n
    tree = [{"region_code": str(r.region_code), "parent_code": "" if pd.isna(r.parent_code) else str(r.parent_code),
             "level": str(r.level)} for r in regions.itertuples()]
    assessed = finalize_assessed(pd.DataFrame([
        {"indicator": c, "module": registry.get(c).module, "region_code": r["region_code"], "status": "assessed",
         "assessed": 1, "flagged": 0, "warnings": 0, "alerts": 0, "reason": ""} for c in codes for r in tree]))
    scores = pd.DataFrame({"subject_type": "unit", "subject_id": units[:, 0], "name": units[:, 0],
                           "region_code": units[:, 1], "region_level": "", "scope": "own", "score": 0.0, "units": 1,
                           "alerts": 0, "warnings": 0, "top_indicators": ""})
    out = []
    changed: set[int] = set()
    for m in range(months):
        if m:
            gone = set(rng.choice(live, size=n // 20, replace=False).tolist())
            live = [i for i in live if i not in gone] + list(range(next_id, next_id + n // 20))
            next_id += n // 20
            changed |= set(rng.choice(live, size=n // 50, replace=False).tolist())
        rows = []
        for i in live:
            unit, region = units[i % len(units)]
            code = codes[i % len(codes)]
            subject = f"S{i:07d}"
            rows.append({"finding_id": registry.finding_id(code, "payment", subject, "2025"), "indicator": code,
                         "module": registry.get(code).module, "level": "alert" if i % 3 else "warning",
                         "region_code": region, "unit_code": unit, "subject_type": "payment", "subject_id": subject,
                         "period": "2025", "value": 1000.0 + i, "threshold": 1.0, "message_zh": subject,
                         "message_en": subject,
                         "evidence": json.dumps({"ids": [subject], "v": 2 if i in changed else 1})})
        as_of = (pd.Timestamp(2025, 1, 31) + pd.offsets.MonthEnd(m)).strftime("%Y-%m-%d")
        result = ScanResult(findings=finalize_findings(pd.DataFrame(rows)), assessed=assessed, pefa=pd.DataFrame(),
                            pefa_scores=pd.DataFrame(), scores=scores,
                            manifest={"package": "fiscalrisk", "as_of": as_of, "regions": tree, "inputs": {}})
        out.append(write_scan(result, work / f"scan-{as_of[:7]}"))
    print(f"  {months} synthetic scans of {n:,} findings written")
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
    ap.add_argument("--findings", type=int, metavar="N",
                    help="instead of real scans, synthetic monthly scans of N findings each over the sample's units")
    args = ap.parse_args()
    if args.full:
        from load import CACHE, ensure_full

        _, data = ensure_full(CACHE)  # the Parquet copy of the full sample
    else:
        data = ROOT / "data_samples" / "huzhou"
    with tempfile.TemporaryDirectory(prefix="fiscalrisk-register-bench-") as tmp:
        work = Path(tmp)
        print(f"data: {data}")
        scans = (synthetic_scans(data, args.months, args.findings, work) if args.findings
                 else monthly_scans(data, args.months, work))
        from fiscalrisk.data import load

        regions = load(data)["regions"]
        county = str(regions.loc[regions["level"] == "county", "region_code"].iloc[0])
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
