"""Payment monitoring indicators PAY01–PAY09 on hand-made fixtures with their expected findings."""

from __future__ import annotations

import json

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


# Each case: payments dated before as_of, and the one that would complete a finding, dated
# ``{late}``: the day after as_of (ignored: no finding) or as_of itself (the control: a finding).
_AFTER_AS_OF = {
    "PAY01": ([payment("P1", "{late}", 120000.0, payee_type="own_account")], {"P1": "alert"}),
    # 250,000 just below T, then 100,000: together past T within 30 days, a split only when both count
    "PAY06": ([payment("S1", "2026-06-20", 250000.0, payee_name="甲公司"),
               payment("S2", "{late}", 100000.0, payee_name="甲公司")], {"S2": "warning"}),
    # the same amount to the same payee three days apart: a duplicate only when both count
    "PAY07": ([payment("D1", "2026-06-28", 50000.0, payee_name="X"),
               payment("D2", "{late}", 50000.0, payee_name="X")], {"D2": "alert"}),
}


@pytest.mark.parametrize("code", ["PAY01", "PAY06", "PAY07"])
def test_payment_indicators_ignore_payments_after_as_of(code: str) -> None:
    rows, expected = _AFTER_AS_OF[code]

    def dated(late: str) -> list[dict]:
        return [{**r, "pay_date": r["pay_date"].format(late=late)} for r in rows]

    after, _ = _run(code, dated("2026-07-01"), as_of="2026-06-30")
    assert after.empty
    on, _ = _run(code, dated("2026-06-30"), as_of="2026-06-30")  # control: dated on as_of, it counts
    assert flagged(on) == expected


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


# ======================================================================================================
# Boundaries and exclusions: each threshold at, just below and just above it; each window at its exact
# length and one day longer; each exclusion with a case where it changes the result; money that does not
# add up exactly in floats; two units sharing a payee; the as_of day itself. Parameters are moved through
# the context's ``indicators={CODE: {...}}`` overrides.
# ======================================================================================================
from ._coverage import covers  # noqa: E402
from ._tables import grouped_sum  # noqa: E402


def _levels(code: str, rows: list[dict], as_of: str = "2026-12-31", tables: dict | None = None,
            **params) -> dict[str, str]:
    """subject_id → level of ``code`` on ``rows``, with ``params`` as the indicator's overrides."""
    f, _ = _run(code, rows, as_of, tables, indicators={code: params} if params else None)
    return flagged(f)


# ---------------------------------------------------------------------------------------- PAY01
@covers("PAY01", "level")
def test_pay01_level_follows_the_parameter() -> None:
    rows = [payment("P1", "2026-06-12", 120000.0, payee_type="own_account")]
    assert _levels("PAY01", rows) == {"P1": "alert"}
    assert _levels("PAY01", rows, level="warning") == {"P1": "warning"}


def test_pay01_only_positive_payments_up_to_as_of() -> None:
    rows = [
        payment("P1", "2026-06-30", 0.01, payee_type="own_account"),  # on as_of, one cent: flagged
        payment("P2", "2026-06-30", 0.0, payee_type="own_account"),  # nothing moved: not positive
        payment("P3", "2026-07-01", 50000.0, payee_type="own_account"),  # the day after as_of
        payment("P4", "2026-06-30", -0.01, payee_type="own_account"),  # a return
        payment("P5", "2026-06-30", 50000.0, payee_type="organization"),
    ]
    f, a = _run("PAY01", rows, as_of="2026-06-30")
    assert flagged(f) == {"P1": "alert"}
    assert int(a["assessed"].sum()) == 4  # P3 is not seen yet


# ---------------------------------------------------------------------------------------- PAY02
def _individual(pid: str, amount: float, economic: str = "30299", **kw) -> dict:
    return payment(pid, "2026-06-01", amount, payee_type="individual", economic_code=economic, **kw)


@covers("PAY02", "warning", "alert")
def test_pay02_amount_at_and_around_both_thresholds() -> None:
    rows = [_individual("W-", 4999.99), _individual("W0", 5000.0), _individual("W+", 5000.01),
            _individual("W1", 5001.0), _individual("A-", 49999.99), _individual("A0", 50000.0),
            _individual("A+", 50000.01)]
    assert _levels("PAY02", rows) == {"W0": "warning", "W+": "warning", "W1": "warning", "A-": "warning",
                                      "A0": "alert", "A+": "alert"}
    # thresholds are whole yuan: one yuan up or down crosses the payments next to them
    assert _levels("PAY02", rows, warning=5001) == {"W1": "warning", "A-": "warning", "A0": "alert",
                                                    "A+": "alert"}
    assert _levels("PAY02", rows, warning=4999) == {"W-": "warning", "W0": "warning", "W+": "warning",
                                                    "W1": "warning", "A-": "warning", "A0": "alert",
                                                    "A+": "alert"}
    assert _levels("PAY02", rows, alert=49999) == {"W0": "warning", "W+": "warning", "W1": "warning",
                                                   "A-": "alert", "A0": "alert", "A+": "alert"}
    assert _levels("PAY02", rows, alert=50001) == {"W0": "warning", "W+": "warning", "W1": "warning",
                                                   "A-": "warning", "A0": "warning", "A+": "warning"}


