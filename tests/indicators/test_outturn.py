"""PEFA budget reliability: OUT01–OUT06, the PEFA table and PEFA 2016 letter scores.

Reference values are worked by hand from the PEFA 2016 framework's definitions (pefa.org): the
composition-variance method of the PEFA PI-2 spreadsheet, the score bands of PI-1, PI-2 and PI-3, the
"two of the last three years" rule, M1 (weakest link) and the M2 conversion table for two dimensions.
"""

from __future__ import annotations

import pandas as pd
import pytest

from fiscalrisk.indicators.outturn import (
    _PI1_BANDS,
    _PI31_BANDS,
    _band_grade,
    _contingency_grade,
    _variance_grade,
    combine_m1,
    combine_m2,
    composition_variance,
    grade_two_of_three,
    pefa_scores,
    pefa_table,
)

from ._tables import budget, context, flagged, line, run, typed


def test_composition_variance_worked_examples() -> None:
    # total unchanged: k = 1, deviations 20 + 20 + 0 over 400 → 10 %
    df = pd.DataFrame({"g": "x", "head": ["a", "b", "c"], "original": [100.0, 100.0, 200.0],
                       "actual": [120.0, 80.0, 200.0]})
    assert composition_variance(df, ["g"], "head").iloc[0] == pytest.approx(0.10)
    # total up 25 %: k = 1.25, adjusted 125 / 125, deviations 25 + 25 over 250 → 20 %
    df = pd.DataFrame({"g": "x", "head": ["a", "b"], "original": [100.0, 100.0], "actual": [150.0, 100.0]})
    assert composition_variance(df, ["g"], "head").iloc[0] == pytest.approx(0.20)
    # a uniform overrun is no composition variance
    df = pd.DataFrame({"g": "x", "head": ["a", "b"], "original": [100.0, 300.0], "actual": [110.0, 330.0]})
    assert composition_variance(df, ["g"], "head").iloc[0] == pytest.approx(0.0)


def test_two_of_the_last_three_years() -> None:
    pi1 = lambda v: _band_grade(v, _PI1_BANDS)  # noqa: E731
    assert grade_two_of_three([0.96, 1.08, 1.20], pi1) == "B"  # A, B, D → B holds in two years
    assert grade_two_of_three([0.96, 0.97, 1.30], pi1) == "A"
    assert grade_two_of_three([0.80, 0.86, 1.20], pi1) == "D"
    assert grade_two_of_three([0.90, 1.10, 0.85], pi1) == "B"  # band edges are inclusive
    assert grade_two_of_three([0.96, 0.97], pi1) == "NA"
    assert grade_two_of_three([0.04, 0.12, 0.20], _variance_grade) == "C"
    assert grade_two_of_three([0.05, 0.05, 0.0], _variance_grade) == "B"  # A is strictly below 5 %
    pi31 = lambda v: _band_grade(v, _PI31_BANDS)  # noqa: E731
    assert grade_two_of_three([0.95, 1.10, 1.13], pi31) == "B"
    assert grade_two_of_three([0.97, 1.06, 0.90], pi31) == "A"


def test_contingency_bands() -> None:
    assert _contingency_grade(0.029) == "A"
    assert _contingency_grade(0.03) == "B"
    assert _contingency_grade(0.06) == "B"  # B is "≤ 6 %"
    assert _contingency_grade(0.061) == "C"
    assert _contingency_grade(0.10) == "D"  # C is "< 10 %"


def test_m1_weakest_link_and_m2_conversion_table() -> None:
    assert combine_m1(["A", "B", "C"]) == "C+"
    assert combine_m1(["C", "C", "C"]) == "C"
    assert combine_m1(["D", "A", "A"]) == "D+"
    assert combine_m1(["A", "NA", "A"]) == "NA"
    # PEFA 2016 M2 table, two dimensions
    assert combine_m2("D", "D") == "D"
    assert combine_m2("D", "C") == "D+"
    assert combine_m2("C", "D") == "D+"
    assert combine_m2("D", "B") == "C"
    assert combine_m2("A", "D") == "C+"
    assert combine_m2("C", "B") == "C+"
    assert combine_m2("C", "A") == "B"
    assert combine_m2("A", "B") == "B+"
    assert combine_m2("A", "A") == "A"
    assert combine_m2("A", "NA") == "NA"


