"""BUD01–BUD06: every field of each finding — level, period, value, threshold, subject, unit, region, both
messages, the evidence and the amount at risk — written out by hand from the indicators' definitions for
small tables, not read back from the code.

``test_budget.py`` pins which subjects are flagged and at which level, and the thresholds at and around
their bounds; these pin what a finding says, which subjects are assessed in which region (and why not),
the graded values of the subjects that are not flagged (a scan output too, in the order of their keys
whatever the order of the data), the fiscal months named for a year that does not start in January, the
parts of the data that are left out (lines below min_budget, lines with no payments, payments after
``as_of``, non-三公 codes) and amounts in cents that float sums do not add up exactly. ``project_execution``
(the execution of each project-year, read by the performance indicators) is compared whole with frames
written out by hand.

Regions of ``_tables.regions()``: 330500 湖州市 ⊃ 330521 德清县 ⊃ 330521102 乾元镇. Units: U1 德清县教育局
(330521), U2 湖州市财政局 (330500), U3 乾元镇人民政府 (330521102), and here U4 德清县卫生健康局 (330521).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest

from fiscalrisk.indicators.budget import _dated_months, project_execution, sangong_codes
from fiscalrisk.indicators.registry import ScanContext, measure_and_grade

from ._tables import budget, context, line, payment, payments, typed

UNITS = typed("units", [
    {"unit_code": "U1", "name": "德清县教育局", "region_code": "330521"},
    {"unit_code": "U2", "name": "湖州市财政局", "region_code": "330500"},
    {"unit_code": "U3", "name": "乾元镇人民政府", "region_code": "330521102"},
    {"unit_code": "U4", "name": "德清县卫生健康局", "region_code": "330521"},
])

SANGONG = ["30212", "30217", "30231", "31013"]  # modules.budget.sangong_economic_codes (defaults)
_MONTHS = {"time_progress": {"method": "months"}}  # 30 June = 6/12 = 0.5 exactly


def scan(code: str, tables: dict, as_of: str = "2026-06-30", params: dict | None = None,
         **more: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(findings, assessed, graded values) of ``code`` over ``tables`` (with the four units)."""
    ctx = context({"units": UNITS, **tables}, as_of, {code: params} if params else None, **more)
    return measure_and_grade(code, ctx)