def test_pay02_personal_economic_list_and_payee_types_are_left_out() -> None:
    rows = [
        _individual("wage", 60000.0, "30101"),  # prefix 301
        _individual("household", 60000.0, "30305"),  # prefix 303
        _individual("labour", 60000.0, "30226"),  # 劳务费, on the code list
        _individual("near-code", 60000.0, "30227"),  # next to a listed code: not on the list
        _individual("near-prefix", 60000.0, "30201"),  # 302 is not a personal prefix
        payment("gov", "2026-06-01", 60000.0, payee_type="government", economic_code="30299"),
        _individual("refund", -60000.0),
        payment("after", "2026-07-01", 60000.0, payee_type="individual", economic_code="30299"),
        payment("on", "2026-06-30", 60000.0, payee_type="individual", economic_code="30299"),
    ]
    assert _levels("PAY02", rows, as_of="2026-06-30") == {"near-code": "alert", "near-prefix": "alert",
                                                          "on": "alert"}


# ---------------------------------------------------------------------------------------- PAY03
def _cash(pid: str, date: str, amount: float, unit: str = "U1", **kw) -> dict:
    return payment(pid, date, amount, unit, method="cash", **kw)


@covers("PAY03", "single_warning", "single_alert")
def test_pay03_single_cash_payment_at_and_around_both_limits() -> None:
    # one payment a month (each month total stays far below the monthly limit)
    rows = [_cash("W-", "2026-01-05", 19999.99), _cash("W0", "2026-02-05", 20000.0),
            _cash("W+", "2026-03-05", 20000.01), _cash("A0", "2026-04-06", 50000.0),
            _cash("A+", "2026-05-06", 50000.01)]
    assert _levels("PAY03", rows) == {"W+": "warning", "A0": "warning", "A+": "alert"}
    assert _levels("PAY03", rows, single_warning=19999) == {"W-": "warning", "W0": "warning", "W+": "warning",
                                                             "A0": "warning", "A+": "alert"}
    assert _levels("PAY03", rows, single_warning=20001) == {"A0": "warning", "A+": "alert"}
    assert _levels("PAY03", rows, single_alert=49999) == {"W+": "warning", "A0": "alert", "A+": "alert"}
    assert _levels("PAY03", rows, single_alert=50001) == {"W+": "warning", "A0": "warning", "A+": "warning"}


def _month_levels(rows: list[dict], as_of: str = "2026-12-31", **params) -> dict[tuple[str, str], str]:
    f, _ = _run("PAY03", rows, as_of, indicators={"PAY03": params} if params else None)
    unit = f.loc[f["subject_type"] == "unit"]
    return {(u, p): lv for u, p, lv in zip(unit["subject_id"], unit["period"], unit["level"].astype(str),
                                           strict=True)}


@covers("PAY03", "monthly_alert")
def test_pay03_monthly_cash_total_at_and_around_the_limit() -> None:
    rows = [
        # U1: 100,000.00 in May (not above), 100,000.01 in June (above)
        _cash("a1", "2026-05-04", 20000.0), _cash("a2", "2026-05-06", 20000.0), _cash("a3", "2026-05-08", 20000.0),
        _cash("a4", "2026-05-11", 20000.0), _cash("a5", "2026-05-13", 20000.0),
        _cash("b1", "2026-06-01", 20000.0), _cash("b2", "2026-06-03", 20000.0), _cash("b3", "2026-06-05", 20000.0),
        _cash("b4", "2026-06-08", 20000.0), _cash("b5", "2026-06-10", 20000.01),
        # U2: 99,999.99 in May
        _cash("c1", "2026-05-04", 20000.0, "U2"), _cash("c2", "2026-05-06", 20000.0, "U2"),
        _cash("c3", "2026-05-08", 20000.0, "U2"), _cash("c4", "2026-05-11", 20000.0, "U2"),
        _cash("c5", "2026-05-13", 19999.99, "U2"),
    ]
    assert _month_levels(rows) == {("U1", "2026-06"): "alert"}
    assert _month_levels(rows, monthly_alert=99999) == {("U1", "2026-05"): "alert", ("U1", "2026-06"): "alert",
                                                        ("U2", "2026-05"): "alert"}
    assert _month_levels(rows, monthly_alert=100001) == {}


def test_pay03_monthly_total_is_net_per_unit_and_calendar_month() -> None:
    rows = [
        # U1 in May: 110,000 of cash less a 10,000 cash refund = 100,000: not above the limit
        _cash("r1", "2026-05-04", 50000.0), _cash("r2", "2026-05-06", 60000.0),
        _cash("r3", "2026-05-20", -10000.0),
        # U1 across a month end: 60,000 on 30 June and 60,000 on 1 July are two months
        _cash("m1", "2026-06-30", 60000.0), _cash("m2", "2026-07-01", 60000.0),
        # U2 and U3 pay the same payee 60,000 each in August: one unit's cash is not another's
        _cash("s1", "2026-08-03", 60000.0, "U2"), _cash("s2", "2026-08-04", 60000.0, "U3"),
        # U2 in September: 90,000 cash and a 30,000 transfer (not cash)
        _cash("t1", "2026-09-01", 90000.0, "U2"), payment("t2", "2026-09-02", 30000.0, "U2"),
    ]
    assert _month_levels(rows) == {}


def test_pay03_cash_on_as_of_counts_and_the_day_after_does_not() -> None:
    on = [_cash("a1", "2026-05-04", 60000.0), _cash("a2", "2026-05-20", 40000.01)]
    after = [_cash("a1", "2026-05-04", 60000.0), _cash("a2", "2026-05-21", 40000.01)]
    assert _month_levels(on, as_of="2026-05-20") == {("U1", "2026-05"): "alert"}
    assert _month_levels(after, as_of="2026-05-20") == {}
    assert _levels("PAY03", on, as_of="2026-05-20") == {"a1": "alert", "a2": "warning", "U1": "alert"}


def test_pay03_monthly_total_of_exactly_the_limit_in_floats_is_not_above() -> None:
    parts = [12089.27, 5886.02, 82024.71]  # 100,000.00 to the cent
    assert grouped_sum(parts) > 100000.0  # ... but not in floats
    rows = [_cash(f"f{i}", f"2026-05-0{i + 4}", a) for i, a in enumerate(parts)]
    assert _month_levels(rows) == {}


