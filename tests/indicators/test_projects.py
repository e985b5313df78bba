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


# ======================================================================================================
# Boundaries and exclusions: each threshold at, just below and just above it; the as_of day itself;
# each exclusion with a case where it changes the result. Parameters are moved through the context's
# ``indicators={CODE: {...}}`` overrides.
# ======================================================================================================
from . import _tables  # noqa: E402
from ._coverage import covers  # noqa: E402


def boundary_run(code: str, as_of: str = AS_OF, params: dict[str, Any] | None = None,
                 **tables: list[dict[str, Any]]):
    if "payments" not in tables:
        tables["payments"] = [payment("none", 1.0, None)]
    frames = {t: typed(t, rows) for t, rows in tables.items()}
    ctx = _tables.context(frames, as_of, {code: params} if params else None)
    return _tables.run(code, ctx)


def graded(code: str, as_of: str = AS_OF, params: dict[str, Any] | None = None,
           **tables: list[dict[str, Any]]) -> dict[str, str]:
    return _tables.flagged(boundary_run(code, as_of, params, **tables)[0])


# ---------------------------------------------------------------------------------------- PRJ01
def _prj01_tables() -> dict[str, list[dict[str, Any]]]:
    # budgets of 10,000,000 and 30 % progress everywhere: 1 pp = 100,000 paid
    codes = {"P20": 5_000_000, "P19": 4_999_999.99, "P35": 6_500_000, "P34": 6_499_999.99, "P36": 6_500_000.01}
    return {
        "projects": [project(c) for c in codes],
        "project_progress": [report(c, 30, "2025-08-31") for c in codes],
        "payments": [payment(f"pay-{c}", a, c) for c, a in codes.items()],
    }


@covers("PRJ01", "warning", "alert")
def test_prj01_pp_ahead_at_and_around_both_thresholds():
    t = _prj01_tables()
    # 20 pp warns, 19.9999999 does not; 35 pp alerts, 34.9999999 warns, 35.0000001 alerts
    assert graded("PRJ01", **t) == {"P20": "warning", "P35": "alert", "P34": "warning", "P36": "alert"}
    # thresholds are whole pp: each moved by one crosses the subjects next to it
    assert graded("PRJ01", params={"warning": 19}, **t) == {
        "P20": "warning", "P19": "warning", "P35": "alert", "P34": "warning", "P36": "alert"}
    assert graded("PRJ01", params={"warning": 21}, **t) == {"P35": "alert", "P34": "warning", "P36": "alert"}
    assert graded("PRJ01", params={"alert": 34}, **t) == {
        "P20": "warning", "P35": "alert", "P34": "alert", "P36": "alert"}
    assert graded("PRJ01", params={"alert": 36}, **t) == {
        "P20": "warning", "P35": "warning", "P34": "warning", "P36": "warning"}


def test_prj01_report_and_payment_on_as_of_count_and_the_day_after_does_not():
    projects = [project("Q1"), project("Q2")]
    progress = [report("Q1", 30, "2025-08-31"), report("Q1", 60, "2025-10-01"),  # the day after as_of
                report("Q2", 60, "2025-08-31"), report("Q2", 30, "2025-09-30")]  # on as_of: the latest
    payments = [payment("a", 5_000_000, "Q1"), payment("b", 5_000_000, "Q2"),
                payment("c", 1_000_000, "Q1", date="2025-10-01")]  # the day after as_of
    assert graded("PRJ01", as_of="2025-09-30", projects=projects, project_progress=progress,
                  payments=payments) == {"Q1": "warning", "Q2": "warning"}
    payments[2] = payment("c", 1_000_000, "Q1", date="2025-09-30")  # on as_of: 60 % paid, 30 pp
    findings, _ = boundary_run("PRJ01", as_of="2025-09-30", projects=projects, project_progress=progress,
                               payments=payments)
    assert findings.set_index("subject_id").loc["Q1", "value"] == pytest.approx(30.0)


def test_prj01_exclusions_change_the_result():
    projects = [project("S-on", start_date="2025-09-30"), project("S-after", start_date="2025-10-01"),
                project("NoBudget", budget=0.0), project("Other")]
    progress = [report(c, 0, "2025-08-31") for c in ("S-on", "S-after", "NoBudget", "Other")]
    payments = [payment(f"p-{c}", 5_000_000, c) for c in ("S-on", "S-after", "NoBudget")]
    # the payments of one project are not another's: Other carries none
    findings, assessed = boundary_run("PRJ01", projects=projects, project_progress=progress, payments=payments)
    assert _tables.flagged(findings) == {"S-on": "alert"}
    assert int(assessed["assessed"].sum()) == 2  # S-on and Other; not started and unbudgeted left out


def test_prj01_refund_brings_the_gap_below_the_warning():
    t = {"projects": [project("R")], "project_progress": [report("R", 30, "2025-08-31")],
         "payments": [payment("a", 5_000_000, "R"), payment("a-", -0.01, "R", date="2025-09-30")]}
    assert graded("PRJ01", **t) == {}


def test_prj01_exactly_twenty_pp_in_floats_warns():
    t = {"projects": [project("F")], "project_progress": [report("F", 27, "2025-08-31")],
         "payments": [payment("a", 4_700_000, "F")]}
    assert graded("PRJ01", **t) == {"F": "warning"}