def _outturn_tables() -> dict:
    """U1 (德清县, 330521) over 2023–2025: heads 205/301, 201/302 and the contingency vote 227."""
    rows = []
    actuals = {2023: (660.0, 330.0, 150.0), 2024: (600.0, 300.0, 0.0), 2025: (700.0, 200.0, 50.0)}
    for year, (a1, a2, a3) in actuals.items():
        rows += [
            line(year, "U1", 600.0, function="2050101", economic="30101", actual_amount=a1),
            line(year, "U1", 300.0, function="2010301", economic="30201", actual_amount=a2),
            line(year, "U1", 100.0, function="2270101", economic="39999", actual_amount=a3),
        ]
    rows.append(line(2026, "U1", 1000.0, actual_amount=None))  # current year: ignored
    rows.append(line(2025, "U2", 100.0, actual_amount=100.0))  # the city: one year only
    rev = []
    racts = {2023: (900.0, 100.0), 2024: (900.0, 100.0), 2025: (780.0, 190.0)}
    for year, (r1, r2) in racts.items():
        rev += [{"year": year, "region_code": "330521", "revenue_code": "10101", "budget_amount": 800.0,
                 "actual_amount": r1},
                {"year": year, "region_code": "330521", "revenue_code": "10301", "budget_amount": 200.0,
                 "actual_amount": r2}]
    return {"budget": budget(rows, extra=("actual_amount",)), "revenue": typed("revenue", rev)}


def test_pefa_table_by_hand() -> None:
    t = pefa_table(context(_outturn_tables(), "2026-06-30")).set_index(["region_code", "year"])
    r = t.loc["330521"]
    assert list(r.index) == [2023, 2024, 2025]
    assert r["pi1_outturn"].tolist() == pytest.approx([1.14, 0.90, 0.95])
    # 2025: k = 900 / 900, deviations 100 + 100 over 900
    assert r.loc[2025, "pi2_function_variance"] == pytest.approx(200 / 900)
    assert r.loc[2023, "pi2_function_variance"] == pytest.approx(0.0)  # uniform 10 % overrun
    assert r.loc[2025, "pi2_economic_variance"] == pytest.approx(200 / 900)
    assert r["contingency_share"].tolist() == pytest.approx([0.15, 0.0, 0.05])
    assert r["pi3_revenue_outturn"].tolist() == pytest.approx([1.0, 1.0, 0.97])
    # 2025: k = 0.97, adjusted 776 / 194, deviations 4 + 4 over 970
    assert r.loc[2025, "pi3_revenue_variance"] == pytest.approx(8 / 970)
    assert r.loc[2023, "pi3_revenue_variance"] == pytest.approx(0.20)


def test_pefa_scores_by_hand() -> None:
    t = pefa_table(context(_outturn_tables(), "2026-06-30"))
    s = pefa_scores(t, last_year=2025, regions=["330500", "330521"]).set_index("region_code")
    d = s.loc["330521"]
    assert d["window"] == "2023–2025"
    # PI-1: 1.14 C, 0.90 B, 0.95 A → B. 2.1 / 2.2: 0, 0, 22 % → A. 2.3: (15 + 0 + 5) / 3 = 6.7 % → C.
    assert (d["PI-1"], d["2.1"], d["2.2"], d["2.3"], d["PI-2"]) == ("B", "A", "A", "C", "C+")
    # 3.1: 1.00, 1.00, 0.97 → A. 3.2: 20 %, 20 %, 0.8 % → D. PI-3 = M2(A, D) = C+.
    assert (d["3.1"], d["3.2"], d["PI-3"]) == ("A", "D", "C+")
    assert set(s.loc["330500"].drop("window")) == {"NA"}  # no data: not assessable


def test_pefa_scores_need_three_years() -> None:
    t = pefa_table(context(_outturn_tables(), "2026-06-30"))
    s = pefa_scores(t.loc[t["year"] > 2023], last_year=2025).set_index("region_code")
    assert s.loc["330521", "PI-1"] == "NA" and s.loc["330521", "2.3"] == "NA"