# ---------------------------------------------------------------------------------------- PAY04
def _card(pid: str, amount: float, method: str = "cash", economic: str = "30217", **kw) -> dict:
    return payment(pid, kw.pop("date", "2026-05-06"), amount, method=method, economic_code=economic, **kw)


@covers("PAY04", "warning")
def test_pay04_amount_at_and_around_the_warning() -> None:
    rows = [_card("W-", 999.99), _card("W0", 1000.0), _card("W+", 1000.01), _card("W1", 1001.0)]
    assert _levels("PAY04", rows) == {"W0": "warning", "W+": "warning", "W1": "warning"}
    assert _levels("PAY04", rows, warning=999) == {"W-": "warning", "W0": "warning", "W+": "warning",
                                                   "W1": "warning"}
    assert _levels("PAY04", rows, warning=1001) == {"W1": "warning"}


@covers("PAY04", "methods")
def test_pay04_methods_decide_what_counts_as_not_by_card() -> None:
    rows = [_card("cash", 5000.0), _card("transfer", 5000.0, "transfer"), _card("card", 5000.0, "official_card")]
    assert _levels("PAY04", rows) == {"cash": "warning"}
    assert _levels("PAY04", rows, methods=["cash", "transfer"]) == {"cash": "warning", "transfer": "warning"}
    assert _levels("PAY04", rows, methods=["transfer"]) == {"transfer": "warning"}


def test_pay04_only_card_mandatory_codes_up_to_as_of() -> None:
    rows = [
        _card("listed", 5000.0, economic="30231"),
        _card("unlisted", 5000.0, economic="30232"),  # next to a listed code: not on the list
        _card("wage", 5000.0, economic="30101"),
        _card("refund", -5000.0),
        _card("on", 5000.0, date="2026-06-30"),
        _card("after", 5000.0, date="2026-07-01"),
    ]
    assert _levels("PAY04", rows, as_of="2026-06-30") == {"listed": "warning", "on": "warning"}


# ---------------------------------------------------------------------------------------- PAY05
@covers("PAY05", "warning", "alert")
def test_pay05_amount_at_and_around_both_thresholds() -> None:
    sunday = "2026-06-28"
    rows = [payment("W0", sunday, 0.01), payment("W1", sunday, 100.0), payment("A-", sunday, 999999.99),
            payment("A0", sunday, 1000000.0), payment("A+", sunday, 1000000.01)]
    assert _levels("PAY05", rows) == {"W0": "warning", "W1": "warning", "A-": "warning", "A0": "alert",
                                      "A+": "alert"}
    assert _levels("PAY05", rows, warning=100.0) == {"W1": "warning", "A-": "warning", "A0": "alert",
                                                     "A+": "alert"}
    assert _levels("PAY05", rows, warning=101) == {"A-": "warning", "A0": "alert", "A+": "alert"}
    assert _levels("PAY05", rows, alert=999999) == {"W0": "warning", "W1": "warning", "A-": "alert",
                                                    "A0": "alert", "A+": "alert"}
    assert _levels("PAY05", rows, alert=1000001) == {"W0": "warning", "W1": "warning", "A-": "warning",
                                                     "A0": "warning", "A+": "warning"}


def test_pay05_zero_amounts_make_up_days_and_as_of() -> None:
    calendar = typed("calendar", [{"date": "2026-06-27", "is_workday": True},  # a 调休 Saturday
                                  {"date": "2026-06-26", "is_workday": False}])  # a Friday declared a holiday
    rows = [
        payment("zero", "2026-06-28", 0.0),  # Sunday, nothing paid: not a positive payment
        payment("makeup", "2026-06-27", 5000.0),
        payment("holiday", "2026-06-26", 5000.0),
        payment("weekday", "2026-06-25", 5000.0),
        payment("on", "2026-07-05", 5000.0),  # Sunday, on as_of
        payment("after", "2026-07-11", 5000.0),  # Saturday after as_of
    ]
    assert _levels("PAY05", rows, as_of="2026-07-05", tables={"calendar": calendar}) == {
        "holiday": "warning", "on": "warning"}


# ---------------------------------------------------------------------------------------- PAY06
@covers("PAY06", "threshold")
def test_pay06_total_and_each_payment_at_and_around_the_threshold() -> None:
    rows = [
        payment("J1", "2026-03-02", 150000.0, payee_name="甲"), payment("J2", "2026-03-03", 149999.99, payee_name="甲"),
        payment("Y1", "2026-03-02", 150000.0, payee_name="乙"), payment("Y2", "2026-03-03", 150000.0, payee_name="乙"),
        payment("B1", "2026-03-02", 150000.0, payee_name="丙"), payment("B2", "2026-03-03", 150000.01, payee_name="丙"),
        # one payment a cent below T is a candidate (and just below the limit) ...
        payment("D1", "2026-03-02", 299999.99, payee_name="丁"), payment("D2", "2026-03-03", 0.01, payee_name="丁"),
        # ... one at T went through the approval: not part of a split
        payment("E1", "2026-03-02", 300000.0, payee_name="戊"), payment("E2", "2026-03-03", 10000.0, payee_name="戊"),
    ]
    # materiality 0: every payment can be a part (D2's cent would be immaterial: the floor has its own test)
    assert _levels("PAY06", rows, materiality=0) == {"Y2": "warning", "B2": "warning", "D2": "warning"}
    # T a yuan lower: 甲 reaches it, 丁's first payment is no longer below it
    assert _levels("PAY06", rows, threshold=299999, materiality=0) == {"J2": "warning", "Y2": "warning",
                                                                       "B2": "warning"}
    # T a yuan higher: 乙, 丙 and 丁 no longer reach it, 戊's first payment is now below it
    assert _levels("PAY06", rows, threshold=300001, materiality=0) == {"E2": "warning"}
    # with the default floor (5,000) 丁's cent is no part of a split
    assert _levels("PAY06", rows) == {"Y2": "warning", "B2": "warning"}


