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


# ======================================================================================================
# Boundaries and exclusions: each threshold at, just below and just above it; each exclusion with a case
# where it changes the result; money that does not add up exactly in floats; two units kept apart; the
# as_of day itself. Parameters are moved through the context's ``indicators={CODE: {...}}`` overrides.
# ======================================================================================================
from ._coverage import covers  # noqa: E402
from ._tables import grouped_sum  # noqa: E402


def _units(n: int) -> pd.DataFrame:
    """Units U1..Un of 德清县 (330521)."""
    return typed("units", [{"unit_code": f"U{i}", "name": f"德清县单位{i}", "region_code": "330521"}
                           for i in range(1, n + 1)])


def _levels(code: str, tables: dict, as_of: str = "2026-06-30", subject_type: str | None = None,
            more: dict | None = None, **params) -> dict[str, str]:
    """subject_id → level of ``code`` (optionally of one subject type), ``params`` as overrides."""
    f, _ = run(code, context(tables, as_of, {code: params} if params else None, **(more or {})))
    if subject_type is not None:
        f = f.loc[f["subject_type"] == subject_type]
    return flagged(f)


# ---------------------------------------------------------------------------------------- BUD01
def _bud01_min_budget_tables() -> dict:
    # every unit: a 1,000,000 line 40 % spent (9.6 pp behind 49.6 %: ok) and an unspent small line
    small = {"U1": 99_999.99, "U2": 100_000.0, "U3": 100_000.01}
    bud = budget([line(2026, u, 1_000_000.0) for u in small]
                 + [line(2026, u, a, economic="30202") for u, a in small.items()])
    pay = payments([payment(f"P{u}", "2026-03-02", 400_000.0, unit=u) for u in small])
    return {"budget": bud, "payments": pay}


@covers("BUD01", "min_budget")
def test_bud01_min_budget_at_and_around() -> None:
    t = _bud01_min_budget_tables()
    # a small line counts from min_budget on: 400,000 / 1,100,000 = 36.4 % → 13.2 pp → warning
    assert _levels("BUD01", t, subject_type="unit") == {"U2": "warning", "U3": "warning"}
    assert _levels("BUD01", t, subject_type="unit", min_budget=99_999) == {
        "U1": "warning", "U2": "warning", "U3": "warning"}
    assert _levels("BUD01", t, subject_type="unit", min_budget=100_001) == {}


def _bud01_progress_tables() -> dict:
    # time progress by months on 30 June: p = 0.5 exactly; budgets of 1,000,000: 1 pp = 10,000
    net = {"U1": 400_100.0, "U2": 399_900.0, "U3": 300_100.0, "U4": 300_000.0, "U5": 299_900.0}
    return {
        "units": _units(5),
        "budget": budget([line(2026, u, 1_000_000.0) for u in net]),
        "payments": payments([payment(f"P{u}", "2026-03-02", a, unit=u) for u, a in net.items()]),
    }


_MONTHS = {"time_progress": {"method": "months"}}


@covers("BUD01", "warning", "alert")
def test_bud01_points_behind_at_and_around_both_thresholds() -> None:
    t = _bud01_progress_tables()
    # U1 9.99 pp, U2 10.01 pp, U3 19.99 pp, U4 20 pp, U5 20.01 pp
    assert _levels("BUD01", t, subject_type="unit", more=_MONTHS) == {
        "U2": "warning", "U3": "warning", "U4": "alert", "U5": "alert"}
    assert _levels("BUD01", t, subject_type="unit", more=_MONTHS, warning=9) == {
        "U1": "warning", "U2": "warning", "U3": "warning", "U4": "alert", "U5": "alert"}
    assert _levels("BUD01", t, subject_type="unit", more=_MONTHS, warning=11) == {
        "U3": "warning", "U4": "alert", "U5": "alert"}
    assert _levels("BUD01", t, subject_type="unit", more=_MONTHS, alert=19) == {
        "U2": "warning", "U3": "alert", "U4": "alert", "U5": "alert"}
    assert _levels("BUD01", t, subject_type="unit", more=_MONTHS, alert=21) == {
        "U2": "warning", "U3": "warning", "U4": "warning", "U5": "warning"}


