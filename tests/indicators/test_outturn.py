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
