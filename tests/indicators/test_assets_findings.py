"""AST01–AST02: every field of each finding — level, period, value, threshold, subject, unit, region, both
messages, the evidence and the amount at risk — written out by hand from the indicators' definitions for
a small asset register, not read back from the code.

``test_assets.py`` pins which units are flagged and at which level, and the thresholds at and around
their bounds; these pin what a finding says, which units are assessed in which region, the graded
values of the units that are not flagged (a scan output too), the period of a fiscal year that is not
the calendar year, and the result of the two functions when called directly (its columns whatever the
data, its rows in the order of the unit codes as text whatever the order of the register), and amounts
in cents near the data contract's limit, where float sums are not.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from fiscalrisk.indicators.assets import idle_share, idle_while_buying
from fiscalrisk.indicators.registry import measure_and_grade

from . import _tables
from ._tables import assessed_counts, finding_fields
from .test_assets import asset, typed

# five units over the three regions of _tables.regions(): 330500 湖州市, 330521 德清县, 330521102 乾元镇
UNITS = typed("units", [
    {"unit_code": "U1", "name": "德清县教育局", "region_code": "330521"},
    {"unit_code": "U2", "name": "湖州市财政局", "region_code": "330500"},
    {"unit_code": "U3", "name": "乾元镇人民政府", "region_code": "330521102"},
    {"unit_code": "U4", "name": "德清县卫生健康局", "region_code": "330521"},
    {"unit_code": "U5", "name": "湖州市档案馆", "region_code": "330500"},
])


def scan(code: str, rows: list[dict[str, Any]], as_of: str = "2025-12-31", params: dict[str, Any] | None = None,
         **more: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(findings, assessed, graded values) of ``code`` over the register ``rows``."""
    ctx = _tables.context({"units": UNITS, "assets": typed("assets", rows)}, as_of,
                          {code: params} if params else None, **more)
    return measure_and_grade(code, ctx)


