"""Payment monitoring indicators PAY01–PAY09 on hand-made fixtures with their expected findings."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from ._tables import budget, context, flagged, line, payment, payments, run, typed


def _run(code: str, rows: list[dict], as_of: str = "2026-12-31", tables: dict | None = None, **kw):
    return run(code, context({"payments": payments(rows), **(tables or {})}, as_of, **kw))


def test_pay01_transfer_to_own_account() -> None:
    f, a = _run("PAY01", [
        payment("P1", "2026-06-12", 120000.0, payee_type="own_account"),
        payment("P2", "2026-06-13", -120000.0, payee_type="own_account"),  # the return: not flagged
        payment("P3", "2026-06-14", 5.0),
    ])
    assert flagged(f) == {"P1": "alert"}
    assert a["assessed"].sum() == 3


def test_pay02_individual_outside_the_personal_economic_list() -> None:
    f, _ = _run("PAY02", [
        payment("P1", "2026-06-01", 60000.0, payee_type="individual", economic_code="30299"),
        payment("P2", "2026-06-01", 60000.0, payee_type="individual", economic_code="30211"),  # travel
        payment("P3", "2026-06-01", 60000.0, payee_type="individual", economic_code="30101"),  # wages
        payment("P4", "2026-06-01", 4999.99, payee_type="individual", economic_code="30299"),
        payment("P5", "2026-06-01", 5000.0, payee_type="individual", economic_code="31002"),
        payment("P6", "2026-06-01", 90000.0, economic_code="30299"),  # organisation
    ])
    assert flagged(f) == {"P1": "alert", "P5": "warning"}


def test_pay03_single_cash_and_monthly_cash_total() -> None:
    f, _ = _run("PAY03", [
        payment("P1", "2026-05-02", 20000.0, method="cash"),  # at the limit: not above
        payment("P2", "2026-05-03", 20000.01, method="cash"),
        payment("P3", "2026-05-04", 50001.0, method="cash"),
        payment("Q1", "2026-05-05", 40000.0, unit="U2", method="cash"),
        payment("Q2", "2026-05-06", 40000.0, unit="U2", method="cash"),
        payment("Q3", "2026-05-07", 30000.0, unit="U2", method="cash"),
        payment("Q4", "2026-05-08", 90000.0, unit="U2"),  # transfer
    ])
    got = {(s, t, p): lv for s, t, p, lv in zip(f["subject_id"], f["subject_type"], f["period"],
                                                f["level"].astype(str), strict=True)}
    assert got == {
        ("P2", "payment", "2026-05"): "warning",
        ("P3", "payment", "2026-05"): "alert",
        ("Q1", "payment", "2026-05"): "warning",
        ("Q2", "payment", "2026-05"): "warning",
        ("Q3", "payment", "2026-05"): "warning",
        ("U2", "unit", "2026-05"): "alert",  # 110,000 > 100,000; U1's 90,000.01 is within the limit
    }
    month = f.loc[f["subject_type"] == "unit"].iloc[0]
    assert json.loads(month["evidence"])["payment_ids"] == ["Q1", "Q2", "Q3"]


def test_pay04_card_mandatory_codes_paid_in_cash() -> None:
    f, _ = _run("PAY04", [
        payment("P1", "2026-05-02", 1000.0, economic_code="30217", method="cash"),
        payment("P2", "2026-05-02", 999.0, economic_code="30217", method="cash"),
        payment("P3", "2026-05-02", 5000.0, economic_code="30217", method="official_card"),
        payment("P4", "2026-05-02", 5000.0, economic_code="30101", method="cash"),
    ])
    assert flagged(f) == {"P1": "warning"}
    assert "以现金方式支付" in f["message_zh"].iloc[0]


def test_pay05_non_working_days_with_make_up_days_as_working_days() -> None:
    calendar = typed("calendar", [{"date": "2026-06-27", "is_workday": True},   # a 调休 Saturday
                                  {"date": "2026-06-29", "is_workday": False}])  # a declared holiday
    f, _ = _run("PAY05", [
        payment("P1", "2026-06-27", 5000.0),  # make-up working day: fine
        payment("P2", "2026-06-28", 5000.0),  # Sunday
        payment("P3", "2026-06-28", 1_000_000.0),  # Sunday, large
        payment("P4", "2026-06-29", 10.0),  # holiday by the calendar table
        payment("P5", "2026-06-30", 10.0),  # Tuesday
        payment("P6", "2026-06-28", -5000.0),  # refund on a Sunday
        payment("P7", "2025-10-01", 10.0),  # National Day
    ], tables={"calendar": calendar})
    assert flagged(f) == {"P2": "warning", "P3": "alert", "P4": "warning", "P7": "warning"}


def _splits() -> list[dict]:
    return [
        # A: two just-below payments and a small third one within 30 days → one alert on the last (A3)
        payment("A1", "2026-03-01", 250000.0, payee_name="甲公司"),
        payment("A2", "2026-03-10", 260000.0, payee_name="甲公司"),
        payment("A3", "2026-03-20", 50000.0, payee_name="甲公司"),
        # B: monthly payments: no 30-day window reaches T (a chained rule would wrongly add them up)
        payment("B1", "2026-03-01", 100000.0, payee_name="乙公司"),
        payment("B2", "2026-03-25", 100000.0, payee_name="乙公司"),
        payment("B3", "2026-04-20", 100000.0, payee_name="乙公司"),
        # C: exactly 30 days apart, sum exactly T → warning on C2
        payment("C1", "2026-05-01", 150000.0, payee_name="丙公司"),
        payment("C2", "2026-05-31", 150000.0, payee_name="丙公司"),
        # D: a payment at T is not a split; E: different economic codes are different purposes
        payment("D1", "2026-06-01", 300000.0, payee_name="丁公司"),
        payment("D2", "2026-06-02", 50000.0, payee_name="丁公司"),
        payment("E1", "2026-07-01", 200000.0, payee_name="戊公司"),
        payment("E2", "2026-07-02", 200000.0, payee_name="戊公司", economic_code="30202"),
        # F: 31 days apart
        payment("F1", "2026-08-01", 200000.0, payee_name="己公司"),
        payment("F2", "2026-09-01", 200000.0, payee_name="己公司"),
    ]


def test_pay06_split_payments_subject_is_the_last_payment() -> None:
    f, _ = _run("PAY06", _splits())
    assert flagged(f) == {"A3": "alert", "C2": "warning"}
    a3 = f.set_index("subject_id").loc["A3"]
    ev = json.loads(a3["evidence"])
    assert ev["payment_ids"] == ["A1", "A2", "A3"] and ev["near_threshold"] == 2
    assert a3["value"] == 560000.0 and a3["threshold"] == 300000.0
    assert "分3笔支付" in a3["message_zh"]


def test_pay06_threshold_is_a_parameter() -> None:
    f, _ = _run("PAY06", _splits(), indicators={"PAY06": {"threshold": 200000}})
    # T = 200,000: A1/A2 are no longer below T; B1–B2 and B2–B3 each reach T within 30 days and
    # overlap, so they form one episode whose last payment is B3; C stays below 0.8 T per payment.
    assert flagged(f) == {"B3": "warning", "C2": "warning"}
    assert json.loads(f.set_index("subject_id").loc["B3", "evidence"])["payment_ids"] == ["B1", "B2", "B3"]


def test_pay07_duplicate_and_refund_reversal() -> None:
    f, _ = _run("PAY07", [
        payment("D1", "2026-06-01", 50000.0, payee_name="X"),
        payment("D2", "2026-06-05", 50000.0, payee_name="X"),  # duplicate → alert
        payment("E1", "2026-06-01", 30000.0, payee_name="Y"),
        payment("E2", "2026-06-03", 30000.0, payee_name="Y"),
        payment("E3", "2026-06-10", -30000.0, payee_name="Y"),  # refund after the duplicate cancels it
        payment("F1", "2026-06-01", 20000.0, payee_name="Z"),
        payment("F2", "2026-06-20", 20000.0, payee_name="Z"),  # 19 days apart
        payment("G1", "2026-06-01", 10000.0, payee_name="W"),
        payment("G2", "2026-06-02", -10000.0, payee_name="W"),  # bank return of G1 ...
        payment("G3", "2026-06-04", 10000.0, payee_name="W"),  # ... and the re-payment: fine
        payment("H1", "2026-06-01", 8000.0, payee_name="V"),
        payment("H2", "2026-06-03", 8000.0, payee_name="V"),
        payment("H3", "2026-06-05", 8000.0, payee_name="V"),
        payment("H4", "2026-06-06", -8000.0, payee_name="V"),  # one refund cancels one duplicate (H2)
        payment("K1", "2026-06-01", 7000.0, payee_name="U"),
        payment("K2", "2026-06-02", 7000.0, payee_name="U", unit="U2"),  # another unit
        payment("L1", "2026-06-01", 6000.0, payee_name="T"),
        payment("L2", "2026-06-02", 6000.0, payee_name="T"),
        payment("L3", "2026-07-20", -6000.0, payee_name="T"),  # refund too late (> 30 days)
    ])
    assert flagged(f) == {"D2": "alert", "H3": "alert", "L2": "alert"}
    assert json.loads(f.set_index("subject_id").loc["D2", "evidence"])["payment_ids"] == ["D1", "D2"]
    assert "D1" in f.set_index("subject_id").loc["D2", "message_zh"]


def test_pay08_large_round_amounts_in_cents() -> None:
    f, _ = _run("PAY08", [
        payment("P1", "2026-05-02", 100000.0),
        payment("P2", "2026-05-02", 90000.0),
        payment("P3", "2026-05-02", 110000.5),
        payment("P4", "2026-05-02", 1230000.0),
        payment("P5", "2026-05-02", -100000.0),
        payment("P6", "2026-05-02", 105000.0),
    ])
    assert flagged(f) == {"P1": "warning", "P4": "warning"}


def test_pay09_payment_after_the_budget_year_without_carryover() -> None:
    bud = budget([
        line(2025, "U1", 100000.0), line(2025, "U2", 100000.0),
        line(2026, "U1", 100000.0, carryover_amount=10000.0),
        line(2026, "U2", 100000.0, carryover_amount=None),
    ], extra=("carryover_amount",))
    f, _ = _run("PAY09", [
        payment("P1", "2026-01-10", 5000.0, budget_year=2025),  # carried over: fine
        payment("P2", "2026-01-10", 5000.0, unit="U2", budget_year=2025),  # no carry-over → alert
        payment("P3", "2025-12-20", 5000.0, unit="U2", budget_year=2025),
        payment("P4", "2026-01-11", 5000.0, unit="U2"),  # budget_year defaults to 2026
    ], tables={"budget": bud})
    assert flagged(f) == {"P2": "alert"}


@pytest.mark.parametrize("n", [200_000, pytest.param(1_000_000, marks=pytest.mark.slow)])
def test_payment_indicators_scale_to_a_million_payments(n: int) -> None:
    rng = np.random.default_rng(0)
    pay = pd.DataFrame({
        "payment_id": pd.Series([f"P{i:07d}" for i in range(n)], dtype="str"),
        # working days of the first half of 2026, as a treasury system would show them
        "pay_date": pd.Series(rng.choice(pd.bdate_range("2026-01-05", "2026-06-30"), n)),
        "unit_code": pd.Series(rng.choice(["U1", "U2", "U3"], n), dtype="str"),
        "function_code": pd.Series(["2050101"] * n, dtype="str"),
        "economic_code": pd.Series(rng.choice(["30201", "30217", "30299"], n), dtype="str"),
        "payee_name": pd.Series([f"payee{i}" for i in rng.integers(0, 5000, n)], dtype="str"),
        "payee_type": pd.Series(rng.choice(["organization", "individual"], n, p=[0.99, 0.01]), dtype="str"),
        "method": pd.Series(rng.choice(["transfer", "cash", "official_card"], n, p=[0.9, 0.01, 0.09]),
                            dtype="str"),
        "amount": np.round(rng.lognormal(8, 2, n), 2),
    })
    ctx = context({"payments": pay}, "2026-06-30")
    start = time.perf_counter()
    for code in ("PAY01", "PAY02", "PAY04", "PAY05", "PAY06", "PAY07", "PAY08"):
        run(code, ctx)
    # a guard against anything quadratic, not a benchmark (benchmarks/ has the figures): a million
    # payments take a few seconds per indicator; the bound is generous for shared CI cores
    assert time.perf_counter() - start < 30 + 90 * n / 1_000_000


@pytest.mark.parametrize("code", ["PAY01", "PAY06", "PAY07"])
def test_payment_indicators_ignore_payments_after_as_of(code: str) -> None:
    f, _ = _run(code, [payment("P1", "2026-07-01", 1.0, payee_type="own_account")], as_of="2026-06-30")
    assert f.empty


def test_pay06_leaves_out_wages_and_payments_to_government_bodies() -> None:
    f, _ = _run("PAY06", [
        payment("W1", "2026-03-05", 180000.0, payee_name="本单位职工（工资统发）", economic_code="30101"),
        payment("W2", "2026-03-20", 180000.0, payee_name="本单位职工（工资统发）", economic_code="30101"),
        payment("S1", "2026-03-05", 180000.0, payee_name="社会保险事业管理中心", economic_code="30299",
                payee_type="government"),
        payment("S2", "2026-03-20", 180000.0, payee_name="社会保险事业管理中心", economic_code="30299",
                payee_type="government"),
    ])
    assert f.empty


@pytest.mark.parametrize("seed", [1, 2])
def test_payment_findings_do_not_depend_on_row_order(seed: int) -> None:
    rows = _splits() + [
        payment("D1", "2026-06-01", 50000.0, payee_name="X"),
        payment("D2", "2026-06-05", 50000.0, payee_name="X"),
        payment("D3", "2026-06-05", 50000.0, payee_name="X"),
        payment("D4", "2026-06-06", -50000.0, payee_name="X"),
    ]
    base = payments(rows)
    shuffled = base.sample(frac=1, random_state=seed).reset_index(drop=True)
    for code in ("PAY01", "PAY05", "PAY06", "PAY07", "PAY08"):
        a, _ = run(code, context({"payments": base}, "2026-12-31"))
        b, _ = run(code, context({"payments": shuffled}, "2026-12-31"))
        pd.testing.assert_frame_equal(a, b)