@covers("PAY06", "window_days")
def test_pay06_window_at_its_exact_length_and_one_day_longer() -> None:
    rows = [
        payment("W1", "2026-03-01", 150000.0, payee_name="甲"), payment("W2", "2026-03-31", 150000.0, payee_name="甲"),
        payment("X1", "2026-03-01", 150000.0, payee_name="乙"), payment("X2", "2026-04-01", 150000.0, payee_name="乙"),
    ]
    assert _levels("PAY06", rows) == {"W2": "warning"}  # 30 days apart: in; 31: out
    assert _levels("PAY06", rows, window_days=31) == {"W2": "warning", "X2": "warning"}
    assert _levels("PAY06", rows, window_days=29) == {}


@covers("PAY06", "near_share")
def test_pay06_just_below_the_limit_starts_at_near_share_of_it() -> None:
    rows = [
        payment("N1", "2026-03-02", 240000.0, payee_name="甲"), payment("N2", "2026-03-03", 240000.0, payee_name="甲"),
        payment("M1", "2026-03-02", 239999.99, payee_name="乙"), payment("M2", "2026-03-03", 240000.0, payee_name="乙"),
        payment("K1", "2026-03-02", 150000.0, payee_name="丙"), payment("K2", "2026-03-03", 150000.0, payee_name="丙"),
    ]
    # [0.8 T, T) = [240,000, 300,000): 240,000 is in it, 239,999.99 is not
    assert _levels("PAY06", rows) == {"N2": "alert", "M2": "warning", "K2": "warning"}
    assert _levels("PAY06", rows, near_share=0.5) == {"N2": "alert", "M2": "alert", "K2": "alert"}
    assert _levels("PAY06", rows, near_share=0.8000001) == {"N2": "warning", "M2": "warning", "K2": "warning"}


@covers("PAY06", "near_count")
def test_pay06_alert_needs_near_count_payments_just_below() -> None:
    rows = [
        payment("N1", "2026-03-02", 250000.0, payee_name="甲"), payment("N2", "2026-03-03", 250000.0, payee_name="甲"),
        payment("M1", "2026-03-02", 250000.0, payee_name="乙"), payment("M2", "2026-03-03", 60000.0, payee_name="乙"),
    ]
    assert _levels("PAY06", rows) == {"N2": "alert", "M2": "warning"}
    assert _levels("PAY06", rows, near_count=3) == {"N2": "warning", "M2": "warning"}
    assert _levels("PAY06", rows, near_count=1) == {"N2": "alert", "M2": "alert"}


@covers("PAY06", "exclude_economic_prefixes", "exclude_payee_types")
def test_pay06_exclusions_change_the_result() -> None:
    def pair(tag: str, economic: str, payee_type: str = "organization") -> list[dict]:
        return [payment(f"{tag}1", "2026-03-05", 180000.0, payee_name=tag, economic_code=economic,
                        payee_type=payee_type),
                payment(f"{tag}2", "2026-03-20", 180000.0, payee_name=tag, economic_code=economic,
                        payee_type=payee_type)]

    rows = [*pair("W", "30101"), *pair("H", "30305"), *pair("S", "30299", "government"),
            *pair("T", "30299"), *pair("C", "31001")]  # 31001 does not start with 301
    assert _levels("PAY06", rows) == {"T2": "warning", "C2": "warning"}
    assert _levels("PAY06", rows, exclude_economic_prefixes=[]) == {"W2": "warning", "H2": "warning",
                                                                     "T2": "warning", "C2": "warning"}
    assert _levels("PAY06", rows, exclude_economic_prefixes=["302"]) == {"W2": "warning", "H2": "warning",
                                                                          "C2": "warning"}
    assert _levels("PAY06", rows, exclude_payee_types=[]) == {"S2": "warning", "T2": "warning", "C2": "warning"}
    assert _levels("PAY06", rows, exclude_payee_types=["organization"]) == {"S2": "warning"}


def test_pay06_refunds_stay_out_of_the_window() -> None:
    rows = [
        # a refund between two payments does not lower their total ...
        payment("R1", "2026-03-01", 200000.0, payee_name="甲"),
        payment("R2", "2026-03-05", -10000.0, payee_name="甲"),
        payment("R3", "2026-03-10", 100000.0, payee_name="甲"),
        # ... and a refund after them is not the payment that completed the split
        payment("S1", "2026-03-01", 200000.0, payee_name="乙"),
        payment("S2", "2026-03-02", 150000.0, payee_name="乙"),
        payment("S3", "2026-03-03", -50000.0, payee_name="乙"),
    ]
    f, _ = _run("PAY06", rows)
    assert flagged(f) == {"R3": "warning", "S2": "warning"}
    r3 = f.set_index("subject_id").loc["R3"]
    assert r3["value"] == 300000.0 and json.loads(r3["evidence"])["payment_ids"] == ["R1", "R3"]