def test_bud01_exactly_ten_points_behind_warns() -> None:
    # 40 % spent at a time progress of 50 %: (0.5 − 0.4) × 100 = 9.999999999999998 in floats, 10 pp in fact
    t = {"budget": budget([line(2026, "U1", 1_000_000.0)]),
         "payments": payments([payment("P1", "2026-03-02", 400_000.0)])}
    assert _levels("BUD01", t, subject_type="unit", more=_MONTHS) == {"U1": "warning"}


def test_bud01_counts_the_lines_and_payments_of_the_year_up_to_as_of() -> None:
    bud = budget([
        line(2026, "U1", 1_000_000.0),
        line(2026, "U2", 1_000_000.0),
        line(2026, "U3", 2_000_000.0, adjusted_amount=1_000_000.0),  # the adjusted budget is what counts
        line(2025, "U1", 5_000_000.0),  # last year's unspent line: BUD01 looks at 2026 only
    ], extra=("adjusted_amount",))
    pay = payments([
        payment("a1", "2026-02-02", 300_000.0), payment("a2", "2026-06-30", 200_000.0),  # on as_of: 50 %
        payment("b1", "2026-02-02", 300_000.0, unit="U2"),
        payment("b2", "2026-07-01", 200_000.0, unit="U2"),  # the day after as_of: 30 % → 20 pp
        payment("b3", "2026-02-03", 400_000.0, unit="U2", economic_code="30299"),  # matches no line
        payment("b4", "2026-01-05", 400_000.0, unit="U2", budget_year=2025),  # last year's money
        payment("c1", "2026-02-02", 500_000.0, unit="U3"),  # 50 % of the adjusted 1,000,000
    ])
    assert _levels("BUD01", {"budget": bud, "payments": pay}, subject_type="unit", more=_MONTHS) == {
        "U2": "alert"}


def test_bud01_two_units_are_not_mixed() -> None:
    # U1 is far behind, U2 far ahead; the county (U1 and U3) is behind, the city (everything) is not
    bud = budget([line(2026, "U1", 1_000_000.0), line(2026, "U2", 3_000_000.0), line(2026, "U3", 100_000.0)])
    pay = payments([payment("P2", "2026-03-02", 3_000_000.0, unit="U2"),
                    payment("P3", "2026-03-02", 100_000.0, unit="U3")])
    assert _levels("BUD01", {"budget": bud, "payments": pay}, more=_MONTHS) == {"U1": "alert", "330521": "alert"}


# ---------------------------------------------------------------------------------------- BUD02
def _year(unit: str, december: float, total: float = 100_000.0, november: float = 0.0) -> list[dict]:
    rows = [payment(f"{unit}-mar", "2025-03-02", round(total - december - november, 2), unit=unit),
            payment(f"{unit}-dec", "2025-12-01", december, unit=unit)]
    if november:
        rows.append(payment(f"{unit}-nov", "2025-11-02", november, unit=unit))
    return rows


@covers("BUD02", "warning", "alert")
def test_bud02_december_share_at_and_around_both_thresholds() -> None:
    t = {"units": _units(5), "payments": payments(
        _year("U1", 24_999.99) + _year("U2", 25_000.0) + _year("U3", 39_999.99) + _year("U4", 40_000.0)
        + _year("U5", 40_000.01))}
    assert _levels("BUD02", t) == {"U2": "warning", "U3": "warning", "U4": "alert", "U5": "alert"}
    assert _levels("BUD02", t, warning=0.24999985) == {"U1": "warning", "U2": "warning", "U3": "warning",
                                                      "U4": "alert", "U5": "alert"}
    assert _levels("BUD02", t, warning=0.25000005) == {"U3": "warning", "U4": "alert", "U5": "alert"}
    assert _levels("BUD02", t, alert=0.39999985) == {"U2": "warning", "U3": "alert", "U4": "alert",
                                                    "U5": "alert"}
    assert _levels("BUD02", t, alert=0.40000005) == {"U2": "warning", "U3": "warning", "U4": "warning",
                                                    "U5": "alert"}


