"""PRJ01–PRJ03: hand-made projects, progress reports, payments and contracts, run through the registry."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from fiscalrisk.indicators import run_indicator
from fiscalrisk.params import resolve
from fiscalrisk.scan import make_context

from ._tables import typed

REGIONS = typed(
    "regions", [{"region_code": "330521", "name": "德清县", "level": "county", "parent_code": None}]
)
UNITS = typed("units", [{"unit_code": "U1", "name": "县交通局", "region_code": "330521"}])
AS_OF = "2025-09-30"


def project(code: str, budget: float = 10_000_000, end: str = "2025-12-31", **kw: Any) -> dict[str, Any]:
    row = {
        "project_code": code,
        "unit_code": "U1",
        "name": f"{code} 道路改造",
        "budget_amount": budget,
        "start_date": "2025-01-01",
        "planned_end_date": end,
    }
    row.update(kw)
    return row


def report(code: str, progress: float, date: str) -> dict[str, Any]:
    return {"project_code": code, "report_date": date, "physical_progress": progress}


def payment(pid: str, amount: float, project_code: str | None, date: str = "2025-06-01") -> dict[str, Any]:
    return {
        "payment_id": pid,
        "pay_date": date,
        "unit_code": "U1",
        "function_code": "2140101",
        "economic_code": "31005",
        "project_code": project_code,
        "payee_name": "湖州甲建设有限公司",
        "payee_type": "organization",
        "method": "transfer",
        "amount": amount,
    }


def run(code: str, as_of: str = AS_OF, **tables: list[dict[str, Any]]):
    if "payments" not in tables:
        tables["payments"] = [payment("none", 1.0, None)]
    ctx = make_context(
        {"regions": REGIONS, "units": UNITS, **{t: typed(t, rows) for t, rows in tables.items()}},
        pd.Timestamp(as_of),
        resolve(),
    )
    return run_indicator(code, ctx)


def levels(findings: pd.DataFrame) -> dict[str, str]:
    return dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True))


# ---------------------------------------------------------------------------------------- PRJ01
def test_prj01_paid_share_ahead_of_latest_progress():
    findings, assessed = run(
        "PRJ01",
        projects=[project(c) for c in ("J20", "J19", "J35", "Jlate", "Jnoreport")],
        project_progress=[
            report("J20", 30, "2025-08-31"),
            report("J19", 30, "2025-08-31"),
            report("J35", 40, "2025-05-31"),
            report("J35", 25, "2025-08-31"),  # the latest report counts, even when lower
            report("Jlate", 10, "2025-06-30"),
            report("Jlate", 60, "2025-10-31"),  # after as_of: not known yet
        ],
        payments=[
            payment("a", 5_000_000, "J20"),  # 50 % paid − 30 % done = 20 pp
            payment("b", 4_900_000, "J19"),  # 19 pp
            payment("c", 6_100_000, "J35"),
            payment("c-", -100_000, "J35"),  # 60 % − 25 % = 35 pp
            payment("d", 3_000_000, "Jlate"),  # 30 % − 10 % = 20 pp
            payment("e", 9_000_000, "Jnoreport"),
            payment("f", 9_000_000, "J19", date="2025-10-08"),  # after as_of
        ],
    )
    assert levels(findings) == {"J20": "warning", "J35": "alert", "Jlate": "warning"}
    f = findings.set_index("subject_id")
    assert f.loc["J20", "value"] == pytest.approx(20.0) and f.loc["J35", "value"] == pytest.approx(35.0)
    assert json.loads(f.loc["J35", "evidence"])["report_date"] == "2025-08-31"
    assert f.loc["J35", "period"] == "2025"
    assert int(assessed["assessed"].sum()) == 4  # Jnoreport has no report to compare with


# ---------------------------------------------------------------------------------------- PRJ02
def test_prj02_overdue_unfinished_projects():
    findings, assessed = run(
        "PRJ02",
        projects=[
            project("Kdue", end="2025-09-30"),  # due today: not overdue
            project("K1", end="2025-09-29"),  # one day overdue
            project("K180", end="2025-04-03"),  # 180 days: still a warning
            project("K181", end="2025-04-02"),  # 181 days: alert
            project("Kdone", end="2025-03-01", actual_end_date="2025-05-01"),
            project("K100", end="2025-03-01"),  # reported 100 %
            project("Knews", end="2025-03-01"),  # no report, no end date
            project("Kfuture", end="2026-03-01", start_date="2025-10-10"),  # not started
        ],
        project_progress=[
            report("K1", 95, "2025-09-15"),
            report("K180", 80, "2025-09-15"),
            report("K181", 99.5, "2025-09-15"),
            report("K100", 100, "2025-06-01"),
        ],
    )
    assert levels(findings) == {"K1": "warning", "K180": "warning", "K181": "alert", "Knews": "alert"}
    f = findings.set_index("subject_id")
    assert f.loc["K181", "value"] == 181 and f.loc["K181", "threshold"] == 180
    assert "无进度报告" in f.loc["Knews", "message_zh"]
    assert int(assessed["assessed"].sum()) == 7


def test_prj02_needs_some_completion_data():
    findings, assessed = run("PRJ02", projects=[project("K1", end="2025-01-01")])
    assert findings.empty
    assert set(assessed["status"]) == {"not_assessed"}
    assert "no completion data" in assessed["reason"].iloc[0]


# ---------------------------------------------------------------------------------------- PRJ03
def test_prj03_paid_or_contracted_above_budget():
    contract = {
        "unit_code": "U1",
        "vendor_name": "湖州甲建设有限公司",
        "category": "works",
        "signed_date": "2025-02-01",
        "end_date": "2026-02-01",
    }
    findings, _ = run(
        "PRJ03",
        projects=[project("L1"), project("L2"), project("L3"), project("L4")],
        payments=[
            payment("a", 10_000_000, "L1"),  # exactly the budget
            payment("b", 10_000_000.01, "L2"),  # one cent over
            payment("c", 2_000_000, "L3"),
        ],
        contracts=[
            {**contract, "contract_id": "H1", "amount": 6_000_000, "project_code": "L3"},
            {**contract, "contract_id": "H2", "amount": 5_000_000, "project_code": "L3"},  # 11 M contracted
            {
                **contract,
                "contract_id": "H3",
                "amount": 12_000_000,
                "project_code": "L4",
                "signed_date": "2025-11-01",
            },  # after as_of
        ],
    )
    assert levels(findings) == {"L2": "alert", "L3": "alert"}
    l3 = findings.set_index("subject_id").loc["L3"]
    assert l3["value"] == pytest.approx(1.1)
    assert json.loads(l3["evidence"])["contracted"] == 11_000_000