def _findings(findings: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    """(subject_id, period) → every field of the finding."""
    out = {}
    for r in findings.to_dict("records"):
        out[(r["subject_id"], r["period"])] = {
            "level": str(r["level"]), "value": r["value"], "threshold": r["threshold"],
            "subject_type": r["subject_type"], "unit_code": r["unit_code"], "region_code": r["region_code"],
            "message_zh": r["message_zh"], "message_en": r["message_en"], "evidence": json.loads(r["evidence"]),
            "amount_at_risk": r["amount_at_risk"],
        }
    return out


def _assessed(assessed: pd.DataFrame) -> dict[str, tuple[int, int, int, int, str]]:
    """region → (assessed, flagged, warnings, alerts, reason)."""
    return {r["region_code"]: (int(r["assessed"]), int(r["flagged"]), int(r["warnings"]), int(r["alerts"]),
                               r["reason"]) for r in assessed.to_dict("records")}


def _reasons(assessed: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(assessed["status"], assessed["reason"], strict=True))


# ---------------------------------------------------------------------------------------- _dated_months
def test_dated_months_names_the_calendar_month_and_its_year() -> None:
    assert _dated_months([12], 2025, 1) == ("2025年12月", "December 2025")
    assert _dated_months([11, 12], 2025, 1) == ("2025年11–12月", "November–December 2025")
    # an April start: fiscal month 9 is December of the same year, month 10 is January of the next
    assert _dated_months([9], 2025, 4) == ("2025年12月", "December 2025")
    assert _dated_months([10], 2025, 4) == ("2026年1月", "January 2026")
    assert _dated_months([12], 2019, 4) == ("2020年3月", "March 2020")
    assert _dated_months([1], 2025, 4) == ("2025年4月", "April 2025")
    # a July start: fiscal month 6 is December, 7 is January of the next year
    assert _dated_months([6], 2025, 7) == ("2025年12月", "December 2025")
    assert _dated_months([7], 2025, 7) == ("2026年1月", "January 2026")
    # months over two calendar years are named with the fiscal year
    assert _dated_months([9, 10], 2025, 4) == ("2025年度12–1月", "December–January of budget year 2025")


# ---------------------------------------------------------------------------------------- BUD01
def _bud01_tables() -> dict:
    # given out of key order: U3's lines first, then U2's, then U1's
    bud = budget([
        line(2026, "U3", 200_000.0),
        line(2026, "U3", 50_000.0, economic="30202"),  # below min_budget (100,000): left out with its payment
        line(2026, "U2", 300_000.0),
        line(2026, "U1", 600_000.0),
        line(2026, "U1", 400_000.0, economic="30202"),  # no payments at all: counts as 0 spent
        line(2025, "U1", 900_000.0),  # last year: not BUD01's
    ])
    pay = payments([
        payment("c1", "2026-04-01", 90_000.0, unit="U3"),
        payment("c2", "2026-04-01", 50_000.0, unit="U3", economic_code="30202"),
        payment("b1", "2026-04-01", 300_000.0, unit="U2"),
        payment("a1", "2026-03-02", 150_000.0),
        payment("a2", "2026-06-30", 50_000.0),  # on as_of: counted
        payment("a3", "2026-07-01", 80_000.0),  # the day after: not counted
        payment("a4", "2026-01-05", 70_000.0, budget_year=2025),  # last year's money
    ])
    return {"budget": bud, "payments": pay}


def test_bud01_findings_of_units_and_regions_in_full() -> None:
    f, a, v = scan("BUD01", _bud01_tables(), **_MONTHS)
    got = _findings(f)
    # p = 0.5. U1: net 150,000 + 50,000 = 200,000 over 600,000 + 400,000 = 1,000,000: r = 0.2,
    #   value (0.5 − 0.2) × 100 = 30 pp ≥ 20 → alert; behind 0.5 × 1,000,000 − 200,000 = 300,000.
    # U2: 300,000 / 300,000 = 1.0 → −50 pp: ok. U3: 90,000 / 200,000 = 0.45 → 5 pp: ok.
    # 德清县 330521 (U1, U3): 290,000 / 1,200,000 → (0.5 − 0.241666…) × 100 = 25.83 pp → alert,
    #   behind 600,000 − 290,000 = 310,000.
    # 湖州市 330500 (all): 590,000 / 1,500,000 = 0.39333… → 10.67 pp → warning, behind 750,000 − 590,000.
    # 乾元镇 330521102 (U3): 5 pp → ok.
    assert set(got) == {("U1", "2026"), ("330521", "2026"), ("330500", "2026")}
    u1 = got[("U1", "2026")]
    assert u1 == {
        "level": "alert", "value": pytest.approx(30.0), "threshold": 20.0, "subject_type": "unit",
        "unit_code": "U1", "region_code": "330521",
        "message_zh": "德清县教育局 截至6月30日预算执行率20.0%，低于序时进度50.0% 30.0个百分点",
        "message_en": "德清县教育局: budget execution 20.0% at 30 June, 30.0 pp behind time progress of 50.0%",
        "evidence": {"budget": 1_000_000.0, "net_payments": 200_000.0, "lines": 2, "execution_rate": 0.2,
                     "time_progress": 0.5, "as_of": "2026-06-30"},
        "amount_at_risk": 300_000.0,
    }
    county = got[("330521", "2026")]
    assert county == {
        "level": "alert", "value": pytest.approx((0.5 - 290_000 / 1_200_000) * 100), "threshold": 20.0,
        "subject_type": "region", "unit_code": "", "region_code": "330521",
        "message_zh": "德清县 截至6月30日预算执行率24.2%，低于序时进度50.0% 25.8个百分点",
        "message_en": "德清县: budget execution 24.2% at 30 June, 25.8 pp behind time progress of 50.0%",
        "evidence": {"budget": 1_200_000.0, "net_payments": 290_000.0, "lines": 3,
                     "execution_rate": 0.241667, "time_progress": 0.5,  # evidence floats: 6 places
                     "as_of": "2026-06-30"},
        "amount_at_risk": 310_000.0,
    }
    city = got[("330500", "2026")]
    assert city == {
        "level": "warning", "value": pytest.approx((0.5 - 590_000 / 1_500_000) * 100), "threshold": 10.0,
        "subject_type": "region", "unit_code": "", "region_code": "330500",
        "message_zh": "湖州市 截至6月30日预算执行率39.3%，低于序时进度50.0% 10.7个百分点",
        "message_en": "湖州市: budget execution 39.3% at 30 June, 10.7 pp behind time progress of 50.0%",
        "evidence": {"budget": 1_500_000.0, "net_payments": 590_000.0, "lines": 4,
                     "execution_rate": 0.393333, "time_progress": 0.5,
                     "as_of": "2026-06-30"},
        "amount_at_risk": 160_000.0,
    }
    # every unit and region measured, units first, each in the order of its code
    assert list(zip(v["subject_type"], v["subject_id"], strict=True)) == [
        ("unit", "U1"), ("unit", "U2"), ("unit", "U3"),
        ("region", "330500"), ("region", "330521"), ("region", "330521102")]
    assert list(v["level"]) == ["alert", "ok", "ok", "warning", "alert", "ok"]
    assert list(v["value"]) == pytest.approx([30.0, -50.0, 5.0, (0.5 - 590 / 1500) * 100,
                                              (0.5 - 290 / 1200) * 100, 5.0])
    assert list(v["net"]) == [200_000.0, 300_000.0, 90_000.0, 590_000.0, 290_000.0, 90_000.0]
    assert list(v["lines"]) == [2, 1, 1, 4, 3, 1]
    assert list(v["region_code"]) == ["330521", "330500", "330521102", "330500", "330521", "330521102"]
    # regions count every unit of their subtree; units are assessed in their own region
    assert {k: x[:4] for k, x in _assessed(a).items()} == {
        "330500": (2, 1, 1, 0), "330521": (2, 2, 0, 2), "330521102": (2, 0, 0, 0)}


def test_bud01_not_assessed_names_the_year_and_min_budget() -> None:
    t = {"budget": budget([line(2026, "U1", 99_999.99)]),
         "payments": payments([payment("a", "2026-03-02", 10.0)])}
    f, a, _ = scan("BUD01", t)
    assert f.empty
    assert _reasons(a) == {("not_assessed", "no budget lines of 2026 at or above min_budget")}


# ---------------------------------------------------------------------------------------- BUD02
def _bud02_tables() -> dict:
    # given out of key order: U3, U2, U1 2025, U1 2024
    return {"payments": payments([
        payment("c1", "2025-04-01", 1_000.0, unit="U3"),
        payment("c2", "2025-12-01", -1_500.0, unit="U3"),  # refunds beyond the year's payments
        payment("b1", "2025-12-15", 0.60, unit="U2"),  # sixty cents, all in December
        payment("a1", "2025-03-02", 60_000.0),
        payment("a2", "2025-11-05", 10_000.0),
        payment("a3", "2025-12-01", 29_999.99),
        payment("a4", "2026-01-05", 5_000.0, budget_year=2025),  # paid in 2026: not the 2025 year's month
        payment("y1", "2024-06-01", 5_000.0),
        payment("n1", "2026-02-01", 9_999.0),  # the current year: not assessed
    ])}


def test_bud02_findings_in_full_and_the_years_not_assessed() -> None:
    f, a, v = scan("BUD02", _bud02_tables())
    got = _findings(f)
    # U1 2025: annual 60,000 + 10,000 + 29,999.99 = 99,999.99; December 29,999.99 → 0.2999999… ≥ 0.25
    #   → warning; November–December 39,999.99 → 0.3999999… (40.0 %).
    # U2 2025: 0.60 of 0.60 = 1.0 ≥ 0.40 → alert. U3 2025: −500 net: not assessed.
    assert set(got) == {("U1", "2025"), ("U2", "2025")}
    assert got[("U1", "2025")] == {
        "level": "warning", "value": pytest.approx(29_999.99 / 99_999.99), "threshold": 0.25,
        "subject_type": "unit", "unit_code": "U1", "region_code": "330521",
        "message_zh": "德清县教育局 2025年12月净支付占全年30.0%（11–12月合计40.0%）",
        "message_en": "德清县教育局: December 2025 took 30.0% of the year's net payments (November–December 40.0%)",
        "evidence": {"annual_net": 99_999.99, "surge_net": 29_999.99, "report_net": 39_999.99,
                     "surge_months": [12], "report_months": [11, 12]},
        "amount_at_risk": 29_999.99,
    }
    assert got[("U2", "2025")] == {
        "level": "alert", "value": 1.0, "threshold": 0.4,
        "subject_type": "unit", "unit_code": "U2", "region_code": "330500",
        "message_zh": "湖州市财政局 2025年12月净支付占全年100.0%（11–12月合计100.0%）",
        "message_en": "湖州市财政局: December 2025 took 100.0% of the year's net payments (November–December 100.0%)",
        "evidence": {"annual_net": 0.6, "surge_net": 0.6, "report_net": 0.6,
                     "surge_months": [12], "report_months": [11, 12]},
        "amount_at_risk": 0.6,
    }
    # the graded values in key order: U1 2024 had no December (0.0), U1 2025, U2 2025
    assert list(zip(v["subject_id"], v["period"], v["level"], strict=True)) == [
        ("U1", "2024", "ok"), ("U1", "2025", "warning"), ("U2", "2025", "alert")]
    assert list(v["value"]) == pytest.approx([0.0, 29_999.99 / 99_999.99, 1.0])
    assert v["report_share"].dtype == "float64"
    assert list(v["report_share"]) == pytest.approx([0.0, 39_999.99 / 99_999.99, 1.0])
    assert list(v["reason"]) == ["", "", ""]
    assert _assessed(a) == {
        "330500": (1, 1, 0, 1, ""), "330521": (2, 1, 1, 0, ""),
        "330521102": (0, 0, 0, 0, "annual net payments not positive")}


def test_bud02_not_assessed_without_a_completed_year() -> None:
    f, a, _ = scan("BUD02", {"payments": payments([payment("a", "2026-03-02", 10.0)])})
    assert f.empty
    assert _reasons(a) == {("not_assessed", "no payments of a completed budget year")}


# ---------------------------------------------------------------------------------------- BUD03
def test_bud03_findings_in_full_and_lines_without_payments_or_money() -> None:
    bud = budget([
        line(2026, "U1", 100_000.0, adjusted_amount=100_000.0, carryover_amount=20_000.0),
        line(2026, "U1", 50_000.0, economic="30202", adjusted_amount=50_000.0, carryover_amount=None),
        line(2026, "U2", 0.0, adjusted_amount=0.0, carryover_amount=None),  # nothing available, nothing paid
        line(2026, "U2", 0.5, economic="30202", adjusted_amount=0.5, carryover_amount=None),
        line(2026, "U3", 0.0, adjusted_amount=-100.0, carryover_amount=None),  # adjusted below zero
    ], extra=("adjusted_amount", "carryover_amount"))
    pay = payments([
        payment("a1", "2026-03-02", 130_000.0), payment("a2", "2026-06-30", 0.5),  # on as_of
        payment("a3", "2026-07-01", 9_000.0),  # the day after
        payment("b1", "2026-03-02", 0.6, unit="U2", economic_code="30202"),
        payment("c1", "2026-03-02", 50.0, unit="U3"),
    ])
    f, a, v = scan("BUD03", {"budget": bud, "payments": pay})
    got = _findings(f)
    l1, l2, l3 = "2026|U1|2050101|30201|", "2026|U2|2050101|30202|", "2026|U3|2050101|30201|"
    assert set(got) == {(l1, "2026"), (l2, "2026"), (l3, "2026")}
    # U1: 130,000.50 / (100,000 + 20,000) = 1.0833375 > 1 → alert; over 10,000.50
    assert got[(l1, "2026")] == {
        "level": "alert", "value": pytest.approx(130_000.5 / 120_000), "threshold": 1.0,
        "subject_type": "budget_line", "unit_code": "U1", "region_code": "330521",
        "message_zh": f"德清县教育局 预算指标 {l1} 累计净支付130,000.50元，为可用指标120,000.00元的108.3%",
        "message_en": f"德清县教育局: budget line {l1} paid 130,000.50, 108.3% of the available 120,000.00",
        "evidence": {"net": 130_000.5, "available": 120_000.0, "adjusted_amount": 100_000.0,
                     "carryover_amount": 20_000.0},
        "amount_at_risk": 10_000.5,
    }
    # U2 30202: 0.60 of 0.50 available = 1.2 → alert; over 0.10
    assert got[(l2, "2026")]["value"] == pytest.approx(1.2)
    assert got[(l2, "2026")]["amount_at_risk"] == 0.1
    assert got[(l2, "2026")]["message_zh"] == f"湖州市财政局 预算指标 {l2} 累计净支付0.60元，为可用指标0.50元的120.0%"
    # U3: nothing available (−100): +∞, and all of the 50 paid is at risk
    assert got[(l3, "2026")]["value"] == math.inf
    assert got[(l3, "2026")]["amount_at_risk"] == 50.0
    assert got[(l3, "2026")]["evidence"] == {"net": 50.0, "available": -100.0, "adjusted_amount": -100.0,
                                             "carryover_amount": 0.0}
    # lines without payments are assessed with ratio 0: U1 30202 (0 of 50,000) and U2 30201 (0 of 0)
    vals = dict(zip(v["subject_id"], v["value"], strict=True))
    assert vals["2026|U1|2050101|30202|"] == 0.0 and vals["2026|U2|2050101|30201|"] == 0.0
    assert set(v["period"]) == {"2026"}
    assert {k: x[:4] for k, x in _assessed(a).items()} == {
        "330500": (2, 1, 0, 1), "330521": (2, 1, 0, 1), "330521102": (1, 1, 0, 1)}


# ---------------------------------------------------------------------------------------- BUD04
def test_bud04_finding_in_full_and_a_zero_payment() -> None:
    bud = budget([line(2026, "U1", 100_000.0)])
    pay = payments([
        payment("ok", "2026-03-02", 1_000.0),
        payment("P2", "2026-03-02", 1_234.56, economic_code="30299"),
        payment("zero", "2026-03-03", 0.0, economic_code="30299"),  # nothing paid: no spending to flag
    ])
    f, a, _ = scan("BUD04", {"budget": bud, "payments": pay})
    got = _findings(f)
    assert set(got) == {("P2", "2026-03")}
    p2 = got[("P2", "2026-03")]
    assert p2["threshold"] is None or math.isnan(p2["threshold"])
    del p2["threshold"]
    assert p2 == {
        "level": "alert", "value": 1_234.56, "subject_type": "payment", "unit_code": "U1", "region_code": "330521",
        "message_zh": "德清县教育局 支付1,234.56元（2026-03-02，功能2050101/经济30299）无对应预算指标",
        "message_en": "德清县教育局 paid 1,234.56 on 2026-03-02 (function 2050101, economic 30299) "
                      "with no matching budget line",
        "evidence": {"payment_id": "P2", "budget_year": 2026, "function_code": "2050101",
                     "economic_code": "30299", "project_code": "", "amount": 1_234.56},
        "amount_at_risk": 1_234.56,
    }
    assert _assessed(a)["330521"][:4] == (3, 1, 0, 1)


# ---------------------------------------------------------------------------------------- BUD05
def _sg(year: int, unit: str, amount: float, economic: str = "30217", **kw: Any) -> dict:
    return line(year, unit, amount, economic=economic, **kw)


def _bud05_tables() -> dict:
    bud = budget([
        _sg(2025, "U1", 50_000.0), _sg(2026, "U1", 55_000.0),
        _sg(2026, "U1", 900_000.0, economic="30201"),  # not 三公
        _sg(2025, "U2", 40_000.0, "30231"), _sg(2026, "U2", 45_000.0, "30231"),
        _sg(2025, "U3", 10_000.0, "30201"), _sg(2026, "U3", 10_000.0, "30201"),  # U3 has no 三公 budget
        _sg(2025, "U4", 20_000.5), _sg(2026, "U4", 20_000.5),
    ])
    pay = payments([
        payment("a1", "2025-05-06", 60_000.1, economic_code="30217"),
        payment("a2", "2026-05-06", 56_000.0, economic_code="30217"),
        payment("a3", "2026-05-06", 300_000.0, economic_code="30201"),  # not 三公
        payment("b0", "2024-05-06", 8_000.0, unit="U2", economic_code="30231"),  # 2024: no budget lines at all
        payment("b1", "2025-05-06", 30_000.0, unit="U2", economic_code="30231"),
        payment("c1", "2026-05-06", 12_345.67, unit="U3", economic_code="30212"),
        payment("d1", "2025-05-06", 10_000.0, unit="U4", economic_code="30217"),
        payment("d2", "2026-06-30", 10_000.01, unit="U4", economic_code="30217"),  # on as_of
        payment("d3", "2026-07-01", 5_000.0, unit="U4", economic_code="30217"),  # the day after
    ])
    return {"budget": bud, "payments": pay}


def _ev(budget_: float, actual: float, budget_prev: float | None, actual_prev: float | None) -> dict:
    return {"economic_codes": SANGONG, "budget": budget_, "actual": actual, "budget_prev": budget_prev,
            "actual_prev": actual_prev}


def test_bud05_findings_in_full_over_budget_and_growth() -> None:
    f, a, v = scan("BUD05", _bud05_tables())
    got = _findings(f)
    assert set(got) == {("U1", "2025"), ("U1", "2026"), ("U2", "2024"), ("U2", "2026"), ("U3", "2026"),
                        ("U4", "2026")}
    # U1 2025: actual 60,000.10 > budget 50,000 → alert; excess 10,000.10. 2024 absent: no previous year.
    assert got[("U1", "2025")] == {
        "level": "alert", "value": 60_000.1, "threshold": 50_000.0, "subject_type": "unit", "unit_code": "U1",
        "region_code": "330521",
        "message_zh": "德清县教育局 2025年三公经费实际支出超预算：60,000.10元，对比50,000.00元",
        "message_en": "德清县教育局 2025: “three public expenses” actual above budget: 60,000.10 against 50,000.00",
        "evidence": _ev(50_000.0, 60_000.1, None, None), "amount_at_risk": 10_000.1,
    }
    # U1 2026: actual 56,000 > budget 55,000 (which also grew from 50,000): over budget rules,
    # compared with the budget; the actual is below last year's 60,000.10
    assert got[("U1", "2026")] == {
        "level": "alert", "value": 56_000.0, "threshold": 55_000.0, "subject_type": "unit", "unit_code": "U1",
        "region_code": "330521",
        "message_zh": "德清县教育局 2026年三公经费实际支出超预算：56,000.00元，对比55,000.00元",
        "message_en": "德清县教育局 2026: “three public expenses” actual above budget: 56,000.00 against 55,000.00",
        "evidence": _ev(55_000.0, 56_000.0, 50_000.0, 60_000.1), "amount_at_risk": 1_000.0,
    }
    # U2 2024: 三公 spending in a year with no budget line at all: over a budget of 0
    assert got[("U2", "2024")] == {
        "level": "alert", "value": 8_000.0, "threshold": 0.0, "subject_type": "unit", "unit_code": "U2",
        "region_code": "330500",
        "message_zh": "湖州市财政局 2024年三公经费实际支出超预算：8,000.00元，对比0.00元",
        "message_en": "湖州市财政局 2024: “three public expenses” actual above budget: 8,000.00 against 0.00",
        "evidence": _ev(0.0, 8_000.0, None, None), "amount_at_risk": 8_000.0,
    }
    # U2 2025 is not compared with 2024, which is not in the budget data: ok, below its budget
    # U2 2026: nothing spent yet, the budget grew 40,000 → 45,000 → warning; excess 5,000
    assert got[("U2", "2026")] == {
        "level": "warning", "value": 45_000.0, "threshold": 40_000.0, "subject_type": "unit", "unit_code": "U2",
        "region_code": "330500",
        "message_zh": "湖州市财政局 2026年三公经费预算高于上年：45,000.00元，对比40,000.00元",
        "message_en": "湖州市财政局 2026: “three public expenses” budget above last year: 45,000.00 against 40,000.00",
        "evidence": _ev(45_000.0, 0.0, 40_000.0, 30_000.0), "amount_at_risk": 5_000.0,
    }
    # U3 2026: 三公 spending with no 三公 budget: over a budget of 0; 2025 is in the data (a 30201 line)
    # with neither 三公 budget nor spending: previous year known, both 0
    assert got[("U3", "2026")] == {
        "level": "alert", "value": 12_345.67, "threshold": 0.0, "subject_type": "unit", "unit_code": "U3",
        "region_code": "330521102",
        "message_zh": "乾元镇人民政府 2026年三公经费实际支出超预算：12,345.67元，对比0.00元",
        "message_en": "乾元镇人民政府 2026: “three public expenses” actual above budget: 12,345.67 against 0.00",
        "evidence": _ev(0.0, 12_345.67, 0.0, 0.0), "amount_at_risk": 12_345.67,
    }
    # U4 2026: year to date 10,000.01 (the payment of 1 July not counted) > last year's 10,000 → warning
    assert got[("U4", "2026")] == {
        "level": "warning", "value": 10_000.01, "threshold": 10_000.0, "subject_type": "unit",
        "unit_code": "U4", "region_code": "330521",
        "message_zh": "德清县卫生健康局 2026年三公经费实际支出高于上年：10,000.01元，对比10,000.00元",
        "message_en": "德清县卫生健康局 2026: “three public expenses” actual above last year: 10,000.01 against "
                      "10,000.00",
        "evidence": _ev(20_000.5, 10_000.01, 20_000.5, 10_000.0), "amount_at_risk": 0.01,
    }
    # the unit-years that break no rule: measured (value = the actual), no issue named; U3 2025 has no 三公
    rows = {(s, p): r for s, p, r in zip(v["subject_id"], v["period"], v.to_dict("records"), strict=True)}
    assert set(rows) == set(got) | {("U2", "2025"), ("U4", "2025")}
    for key, actual in ((("U2", "2025"), 30_000.0), (("U4", "2025"), 10_000.0)):
        r = rows[key]
        assert (r["level"], r["value"], r["issue_zh"], r["issue_en"]) == ("ok", actual, "", "")
        assert math.isnan(r["budget_prev"]) and math.isnan(r["actual_prev"])
    assert (rows[("U4", "2026")]["issue_zh"], rows[("U4", "2026")]["issue_en"]) == (
        "实际支出高于上年", "actual above last year")
    assert {k: x[:4] for k, x in _assessed(a).items()} == {
        "330500": (3, 2, 1, 1), "330521": (4, 3, 1, 2), "330521102": (1, 1, 0, 1)}


def test_bud05_both_growths_compare_the_actual_with_last_year() -> None:
    # budget 20,000 → 30,000 and actual 10,000 → 15,000, both up, actual within budget: the actual's growth
    bud = budget([_sg(2025, "U1", 20_000.0), _sg(2026, "U1", 30_000.0)])
    pay = payments([payment("a", "2025-05-06", 10_000.0, economic_code="30217"),
                    payment("b", "2026-05-06", 15_000.0, economic_code="30217")])
    f, _, _ = scan("BUD05", {"budget": bud, "payments": pay})
    got = _findings(f)
    assert set(got) == {("U1", "2026")}
    u1 = got[("U1", "2026")]
    assert (u1["level"], u1["value"], u1["threshold"], u1["amount_at_risk"]) == (
        "warning", 15_000.0, 10_000.0, 5_000.0)
    assert u1["message_en"] == (
        "德清县教育局 2026: “three public expenses” actual above last year: 15,000.00 against 10,000.00")


def test_bud05_final_outturn_wins_over_payments_where_given() -> None:
    bud = budget([
        # U1 2025: outturn 35,000 + 25,000.55 = 60,000.55 over the 三公 budget 50,000 + 10,000
        _sg(2025, "U1", 50_000.0, actual_amount=35_000.0),
        _sg(2025, "U1", 10_000.0, "30231", actual_amount=25_000.55),
        _sg(2025, "U1", 500_000.0, "30201", actual_amount=999_999.0),  # not 三公
        # U2 2025: no outturn: the payments, 45,000 over 40,000
        _sg(2025, "U2", 40_000.0, "30231", actual_amount=None),
    ], extra=("actual_amount",))
    pay = payments([
        payment("a", "2025-05-06", 10_000.0, economic_code="30217"),  # the outturn replaces these
        payment("b", "2025-05-06", 45_000.0, unit="U2", economic_code="30231"),
    ])
    f, _, _ = scan("BUD05", {"budget": bud, "payments": pay})
    got = _findings(f)
    assert {k: (x["level"], x["value"], x["threshold"], x["amount_at_risk"]) for k, x in got.items()} == {
        ("U1", "2025"): ("alert", 60_000.55, 60_000.0, 0.55),  # at risk rounded to cents,
        ("U2", "2025"): ("alert", 45_000.0, 40_000.0, 5_000.0),
    }
    assert got[("U1", "2025")]["evidence"] == _ev(60_000.0, 60_000.55, None, None)


def test_bud05_without_payments_uses_the_outturn_or_nothing() -> None:
    bud = budget([
        _sg(2025, "U1", 50_000.0, actual_amount=50_000.01),  # a cent over
        _sg(2025, "U2", 40_000.0, "30231", actual_amount=None),
        _sg(2026, "U2", 45_000.0, "30231", actual_amount=None),  # grew
    ], extra=("actual_amount",))
    f, a, _ = scan("BUD05", {"budget": bud})
    got = _findings(f)
    assert {k: (x["level"], x["value"], x["threshold"]) for k, x in got.items()} == {
        ("U1", "2025"): ("alert", 50_000.01, 50_000.0), ("U2", "2026"): ("warning", 45_000.0, 40_000.0)}
    assert got[("U2", "2026")]["evidence"] == _ev(45_000.0, 0.0, 40_000.0, 0.0)
    # no outturn column and no payments: the budgets alone
    g, _, _ = scan("BUD05", {"budget": budget([_sg(2025, "U2", 40_000.0), _sg(2026, "U2", 40_000.01)])})
    assert {k: (x["level"], x["value"], x["threshold"], x["evidence"]["actual"]) for k, x in _findings(g).items()} == {
        ("U2", "2026"): ("warning", 40_000.01, 40_000.0, 0.0)}


def test_bud05_not_assessed_without_any_sangong() -> None:
    t = {"budget": budget([line(2026, "U1", 100_000.0)]),
         "payments": payments([payment("a", "2026-03-02", 10.0)])}
    f, a, _ = scan("BUD05", t)
    assert f.empty
    assert _reasons(a) == {("not_assessed", "no 三公 budget lines or payments")}


# ---------------------------------------------------------------------------------------- BUD06
_CARRY = ("carryover_amount", "carryover_from_year")


def test_bud06_findings_in_full_and_what_counts_as_carry_over() -> None:
    bud = budget([
        line(2026, "U1", 10_000.0, carryover_amount=50_000.0, carryover_from_year=2023),
        line(2026, "U1", 10_000.0, economic="30202", carryover_amount=10_000.0, carryover_from_year=2025),
        line(2026, "U2", 10_000.0, carryover_amount=20_000.0, carryover_from_year=2024),
        line(2026, "U3", 10_000.0, carryover_amount=0.5, carryover_from_year=2024),  # fifty cents
        line(2026, "U3", 10_000.0, economic="30202", carryover_amount=0.0, carryover_from_year=2024),  # none
    ], extra=_CARRY)
    pay = payments([
        payment("a1", "2026-03-02", 12_345.67), payment("a2", "2026-07-01", 30_000.0),  # a2 after as_of
        payment("a3", "2026-03-02", 15_000.0, economic_code="30202"),  # more than the carry-over: all spent
        payment("b1", "2026-03-02", -100.0, unit="U2"),  # a refund does not add to the carry-over
    ])
    f, a, v = scan("BUD06", {"budget": bud, "payments": pay})
    got = _findings(f)
    l1, l2, l3 = "2026|U1|2050101|30201|", "2026|U2|2050101|30201|", "2026|U3|2050101|30201|"
    assert set(got) == {(l1, "2026"), (l2, "2026"), (l3, "2026")}
    # U1: 2026 − 2023 = 3 years ≥ 3 → alert; unspent 50,000 − 12,345.67 = 37,654.33
    assert got[(l1, "2026")] == {
        "level": "alert", "value": 3.0, "threshold": 3.0, "subject_type": "budget_line", "unit_code": "U1",
        "region_code": "330521",
        "message_zh": f"德清县教育局 预算指标 {l1} 含2023年结转资金50,000.00元，已滞留3年，未使用37,654.33元",
        "message_en": f"德清县教育局: budget line {l1} holds carry-over from 2023 (50,000.00), 3 years old, "
                      "37,654.33 unspent",
        "evidence": {"carryover_amount": 50_000.0, "carryover_from_year": 2023, "net": 12_345.67,
                     "unspent": 37_654.33},
        "amount_at_risk": 37_654.33,
    }
    # U2: 2 years → warning; net −100 spends nothing: unspent 20,000
    assert got[(l2, "2026")] == {
        "level": "warning", "value": 2.0, "threshold": 2.0, "subject_type": "budget_line", "unit_code": "U2",
        "region_code": "330500",
        "message_zh": f"湖州市财政局 预算指标 {l2} 含2024年结转资金20,000.00元，已滞留2年，未使用20,000.00元",
        "message_en": f"湖州市财政局: budget line {l2} holds carry-over from 2024 (20,000.00), 2 years old, "
                      "20,000.00 unspent",
        "evidence": {"carryover_amount": 20_000.0, "carryover_from_year": 2024, "net": -100.0, "unspent": 20_000.0},
        "amount_at_risk": 20_000.0,
    }
    assert got[(l3, "2026")]["evidence"] == {"carryover_amount": 0.5, "carryover_from_year": 2024, "net": 0.0,
                                             "unspent": 0.5}
    assert got[(l3, "2026")]["level"] == "warning"
    # U1's 30202 line: 15,000 paid against 10,000 carried over: spent, level ok, nothing unspent
    rows = {s: r for s, r in zip(v["subject_id"], v.to_dict("records"), strict=True)}
    spent = rows["2026|U1|2050101|30202|"]
    assert (spent["level"], spent["value"], spent["unspent"], spent["net"]) == ("ok", 1.0, 0.0, 15_000.0)
    assert "2026|U3|2050101|30202|" not in rows  # no carry-over: not assessed
    assert {k: x[:4] for k, x in _assessed(a).items()} == {
        "330500": (1, 1, 1, 0), "330521": (2, 1, 0, 1), "330521102": (1, 1, 1, 0)}


def test_bud06_not_assessed_without_payments_says_why() -> None:
    bud = budget([line(2026, "U1", 1.0, carryover_amount=5.0, carryover_from_year=2020)], extra=_CARRY)
    f, a, _ = scan("BUD06", {"budget": bud})
    assert f.empty
    assert _reasons(a) == {("not_assessed", "missing table: payments (whether the carry-over was spent is unknown)")}


def test_bud01_cents_in_evidence_zero_budgets_left_out_and_regions_in_code_order() -> None:
    # a second county, 吴兴区 330502, under the city; its unit's lines come after 德清县's
    regions = typed("regions", [
        {"region_code": "330500", "name": "湖州市", "level": "city", "parent_code": None},
        {"region_code": "330521", "name": "德清县", "level": "county", "parent_code": "330500"},
        {"region_code": "330502", "name": "吴兴区", "level": "county", "parent_code": "330500"},
    ])
    units = typed("units", [
        {"unit_code": "U1", "name": "德清县教育局", "region_code": "330521"},
        {"unit_code": "U2", "name": "湖州市财政局", "region_code": "330500"},
        {"unit_code": "U5", "name": "吴兴区教育局", "region_code": "330502"},
    ])
    bud = budget([line(2026, "U1", 200_000.5), line(2026, "U5", 100_000.0),
                  line(2026, "U2", 0.0)])  # assessed with min_budget 0, but adds up to no budget
    pay = payments([payment("a", "2026-03-02", 20_000.05), payment("b", "2026-03-02", 100.0, unit="U2")])
    f, a, v = scan("BUD01", {"regions": regions, "units": units, "budget": bud, "payments": pay},
                   params={"min_budget": 0}, **_MONTHS)
    # U1: 20,000.05 / 200,000.50 = 0.1 → 40 pp; U5: nothing spent → 50 pp; U2: no budget: left out
    assert list(zip(v["subject_type"], v["subject_id"], strict=True)) == [
        ("unit", "U1"), ("unit", "U5"), ("region", "330500"), ("region", "330502"), ("region", "330521")]
    got = _findings(f)
    assert got[("U1", "2026")]["evidence"] == {
        "budget": 200_000.5, "net_payments": 20_000.05, "lines": 1, "execution_rate": 0.1, "time_progress": 0.5,
        "as_of": "2026-06-30"}
    assert got[("U1", "2026")]["amount_at_risk"] == 80_000.2  # 0.5 × 200,000.50 − 20,000.05
    # the city: 300,000.50 budget (U2's 0 included), 20,000.05 + 100 = 20,100.05 net (U2's 100 too)
    assert got[("330500", "2026")]["evidence"] == {
        "budget": 300_000.5, "net_payments": 20_100.05, "lines": 3, "execution_rate": 0.067,
        "time_progress": 0.5, "as_of": "2026-06-30"}


def test_bud05_sangong_codes_come_from_the_budget_module_parameters() -> None:
    # only 30217 (公务接待) declared as 三公: U2's 30231 spending over its 30231 line is no longer 三公
    bud = budget([_sg(2025, "U1", 10_000.0), _sg(2025, "U2", 10_000.0, "30231")])
    pay = payments([payment("a", "2025-05-06", 10_000.01, economic_code="30217"),
                    payment("b", "2025-05-06", 10_000.01, unit="U2", economic_code="30231")])
    t = {"budget": bud, "payments": pay}
    f, _, _ = scan("BUD05", t, modules={"budget": {"sangong_economic_codes": ["30217"]}})
    got = _findings(f)
    assert set(got) == {("U1", "2025")}
    assert got[("U1", "2025")]["evidence"] == {"economic_codes": ["30217"], "budget": 10_000.0,
                                               "actual": 10_000.01, "budget_prev": None, "actual_prev": None}
    # with the default codes both are 三公 and both a cent over
    g, _, _ = scan("BUD05", t)
    assert set(_findings(g)) == {("U1", "2025"), ("U2", "2025")}


def test_bud01_a_unit_whose_lines_add_up_to_fifty_cents_is_assessed() -> None:
    # min_budget 0: a budget of 0.50 is a budget (only a total of 0 is left out)
    t = {"budget": budget([line(2026, "U1", 0.5)]), "payments": payments([payment("a", "2026-03-02", 0.1)])}
    f, a, v = scan("BUD01", t, params={"min_budget": 0}, **_MONTHS)
    # p = 0.5; U1: 0.10 / 0.50 = 0.2 → (0.5 − 0.2) × 100 = 30 pp ≥ 20 → alert; behind 0.5 × 0.50 − 0.10 = 0.15.
    # 德清县 and 湖州市 hold only U1: the same; 乾元镇 has no unit with a budget: not a subject.
    got = _findings(f)
    assert set(got) == {("U1", "2026"), ("330521", "2026"), ("330500", "2026")}
    assert got[("U1", "2026")] == {
        "level": "alert", "value": pytest.approx(30.0), "threshold": 20.0, "subject_type": "unit",
        "unit_code": "U1", "region_code": "330521",
        "message_zh": "德清县教育局 截至6月30日预算执行率20.0%，低于序时进度50.0% 30.0个百分点",
        "message_en": "德清县教育局: budget execution 20.0% at 30 June, 30.0 pp behind time progress of 50.0%",
        "evidence": {"budget": 0.5, "net_payments": 0.1, "lines": 1, "execution_rate": 0.2,
                     "time_progress": 0.5, "as_of": "2026-06-30"},
        "amount_at_risk": 0.15,
    }
    assert got[("330521", "2026")]["evidence"] == got[("330500", "2026")]["evidence"] == {
        "budget": 0.5, "net_payments": 0.1, "lines": 1, "execution_rate": 0.2, "time_progress": 0.5,
        "as_of": "2026-06-30"}
    assert list(zip(v["subject_type"], v["subject_id"], strict=True)) == [
        ("unit", "U1"), ("region", "330500"), ("region", "330521")]
    # each row counted in its own region: 德清县 holds U1's row and its own, 湖州市 its own
    assert {k: x[:4] for k, x in _assessed(a).items()} == {
        "330500": (1, 1, 0, 1), "330521": (2, 2, 0, 2), "330521102": (0, 0, 0, 0)}


def test_sangong_codes_of_a_context_without_parameters_are_the_built_in_ones() -> None:
    # a bare ScanContext (not made by make_context, which always resolves the defaults) has params None
    bare = ScanContext(tables={}, as_of=pd.Timestamp("2026-06-30"), params=None)
    assert sangong_codes(bare) == SANGONG


# ---------------------------------------------------------------------------------------- project_execution
def _project_budget() -> pd.DataFrame:
    # given out of key order: 2026 U2 first, 2025 last
    return budget([
        line(2026, "U2", 1_000.0, project_code="P9", adjusted_amount=0.5),  # adjusted down to fifty cents
        line(2026, "U1", 100_000.0, project_code="P1", adjusted_amount=80_000.0),
        line(2026, "U1", 50_000.0, economic="30202", project_code="P1", adjusted_amount=None),  # = original
        line(2026, "U1", 0.0, economic="30203", project_code="P0", adjusted_amount=0.0),
        line(2026, "U1", 70_000.0, adjusted_amount=None),  # no project code: not a project's line
        line(2025, "U1", 10_000.0, project_code="P1", adjusted_amount=None),
    ], extra=("adjusted_amount",))


def _execution(rows: list[tuple[int, str, str, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({
        "year": pd.Series([r[0] for r in rows], dtype="int64"),
        "unit_code": pd.Series([r[1] for r in rows], dtype="str"),
        "project_code": pd.Series([r[2] for r in rows], dtype="str"),
        "adjusted": [r[3] for r in rows], "net": [r[4] for r in rows], "rate": [r[5] for r in rows],
    })


def test_project_execution_sums_each_project_year_in_key_order() -> None:
    pay = payments([
        payment("a", "2026-03-02", 20_000.1, project_code="P1"),
        payment("b", "2026-07-01", 9_000.0, project_code="P1"),  # after as_of: not counted
        payment("c", "2026-03-02", 300.0, economic_code="30203", project_code="P0"),
        payment("d", "2026-03-02", 5_000.0),  # the line without a project
        payment("e", "2025-05-06", 10_000.0, project_code="P1"),
        payment("f", "2026-03-02", 0.2, unit="U2", project_code="P9"),
    ])
    ctx = context({"units": UNITS, "budget": _project_budget(), "payments": pay}, "2026-06-30")
    got = project_execution(ctx)
    # 2025 U1 P1: 10,000 / 10,000 = 1.
    # 2026 U1 P0: 300 paid on an adjusted budget of 0: no rate (NaN, not +inf).
    # 2026 U1 P1: adjusted 80,000 + 50,000 (its 30202 line has no payments: 0 spent) = 130,000;
    #   net 20,000.10 (the 9,000 of 1 July not counted) → 20,000.10 / 130,000 = 0.1538469…
    # 2026 U2 P9: 0.20 / 0.50 = 0.4 (a positive budget under 1 yuan has a rate).
    # The line without a project code and its 5,000 are left out.
    pd.testing.assert_frame_equal(got, _execution([
        (2025, "U1", "P1", 10_000.0, 10_000.0, 1.0),
        (2026, "U1", "P0", 0.0, 300.0, math.nan),
        (2026, "U1", "P1", 130_000.0, 20_000.1, 20_000.1 / 130_000),
        (2026, "U2", "P9", 0.5, 0.2, 0.4),
    ]), check_exact=True)
    assert project_execution(ctx) is got  # computed once per scan


def test_project_execution_without_payments_spends_nothing() -> None:
    ctx = context({"units": UNITS, "budget": _project_budget()}, "2026-06-30")
    # no payments table: every project-year has net 0, rate 0 (NaN where the adjusted budget is 0)
    pd.testing.assert_frame_equal(project_execution(ctx), _execution([
        (2025, "U1", "P1", 10_000.0, 0.0, 0.0),
        (2026, "U1", "P0", 0.0, 0.0, math.nan),
        (2026, "U1", "P1", 130_000.0, 0.0, 0.0),
        (2026, "U2", "P9", 0.5, 0.0, 0.0),
    ]), check_exact=True)


def test_project_execution_is_in_cents_at_the_largest_amounts_of_the_data_contract() -> None:
    # amounts under input.max_abs_amount (10^13): 5,000,000,000,000.01 + 0.02 adds up in floats to
    # 5,000,000,000,000.029 (a double every 0.00098 here), which rounds to the cent 5,000,000,000,000.03
    bud = budget([
        line(2026, "U1", 5_000_000_000_000.01, project_code="P1"),
        line(2026, "U1", 0.02, economic="30202", project_code="P1"),
    ])
    pay = payments([payment("a", "2026-03-02", 5_000_000_000_000.01, project_code="P1"),
                    payment("b", "2026-03-02", 0.02, economic_code="30202", project_code="P1")])
    ctx = context({"units": UNITS, "budget": bud, "payments": pay}, "2026-06-30")
    pd.testing.assert_frame_equal(project_execution(ctx), _execution([
        (2026, "U1", "P1", 5_000_000_000_000.03, 5_000_000_000_000.03, 1.0)]), check_exact=True)
