"""PRC04 and PRC05 per unit and year: every column and every evidence field of the helpers' rows written
out by hand from the definitions (docs/indicators/PRC04.md, PRC05.md and the functions' docstrings), the
findings' messages word for word, and the helpers' columns when nothing is assessed.

``test_procurement.py`` pins which unit-years are flagged and at which level; these pin what a row says:
the share and totals kept to the cent, the large single-source purchases named in the message, the
winners' shares and the largest winner (ties go to the name that sorts first), a unit-year without
procurement value, rows in unit and year order, the undated procurement counted in the year of ``as_of``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from fiscalrisk.indicators.procurement import bidder_levels, single_source_use, supplier_concentration

from ._tables import finding_fields
from .test_procurement import proc, run, typed
from .test_procurement_findings import AS_OF, COMPETITIVE, DEC_LIMITS, REGISTRY, TENDERS, records

HHI_COLUMNS = [*REGISTRY, "hhi", "awards", "top_winner", "top_share"]
SHARE_COLUMNS = [*REGISTRY, "level", "threshold", "share", "single_value", "total_value", "large_ids",
                 "large_count"]


def won(pid: str, unit: str, winner: str, amount: float, date: str | None = "2025-06-01") -> dict[str, Any]:
    """An open tender awarded to ``winner`` for ``amount`` on ``date`` (None: not dated at all)."""
    return proc(pid, "open_tender", amount, unit=unit, winner_name=winner, award_amount=amount, award_date=date)


def concentration(rows: list[dict[str, Any]], **kw: Any) -> pd.DataFrame:
    return supplier_concentration(typed("procurement", rows), AS_OF, min_awards=kw.pop("min_awards", 5), **kw)


def single_source(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return single_source_use(typed("procurement", rows), AS_OF, decentralised_limits=DEC_LIMITS,
                             share_warning=0.3, level="warning")


# ---------------------------------------------------------------------------------------- PRC05
# U2 2025: 甲 150,000.50 in one award; 乙 100,000.25 + 50,000.25 = 150,000.50 under two spellings
# (乙有限责任公司, 乙 有限公司: the space and the company form carry no meaning); 丙 75,000.25 × 2 = 150,000.50,
# also under two spellings (丙有限公司, 丙公司). Total 450,001.50, each winner 1/3: HHI = 3 × 1/9 = 1/3.
# A three-way tie: the largest winner is the one whose normalised name sorts first, 丙 (U+4E19) before
# 乙 (U+4E59) before 甲 (U+7532), named by the spelling that sorts first, 丙公司 (公 U+516C < 有 U+6709).
U2_2025 = [
    won("Q1", "U2", "甲有限公司", 150_000.50),
    won("Q2", "U2", "乙有限责任公司", 100_000.25),
    won("Q3", "U2", "乙 有限公司", 50_000.25),
    won("Q4", "U2", "丙有限公司", 75_000.25),
    won("Q5", "U2", "丙公司", 75_000.25),
]


def test_supplier_concentration_every_column_of_every_row():
    rows = [
        # U3 (listed first: rows come out in unit and year order): five awards to 甲, one of them not
        # dated at all, so counted in 2025, the year of as_of; 4 × 100,000 + 100,000.0012 = 500,000.0012,
        # kept as 500,000.00 (to the cent); HHI 1.0. An award after as_of is not counted.
        won("C1", "U3", "甲有限公司", 100_000.00, "2025-02-01"),
        won("C2", "U3", "甲有限公司", 100_000.00, "2025-03-01"),
        won("C3", "U3", "甲有限公司", 100_000.00, "2025-04-01"),
        won("C4", "U3", "甲有限公司", 100_000.0012, "2025-05-01"),
        won("C5", "U3", "甲有限公司", 100_000.00, None),
        won("C6", "U3", "甲有限公司", 100_000.00, "2026-01-01"),
        *U2_2025,
        # U2 2024: four awards, one fewer than min_awards → not assessed
        *[won(f"R{i}", "U2", "丁有限公司", 10_000.00, "2024-06-01") for i in range(4)],
    ]
    res = concentration(rows)
    assert list(res.columns) == ["subject_id", "unit_code", "period", "value", "hhi", "awards", "top_winner",
                                 "top_share", "top_value", "evidence"]
    got = records(res)
    third = 150_000.50 / 450_001.50
    assert [(r.pop("value"), r.pop("hhi"), r.pop("top_share")) for r in got] == [
        (pytest.approx(1 / 3, rel=1e-12), pytest.approx(1 / 3, rel=1e-12), pytest.approx(third, rel=1e-12)),
        (1.0, 1.0, 1.0),
    ]
    assert got == [
        {"subject_id": "U2", "unit_code": "U2", "period": "2025", "awards": 5, "top_winner": "丙公司",
         "top_value": 150_000.50,
         "evidence": {"procurement_ids": ["Q1", "Q2", "Q3", "Q4", "Q5"], "awarded_value": 450_001.50,
                      "winner_shares": {"丙": 0.333333, "乙": 0.333333, "甲": 0.333333}, "awards": 5}},
        {"subject_id": "U3", "unit_code": "U3", "period": "2025", "awards": 5, "top_winner": "甲有限公司",
         "top_value": 500_000.00,
         "evidence": {"procurement_ids": ["C1", "C2", "C3", "C4", "C5"], "awarded_value": 500_000.00,
                      "winner_shares": {"甲": 1.0}, "awards": 5}},
    ]
    # the winners in the evidence are in the order of their normalised names
    assert list(got[0]["evidence"]["winner_shares"]) == ["丙", "乙", "甲"]


def test_supplier_concentration_ties_go_to_the_name_that_sorts_first_whatever_the_row_order():
    # the same five awards listed 丙, 乙, 甲 and 甲, 丙, 乙: the largest winner stays 丙公司
    for order in ([3, 4, 1, 2, 0], [0, 4, 3, 2, 1]):
        res = concentration([U2_2025[i] for i in order])
        assert res["top_winner"].tolist() == ["丙公司"] and res["top_value"].tolist() == [150_000.50]


def test_supplier_concentration_tie_among_many_winners_goes_to_the_name_that_sorts_first():
    # 34 winners, 供应商00 … 供应商33, of 1, 2 or 3 × 10,000: thirteen tie at 30,000 of 720,000 (1/24), the
    # first of them by name 供应商05. Σ units = 13 × 3 + 12 × 2 + 9 × 1 = 72; HHI = (13 × 9 + 12 × 4 + 9) / 72²
    # = 174 / 5,184
    units = [2, 1, 2, 2, 2, 3, 3, 2, 3, 3, 2, 2, 1, 2, 1, 2, 1, 3, 3, 1, 3, 2, 1, 3, 3, 1, 2, 3, 3, 2, 3, 3, 1, 1]
    res = concentration([won(f"M{i:02d}", "U1", f"供应商{i:02d}有限公司", n * 10_000.00) for i, n in enumerate(units)])
    assert records(res[["awards", "top_winner", "top_value"]]) == [
        {"awards": 34, "top_winner": "供应商05有限公司", "top_value": 30_000.0}]
    assert res["top_share"].iloc[0] == pytest.approx(1 / 24, rel=1e-12)
    assert res["hhi"].iloc[0] == pytest.approx(174 / 5_184, rel=1e-12)


def test_supplier_concentration_matches_names_with_the_suffixes_given():
    rows = [
        won("G1", "U1", "甲集团", 100_000.00), won("G2", "U1", "甲集团", 100_000.00),
        won("G3", "U1", "甲", 50_000.00),
        won("G4", "U1", "甲有限公司", 125_000.00), won("G5", "U1", "甲有限公司", 125_000.00),
    ]
    # suffixes ("集团",): 甲集团 and 甲 are one winner, 250,000 of 500,000; 甲有限公司 keeps its form,
    # 250,000: shares 0.5 and 0.5, HHI 0.5
    custom = concentration(rows, suffixes=("集团",))
    assert custom["hhi"].tolist() == [0.5]
    assert custom["evidence"].iloc[0]["winner_shares"] == {"甲": 0.5, "甲有限公司": 0.5}
    # the default suffixes drop 有限公司 instead: 甲 + 甲有限公司 = 300,000 (0.6), 甲集团 200,000 (0.4),
    # HHI 0.36 + 0.16 = 0.52
    default = concentration(rows)
    assert default["hhi"].tolist() == [pytest.approx(0.52, rel=1e-12)]
    assert default["evidence"].iloc[0]["winner_shares"] == {"甲": 0.6, "甲集团": 0.4}


def test_supplier_concentration_names_its_columns_when_nothing_is_assessed():
    # no winner column, or no award column: nothing to measure
    no_winner = typed("procurement", [proc("A1", "open_tender", award_amount=1.0, award_date="2025-03-01")])
    assert list(supplier_concentration(no_winner, AS_OF, min_awards=1).columns) == HHI_COLUMNS
    no_award = typed("procurement", [proc("A1", "open_tender", winner_name="甲有限公司", award_date="2025-03-01")])
    assert list(supplier_concentration(no_award, AS_OF, min_awards=1).columns) == HHI_COLUMNS
    # awards of 0: none kept
    zero = [won(f"Z{i}", "U1", "甲有限公司", 0.0) for i in range(5)]
    assert list(concentration(zero).columns) == HHI_COLUMNS
    # four awards: kept, but the unit-year is below min_awards
    four = [won(f"F{i}", "U1", "甲有限公司", 100.0) for i in range(4)]
    assert list(concentration(four).columns) == HHI_COLUMNS


def test_supplier_concentration_coerces_an_award_that_is_not_a_number_to_missing():
    raw = pd.DataFrame({
        "procurement_id": [f"A{i}" for i in range(6)], "unit_code": ["U1"] * 6, "method": ["open_tender"] * 6,
        "winner_name": ["甲有限公司"] * 3 + ["乙有限公司"] * 3,
        "award_amount": ["100000", "100000", "100000", "100000", "100000", "待定"],
        "award_date": pd.to_datetime(["2025-05-10"] * 6),
    })
    res = supplier_concentration(raw, AS_OF, min_awards=5)
    # A5's award 待定 is missing, not an award: five awards, 甲 300,000 and 乙 200,000
    assert res["awards"].tolist() == [5]
    assert res["evidence"].iloc[0]["winner_shares"] == {"甲": 0.6, "乙": 0.4}


def test_prc05_finding_word_for_word_with_a_tie():
    findings, _ = run("PRC05", U2_2025)
    assert finding_fields(findings) == {
        # HHI 1/3 ≥ 0.25 (warning), < 0.50 (alert); the amount at risk is 丙's 150,000.50
        "U2": {"level": "warning", "period": "2025", "value": pytest.approx(1 / 3, rel=1e-12), "threshold": 0.25,
               "subject_type": "unit", "unit_code": "U2", "region_code": "330500",
               "message_zh": "市卫健委 2025 年 5 笔中标的供应商集中度 HHI = 0.333，最大供应商“丙公司”占 33.3%",
               "message_en": "市卫健委: supplier concentration of 5 awards in 2025 is HHI = 0.333; the largest "
                             "supplier “丙公司” has 33.3%",
               "evidence": {"procurement_ids": ["Q1", "Q2", "Q3", "Q4", "Q5"], "awarded_value": 450_001.50,
                            "winner_shares": {"丙": 0.333333, "乙": 0.333333, "甲": 0.333333}, "awards": 5},
               "amount_at_risk": 150_000.50},
    }


# ---------------------------------------------------------------------------------------- PRC04
PRC04_ROWS = [
    # U2 2025 (listed first): 300,000 single-source of 1,000,000 = 30 %, not strictly above → ok
    proc("U2S", "single_source", 300_000.00, unit="U2", award_date="2025-05-01"),
    proc("U2K", "inquiry", 700_000.00, unit="U2", award_date="2025-05-01"),
    # U3 2025: 0.50 single-source of 1.00 (the inquiry is not dated: the year of as_of) = 50 % → warning;
    # a total of one yuan is procurement value
    proc("U3S", "single_source", 0.50, unit="U3", award_date="2025-03-01"),
    proc("U3K", "inquiry", 0.50, unit="U3"),
    # U1 2025: L1 is single-source at the goods limit of 1,000,000 (estimate; awarded at 900,000.00):
    # single-source 900,000.00 + 100,000.004 = 1,000,000.004 → 1,000,000.00 to the cent; with the tender,
    # 1,000,000.004 + 3,999,999.993 = 4,999,999.997 → 5,000,000.00; share 20 %, but L1 alone → warning.
    # The self-procured purchase stays out.
    proc("L1", "single_source", 1_000_000.00, award_date="2025-04-20", award_amount=900_000.00),
    proc("S2", "single_source", 100_000.004, award_date="2025-04-21"),
    proc("K1", "open_tender", 3_999_999.993, award_date="2025-03-01"),
    proc("P1", "self_procured", 10_000_000.00, award_date="2025-03-01"),
    # U1 2024: 400,000 of 1,000,000 = 40 % > 30 % → warning, nothing at the limit
    proc("S3", "single_source", 400_000.00, award_date="2024-05-01"),
    proc("K3", "inquiry", 600_000.00, award_date="2024-05-01"),
    # U1 2023: no procurement value → not assessed (and the unit-years after it still are)
    proc("Z1", "inquiry", 0.0, award_date="2023-05-01"),
]


def test_single_source_use_every_column_of_every_row():
    res = single_source(PRC04_ROWS)
    assert list(res.columns) == ["subject_id", "unit_code", "period", "value", "level", "threshold", "share",
                                 "single_value", "total_value", "large_ids", "large_count", "evidence"]

    def evidence(ids: list[str], single: float, total: float, above: bool, large: dict, n: int) -> dict:
        return {"single_source_ids": ids, "single_source_value": single, "total_value": total,
                "share_above_limit": above, "above_decentralised_limit": large, "procurements": n}

    assert records(res) == [
        {"subject_id": "U1", "unit_code": "U1", "period": "2024", "value": 0.4, "level": "warning",
         "threshold": 0.3, "share": 0.4, "single_value": 400_000.0, "total_value": 1_000_000.0, "large_ids": "",
         "large_count": 0, "evidence": evidence(["S3"], 400_000.0, 1_000_000.0, True, {}, 2)},
        {"subject_id": "U1", "unit_code": "U1", "period": "2025", "value": 0.2, "level": "warning",
         "threshold": 0.3, "share": 0.2, "single_value": 1_000_000.0, "total_value": 5_000_000.0,
         "large_ids": "L1", "large_count": 1,
         "evidence": evidence(["L1", "S2"], 1_000_000.0, 5_000_000.0, False,
                              {"L1": {"estimated_amount": 1_000_000.0, "decentralised_limit": 1_000_000.0}}, 3)},
        {"subject_id": "U2", "unit_code": "U2", "period": "2025", "value": 0.3, "level": "ok",
         "threshold": 0.3, "share": 0.3, "single_value": 300_000.0, "total_value": 1_000_000.0, "large_ids": "",
         "large_count": 0, "evidence": evidence(["U2S"], 300_000.0, 1_000_000.0, False, {}, 2)},
        {"subject_id": "U3", "unit_code": "U3", "period": "2025", "value": 0.5, "level": "warning",
         "threshold": 0.3, "share": 0.5, "single_value": 0.5, "total_value": 1.0, "large_ids": "",
         "large_count": 0, "evidence": evidence(["U3S"], 0.5, 1.0, True, {}, 2)},
    ]


def test_single_source_use_names_its_columns_when_no_unit_year_has_value():
    assert list(single_source([proc("Z1", "inquiry", 0.0, award_date="2023-05-01")]).columns) == SHARE_COLUMNS


def test_prc04_findings_word_for_word_with_and_without_a_large_purchase():
    findings, _ = run("PRC04", [r for r in PRC04_ROWS if r["unit_code"] == "U1"])
    # two findings of one unit, one per year
    fields = {p: finding_fields(findings[findings["period"] == p])["U1"] for p in findings["period"]}
    assert fields == {
        "2024": {
            "level": "warning", "period": "2024", "value": 0.4, "threshold": 0.3,
            "subject_type": "unit", "unit_code": "U1", "region_code": "330500",
            "message_zh": "市教育局 2024 年单一来源采购 400,000.00 元，占采购总额 1,000,000.00 元的 40.0%",
            "message_en": "市教育局: single-source purchases of 400,000.00 in 2024 are 40.0% of 1,000,000.00 procured",
            "evidence": {"single_source_ids": ["S3"], "single_source_value": 400_000.0, "total_value": 1_000_000.0,
                         "share_above_limit": True, "above_decentralised_limit": {}, "procurements": 2},
            "amount_at_risk": 400_000.0},
        "2025": {
            "level": "warning", "period": "2025", "value": 0.2, "threshold": 0.3,
            "subject_type": "unit", "unit_code": "U1", "region_code": "330500",
            "message_zh": "市教育局 2025 年单一来源采购 1,000,000.00 元，占采购总额 5,000,000.00 元的 20.0%"
                          "；其中达到分散采购限额的单一来源采购：L1",
            "message_en": "市教育局: single-source purchases of 1,000,000.00 in 2025 are 20.0% of 5,000,000.00 "
                          "procured; at or above the decentralised procurement limit: L1",
            "evidence": {"single_source_ids": ["L1", "S2"], "single_source_value": 1_000_000.0,
                         "total_value": 5_000_000.0, "share_above_limit": False,
                         "above_decentralised_limit": {"L1": {"estimated_amount": 1_000_000.0,
                                                              "decentralised_limit": 1_000_000.0}},
                         "procurements": 3},
            "amount_at_risk": 1_000_000.0},
    }


# ------------------------------------------------------------------------------------- helpers
def test_an_unknown_method_is_named_by_its_code_and_an_undated_row_is_in_the_year_of_as_of():
    rows = [proc("D1", "design_contest", 80_000.00, bidders=2)]  # a method the messages do not name
    res = bidder_levels(typed("procurement", rows), AS_OF, competitive_methods=[*COMPETITIVE, "design_contest"],
                        warning_methods=TENDERS, alert=1)
    assert records(res) == [
        {"subject_id": "D1", "unit_code": "U1", "period": "2025", "value": 2.0, "level": "ok",
         "method": "design_contest", "bidders": 2, "procurement_value": 80_000.0, "method_zh": "design_contest",
         "method_en": "design_contest",
         "evidence": {"procurement_id": "D1", "method": "design_contest", "bidders": 2}},
    ]


def test_procurement_value_coerces_an_award_or_estimate_that_is_not_a_number_to_missing():
    raw = pd.DataFrame({
        "procurement_id": ["B1", "B2", "B3"], "unit_code": ["U1"] * 3, "method": ["open_tender"] * 3,
        "bidders": [2, 1, 1], "estimated_amount": ["200000", "200000", "不详"],
        "award_amount": ["190000", "待定", None], "award_date": pd.to_datetime(["2025-05-10"] * 3),
    })
    res = bidder_levels(raw, AS_OF, competitive_methods=COMPETITIVE, warning_methods=TENDERS, alert=1)
    # B1: the award; B2: award 待定 → the estimate; B3: no award, estimate 不详 → missing
    assert records(res[["subject_id", "procurement_value"]]) == [
        {"subject_id": "B1", "procurement_value": 190_000.0}, {"subject_id": "B2", "procurement_value": 200_000.0},
        {"subject_id": "B3", "procurement_value": None}]