def test_pay06_two_units_sharing_a_payee_are_not_mixed() -> None:
    rows = [
        # 甲 is paid 150,000 by U1 and 150,000 by U2 within a week: no unit split anything
        payment("A1", "2026-03-01", 150000.0, payee_name="甲"),
        payment("A2", "2026-03-05", 150000.0, unit="U2", payee_name="甲"),
        # U1 splits with 乙; U2's payment to 乙 in the same days is not part of U1's split
        payment("B1", "2026-04-01", 150000.0, payee_name="乙"),
        payment("B2", "2026-04-03", 100000.0, unit="U2", payee_name="乙"),
        payment("B3", "2026-04-05", 150000.0, payee_name="乙"),
        # the same payee and unit under another economic code is another purpose
        payment("C1", "2026-05-01", 150000.0, payee_name="丙", economic_code="30201"),
        payment("C2", "2026-05-02", 150000.0, payee_name="丙", economic_code="30202"),
    ]
    f, _ = _run("PAY06", rows)
    assert flagged(f) == {"B3": "warning"}
    b3 = f.set_index("subject_id").loc["B3"]
    assert b3["value"] == 300000.0 and json.loads(b3["evidence"])["payment_ids"] == ["B1", "B3"]


def test_pay06_parts_that_reach_the_threshold_in_cents_but_not_in_floats() -> None:
    parts = [86432.68, 183912.02, 29655.30]  # 300,000.00 to the cent
    assert np.cumsum(parts)[-1] < 300000.0  # ... 299,999.99999999994 in floats
    rows = [payment(f"F{i}", f"2026-03-0{i + 1}", a, payee_name="甲") for i, a in enumerate(parts)]
    f, _ = _run("PAY06", rows)
    assert flagged(f) == {"F2": "warning"}
    assert json.loads(f["evidence"].iloc[0])["total"] == 300000.0
    short = [86432.68, 183912.02, 29655.29]  # 299,999.99
    rows = [payment(f"G{i}", f"2026-03-0{i + 1}", a, payee_name="甲") for i, a in enumerate(short)]
    assert _levels("PAY06", rows) == {}


def test_pay06_split_completed_on_as_of_counts_and_the_day_after_does_not() -> None:
    rows = [
        payment("A1", "2026-06-20", 150000.0, payee_name="甲"), payment("A2", "2026-06-30", 150000.0, payee_name="甲"),
        payment("B1", "2026-06-20", 150000.0, payee_name="乙"), payment("B2", "2026-07-01", 150000.0, payee_name="乙"),
    ]
    assert _levels("PAY06", rows, as_of="2026-06-30") == {"A2": "warning"}


@covers("PAY06", "materiality")
def test_pay06_parts_at_under_and_over_the_materiality_floor() -> None:
    rows = [
        payment("A1", "2026-03-02", 296_000.0, payee_name="甲"), payment("A2", "2026-03-03", 5_000.0, payee_name="甲"),
        payment("B1", "2026-03-02", 296_000.0, payee_name="乙"), payment("B2", "2026-03-03", 4_999.99, payee_name="乙"),
        payment("C1", "2026-03-02", 296_000.0, payee_name="丙"), payment("C2", "2026-03-03", 5_000.01, payee_name="丙"),
    ]
    # at the floor a payment is material; a cent below it, it neither completes nor adds to a split
    assert _levels("PAY06", rows) == {"A2": "warning", "C2": "warning"}
    assert _levels("PAY06", rows, materiality=4_999.99) == {"A2": "warning", "B2": "warning", "C2": "warning"}
    assert _levels("PAY06", rows, materiality=5_000.01) == {"C2": "warning"}
    f, _ = _run("PAY06", rows)
    assert json.loads(f["evidence"].iloc[0])["materiality"] == 5000.0
    # an immaterial payment inside a window does not add to it either
    rows = [payment("D1", "2026-03-02", 200_000.0, payee_name="丁"), payment("D2", "2026-03-03", 4_000.0, payee_name="丁"),
            payment("D3", "2026-03-04", 96_000.0, payee_name="丁")]
    assert _levels("PAY06", rows) == {} and _levels("PAY06", rows, materiality=0) == {"D3": "warning"}


# ---------------------------------------------------------------------------------------- PAY07
@covers("PAY07", "window_days")
def test_pay07_window_at_its_exact_length_and_one_day_longer() -> None:
    rows = [
        payment("D1", "2026-06-01", 50000.0, payee_name="甲"), payment("D2", "2026-06-08", 50000.0, payee_name="甲"),
        payment("E1", "2026-06-01", 40000.0, payee_name="乙"), payment("E2", "2026-06-09", 40000.0, payee_name="乙"),
    ]
    assert _levels("PAY07", rows) == {"D2": "alert"}  # the default window: 7 days in, 8 days out
    assert _levels("PAY07", rows, window_days=8) == {"D2": "alert", "E2": "alert"}
    assert _levels("PAY07", rows, window_days=6) == {}


@covers("PAY07", "refund_days")
def test_pay07_refund_cancels_up_to_refund_days_after_the_duplicate() -> None:
    rows = [
        payment("A1", "2026-06-01", 50000.0, payee_name="甲"), payment("A2", "2026-06-03", 50000.0, payee_name="甲"),
        payment("A3", "2026-07-03", -50000.0, payee_name="甲"),  # 30 days after A2: cancels it
        payment("B1", "2026-06-01", 40000.0, payee_name="乙"), payment("B2", "2026-06-03", 40000.0, payee_name="乙"),
        payment("B3", "2026-07-04", -40000.0, payee_name="乙"),  # 31 days after B2: too late
    ]
    assert _levels("PAY07", rows) == {"B2": "alert"}  # the default: 30 days
    assert _levels("PAY07", rows, refund_days=31) == {}
    assert _levels("PAY07", rows, refund_days=29) == {"A2": "alert", "B2": "alert"}


