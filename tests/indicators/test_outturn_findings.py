"""OUT01–OUT06 and the PEFA table: every field of each finding and every column of the table, written
out by hand from the PEFA 2016 definitions for small hand-made budgets, not read back from the code.

``test_outturn.py`` pins which region-years are flagged and where the band edges lie; these pin what a
finding says (value, threshold, both messages, the evidence), every ratio of the PEFA table (original
vs outturn per line and year, worked in the comments), the classification parameters and their
defaults, the "two of the last three years" window and the reasons given when nothing can be assessed.

PEFA 2016 (pefa.org): PI-1 A 95–105 %, B 90–110 %, C 85–115 %; PI-2.1/2.2/3.2 composition variance
A < 5 %, B < 10 %, C < 15 %; PI-2.3 contingency A < 3 %, B ≤ 6 %, C < 10 %; PI-3.1 A 97–106 %,
B 94–112 %, C 92–116 %. Composition variance: k = Σ actual / Σ original, adjusted_i = original_i × k,
variance = Σ |actual_i − adjusted_i| / Σ adjusted_i.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fiscalrisk.indicators.outturn import (
    _PI1_BANDS,
    _PI31_BANDS,
    PEFA_COLUMNS,
    PEFA_SCORE_COLUMNS,
    _band_grade,
    _contingency_grade,
    _ratio_rows,
    _variance_grade,
    pefa_scores,
    pefa_table,
)

from ._tables import budget, context, line, payment, payments, run, typed
from .test_outturn import _aggregate_lines, _contingency, _outturn_tables, _revenue, _two_heads

_AS_OF = "2026-06-30"
_NAN = float("nan")


def _rows(findings: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    """(subject, period) → the fields of the finding, evidence parsed."""
    out = {}
    for r in findings.to_dict("records"):
        out[(r["subject_id"], r["period"])] = {
            "level": r["level"], "value": r["value"], "threshold": r["threshold"],
            "subject_type": r["subject_type"], "unit_code": r["unit_code"], "region_code": r["region_code"],
            "message_zh": r["message_zh"], "message_en": r["message_en"], "evidence": json.loads(r["evidence"]),
        }
    return out


def _check(got: dict[str, Any], region: str, level: str, value: float, threshold: float, zh: str, en: str,
           evidence: dict[str, Any]) -> None:
    assert got["level"] == level
    assert got["value"] == pytest.approx(value, rel=1e-12)
    assert got["threshold"] == threshold
    assert (got["subject_type"], got["unit_code"], got["region_code"]) == ("region", "", region)
    assert got["message_zh"] == zh
    assert got["message_en"] == en
    # the evidence is written with six decimals
    assert set(got["evidence"]) == set(evidence)
    for k, v in evidence.items():
        assert got["evidence"][k] == (pytest.approx(v, abs=1e-6) if isinstance(v, float) else v), k


def _reasons(assessed: pd.DataFrame) -> dict[str, tuple[str, int, str]]:
    return {r["region_code"]: (r["status"], int(r["assessed"]), r["reason"]) for r in assessed.to_dict("records")}


# ============================================================================================ findings
def test_out01_findings_state_the_outturn_and_the_band_edge_crossed():
    # U1 (德清县) 2023 of the shared fixture: original 600 + 300 + 100 = 1,000, outturn 660 + 330 + 150 =
    # 1,140 → 114 %, above B's 110 %, inside C's 115 % → warning at 1.10. 2024: 900 / 1,000 = 90 % and
    # 2025: 950 / 1,000 = 95 % are inside B; the city's 2025 is 100 / 100.
    f, _ = run("OUT01", context(_outturn_tables(), _AS_OF))
    got = _rows(f)
    assert set(got) == {("330521", "2023")}
    _check(got[("330521", "2023")], "330521", "warning", 1.14, 1.10,
           "德清县 2023年支出决算为年初预算的114.0%，超出110%界限",
           "德清县 2023: expenditure outturn 114.0% of the original budget, beyond 110%",
           {"pi1_outturn": 1.14, "year": 2023})
    # below the bands: 80 % is under C's 85 % (alert at 0.85); 88 % is under B's 90 % (warning at 0.90)
    f, _ = run("OUT01", context({"budget": budget(_aggregate_lines({("U1", 2025): 0.80, ("U2", 2024): 0.88}),
                                                  extra=("actual_amount",))}, _AS_OF))
    got = _rows(f)
    assert set(got) == {("330521", "2025"), ("330500", "2024")}
    _check(got[("330521", "2025")], "330521", "alert", 0.80, 0.85,
           "德清县 2025年支出决算为年初预算的80.0%，超出85%界限",
           "德清县 2025: expenditure outturn 80.0% of the original budget, beyond 85%",
           {"pi1_outturn": 0.80, "year": 2025})
    _check(got[("330500", "2024")], "330500", "warning", 0.88, 0.90,
           "湖州市 2024年支出决算为年初预算的88.0%，超出90%界限",
           "湖州市 2024: expenditure outturn 88.0% of the original budget, beyond 90%",
           {"pi1_outturn": 0.88, "year": 2024})


def test_out02_and_out03_findings_state_the_composition_variance():
    # 2025 of the shared fixture, contingency (227 / 399) left out: function heads 205 600 → 700 and
    # 201 300 → 200; economic heads 301 and 302 the same amounts. k = 900 / 900 = 1, deviations
    # 100 + 100 over 900 = 22.2 % ≥ 15 % → alert. 2023 (a uniform 10 % overrun) and 2024 are 0.
    ctx = context(_outturn_tables(), _AS_OF)
    f2, _ = run("OUT02", ctx)
    got = _rows(f2)
    assert set(got) == {("330521", "2025")}
    _check(got[("330521", "2025")], "330521", "alert", 200 / 900, 0.15,
           "德清县 2025年按功能分类支出结构偏差22.2%（阈值15%）",
           "德清县 2025: composition variance by function 22.2% (threshold 15%)",
           {"pi2_function_variance": 200 / 900, "year": 2025})
    f3, _ = run("OUT03", ctx)
    got = _rows(f3)
    assert set(got) == {("330521", "2025")}
    _check(got[("330521", "2025")], "330521", "alert", 200 / 900, 0.15,
           "德清县 2025年按经济分类支出结构偏差22.2%（阈值15%）",
           "德清县 2025: composition variance by economic type 22.2% (threshold 15%)",
           {"pi2_economic_variance": 200 / 900, "year": 2025})
    # the city: 1,120,000 and 880,000 against 1,000,000 each → k = 1, deviations 240,000 over
    # 2,000,000 = 12 %: between 10 % and 15 % → warning
    f2, _ = run("OUT02", context({"budget": budget(_two_heads("U2", 2024, 1_120_000, 880_000),
                                                   extra=("actual_amount",))}, _AS_OF))
    got = _rows(f2)
    _check(got[("330500", "2024")], "330500", "warning", 0.12, 0.10,
           "湖州市 2024年按功能分类支出结构偏差12.0%（阈值10%）",
           "湖州市 2024: composition variance by function 12.0% (threshold 10%)",
           {"pi2_function_variance": 0.12, "year": 2024})


def test_out04_findings_state_the_window_and_the_three_year_average():
    # shared fixture: contingency outturn 150, 0, 50 over originals of 1,000 → (15 + 0 + 5) / 3 = 6.7 %
    # > 6 % → warning; the city has 2025 only → not assessed with the reason
    f, a = run("OUT04", context(_outturn_tables(), _AS_OF))
    got = _rows(f)
    assert set(got) == {("330521", "2025")}
    _check(got[("330521", "2025")], "330521", "warning", 0.2 / 3, 0.06,
           "德清县 2023–2025年预备费支出平均占年初预算6.7%（阈值6%）",
           "德清县 2023–2025: contingency spending averaged 6.7% of the original budget (threshold 6%)",
           {"years": [2023, 2024, 2025], "average_contingency_share": 0.2 / 3})
    assert _reasons(a) == {"330500": ("assessed", 0, "fewer than three completed years"),
                           "330521": ("assessed", 1, ""), "330521102": ("assessed", 0, "no subjects")}
    # 乾元镇: 100,000 of 1,000,000 each year → 10 % ≥ 10 % → alert at 0.10
    f, _ = run("OUT04", context({"budget": budget(_contingency("U3", (0.10, 0.10, 0.10)),
                                                  extra=("actual_amount",))}, _AS_OF))
    got = _rows(f)
    assert set(got) == {("330521102", "2025")}
    _check(got[("330521102", "2025")], "330521102", "alert", 0.10, 0.10,
           "乾元镇 2023–2025年预备费支出平均占年初预算10.0%（阈值10%）",
           "乾元镇 2023–2025: contingency spending averaged 10.0% of the original budget (threshold 10%)",
           {"years": [2023, 2024, 2025], "average_contingency_share": 0.10})


def test_out04_window_follows_the_scan_year():
    # as of 2025: the three last completed years are 2022–2024; 2025 (the current year) is not counted
    rows = [r for y in (2022, 2023, 2024, 2025) for r in (
        line(y, "U1", 900_000.0, actual_amount=900_000.0),
        line(y, "U1", 100_000.0, function="2270101", economic="39999", actual_amount=80_000.0 if y < 2025 else 0.0))]
    f, _ = run("OUT04", context({"budget": budget(rows, extra=("actual_amount",))}, "2025-03-31"))
    got = _rows(f)
    assert set(got) == {("330521", "2024")}  # 8 % each year → warning
    assert got[("330521", "2024")]["message_en"] == (
        "德清县 2022–2024: contingency spending averaged 8.0% of the original budget (threshold 6%)")
    assert got[("330521", "2024")]["evidence"]["years"] == [2022, 2023, 2024]


def test_out05_and_out06_findings_state_the_revenue_outturn_and_variance():
    # 德清县 2025: 900,000 of 1,000,000 = 90 % < 92 % → alert at 0.92; 湖州市 2024: 1,130,000 = 113 %
    # > 112 % and ≤ 116 % → warning at 1.12
    rows = [*_revenue("330521", 2025, ("10101", 1_000_000.0, 900_000.0)),
            *_revenue("330500", 2024, ("10101", 1_000_000.0, 1_130_000.0))]
    f, _ = run("OUT05", context({"revenue": typed("revenue", rows)}, _AS_OF))
    got = _rows(f)
    assert set(got) == {("330521", "2025"), ("330500", "2024")}
    _check(got[("330521", "2025")], "330521", "alert", 0.90, 0.92,
           "德清县 2025年收入决算为预算的90.0%，超出92%界限",
           "德清县 2025: revenue outturn 90.0% of the budget, beyond 92%",
           {"pi3_revenue_outturn": 0.90, "year": 2025})
    _check(got[("330500", "2024")], "330500", "warning", 1.13, 1.12,
           "湖州市 2024年收入决算为预算的113.0%，超出112%界限",
           "湖州市 2024: revenue outturn 113.0% of the budget, beyond 112%",
           {"pi3_revenue_outturn": 1.13, "year": 2024})
    # shared fixture: heads 101 800 → 900 and 103 200 → 100 in 2023 and 2024: k = 1, deviations
    # 100 + 100 over 1,000 = 20 % → alert; 2025: k = 0.97, deviations 4 + 4 over 970 = 0.8 %
    f, _ = run("OUT06", context(_outturn_tables(), _AS_OF))
    got = _rows(f)
    assert set(got) == {("330521", "2023"), ("330521", "2024")}
    for y in (2023, 2024):
        _check(got[("330521", str(y))], "330521", "alert", 0.20, 0.15,
               f"德清县 {y}年收入结构偏差20.0%（阈值15%）",
               f"德清县 {y}: revenue composition variance 20.0% (threshold 15%)",
               {"pi3_revenue_variance": 0.20, "year": y})


# ======================================================================================= not assessed
def test_every_indicator_says_why_nothing_could_be_assessed():
    # budget and revenue of the current year only: no completed year in the PEFA table
    tables = {"budget": budget([line(2026, "U1", 1000.0, actual_amount=900.0)], extra=("actual_amount",)),
              "revenue": typed("revenue", _revenue("330521", 2026, ("10101", 1000.0, 900.0)))}
    ctx = context(tables, _AS_OF)
    why = {"OUT01": "no completed year with expenditure outturn",
           "OUT02": "no completed year with outturn by function",
           "OUT03": "no completed year with outturn by economic type",
           "OUT04": "no completed year with outturn",
           "OUT05": "no completed year with revenue outturn",
           "OUT06": "no completed year with revenue outturn"}
    for code, reason in why.items():
        f, a = run(code, ctx)
        assert f.empty, code
        assert set(a["status"]) == {"not_assessed"} and set(a["reason"]) == {reason}, code
    # OUT04 with completed years, none of them among the last three (2023–2025)
    old = budget([line(2022, "U1", 1000.0, actual_amount=1000.0)], extra=("actual_amount",))
    _, a = run("OUT04", context({"budget": old}, _AS_OF))
    assert set(a["reason"]) == {"no completed year with outturn"}
    # no outturn at all
    _, a = run("OUT01", context({"budget": budget([line(2025, "U1", 1000.0)])}, _AS_OF))
    assert set(a["reason"]) == {"no outturn: budget.actual_amount is empty and there is no payments table"}


# ======================================================================================== PEFA table
def _pefa_fixture() -> dict[str, pd.DataFrame]:
    """2025 (and 2024) lines of three regions, each built so that one rule decides a number.

    U1 (330521) 2025, original → outturn:
      a 2050101 / 30101   300 → 400
      b 2059901 / 30199   300 → 260
      c 2010301 / 30201   300 → 240
      d 2270101 / 39999   100 →  40   contingency (function 227)
      e 2320301 / 30701   100 → 100   interest (economic 307)
    U3 (330521102): 2025 one line of 0.50 → 0.50; 2024 a contingency line of 0 → 100 (no original).
    Revenue: 330521 2025 heads 10101 400 → 400, 10199 400 → 360, 10301 200 → 200; 330500 2025 one head
    500 → 550 and 2024 a budget of 0 → 100; 330521102 2025 one head 0.50 → 0.50; 330521 2026 (the
    current year) 1,000 → 0.
    """
    lines = [
        line(2025, "U1", 300.0, function="2050101", economic="30101", actual_amount=400.0),
        line(2025, "U1", 300.0, function="2059901", economic="30199", actual_amount=260.0),
        line(2025, "U1", 300.0, function="2010301", economic="30201", actual_amount=240.0),
        line(2025, "U1", 100.0, function="2270101", economic="39999", actual_amount=40.0),
        line(2025, "U1", 100.0, function="2320301", economic="30701", actual_amount=100.0),
        line(2025, "U3", 0.5, function="2010301", economic="30201", actual_amount=0.5),
        line(2024, "U3", 0.0, function="2270101", economic="39999", actual_amount=100.0),
        line(2026, "U1", 1000.0, actual_amount=0.0),
    ]
    rev = [*_revenue("330521", 2025, ("10101", 400.0, 400.0), ("10199", 400.0, 360.0), ("10301", 200.0, 200.0)),
           *_revenue("330500", 2025, ("10101", 500.0, 550.0)),
           *_revenue("330500", 2024, ("10101", 0.0, 100.0)),
           *_revenue("330521102", 2025, ("10101", 0.5, 0.5)),
           *_revenue("330521", 2026, ("10101", 1000.0, 0.0))]
    return {"budget": budget(lines, extra=("actual_amount",)), "revenue": typed("revenue", rev)}


def _table(rows: list[tuple[str, int, float, float, float, float, float, float]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(PEFA_COLUMNS))
    return df.astype({"region_code": "str", "year": "int64", **{c: "float64" for c in PEFA_COLUMNS[2:]}})


# U1 2025: PI-1 = (400 + 260 + 240 + 40 + 100) / 1,100 = 1,040 / 1,100.
#   PI-2.1 without d and e: heads 205 600 → 660, 201 300 → 240; k = 900 / 900 = 1, deviations 60 + 60 over
#   900. PI-2.2 without d: heads 301 600 → 660, 302 300 → 240, 307 100 → 100; k = 1, 120 over 1,000.
#   PI-2.3: 40 / 1,100.
# 330521 revenue 2025: 960 / 1,000; heads 101 800 → 760, 103 200 → 200; k = 0.96, adjusted 768 and 192,
#   deviations 8 + 8 over 960.
# 330500 revenue: 2025 550 / 500 = 1.1 and one head (variance 0); 2024 no budget → no ratio.
# U3: 2025 0.5 / 0.5 = 1, one head (variance 0), no contingency (0 / 0.5); 2024 no original → no ratio,
#   and no line outside the contingency vote → no variance. Its revenue 2025: 0.5 / 0.5 = 1, one head.
_EXPECTED = [
    ("330500", 2024, _NAN, _NAN, _NAN, _NAN, _NAN, _NAN),
    ("330500", 2025, _NAN, _NAN, _NAN, _NAN, 1.1, 0.0),
    ("330521", 2025, 1040 / 1100, 120 / 900, 120 / 1000, 40 / 1100, 0.96, 16 / 960),
    ("330521102", 2024, _NAN, _NAN, _NAN, _NAN, _NAN, _NAN),
    ("330521102", 2025, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
]


def test_pefa_table_every_column_by_hand():
    t = pefa_table(context(_pefa_fixture(), _AS_OF))
    # numbered 0 … n − 1 in (region, year) order, even though the revenue-only region comes last
    pd.testing.assert_frame_equal(t, _table(_EXPECTED), rtol=1e-12)


def test_pefa_table_without_params_uses_the_pefa_defaults():
    # no params at all: 3-digit heads, contingency 227, interest 307, no economic contingency code —
    # the same table (with 4-digit heads PI-2.1 and PI-2.2 of U1 and PI-3.2 would change)
    ctx = context(_pefa_fixture(), _AS_OF)
    bare = dataclasses.replace(ctx, params=None, cache={})
    pd.testing.assert_frame_equal(pefa_table(bare), _table(_EXPECTED), rtol=1e-12)


def test_pefa_table_follows_the_classification_parameters():
    modules = {"outturn": {"function_digits": 4, "economic_digits": 4, "revenue_digits": 4}}
    t = pefa_table(context(_pefa_fixture(), _AS_OF, modules=modules)).set_index(["region_code", "year"])
    # function heads 2050 300 → 400, 2059 300 → 260, 2010 300 → 240: k = 1, 100 + 40 + 60 over 900
    assert t.loc[("330521", 2025), "pi2_function_variance"] == pytest.approx(200 / 900, rel=1e-12)
    # economic heads 3010, 3019, 3020, 3070: 100 + 40 + 60 + 0 over 1,000
    assert t.loc[("330521", 2025), "pi2_economic_variance"] == pytest.approx(0.20, rel=1e-12)
    # revenue heads 1010 400 → 400, 1019 400 → 360, 1030 200 → 200; k = 0.96, adjusted 384, 384, 192:
    # 16 + 24 + 8 over 960
    assert t.loc[("330521", 2025), "pi3_revenue_variance"] == pytest.approx(48 / 960, rel=1e-12)
    # contingency by function 201 and by economic 307, interest 399: contingency = c + e = 240 + 100;
    # PI-2.1 keeps a and b (one head 205 → 0); PI-2.2 keeps a, b, d: heads 301 600 → 660 and
    # 399 100 → 40, k = 1, 60 + 60 over 700
    modules = {"outturn": {"contingency_function_prefixes": ["201"], "contingency_economic_prefixes": ["307"],
                           "interest_economic_prefixes": ["399"]}}
    t = pefa_table(context(_pefa_fixture(), _AS_OF, modules=modules)).set_index(["region_code", "year"])
    r = t.loc[("330521", 2025)]
    assert r["contingency_share"] == pytest.approx(340 / 1100, rel=1e-12)
    assert r["pi2_function_variance"] == pytest.approx(0.0, abs=1e-12)
    assert r["pi2_economic_variance"] == pytest.approx(120 / 700, rel=1e-12)
    assert r["pi1_outturn"] == pytest.approx(1040 / 1100, rel=1e-12)  # PI-1 keeps every line
    # no contingency code and no interest code at all: the 227 line is an ordinary head of PI-2.1 and
    # PI-2.2, the 307 line one of PI-2.1. PI-2.1 heads 205 600 → 660, 201 300 → 240, 227 100 → 40,
    # 232 100 → 100: k = 1,040 / 1,100, adjusted 567.27, 283.64, 94.55, 94.55
    modules = {"outturn": {"contingency_function_prefixes": [], "interest_economic_prefixes": []}}
    t = pefa_table(context(_pefa_fixture(), _AS_OF, modules=modules)).set_index(["region_code", "year"])
    r = t.loc[("330521", 2025)]
    k = 1040 / 1100
    dev = abs(660 - 600 * k) + abs(240 - 300 * k) + abs(40 - 100 * k) + abs(100 - 100 * k)
    assert r["contingency_share"] == 0.0
    assert r["pi2_function_variance"] == pytest.approx(dev / 1040, rel=1e-12)
    # economic heads 301 600 → 660, 302 300 → 240, 399 100 → 40, 307 100 → 100: the same amounts
    assert r["pi2_economic_variance"] == pytest.approx(dev / 1040, rel=1e-12)


def test_pefa_table_is_recomputed_when_the_module_params_change():
    # contexts made with other params share the derived-table cache: the PEFA table must not be
    # served from it for other classification parameters
    ctx = context(_pefa_fixture(), _AS_OF)
    other = context(_pefa_fixture(), _AS_OF, modules={"outturn": {"function_digits": 4}}).params
    assert pefa_table(ctx).set_index(["region_code", "year"]).loc[
        ("330521", 2025), "pi2_function_variance"] == pytest.approx(120 / 900, rel=1e-12)
    t4 = pefa_table(ctx.with_params(other)).set_index(["region_code", "year"])
    assert t4.loc[("330521", 2025), "pi2_function_variance"] == pytest.approx(200 / 900, rel=1e-12)
    t3 = pefa_table(ctx).set_index(["region_code", "year"])
    assert t3.loc[("330521", 2025), "pi2_function_variance"] == pytest.approx(120 / 900, rel=1e-12)


def test_pefa_table_with_no_completed_year_is_empty_and_typed():
    tables = {"budget": budget([line(2026, "U1", 1000.0, actual_amount=900.0)], extra=("actual_amount",))}
    t = pefa_table(context(tables, _AS_OF))
    assert t.empty and list(t.columns) == list(PEFA_COLUMNS)
    assert t["year"].dtype == np.dtype("int64")
    assert t["region_code"].dtype == pd.Series(["330521"], dtype="str").dtype
    assert all(t[c].dtype == np.dtype("float64") for c in PEFA_COLUMNS[2:])


def test_a_line_without_an_outturn_is_left_out_and_a_line_without_payments_spent_nothing():
    # no payments table: the line with no actual_amount has no outturn and is not in PI-1 at all
    lines = [line(2025, "U1", 1000.0, function="2050101", actual_amount=1000.0),
             line(2025, "U1", 1000.0, function="2010301", actual_amount=None)]
    t = pefa_table(context({"budget": budget(lines, extra=("actual_amount",))}, _AS_OF))
    assert t["pi1_outturn"].tolist() == [1.0]  # 1,000 / 1,000, not 1,000 / 2,000
    # with a payments table, a line nobody paid from spent 0: 1,000 paid on 205 / 30201, nothing on 201
    lines = [line(2025, "U1", 1000.0, function="2050101"), line(2025, "U1", 1000.0, function="2010301")]
    pay = payments([payment("P1", "2025-05-01", 1000.0)])
    t = pefa_table(context({"budget": budget(lines), "payments": pay}, _AS_OF))
    assert t["pi1_outturn"].tolist() == [0.5]  # 1,000 / 2,000
    # k = 1,000 / 2,000 = 0.5, adjusted 500 and 500: deviations 500 + 500 over 1,000
    assert t["pi2_function_variance"].tolist() == [pytest.approx(1.0)]


def test_a_line_with_no_function_code_is_an_ordinary_line():
    lines = [line(2025, "U1", 100.0, function="2050101", actual_amount=100.0),
             line(2025, "U1", 100.0, function=None, actual_amount=50.0)]
    t = pefa_table(context({"budget": budget(lines, extra=("actual_amount",))}, _AS_OF))
    assert t["pi1_outturn"].tolist() == [0.75]
    assert t["contingency_share"].tolist() == [0.0]


# ============================================================================== composition variance
def test_composition_variance_is_undefined_without_an_adjusted_total():
    from fiscalrisk.indicators.outturn import composition_variance

    # refunds exceed the payments of one head: Σ actual = 0, so k = 0 and every adjusted amount is 0
    df = pd.DataFrame({"g": "x", "head": ["a", "b"], "original": [100.0, 100.0], "actual": [50.0, -50.0]})
    assert math.isnan(composition_variance(df, ["g"], "head").iloc[0])
    # a single head is no composition variance at all, even for a tiny budget
    df = pd.DataFrame({"g": "x", "head": ["a"], "original": [0.4], "actual": [0.6]})
    assert composition_variance(df, ["g"], "head").iloc[0] == 0.0


# ==================================================================================== ratio rows
def test_ratio_rows_take_the_last_years_of_the_module():
    ratios = {("U1", 2022): 0.5, ("U1", 2023): 0.6, ("U1", 2024): 0.7, ("U1", 2025): 0.8}
    tables = {"budget": budget(_aggregate_lines(ratios), extra=("actual_amount",))}
    # the default three years: 2023–2025, also with no params at all
    bare = dataclasses.replace(context(tables, _AS_OF), params=None, cache={})
    r = _ratio_rows(bare, "pi1_outturn", "expenditure outturn")
    assert r["period"].tolist() == ["2023", "2024", "2025"]
    assert r["value"].tolist() == pytest.approx([0.6, 0.7, 0.8])
    assert r["subject_id"].tolist() == r["region_code"].tolist() == ["330521"] * 3
    assert list(r["evidence"]) == [{"pi1_outturn": pytest.approx(v), "year": y}
                                   for v, y in ((0.6, 2023), (0.7, 2024), (0.8, 2025))]
    f, _ = run("OUT01", context(tables, _AS_OF))
    assert sorted(f["period"]) == ["2023", "2024", "2025"]
    # modules.outturn.years = 2: 2024 and 2025 only; = 4: 2022 too
    f, _ = run("OUT01", context(tables, _AS_OF, modules={"outturn": {"years": 2}}))
    assert sorted(f["period"]) == ["2024", "2025"]
    f, _ = run("OUT01", context(tables, _AS_OF, modules={"outturn": {"years": 4}}))
    assert sorted(f["period"]) == ["2022", "2023", "2024", "2025"]


# ======================================================================================== PEFA scores
def test_pefa_scores_window_defaults_to_the_latest_year_and_follows_last_year():
    # PI-1 by year: 2022 96 % A, 2023 97 % A, 2024 120 % D, 2025 88 % C
    # 2023–2025: A, D, C → C holds in two years; 2022–2024: A, A, D → A
    t = _table([("R", y, v, 0.0, 0.0, 0.0, 1.0, 0.0)
                for y, v in ((2022, 0.96), (2023, 0.97), (2024, 1.20), (2025, 0.88))])
    s = pefa_scores(t)
    assert s.to_dict("records") == [{"region_code": "R", "window": "2023–2025", "PI-1": "C", "2.1": "A",
                                     "2.2": "A", "2.3": "A", "PI-2": "A", "3.1": "A", "3.2": "A", "PI-3": "A"}]
    s = pefa_scores(t, last_year=2024)
    assert s.loc[0, "window"] == "2022–2024" and s.loc[0, "PI-1"] == "A"
    # only the regions asked for, in code order; one absent from the table is not assessable
    t2 = pd.concat([t, t.assign(region_code="Q")], ignore_index=True)
    s = pefa_scores(t2, last_year=2025, regions=["R", "P"])
    assert s["region_code"].tolist() == ["P", "R"]
    assert s.loc[0].drop(["region_code", "window"]).tolist() == ["NA"] * 8
    assert pefa_scores(t2)["region_code"].tolist() == ["Q", "R"]


def test_pefa_scores_of_an_empty_table_keep_their_columns():
    s = pefa_scores(_table([]))
    assert s.empty and list(s.columns) == list(PEFA_SCORE_COLUMNS)


# ============================================================================================= grades
def test_a_missing_ratio_grades_not_assessable():
    assert _band_grade(_NAN, _PI1_BANDS) == "NA"
    assert _band_grade(_NAN, _PI31_BANDS) == "NA"
    assert _variance_grade(_NAN) == "NA"
    assert _contingency_grade(_NAN) == "NA"


def test_grades_at_the_edge_of_the_rounding_tolerance():
    # ratios are compared at the 10th decimal (1e-9): a value that far outside an inclusive bound is
    # still on it, and one that far inside a strict bound is still on the bound (so not below it)
    eps = 1e-9
    assert _band_grade(0.95 - eps, _PI1_BANDS) == "A"  # 95 % is A
    assert _band_grade(1.05 + eps, _PI1_BANDS) == "A"  # 105 % is A
    assert _band_grade(0.97 - eps, _PI31_BANDS) == "A"
    assert _band_grade(1.06 + eps, _PI31_BANDS) == "A"
    assert _variance_grade(0.05 - eps) == "B"  # A is strictly below 5 %
    assert _variance_grade(0.10 - eps) == "C"
    assert _contingency_grade(0.03 - eps) == "B"  # A is below 3 %
    assert _contingency_grade(0.06 + eps) == "B"  # B is at most 6 %
    assert _contingency_grade(0.10 - eps) == "D"  # C is below 10 %
