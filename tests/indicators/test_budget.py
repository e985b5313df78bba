"""Budget execution indicators BUD01–BUD06 on hand-made fixtures with their expected findings."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from fiscalrisk.indicators.budget import format_date_en, format_date_zh, time_progress

from ._tables import budget, context, flagged, line, payment, payments, run, typed, units


def test_time_progress_days_months_and_targets() -> None:
    assert time_progress(pd.Timestamp("2026-06-30")) == pytest.approx(181 / 365)
    assert time_progress(pd.Timestamp("2024-12-31")) == 1.0  # leap year: 366 / 366
    assert time_progress(pd.Timestamp("2026-06-30"), {"method": "months"}) == 0.5
    assert time_progress(pd.Timestamp("2026-06-29"), {"method": "months"}) == pytest.approx(5 / 12)
    targets = {"method": "targets", "targets": {"Q1": 0.25, "Q2": 0.5, "Q3": 0.75, "Q4": 1.0}}
    assert time_progress(pd.Timestamp("2026-03-30"), targets) == 0.0
    assert time_progress(pd.Timestamp("2026-08-15"), targets) == 0.5
    halfway = time_progress(pd.Timestamp("2026-05-15"), {**targets, "interpolate": True})
    assert 0.25 < halfway < 0.5
    assert format_date_zh(pd.Timestamp("2026-06-30")) == "6月30日"
    assert format_date_en(pd.Timestamp("2026-06-30")) == "30 June"


def _bud01_tables() -> dict:
    pay = payments([
        payment("P1", "2026-03-01", 200000.0),
        payment("P2", "2026-05-01", 13000.0),
        payment("P3", "2026-07-01", 500000.0),  # after as_of: not counted
        payment("P4", "2026-04-01", 300000.0, unit="U2"),
    ])
    bud = budget([
        line(2026, "U1", 1_000_000.0),
        line(2026, "U2", 500_000.0),
        line(2026, "U2", 50_000.0, economic="30202"),  # below min_budget: left out
    ])
    return {"payments": pay, "budget": bud}


def test_bud01_unit_and_regions_behind_time_progress() -> None:
    f, a = run("BUD01", context(_bud01_tables(), "2026-06-30"))
    # U1: 213,000 / 1,000,000 = 21.3 % vs 49.6 %: 28.3 pp → alert; its county (subtree) too.
    # U2: 60 % → ahead; the city: 513,000 / 1,500,000 = 34.2 % → 15.4 pp → warning.
    assert flagged(f) == {"U1": "alert", "330521": "alert", "330500": "warning"}
    u1 = f.set_index("subject_id").loc["U1"]
    assert u1["subject_type"] == "unit" and u1["period"] == "2026"
    assert u1["value"] == pytest.approx((181 / 365 - 0.213) * 100)
    assert u1["threshold"] == 20
    assert u1["message_zh"] == "德清县教育局 截至6月30日预算执行率21.3%，低于序时进度49.6% 28.3个百分点"
    assert f.set_index("subject_id").loc["330521", "subject_type"] == "region"
    assert f.set_index("subject_id").loc["330521", "unit_code"] == ""
    assert json.loads(u1["evidence"])["net_payments"] == 213000.0


def test_bud01_english_message_uses_english_unit_names_when_given() -> None:
    tables = _bud01_tables()
    u = units()
    u["name_en"] = pd.Series(["Deqing County Education Bureau", "Huzhou Finance Bureau", None], dtype="str")
    tables["units"] = u
    f, _ = run("BUD01", context(tables, "2026-06-30"))
    assert f.set_index("subject_id").loc["U1", "message_en"] == (
        "Deqing County Education Bureau: budget execution 21.3% at 30 June, 28.3 pp behind time progress "
        "of 49.6%"
    )


def test_bud02_december_surge_in_completed_years_only() -> None:
    pay = payments([
        payment("A1", "2025-01-15", 100000.0),
        payment("A2", "2025-11-15", 100000.0),
        payment("A3", "2025-12-20", 300000.0),
        payment("B1", "2025-03-15", 70000.0, unit="U2"),
        payment("B2", "2025-12-10", 40000.0, unit="U2"),
        payment("B3", "2025-12-11", -10000.0, unit="U2"),  # refund in December reduces the surge
        payment("C1", "2026-01-10", 10.0, unit="U3"),
        payment("C2", "2026-06-10", 1000.0, unit="U3"),  # current year: not assessed
    ])
    f, a = run("BUD02", context({"payments": pay}, "2026-06-30"))
    assert flagged(f) == {"U1": "alert", "U2": "warning"}
    u1 = f.set_index("subject_id").loc["U1"]
    assert u1["period"] == "2025" and u1["value"] == pytest.approx(0.6)
    assert "11–12月合计80.0%" in u1["message_zh"]
    assert f.set_index("subject_id").loc["U2", "value"] == pytest.approx(0.3)


def test_bud03_net_payments_above_adjusted_plus_carryover() -> None:
    bud = budget([
        line(2026, "U1", 100000.0, adjusted_amount=100000.0, carryover_amount=20000.0),
        line(2026, "U2", 120000.0, adjusted_amount=120000.0, carryover_amount=None),
        line(2026, "U3", 0.0, adjusted_amount=0.0, carryover_amount=None),
    ], extra=("adjusted_amount", "carryover_amount"))
    pay = payments([
        payment("P1", "2026-03-01", 130000.0),
        payment("P2", "2026-03-01", 120000.0, unit="U2"),  # exactly the budget: not above
        payment("P3", "2026-03-01", 5000.0, unit="U3"),  # nothing available at all
    ])
    f, _ = run("BUD03", context({"budget": bud, "payments": pay}, "2026-06-30"))
    assert flagged(f) == {"2026|U1|2050101|30201|": "alert", "2026|U3|2050101|30201|": "alert"}
    assert f.set_index("unit_code").loc["U1", "value"] == pytest.approx(130000 / 120000)


def test_bud04_payment_matching_no_budget_line() -> None:
    bud = budget([line(2026, "U1", 100000.0), line(2026, "U1", 100000.0, project_code="XM01")])
    pay = payments([
        payment("P1", "2026-03-01", 1000.0),
        payment("P2", "2026-03-02", 1000.0, economic_code="30299"),  # no such line
        payment("P3", "2026-03-03", 1000.0, project_code="XM01"),
        payment("P4", "2026-03-04", 1000.0, project_code="XM02"),  # unknown project
        payment("P5", "2026-03-05", -1000.0, economic_code="30299"),  # refund: not flagged
        payment("P6", "2026-03-06", 1000.0, budget_year=2024),  # 2024 not in the budget: not assessed
    ])
    f, a = run("BUD04", context({"budget": bud, "payments": pay}, "2026-06-30"))
    assert flagged(f) == {"P2": "alert", "P4": "alert"}
    assert a.set_index("region_code").loc["330521", "assessed"] == 5


def test_bud05_sangong_above_budget_and_growth() -> None:
    bud = budget([
        line(2025, "U1", 50000.0, economic="30217"),
        line(2025, "U2", 40000.0, economic="30217"),
        line(2026, "U2", 45000.0, economic="30217"),  # budget grows → warning
        line(2025, "U3", 10000.0, economic="30231"),
        line(2026, "U3", 10000.0, economic="30231"),
        line(2026, "U1", 900000.0),
    ])
    pay = payments([
        payment("P1", "2025-05-01", 60000.0, economic_code="30217"),  # above the 50,000 budget
        payment("P2", "2025-05-01", 30000.0, unit="U2", economic_code="30217"),
        payment("P3", "2025-05-01", 10000.0, unit="U3", economic_code="30231"),
        payment("P4", "2026-05-01", 5000.0, unit="U3", economic_code="30231"),
    ])
    f, _ = run("BUD05", context({"budget": bud, "payments": pay}, "2026-06-30"))
    got = {(s, p): lv for s, p, lv in zip(f["subject_id"], f["period"], f["level"].astype(str), strict=True)}
    assert got == {("U1", "2025"): "alert", ("U2", "2026"): "warning"}
    u1 = f.set_index("subject_id").loc["U1"]
    assert (u1["value"], u1["threshold"]) == (60000.0, 50000.0)
    assert "实际支出超预算" in u1["message_zh"]


def test_bud06_stale_unspent_carryover() -> None:
    bud = budget([
        line(2026, "U1", 10000.0, carryover_amount=50000.0, carryover_from_year=2023),  # 3 years, unspent
        line(2026, "U2", 10000.0, carryover_amount=20000.0, carryover_from_year=2024),  # spent in full
        line(2026, "U3", 10000.0, carryover_amount=20000.0, carryover_from_year=2024),  # half spent
        line(2026, "U1", 10000.0, economic="30202", carryover_amount=5000.0, carryover_from_year=2025),
    ], extra=("carryover_amount", "carryover_from_year"))
    pay = payments([
        payment("P1", "2026-02-01", 25000.0, unit="U2"),
        payment("P2", "2026-02-01", 10000.0, unit="U3"),
    ])
    f, a = run("BUD06", context({"budget": bud, "payments": pay}, "2026-06-30"))
    assert flagged(f) == {"2026|U1|2050101|30201|": "alert", "2026|U3|2050101|30201|": "warning"}
    ev = json.loads(f.set_index("unit_code").loc["U3", "evidence"])
    assert ev["unspent"] == 10000.0


def test_bud06_not_assessed_without_carryover_columns() -> None:
    _, a = run("BUD06", context({"budget": budget([line(2026, "U1", 1.0)])}, "2026-06-30"))
    assert set(a["status"]) == {"not_assessed"}
    assert a["reason"].iloc[0] == "missing column: budget.carryover_amount, budget.carryover_from_year"


def test_typed_fixture_follows_the_contract_dtypes() -> None:
    df = typed("budget", [line(2026, "U1", 1.0)])
    assert str(df["year"].dtype) == "Int64" and df["original_amount"].dtype == "float64"