def test_pay07_refund_dated_on_the_earlier_payment_cancels_one_dated_before_does_not() -> None:
    rows = [
        payment("C1", "2026-06-10", 40000.0, payee_name="甲"),
        payment("C0", "2026-06-10", -40000.0, payee_name="甲"),  # the day of the first payment
        payment("C2", "2026-06-12", 40000.0, payee_name="甲"),
        payment("D0", "2026-06-09", -40000.0, payee_name="乙"),  # the day before both payments
        payment("D1", "2026-06-10", 40000.0, payee_name="乙"),
        payment("D2", "2026-06-12", 40000.0, payee_name="乙"),
        payment("E1", "2026-06-10", 40000.0, payee_name="丙"),
        payment("E2", "2026-06-12", 40000.0, payee_name="丙"),
        payment("E3", "2026-06-15", -39999.99, payee_name="丙"),  # a cent short: another amount
    ]
    assert _levels("PAY07", rows) == {"D2": "alert", "E2": "alert"}


@covers("PAY07", "level")
def test_pay07_level_follows_the_parameter() -> None:
    rows = [payment("D1", "2026-06-01", 50000.0), payment("D2", "2026-06-02", 50000.0)]
    assert _levels("PAY07", rows) == {"D2": "alert"}
    assert _levels("PAY07", rows, level="warning") == {"D2": "warning"}


def test_pay07_amounts_are_equal_to_the_cent_not_in_floats() -> None:
    total = 38978.23 + 24731.20 + 66290.57  # an invoice total computed from its lines
    assert total != 130000.0 and round(total, 2) == 130000.0
    rows = [
        payment("A1", "2026-06-01", 130000.0, payee_name="甲"), payment("A2", "2026-06-02", total, payee_name="甲"),
        payment("B1", "2026-06-01", 130000.0, payee_name="乙"), payment("B2", "2026-06-02", 130000.01, payee_name="乙"),
    ]
    assert _levels("PAY07", rows) == {"A2": "alert"}


def test_pay07_equal_amounts_with_different_references_are_different_invoices() -> None:
    def ref(pid: str, date: str, purpose: str | None, payee: str) -> dict:
        return payment(pid, date, 5000.0, payee_name=payee, purpose=purpose)

    rows = [
        ref("A1", "2026-06-01", "物业费 1号楼", "甲"), ref("A2", "2026-06-01", "物业费 2号楼", "甲"),
        ref("B1", "2026-06-01", "电费  三月", "乙"), ref("B2", "2026-06-02", " 电费 三月 ", "乙"),  # spacing
        ref("C1", "2026-06-01", "Rent MARCH", "丙"), ref("C2", "2026-06-02", "rent march", "丙"),  # case
        ref("D1", "2026-06-01", None, "丁"), ref("D2", "2026-06-02", None, "丁"),  # no reference either
    ]
    f, _ = run("PAY07", context({"payments": typed("payments", rows)}, "2026-12-31"))
    assert flagged(f) == {"B2": "alert", "C2": "alert", "D2": "alert"}


def test_pay07_two_units_sharing_a_payee_are_not_mixed() -> None:
    rows = [
        payment("A1", "2026-06-01", 50000.0, payee_name="甲"),
        payment("A2", "2026-06-01", 50000.0, unit="U2", payee_name="甲"),  # another unit's payment
        payment("B1", "2026-06-01", 40000.0, payee_name="乙"),
        payment("B2", "2026-06-03", 40000.0, payee_name="乙"),
        payment("B3", "2026-06-05", -40000.0, unit="U2", payee_name="乙"),  # U2's refund is not U1's
    ]
    assert _levels("PAY07", rows) == {"B2": "alert"}


def test_pay07_duplicate_on_as_of_counts_and_a_refund_the_day_after_is_not_seen() -> None:
    rows = [
        payment("A1", "2026-06-25", 50000.0, payee_name="甲"), payment("A2", "2026-06-30", 50000.0, payee_name="甲"),
        payment("A3", "2026-07-01", -50000.0, payee_name="甲"),  # the day after as_of: not seen yet
        payment("B1", "2026-06-25", 40000.0, payee_name="乙"), payment("B2", "2026-06-30", 40000.0, payee_name="乙"),
        payment("B3", "2026-06-30", -40000.0, payee_name="乙"),  # on as_of: cancels B2
        payment("C1", "2026-06-25", 30000.0, payee_name="丙"), payment("C2", "2026-07-01", 30000.0, payee_name="丙"),
    ]
    assert _levels("PAY07", rows, as_of="2026-06-30") == {"A2": "alert"}
    assert _levels("PAY07", rows, as_of="2026-07-01") == {"C2": "alert"}


# ---------------------------------------------------------------------------------------- PAY08
@covers("PAY08", "min_amount")
def test_pay08_min_amount_at_and_around() -> None:
    rows = [payment("R90", "2026-05-06", 90000.0), payment("R100", "2026-05-06", 100000.0),
            payment("R110", "2026-05-06", 110000.0), payment("C", "2026-05-06", 100000.01)]
    assert _levels("PAY08", rows) == {"R100": "warning", "R110": "warning"}
    assert _levels("PAY08", rows, min_amount=90000) == {"R90": "warning", "R100": "warning", "R110": "warning"}
    assert _levels("PAY08", rows, min_amount=100001) == {"R110": "warning"}
    assert _levels("PAY08", rows, min_amount=99999) == {"R100": "warning", "R110": "warning"}


@covers("PAY08", "multiple")
def test_pay08_multiple_decides_what_is_round() -> None:
    rows = [payment("R105", "2026-05-06", 105000.0), payment("R120", "2026-05-06", 120000.0),
            payment("C", "2026-05-06", 120000.01)]
    assert _levels("PAY08", rows) == {"R120": "warning"}
    assert _levels("PAY08", rows, multiple=5000) == {"R105": "warning", "R120": "warning"}
    assert _levels("PAY08", rows, multiple=1) == {"R105": "warning", "R120": "warning"}
    assert _levels("PAY08", rows, multiple=40000) == {"R120": "warning"}
    assert _levels("PAY08", rows, multiple=50000) == {}


