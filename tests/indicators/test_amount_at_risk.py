"""``amount_at_risk`` of the findings, per indicator family, against amounts worked out by hand.

Each indicator declares the result column holding the money its finding concerns
(``@indicator(at_risk=...)``); the registry copies it into the findings. These fixtures check the
rule of each family on a few rows whose amounts are computed in the comments; the committed sample's
findings check that every indicator fills the column exactly when it declares one.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fiscalrisk.indicators.registry import REGISTRY, get

from . import test_assets as ast
from . import test_contracts as con
from . import test_procurement as prc
from . import test_projects as prj
from ._tables import budget, context, line, payment, payments, run

EXPECTED = Path(__file__).resolve().parents[1] / "expected" / "huzhou-findings.csv"


def amounts(findings: pd.DataFrame) -> dict[str, float]:
    """subject_id → amount_at_risk (NaN kept) of the findings."""
    return dict(zip(findings["subject_id"], findings["amount_at_risk"], strict=True))


# ------------------------------------------------------------------------------------------- declared
@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_every_indicator_declares_its_amount_at_risk_and_its_page_says_it(code: str) -> None:
    spec = get(code)
    assert spec.at_risk_rule.strip(), f"{code}: no at_risk_rule"
    assert (spec.at_risk is None) == spec.at_risk_rule.startswith("none"), (
        f"{code}: a rule without a column says 'none: why', a column has a rule that is not 'none'")
    from fiscalrisk.indicators.docs import page

    assert f"| amount at risk | {spec.at_risk_rule.replace('|', chr(92) + '|')}" in page(code)


def test_the_sample_fills_the_amount_exactly_where_the_indicator_declares_one() -> None:
    with open(EXPECTED, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {"amount_at_risk", "priority"} <= set(rows[0])
    for r in rows:
        spec = get(r["indicator"])
        if spec.at_risk is None:
            assert r["amount_at_risk"] == "", r
        else:
            assert float(r["amount_at_risk"]) >= 0, r
    # the priority is a total order 1..N over the scan
    assert sorted(int(r["priority"]) for r in rows) == list(range(1, len(rows) + 1))


def test_the_anomaly_amounts_follow_from_their_evidence() -> None:
    """ANM02 |observed − expected|, ANM03 the payment's amount, ANM05 budget × (1 − upper bound)."""
    with open(EXPECTED, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["indicator"] in ("ANM02", "ANM03", "ANM05")]
    assert {r["indicator"] for r in rows} == {"ANM02", "ANM03", "ANM05"}
    for r in rows:
        ev = json.loads(r["evidence"])
        got = float(r["amount_at_risk"])
        if r["indicator"] == "ANM02":
            assert got == pytest.approx(abs(ev["observed"] - ev["expected"]), abs=0.01)
        elif r["indicator"] == "ANM03":
            assert got == ev["amount"]
        else:
            assert got == pytest.approx(ev["budget"] * (1 - float(r["value"])), abs=0.01)


# ------------------------------------------------------------------------------------------- payments
def test_payment_findings_carry_the_payments_amount() -> None:
    pay = payments([
        payment("P1", "2026-06-12", 120000.0, payee_type="own_account"),
        payment("P2", "2026-06-13", 80.0),
    ])
    f, _ = run("PAY01", context({"payments": pay}, "2026-06-30"))
    assert amounts(f) == {"P1": 120000.0}


def test_pay03_single_cash_payment_and_the_months_cash_total() -> None:
    pay = payments([
        payment("C1", "2026-06-02", 30000.0, method="cash"),
        payment("C2", "2026-06-09", 40000.0, method="cash"),
        payment("C3", "2026-06-16", 45000.0, method="cash"),
        payment("C4", "2026-06-17", -5000.0, method="cash"),  # a cash refund lowers the month's total
    ])
    f, _ = run("PAY03", context({"payments": pay}, "2026-06-30"))
    # singles above 20,000 warn with their own amount; June: 30,000 + 40,000 + 45,000 − 5,000 = 110,000
    got = {(t, s): a for t, s, a in zip(f["subject_type"], f["subject_id"], f["amount_at_risk"], strict=True)}
    assert got == {("payment", "C1"): 30000.0, ("payment", "C2"): 40000.0, ("payment", "C3"): 45000.0,
                   ("unit", "U1"): 110000.0}