@covers("BUD02", "surge_months")
def test_bud02_surge_months_decide_what_is_graded() -> None:
    t = {"payments": payments(_year("U1", 10_000.0, november=30_000.0))}
    assert _levels("BUD02", t) == {}  # December: 10 %
    assert _levels("BUD02", t, surge_months=[11, 12]) == {"U1": "alert"}  # November–December: 40 %
    assert _levels("BUD02", t, surge_months=[11]) == {"U1": "warning"}  # November: 30 %


def test_bud02_report_months_are_reported_not_graded() -> None:
    t = {"payments": payments(_year("U1", 10_000.0, november=30_000.0))}
    f, _ = run("BUD02", context(t, "2026-06-30", {"BUD02": {"report_months": [11, 12], "warning": 0.1}}))
    g, _ = run("BUD02", context(t, "2026-06-30", {"BUD02": {"report_months": [12], "warning": 0.1}}))
    assert flagged(f) == flagged(g) == {"U1": "warning"}
    # the message names the months reported (it used to say 11–12月 whatever report_months held)
    assert "（11–12月合计40.0%）" in f["message_zh"].iloc[0] and "（12月合计10.0%）" in g["message_zh"].iloc[0]
    assert "(November–December 40.0%)" in f["message_en"].iloc[0] and "(December 10.0%)" in g["message_en"].iloc[0]


def test_bud02_only_completed_years_and_payments_within_their_year() -> None:
    rows = [
        *_year("U1", 25_000.0),  # 25 % ...
        payment("U1-late", "2026-01-05", 10_000.0, budget_year=2025),  # ... paid after 2025: not in its year
        payment("U1-early", "2025-06-01", 50_000.0, budget_year=2024),  # 2024's money paid in 2025: not 2025's
        *_year("U2", 25_000.0),
        payment("U2-refund", "2025-12-20", -0.01, unit="U2"),  # 24,999.99 of 99,999.99: below 25 %
    ]
    assert _levels("BUD02", {"payments": payments(rows)}) == {"U1": "warning"}
    # on the last day of 2025 the year is not complete yet; on the first day of 2026 it is
    assert _levels("BUD02", {"payments": payments(rows)}, as_of="2026-01-01") == {"U1": "warning"}
    _, a = run("BUD02", context({"payments": payments(rows)}, "2025-12-31"))
    assert set(a["status"]) == {"not_assessed"}


def test_bud02_units_without_positive_annual_net_are_not_assessed_and_units_are_not_mixed() -> None:
    rows = [
        payment("A1", "2025-03-02", 10_000.0), payment("A2", "2025-12-02", -10_000.0),  # U1 nets to 0
        payment("B1", "2025-03-02", 90_000.0, unit="U2"),  # U2: no December at all
        payment("C1", "2025-12-02", 90_000.0, unit="U3"),  # U3: everything in December
    ]
    f, a = run("BUD02", context({"payments": payments(rows)}, "2026-06-30"))
    assert flagged(f) == {"U3": "alert"}
    assert int(a["assessed"].sum()) == 2


def test_bud02_exactly_a_quarter_in_december_in_floats_warns() -> None:
    # the share of float sums is 0.24999999999999997: a quarter in cents, so on the warning
    parts = [12_098.68, 9_324.38, 3_576.94]  # 25,000.00 to the cent
    assert grouped_sum([0.0, *parts]) < 25_000.0  # ... not in floats
    rows = [payment("A1", "2025-03-02", 75_000.0)]
    rows += [payment(f"D{i}", f"2025-12-0{i + 1}", a) for i, a in enumerate(parts)]
    assert _levels("BUD02", {"payments": payments(rows)}) == {"U1": "warning"}


# ---------------------------------------------------------------------------------------- BUD03
def _bud03_tables(net: dict[str, float], carryover: float | None = 20_000.0) -> dict:
    bud = budget([line(2026, u, 100_000.0, adjusted_amount=100_000.0, carryover_amount=carryover) for u in net],
                 extra=("adjusted_amount", "carryover_amount"))
    return {"budget": bud,
            "payments": payments([payment(f"P{u}", "2026-03-02", a, unit=u) for u, a in net.items()])}


