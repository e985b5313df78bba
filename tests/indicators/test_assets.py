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