def test_out01_to_out06_findings() -> None:
    ctx = context(_outturn_tables(), "2026-06-30")
    f1, _ = run("OUT01", ctx)
    assert {(s, p): lv for s, p, lv in zip(f1["subject_id"], f1["period"], f1["level"].astype(str),
                                            strict=True)} == {("330521", "2023"): "warning"}
    assert f1["threshold"].iloc[0] == 1.10 and f1["unit_code"].iloc[0] == ""
    assert f1["message_zh"].iloc[0].startswith("德清县 2023年")
    f2, _ = run("OUT02", ctx)
    assert list(zip(f2["period"], f2["level"].astype(str), strict=True)) == [("2025", "alert")]
    f3, _ = run("OUT03", ctx)
    assert list(zip(f3["period"], f3["level"].astype(str), strict=True)) == [("2025", "alert")]
    f4, a4 = run("OUT04", ctx)
    assert flagged(f4) == {"330521": "warning"} and f4["period"].iloc[0] == "2025"
    assert f4["value"].iloc[0] == pytest.approx(0.2 / 3)
    assert a4.set_index("region_code").loc["330500", "reason"] == "fewer than three completed years"
    f5, _ = run("OUT05", ctx)
    assert f5.empty
    f6, _ = run("OUT06", ctx)
    assert list(zip(f6["period"], f6["level"].astype(str), strict=True)) == [("2023", "alert"), ("2024", "alert")]


def test_out04_alert_at_ten_percent_as_pefa_grade_c_is_below_ten() -> None:
    rows = [line(y, "U1", 900.0, actual_amount=900.0) for y in (2023, 2024, 2025)]
    rows += [line(y, "U1", 100.0, function="2270101", actual_amount=100.0) for y in (2023, 2024, 2025)]
    f, _ = run("OUT04", context({"budget": budget(rows, extra=("actual_amount",))}, "2026-06-30"))
    assert flagged(f) == {"330521": "alert"} and f["threshold"].iloc[0] == 0.10


def test_outturn_falls_back_to_net_payments_and_is_not_assessed_without_any_outturn() -> None:
    rows = [line(y, "U1", 1000.0) for y in (2023, 2024, 2025)]
    _, a = run("OUT01", context({"budget": budget(rows)}, "2026-06-30"))
    assert set(a["status"]) == {"not_assessed"} and "no outturn" in a["reason"].iloc[0]
    from ._tables import payment, payments

    pay = payments([payment(f"P{y}", f"{y}-05-01", 1300.0) for y in (2023, 2024, 2025)])
    f, _ = run("OUT01", context({"budget": budget(rows), "payments": pay}, "2026-06-30"))
    assert f["level"].astype(str).tolist() == ["alert"] * 3 and f["value"].iloc[0] == pytest.approx(1.3)


# ======================================================================================================
# Boundaries and exclusions: each band edge and threshold at, just inside and just outside; the
# exclusions (contingency, interest, the current year) with a case where each changes the result.
# Parameters are moved through the context's ``indicators={CODE: {...}}`` overrides. One unit per region
# (U1 → 330521, U2 → 330500, U3 → 330521102), completed years 2023–2025 on as_of 2026-06-30.
# ======================================================================================================
from typing import Any  # noqa: E402

from ._coverage import covers  # noqa: E402

_REGION = {"U1": "330521", "U2": "330500", "U3": "330521102"}
_AS_OF = "2026-06-30"