@covers("PAY08", "level")
def test_pay08_level_follows_the_parameter() -> None:
    rows = [payment("R", "2026-05-06", 200000.0)]
    assert _levels("PAY08", rows) == {"R": "warning"}
    assert _levels("PAY08", rows, level="alert") == {"R": "alert"}


def test_pay08_round_in_cents_not_in_floats_and_up_to_as_of() -> None:
    total = 34146.02 + 19114.69 + 66739.29  # 120,000.00 computed from three invoice lines
    assert total % 10000 != 0 and round(total, 2) == 120000.0
    rows = [payment("F", "2026-06-30", total), payment("after", "2026-07-01", 200000.0),
            payment("refund", "2026-06-30", -200000.0)]
    assert _levels("PAY08", rows, as_of="2026-06-30") == {"F": "warning"}


# ---------------------------------------------------------------------------------------- PAY09
def _pay09_budget() -> pd.DataFrame:
    return budget([
        line(2026, "U1", 100000.0, carryover_amount=0.01),  # the smallest carry-over there is
        line(2026, "U2", 100000.0, carryover_amount=0.0),  # a zero carry-over is none
        line(2025, "U3", 100000.0, carryover_amount=5000.0),  # carried into 2025, not into 2026
        line(2026, "U3", 100000.0),
    ], extra=("carryover_amount",))


@covers("PAY09", "level")
def test_pay09_level_follows_the_parameter() -> None:
    rows = [payment("P", "2026-01-10", 5000.0, unit="U2", budget_year=2025)]
    assert _levels("PAY09", rows, tables={"budget": _pay09_budget()}) == {"P": "alert"}
    assert _levels("PAY09", rows, tables={"budget": _pay09_budget()}, level="warning") == {"P": "warning"}


def test_pay09_carry_over_of_the_paying_year_and_unit_and_the_year_end() -> None:
    rows = [
        payment("U1-late", "2026-01-01", 5000.0, budget_year=2025),  # carried over (0.01 > 0)
        payment("U2-late", "2026-01-01", 5000.0, unit="U2", budget_year=2025),  # carry-over of 0
        payment("U2-dec31", "2025-12-31", 5000.0, unit="U2", budget_year=2025),  # the last day of its year
        payment("U3-late", "2026-01-01", 5000.0, unit="U3", budget_year=2025),  # 2025's carry-over: not 2026's
        payment("U2-refund", "2026-01-02", -5000.0, unit="U2", budget_year=2025),
        payment("U2-on", "2026-03-31", 5000.0, unit="U2", budget_year=2025),  # on as_of
        payment("U2-after", "2026-04-01", 5000.0, unit="U2", budget_year=2025),
    ]
    assert _levels("PAY09", rows, as_of="2026-03-31", tables={"budget": _pay09_budget()}) == {
        "U2-late": "alert", "U3-late": "alert", "U2-on": "alert"}


def test_pay09_uses_the_fiscal_year_of_the_payment_date() -> None:
    april = {"calendar": {"fiscal_year_start_month": 4}}
    bud = budget([line(2025, "U1", 100_000.0, carryover_amount=None),
                  line(2026, "U1", 100_000.0, carryover_amount=None)], extra=("carryover_amount",))
    rows = [payment("P1", "2026-03-20", 5_000.0, budget_year=2025),  # within 2025/26: not after its year
            payment("P2", "2026-04-20", 5_000.0, budget_year=2025)]  # in 2026/27: after, no carry-over
    f, _ = run("PAY09", context({"payments": payments(rows), "budget": bud}, "2026-12-31", **april))
    assert flagged(f) == {"P2": "alert"}
    g, _ = run("PAY09", context({"payments": payments(rows), "budget": bud}, "2026-12-31"))
    assert flagged(g) == {"P1": "alert", "P2": "alert"}  # read as calendar years, both are after 2025



# ------------------------------------------------------------- PAY07: materiality, payment runs, series
@covers("PAY07", "materiality")
def test_pay07_duplicates_at_under_and_over_the_materiality_floor() -> None:
    def pair(tag: str, amount: float) -> list[dict]:
        return [payment(f"{tag}1", "2026-06-01", amount, payee_name=tag),
                payment(f"{tag}2", "2026-06-03", amount, payee_name=tag)]

    rows = [*pair("under", 4_999.99), *pair("at", 5_000.0), *pair("over", 5_000.01)]
    assert _levels("PAY07", rows) == {"at2": "alert", "over2": "alert"}  # no alert below the floor
    assert _levels("PAY07", rows, materiality=4_999.99) == {"under2": "alert", "at2": "alert", "over2": "alert"}
    assert _levels("PAY07", rows, materiality=5_000.01) == {"over2": "alert"}
    assert _levels("PAY07", rows, materiality=0) == {"under2": "alert", "at2": "alert", "over2": "alert"}