def test_pay06_a_split_carries_its_total() -> None:
    pay = payments([
        payment("S1", "2026-05-04", 250000.0, payee_name="甲公司"),
        payment("S2", "2026-05-20", 260000.0, payee_name="甲公司"),
        payment("S3", "2026-05-21", 1000.0, payee_name="甲公司"),  # below materiality: no part of it
    ])
    f, _ = run("PAY06", context({"payments": pay}, "2026-06-30"))
    assert amounts(f) == {"S2": 250000.0 + 260000.0}


def test_pay07_the_duplicated_amount_and_a_runs_total() -> None:
    monthly = [payment(f"M{m:02d}", f"2026-{m:02d}-05", 6000.0, payee_name="丙物业") for m in range(1, 12)]
    monthly.append(payment("M01b", "2026-01-09", 6000.0, payee_name="丙物业"))  # 4 days after M01
    pay = payments([
        payment("D1", "2026-06-01", 50000.0, payee_name="乙公司"),
        payment("D2", "2026-06-05", 50000.0, payee_name="乙公司"),
        *monthly,
    ])
    f, _ = run("PAY07", context({"payments": pay}, "2026-12-31"))
    # D2 pays D1's 50,000 again; the 12 charges of 6,000 are one note about 72,000
    assert amounts(f) == {"D2": 50000.0, "U1|丙物业|6000.00": 72000.0}
    assert f.set_index("subject_id").loc["U1|丙物业|6000.00", "level"] == "info"


# --------------------------------------------------------------------------------------------- budget
def _bud01_tables() -> dict[str, pd.DataFrame]:
    pay = payments([
        payment("P1", "2026-03-01", 200000.0),
        payment("P2", "2026-05-01", 13000.0),
        payment("P4", "2026-04-01", 300000.0, unit="U2"),
    ])
    bud = budget([line(2026, "U1", 1_000_000.0), line(2026, "U2", 500_000.0)])
    return {"payments": pay, "budget": bud}


def test_bud01_the_amount_behind_time_progress() -> None:
    f, _ = run("BUD01", context(_bud01_tables(), "2026-06-30"))
    p = 181 / 365  # 30 June, by days
    # U1 and its county: p × 1,000,000 − 213,000; the city: p × 1,500,000 − 513,000
    assert amounts(f) == {"U1": round(p * 1_000_000 - 213_000, 2), "330521": round(p * 1_000_000 - 213_000, 2),
                          "330500": round(p * 1_500_000 - 513_000, 2)}
    assert amounts(f)["U1"] == 282890.41


def test_bud02_the_december_spending() -> None:
    pay = payments([
        payment("A1", "2025-01-15", 100000.0),
        payment("A3", "2025-12-20", 300000.0),
        payment("B1", "2025-03-15", 70000.0, unit="U2"),
        payment("B2", "2025-12-10", 40000.0, unit="U2"),
        payment("B3", "2025-12-11", -10000.0, unit="U2"),
    ])
    f, _ = run("BUD02", context({"payments": pay}, "2026-06-30"))
    assert amounts(f) == {"U1": 300000.0, "U2": 30000.0}  # December net: 300,000; 40,000 − 10,000