def _by_year(f: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(region, year) → level."""
    return {(s, p): str(lv) for s, p, lv in zip(f["subject_id"], f["period"], f["level"], strict=True)}


def _outturn_run(code: str, lines: list[dict[str, Any]], params: dict[str, Any] | None = None,
                 as_of: str = _AS_OF, **more: Any):
    tables = {"budget": budget(lines, extra=("actual_amount",))}
    return run(code, context(tables, as_of, {code: params} if params else None, **more))


def _revenue_run(code: str, rows: list[dict[str, Any]], params: dict[str, Any] | None = None,
                 as_of: str = _AS_OF):
    return run(code, context({"revenue": typed("revenue", rows)}, as_of, {code: params} if params else None))


def _aggregate_lines(ratios: dict[tuple[str, int], float]) -> list[dict[str, Any]]:
    """One line of original 1,000,000 per unit × year with outturn ``ratio`` × 1,000,000."""
    return [line(y, u, 1_000_000.0, actual_amount=round(1_000_000.0 * r, 2)) for (u, y), r in ratios.items()]


# ---------------------------------------------------------------------------------------- OUT01
_OUT01 = {
    ("U1", 2023): 0.90, ("U1", 2024): 0.8999999, ("U1", 2025): 0.85,
    ("U2", 2023): 1.10, ("U2", 2024): 1.1000001, ("U2", 2025): 1.15,
    ("U3", 2023): 0.8499999, ("U3", 2024): 1.1500001, ("U3", 2025): 1.0,
}


@covers("OUT01", "warning", "alert")
def test_out01_band_edges_are_inside_and_a_cent_beyond_is_outside():
    f, _ = _outturn_run("OUT01", _aggregate_lines(_OUT01))
    assert _by_year(f) == {
        ("330521", "2024"): "warning", ("330521", "2025"): "warning",
        ("330500", "2024"): "warning", ("330500", "2025"): "warning",
        ("330521102", "2023"): "alert", ("330521102", "2024"): "alert",
    }
    t = dict(zip(zip(f["subject_id"], f["period"], strict=True), f["threshold"], strict=True))
    assert t[("330521", "2024")] == 0.90 and t[("330500", "2024")] == 1.10 and t[("330521102", "2024")] == 1.15
    # the warning band moved out to the alert band: only the alerts remain
    f, _ = _outturn_run("OUT01", _aggregate_lines(_OUT01), {"warning": [0.85, 1.15]})
    assert _by_year(f) == {("330521102", "2023"): "alert", ("330521102", "2024"): "alert"}
    # the alert band widened: what was just outside it is a warning
    f, _ = _outturn_run("OUT01", _aggregate_lines(_OUT01), {"alert": [0.849999, 1.150001]})
    assert set(_by_year(f).values()) == {"warning"} and len(f) == 6
    # the warning band narrowed to PEFA A: 0.90 and 1.10 are now outside it
    f, _ = _outturn_run("OUT01", _aggregate_lines(_OUT01), {"warning": [0.95, 1.05]})
    assert _by_year(f)[("330521", "2023")] == "warning" and _by_year(f)[("330500", "2023")] == "warning"
    assert ("330521102", "2025") not in _by_year(f)


def test_out01_only_completed_years_are_graded():
    lines = _aggregate_lines({("U1", 2025): 0.5, ("U1", 2026): 0.5})
    f, _ = _outturn_run("OUT01", lines, as_of="2026-01-01")
    assert _by_year(f) == {("330521", "2025"): "alert"}
    # 2022 is a completed year but older than the last three (modules.outturn.years)
    f, _ = _outturn_run("OUT01", _aggregate_lines({("U1", 2022): 0.5, ("U1", 2023): 1.0}))
    assert f.empty


def test_out01_region_pools_its_own_units_only():
    # U1 under-spends, U3 (a township under the same county) over-spends: each region has its own ratio
    f, _ = _outturn_run("OUT01", _aggregate_lines({("U1", 2025): 0.80, ("U3", 2025): 1.20}))
    assert _by_year(f) == {("330521", "2025"): "alert", ("330521102", "2025"): "alert"}


def test_out01_outturn_of_exactly_ninety_percent_in_cents_is_inside_the_band():
    originals = (4_108_935.47, 316_932.72, 1_192_467.81)  # 5,618,336.00
    actuals = (1_962_513.14, 2_072_702.22, 1_021_287.04)  # 5,056,502.40 = 90 %
    lines = [line(2025, "U1", o, function=f"20{i}0101", actual_amount=a)
             for i, (o, a) in enumerate(zip(originals, actuals, strict=True))]
    f, _ = _outturn_run("OUT01", lines)
    assert f.empty


# ---------------------------------------------------------------------------------------- OUT02, OUT03
def _two_heads(unit: str, year: int, a: float, b: float, oa: float = 1_000_000.0,
               ob: float = 1_000_000.0) -> list[dict[str, Any]]:
    """Two lines that differ in both function head (205/201) and economic head (301/302)."""
    return [line(year, unit, oa, function="2050101", economic="30101", actual_amount=a),
            line(year, unit, ob, function="2010301", economic="30201", actual_amount=b)]


_VARIANCE = [
    *_two_heads("U1", 2025, 1_100_000, 900_000),            # 0.10 → warning at the bound
    *_two_heads("U2", 2025, 1_099_999.99, 900_000.01),      # just below 0.10
    *_two_heads("U3", 2025, 1_150_000, 850_000),            # 0.15 → alert at the bound
    *_two_heads("U1", 2024, 1_150_000.01, 849_999.99),      # just above 0.15
    *_two_heads("U2", 2024, 1_149_999.99, 850_000.01),      # just below 0.15
    *_two_heads("U3", 2024, 1_100_000.01, 899_999.99),      # just above 0.10
]
_VARIANCE_LEVELS = {("330521", "2025"): "warning", ("330521102", "2025"): "alert", ("330521", "2024"): "alert",
                    ("330500", "2024"): "warning", ("330521102", "2024"): "warning"}


@covers("OUT02", "warning", "alert")
def test_out02_function_variance_at_and_around_both_thresholds():
    f, _ = _outturn_run("OUT02", _VARIANCE)
    assert _by_year(f) == _VARIANCE_LEVELS
    assert f.set_index(["subject_id", "period"]).loc[("330521", "2025"), "value"] == pytest.approx(0.10)
    f, _ = _outturn_run("OUT02", _VARIANCE, {"warning": 0.100000005})
    assert _by_year(f) == {("330521102", "2025"): "alert", ("330521", "2024"): "alert",
                           ("330500", "2024"): "warning", ("330521102", "2024"): "warning"}
    f, _ = _outturn_run("OUT02", _VARIANCE, {"alert": 0.150000005})
    assert _by_year(f) == {("330521", "2025"): "warning", ("330521102", "2025"): "warning",
                           ("330521", "2024"): "alert", ("330500", "2024"): "warning",
                           ("330521102", "2024"): "warning"}
    f, _ = _outturn_run("OUT02", _VARIANCE, {"alert": 0.10})
    assert set(_by_year(f).values()) == {"alert"} and len(f) == 5


@covers("OUT03", "warning", "alert")
def test_out03_economic_variance_at_and_around_both_thresholds():
    f, _ = _outturn_run("OUT03", _VARIANCE)
    assert _by_year(f) == _VARIANCE_LEVELS
    f, _ = _outturn_run("OUT03", _VARIANCE, {"warning": 0.100000005, "alert": 0.150000005})
    assert _by_year(f) == {("330521102", "2025"): "warning", ("330521", "2024"): "alert",
                           ("330500", "2024"): "warning", ("330521102", "2024"): "warning"}


def test_out02_and_out03_leave_out_the_contingency_vote():
    # balanced heads; the contingency vote budgeted 1,000,000 and not used would be a 67 % variance
    lines = [*_two_heads("U1", 2025, 1_000_000, 1_000_000),
             line(2025, "U1", 1_000_000.0, function="2270101", economic="39999", actual_amount=0.0)]
    for code in ("OUT02", "OUT03"):
        f, a = _outturn_run(code, lines)
        assert f.empty and int(a["assessed"].sum()) == 1


def test_interest_is_left_out_of_the_function_variance_and_kept_in_the_economic_variance():
    lines = [*_two_heads("U1", 2025, 1_000_000, 1_000_000),
             line(2025, "U1", 1_000_000.0, function="2320301", economic="30701", actual_amount=1_500_000.0)]
    f2, _ = _outturn_run("OUT02", lines)
    f3, _ = _outturn_run("OUT03", lines)
    assert f2.empty
    # k = 3.5 / 3: deviations 166,666.67 × 2 + 333,333.33 over 3,500,000 = 19 %
    assert _by_year(f3) == {("330521", "2025"): "alert"}
    assert f3["value"].iloc[0] == pytest.approx((2 / 3) / 3.5)


def test_heads_are_the_first_digits_of_the_classification():
    # two lines of function head 205 (and economic head 302) that swap money: no composition change
    lines = [line(2025, "U1", 1_000_000.0, function="2050101", economic="30201", actual_amount=1_500_000.0),
             line(2025, "U1", 1_000_000.0, function="2050201", economic="30205", actual_amount=500_000.0)]
    for code in ("OUT02", "OUT03"):
        f, _ = _outturn_run(code, lines)
        assert f.empty
    f, _ = _outturn_run("OUT02", lines, modules={"outturn": {"function_digits": 5}})
    assert _by_year(f) == {("330521", "2025"): "alert"} and f["value"].iloc[0] == pytest.approx(0.5)
    f, _ = _outturn_run("OUT03", lines, modules={"outturn": {"economic_digits": 5}})
    assert _by_year(f) == {("330521", "2025"): "alert"}


@pytest.mark.parametrize("code", ["OUT02", "OUT03"])
def test_composition_variance_of_exactly_ten_percent_with_an_overrun_warns(code: str):
    f, _ = _outturn_run(code, _two_heads("U1", 2025, 825_000, 275_000, oa=700_000, ob=300_000))
    assert _by_year(f) == {("330521", "2025"): "warning"}


# ---------------------------------------------------------------------------------------- OUT04
def _contingency(unit: str, shares: tuple[float, float, float]) -> list[dict[str, Any]]:
    """Original 1,000,000 per year (900,000 + a 100,000 vote); contingency outturn share × 1,000,000."""
    rows = []
    for y, s in zip((2023, 2024, 2025), shares, strict=True):
        rows.append(line(y, unit, 900_000.0, actual_amount=900_000.0))
        rows.append(line(y, unit, 100_000.0, function="2270101", economic="39999",
                         actual_amount=round(1_000_000.0 * s, 2)))
    return rows


_OUT04 = [*_contingency("U1", (0.06, 0.06, 0.06)),              # 6 %: PEFA B, not above
          *_contingency("U2", (0.06, 0.06, 0.06000003)),        # just above 6 %
          *_contingency("U3", (0.10, 0.10, 0.10))]              # 10 %: alert at the bound


@covers("OUT04", "warning", "alert")
def test_out04_three_year_average_at_and_around_both_thresholds():
    f, _ = _outturn_run("OUT04", _OUT04)
    assert flagged(f) == {"330500": "warning", "330521102": "alert"}
    f, _ = _outturn_run("OUT04", _OUT04, {"warning": 0.05999999})
    assert flagged(f) == {"330521": "warning", "330500": "warning", "330521102": "alert"}
    f, _ = _outturn_run("OUT04", _OUT04, {"alert": 0.06000001})
    assert flagged(f) == {"330500": "alert", "330521102": "alert"}
    f, _ = _outturn_run("OUT04", _OUT04, {"alert": 0.1000001})
    assert flagged(f) == {"330500": "warning", "330521102": "warning"}
    just_below = _contingency("U3", (0.10, 0.10, 0.0999997))
    f, _ = _outturn_run("OUT04", just_below)
    assert flagged(f) == {"330521102": "warning"}


def test_out04_needs_the_three_last_completed_years():
    rows = [r for r in _contingency("U3", (0.20, 0.20, 0.20)) if r["year"] != 2023]
    f, a = _outturn_run("OUT04", rows)
    assert f.empty and "fewer than three completed years" in set(a["reason"])
    # the current year's contingency spending is not part of the average
    rows = _contingency("U1", (0.0, 0.0, 0.0)) + [
        line(2026, "U1", 100_000.0, function="2270101", economic="39999", actual_amount=900_000.0)]
    f, a = _outturn_run("OUT04", rows)
    assert f.empty and int(a["assessed"].sum()) == 1


def test_out04_average_of_exactly_six_percent_does_not_warn():
    f, _ = _outturn_run("OUT04", _contingency("U1", (0.04, 0.06, 0.08)))
    assert f.empty


# ---------------------------------------------------------------------------------------- OUT05, OUT06
def _revenue(region: str, year: int, *heads: tuple[str, float, float]) -> list[dict[str, Any]]:
    return [{"year": year, "region_code": region, "revenue_code": code, "budget_amount": b, "actual_amount": a}
            for code, b, a in heads]


_OUT05 = {("330521", 2023): 0.94, ("330521", 2024): 0.9399999, ("330521", 2025): 0.92,
          ("330500", 2023): 1.12, ("330500", 2024): 1.1200001, ("330500", 2025): 1.16,
          ("330521102", 2023): 0.9199999, ("330521102", 2024): 1.1600001, ("330521102", 2025): 1.0}


@covers("OUT05", "warning", "alert")
def test_out05_revenue_band_edges_are_inside_and_beyond_is_outside():
    rows = [r for (reg, y), v in _OUT05.items()
            for r in _revenue(reg, y, ("10101", 1_000_000.0, round(1_000_000.0 * v, 2)))]
    f, _ = _revenue_run("OUT05", rows)
    assert _by_year(f) == {
        ("330521", "2024"): "warning", ("330521", "2025"): "warning",
        ("330500", "2024"): "warning", ("330500", "2025"): "warning",
        ("330521102", "2023"): "alert", ("330521102", "2024"): "alert",
    }
    f, _ = _revenue_run("OUT05", rows, {"warning": [0.92, 1.16]})
    assert _by_year(f) == {("330521102", "2023"): "alert", ("330521102", "2024"): "alert"}
    f, _ = _revenue_run("OUT05", rows, {"alert": [0.919999, 1.160001]})
    assert set(_by_year(f).values()) == {"warning"} and len(f) == 6


_OUT06 = [
    *_revenue("330521", 2025, ("10101", 1_000_000.0, 1_100_000.0), ("10301", 1_000_000.0, 900_000.0)),
    *_revenue("330500", 2025, ("10101", 1_000_000.0, 1_099_999.99), ("10301", 1_000_000.0, 900_000.01)),
    *_revenue("330521102", 2025, ("10101", 1_000_000.0, 1_150_000.0), ("10301", 1_000_000.0, 850_000.0)),
    *_revenue("330521", 2024, ("10101", 1_000_000.0, 1_150_000.01), ("10301", 1_000_000.0, 849_999.99)),
    *_revenue("330500", 2024, ("10101", 1_000_000.0, 1_149_999.99), ("10301", 1_000_000.0, 850_000.01)),
    *_revenue("330521102", 2024, ("10101", 1_000_000.0, 1_100_000.01), ("10301", 1_000_000.0, 899_999.99)),
]


@covers("OUT06", "warning", "alert")
def test_out06_revenue_variance_at_and_around_both_thresholds():
    f, _ = _revenue_run("OUT06", _OUT06)
    assert _by_year(f) == _VARIANCE_LEVELS
    f, _ = _revenue_run("OUT06", _OUT06, {"warning": 0.100000005, "alert": 0.150000005})
    assert _by_year(f) == {("330521102", "2025"): "warning", ("330521", "2024"): "alert",
                           ("330500", "2024"): "warning", ("330521102", "2024"): "warning"}


def test_out06_heads_are_the_first_revenue_digits():
    # 10101 and 10102 are one head (101): money moved between them is no composition change
    rows = _revenue("330521", 2025, ("10101", 1_000_000.0, 1_500_000.0), ("10102", 1_000_000.0, 500_000.0))
    f, _ = _revenue_run("OUT06", rows)
    assert f.empty
    f, _ = run("OUT06", context({"revenue": typed("revenue", rows)}, _AS_OF,
                                modules={"outturn": {"revenue_digits": 5}}))
    assert _by_year(f) == {("330521", "2025"): "alert"}


def test_pefa_table_holds_completed_years_only():
    # the current year's lines, even with an outturn, are not a completed year of the PEFA table
    lines = _aggregate_lines({("U1", 2025): 1.0, ("U1", 2026): 0.5})
    t = pefa_table(context({"budget": budget(lines, extra=("actual_amount",))}, "2026-12-31"))
    assert t["year"].tolist() == [2025]
    t = pefa_table(context({"budget": budget(lines, extra=("actual_amount",))}, "2027-01-01"))
    assert t["year"].tolist() == [2025, 2026]