@covers("BUD03", "alert")
def test_bud03_ratio_at_and_around_the_alert() -> None:
    line_of = "2026|{}|2050101|30201|".format
    t = _bud03_tables({"U1": 120_000.0, "U2": 120_000.01, "U3": 119_999.99})
    assert _levels("BUD03", t) == {line_of("U2"): "alert"}  # available = adjusted + carry-over = 120,000
    assert _levels("BUD03", t, alert=0.99999995) == {line_of("U1"): "alert", line_of("U2"): "alert"}
    assert _levels("BUD03", t, alert=0.99) == {line_of(u): "alert" for u in ("U1", "U2", "U3")}
    assert _levels("BUD03", t, alert=1.0000001) == {}


def test_bud03_nothing_available_and_the_as_of_day() -> None:
    bud = budget([
        line(2026, "U1", 0.0, adjusted_amount=0.0),  # nothing available, 0.01 paid: above
        line(2026, "U2", 0.0, adjusted_amount=0.0),  # nothing available, only a refund: not above
        line(2026, "U3", 100_000.0, adjusted_amount=100_000.0),  # full on as_of, over the day after
        line(2027, "U3", 1.0, adjusted_amount=1.0),  # next year's line: not assessed yet
    ], extra=("adjusted_amount",))
    pay = payments([
        payment("a", "2026-03-02", 0.01),
        payment("b", "2026-03-02", -50.0, unit="U2"),
        payment("c1", "2026-03-02", 60_000.0, unit="U3"), payment("c2", "2026-06-30", 40_000.0, unit="U3"),
        payment("c3", "2026-07-01", 0.01, unit="U3"),
        payment("d", "2026-03-02", 5.0, unit="U3", budget_year=2027),
    ])
    f, a = run("BUD03", context({"budget": bud, "payments": pay}, "2026-06-30"))
    assert flagged(f) == {"2026|U1|2050101|30201|": "alert"}
    assert int(a["assessed"].sum()) == 3


def test_bud03_carry_over_and_adjusted_amount_are_available_and_lines_are_not_mixed() -> None:
    bud = budget([
        line(2026, "U1", 100_000.0, adjusted_amount=100_000.0, carryover_amount=20_000.0),
        line(2026, "U2", 100_000.0, adjusted_amount=150_000.0, carryover_amount=None),
        line(2026, "U3", 100_000.0, adjusted_amount=80_000.0, carryover_amount=None),
    ], extra=("adjusted_amount", "carryover_amount"))
    pay = payments([payment("a", "2026-03-02", 110_000.0), payment("b", "2026-03-02", 110_000.0, unit="U2"),
                    payment("c", "2026-03-02", 90_000.0, unit="U3")])
    assert _levels("BUD03", {"budget": bud, "payments": pay}) == {"2026|U3|2050101|30201|": "alert"}


def test_bud03_line_paid_exactly_in_full_in_floats_is_not_above() -> None:
    # the ratio of the float sum is 1.0000000000000002: paid exactly in full in cents, so not above 1.0
    parts = [85_285.17, 265_824.84, 648_889.99]  # 1,000,000.00 to the cent
    assert grouped_sum(parts) > 1_000_000.0  # ... not in floats
    t = {"budget": budget([line(2026, "U1", 1_000_000.0)]),
         "payments": payments([payment(f"P{i}", f"2026-03-0{i + 1}", a) for i, a in enumerate(parts)])}
    assert _levels("BUD03", t) == {}


# ---------------------------------------------------------------------------------------- BUD04
@covers("BUD04", "level")
def test_bud04_level_follows_the_parameter() -> None:
    t = {"budget": budget([line(2026, "U1", 100_000.0)]),
         "payments": payments([payment("P1", "2026-03-02", 1_000.0, economic_code="30299")])}
    assert _levels("BUD04", t) == {"P1": "alert"}
    assert _levels("BUD04", t, level="warning") == {"P1": "warning"}


def test_bud04_key_match_per_unit_refunds_missing_years_and_as_of() -> None:
    bud = budget([line(2026, "U1", 100_000.0), line(2025, "U1", 100_000.0)])
    pay = payments([
        payment("ok", "2026-03-02", 1_000.0),
        payment("other-unit", "2026-03-02", 1_000.0, unit="U2"),  # U1's line is not U2's
        payment("other-year", "2026-01-05", 1_000.0, budget_year=2025),  # 2025's line: matched
        payment("no-budget-year", "2026-01-05", 1_000.0, budget_year=2024),  # 2024 absent: not assessed
        payment("refund", "2026-03-02", -1_000.0, unit="U2"),
        payment("on", "2026-06-30", 0.01, unit="U3"),
        payment("after", "2026-07-01", 1_000.0, unit="U3"),
    ])
    f, a = run("BUD04", context({"budget": bud, "payments": pay}, "2026-06-30"))
    assert flagged(f) == {"other-unit": "alert", "on": "alert"}
    assert int(a["assessed"].sum()) == 5


