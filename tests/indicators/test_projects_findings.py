"""PRJ01–PRJ03: every field of each finding — level, period, value, threshold, subject, unit, region, both
messages and the evidence — written out by hand from the indicators' definitions for small tables, not
read back from the code.

``test_projects.py`` pins which projects are flagged and at which level; these pin what a finding says
(a wrong figure, a dropped evidence field, a mistyped date format or message cannot pass unnoticed), the
period in a fiscal year that is not the calendar year, the data shapes the indicators must cope with (no
progress table, no ``actual_end_date`` column, contracts without ``project_code``, projects without a
budget column) and the result frames of the public functions themselves.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from fiscalrisk.indicators import run_indicator
from fiscalrisk.indicators.projects import (
    latest_progress,
    over_budget,
    overdue_projects,
    paid_ahead_of_works,
    paid_by_project,
)
from fiscalrisk.scan import make_context

from ._tables import finding_fields, typed
from .test_projects import REGIONS, UNITS, payment, project, report, run

UNIT = "县交通局"  # U1 of test_projects, in 德清县 (330521)
CONTRACT = {"unit_code": "U1", "vendor_name": "湖州甲建设有限公司", "category": "works",
            "signed_date": "2025-02-01", "end_date": "2026-12-31"}


def contract(cid: str, amount: float, project_code: str | None, **kw: Any) -> dict[str, Any]:
    return {**CONTRACT, "contract_id": cid, "amount": amount, "project_code": project_code, **kw}


def _common(**kw: Any) -> dict[str, Any]:
    """The fields every finding of these fixtures shares (as_of 2025-09-30: period 2025), and ``kw``."""
    return {"subject_type": "project", "unit_code": "U1", "region_code": "330521", "period": "2025", **kw}


def _frames_run(code: str, as_of: str, frames: dict[str, pd.DataFrame], params: Any = None):
    ctx = make_context({"regions": REGIONS, "units": UNITS, **frames}, pd.Timestamp(as_of), params)
    return run_indicator(code, ctx)


# ---------------------------------------------------------------------------------------- PRJ01
def test_prj01_findings_every_field():
    findings, assessed = run(
        "PRJ01",
        projects=[project("A1", budget=8_000_000), project("W1"), project("OK1"),
                  project("N0", budget=1.0),  # a budget of one yuan is positive: assessed
                  project("NR")],  # no report: left out
        project_progress=[
            report("A1", 5.0, "2025-05-31"),
            report("A1", 7.5, "2025-09-30"),  # on as_of: the latest
            report("A1", 50.0, "2025-10-01"),  # the day after as_of: not known yet
            report("W1", 30.0, "2025-08-31"),
            report("OK1", 60.0, "2025-08-31"),
            report("N0", 0.0, "2025-08-31"),
        ],
        payments=[
            # A1: 1,234,567.89 + 2,445,679.00 − 80,246.89 = 3,600,000.00; 500,000 after as_of left out
            payment("a1", 1_234_567.89, "A1"), payment("a2", 2_445_679.00, "A1"),
            payment("a3", -80_246.89, "A1", date="2025-09-30"),
            payment("a4", 500_000, "A1", date="2025-10-01"),
            payment("w", 5_000_000, "W1"),
            payment("ok", 5_000_000, "OK1"),
            payment("nr", 9_000_000, "NR"),
            # N0 has no payment at all: nothing paid, 0 % − 0 % = 0 pp
        ],
    )
    got = finding_fields(findings)
    assert set(got) == {"A1", "W1"}
    assert int(assessed["assessed"].sum()) == 4  # A1, W1, OK1, N0
    # A1: paid share 3,600,000 / 8,000,000 = 45 %; progress 7.5 % → 37.5 pp ≥ 35: alert;
    # ahead = 3,600,000 − 7.5 % × 8,000,000 = 3,600,000 − 600,000 = 3,000,000
    a1 = got["A1"]
    assert a1["value"] == pytest.approx(37.5, abs=1e-9)
    assert a1["amount_at_risk"] == pytest.approx(3_000_000.0, abs=1e-6)
    assert {k: v for k, v in a1.items() if k not in ("value", "amount_at_risk")} == _common(
        level="alert", threshold=35.0,
        message_zh=f"{UNIT} 工程 A1“A1 道路改造”已付 45.0% 概算，形象进度仅 7.5%，超前 37.5 个百分点",
        message_en=f"{UNIT}: project A1 “A1 道路改造” has paid 45.0% of its budget with works 7.5% done, "
                   "37.5 pp ahead",
        evidence={"project_code": "A1", "budget_amount": 8_000_000.0, "net_paid": 3_600_000.0,
                  "physical_progress": 7.5, "report_date": "2025-09-30"},
    )
    # W1: 5,000,000 / 10,000,000 = 50 %, progress 30 % → 20 pp ≥ 20: warning; ahead 5 M − 3 M = 2 M
    w1 = got["W1"]
    assert w1["value"] == pytest.approx(20.0, abs=1e-9)
    assert w1["amount_at_risk"] == pytest.approx(2_000_000.0, abs=1e-6)
    assert {k: v for k, v in w1.items() if k not in ("value", "amount_at_risk")} == _common(
        level="warning", threshold=20.0,
        message_zh=f"{UNIT} 工程 W1“W1 道路改造”已付 50.0% 概算，形象进度仅 30%，超前 20.0 个百分点",
        message_en=f"{UNIT}: project W1 “W1 道路改造” has paid 50.0% of its budget with works 30% done, "
                   "20.0 pp ahead",
        evidence={"project_code": "W1", "budget_amount": 10_000_000.0, "net_paid": 5_000_000.0,
                  "physical_progress": 30.0, "report_date": "2025-08-31"},
    )


def test_prj01_result_frame_of_the_function():
    projects = typed("projects", [project("W1"), project("N0", budget=1.0), project("L", start_date="2025-10-01")])
    progress = typed("project_progress", [report("W1", 30.0, "2025-08-31"), report("N0", 0.0, "2025-08-31"),
                                          report("L", 0.0, "2025-08-31")])
    payments = typed("payments", [payment("w1", 2_000_000.10, "W1"), payment("w2", 2_999_999.90, "W1")])
    r = paid_ahead_of_works(projects, progress, payments, pd.Timestamp("2025-09-30")).set_index("subject_id")
    assert list(r.index) == ["W1", "N0"]  # L not started
    assert set(r["period"]) == {"2025"}  # no year given: the year of as_of
    # W1: 2,000,000.10 + 2,999,999.90 = 5,000,000.00 paid; 50 % of 10 M; progress 30 → 20 pp, 2 M ahead
    assert r.loc["W1", "paid"] == 5_000_000.0 and r.loc["W1", "paid_share"] == 0.5
    assert r.loc["W1", "progress"] == 30.0 and r.loc["W1", "ahead"] == pytest.approx(2_000_000.0, abs=1e-6)
    assert r.loc["W1", "name"] == "W1 道路改造" and r.loc["W1", "unit_code"] == "U1"
    # N0: nothing paid is 0, not a missing figure
    assert r.loc["N0", "paid"] == 0.0 and r.loc["N0", "paid_share"] == 0.0 and r.loc["N0", "value"] == 0.0
    assert r.loc["N0", "ahead"] == 0.0
    assert paid_ahead_of_works(projects, progress, payments, pd.Timestamp("2025-09-30"), year=2024)[
        "period"].tolist() == ["2024", "2024"]


# ---------------------------------------------------------------------------------------- PRJ02
def test_prj02_findings_every_field():
    findings, assessed = run(
        "PRJ02",
        projects=[
            project("K200", end="2025-03-14"),
            project("K5", budget=2_500_000, end="2025-09-25"),
            project("Kdone", end="2025-03-01", actual_end_date="2025-09-30"),  # finished on as_of
            project("Kdue", end="2025-09-30"),  # due today: 0 days, assessed, not overdue
        ],
        project_progress=[report("K200", 83.1, "2025-09-15"), report("Kdue", 50.0, "2025-09-15")],
    )
    got = finding_fields(findings)
    assert set(got) == {"K200", "K5"} and int(assessed["assessed"].sum()) == 4
    # 2025-03-14 → 2025-09-30: 17 (to 31 March) + 30 + 31 + 30 + 31 + 31 + 30 = 200 days > 180: alert
    assert got["K200"] == _common(
        level="alert", value=200.0, threshold=180.0, amount_at_risk=10_000_000.0,
        message_zh=f"{UNIT} 工程 K200“K200 道路改造”计划 2025-03-14 完工，已逾期 200 天，进度 83.1%",
        message_en=f"{UNIT}: project K200 “K200 道路改造” was due on 2025-03-14 and is 200 days overdue "
                   "(progress: 83.1%)",
        evidence={"project_code": "K200", "planned_end_date": "2025-03-14", "physical_progress": 83.1,
                  "days_overdue": 200},
    )
    # 2025-09-25 → 2025-09-30: 5 days > 0: warning; no report at all
    assert got["K5"] == _common(
        level="warning", value=5.0, threshold=0.0, amount_at_risk=2_500_000.0,
        message_zh=f"{UNIT} 工程 K5“K5 道路改造”计划 2025-09-25 完工，已逾期 5 天，进度 无进度报告",
        message_en=f"{UNIT}: project K5 “K5 道路改造” was due on 2025-09-25 and is 5 days overdue "
                   "(progress: no progress report)",
        evidence={"project_code": "K5", "planned_end_date": "2025-09-25", "physical_progress": None,
                  "days_overdue": 5},
    )


def test_prj02_actual_end_dates_without_any_progress_table_are_enough():
    # no project_progress table: the actual end dates still show which projects finished
    findings, assessed = run("PRJ02", projects=[
        project("E1", end="2025-06-30", actual_end_date="2025-08-01"),  # finished
        project("E2", end="2025-09-29", actual_end_date=None),  # 1 day overdue
    ])
    assert set(assessed["status"]) == {"assessed"} and int(assessed["assessed"].sum()) == 2
    got = finding_fields(findings)
    assert set(got) == {"E2"}
    assert got["E2"] == _common(
        level="warning", value=1.0, threshold=0.0, amount_at_risk=10_000_000.0,
        message_zh=f"{UNIT} 工程 E2“E2 道路改造”计划 2025-09-29 完工，已逾期 1 天，进度 无进度报告",
        message_en=f"{UNIT}: project E2 “E2 道路改造” was due on 2025-09-29 and is 1 days overdue "
                   "(progress: no progress report)",
        evidence={"project_code": "E2", "planned_end_date": "2025-09-29", "physical_progress": None,
                  "days_overdue": 1},
    )


def test_prj02_without_actual_end_dates_reports_decide_after_a_project_not_started():
    # no actual_end_date column; the first project of the table is not started (left out), so the
    # projects assessed are not the first rows of the table
    findings, assessed = run(
        "PRJ02",
        projects=[project("S0", start_date="2025-10-01", end="2025-06-30"), project("F100", end="2025-06-30"),
                  project("L1", end="2025-09-29"), project("F99", end="2025-09-28")],
        project_progress=[report("F100", 100.0, "2025-07-15"), report("L1", 40.0, "2025-09-01"),
                          report("F99", 99.9, "2025-09-01")],
    )
    assert int(assessed["assessed"].sum()) == 3  # F100 (finished), L1, F99
    got = finding_fields(findings)
    assert {k: (v["level"], v["value"]) for k, v in got.items()} == {"L1": ("warning", 1.0),
                                                                    "F99": ("warning", 2.0)}
    assert got["F99"]["message_en"] == (f"{UNIT}: project F99 “F99 道路改造” was due on 2025-09-28 and is 2 days "
                                        "overdue (progress: 99.9%)")
    assert got["L1"]["message_zh"] == f"{UNIT} 工程 L1“L1 道路改造”计划 2025-09-29 完工，已逾期 1 天，进度 40%"


def test_prj02_a_missing_actual_end_in_an_arrow_backed_column_is_no_end():
    # dates kept as they come from a typed (parquet) piece may be Arrow-backed: there a missing actual
    # end compares as missing, not as False, and must still not count as finished
    projects = typed("projects", [project("E1", end="2025-06-30", actual_end_date="2025-08-01"),
                                  project("E2", end="2025-09-29", actual_end_date=None)])
    projects["actual_end_date"] = projects["actual_end_date"].astype("timestamp[ns][pyarrow]")
    frames = {"projects": projects, "payments": typed("payments", [payment("x", 1.0, None)])}
    findings, assessed = _frames_run("PRJ02", "2025-09-30", frames)
    assert int(assessed["assessed"].sum()) == 2
    # E1 ended 2025-08-01: finished; E2 has no end and was due 2025-09-29: 1 day overdue
    assert findings[["subject_id", "level", "value"]].values.tolist() == [["E2", "warning", 1.0]]


def test_prj02_a_planned_end_with_a_time_of_day_counts_by_calendar_day():
    # a planned end given with a time (a hand-made or untyped frame) is the day it falls on: due
    # 2025-09-28 17:30, as_of 2025-09-30 → 2 days overdue, and the message shows the date alone
    findings, _ = run("PRJ02", projects=[project("H", end="2025-09-28 17:30:00")],
                      project_progress=[report("H", 75.0, "2025-09-01")])
    got = finding_fields(findings)
    assert got["H"]["value"] == 2.0 and got["H"]["level"] == "warning"
    assert got["H"]["message_zh"] == f"{UNIT} 工程 H“H 道路改造”计划 2025-09-28 完工，已逾期 2 天，进度 75%"
    assert got["H"]["message_en"] == (f"{UNIT}: project H “H 道路改造” was due on 2025-09-28 and is 2 days "
                                      "overdue (progress: 75%)")
    assert got["H"]["evidence"] == {"project_code": "H", "planned_end_date": "2025-09-28",
                                    "physical_progress": 75.0, "days_overdue": 2}


def test_prj02_not_assessed_reason_in_full():
    findings, assessed = run("PRJ02", projects=[project("K1", end="2025-01-01")])
    assert findings.empty
    assert assessed["reason"].tolist() == ["no completion data: neither projects.actual_end_date nor project_progress"]


def test_prj02_projects_without_a_budget_column_have_no_amount_at_risk():
    cols = ["project_code", "unit_code", "name", "start_date", "planned_end_date"]
    projects = typed("projects", [project("S0", start_date="2025-10-01"), project("L1", end="2025-09-29")],
                     columns=cols)
    progress = typed("project_progress", [report("L1", 40.0, "2025-09-01")])
    r = overdue_projects(projects, progress, pd.Timestamp("2025-09-30"))
    assert r["subject_id"].tolist() == ["L1"] and r["period"].tolist() == ["2025"]
    assert r["budget_amount"].dtype == "float64" and r["budget_amount"].isna().all()
    assert r["days"].tolist() == [1.0] and r["planned_end"].tolist() == ["2025-09-29"]
    assert r["progress_text"].tolist() == ["40%"] and r["progress_text_en"].tolist() == ["40%"]
    assert r["evidence"].tolist() == [{"project_code": "L1", "planned_end_date": "2025-09-29",
                                       "physical_progress": 40.0, "days_overdue": 1}]
    # without a report the function's own evidence says None (JSON null), not NaN
    r = overdue_projects(projects, progress.iloc[0:0], pd.Timestamp("2025-09-30"))
    assert r["evidence"].tolist() == [{"project_code": "L1", "planned_end_date": "2025-09-29",
                                       "physical_progress": None, "days_overdue": 1}]
    assert r["progress_text"].tolist() == ["无进度报告"] and r["progress_text_en"].tolist() == ["no progress report"]
    findings, _ = _frames_run("PRJ02", "2025-09-30", {"projects": projects, "project_progress": progress,
                                                      "payments": typed("payments", [payment("x", 1.0, None)])})
    assert findings["subject_id"].tolist() == ["L1"] and math.isnan(findings["amount_at_risk"].iloc[0])


# ---------------------------------------------------------------------------------------- PRJ03
def test_prj03_findings_every_field():
    findings, assessed = run(
        "PRJ03",
        projects=[project("C1", budget=12_000_000), project("P1", budget=1_000_000),
                  project("T", budget=100.0), project("T2", budget=100.0),
                  project("Tiny", budget=0.5)],  # half a yuan is a positive budget: assessed
        payments=[
            payment("c1", 5_000_000.01, "C1"), payment("c2", 6_525_999.97, "C1"),  # 11,525,999.98
            payment("p1", 1_000_000.01, "P1"),
            payment("t", 100.004, "T"),  # net paid in cents: 100.00, exactly the budget
        ],
        contracts=[
            contract("H1", 8_000_000.55, "C1"),
            contract("H2", 5_559_999.45, "C1", signed_date="2025-09-30"),  # on as_of: 13,560,000.00
            contract("H3", 3_000_000, "C1", signed_date="2025-10-01"),  # the day after: left out
            contract("H4", 100.004, "T2"),  # contracted in cents: 100.00, exactly the budget
        ],
    )
    got = finding_fields(findings)
    assert set(got) == {"C1", "P1"}
    assert int(assessed["assessed"].sum()) == 5  # C1, P1, T, T2 (ratio 1.0: not above) and Tiny (0)
    # C1: max(11,525,999.98 paid, 13,560,000.00 contracted) / 12,000,000 = 1.13 > 1: alert; 1,560,000 over
    c1 = got["C1"]
    assert c1["amount_at_risk"] == pytest.approx(1_560_000.0, abs=1e-6)
    assert {k: v for k, v in c1.items() if k != "amount_at_risk"} == _common(
        level="alert", value=1.13, threshold=1.0,
        message_zh=f"{UNIT} 工程 C1“C1 道路改造”已付 11,525,999.98 元、已签合同 13,560,000.00 元，"
                   "为概算 12,000,000.00 元的 113.00%",
        message_en=f"{UNIT}: project C1 “C1 道路改造” has paid 11,525,999.98 and contracted 13,560,000.00, "
                   "113.00% of its budget of 12,000,000.00",
        evidence={"project_code": "C1", "budget_amount": 12_000_000.0, "net_paid": 11_525_999.98,
                  "contracted": 13_560_000.0},
    )
    # P1: 1,000,000.01 / 1,000,000 = 1.00000001 > 1: alert, one cent over; shown as 100.00 %
    p1 = got["P1"]
    assert p1["value"] == pytest.approx(1.00000001, abs=1e-12)
    assert p1["amount_at_risk"] == pytest.approx(0.01, abs=1e-6)
    assert {k: v for k, v in p1.items() if k not in ("value", "amount_at_risk")} == _common(
        level="alert", threshold=1.0,
        message_zh=f"{UNIT} 工程 P1“P1 道路改造”已付 1,000,000.01 元、已签合同 0.00 元，"
                   "为概算 1,000,000.00 元的 100.00%",
        message_en=f"{UNIT}: project P1 “P1 道路改造” has paid 1,000,000.01 and contracted 0.00, "
                   "100.00% of its budget of 1,000,000.00",
        evidence={"project_code": "P1", "budget_amount": 1_000_000.0, "net_paid": 1_000_000.01,
                  "contracted": 0.0},
    )


def test_prj03_contracts_without_project_codes_commit_nothing():
    # a contracts table without the project_code column: contracted is 0 for every project
    frames = {
        "projects": typed("projects", [project("Y", budget=1_000_000)]),
        "payments": typed("payments", [payment("y", 1_100_000, "Y")]),
        "contracts": typed("contracts", [{k: v for k, v in contract("H", 50_000_000, None).items()
                                          if k != "project_code"}]),
    }
    assert "project_code" not in frames["contracts"].columns
    findings, assessed = _frames_run("PRJ03", "2025-09-30", frames)
    got = finding_fields(findings)
    assert int(assessed["assessed"].sum()) == 1 and set(got) == {"Y"}
    # 1,100,000 / 1,000,000 = 1.1 (contract not counted: 50 M would have made it 50)
    assert got["Y"]["value"] == pytest.approx(1.1, abs=1e-12)
    assert got["Y"]["message_en"] == (f"{UNIT}: project Y “Y 道路改造” has paid 1,100,000.00 and contracted 0.00, "
                                      "110.00% of its budget of 1,000,000.00")
    assert got["Y"]["evidence"] == {"project_code": "Y", "budget_amount": 1_000_000.0,
                                    "net_paid": 1_100_000.0, "contracted": 0.0}


def test_prj03_result_frame_of_the_function():
    projects = typed("projects", [project("Y", budget=1_000_000), project("Z", budget=400.0)])
    payments = typed("payments", [payment("y", 900_000, "Y")])
    contracts = typed("contracts", [contract("H", 1_200_000, "Y")])
    r = over_budget(projects, payments, contracts, pd.Timestamp("2025-09-30")).set_index("subject_id")
    assert r["period"].tolist() == ["2025", "2025"]  # no year given: the year of as_of
    # Y: max(900,000, 1,200,000) / 1,000,000 = 1.2, 200,000 over; Z: nothing paid or contracted
    assert r.loc["Y", ["paid", "contracted", "budget_amount", "value"]].tolist() == [900_000.0, 1_200_000.0,
                                                                                    1_000_000.0, 1.2]
    assert r.loc["Y", "over"] == 200_000.0
    assert r.loc["Z", ["paid", "contracted", "value", "over"]].tolist() == [0.0, 0.0, 0.0, -400.0]


# ---------------------------------------------------------------------------------- every indicator
def test_period_is_the_fiscal_year_of_as_of():
    # fiscal years start in April: as_of 2026-02-28 is in fiscal year 2025 (April 2025 – March 2026)
    frames = {
        "projects": typed("projects", [project("FY", end="2026-02-27")]),
        "project_progress": typed("project_progress", [report("FY", 30.0, "2026-01-31")]),
        "payments": typed("payments", [payment("fy", 11_000_000, "FY", date="2026-01-15")]),
    }
    april = {"calendar": {"fiscal_year_start_month": 4}}
    for code, level in (("PRJ01", "alert"), ("PRJ02", "warning"), ("PRJ03", "alert")):
        # PRJ01: 110 % − 30 % = 80 pp; PRJ02: 1 day overdue; PRJ03: 1.1 of the budget
        findings, _ = _frames_run(code, "2026-02-28", frames, april)
        assert findings[["subject_id", "level", "period"]].values.tolist() == [["FY", level, "2025"]], code
        findings, _ = _frames_run(code, "2026-02-28", frames)  # calendar years: 2026
        assert findings[["subject_id", "level", "period"]].values.tolist() == [["FY", level, "2026"]], code


def test_empty_results_keep_their_columns():
    # no project started by as_of: each function returns no rows, with the registry's columns and the
    # figures it adds
    projects = typed("projects", [project("L", start_date="2025-10-01")])
    progress = typed("project_progress", [report("L", 10.0, "2025-09-01")])
    payments = typed("payments", [payment("l", 1.0, "L")])
    as_of = pd.Timestamp("2025-09-30")
    base = ["subject_id", "unit_code", "period", "value", "evidence"]
    r1 = paid_ahead_of_works(projects, progress, payments, as_of)
    assert r1.empty and list(r1.columns) == [*base, "paid", "paid_share", "progress", "name", "ahead"]
    r2 = overdue_projects(projects, progress, as_of)
    assert r2.empty and list(r2.columns) == [*base, "level", "days", "progress_text", "name", "budget_amount"]
    r3 = over_budget(projects, payments, None, as_of)
    assert r3.empty and list(r3.columns) == [*base, "paid", "contracted", "name", "over"]


# ---------------------------------------------------------------------------------------- helpers
def test_latest_progress_has_the_same_columns_and_types_with_or_without_reports():
    as_of = pd.Timestamp("2025-09-30")
    progress = typed("project_progress", [report(" B ", 20.0, "2025-05-31"), report("B", 35.5, "2025-08-31"),
                                          report("A", 10.0, "2025-09-30"), report("B", 90.0, "2025-10-01")])
    got = latest_progress(progress, as_of)
    # the latest report on or before as_of per (stripped) code: A 10 on 2025-09-30, B 35.5 on 2025-08-31
    assert got.index.tolist() == ["A", "B"] and got["progress"].tolist() == [10.0, 35.5]
    assert got["report_date"].tolist() == [pd.Timestamp("2025-09-30"), pd.Timestamp("2025-08-31")]
    shape = [("progress", "float64"), ("report_date", "datetime64[ns]")]
    assert [(c, str(t)) for c, t in got.dtypes.items()] == shape
    for none in (None, progress.iloc[0:0]):  # no table, or a table with no rows
        empty = latest_progress(none, as_of)
        assert empty.empty and [(c, str(t)) for c, t in empty.dtypes.items()] == shape


def test_paid_by_project_nets_per_code_in_code_order_rounded_to_cents():
    payments = typed("payments", [payment("b1", 100.004, "B"), payment("a1", 0.1, " A "), payment("a2", 0.2, "A"),
                                  payment("b2", -0.004, "B"), payment("n", 5.0, None), payment("s", 7.0, "  ")])
    got = paid_by_project(payments)
    # B: 100.004 − 0.004 = 100.00; A (codes stripped): 0.1 + 0.2 = 0.30 in cents; blank codes left out
    assert got.index.tolist() == ["A", "B"] and got.tolist() == [0.3, 100.0]
    # without a project_code column: no project paid anything, an empty float series
    none = paid_by_project(payments.drop(columns="project_code"))
    assert none.empty and none.dtype == "float64"