@covers("PAY07", "same_run_level")
def test_pay07_lines_of_one_payment_run_are_told_apart_from_true_repeats() -> None:
    rows = [
        # one payment run (the same day): two lines with distinct line references (their payment ids)
        payment("R-0001-1", "2026-06-01", 8_000.0, payee_name="甲"), payment("R-0001-2", "2026-06-01", 8_000.0, payee_name="甲"),
        # a true repeat: the same charge paid again in a later run
        payment("T1", "2026-06-01", 9_000.0, payee_name="乙"), payment("T2", "2026-06-04", 9_000.0, payee_name="乙"),
    ]
    assert _levels("PAY07", rows) == {"R-0001-2": "warning", "T2": "alert"}
    assert _levels("PAY07", rows, same_run_level="alert") == {"R-0001-2": "alert", "T2": "alert"}
    assert _levels("PAY07", rows, level="warning") == {"R-0001-2": "warning", "T2": "warning"}
    f, _ = _run("PAY07", rows)
    f = f.set_index("subject_id")
    assert json.loads(f.loc["R-0001-2", "evidence"])["same_run"] is True
    assert json.loads(f.loc["T2", "evidence"])["same_run"] is False
    assert "同日同一批次" in f.loc["R-0001-2", "message_zh"] and "疑似重复支付" in f.loc["T2", "message_zh"]
    assert f.loc["T2", "message_zh"] == "德清县教育局 于2026-06-04向“乙”支付9,000.00元，与2026-06-01的支付T1金额相同，疑似重复支付"


def test_pay07_identical_lines_of_one_voucher_are_items_of_one_payment() -> None:
    rows = [
        # voucher V1: three lines of 8,000 (three phone lines on one bill): items, not duplicates
        payment("V1-1", "2026-06-01", 8_000.0, payee_name="甲", voucher_id="V1"),
        payment("V1-2", "2026-06-01", 8_000.0, payee_name="甲", voucher_id="V1"),
        payment("V1-3", "2026-06-01", 8_000.0, payee_name="甲", voucher_id="V1"),
        # voucher V2 the same day: another document with the same line → one run, distinct vouchers
        payment("V2-1", "2026-06-01", 8_000.0, payee_name="甲", voucher_id="V2"),
        # voucher V3 three days later: the same charge again → a true repeat
        payment("V3-1", "2026-06-04", 8_000.0, payee_name="甲", voucher_id="V3"),
    ]
    f, _ = run("PAY07", context({"payments": typed("payments", rows)}, "2026-12-31"))
    assert flagged(f) == {"V2-1": "warning", "V3-1": "alert"}
    # without voucher numbers, the lines of one day are told apart only from later repeats
    bare = [{k: v for k, v in r.items() if k != "voucher_id"} for r in rows]
    g, _ = run("PAY07", context({"payments": typed("payments", bare)}, "2026-12-31"))
    assert flagged(g) == {"V1-2": "warning", "V1-3": "warning", "V2-1": "warning", "V3-1": "alert"}


def _run_of(tag: str, n: int, amount: float, start: str = "2026-04-01", every: int = 3, **kw) -> list[dict]:
    """``n`` identical charges to payee ``tag``, ``every`` days apart."""
    day = pd.Timestamp(start)
    return [payment(f"{tag}{i:02d}", (day + pd.Timedelta(days=every * i)).strftime("%Y-%m-%d"), amount,
                    payee_name=tag, **kw) for i in range(n)]


@covers("PAY07", "series_min")
def test_pay07_a_run_of_identical_charges_is_one_note_not_a_duplicate_each() -> None:
    rows = _run_of("甲", 12, 6_000.0) + _run_of("乙", 11, 6_000.0)
    f, a = _run("PAY07", rows)
    # N = 12 charges: one info note on the run; N − 1 = 11: judged charge by charge (10 repeats)
    assert flagged(f) == {"U1|甲|6000.00": "info", **{f"乙{i:02d}": "alert" for i in range(1, 11)}}
    note = f.loc[f["level"] == "info"].iloc[0]
    assert (note["subject_type"], note["period"], note["value"], note["threshold"]) == ("vendor", "2026", 12, 12)
    ev = json.loads(note["evidence"])
    assert (ev["count"], ev["amount"], ev["total"], ev["within_window"]) == (12, 6000.0, 72000.0, 11)
    assert ev["payment_ids"] == [f"甲{i:02d}" for i in range(12)] and ev["first_date"] == "2026-04-01"
    assert "重复出现的相同金额支付" in note["message_zh"] and "recurring identical charges" in note["message_en"]
    assert int(a["flagged"].sum()) == 10  # a note is not counted as flagged
    assert _levels("PAY07", rows, series_min=11) == {"U1|甲|6000.00": "info", "U1|乙|6000.00": "info"}
    assert _levels("PAY07", rows, series_min=13) == {**{f"甲{i:02d}": "alert" for i in range(1, 12)},
                                                     **{f"乙{i:02d}": "alert" for i in range(1, 11)}}


def test_pay07_run_notes_follow_materiality_fiscal_years_and_ignore_references() -> None:
    # a run of trivial charges is noted once its total is material: 12 × 400 = 4,800 (nothing), 13 × 400
    small = _run_of("甲", 12, 400.0) + _run_of("乙", 13, 400.0)
    assert _levels("PAY07", small) == {"U1|乙|400.00": "info"}
    # a run billed per property (one reference each) is still one run
    per_property = [{**r, "purpose": f"property {i}"} for i, r in enumerate(_run_of("丙", 12, 9_816.0))]
    f, _ = run("PAY07", context({"payments": typed("payments", per_property)}, "2026-12-31"))
    assert flagged(f) == {"U1|丙|9816.00": "info"}
    # twelve charges across two fiscal years are two short runs, not one: 6 + 6 with an April start
    split = _run_of("丁", 12, 6_000.0, start="2026-03-15")
    assert _levels("PAY07", split) == {"U1|丁|6000.00": "info"}
    g, _ = _run("PAY07", split, calendar={"fiscal_year_start_month": 4})
    assert set(g["level"].astype(str)) == {"alert"} and len(g) == 11
    # a monthly charge (never two within a week) is no run to note: nothing at all
    monthly = _run_of("戊", 12, 6_000.0, start="2026-01-05", every=30)
    assert _levels("PAY07", monthly) == {}