# ---------------------------------------------------------------------------------------- BUD05
def _sangong(year: int, unit: str, amount: float) -> dict:
    return line(year, unit, amount, economic="30217")


@covers("BUD05", "over_budget_level")
def test_bud05_actual_at_and_around_the_sangong_budget() -> None:
    bud = budget([_sangong(2025, u, 50_000.0) for u in ("U1", "U2", "U3")])
    pay = payments([
        payment("a", "2025-05-06", 50_000.0, economic_code="30217"),
        payment("b", "2025-05-06", 50_000.01, unit="U2", economic_code="30217"),
        payment("c", "2025-05-06", 49_999.99, unit="U3", economic_code="30217"),
        payment("d", "2025-05-06", 90_000.0, unit="U3", economic_code="30201"),  # not 三公
    ])
    t = {"budget": bud, "payments": pay}
    assert _levels("BUD05", t) == {"U2": "alert"}
    assert _levels("BUD05", t, over_budget_level="warning") == {"U2": "warning"}


@covers("BUD05", "growth_level")
def test_bud05_growth_at_and_around_last_year() -> None:
    bud = budget([
        _sangong(2025, "U1", 50_000.0), _sangong(2026, "U1", 50_000.0),
        _sangong(2025, "U2", 50_000.0), _sangong(2026, "U2", 50_000.01),  # the budget grows by a cent
        _sangong(2025, "U3", 50_000.0), _sangong(2026, "U3", 50_000.0),
    ])
    pay = payments([
        payment("c1", "2025-05-06", 30_000.0, unit="U3", economic_code="30217"),
        payment("c2", "2026-05-06", 30_000.01, unit="U3", economic_code="30217"),  # the actual grows by a cent
        payment("a1", "2025-05-06", 30_000.0, economic_code="30217"),
        payment("a2", "2026-05-06", 30_000.0, economic_code="30217"),
    ])
    t = {"budget": bud, "payments": pay}
    assert _levels("BUD05", t) == {"U2": "warning", "U3": "warning"}
    assert _levels("BUD05", t, growth_level="alert") == {"U2": "alert", "U3": "alert"}


def test_bud05_growth_needs_the_previous_year_in_the_data() -> None:
    bud = [_sangong(2026, "U1", 50_000.0), _sangong(2026, "U2", 50_000.0)]
    pay = payments([payment("a", "2026-03-02", 10_000.0, economic_code="30217")])
    # U1 and U2 have no 2025 in the budget: growth cannot be judged
    assert _levels("BUD05", {"budget": budget(bud), "payments": pay}) == {}
    # U2's 2025 budget exists (with no 三公 line): its 三公 budget grew from 0
    bud.append(line(2025, "U2", 10_000.0, economic="30201"))
    assert _levels("BUD05", {"budget": budget(bud), "payments": pay}) == {"U2": "warning"}


def test_bud05_actual_adding_up_to_the_budget_in_cents_and_the_as_of_day() -> None:
    parts = [10_395.51, 21_317.79, 18_286.70]  # 50,000.00 to the cent
    assert grouped_sum(parts) > 50_000.0  # ... not in floats
    bud = budget([_sangong(2026, u, 50_000.0) for u in ("U1", "U2", "U3")])
    pay = payments(
        [payment(f"a{i}", f"2026-03-0{i + 2}", x, economic_code="30217") for i, x in enumerate(parts)]
        + [payment("b1", "2026-03-02", 40_000.0, unit="U2", economic_code="30217"),
           payment("b2", "2026-06-30", 10_000.01, unit="U2", economic_code="30217"),  # on as_of
           payment("c1", "2026-03-02", 40_000.0, unit="U3", economic_code="30217"),
           payment("c2", "2026-07-01", 10_000.01, unit="U3", economic_code="30217")])  # the day after
    assert _levels("BUD05", {"budget": bud, "payments": pay}) == {"U2": "alert"}