def test_bud03_bud05_bud06_over_executed_excess_and_unspent() -> None:
    over = budget([
        line(2026, "U1", 100000.0, adjusted_amount=100000.0, carryover_amount=20000.0),
        line(2026, "U3", 0.0, adjusted_amount=0.0, carryover_amount=None),
    ], extra=("adjusted_amount", "carryover_amount"))
    pay = payments([payment("P1", "2026-03-01", 130000.0), payment("P3", "2026-03-01", 5000.0, unit="U3")])
    f, _ = run("BUD03", context({"budget": over, "payments": pay}, "2026-06-30"))
    # U1: 130,000 − (100,000 + 20,000); U3: nothing available, all 5,000 over
    assert dict(zip(f["unit_code"], f["amount_at_risk"], strict=True)) == {"U1": 10000.0, "U3": 5000.0}

    sangong = budget([
        line(2025, "U1", 50000.0, economic="30217"),
        line(2025, "U2", 40000.0, economic="30217"),
        line(2026, "U2", 45000.0, economic="30217"),
    ])
    pay = payments([payment("P1", "2025-05-01", 60000.0, economic_code="30217"),
                    payment("P2", "2025-05-01", 30000.0, unit="U2", economic_code="30217")])
    f, _ = run("BUD05", context({"budget": sangong, "payments": pay}, "2026-06-30"))
    # U1 2025: actual 60,000 − budget 50,000; U2 2026: budget 45,000 − last year's 40,000
    assert dict(zip(f["subject_id"] + " " + f["period"], f["amount_at_risk"], strict=True)) == {
        "U1 2025": 10000.0, "U2 2026": 5000.0}

    carried = budget([
        line(2026, "U1", 10000.0, carryover_amount=50000.0, carryover_from_year=2023),
        line(2026, "U3", 10000.0, carryover_amount=20000.0, carryover_from_year=2024),
    ], extra=("carryover_amount", "carryover_from_year"))
    pay = payments([payment("P2", "2026-02-01", 12500.0, unit="U3")])
    f, _ = run("BUD06", context({"budget": carried, "payments": pay}, "2026-06-30"))
    assert dict(zip(f["unit_code"], f["amount_at_risk"], strict=True)) == {"U1": 50000.0, "U3": 7500.0}


def test_bud04_the_payments_amount() -> None:
    bud = budget([line(2026, "U1", 100000.0)])
    pay = payments([payment("P1", "2026-03-01", 1000.0),
                    payment("P2", "2026-03-02", 2345.67, economic_code="30299")])
    f, _ = run("BUD04", context({"budget": bud, "payments": pay}, "2026-06-30"))
    assert amounts(f) == {"P2": 2345.67}


# ------------------------------------------------------------------------------------------ contracts
def test_con01_the_overpaid_part() -> None:
    f, _ = con.run("CON01", contracts=[con.contract("C1", 100000.0)],
                   payments=[con.payment("P1", 80000.0, "C1"), con.payment("P2", 35000.0, "C1", date="2025-06-01")])
    assert amounts(f) == {"C1": 15000.0}  # 115,000 paid on 100,000


def test_con03_the_contract_amount_and_con04_the_amount_paid_ahead() -> None:
    f, _ = con.run("CON03", contracts=[con.contract("C3", 1_200_000.0, procurement_id=None),
                                       con.contract("C4", 900_000.0, procurement_id=None)])
    assert amounts(f) == {"C3": 1_200_000.0}  # at or above the goods limit of 1,000,000 without procurement
    f, _ = con.run("CON04", as_of="2025-04-01",
                   contracts=[con.contract("C2", 1_000_000.0, signed="2025-01-01", end="2025-12-31")],
                   payments=[con.payment("P1", 600000.0, "C2", date="2025-02-01")])
    # elapsed 90 of 364 days: 600,000 − 90 / 364 × 1,000,000 paid ahead of the term
    assert amounts(f) == {"C2": round(600000 - 90 / 364 * 1_000_000, 2)}
    assert amounts(f)["C2"] == 352747.25


def test_con05_the_payments_amount() -> None:
    f, _ = con.run("CON05", contracts=[con.contract("C1", 100000.0)],
                   payments=[con.payment("P1", 42000.5, "C1", payee_name="某某劳务公司")])
    assert amounts(f) == {"P1": 42000.5}


# ---------------------------------------------------------------------------------------- procurement
def test_prc01_the_award_or_else_the_estimate() -> None:
    f, _ = prc.run("PRC01", [
        prc.proc("B1", "open_tender", 900_000.0, bidders=1, award_date="2025-05-10", award_amount=800_000.0),
        prc.proc("B2", "inquiry", 500_000.0, bidders=1, award_date="2025-05-10"),
    ])
    assert amounts(f) == {"B1": 800_000.0, "B2": 500_000.0}


