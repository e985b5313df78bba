"""The registry's own contract, on small throwaway indicators declared in the tests.

Each test declares an indicator with :func:`indicator` (removed from the registry afterwards), runs it
on a two-region context and writes out every field of the findings and of ``assessed`` by hand:
grading at, just below and just above each threshold in every direction (higher is worse, lower is
worse, bands), the rounding tolerance of :func:`registry._tol` (1e-12 relative, at least 1e-12), forced
levels and thresholds, messages in both languages with the names of units and regions and their
fallbacks, evidence made JSON-safe, the amount at risk, ids, the not-assessed rows and their reasons;
then the catalogue, the declaration errors, budget-line ids and the scan context's helpers.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
import pytest

import fiscalrisk.indicators  # noqa: F401  (registers every indicator)
from fiscalrisk.findings import FINDINGS_COLUMNS, LEVEL_DTYPE
from fiscalrisk.indicators.constraints import Band, Interval, Param
from fiscalrisk.indicators.registry import (
    CATALOGUE,
    REGISTRY,
    NotAssessed,
    ScanContext,
    catalogue,
    flag_levels,
    grade_values,
    indicator,
    line_id,
    measure_and_grade,
    money_paths,
    run_indicator,
    specs,
)

CODE = "ZZZ01"
REGIONS = pd.DataFrame(
    {"region_code": ["330500", "330521"], "name": ["湖州市", "德清县"], "name_en": ["Huzhou", None],
     "level": ["city", "county"], "parent_code": [None, "330500"]}, dtype="str")
UNITS = pd.DataFrame(
    {"unit_code": ["U1", "U2"], "name": ["财政局", "教育局"], "name_en": ["Finance Bureau", None],
     "region_code": ["330500", "330521"]}, dtype="str")
MESSAGE_ZH = "{unit_name}（{region_name}）：{value:.2f}≥{threshold:g}，{level}"
MESSAGE_EN = "{unit_name} ({region_name}): {value:.2f} ≥ {threshold:g}, {level}"
BASE: dict[str, Any] = dict(
    code=CODE, module="budget", subject_type="unit", name_zh="测试指标", name_en="Test indicator",
    reads={"units": ("unit_code",)}, grade="ge", why_zh="测试", why_en="a test", source="the tests",
    message_zh=MESSAGE_ZH, message_en=MESSAGE_EN, value_unit="ratio", at_risk_rule="none: a test indicator",
)


class Rules:
    """Params as the registry reads them: ``indicator(code)``; no other indicator has any."""

    def __init__(self, **p: Any) -> None:
        self.p = p

    def indicator(self, code: str) -> dict[str, Any]:
        if code != CODE:
            raise KeyError(code)
        return dict(self.p)


def ctx_of(rules: Any = None, tables: dict[str, pd.DataFrame] | None = None) -> ScanContext:
    base = {"regions": REGIONS, "units": UNITS} if tables is None else tables
    return ScanContext(tables=base, as_of=pd.Timestamp("2026-06-30"), params=rules or Rules())


@pytest.fixture
def declare():
    """``declare(func, **changes)`` registers ``func`` as ZZZ01 (BASE with changes); removed afterwards."""
    added: list[str] = []

    def reg(func: Any, **changes: Any) -> Any:
        decl = {**BASE, **changes}
        added.append(decl["code"])
        indicator(**decl)(func)
        return REGISTRY[decl["code"]]

    yield reg
    for code in added:
        REGISTRY.pop(code, None)


def result(**cols: Any) -> Any:
    """An indicator function returning ``cols`` (period 2026 unless given)."""
    def func(ctx: ScanContext, p: dict[str, Any]) -> pd.DataFrame:
        df = pd.DataFrame(cols)
        if "period" not in df:
            df["period"] = "2026"
        return df
    return func


def fid(subject_type: str, subject_id: str, period: str = "2026") -> str:
    return hashlib.sha256(f"{CODE}|{subject_type}|{subject_id}|{period}".encode()).hexdigest()[:16]


def by_subject(findings: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["subject_id"]: r for r in findings.to_dict("records")}


def counts(assessed: pd.DataFrame) -> list[tuple]:
    return [(r["indicator"], r["module"], r["region_code"], r["status"],
             None if pd.isna(r["assessed"]) else int(r["assessed"]),
             None if pd.isna(r["flagged"]) else int(r["flagged"]),
             None if pd.isna(r["warnings"]) else int(r["warnings"]),
             None if pd.isna(r["alerts"]) else int(r["alerts"]), r["reason"])
            for r in assessed.to_dict("records")]


# ------------------------------------------------------------------------------------------- grading
def test_higher_is_worse_at_just_below_and_above_each_threshold_with_every_field(declare) -> None:
    # ge, warning 10, alert 20; the tolerance at 10 is 1e-12 × 10 = 1e-11: 10 − 5e-12 is on the threshold,
    # 10 − 2e-11 is below it
    declare(result(subject_id=list("abcdefg"), unit_code=["U1", "U1", "U2", "U2", "U1", "U2", "U1"],
                   value=[9.99, 10 - 5e-12, 10 - 2e-11, 19.99, 20.0, 25.0, np.nan]))
    findings, assessed, values = measure_and_grade(CODE, ctx_of(Rules(warning=10, alert=20)))
    assert list(findings.columns) == list(FINDINGS_COLUMNS)
    assert findings["level"].dtype == LEVEL_DTYPE
    rows = by_subject(findings)
    assert sorted(rows) == ["b", "d", "e", "f"]
    expected = {
        "b": ("warning", "330500", "U1", 10 - 5e-12, 10.0, "财政局（湖州市）：10.00≥10，warning",
              "Finance Bureau (Huzhou): 10.00 ≥ 10, warning"),
        "d": ("warning", "330521", "U2", 19.99, 10.0, "教育局（德清县）：19.99≥10，warning",
              "教育局 (德清县): 19.99 ≥ 10, warning"),
        "e": ("alert", "330500", "U1", 20.0, 20.0, "财政局（湖州市）：20.00≥20，alert",
              "Finance Bureau (Huzhou): 20.00 ≥ 20, alert"),
        "f": ("alert", "330521", "U2", 25.0, 20.0, "教育局（德清县）：25.00≥20，alert",
              "教育局 (德清县): 25.00 ≥ 20, alert"),
    }
    for sid, (level, region, unit, value, thr, zh, en) in expected.items():
        r = rows[sid]
        assert (r["indicator"], r["module"], str(r["level"]), r["region_code"], r["unit_code"],
                r["subject_type"], r["period"], r["value"], r["threshold"], r["message_zh"], r["message_en"],
                r["evidence"], r["value_unit"], r["finding_id"]) == (
            CODE, "budget", level, region, unit, "unit", "2026", value, thr, zh, en, "{}", "ratio",
            fid("unit", sid)), sid
        assert math.isnan(r["amount_at_risk"])
    assert sorted(findings["priority"]) == [1, 2, 3, 4]
    # assessed: every subject with a value (g has none); flagged = warnings + alerts
    assert counts(assessed) == [
        (CODE, "budget", "330500", "assessed", 3, 2, 1, 1, ""),
        (CODE, "budget", "330521", "assessed", 3, 2, 1, 1, ""),
    ]
    graded = {r["subject_id"]: (r["level"], r["threshold"]) for r in values.to_dict("records")}
    assert set(graded) == set("abcdef")
    assert {k: v[0] for k, v in graded.items()} == {"a": "ok", "b": "warning", "c": "ok", "d": "warning",
                                                     "e": "alert", "f": "alert"}
    assert [graded[k][1] for k in "bdef"] == [10.0, 10.0, 20.0, 20.0]
    assert math.isnan(graded["a"][1]) and math.isnan(graded["c"][1])


def test_strictly_greater_at_and_around_the_thresholds() -> None:
    v = np.array([10.0, 10 + 5e-12, 10 + 2e-11, 20.0, 20 + 1e-11, 20.5])  # tolerance 1e-11 at 10, 2e-11 at 20
    lv, thr = grade_values(v, "gt", 10, 20)
    assert list(lv) == ["ok", "ok", "warning", "warning", "warning", "alert"]
    assert list(thr[2:]) == [10.0, 10.0, 10.0, 20.0]


def test_lower_is_worse_at_just_below_and_above_each_threshold() -> None:
    # le: warning 0.5, alert 0.25; the tolerance at 0.5 is 1e-12 (max(1, 0.5) × 1e-12)
    v = np.array([0.6, 0.5 + 1.5e-12, 0.5 + 5e-13, 0.5, 0.3, 0.25, 0.1, np.nan])
    lv, thr = grade_values(v, "le", 0.5, 0.25)
    assert list(lv) == ["ok", "ok", "warning", "warning", "warning", "alert", "alert", "ok"]
    assert list(thr[2:7]) == [0.5, 0.5, 0.5, 0.25, 0.25]
    assert np.isnan(thr[[0, 1, 7]]).all()
    # lt: strictly below; within the tolerance is on the threshold, not below it
    v = np.array([0.5, 0.5 - 5e-13, 0.5 - 1.5e-12, 0.25, 0.2499])
    lv, thr = grade_values(v, "lt", 0.5, 0.25)
    assert list(lv) == ["ok", "ok", "warning", "warning", "alert"]
    assert list(thr[2:]) == [0.5, 0.5, 0.25]


def test_a_threshold_below_one_has_the_absolute_tolerance_1e12() -> None:
    lv, _ = grade_values(np.array([0.5 - 1.5e-12, 0.5 - 5e-13]), "ge", 0.5, None)
    assert list(lv) == ["ok", "warning"]


def test_bands_at_just_inside_and_outside_each_bound() -> None:
    v = np.array([0.9, 0.9 - 5e-13, 0.8999, 0.85, 0.8499, 1.0, 1.1, 1.1 + 5e-13, 1.1001, 1.15, 1.1501, np.nan])
    lv, thr = grade_values(v, "outside", [0.9, 1.1], [0.85, 1.15])
    assert list(lv) == ["ok", "ok", "warning", "warning", "alert", "ok", "ok", "ok", "warning", "warning",
                        "alert", "ok"]
    assert list(thr[[2, 3, 4, 8, 9, 10]]) == [0.9, 0.9, 0.85, 1.1, 1.1, 1.15]
    assert np.isnan(thr[[0, 1, 5, 6, 7, 11]]).all()


def test_a_missing_alert_threshold_leaves_warnings_only() -> None:
    lv, thr = grade_values(np.array([5.0, 10.0, 99.0]), "ge", 10, None)
    assert list(lv) == ["ok", "warning", "warning"] and list(thr[1:]) == [10.0, 10.0]


def test_a_band_threshold_that_is_not_a_pair_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match=re.escape("indicator : threshold warning must be a [low, high] band, "
                                                   "got 5")):
        grade_values(np.array([1.0]), "outside", 5, None)
    with pytest.raises(ValueError, match=re.escape("indicator : threshold alert must be a [low, high] band, "
                                                   "got [1, 2, 3]")):
        grade_values(np.array([1.0]), "outside", None, [1, 2, 3])
    with pytest.raises(ValueError, match=re.escape(f"indicator {CODE}: threshold alert must be a [low, high] band, "
                                                   "got 7")):
        grade_values(np.array([1.0]), "outside", [1, 2], 7, CODE)


def test_a_band_indicator_with_a_number_threshold_names_itself(declare) -> None:
    declare(result(subject_id=["a"], unit_code=["U1"], value=[1.0]), grade="outside")
    with pytest.raises(ValueError, match=re.escape(f"indicator {CODE}: threshold warning must be a [low, high] "
                                                   "band, got 0.9")):
        run_indicator(CODE, ctx_of(Rules(warning=0.9, alert=[0.85, 1.15])))


# ------------------------------------------------------------------------------------- forced levels
def test_flag_grade_without_a_level_column_makes_every_row_a_finding_at_the_indicators_level(declare) -> None:
    declare(result(subject_id=["a", "b"], unit_code=["U1", "U2"], value=[np.nan, 3.0]), grade="flag",
            message_zh="{unit_name}：{level}", message_en="{unit_name}: {level}")
    f, a = run_indicator(CODE, ctx_of(Rules()))  # no level: alert
    assert {r["subject_id"]: (str(r["level"]), r["message_zh"], r["message_en"]) for r in f.to_dict("records")} == {
        "a": ("alert", "财政局：alert", "Finance Bureau: alert"), "b": ("alert", "教育局：alert", "教育局: alert")}
    assert f["threshold"].isna().all()
    # every returned row counts as assessed, even without a value
    assert counts(a) == [(CODE, "budget", "330500", "assessed", 1, 1, 0, 1, ""),
                         (CODE, "budget", "330521", "assessed", 1, 1, 0, 1, "")]
    f, a = run_indicator(CODE, ctx_of(Rules(level="warning", warning=3)))
    assert [str(x) for x in f["level"]] == ["warning", "warning"]
    assert list(f["threshold"]) == [3.0, 3.0]  # the indicator's own threshold for that level
    f, _ = run_indicator(CODE, ctx_of(Rules(level="alert", alert=True)))  # a flag is not a number
    assert [str(x) for x in f["level"]] == ["alert", "alert"] and f["threshold"].isna().all()
    with pytest.raises(ValueError, match=re.escape(f"indicator {CODE}: unknown level(s) ['severe']")):
        run_indicator(CODE, ctx_of(Rules(level="severe")))


def test_a_level_column_forces_levels_and_records_the_indicators_threshold(declare) -> None:
    declare(result(subject_id=["r1", "r2", "r3", "r4", "r5", "r6"], unit_code=["U1"] * 6,
                   value=[5.0, 5.0, 25.0, 25.0, np.nan, np.nan],
                   level=["alert", "warning", None, "ok", "info", None]),
            message_zh="{unit_name}：{level}", message_en="{unit_name}: {level}")
    f, a, values = measure_and_grade(CODE, ctx_of(Rules(warning=10, alert=20)))
    got = {r["subject_id"]: (str(r["level"]), r["threshold"]) for r in f.to_dict("records")}
    assert set(got) == {"r1", "r2", "r3", "r5"}
    assert got["r1"] == ("alert", 20.0) and got["r2"] == ("warning", 10.0) and got["r3"] == ("alert", 20.0)
    assert got["r5"][0] == "info" and math.isnan(got["r5"][1])  # a note has no threshold
    # r1..r5 are assessed (a value or a forced level); the note is not flagged
    assert counts(a) == [(CODE, "budget", "330500", "assessed", 5, 3, 1, 2, ""),
                         (CODE, "budget", "330521", "assessed", 0, 0, 0, 0, "no subjects")]
    v = values.set_index("subject_id")
    assert list(v.index) == ["r1", "r2", "r3", "r4", "r5"]
    assert list(v["level"]) == ["alert", "warning", "alert", "ok", "info"]
    assert list(v.loc[["r1", "r2", "r3"], "threshold"]) == [20.0, 10.0, 20.0]
    assert math.isnan(v.loc["r5", "threshold"])


def test_a_threshold_column_overrides_the_graded_threshold_where_it_is_a_number(declare) -> None:
    declare(result(subject_id=["a", "b", "c"], unit_code=["U1", "U1", "U1"], value=[25.0, 25.0, 15.0],
                   threshold=pd.Series([12.5, None, "n/a"], dtype=object)))
    f, _ = run_indicator(CODE, ctx_of(Rules(warning=10, alert=20)))
    assert {r["subject_id"]: (str(r["level"]), r["threshold"]) for r in f.to_dict("records")} == {
        "a": ("alert", 12.5), "b": ("alert", 20.0), "c": ("warning", 10.0)}


def test_an_unknown_level_is_refused_wherever_it_is(declare) -> None:
    declare(result(subject_id=["a", "b", "c"], unit_code=["U1"] * 3, value=[1.0, 2.0, 3.0],
                   level=["bogus", "alert", "zz"]))
    with pytest.raises(ValueError, match=re.escape(f"indicator {CODE}: unknown level(s) ['bogus', 'zz']")):
        run_indicator(CODE, ctx_of(Rules(warning=10)))


def test_a_categorical_level_column_with_an_unused_unknown_category_is_read(declare) -> None:
    declare(result(subject_id=["a", "b"], unit_code=["U1", "U1"], value=[1.0, 2.0],
                   level=pd.Categorical(["alert", None], categories=["alert", "n/a"])))
    f, _ = run_indicator(CODE, ctx_of(Rules(warning=10, alert=20)))
    assert [(r["subject_id"], str(r["level"]), r["threshold"]) for r in f.to_dict("records")] == [
        ("a", "alert", 20.0)]


def test_flag_levels_builds_forced_levels() -> None:
    lv = flag_levels([True, False, True], "warning")
    assert list(lv.categories) == ["ok", "warning"] and list(lv) == ["warning", "ok", "warning"]
    lv = flag_levels([True, False], None)  # graded by thresholds where hit
    assert list(lv.categories) == ["ok"] and pd.isna(lv[0]) and lv[1] == "ok"
    lv = flag_levels(np.array([False]), "ok")
    assert list(lv.categories) == ["ok"] and list(lv) == ["ok"]


# --------------------------------------------------------------------------- names, messages, evidence
def test_unit_and_region_names_and_their_fallbacks_in_both_languages(declare) -> None:
    template = "{unit_name}/{region_name}/{level}/{threshold:g}/{value:.1f}"
    declare(result(subject_id=["u1", "u2", "r", "x", "y", "z"],
                   unit_code=["U1", "U2", None, "U9", "U8", "U1"],
                   region_code=[None, None, "330500", "330521", "330599", "330521"],
                   value=[30.0] * 6), message_zh=template, message_en=template)
    f, a = run_indicator(CODE, ctx_of(Rules(warning=10, alert=20)))
    got = {r["subject_id"]: (r["unit_code"], r["region_code"], r["message_zh"], r["message_en"])
           for r in f.to_dict("records")}
    assert got == {
        # region from the unit; the English names where the data has them, else the Chinese
        "u1": ("U1", "330500", "财政局/湖州市/alert/20/30.0", "Finance Bureau/Huzhou/alert/20/30.0"),
        "u2": ("U2", "330521", "教育局/德清县/alert/20/30.0", "教育局/德清县/alert/20/30.0"),
        # a region-level subject: the "unit" is the region itself
        "r": ("", "330500", "湖州市/湖州市/alert/20/30.0", "Huzhou/Huzhou/alert/20/30.0"),
        # an unknown unit in a known region: named by its region
        "x": ("U9", "330521", "德清县/德清县/alert/20/30.0", "德清县/德清县/alert/20/30.0"),
        # the function's own region wins over the unit's
        "z": ("U1", "330521", "财政局/德清县/alert/20/30.0", "Finance Bureau/德清县/alert/20/30.0"),
        # an unknown unit in an unknown region: named by its code; the region has no name
        "y": ("U8", "330599", "U8//alert/20/30.0", "U8//alert/20/30.0"),
    }
    assert counts(a) == [(CODE, "budget", "330500", "assessed", 2, 2, 0, 2, ""),
                         (CODE, "budget", "330521", "assessed", 3, 3, 0, 3, ""),
                         (CODE, "budget", "330599", "assessed", 1, 1, 0, 1, "")]


def test_an_unknown_region_of_an_english_named_unit_keeps_the_units_name(declare) -> None:
    declare(result(subject_id=["a"], unit_code=["U9"], region_code=["330500"], value=[30.0]),
            message_zh="{unit_name}", message_en="{unit_name}")
    f, _ = run_indicator(CODE, ctx_of(Rules(alert=20)))
    assert (f["message_zh"].iloc[0], f["message_en"].iloc[0]) == ("湖州市", "Huzhou")


def test_region_codes_given_as_numbers_are_text(declare) -> None:
    declare(result(subject_id=["a", "b"], unit_code=["U9", "U8"], region_code=[330500, 330521],
                   value=[30.0, 5.0]), message_zh="{region_name}", message_en="{region_name}")
    f, a = run_indicator(CODE, ctx_of(Rules(alert=20)))
    assert [(r["subject_id"], r["region_code"], r["message_zh"], r["message_en"]) for r in f.to_dict("records")] == [
        ("a", "330500", "湖州市", "Huzhou")]
    assert counts(a) == [(CODE, "budget", "330500", "assessed", 1, 1, 0, 1, ""),
                         (CODE, "budget", "330521", "assessed", 1, 0, 0, 0, "")]


def test_numbers_dates_and_missing_fields_in_messages(declare) -> None:
    zh = "{unit_name}：{paid:%Y-%m-%d}付款{amount:,.2f}元，{note}，编号{Ref:>5}，区间{band}"
    en = "{unit_name}: paid {paid:%Y-%m-%d}, {amount:,.2f} yuan, {note}, ref {Ref:>5}, band {band}"
    declare(result(subject_id=["a", "b"], unit_code=["U1", "U2"], value=[30.0, 30.0],
                   paid=pd.to_datetime(["2026-06-01 10:30", None]), amount=[1234.5678912, np.nan],
                   note=pd.Series(["备注", None], dtype="str"), Ref=["AB", "CD"]),
            message_zh=zh, message_en=en)
    f, _ = run_indicator(CODE, ctx_of(Rules(alert=20, band=[1, 2])))  # a parameter is a field too
    got = {r["subject_id"]: (r["message_zh"], r["message_en"]) for r in f.to_dict("records")}
    assert got["a"] == ("财政局：2026-06-01付款1,234.57元，备注，编号   AB，区间[1, 2]",
                        "Finance Bureau: paid 2026-06-01, 1,234.57 yuan, 备注, ref    AB, band [1, 2]")
    # a missing field reads as empty text whatever its format (a date, a number, text: never "nan"); the
    # other fields keep their formats (a list is not missing)
    assert got["b"] == ("教育局：付款元，，编号   CD，区间[1, 2]", "教育局: paid ,  yuan, , ref    CD, band [1, 2]")


def test_text_where_a_message_formats_a_number_is_written_without_formats(declare) -> None:
    # "待定" cannot take ",.2f": that message is written with its fields plain, missing ones empty
    declare(result(subject_id=["a", "b"], unit_code=["U1", "U2"], value=[30.0, 30.0],
                   amount=pd.Series(["待定", None], dtype=object), rate=[0.123456, 0.5]),
            message_zh="{unit_name}：{amount:,.2f}元，{rate:.1%}", message_en="{unit_name}: {amount:,.2f}, {rate:.1%}")
    f, _ = run_indicator(CODE, ctx_of(Rules(alert=20)))
    got = {r["subject_id"]: (r["message_zh"], r["message_en"]) for r in f.to_dict("records")}
    assert got == {"a": ("财政局：待定元，0.123456", "Finance Bureau: 待定, 0.123456"),
                   "b": ("教育局：元，50.0%", "教育局: , 50.0%")}


def test_parameters_are_message_fields(declare) -> None:
    declare(result(subject_id=["a"], unit_code=["U1"], value=[30.0]),
            message_zh="{value:g}超过{alert}（窗口{window}天）", message_en="{value:g} over {alert} ({window} days)",
            params={"window": Param("days", Interval(Real, 0, None))})
    f, _ = run_indicator(CODE, ctx_of(Rules(alert=20, window=7)))
    assert (f["message_zh"].iloc[0], f["message_en"].iloc[0]) == ("30超过20（窗口7天）", "30 over 20 (7 days)")


def test_a_message_field_that_is_not_a_column_is_an_error_naming_it(declare) -> None:
    declare(result(subject_id=["a"], unit_code=["U1"], value=[30.0]), message_zh="{nope}")
    with pytest.raises(KeyError, match=re.escape(f"indicator {CODE}: message field 'nope' is not a column of "
                                                 "its result")):
        run_indicator(CODE, ctx_of(Rules(alert=20)))


def test_an_english_message_field_that_is_not_a_column_is_an_error_naming_it(declare) -> None:
    declare(result(subject_id=["a"], unit_code=["U1"], value=[30.0]), message_en="{gone}")
    with pytest.raises(KeyError, match=re.escape(f"indicator {CODE}: message field 'gone' is not a column of "
                                                 "its result")):
        run_indicator(CODE, ctx_of(Rules(alert=20)))


class Yuan(float):
    """A float subclass that is not a numpy scalar (e.g. a Decimal-like money type)."""


def test_evidence_is_json_safe_and_deterministic(declare) -> None:
    ev = {
        "ids": np.array(["P1", "P2"]), "n": np.int64(2), "share": np.float64(0.123456789), "bad": float("nan"),
        "neg": -math.inf, "pos": math.inf, "fine": 0.12345678, "when": pd.Timestamp("2026-06-01"),
        "at": pd.Timestamp("2026-06-01 10:30"), "min": pd.Timestamp("2026-06-01 00:01"),
        "sec": pd.Timestamp("2026-06-01 00:00:05"), "hour": pd.Timestamp("2026-06-01 01:00"),
        "day": date(2026, 6, 1), "na": pd.NA, "nat": pd.NaT, "flag": True, "text": "文本",
        "nested": {1: (np.int32(1), 2.5)}, "yuan": Yuan(2.1234567), "amount": 99.0,
    }
    declare(result(subject_id=["a", "b"], unit_code=["U1", "U2"], value=[30.0, 30.0], evidence=[ev, None],
                   paid=pd.to_datetime(["2026-06-01 10:30", None]), amount=[1234.5678912, np.nan],
                   note=pd.Series(["备注", None], dtype="str"), count=[3, 4]),
            evidence=("paid", "amount", "note", "count"))
    f, _ = run_indicator(CODE, ctx_of(Rules(alert=20)))
    got = {r["subject_id"]: r["evidence"] for r in f.to_dict("records")}
    expected_a = {
        "ids": ["P1", "P2"], "n": 2, "share": 0.123457, "bad": None, "neg": None, "pos": None, "fine": 0.123457,
        "when": "2026-06-01", "at": "2026-06-01T10:30:00", "min": "2026-06-01T00:01:00",
        "sec": "2026-06-01T00:00:05", "hour": "2026-06-01T01:00:00", "day": "2026-06-01", "na": None,
        "nat": None, "flag": True, "text": "文本", "nested": {"1": [1, 2.5]}, "yuan": 2.123457,
        "amount": 99.0,  # the function's own evidence wins over the column
        "paid": "2026-06-01", "note": "备注", "count": 3,  # the declared columns; dates as days
    }
    assert json.loads(got["a"]) == expected_a
    assert got["a"] == json.dumps(expected_a, sort_keys=True, ensure_ascii=False)
    # missing values of the declared columns are left out
    assert got["b"] == '{"count": 4}'


def test_float_rounding_in_evidence_is_to_six_decimals(declare) -> None:
    declare(result(subject_id=["a"], unit_code=["U1"], value=[30.0], evidence=[{"x": 0.12345678, "y": 1.0000004}]))
    f, _ = run_indicator(CODE, ctx_of(Rules(alert=20)))
    assert f["evidence"].iloc[0] == '{"x": 0.123457, "y": 1.0}'


# --------------------------------------------------------------------------------- amount at risk, ids
def test_the_amount_at_risk_is_the_declared_column_in_cents(declare) -> None:
    declare(result(subject_id=["a", "b", "c", "d"], unit_code=["U1"] * 4, value=[30.0] * 4,
                   owed=pd.Series([1234.567, "n/a", None, math.inf], dtype=object)),
            at_risk="owed", at_risk_rule="the amount owed")
    f, _, _ = measure_and_grade(CODE, ctx_of(Rules(alert=20)), finalized=False)
    assert f["amount_at_risk"].dtype == "float64"
    assert f["amount_at_risk"].iloc[0] == 1234.57 and f["amount_at_risk"].iloc[1:].isna().all()


def test_an_undeclared_amount_is_nan_and_a_missing_column_an_error(declare) -> None:
    declare(result(subject_id=["a"], unit_code=["U1"], value=[30.0]))
    f, _, _ = measure_and_grade(CODE, ctx_of(Rules(alert=20)), finalized=False)
    assert f["amount_at_risk"].dtype == "float64" and f["amount_at_risk"].isna().all()
    REGISTRY.pop(CODE)
    declare(result(subject_id=["a"], unit_code=["U1"], value=[30.0]), at_risk="owed", at_risk_rule="owed")
    with pytest.raises(ValueError, match=re.escape(f"indicator {CODE}: its result lacks the column 'owed' "
                                                   "declared as at_risk")):
        run_indicator(CODE, ctx_of(Rules(alert=20)))


def test_unfinalised_findings_have_text_ids_and_an_ordered_level(declare) -> None:
    declare(result(subject_id=[7, 8], region_code=[None, "330500"], value=[30.0, 15.0], period=[2026, 2026],
                   subject_type=["region", None]))
    f, a, _ = measure_and_grade(CODE, ctx_of(Rules(warning=10, alert=20)), finalized=False)
    assert "priority" not in f.columns  # ranked when the caller finalises the findings of many runs
    assert f["level"].dtype == LEVEL_DTYPE
    assert list(f["subject_id"]) == ["7", "8"] and list(f["period"]) == ["2026", "2026"]
    assert list(f["unit_code"]) == ["", ""] and list(f["region_code"]) == ["", "330500"]
    assert list(f["subject_type"]) == ["region", "unit"] and list(f["value_unit"]) == ["ratio", "ratio"]
    assert list(f["finding_id"]) == [fid("region", "7"), fid("unit", "8")]
    # a subject without a unit or a region counts in the region ""
    assert counts(a) == [(CODE, "budget", "", "assessed", 1, 1, 0, 1, ""),
                         (CODE, "budget", "330500", "assessed", 1, 1, 1, 0, ""),
                         (CODE, "budget", "330521", "assessed", 0, 0, 0, 0, "no subjects")]


# ------------------------------------------------------------------------------------- not assessed
def test_a_function_that_returns_nothing_assesses_no_subject(declare) -> None:
    for returned in (None, pd.DataFrame()):
        REGISTRY.pop(CODE, None)
        declare(lambda ctx, p, r=returned: r)
        f, a, values = measure_and_grade(CODE, ctx_of(Rules(alert=20)))
        assert f.empty and values.empty
        assert counts(a) == [(CODE, "budget", "330500", "assessed", 0, 0, 0, 0, "no subjects"),
                             (CODE, "budget", "330521", "assessed", 0, 0, 0, 0, "no subjects")]


def test_a_result_without_a_required_column_is_an_error_naming_it(declare) -> None:
    declare(lambda ctx, p: pd.DataFrame({"subject_id": ["a"], "value": [1.0]}))
    with pytest.raises(ValueError, match=re.escape(f"indicator {CODE}: its result lacks the column 'period'")):
        run_indicator(CODE, ctx_of(Rules(alert=20)))


def test_not_assessed_by_the_function_and_for_missing_inputs(declare) -> None:
    def refuse(ctx: ScanContext, p: dict[str, Any]) -> pd.DataFrame:
        raise NotAssessed("too few rows")

    declare(refuse)
    f, a = run_indicator(CODE, ctx_of(Rules(alert=20)))
    assert f.empty
    assert counts(a) == [(CODE, "budget", "330500", "not_assessed", None, None, None, None, "too few rows"),
                         (CODE, "budget", "330521", "not_assessed", None, None, None, None, "too few rows")]
    # no regions and no units: one row for the whole scan
    f, a = run_indicator(CODE, ctx_of(Rules(alert=20), tables={}))
    assert counts(a) == [(CODE, "budget", "", "not_assessed", None, None, None, None, "missing table: units")]


def test_regions_where_nothing_was_measured_get_the_rows_reasons(declare) -> None:
    # a value that is not a number is not measured; an empty or missing reason is no reason
    declare(result(subject_id=list("abcdefgh"), unit_code=["U1", "U1", "U2", "U2", "U2", "U2", "U2", "U2"],
                   value=pd.Series([5.0, np.nan, np.nan, np.nan, np.nan, "n/a", np.nan, np.nan], dtype=object),
                   reason=[None, "gap", "b reason", "a reason", "a reason", "c unreadable", "", None]))
    _, a = run_indicator(CODE, ctx_of(Rules(alert=20)))
    assert counts(a) == [(CODE, "budget", "330500", "assessed", 1, 0, 0, 0, ""),
                         (CODE, "budget", "330521", "assessed", 0, 0, 0, 0, "a reason; b reason; c unreadable")]


# ----------------------------------------------------------------------------------------- catalogue
DECLARED = {"warning": Param("warning", Band()), "alert": Param("alert", Interval(Real, 0, None)),
            "window": Param("days", Interval(Real, 0, None)), "levels": Param("levels", Interval(Real, 0, None))}


def test_the_catalogue_row_of_an_indicator(declare) -> None:
    declare(result(subject_id=["a"], value=[1.0]), params=DECLARED,
            reads={"units": ["unit_code", "name"], "regions": ("region_code",)})
    cat = catalogue(Rules(warning=[0.9, 1.1], alert=20.0, window=3))
    assert list(cat.columns) == ["code", "module", "name_zh", "name_en", "subject_type", "grade", "value_unit",
                                 "warning", "alert", "reads", "parameters", "source", "why_zh", "why_en"]
    assert list(cat["code"]) == sorted(REGISTRY)
    assert cat.set_index("code").loc[CODE].to_dict() == {
        "module": "budget", "name_zh": "测试指标", "name_en": "Test indicator", "subject_type": "unit",
        "grade": "ge", "value_unit": "ratio", "warning": "[0.9, 1.1]", "alert": "20",
        "reads": "units.unit_code, units.name, regions.region_code", "parameters": "window=3, levels",
        "source": "the tests", "why_zh": "测试", "why_en": "a test",
    }
    # the other indicators have no params here: no thresholds, their parameters by name
    other = cat.set_index("code").loc["PAY01"]
    assert (other["warning"], other["alert"]) == ("", "")


@pytest.mark.parametrize(("threshold", "text"), [
    (None, ""), ([0.25, 1], "[0.25, 1]"), ((1e-05, 1234567.0), "[1e-05, 1.23457e+06]"), (20, "20"),
    (0.30000000000000004, "0.3"), (1234567.0, "1.23457e+06"), ("high", "high"),
])
def test_threshold_text(declare, threshold: Any, text: str) -> None:
    declare(result(subject_id=["a"], value=[1.0]))
    rules = Rules() if threshold is None else Rules(warning=threshold)
    assert catalogue(rules).set_index("code").loc[CODE, "warning"] == text


def test_the_catalogue_without_any_params(declare, monkeypatch) -> None:
    def unreadable() -> None:
        raise OSError("no params file")

    monkeypatch.setattr("fiscalrisk.params.resolve", unreadable)
    declare(result(subject_id=["a"], value=[1.0]), params=DECLARED)
    row = catalogue().set_index("code").loc[CODE]
    assert (row["warning"], row["alert"], row["parameters"]) == ("", "", "window, levels")


# --------------------------------------------------------------------------------------- declaration
def test_a_declaration_registers_every_field(declare) -> None:
    def measure(ctx: ScanContext, p: dict[str, Any]) -> pd.DataFrame:
        """The page of the indicator."""
        return pd.DataFrame()

    def check(p: Any) -> list:
        return []

    spec = declare(measure, module="payments", subject_type="payment", reads={"payments": ["amount", "pay_date"]},
                   grade="le", params={"cap": Param("a cap", Interval(Real, 0, None))}, check=check,
                   evidence=["amount"], sections=["time_progress"], money=["cap"], value_unit="money",
                   at_risk="amount", at_risk_rule="  the payment's amount  ")
    assert measure.spec is spec
    assert spec.func is measure
    assert (spec.code, spec.module, spec.subject_type, spec.name_zh, spec.name_en, spec.grade, spec.why_zh,
            spec.why_en, spec.source, spec.message_zh, spec.message_en) == (
        CODE, "payments", "payment", "测试指标", "Test indicator", "le", "测试", "a test", "the tests",
        MESSAGE_ZH, MESSAGE_EN)
    assert spec.reads == {"payments": ("amount", "pay_date")}
    assert spec.params == {"cap": Param("a cap", Interval(Real, 0, None))} and type(spec.params) is dict
    assert spec.check is check
    assert (spec.doc, spec.page) == ("", "The page of the indicator.")
    assert (spec.evidence, spec.sections, spec.money) == (("amount",), ("time_progress",), ("cap",))
    assert (spec.value_unit, spec.at_risk, spec.at_risk_rule) == ("money", "amount", "the payment's amount")
    assert spec.direction == "lower"
    assert f"indicators.{CODE}.cap" in money_paths()


def test_a_declared_doc_is_the_page_and_the_defaults_are_empty(declare) -> None:
    spec = declare(result(subject_id=["a"], value=[1.0]), doc="Line one.\n\nMore.")
    assert (spec.doc, spec.page) == ("Line one.\n\nMore.", "Line one.\n\nMore.")
    assert (spec.params, spec.check, spec.evidence, spec.sections, spec.money, spec.at_risk) == (
        {}, None, (), (), (), None)


MODULES_TEXT = "budget, payments, procurement, contracts, projects, assets, seals, outturn, anomaly, control, performance"
SUBJECTS_TEXT = "payment, budget_line, contract, procurement, project, asset, seal_event, unit, region, vendor, target"


@pytest.mark.parametrize(("changes", "message"), [
    ({"code": "pay01"}, "indicator code 'pay01': expected three capitals and two digits, e.g. PAY01"),
    ({"module": "health"}, f"indicator {CODE}: module 'health' is not one of {MODULES_TEXT}"),
    ({"subject_type": "person"}, f"indicator {CODE}: subject_type 'person' is not one of {SUBJECTS_TEXT}"),
    ({"grade": "between"}, f"indicator {CODE}: grade 'between' is not one of ge, gt, le, lt, outside, flag"),
    ({"reads": {}}, f"indicator {CODE}: declare the tables and columns it reads"),
    ({"params": {"level": "the level"}},
     f"indicator {CODE}: declare parameter(s) ['level'] as Param(description, constraint)"),
    ({"money": ("cap",), "params": {"limit": Param("a limit", Interval(Real, 0, None))}},
     f"indicator {CODE}: money parameter(s) ['cap'] are not among its declared params"),
    ({"money": ("cap",)}, f"indicator {CODE}: money parameter(s) ['cap'] are not among its declared params"),
])
def test_a_bad_declaration_is_refused_before_the_function(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message) + "$"):
        indicator(**{**BASE, **changes})
    assert CODE not in REGISTRY


@pytest.mark.parametrize(("changes", "message"), [
    ({"value_unit": "furlongs"},
     f"indicator {CODE}: value_unit must be one of ratio, pp, money, days, years, count, score, z, index, hour, "
     "flag (what a finding's value and threshold are, so they are shown with their unit); got 'furlongs'"),
    ({"at_risk_rule": "   "},
     f"indicator {CODE}: declare at_risk_rule, the amount at risk of a finding in words (or why there is none)"),
])
def test_a_bad_declaration_is_refused_when_the_function_is_registered(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message) + "$"):
        indicator(**{**BASE, **changes})(result(subject_id=["a"], value=[1.0]))
    assert CODE not in REGISTRY


def test_the_amount_at_risk_rule_has_no_default() -> None:
    decl = {k: v for k, v in BASE.items() if k != "at_risk_rule"}
    with pytest.raises(ValueError, match="declare at_risk_rule"):
        indicator(**decl)(result(subject_id=["a"], value=[1.0]))
    assert CODE not in REGISTRY


def test_money_parameters_among_the_declared_ones_are_accepted_and_a_duplicate_refused(declare) -> None:
    def first(ctx: ScanContext, p: dict[str, Any]) -> pd.DataFrame:
        return pd.DataFrame()

    spec = declare(first, money=("cap",), params={"cap": Param("a cap", Interval(Real, 0, None))})
    assert spec.money == ("cap",)
    with pytest.raises(ValueError, match=re.escape(f"indicator {CODE} is already registered by "
                                                   f"{first.__module__}.{first.__qualname__}") + "$"):
        indicator(**BASE)(result(subject_id=["a"], value=[1.0]))
    assert REGISTRY[CODE] is spec


def test_specs_of_a_module() -> None:
    pay = specs("payments")
    assert pay and all(s.module == "payments" for s in pay)
    assert [s.code for s in pay] == sorted(c for c, s in REGISTRY.items() if s.module == "payments")


def test_money_paths_are_sorted_and_include_the_modules() -> None:
    paths = money_paths()
    assert paths == sorted(paths)
    assert {"modules.procurement.decentralised_limits", "modules.procurement.open_tender_limits"} <= set(paths)
    assert CATALOGUE.money_paths() == paths


# ------------------------------------------------------------------------------ declared parameters
def test_a_threshold_not_declared_takes_its_pairs_declaration(declare) -> None:
    lone_alert, single, x = (Param("alert", Interval(Real, 0, None)), Param("single", Interval(Real, 0, 1)),
                             Param("x", Interval(Real, 0, 5)))
    spec = declare(result(subject_id=["a"], value=[1.0]),
                   params={"alert": lone_alert, "single_warning": single, "x": x})
    assert spec.param("alert") is lone_alert and spec.param("warning") is lone_alert
    assert spec.param("single_warning") is single and spec.param("single_alert") is single
    assert spec.param("x") is x
    assert spec.param("y") is None and spec.param("other_alert") is None and spec.param("xalert") is None
    assert CATALOGUE.constraint(CODE, "warning") == Interval(Real, 0, None)
    assert CATALOGUE.constraint(CODE, "single_alert") == Interval(Real, 0, 1)
    assert CATALOGUE.constraint(CODE, "y") is None and CATALOGUE.constraint("QQQ99", "warning") is None
    REGISTRY.pop(CODE)
    spec = declare(result(subject_id=["a"], value=[1.0]), params={"warning": x, "single_alert": single})
    assert spec.param("alert") is x and spec.param("single_warning") is single


# ----------------------------------------------------------------------------------- budget-line ids
def test_line_ids_with_and_without_project_codes() -> None:
    df = pd.DataFrame({"year": pd.array([2026, 2025], dtype="Int64"), "unit_code": ["U1", "U2"],
                       "function_code": ["2050101", "2080101"], "economic_code": ["30201", "30101"],
                       "project_code": pd.Series([None, "P7"], dtype="str")})
    assert list(line_id(df)) == ["2026|U1|2050101|30201|", "2025|U2|2080101|30101|P7"]
    assert list(line_id(df.drop(columns="project_code"))) == ["2026|U1|2050101|30201|", "2025|U2|2080101|30101|"]
    assert list(line_id(df.rename(columns={"year": "budget_year"}), "budget_year"))[1] == "2025|U2|2080101|30101|P7"


# ------------------------------------------------------------------------------------- scan context
def test_has_with_params_and_memo() -> None:
    ctx = ScanContext(tables={"a": UNITS, "b": None}, as_of=pd.Timestamp("2026-06-30"), params="p1")
    assert (ctx.has("a"), ctx.has("b"), ctx.has("c")) == (True, False, False)
    assert ctx.with_params("p1") is ctx
    other = ctx.with_params("p2")
    assert (other.params, ctx.params) == ("p2", "p1")
    assert other.tables is ctx.tables and other.cache is ctx.cache and other.as_of == ctx.as_of
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return f"value {len(calls)}"

    assert ctx.memo("x", 1, compute) == "value 1"
    assert other.memo("x", 1, compute) == "value 1" and len(calls) == 1  # shared, key unchanged
    assert ctx.memo("x", 2, compute) == "value 2" and len(calls) == 2  # the key changed
    assert ctx.memo("y", 2, compute) == "value 3"  # another name
    assert ctx.memo("x", 2, compute) == "value 2" and len(calls) == 3
    assert ctx.cache["x"] == (2, "value 2")


def test_the_shared_derived_tables_are_kept_apart() -> None:
    ctx = ctx_of()
    assert ctx.unit_region.to_dict() == {"U1": "330500", "U2": "330521"}
    assert ctx.unit_name.to_dict() == {"U1": "财政局", "U2": "教育局"}
    assert ctx.region_name_en.to_dict() == {"330500": "Huzhou", "330521": "德清县"}
    assert ctx.region_codes == ["330500", "330521"]


def test_fiscal_months_follow_the_fiscal_year_start() -> None:
    ctx = ScanContext(tables={}, as_of=pd.Timestamp("2026-03-31"),
                      params={"calendar": {"fiscal_year_start_month": 4}})
    assert ctx.fiscal_month(pd.Timestamp("2026-04-15")) == 1 and ctx.fiscal_month(pd.Timestamp("2026-03-15")) == 12
    assert ctx.year == 2025


def test_values_keep_the_results_columns_with_the_grade(declare) -> None:
    declare(result(subject_id=["a", "b", "c"], unit_code=["U1", "U1", "U2"], value=[25.0, 5.0, 15.0],
                   level=[None, "warning", None], threshold=[None, 7.0, None],
                   subject_type=["region", None, None]))
    _, _, values = measure_and_grade(CODE, ctx_of(Rules(warning=10, alert=20)))
    assert list(values.columns) == ["indicator", "subject_id", "unit_code", "value", "subject_type", "period",
                                    "region_code", "threshold", "level"]
    assert values.drop(columns="value").to_dict("records") == [
        {"indicator": CODE, "subject_id": "a", "unit_code": "U1", "subject_type": "region", "period": "2026",
         "region_code": "330500", "threshold": 20.0, "level": "alert"},
        {"indicator": CODE, "subject_id": "b", "unit_code": "U1", "subject_type": "unit", "period": "2026",
         "region_code": "330500", "threshold": 7.0, "level": "warning"},
        {"indicator": CODE, "subject_id": "c", "unit_code": "U2", "subject_type": "unit", "period": "2026",
         "region_code": "330521", "threshold": 10.0, "level": "warning"},
    ]


def test_the_values_of_event_subjects_only_when_asked(declare) -> None:
    declare(result(subject_id=["P1", "P2"], unit_code=["U1", "U2"], value=[25.0, 5.0]), subject_type="payment")
    ctx = ctx_of(Rules(alert=20))
    assert measure_and_grade(CODE, ctx)[2].empty
    assert measure_and_grade(CODE, ctx, events=False)[2].empty
    values = measure_and_grade(CODE, ctx, events=True)[2]
    assert list(values["subject_id"]) == ["P1", "P2"] and list(values["level"]) == ["alert", "ok"]
    assert list(values["subject_type"]) == ["payment", "payment"]


def test_a_value_exactly_at_the_edge_of_the_tolerance_is_on_the_threshold() -> None:
    # the tolerance at 10 is e = 1e-11: t − e and t + e are still "on" the threshold
    t, e = 10.0, 1e-12 * 10.0
    on = np.array([t - e, t + e])
    assert list(grade_values(on, "ge", t, None)[0]) == ["warning", "warning"]
    assert list(grade_values(on, "gt", t, None)[0]) == ["ok", "ok"]
    assert list(grade_values(on, "le", t, None)[0]) == ["warning", "warning"]
    assert list(grade_values(on, "lt", t, None)[0]) == ["ok", "ok"]
    lo, hi = 0.9, 1.1
    edge = np.array([lo - 1e-12 * 1.0, hi + 1e-12 * hi])
    assert list(grade_values(edge, "outside", [lo, hi], None)[0]) == ["ok", "ok"]


def test_grade_codes_are_positions_in_the_levels() -> None:
    from fiscalrisk.indicators.registry import grade_codes

    codes, thr = grade_codes(np.array([5.0, 15.0, 25.0]), "ge", 10, 20)
    assert list(codes) == [0, 2, 3] and codes.dtype == np.int8
    with pytest.raises(ValueError, match=re.escape("indicator : threshold alert must be a [low, high] band, got 2")):
        grade_codes(np.array([1.0]), "outside", None, 2)


def test_missing_inputs_are_all_named(declare) -> None:
    declare(result(subject_id=["a"], value=[1.0]), reads={"budget": ("year",), "contracts": ("contract_id",)})
    _, a = run_indicator(CODE, ctx_of())
    assert set(a["reason"]) == {"missing table: budget, contracts"}
    REGISTRY.pop(CODE)
    declare(result(subject_id=["a"], value=[1.0]), reads={"units": ("unit_code", "x", "y"), "regions": ("z",)})
    _, a = run_indicator(CODE, ctx_of())
    assert set(a["reason"]) == {"missing column: units.x, units.y, regions.z"}
    REGISTRY.pop(CODE)
    declare(result(subject_id=["a"], value=[1.0]), reads={"units": ("unit_code",), "regions": ("name",)})
    _, a = run_indicator(CODE, ctx_of(tables={"units": UNITS.iloc[0:0], "regions": REGIONS.iloc[0:0]}))
    assert counts(a) == [(CODE, "budget", "", "not_assessed", None, None, None, None, "empty table: units, regions")]


def test_an_unknown_code_names_the_close_ones(declare) -> None:
    from fiscalrisk.indicators.registry import get

    for code in ("ZZZ01", "ZZZ02", "ZZZ03", "ZZZ04"):
        declare(result(subject_id=["a"], value=[1.0]), code=code)
    with pytest.raises(KeyError) as e:
        get("ZZZ0")
    m = re.fullmatch(r"unknown indicator 'ZZZ0'; did you mean (ZZZ0\d), (ZZZ0\d), (ZZZ0\d)\?", e.value.args[0])
    assert m and len(set(m.groups())) == 3
    with pytest.raises(KeyError) as e:
        get("QQQ99")
    assert e.value.args[0] == "unknown indicator 'QQQ99'"


def test_the_catalogue_of_the_parameter_checks(declare) -> None:
    def check(p: Any) -> list:
        return []

    declare(result(subject_id=["a"], value=[1.0]), grade="le", check=check)
    assert CATALOGUE.check(CODE) is check and CATALOGUE.check("QQQ99") is None
    assert CATALOGUE.direction(CODE) == "lower" and CATALOGUE.direction("QQQ99") == "higher"
    assert CODE in CATALOGUE.codes()


def test_without_params_an_indicator_receives_its_declared_defaults_only(declare) -> None:
    from fiscalrisk.indicators.registry import indicator_params

    spec = declare(result(subject_id=["a"], value=[1.0]))
    assert dict(indicator_params(spec, None)) == {}


def test_the_value_in_a_message_is_the_graded_number(declare) -> None:
    # a value given as text is read as a number, and the message formats that number
    declare(result(subject_id=["a"], unit_code=["U1"], value=pd.Series(["30.5"], dtype=object)),
            message_zh="{value:.2f}", message_en="{value:.2f}")
    f, _ = run_indicator(CODE, ctx_of(Rules(alert=20)))
    assert (f["value"].iloc[0], f["message_zh"].iloc[0], f["message_en"].iloc[0]) == (30.5, "30.50", "30.50")


@pytest.mark.parametrize("name", ["evidence", "_level", "_threshold", "_value"])
def test_the_evidence_and_the_registrys_working_columns_are_not_message_fields(declare, name: str) -> None:
    declare(result(subject_id=["a"], unit_code=["U1"], value=[30.0], evidence=[{"n": 1}]),
            message_zh="{" + name + "}")
    with pytest.raises(KeyError, match=re.escape(f"indicator {CODE}: message field '{name}' is not a column of "
                                                 "its result")):
        run_indicator(CODE, ctx_of(Rules(alert=20)))