# ---------------------------------------------------------------------------------------- BUD06
def _carried(unit: str, from_year: int, carryover: float = 20_000.0, year: int = 2026) -> dict:
    return line(year, unit, 10_000.0, carryover_amount=carryover, carryover_from_year=from_year)


_CARRY = ("carryover_amount", "carryover_from_year")


@covers("BUD06", "warning", "alert")
def test_bud06_age_at_and_around_both_thresholds() -> None:
    t = {"budget": budget([_carried("U1", 2025), _carried("U2", 2024), _carried("U3", 2023)], extra=_CARRY),
         "payments": payments([payment("x", "2026-03-02", 1.0, economic_code="30299")])}
    lid = "2026|{}|2050101|30201|".format
    assert _levels("BUD06", t) == {lid("U2"): "warning", lid("U3"): "alert"}
    assert _levels("BUD06", t, warning=1) == {lid("U1"): "warning", lid("U2"): "warning", lid("U3"): "alert"}
    assert _levels("BUD06", t, warning=3) == {lid("U3"): "alert"}
    assert _levels("BUD06", t, alert=2) == {lid("U2"): "alert", lid("U3"): "alert"}
    assert _levels("BUD06", t, alert=4) == {lid("U2"): "warning", lid("U3"): "warning"}


def test_bud06_spent_to_the_cent_and_the_as_of_day() -> None:
    parts = [426_140.85, 26_236.46, 547_622.69]  # 1,000,000.00 to the cent
    assert grouped_sum(parts) < 1_000_000.0  # ... 999,999.9999999999 in floats
    bud = budget([_carried("U1", 2023, 1_000_000.0), _carried("U2", 2023), _carried("U3", 2023),
                  _carried("U3", 2024, year=2027)], extra=_CARRY)
    pay = payments(
        [payment(f"a{i}", f"2026-03-0{i + 2}", x) for i, x in enumerate(parts)]  # U1: spent in full
        + [payment("b1", "2026-03-02", 10_000.0, unit="U2"), payment("b2", "2026-06-30", 10_000.0, unit="U2"),
           payment("c1", "2026-03-02", 10_000.0, unit="U3"), payment("c2", "2026-07-01", 10_000.0, unit="U3")])
    f, a = run("BUD06", context({"budget": bud, "payments": pay}, "2026-06-30"))
    assert flagged(f) == {"2026|U3|2050101|30201|": "alert"}  # U2 spent it on as_of; U3's rest comes later
    assert int(a["assessed"].sum()) == 3  # the 2027 line is not assessed yet


def test_bud06_one_cent_unspent_and_refunds() -> None:
    bud = budget([_carried("U1", 2024), _carried("U2", 2024), _carried("U3", 2024)], extra=_CARRY)
    pay = payments([
        payment("a", "2026-03-02", 20_000.0),  # spent
        payment("b", "2026-03-02", 19_999.99, unit="U2"),  # one cent left
        payment("c1", "2026-03-02", 20_000.0, unit="U3"), payment("c2", "2026-03-09", -0.01, unit="U3"),
    ])
    f, _ = run("BUD06", context({"budget": bud, "payments": pay}, "2026-06-30"))
    assert flagged(f) == {"2026|U2|2050101|30201|": "warning", "2026|U3|2050101|30201|": "warning"}
    assert json.loads(f.set_index("unit_code").loc["U2", "evidence"])["unspent"] == 0.01


def test_bud06_not_assessed_without_payments() -> None:
    _, a = run("BUD06", context({"budget": budget([_carried("U1", 2023)], extra=_CARRY)}, "2026-06-30"))
    assert set(a["status"]) == {"not_assessed"}


def test_bud06_age_is_the_line_year_minus_the_carry_over_year() -> None:
    # a 2025 line holding 2023's carry-over is two years old, whatever the scan date
    bud = budget([_carried("U1", 2023, year=2025)], extra=_CARRY)
    pay = payments([payment("x", "2026-03-02", 1.0, economic_code="30299")])
    assert _levels("BUD06", {"budget": bud, "payments": pay}) == {"2025|U1|2050101|30201|": "warning"}