def _register(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return typed("assets", rows)


# ---------------------------------------------------------------------------------------- AST01
# as_of 2025-12-31, lookback_months 12: new purchases are those acquired 2025-01-01 … 2025-12-31 with a
# positive value; warning at a ratio ≥ 0, alert at ≥ 1.
AST01_REGISTER = [
    # U1 德清县教育局 (德清县 330521): two categories bought while idle ones are held, one bought without.
    # The A03 rows come before the A02 rows: the categories are named in the order of their codes.
    asset("u1-pc-new", "U1", "A03", "2025-09-01", 5_000.50),
    asset("u1-pc-early", "U1", "A03", "2025-02-01", 4_000.40, "idle"),  # bought in the window, idle before
    asset("u1-pc-old", "U1", "A03", "2018-06-30", 3_000.30, "idle"),    # the latest purchase: idle stock
    asset("u1-desk", "U1", "A01", "2025-03-01", 5_000.00),              # no idle desk: A01 is not a finding
    asset("u1-bus-old", "U1", "A02", "2019-05-01", 10_000.25, "idle"),
    asset("u1-bus-gone", "U1", "A02", "2018-01-01", 50_000.00, "disposed"),  # disposed is not idle
    asset("u1-bus-new", "U1", "A02", "2025-04-10", 30_000.75),
    # U2 湖州市财政局 (湖州市 330500): bought a chair on as_of itself (counts) with no idle chair; its idle car
    # is matched by no purchase: the next car comes the day after as_of. Assessed, ok.
    asset("u2-car-old", "U2", "B02", "2017-01-01", 80_000.00, "idle"),
    asset("u2-car-next", "U2", "B02", "2026-01-01", 150_000.00),
    asset("u2-chair", "U2", "B01", "2025-12-31", 2_000.00),
    # U3 乾元镇人民政府 (乾元镇 330521102): bought on the window's first day, including a purchase of 1.00
    # (only a zero value is a transfer); a purchase the day before the window and a zero-value transfer
    # in after the purchases are not new purchases.
    asset("u3-idle", "U3", "C01", "2021-03-15", 2_500.00, "idle"),
    asset("u3-before", "U3", "C01", "2024-12-31", 7_000.00),
    asset("u3-server", "U3", "C01", "2025-01-01", 10_000.00),
    asset("u3-cable", "U3", "C01", "2025-01-01", 1.00),
    asset("u3-gift", "U3", "C01", "2025-08-01", 0.00),
    # U4 德清县卫生健康局 (德清县): idle stock, and only a zero-value transfer in the window: not assessed
    asset("u4-idle", "U4", "D01", "2020-01-01", 9_000.00, "idle"),
    asset("u4-gift", "U4", "D01", "2025-05-05", 0.00),
    # U5 湖州市档案馆 has no assets
]


def test_ast01_findings_written_out_in_full():
    findings, assessed, _ = scan("AST01", AST01_REGISTER)
    got = finding_fields(findings)
    assert set(got) == {"U1", "U3"}
    u1 = got["U1"]
    # A02: idle 10,000.25 (the disposed bus left out) / new 30,000.75 = 1/3 exactly → 0.33 in the evidence
    # A03: idle 3,000.30 + 4,000.40 = 7,000.70 / new 5,000.50 (u1-pc-early is idle stock, not a purchase) = 1.4
    # value: the larger ratio, 1.4 ≥ 1 → alert at the threshold 1.0
    assert u1.pop("value") == pytest.approx(1.4, rel=1e-12)
    assert u1 == {
        "level": "alert", "period": "2025", "threshold": 1.0, "subject_type": "unit", "unit_code": "U1",
        "region_code": "330521",
        # the message sums the categories flagged: new 30,000.75 + 5,000.50 = 35,001.25;
        # idle 10,000.25 + 7,000.70 = 17,000.95 (the desk of A01 is not among them)
        "message_zh": "德清县教育局 近 12 个月新购 A02、A03 类资产 35,001.25 元，同时持有该类闲置资产 17,000.95 元",
        "message_en": ("德清县教育局 bought assets of category A02、A03 for 35,001.25 in the last 12 months "
                       "while holding idle ones worth 17,000.95"),
        "evidence": {
            "window_start": "2025-01-01", "as_of": "2025-12-31",
            "categories": {
                "A02": {"ratio": 0.33, "idle_value": 10_000.25, "new_value": 30_000.75,
                        "idle_asset_ids": ["u1-bus-old"], "new_asset_ids": ["u1-bus-new"]},
                "A03": {"ratio": 1.4, "idle_value": 7_000.70, "new_value": 5_000.50,
                        "idle_asset_ids": ["u1-pc-early", "u1-pc-old"], "new_asset_ids": ["u1-pc-new"]},
            },
        },
        # avoidable: min(10,000.25, 30,000.75) + min(7,000.70, 5,000.50) = 10,000.25 + 5,000.50 = 15,000.75
        "amount_at_risk": 15_000.75,
    }
    u3 = got["U3"]
    # new: 10,000.00 + 1.00 = 10,001.00 (not u3-before, a day before the window; not the 0.00 gift)
    # value 2,500.00 / 10,001.00 = 0.24997… ≥ 0 → warning at the threshold 0.0; evidence ratio 0.25
    assert u3.pop("value") == pytest.approx(2_500 / 10_001, rel=1e-12)
    assert u3 == {
        "level": "warning", "period": "2025", "threshold": 0.0, "subject_type": "unit", "unit_code": "U3",
        "region_code": "330521102",
        "message_zh": "乾元镇人民政府 近 12 个月新购 C01 类资产 10,001.00 元，同时持有该类闲置资产 2,500.00 元",
        "message_en": ("乾元镇人民政府 bought assets of category C01 for 10,001.00 in the last 12 months "
                       "while holding idle ones worth 2,500.00"),
        "evidence": {
            "window_start": "2025-01-01", "as_of": "2025-12-31",
            "categories": {"C01": {"ratio": 0.25, "idle_value": 2_500.0, "new_value": 10_001.0,
                                   "idle_asset_ids": ["u3-idle"], "new_asset_ids": ["u3-cable", "u3-server"]}},
        },
        "amount_at_risk": 2_500.0,  # min(2,500.00, 10,001.00)
    }
    # assessed: the units that bought something in the window — U1 (德清县), U2 (湖州市), U3 (乾元镇);
    # not U4 (a transfer only) nor U5 (nothing)
    assert assessed_counts(assessed) == {"330500": (1, 0, 0, 0), "330521": (1, 1, 0, 1), "330521102": (1, 1, 1, 0)}


def test_ast01_graded_values_of_a_unit_not_flagged_are_zero():
    """The scan keeps every assessed unit's graded values: U2 bought with no idle asset of the same
    category, so nothing is idle, nothing new is matched, nothing avoidable, and its value is 0."""
    _, _, values = scan("AST01", AST01_REGISTER)
    v = values.set_index("subject_id")
    assert list(v.index) == ["U1", "U2", "U3"]
    assert v.loc["U2"].to_dict() == {
        "indicator": "AST01", "unit_code": "U2", "value": 0.0, "categories": "", "idle_value": 0.0,
        "new_value": 0.0, "avoidable": 0.0, "period": "2025", "region_code": "330500", "threshold": 0.0,
        "level": "ok", "subject_type": "unit"}
    assert v.loc["U1", "categories"] == "A02、A03" and v.loc["U3", "categories"] == "C01"
    assert v.loc["U1", "avoidable"] == 15_000.75 and v.loc["U3", "avoidable"] == 2_500.0
    # the columns of the flagged units: the sums over their categories flagged
    assert v.loc["U1", "idle_value"] == pytest.approx(17_000.95) and v.loc["U1", "new_value"] == pytest.approx(35_001.25)
    assert (v.loc["U1", "level"], v.loc["U3", "level"]) == ("alert", "warning")


def test_ast01_unit_not_flagged_has_empty_evidence():
    out = idle_while_buying(_register(AST01_REGISTER), pd.Timestamp("2025-12-31"), lookback_months=12)
    u2 = out.set_index("subject_id").loc["U2"]
    assert u2["evidence"] == {} and u2["level"] == "ok" and u2["unit_code"] == "U2"


def test_ast01_each_purchase_of_a_cent_counts_and_of_zero_does_not():
    # the exclusion is a zero value: 0.01 is a purchase (idle 5.00 / 0.01 = 500 → alert), 0.00 is not
    rows = [asset("i1", "U1", "A", "2020-01-01", 5.00, "idle"), asset("n1", "U1", "A", "2025-06-01", 0.01),
            asset("i2", "U2", "A", "2020-01-01", 5.00, "idle"), asset("n2", "U2", "A", "2025-06-01", 0.00)]
    findings, assessed, _ = scan("AST01", rows)
    assert _tables.flagged(findings) == {"U1": "alert"} and findings["value"].iloc[0] == pytest.approx(500.0)
    assert assessed_counts(assessed) == {"330500": (0, 0, 0, 0), "330521": (1, 1, 0, 1), "330521102": (0, 0, 0, 0)}


def test_ast01_a_category_bought_without_idle_stock_does_not_hide_the_next_one():
    # U1 bought A (nothing idle), then B, C (idle stock of each): both B and C are findings, whatever the
    # order of the rows
    rows = [asset("a-new", "U1", "A", "2025-06-01", 1_000.00),
            asset("c-idle", "U1", "C", "2020-01-01", 300.00, "idle"), asset("c-new", "U1", "C", "2025-06-01", 600.00),
            asset("b-idle", "U1", "B", "2020-01-01", 200.00, "idle"), asset("b-new", "U1", "B", "2025-06-01", 800.00)]
    for order in (rows, rows[::-1]):
        findings, _, _ = scan("AST01", order)
        f = finding_fields(findings)["U1"]
        # B: 200 / 800 = 0.25; C: 300 / 600 = 0.5 → value 0.5, warning; sums 1,400.00 new, 500.00 idle
        assert f["value"] == 0.5 and f["level"] == "warning"
        assert f["message_zh"] == "德清县教育局 近 12 个月新购 B、C 类资产 1,400.00 元，同时持有该类闲置资产 500.00 元"
        assert sorted(f["evidence"]["categories"]) == ["B", "C"]
        assert f["amount_at_risk"] == 500.0  # min(200, 800) + min(300, 600)


# ---------------------------------------------------------------------------------------- AST02
# as_of 2025-12-31; warning at a share ≥ 0.20, alert at ≥ 0.40
AST02_REGISTER = [
    # U1 德清县教育局: idle 798.16 + 956.04 = 1,754.20 of 59.87 + 798.16 + 6,956.93 + 956.04 = 8,771.00,
    # exactly 20 % → warning. Summed in floats, in this order, the idle value is 1,754.1999999999998 and the
    # active value 8,771.000000000002: the share is taken of the amounts in cents.
    asset("u1-desk", "U1", "A", "2020-01-01", 59.87),
    asset("u1-chair", "U1", "A", "2020-01-01", 798.16, "idle"),
    asset("u1-pc", "U1", "A", "2020-01-01", 6_956.93),
    asset("u1-lamp", "U1", "A", "2025-12-31", 956.04, "idle"),  # acquired on as_of: held
    asset("u1-gone", "U1", "A", "2020-01-01", 100_000.00, "disposed"),
    asset("u1-later", "U1", "A", "2026-01-01", 5_000.00, "idle"),  # acquired after as_of
    # U2 湖州市财政局: 40,000 idle of 35,000 + 25,000 + 40,000 = 100,000 → 40 % → alert
    asset("u2-car", "U2", "B", "2019-01-01", 35_000.00),
    asset("u2-van", "U2", "B", "2019-01-01", 25_000.00),
    asset("u2-bus", "U2", "B", "2019-01-01", 40_000.00, "idle"),
    # U3 乾元镇人民政府: nothing idle → 0 %, assessed, ok
    asset("u3-pc", "U3", "C", "2019-01-01", 50_000.00),
    # U4 德清县卫生健康局: the smallest active stock with a value, one idle asset of 0.01 → 100 % → alert
    asset("u4-pen", "U4", "D", "2019-01-01", 0.01, "idle"),
    # U5 湖州市档案馆: active assets of no value (donated): not assessed
    asset("u5-gift", "U5", "E", "2019-01-01", 0.00),
    asset("u5-gift-idle", "U5", "E", "2019-01-01", 0.00, "idle"),
]


def test_ast02_float_sums_are_not_cents():
    # the premise of U1 above: pandas' grouped sums of these amounts are not the sums in cents
    assert _tables.grouped_sum([0.0, 798.16, 0.0, 956.04]) != 1_754.20
    assert _tables.grouped_sum([59.87, 798.16, 6_956.93, 956.04]) != 8_771.00


def test_ast02_findings_written_out_in_full():
    findings, assessed, _ = scan("AST02", AST02_REGISTER)
    got = finding_fields(findings)
    assert set(got) == {"U1", "U2", "U4"}
    assert got["U1"] == {
        "level": "warning", "period": "2025",
        "value": 0.2,  # 1,754.20 / 8,771.00 = 0.2 exactly (the float division of the two gives the float 0.2)
        "threshold": 0.2, "subject_type": "unit", "unit_code": "U1", "region_code": "330521",
        "message_zh": "德清县教育局 闲置资产原值 1,754.20 元，占在用和闲置资产 8,771.00 元的 20.0%",
        "message_en": "德清县教育局: idle assets of 1,754.20 are 20.0% of the 8,771.00 in use or idle",
        # four active assets (not the disposed one, not the one acquired after as_of), two of them idle
        "evidence": {"idle_value": 1_754.20, "active_value": 8_771.00, "assets": 4, "idle_assets": 2},
        "amount_at_risk": 1_754.20,
    }
    assert got["U2"] == {
        "level": "alert", "period": "2025", "value": 0.4, "threshold": 0.4, "subject_type": "unit",
        "unit_code": "U2", "region_code": "330500",
        "message_zh": "湖州市财政局 闲置资产原值 40,000.00 元，占在用和闲置资产 100,000.00 元的 40.0%",
        "message_en": "湖州市财政局: idle assets of 40,000.00 are 40.0% of the 100,000.00 in use or idle",
        "evidence": {"idle_value": 40_000.0, "active_value": 100_000.0, "assets": 3, "idle_assets": 1},
        "amount_at_risk": 40_000.0,
    }
    assert got["U4"] == {
        "level": "alert", "period": "2025", "value": 1.0, "threshold": 0.4, "subject_type": "unit",
        "unit_code": "U4", "region_code": "330521",
        "message_zh": "德清县卫生健康局 闲置资产原值 0.01 元，占在用和闲置资产 0.01 元的 100.0%",
        "message_en": "德清县卫生健康局: idle assets of 0.01 are 100.0% of the 0.01 in use or idle",
        "evidence": {"idle_value": 0.01, "active_value": 0.01, "assets": 1, "idle_assets": 1},
        "amount_at_risk": 0.01,
    }
    # assessed: U1, U4 (德清县), U2 (湖州市; not U5, whose stock has no value), U3 (乾元镇)
    assert assessed_counts(assessed) == {"330500": (1, 1, 0, 1), "330521": (2, 2, 1, 1), "330521102": (1, 0, 0, 0)}


def test_ast02_result_leaves_out_a_unit_whose_stock_has_no_value():
    out = idle_share(_register(AST02_REGISTER), pd.Timestamp("2025-12-31"))
    assert list(out["subject_id"]) == ["U1", "U2", "U3", "U4"] and list(out["unit_code"]) == ["U1", "U2", "U3", "U4"]
    assert list(out["value"]) == [0.2, 0.4, 0.0, 1.0]
    assert list(out["idle_value"]) == [1_754.20, 40_000.0, 0.0, 0.01]
    assert list(out["total_value"]) == [8_771.00, 100_000.0, 50_000.0, 0.01]
    assert list(out["period"]) == ["2025"] * 4
    # only the units with no value at all: the result is empty
    none = idle_share(_register(AST02_REGISTER[-2:]), pd.Timestamp("2025-12-31"))
    assert none.empty


# ---------------------------------------------------------------------------------------- the period
# A fiscal year starting on 1 April: as_of 2026-03-31 is in the fiscal year 2025 (labelled by the calendar
# year it starts in), and the findings' period is 2025, not the calendar year 2026.
_APRIL = {"calendar": {"fiscal_year_start_month": 4}}


def test_period_is_the_fiscal_year_of_as_of():
    rows = [asset("i1", "U1", "A", "2020-01-01", 30_000.00, "idle"),
            asset("n1", "U1", "A", "2025-04-01", 10_000.00),   # the first day of the 12 months to 2026-03-31
            asset("i2", "U2", "A", "2020-01-01", 30_000.00, "idle"),
            asset("n2", "U2", "A", "2025-03-31", 10_000.00)]   # the day before
    findings, _, _ = scan("AST01", rows, as_of="2026-03-31", **_APRIL)
    got = finding_fields(findings)
    assert list(got) == ["U1"] and got["U1"]["period"] == "2025" and got["U1"]["level"] == "alert"
    assert got["U1"]["evidence"] == {
        "window_start": "2025-04-01", "as_of": "2026-03-31",
        "categories": {"A": {"ratio": 3.0, "idle_value": 30_000.0, "new_value": 10_000.0,
                             "idle_asset_ids": ["i1"], "new_asset_ids": ["n1"]}}}
    findings, _, _ = scan("AST02", rows, as_of="2026-03-31", **_APRIL)
    # U1 and U2: 30,000 idle of 40,000 = 75 % → alert
    assert dict(zip(findings["subject_id"], findings["period"], strict=True)) == {"U1": "2025", "U2": "2025"}


def test_functions_called_without_a_year_take_the_calendar_year_of_as_of():
    reg = _register([asset("i1", "U1", "A", "2020-01-01", 30_000.00, "idle"),
                     asset("n1", "U1", "A", "2025-04-01", 10_000.00),
                     asset("n2", "U2", "B", "2025-04-01", 10_000.00)])
    as_of = pd.Timestamp("2026-03-31")
    assert list(idle_while_buying(reg, as_of, lookback_months=12)["period"]) == ["2026", "2026"]
    assert list(idle_while_buying(reg, as_of, lookback_months=12, year=2025)["period"]) == ["2025", "2025"]
    assert list(idle_share(reg, as_of)["period"]) == ["2026", "2026"]
    assert list(idle_share(reg, as_of, year=2025)["period"]) == ["2025", "2025"]


# ---------------------------------------------------------------------------------------- the results' shape
AST01_COLUMNS = {"subject_id", "unit_code", "period", "value", "evidence", "level", "categories", "idle_value",
                 "new_value", "avoidable"}
AST02_COLUMNS = {"subject_id", "unit_code", "period", "value", "evidence", "idle_value", "total_value"}


def test_idle_while_buying_has_the_same_columns_whatever_the_register():
    as_of = pd.Timestamp("2025-12-31")
    cases = {
        "no purchase": [asset("i1", "U1", "A", "2020-01-01", 100.00, "idle")],
        "only units not flagged": [asset("n1", "U1", "A", "2025-06-01", 100.00)],
        "only units flagged": [asset("i1", "U1", "A", "2020-01-01", 100.00, "idle"),
                               asset("n1", "U1", "A", "2025-06-01", 100.00)],
        "both": [asset("i1", "U1", "A", "2020-01-01", 100.00, "idle"), asset("n1", "U1", "A", "2025-06-01", 100.00),
                 asset("n2", "U2", "A", "2025-06-01", 100.00)],
    }
    lengths = {}
    for name, rows in cases.items():
        out = idle_while_buying(_register(rows), as_of, lookback_months=12)
        assert set(out.columns) == AST01_COLUMNS, name
        lengths[name] = len(out)
    assert lengths == {"no purchase": 0, "only units not flagged": 1, "only units flagged": 1, "both": 2}
    ok = idle_while_buying(_register(cases["only units not flagged"]), as_of, lookback_months=12).iloc[0]
    assert ok.to_dict() == {"subject_id": "U1", "unit_code": "U1", "value": 0.0, "level": "ok", "categories": "",
                            "idle_value": 0.0, "new_value": 0.0, "avoidable": 0.0, "evidence": {}, "period": "2025"}


def test_idle_share_has_the_same_columns_whatever_the_register():
    as_of = pd.Timestamp("2025-12-31")
    cases = {
        "nothing active": [asset("g", "U1", "A", "2020-01-01", 100.00, "disposed")],
        "no value": [asset("z", "U1", "A", "2020-01-01", 0.00)],
        "some": [asset("u", "U1", "A", "2020-01-01", 100.00), asset("z", "U2", "A", "2020-01-01", 0.00)],
    }
    lengths = {}
    for name, rows in cases.items():
        out = idle_share(_register(rows), as_of)
        assert set(out.columns) == AST02_COLUMNS, name
        lengths[name] = len(out)
    assert lengths == {"nothing active": 0, "no value": 0, "some": 1}


# ---------------------------------------------------------------------------------------- codes and order
def _numeric_codes(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The register as a frame read without the loader, e.g. ``pandas.read_csv``: codes of digits only
    come as integers."""
    df = _register(rows)
    for c in ("unit_code", "category"):
        df[c] = df[c].astype("int64")
    return df


def test_codes_read_as_numbers_come_out_as_text_in_the_order_of_the_text():
    rows = [asset("i1", "201", "2010104", "2020-01-01", 500.00, "idle"),
            asset("n1", "201", "2010104", "2025-06-01", 1_000.00),
            asset("i2", "201", "2010200", "2020-01-01", 900.00, "idle"),
            asset("n2", "201", "2010200", "2025-06-01", 1_000.00),
            asset("n3", "1001", "2010104", "2025-06-01", 1_000.00)]
    out = idle_while_buying(_numeric_codes(rows), pd.Timestamp("2025-12-31"), lookback_months=12)
    # "1001" sorts before "201" as text (as the registry's codes do), after it as a number
    assert list(out["subject_id"]) == ["1001", "201"] and list(out["unit_code"]) == ["1001", "201"]
    u201 = out.iloc[1]
    assert u201["categories"] == "2010104、2010200" and u201["value"] == 0.9  # 900 / 1,000
    assert sorted(u201["evidence"]["categories"]) == ["2010104", "2010200"]
    share = idle_share(_numeric_codes(rows), pd.Timestamp("2025-12-31"))
    # 1001: nothing idle of 1,000; 201: 1,400 idle of 3,400
    assert list(share["subject_id"]) == ["1001", "201"] and list(share["idle_value"]) == [0.0, 1_400.0]


def test_results_do_not_depend_on_the_order_of_the_register():
    rows = [asset("b-idle", "U2", "B", "2020-01-01", 100.00, "idle"), asset("b-new", "U2", "B", "2025-06-01", 400.00),
            asset("a-new", "U2", "A", "2025-06-01", 100.00), asset("a-idle", "U2", "A", "2020-01-01", 100.00, "idle"),
            asset("c-new", "U1", "C", "2025-06-01", 300.00), asset("c-idle", "U1", "C", "2020-01-01", 30.00, "idle"),
            asset("d-new", "U3", "D", "2025-06-01", 50.00)]
    as_of = pd.Timestamp("2025-12-31")
    for order in (rows, rows[::-1], rows[2:] + rows[:2]):
        out = idle_while_buying(_register(order), as_of, lookback_months=12)
        assert list(out["subject_id"]) == ["U1", "U2", "U3"]
        # U1: 30 / 300 = 0.1; U2: A 100 / 100 = 1, B 100 / 400 = 0.25 → 1; U3: nothing idle → 0
        assert list(out["value"]) == [0.1, 1.0, 0.0]
        assert list(out["categories"]) == ["C", "A、B", ""]
        share = idle_share(_register(order), as_of)
        # U1: 30 of 330; U2: 200 of 700; U3: 0 of 50
        assert list(share["subject_id"]) == ["U1", "U2", "U3"]
        assert list(share["idle_value"]) == [30.0, 200.0, 0.0] and list(share["total_value"]) == [330.0, 700.0, 50.0]


# ---------------------------------------------------------------------------------------- amounts in cents
# Near the data contract's limit (an amount below 10^13 yuan, params/defaults.yaml input.max_abs_amount)
# floats are about 0.001 apart and a float sum of amounts in cents is not the float of its total in cents:
# the amounts the indicators give are rounded to cents, not to some other number of places.
_BIG_A, _BIG_B = 2_000_000_000_000.02, 3_000_000_000_000.01  # together 5,000,000,000,000.03


def test_big_sums_are_not_cents_in_floats():
    # the premise: neither a plain nor a grouped float sum of these is the float of 5,000,000,000,000.03,
    # and rounding them to three places does not give it either
    total = 5_000_000_000_000.03
    assert sum([_BIG_A, _BIG_B]) != total and round(sum([_BIG_A, _BIG_B]), 3) != total
    assert round(float(pd.Series([_BIG_A, _BIG_B]).sum()), 3) != total
    assert round(_tables.grouped_sum([0.0, _BIG_A, 0.0, _BIG_B]), 3) != total


def test_ast01_amounts_near_the_contract_limit_are_in_cents():
    rows = [
        # U1, one category: idle 2,000,000,000,000.02 + 3,000,000,000,000.01 = 5,000,000,000,000.03, new the
        # same → ratio exactly 1 → alert
        asset("u1-i1", "U1", "A", "2019-01-01", _BIG_A, "idle"), asset("u1-i2", "U1", "A", "2019-01-01", _BIG_B, "idle"),
        asset("u1-n1", "U1", "A", "2025-06-01", _BIG_A), asset("u1-n2", "U1", "A", "2025-06-01", _BIG_B),
        # U2, two categories of 4,000,000,000,000.00 bought: avoidable = 2,000,000,000,000.02 (A) +
        # 3,000,000,000,000.01 (B) = 5,000,000,000,000.03; value max(0.5000…, 0.7500…) → warning
        asset("u2-ia", "U2", "A", "2019-01-01", _BIG_A, "idle"), asset("u2-na", "U2", "A", "2025-06-01", 4e12),
        asset("u2-ib", "U2", "B", "2019-01-01", _BIG_B, "idle"), asset("u2-nb", "U2", "B", "2025-06-01", 4e12),
    ]
    findings, _, values = scan("AST01", rows)
    got = finding_fields(findings)
    assert (got["U1"]["level"], got["U1"]["value"]) == ("alert", 1.0)
    assert got["U1"]["amount_at_risk"] == 5_000_000_000_000.03
    assert got["U1"]["message_en"] == ("德清县教育局 bought assets of category A for 5,000,000,000,000.03 in the last 12 "
                                       "months while holding idle ones worth 5,000,000,000,000.03")
    v = values.set_index("subject_id")
    assert (v.loc["U1", "idle_value"], v.loc["U1", "new_value"]) == (5_000_000_000_000.03, 5_000_000_000_000.03)
    assert got["U2"]["level"] == "warning" and got["U2"]["amount_at_risk"] == 5_000_000_000_000.03
    # the graded values keep the unit's own amounts (the findings' amount_at_risk is rounded again by the registry)
    assert v.loc["U2", "avoidable"] == 5_000_000_000_000.03


def test_ast02_amounts_near_the_contract_limit_are_in_cents():
    # in use 2,000,000,000,000.01 + 3,000,000,000,000.01; idle 2,000,000,000,000.02 + 3,000,000,000,000.01
    # = 5,000,000,000,000.03 of 10,000,000,000,000.05 → 50.0 % → alert
    rows = [asset("u1", "U1", "A", "2019-01-01", 2_000_000_000_000.01),
            asset("i1", "U1", "A", "2019-01-01", _BIG_A, "idle"),
            asset("u2", "U1", "A", "2019-01-01", 3_000_000_000_000.01),
            asset("i2", "U1", "A", "2019-01-01", _BIG_B, "idle")]
    findings, _, values = scan("AST02", rows)
    f = finding_fields(findings)["U1"]
    assert f["level"] == "alert" and f["value"] == pytest.approx(0.5, rel=1e-12)
    assert f["amount_at_risk"] == 5_000_000_000_000.03
    assert f["evidence"] == {"idle_value": 5_000_000_000_000.03, "active_value": 10_000_000_000_000.05, "assets": 4,
                             "idle_assets": 2}
    assert (values.loc[0, "idle_value"], values.loc[0, "total_value"]) == (5_000_000_000_000.03, 10_000_000_000_000.05)
