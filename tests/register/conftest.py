"""Register tests run on SQLite and on PostgreSQL.

PostgreSQL: ``FISCALRISK_TEST_PG`` is the URL of a server where databases may be created (``./run test``
starts a throwaway server and sets it). Each test gets a fresh database. Without the variable the
PostgreSQL variants skip with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fiscalrisk.findings import finalize_assessed, finalize_findings
from fiscalrisk.indicators.registry import finding_id
from fiscalrisk.scan import ScanResult, write_scan

PG_ENV = "FISCALRISK_TEST_PG"

# city 330500 → counties 330521, 330522 → township 330521102
REGIONS = [
    {"region_code": "330500", "parent_code": "", "level": "city"},
    {"region_code": "330521", "parent_code": "330500", "level": "county"},
    {"region_code": "330521102", "parent_code": "330521", "level": "township"},
    {"region_code": "330522", "parent_code": "330500", "level": "county"},
]
UNITS = {"U1": "330521102", "U2": "330521", "U3": "330522", "U0": "330500"}
MODULE = {"PAY07": "payments", "PAY06": "payments", "BUD01": "budget", "CON01": "contracts", "OUT01": "outturn"}


def _pg_database(server: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a new database on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'register.db'}"
        return
    server = os.environ.get(PG_ENV)
    if not server:
        message = f"no PostgreSQL test server: {PG_ENV} is not set (./run test starts one)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield from _pg_database(server)


@pytest.fixture(scope="session")
def sample_scan(tmp_path_factory) -> Path:
    """A real scan of the committed sample (data_samples/huzhou)."""
    from fiscalrisk.data import load
    from fiscalrisk.scan import scan

    from ..conftest import SAMPLE_DIR

    return write_scan(scan(load(SAMPLE_DIR)), tmp_path_factory.mktemp("sample") / "scan")


def finding(code: str, unit: str | None, subject: str, period: str, value: float, *, level: str = "alert",
            evidence: dict[str, Any] | None = None, region: str | None = None, subject_type: str = "payment") -> dict:
    """One finding row as a scan writes it (the id is the contract's stable id)."""
    return {
        "finding_id": finding_id(code, subject_type, subject, period), "indicator": code, "module": MODULE[code],
        "level": level, "region_code": region or UNITS[unit], "unit_code": unit or "", "subject_type": subject_type,
        "subject_id": subject, "period": period, "value": value, "threshold": 1.0,
        "message_zh": f"{subject} 触发 {code}", "message_en": f"{subject} triggers {code}",
        "evidence": json.dumps(evidence if evidence is not None else {"ids": [subject]}, sort_keys=True),
    }


def make_scan(directory: Path, as_of: str, findings: list[dict], *, not_assessed: dict[str, list[str]] | None = None,
              regions: list[dict] | None = None, codes: tuple[str, ...] = tuple(MODULE)) -> Path:
    """A complete scan directory written by the product's own writer: ``findings`` at ``as_of``; every
    indicator of ``codes`` assessed in every region except ``not_assessed[code] = [regions]``."""
    regions = regions or REGIONS
    assessed = []
    for code in codes:
        for r in regions:
            skipped = r["region_code"] in (not_assessed or {}).get(code, [])
            assessed.append({"indicator": code, "module": MODULE[code], "region_code": r["region_code"],
                             "status": "not_assessed" if skipped else "assessed", "assessed": 0 if skipped else 5,
                             "flagged": 0, "warnings": 0, "alerts": 0, "reason": "missing table: x" if skipped else ""})
    scores = pd.DataFrame([{"subject_type": "unit", "subject_id": u, "name": u, "region_code": r, "region_level": "",
                            "scope": "own", "score": 0.0, "units": 1, "alerts": 0, "warnings": 0, "top_indicators": ""}
                           for u, r in sorted(UNITS.items())])
    manifest = {"package": "fiscalrisk", "as_of": as_of, "regions": regions, "inputs": {}}
    result = ScanResult(findings=finalize_findings(pd.DataFrame(findings)) if findings else finalize_findings([]),
                        assessed=finalize_assessed(pd.DataFrame(assessed)), pefa=pd.DataFrame(),
                        pefa_scores=pd.DataFrame(), scores=scores, manifest=manifest)
    return write_scan(result, directory)