def test_prc03_the_splits_total_and_prc05_the_largest_suppliers_value() -> None:
    f, _ = prc.run("PRC03", [
        prc.proc("S1", "inquiry", 600_000.0, notice_date="2025-03-01"),
        prc.proc("S2", "inquiry", 550_000.0, notice_date="2025-04-15"),
    ])
    assert amounts(f) == {"S2": 1_150_000.0}  # 600,000 + 550,000 reach the 1,000,000 limit
    awards = [("A1", "甲公司", 100_000.0), ("A2", "甲公司", 100_000.0), ("A3", "甲公司（湖州）", 0.0),
              ("A4", "甲公司", 100_000.0), ("A5", "乙公司", 50_000.0), ("A6", "丙公司", 50_000.0)]
    f, _ = prc.run("PRC05", [prc.proc(pid, "open_tender", award_amount=a, winner_name=w, award_date="2025-06-01")
                             for pid, w, a in awards])
    # 甲 300,000 of 400,000: HHI 0.75² + 2 × 0.125² = 0.59 → alert, about 甲's 300,000
    assert amounts(f) == {"U1": 300_000.0}
    assert f["value"].iloc[0] == pytest.approx(0.59375)


def test_prc06_the_award_amount() -> None:
    f, _ = prc.run("PRC06", [prc.proc("W1", "open_tender", 1_000_000.0, award_amount=998_000.0,
                                      award_date="2025-05-10")])
    assert amounts(f) == {"W1": 998_000.0}


# ------------------------------------------------------------------------------------------- projects
def test_projects_paid_ahead_overdue_and_over_budget() -> None:
    tables: dict[str, Any] = {
        "projects": [prj.project("X", 10_000_000.0), prj.project("Y", 1_000_000.0),
                     prj.project("Z", 2_000_000.0, end="2025-06-30")],
        "project_progress": [prj.report("X", 30.0, "2025-06-30"), prj.report("Y", 90.0, "2025-06-30"),
                             prj.report("Z", 80.0, "2025-06-30")],
        "payments": [prj.payment("P1", 6_000_000.0, "X"), prj.payment("P2", 1_100_000.0, "Y")],
    }
    f, _ = prj.run("PRJ01", **tables)
    assert amounts(f)["X"] == 3_000_000.0  # 6,000,000 paid − 30 % × 10,000,000 of works
    f, _ = prj.run("PRJ02", **tables)
    assert amounts(f) == {"Z": 2_000_000.0}  # overdue: its approved budget
    f, _ = prj.run("PRJ03", **tables)
    assert amounts(f) == {"Y": 100_000.0}  # 1,100,000 paid on a budget of 1,000,000


# --------------------------------------------------------------------------------------------- assets
def test_assets_the_avoidable_purchases_and_the_idle_value() -> None:
    register = [
        ast.asset("I1", "U1", "A", "2023-01-10", 30_000.0, "idle"),
        ast.asset("N1", "U1", "A", "2025-06-01", 50_000.0),
        ast.asset("I2", "U1", "B", "2023-01-10", 80_000.0, "idle"),
        ast.asset("N2", "U1", "B", "2025-07-01", 20_000.0),
        ast.asset("K1", "U2", "A", "2020-01-01", 60_000.0),
        ast.asset("K2", "U2", "A", "2020-01-01", 40_000.0, "idle"),
    ]
    f, _ = ast.run("AST01", register)
    # A: min(30,000 idle, 50,000 bought) + B: min(80,000, 20,000)
    assert amounts(f) == {"U1": 30_000.0 + 20_000.0}
    f, _ = ast.run("AST02", register)
    assert amounts(f) == {"U1": 110_000.0, "U2": 40_000.0}


# --------------------------------------------------------------------- no amount: scores, tests, seals
def test_a_seal_use_has_no_amount() -> None:
    from . import test_seals as sel

    f, _ = sel.run("SEL02", [sel.event("E1", "2024-05-06 10:00", approved=False)])
    assert len(f) == 1 and math.isnan(f["amount_at_risk"].iloc[0])
    # the scores and tests (CTL01, ANM01, ANM04, OUT01–OUT06) are checked on the sample's findings above
    assert all(get(c).at_risk is None for c in ("CTL01", "ANM01", "ANM04", "OUT01", "OUT06"))
