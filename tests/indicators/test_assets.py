"""AST01–AST02: a hand-made asset register, run through the registry."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from fiscalrisk.indicators import run_indicator
from fiscalrisk.params import resolve
from fiscalrisk.scan import make_context

from ._tables import typed

REGIONS = typed(
    "regions", [{"region_code": "330502104", "name": "织里镇", "level": "township", "parent_code": None}]
)
UNITS = typed(
    "units",
    [{"unit_code": f"U{i}", "name": f"织里镇单位{i}", "region_code": "330502104"} for i in range(1, 7)],
)


def asset(aid: str, unit: str, category: str, acquired: str, value: float, status: str = "in_use") -> dict:
    return {
        "asset_id": aid,
        "unit_code": unit,
        "category": category,
        "acquired_date": acquired,
        "original_value": value,
        "status": status,
    }


def run(code: str, assets: list[dict[str, Any]], as_of: str = "2025-12-31"):
    ctx = make_context(
        {"regions": REGIONS, "units": UNITS, "assets": typed("assets", assets)},
        pd.Timestamp(as_of),
        resolve(),
    )
    return run_indicator(code, ctx)


def levels(findings: pd.DataFrame) -> dict[str, str]:
    return dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True))


# ---------------------------------------------------------------------------------------- AST01
AST01_FIXTURE = [
    # U1: 50,000 of idle computers, 40,000 of new ones → idle ≥ new: alert
    asset("a1", "U1", "A020102", "2022-01-01", 50_000, "idle"),
    asset("a2", "U1", "A020102", "2025-06-01", 40_000),
    # U2: 100,000 idle vehicle, 300,000 new vehicle → warning; new furniture without idle: no matter
    asset("b1", "U2", "A020305", "2020-05-01", 100_000, "idle"),
    asset("b2", "U2", "A020305", "2025-03-01", 300_000),
    asset("b3", "U2", "C01", "2025-02-01", 10_000),
    # U3: a batch bought on one day with one piece idle is not "buying while idle"
    asset("c1", "U3", "A020102", "2025-05-01", 8_000, "idle"),
    asset("c2", "U3", "A020102", "2025-05-01", 8_000),
    # U4: idle since a purchase early in the window, bought again later: idle 20,000 vs new 20,000
    asset("d1", "U4", "A020102", "2025-01-15", 20_000, "idle"),
    asset("d2", "U4", "A020102", "2025-08-01", 20_000),
    # U5: bought exactly twelve months before as_of (outside the window); disposed is not idle
    asset("e1", "U5", "A020102", "2021-01-01", 30_000, "idle"),
    asset("e2", "U5", "A020102", "2024-12-31", 30_000),
    asset("e3", "U5", "A020201", "2021-01-01", 30_000, "disposed"),
    asset("e4", "U5", "A020201", "2025-03-01", 30_000),
    # U6: a zero-value transfer in is not a purchase
    asset("f1", "U6", "A020102", "2021-01-01", 30_000, "idle"),
    asset("f2", "U6", "A020102", "2025-03-01", 0.0),
]


def test_ast01_buying_while_idle_in_the_same_category():
    findings, assessed = run("AST01", AST01_FIXTURE)
    assert levels(findings) == {"U1": "alert", "U2": "warning", "U4": "alert"}
    f = findings.set_index("subject_id")
    assert f.loc["U1", "value"] == pytest.approx(1.25) and f.loc["U1", "period"] == "2025"
    assert f.loc["U2", "value"] == pytest.approx(1 / 3)
    ev = json.loads(f.loc["U4", "evidence"])["categories"]["A020102"]
    assert ev["idle_asset_ids"] == ["d1"] and ev["new_asset_ids"] == ["d2"]
    assert "A020305" in f.loc["U2", "message_zh"] and "300,000.00" in f.loc["U2", "message_zh"]
    assert int(assessed["assessed"].sum()) == 5  # U1–U5 bought something in the window; U6 only a transfer


def test_ast01_lookback_is_a_parameter():
    ctx = make_context(
        {"regions": REGIONS, "units": UNITS, "assets": typed("assets", AST01_FIXTURE)},
        pd.Timestamp("2025-12-31"),
        resolve(overrides={"indicators": {"AST01": {"lookback_months": 3}}}),
    )
    findings, _ = run_indicator("AST01", ctx)
    assert findings.empty


# ---------------------------------------------------------------------------------------- AST02
def test_ast02_idle_share_of_active_assets():
    findings, assessed = run(
        "AST02",
        [
            asset("a1", "U1", "A", "2020-01-01", 80_000),
            asset("a2", "U1", "A", "2020-01-01", 20_000, "idle"),
            asset("b1", "U2", "A", "2020-01-01", 60_000),
            asset("b2", "U2", "A", "2020-01-01", 40_000, "idle"),
            asset("c1", "U3", "A", "2020-01-01", 80_000.01),
            asset("c2", "U3", "A", "2020-01-01", 19_999.99, "idle"),
            asset("c3", "U3", "A", "2020-01-01", 500_000, "disposed"),
            asset("d1", "U4", "A", "2026-02-01", 10_000, "idle"),  # acquired after as_of
        ],
    )
    assert levels(findings) == {"U1": "warning", "U2": "alert"}
    f = findings.set_index("subject_id")
    assert f.loc["U1", "value"] == pytest.approx(0.20) and f.loc["U2", "threshold"] == 0.40
    assert "20.0%" in f.loc["U1", "message_zh"]
    assert int(assessed["assessed"].sum()) == 3


# ======================================================================================================
# Boundaries and exclusions: each threshold at, just below and just above it; the look-back window at its
# exact length and one day longer; the as_of day itself; each exclusion with a case where it changes the
# result. Parameters are moved through the context's ``indicators={CODE: {...}}`` overrides.
# ======================================================================================================
from . import _tables  # noqa: E402
from ._coverage import covers  # noqa: E402


def boundary_run(code: str, assets: list[dict[str, Any]], as_of: str = "2025-12-31",
                 params: dict[str, Any] | None = None):
    ctx = _tables.context({"units": UNITS, "assets": typed("assets", assets)}, as_of,
                          {code: params} if params else None)
    return _tables.run(code, ctx)


def graded(code: str, assets: list[dict[str, Any]], as_of: str = "2025-12-31",
           params: dict[str, Any] | None = None) -> dict[str, str]:
    return _tables.flagged(boundary_run(code, assets, as_of, params)[0])


# ---------------------------------------------------------------------------------------- AST01
def _idle_and_new(unit: str, idle: float, new: float, category: str = "A020102") -> list[dict[str, Any]]:
    return [asset(f"{unit}-idle", unit, category, "2022-01-01", idle, "idle"),
            asset(f"{unit}-new", unit, category, "2025-06-01", new)]


AST01_RATIOS = [
    *_idle_and_new("U1", 40_000, 40_000),       # 1.0: alert at the bound
    *_idle_and_new("U2", 39_999.99, 40_000),    # just below 1.0: warning
    *_idle_and_new("U3", 40_000.01, 40_000),    # just above
    *_idle_and_new("U4", 20_000, 40_000),       # 0.5
    *_idle_and_new("U5", 19_999.99, 40_000),    # just below 0.5
]


@covers("AST01", "warning", "alert")
def test_ast01_ratio_at_and_around_both_thresholds():
    assert graded("AST01", AST01_RATIOS) == {"U1": "alert", "U2": "warning", "U3": "alert", "U4": "warning",
                                             "U5": "warning"}
    # at 1 the warning coincides with the alert (a fractional warning: test_ast01_warning_ratio_takes_a_fraction)
    assert graded("AST01", AST01_RATIOS, params={"warning": 1}) == {"U1": "alert", "U3": "alert"}
    assert graded("AST01", AST01_RATIOS, params={"alert": 0.5}) == {
        "U1": "alert", "U2": "alert", "U3": "alert", "U4": "alert", "U5": "warning"}
    assert graded("AST01", AST01_RATIOS, params={"alert": 1.0000001}) == {
        "U1": "warning", "U2": "warning", "U3": "alert", "U4": "warning", "U5": "warning"}


@covers("AST01", "lookback_months")
def test_ast01_lookback_at_its_exact_length_and_one_day_longer():
    rows = [asset("i1", "U1", "A020102", "2020-01-01", 50_000, "idle"),
            asset("n1", "U1", "A020102", "2025-01-01", 40_000),     # first day of the 12 months to 31 Dec
            asset("i2", "U2", "A020102", "2020-01-01", 50_000, "idle"),
            asset("n2", "U2", "A020102", "2024-12-31", 40_000)]     # one day longer
    assert graded("AST01", rows) == {"U1": "alert"}
    assert graded("AST01", rows, params={"lookback_months": 13}) == {"U1": "alert", "U2": "alert"}
    assert graded("AST01", rows, params={"lookback_months": 11}) == {}


def test_ast01_purchase_on_as_of_counts_and_the_day_after_does_not():
    rows = [asset("i1", "U1", "A020102", "2020-01-01", 50_000, "idle"),
            asset("n1", "U1", "A020102", "2025-06-30", 40_000),
            asset("i2", "U2", "A020102", "2020-01-01", 50_000, "idle"),
            asset("n2", "U2", "A020102", "2025-07-01", 40_000)]
    findings, assessed = boundary_run("AST01", rows, as_of="2025-06-30")
    assert _tables.flagged(findings) == {"U1": "alert"}
    assert int(assessed["assessed"].sum()) == 1


def test_ast01_exclusions_change_the_result():
    rows = [
        # U1: the idle asset came a day before the purchase: idle stock while buying
        asset("a-idle", "U1", "A020102", "2025-05-31", 10_000, "idle"),
        asset("a-new", "U1", "A020102", "2025-06-01", 40_000),
        # U2: the same batch (same day): not idle when bought
        asset("b-idle", "U2", "A020102", "2025-06-01", 10_000, "idle"),
        asset("b-new", "U2", "A020102", "2025-06-01", 40_000),
        # U3: a disposed asset is not idle; a zero-value transfer in is not a purchase
        asset("c-gone", "U3", "A020102", "2020-01-01", 10_000, "disposed"),
        asset("c-new", "U3", "A020102", "2025-06-01", 40_000),
        asset("c-idle", "U3", "A020201", "2020-01-01", 10_000, "idle"),
        asset("c-gift", "U3", "A020201", "2025-06-01", 0.0),
        # U4: idle in another category is not "the same kind"
        asset("d-idle", "U4", "A020305", "2020-01-01", 10_000, "idle"),
        asset("d-new", "U4", "A020102", "2025-06-01", 40_000),
    ]
    findings, assessed = boundary_run("AST01", rows)
    assert _tables.flagged(findings) == {"U1": "warning"}
    assert findings["value"].iloc[0] == pytest.approx(0.25)
    # the idle asset bought in the window is idle stock, not counted among the purchases
    ev = json.loads(findings["evidence"].iloc[0])["categories"]["A020102"]
    assert ev["idle_asset_ids"] == ["a-idle"] and ev["new_asset_ids"] == ["a-new"]
    assert int(assessed["assessed"].sum()) == 4


def test_ast01_idle_assets_of_one_unit_do_not_count_for_another():
    rows = [asset("i1", "U1", "A020102", "2020-01-01", 50_000, "idle"),
            asset("n2", "U2", "A020102", "2025-06-01", 40_000)]
    findings, assessed = boundary_run("AST01", rows)
    assert findings.empty and int(assessed["assessed"].sum()) == 1


def test_ast01_cents_that_do_not_add_up_in_floats_reach_the_alert():
    rows = [asset("i1", "U1", "A020102", "2020-01-01", 10_000.10, "idle"),
            asset("i2", "U1", "A020102", "2021-01-01", 20_000.20, "idle"),
            asset("n1", "U1", "A020102", "2025-03-01", 30_000.30)]
    findings, _ = boundary_run("AST01", rows)
    assert _tables.flagged(findings) == {"U1": "alert"} and findings["value"].iloc[0] == 1.0


# ---------------------------------------------------------------------------------------- AST02
def _share(unit: str, in_use: float, idle: float) -> list[dict[str, Any]]:
    return [asset(f"{unit}-u", unit, "A", "2020-01-01", in_use), asset(f"{unit}-i", unit, "A", "2020-01-01",
                                                                        idle, "idle")]


AST02_SHARES = [
    *_share("U1", 80_000, 20_000),            # 0.20
    *_share("U2", 80_000.01, 19_999.99),      # just below 0.20
    *_share("U3", 60_000, 40_000),            # 0.40
    *_share("U4", 60_000.01, 39_999.99),      # just below 0.40
    *_share("U5", 59_999.99, 40_000.01),      # just above 0.40
]


@covers("AST02", "warning", "alert")
def test_ast02_share_at_and_around_both_thresholds():
    assert graded("AST02", AST02_SHARES) == {"U1": "warning", "U3": "alert", "U4": "warning", "U5": "alert"}
    assert graded("AST02", AST02_SHARES, params={"warning": 0.1999999}) == {
        "U1": "warning", "U2": "warning", "U3": "alert", "U4": "warning", "U5": "alert"}
    assert graded("AST02", AST02_SHARES, params={"warning": 0.4}) == {"U3": "alert", "U5": "alert"}
    assert graded("AST02", AST02_SHARES, params={"alert": 0.4000001}) == {
        "U1": "warning", "U3": "warning", "U4": "warning", "U5": "alert"}
    assert graded("AST02", AST02_SHARES, params={"alert": 0.2}) == {
        "U1": "alert", "U3": "alert", "U4": "alert", "U5": "alert"}


def test_ast02_acquired_on_as_of_counts_and_the_day_after_does_not():
    rows = [asset("u", "U1", "A", "2020-01-01", 70_000), asset("i-on", "U1", "A", "2025-06-30", 20_000, "idle"),
            asset("i-after", "U1", "A", "2025-07-01", 900_000, "idle"),
            asset("v-after", "U2", "A", "2025-07-01", 10_000, "idle")]
    findings, assessed = boundary_run("AST02", rows, as_of="2025-06-30")
    assert _tables.flagged(findings) == {"U1": "warning"}
    assert findings["value"].iloc[0] == pytest.approx(20 / 90)
    assert int(assessed["assessed"].sum()) == 1


def test_ast02_disposed_assets_and_other_units_stay_out():
    # U1: 20 % of its active stock is idle; a disposed asset of 1,000,000 would bring it to 1.8 %
    rows = [*_share("U1", 80_000, 20_000), asset("gone", "U1", "A", "2020-01-01", 1_000_000, "disposed"),
            asset("other", "U2", "A", "2020-01-01", 500_000, "idle")]
    findings, _ = boundary_run("AST02", rows)
    assert _tables.flagged(findings) == {"U1": "warning", "U2": "alert"}
    assert findings.set_index("subject_id").loc["U1", "value"] == pytest.approx(0.20)
    rows[1] = asset("U1-i", "U1", "A", "2020-01-01", 19_999.99, "idle")  # a cent less idle: below 20 %
    findings, _ = boundary_run("AST02", rows)
    assert _tables.flagged(findings) == {"U2": "alert"}


def test_ast01_warning_ratio_takes_a_fraction():
    assert graded("AST01", AST01_RATIOS, params={"warning": 0.5}) == {
        "U1": "alert", "U2": "warning", "U3": "alert", "U4": "warning"}


def test_ast02_share_of_exactly_twenty_percent_in_cents_warns():
    assert graded("AST02", _share("U1", 62_265.60, 15_566.40)) == {"U1": "warning"}
