"""One set of numbers: the report, the dashboard and the Python API give the same totals for the same
region and period, and they are the counts of the scan's findings.csv (read here with the csv module).

Checked on the committed sample and on a sample generated with another seed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fiscalrisk.data import load
from fiscalrisk.report.dashboard_data import DashboardData
from fiscalrisk.report.regional import RegionalReport
from fiscalrisk.scan import scan, write_scan
from tests.conftest import subtree_findings

REGIONS = ("330500", "330521", "330502104")  # city, county, township


@pytest.fixture(scope="module", params=["committed", "seed-7"])
def scanned(request: pytest.FixtureRequest, sample_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    if request.param == "committed":
        data = sample_dir
    else:
        from fiscalrisk import samples

        data = tmp_path_factory.mktemp("seed7") / "data"
        samples.write(data, seed=7, size="small")
    result = scan(load(data))
    out = write_scan(result, tmp_path_factory.mktemp("scan") / "scan")
    return data, out, result


def _counts(rows: list[dict[str, str]], year: str | None = None) -> tuple[int, int]:
    rows = [r for r in rows if year is None or r["period"][:4] == year]
    return sum(r["level"] == "alert" for r in rows), sum(r["level"] == "warning" for r in rows)


def test_report_dashboard_and_api_agree_with_the_scans_findings(scanned) -> None:
    data, out, result = scanned
    board = DashboardData(out, None, "330500")
    year = board.years()[-1]
    with open(data / "regions.csv", encoding="utf-8", newline="") as fh:
        assert {r["region_code"] for r in csv.DictReader(fh)} >= set(REGIONS)
    seen_any = False
    for region in REGIONS:
        rows = subtree_findings(out, data, region)
        alerts, warnings = _counts(rows)
        seen_any |= alerts + warnings > 0
        # the report (every period of the scan)
        h = RegionalReport(out, region).headline()
        assert (h["alerts"], h["warnings"]) == (alerts, warnings), region
        # the dashboard: every period, then one year
        k = board.kpis(region, year, all_periods=True)
        assert (k.alerts, k.warnings) == (alerts, warnings), region
        k_year = board.kpis(region, year)
        assert (k_year.alerts, k_year.warnings) == _counts(rows, str(year)), region
        # the API: the scan's result in Python, over the region's subtree
        subtree = set(board.subtree(region))
        f = result.findings.loc[result.findings["region_code"].isin(subtree)]
        levels = f["level"].astype(str)
        assert (int((levels == "alert").sum()), int((levels == "warning").sum())) == (alerts, warnings), region
        # one score: the report's headline and the dashboard's tile
        assert h["score"] == pytest.approx(k.risk_score), region
    assert seen_any, "the sample has findings"