# ---------------------------------------------------------------------------------------- fiscal years
# A fiscal year starting in April (the United Kingdom's): 2025 is April 2025 – March 2026.
_APRIL = {"calendar": {"fiscal_year_start_month": 4}}


def test_bud01_time_progress_of_an_april_year_on_30_september_is_half() -> None:
    # by months, 30 September is 6/12 of April–March; budgets of 1,000,000: 40 % spent is 10 pp behind
    bud = budget([line(2025, u, 1_000_000.0) for u in ("U1", "U2")])
    pay = payments([payment("P1", "2025-05-02", 399_900.0),  # 10.01 pp behind → warning
                    payment("P2", "2025-05-02", 400_100.0, unit="U2"),  # 9.99 pp → ok
                    payment("P0", "2025-03-31", 900_000.0)])  # March 2025 belongs to 2024/25: not this year's
    more = {"time_progress": {"method": "months"}, **_APRIL}
    f, _ = run("BUD01", context({"budget": bud, "payments": pay}, "2025-09-30", **more))
    u = f.loc[f["subject_type"] == "unit"].set_index("subject_id")
    assert list(u.index) == ["U1"] and u.loc["U1", "period"] == "2025"
    assert json.loads(u.loc["U1", "evidence"])["time_progress"] == 0.5
    # the same data read as calendar years: 30 September is 9/12, and P0 counts for 2025
    g, _ = run("BUD01", context({"budget": bud, "payments": pay}, "2025-09-30", time_progress={"method": "months"}))
    assert json.loads(g.set_index("subject_id").loc["U2", "evidence"])["time_progress"] == 0.75


@covers("BUD02", "surge_months")
def test_bud02_looks_at_march_when_the_fiscal_year_starts_in_april() -> None:
    rows = [payment("A-apr", "2025-04-10", 60_000.0), payment("A-dec", "2025-12-10", 10_000.0),
            payment("A-mar", "2026-03-10", 30_000.0),  # the year's last month: 30 %
            payment("B-apr", "2025-04-10", 50_000.0, unit="U2"),
            payment("B-dec", "2025-12-10", 50_000.0, unit="U2")]  # a December rush is no year-end rush here
    t = {"payments": payments(rows)}
    f, a = run("BUD02", context(t, "2026-04-01", **_APRIL))
    assert flagged(f) == {"U1": "warning"}
    u1 = f.iloc[0]
    assert u1["period"] == "2025" and u1["value"] == pytest.approx(0.3)
    assert u1["message_zh"].startswith("德清县教育局 2026年3月净支付占全年30.0%（2–3月合计30.0%）")
    assert "March 2026 took 30.0%" in u1["message_en"]
    # surge_months counts months of the fiscal year: 9 is December
    assert _levels("BUD02", t, as_of="2026-04-01", more=_APRIL, surge_months=[9]) == {"U2": "alert"}
    # on 31 March the fiscal year is not complete; read as calendar years, 2025 is (and December rules)
    _, a = run("BUD02", context(t, "2026-03-31", **_APRIL))
    assert set(a["status"]) == {"not_assessed"}
    assert _levels("BUD02", t, as_of="2026-04-01") == {"U2": "alert"}


def test_payments_without_a_budget_year_count_for_the_fiscal_year_of_their_date() -> None:
    bud = budget([line(2025, "U1", 100_000.0)])
    rows = [payment("P1", "2026-03-31", 5_000.0),  # March 2026: fiscal year 2025 → on the 2025 line
            payment("P2", "2026-04-01", 5_000.0)]  # April 2026: 2026, which has no line
    f, _ = run("BUD04", context({"budget": bud, "payments": payments(rows)}, "2026-04-30", **_APRIL))
    assert flagged(f) == {}  # 2026 is absent from the budget altogether: not assessed, not flagged
    ctx = context({"budget": bud, "payments": payments(rows)}, "2026-04-30", **_APRIL)
    assert ctx.payments.set_index("payment_id")["budget_year"].to_dict() == {"P1": 2025, "P2": 2026}
    assert ctx.year == 2026 and context({"payments": payments(rows)}, "2026-03-31", **_APRIL).year == 2025