# ---------------------------------------------------------------------------------------- PRJ02
@covers("PRJ02", "warning", "alert")
def test_prj02_days_overdue_at_and_around_both_thresholds():
    projects = [project("D0", end="2025-09-30"), project("D1", end="2025-09-29"),
                project("D30", end="2025-08-31"), project("D31", end="2025-08-30"),
                project("D180", end="2025-04-03"), project("D181", end="2025-04-02")]
    progress = [report(p["project_code"], 50, "2025-09-01") for p in projects]
    t = {"projects": projects, "project_progress": progress}
    assert graded("PRJ02", **t) == {"D1": "warning", "D30": "warning", "D31": "warning", "D180": "warning",
                                    "D181": "alert"}
    assert graded("PRJ02", params={"warning": 30}, **t) == {"D31": "warning", "D180": "warning",
                                                             "D181": "alert"}
    assert graded("PRJ02", params={"alert": 30}, **t) == {"D1": "warning", "D30": "warning", "D31": "alert",
                                                           "D180": "alert", "D181": "alert"}
    assert graded("PRJ02", params={"alert": 181}, **t) == {"D1": "warning", "D30": "warning",
                                                            "D31": "warning", "D180": "warning",
                                                            "D181": "warning"}


def test_prj02_finished_on_as_of_is_finished_and_the_day_after_is_not():
    projects = [project("E-on", end="2025-06-30", actual_end_date="2025-09-30"),
                project("E-after", end="2025-06-30", actual_end_date="2025-10-01"),
                project("R-on", end="2025-06-30"), project("R-after", end="2025-06-30"),
                project("R-999", end="2025-06-30")]
    progress = [report("E-on", 90, "2025-09-01"), report("E-after", 90, "2025-09-01"),
                report("R-on", 100, "2025-09-30"), report("R-after", 90, "2025-09-01"),
                report("R-after", 100, "2025-10-01"), report("R-999", 99.9, "2025-09-30")]
    assert graded("PRJ02", projects=projects, project_progress=progress) == {
        "E-after": "warning", "R-after": "warning", "R-999": "warning"}


def test_prj02_project_started_on_as_of_is_assessed_and_the_day_after_is_not():
    projects = [project("S-on", start_date="2025-09-30", end="2025-09-29"),
                project("S-after", start_date="2025-10-01", end="2025-09-29")]
    findings, assessed = boundary_run("PRJ02", projects=projects,
                                      project_progress=[report("S-on", 10, "2025-09-30")])
    assert _tables.flagged(findings) == {"S-on": "warning"}
    assert int(assessed["assessed"].sum()) == 1


# ---------------------------------------------------------------------------------------- PRJ03
@covers("PRJ03", "alert")
def test_prj03_ratio_at_just_above_and_with_a_moved_threshold():
    t = {"projects": [project("L100"), project("L101"), project("L90"), project("L90c")],
         "payments": [payment("a", 10_000_000, "L100"), payment("b", 10_000_000.01, "L101"),
                      payment("c", 9_000_000, "L90"), payment("d", 9_000_000.01, "L90c")]}
    assert graded("PRJ03", **t) == {"L101": "alert"}
    assert graded("PRJ03", params={"alert": 0.9}, **t) == {"L100": "alert", "L101": "alert", "L90c": "alert"}
    assert graded("PRJ03", params={"alert": 1.000000002}, **t) == {}


def test_prj03_amounts_that_do_not_add_up_in_floats_are_exactly_the_budget():
    thirds = (3_333_333.33, 3_333_333.33, 3_333_333.34)  # 10,000,000.00 in cents
    t = {"projects": [project("T")],
         "payments": [payment(f"t{i}", a, "T") for i, a in enumerate(thirds)]
         + [payment(f"x{i}", a, "T") for i, a in enumerate((0.1, 0.2, -0.3))]}
    findings, assessed = boundary_run("PRJ03", **t)
    assert findings.empty and int(assessed["assessed"].sum()) == 1
    # eight instalments adding up to 10,000,000.00 in cents, 10,000,000.000000002 in a float sum
    instalments = (1_447_981.24, 1_374_776.62, 1_991_658.53, 1_136_543.78, 611_630.12, 856_135.20,
                   617_281.64, 1_963_992.87)
    t["payments"] = [payment(f"i{i}", a, "T") for i, a in enumerate(instalments)]
    findings, assessed = boundary_run("PRJ03", **t)
    assert findings.empty and int(assessed["assessed"].sum()) == 1


def test_prj03_contract_or_payment_on_as_of_counts_and_the_day_after_does_not():
    contract = {"unit_code": "U1", "vendor_name": "湖州甲建设有限公司", "category": "works", "end_date": "2026-12-31"}
    projects = [project("C-on"), project("C-after"), project("P-on"), project("P-after")]
    contracts = [{**contract, "contract_id": "H1", "amount": 10_000_000.01, "project_code": "C-on",
                  "signed_date": "2025-09-30"},
                 {**contract, "contract_id": "H2", "amount": 10_000_000.01, "project_code": "C-after",
                  "signed_date": "2025-10-01"}]
    payments = [payment("a", 10_000_000.01, "P-on", date="2025-09-30"),
                payment("b", 10_000_000.01, "P-after", date="2025-10-01")]
    assert graded("PRJ03", projects=projects, contracts=contracts, payments=payments) == {
        "C-on": "alert", "P-on": "alert"}


def test_prj03_refund_and_exclusions_change_the_result():
    projects = [project("R"), project("N", start_date="2025-10-01"), project("Z", budget=0.0)]
    payments = [payment("a", 10_500_000, "R"), payment("a-", -500_000, "R", date="2025-09-01"),
                payment("n", 20_000_000, "N"), payment("z", 1.0, "Z")]
    findings, assessed = boundary_run("PRJ03", projects=projects, payments=payments)
    assert findings.empty and int(assessed["assessed"].sum()) == 1
    payments[1] = payment("a-", -499_999.99, "R", date="2025-09-01")
    assert graded("PRJ03", projects=projects, payments=payments) == {"R": "alert"}
