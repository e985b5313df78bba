"""PRC01–PRC06 helpers called directly: every column and every evidence field of the result written out
by hand from the definitions (docs/indicators/PRC0x.md and the functions' docstrings), for small tables.

``test_procurement.py`` pins which procurements are flagged and at which level through the registry, and
the thresholds at and around their bounds; these pin what each row of the result says — its columns (also
when nothing is assessed), the ``ok`` rows, the labels of the limit reached, the evidence dicts in full —
the working-day count across the National Day holiday with ``chinese_calendar`` as the reference, and the
exclusions and coercions of the helpers on a frame that was not validated.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import chinese_calendar
import numpy as np
import pandas as pd
import pytest

from fiscalrisk.calendar import WorkdayCalendar
from fiscalrisk.indicators.procurement import (
    award_to_estimate,
    bidder_levels,
    count_workdays,
    single_source_use,
    split_purchases,
    submission_periods,
)

from .test_procurement import proc, run, typed

AS_OF = pd.Timestamp("2025-12-31")
COMPETITIVE = ["open_tender", "invited_tender", "competitive_negotiation", "competitive_consultation", "inquiry"]
TENDERS = ["open_tender", "invited_tender"]
MIN_DAYS = {"open_tender": 20, "invited_tender": 20, "competitive_consultation": 10,
            "competitive_negotiation": 3, "inquiry": 3}
OPEN_LIMITS = {"goods": 2_000_000, "services": 2_000_000, "works": 4_000_000}
DEC_LIMITS = {"goods": 1_000_000, "services": 1_000_000, "works": 1_200_000}
REGISTRY = ["subject_id", "unit_code", "period", "value", "evidence"]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, NaN as None (NaN != NaN), numpy scalars as Python ones."""
    out = []
    for r in df.to_dict("records"):
        row = {}
        for k, v in r.items():
            if isinstance(v, float) and math.isnan(v):
                v = None
            elif isinstance(v, np.generic):
                v = v.item()
            row[k] = v
        out.append(row)
    return out


def workdays_reference(start: str, end: str) -> int:
    """Working days in (start, end] from chinese_calendar, day by day."""
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return sum(chinese_calendar.is_workday(a + dt.timedelta(days=i)) for i in range(1, (b - a).days + 1))


# ------------------------------------------------------------------------------ empty results: columns
def test_every_helper_names_its_columns_when_nothing_is_assessed():
    # only a single-source purchase: not competitive (PRC01, PRC06), no legal minimum (PRC02)
    only_single = typed("procurement", [proc("S1", "single_source", bidders=1, notice_date="2025-03-01",
                                             bid_deadline="2025-03-05", award_amount=1.0)])
    assert list(bidder_levels(only_single, AS_OF, competitive_methods=COMPETITIVE, warning_methods=TENDERS,
                              alert=1).columns) == [*REGISTRY, "level", "method", "bidders"]
    assert list(submission_periods(only_single, AS_OF, min_days=MIN_DAYS, working_day_methods=["inquiry"],
                                   is_workday=WorkdayCalendar().is_workday, level="alert").columns) == [
        *REGISTRY, "level", "threshold", "method", "day_unit_zh", "day_unit_en"]
    assert list(award_to_estimate(only_single, AS_OF, competitive_methods=COMPETITIVE).columns) == [
        *REGISTRY, "award_amount", "estimated_amount"]
    # no award_amount column at all: PRC06 has nothing to measure
    no_award = typed("procurement", [proc("A1", "open_tender", award_date="2025-03-01")])
    assert list(award_to_estimate(no_award, AS_OF, competitive_methods=COMPETITIVE).columns) == [
        *REGISTRY, "award_amount", "estimated_amount"]
    # an openly tendered purchase is not counted by PRC03; a self-procured one is left out of PRC04
    tendered = typed("procurement", [proc("O1", "open_tender", notice_date="2025-03-01")])
    assert list(split_purchases(tendered, AS_OF, open_tender_limits=OPEN_LIMITS, decentralised_limits=DEC_LIMITS,
                                window_days=90, level="alert").columns) == [
        *REGISTRY, "level", "threshold", "limit_zh", "limit_en", "window_sum", "count"]
    self_procured = typed("procurement", [proc("P1", "self_procured", award_date="2025-03-01")])
    assert list(single_source_use(self_procured, AS_OF, decentralised_limits=DEC_LIMITS, share_warning=0.3,
                                  level="warning").columns) == [
        *REGISTRY, "level", "threshold", "share", "single_value", "total_value", "large_ids", "large_count"]


# ---------------------------------------------------------------------------------------- PRC01
def test_bidder_levels_every_column_of_every_row():
    rows = [
        # one bid in an open tender: graded by the registry (level left missing)
        proc("B1", "open_tender", 500_000.0, bidders=1, award_date="2025-05-10", award_amount=480_000.5),
        # three bids in a negotiation: above the alert count, not a tender → forced ok
        proc("N3", "competitive_negotiation", 300_000.0, unit="U2", bidders=3, award_date="2025-06-30"),
        # no bid, no winner, but an award of 0.50 yuan > 0: awarded, so assessed (not a failed tender)
        proc("Z0", "inquiry", 0.8, bidders=0, award_date="2025-07-01", award_amount=0.5),
        # no bid, nothing awarded: a failed tender, not assessed
        proc("Q0", "inquiry", 100_000.0, bidders=0, award_date="2025-07-01"),
        # awarded after as_of: not assessed
        proc("L1", "open_tender", bidders=1, award_date="2026-01-01", award_amount=1.0),
    ]
    res = bidder_levels(typed("procurement", rows), AS_OF, competitive_methods=COMPETITIVE,
                        warning_methods=TENDERS, alert=1)
    assert list(res.columns) == ["subject_id", "unit_code", "period", "value", "level", "method", "bidders",
                                 "procurement_value", "method_zh", "method_en", "evidence"]
    assert records(res) == [
        {"subject_id": "B1", "unit_code": "U1", "period": "2025-05", "value": 1.0, "level": None,
         "method": "open_tender", "bidders": 1, "procurement_value": 480_000.5, "method_zh": "公开招标",
         "method_en": "open tender", "evidence": {"procurement_id": "B1", "method": "open_tender", "bidders": 1}},
        {"subject_id": "N3", "unit_code": "U2", "period": "2025-06", "value": 3.0, "level": "ok",
         "method": "competitive_negotiation", "bidders": 3, "procurement_value": 300_000.0,  # no award: estimate
         "method_zh": "竞争性谈判", "method_en": "competitive negotiation",
         "evidence": {"procurement_id": "N3", "method": "competitive_negotiation", "bidders": 3}},
        {"subject_id": "Z0", "unit_code": "U1", "period": "2025-07", "value": 0.0, "level": None,
         "method": "inquiry", "bidders": 0, "procurement_value": 0.5, "method_zh": "询价", "method_en": "inquiry",
         "evidence": {"procurement_id": "Z0", "method": "inquiry", "bidders": 0}},
    ]


def test_helpers_coerce_a_count_or_amount_that_is_not_a_number_to_missing():
    # a frame that was not validated: text where a number should be is missing, not an error
    raw = pd.DataFrame({
        "procurement_id": ["B2", "BX"], "unit_code": ["U1", "U1"], "method": ["open_tender", "open_tender"],
        "item_category": ["A02", "A02"], "category": ["goods", "goods"],
        "estimated_amount": [200_000.0, 100_000.0], "bidders": ["2", "未知"],
        "award_amount": ["190000", "待定"], "award_date": pd.to_datetime(["2025-05-10", "2025-05-11"]),
    })
    res = bidder_levels(raw, AS_OF, competitive_methods=COMPETITIVE, warning_methods=TENDERS, alert=1)
    assert res["subject_id"].tolist() == ["B2"] and res["bidders"].tolist() == [2]  # BX: no count
    ratio = award_to_estimate(raw, AS_OF, competitive_methods=COMPETITIVE)
    # BX: award 待定 → missing → not a positive award; B2: 190,000 / 200,000 = 0.95
    assert ratio["subject_id"].tolist() == ["B2"] and ratio["value"].tolist() == [0.95]
    raw["method"] = ["single_source", "open_tender"]
    share = single_source_use(raw, AS_OF, decentralised_limits=DEC_LIMITS, share_warning=0.3, level="warning")
    # BX's award 待定 falls back to its estimate 100,000: single 190,000 of 290,000 in all
    assert records(share[["single_value", "total_value"]]) == [{"single_value": 190_000.0,
                                                                 "total_value": 290_000.0}]


# ---------------------------------------------------------------------------------------- PRC02
def test_submission_periods_every_column_with_working_days_across_national_day():
    cal = WorkdayCalendar()
    rows = [
        # open tender 1 → 20 March 2025: 19 calendar days < 20
        proc("T19", "open_tender", notice_date="2025-03-01", bid_deadline="2025-03-20"),
        # negotiation Thu 26 → Mon 30 Sep 2024: Fri 27, Sun 29 (调休), Mon 30 = 3 working days = minimum → ok
        proc("N3", "competitive_negotiation", 250_000.0, unit="U2", notice_date="2024-09-26",
             bid_deadline="2024-09-30", award_amount=240_000.0),
        # inquiry Mon 30 Sep → Tue 8 Oct 2024: 8 calendar days but only Tue 8 Oct is a working day
        proc("I1", "inquiry", notice_date="2024-09-30", bid_deadline="2024-10-08"),
        # single source has no legal minimum; a tender without a deadline cannot be measured
        proc("S1", "single_source", notice_date="2025-03-01", bid_deadline="2025-03-02"),
        proc("T0", "open_tender", notice_date="2025-03-01"),
    ]
    assert workdays_reference("2024-09-26", "2024-09-30") == 3
    assert workdays_reference("2024-09-30", "2024-10-08") == 1
    res = submission_periods(typed("procurement", rows), AS_OF, min_days=MIN_DAYS,
                             working_day_methods=["competitive_negotiation", "inquiry"],
                             is_workday=cal.is_workday, level="alert")
    assert list(res.columns) == ["subject_id", "unit_code", "period", "value", "level", "threshold",
                                 "procurement_value", "method", "method_zh", "method_en", "day_unit_zh",
                                 "day_unit_en", "evidence"]
    assert records(res) == [
        {"subject_id": "T19", "unit_code": "U1", "period": "2025-03", "value": 19.0, "level": "alert",
         "threshold": 20.0, "procurement_value": 500_000.0, "method": "open_tender", "method_zh": "公开招标",
         "method_en": "open tender", "day_unit_zh": "日", "day_unit_en": "days",
         "evidence": {"procurement_id": "T19", "method": "open_tender", "notice_date": "2025-03-01",
                      "bid_deadline": "2025-03-20", "days": 19, "working_days": False, "legal_minimum": 20}},
        {"subject_id": "N3", "unit_code": "U2", "period": "2024-09", "value": 3.0, "level": "ok",
         "threshold": 3.0, "procurement_value": 240_000.0, "method": "competitive_negotiation",
         "method_zh": "竞争性谈判", "method_en": "competitive negotiation", "day_unit_zh": "个工作日",
         "day_unit_en": "working days",
         "evidence": {"procurement_id": "N3", "method": "competitive_negotiation", "notice_date": "2024-09-26",
                      "bid_deadline": "2024-09-30", "days": 3, "working_days": True, "legal_minimum": 3}},
        {"subject_id": "I1", "unit_code": "U1", "period": "2024-09", "value": 1.0, "level": "alert",
         "threshold": 3.0, "procurement_value": 500_000.0, "method": "inquiry", "method_zh": "询价",
         "method_en": "inquiry", "day_unit_zh": "个工作日", "day_unit_en": "working days",
         "evidence": {"procurement_id": "I1", "method": "inquiry", "notice_date": "2024-09-30",
                      "bid_deadline": "2024-10-08", "days": 1, "working_days": True, "legal_minimum": 3}},
    ]


def test_count_workdays_missing_dates_give_nan_as_floats():
    cal = WorkdayCalendar()
    start = pd.Series(pd.to_datetime([None, "2024-09-30", "2024-09-26"]))
    end = pd.Series(pd.to_datetime(["2024-10-08", None, "2024-10-08"]))
    out = count_workdays(start, end, cal.is_workday)
    assert out.dtype == np.float64
    # 26 Sep → 8 Oct: Fri 27, Sun 29 (调休), Mon 30, Tue 8 Oct = 4 (1–7 Oct the holiday, Sat 12 later)
    assert workdays_reference("2024-09-26", "2024-10-08") == 4
    assert out.isna().tolist() == [True, True, False] and out.iloc[2] == 4.0
    # only the deadline known, in every row: nothing to count, no error
    only_end = count_workdays(pd.Series(pd.to_datetime([None])), pd.Series(pd.to_datetime(["2024-10-08"])),
                              cal.is_workday)
    assert only_end.dtype == np.float64 and only_end.isna().all()


# ---------------------------------------------------------------------------------------- PRC03
def test_split_purchases_every_column_of_every_row_with_both_limits():
    rows = [
        # U1, A02 goods (decentralised 1,000,000, open tender 2,000,000): 400,000.10 + 600,000.20 within 31 days
        # = 1,000,000.30 ≥ 1,000,000 → S2 is a split below the decentralised limit (sum < 2,000,000)
        proc("S1", "self_procured", 400_000.10, notice_date="2025-01-10"),
        proc("S2", "inquiry", 600_000.20, notice_date="2025-02-10"),
        # an openly tendered purchase in between is not counted (else S2's window would hold three)
        proc("E1", "open_tender", 400_000.00, notice_date="2025-02-01"),
        # launched after as_of: not assessed
        proc("F1", "self_procured", 900_000.00, notice_date="2026-01-05"),
        # U1, A05 goods: 1,500,000 is not below the decentralised limit but is below the open-tender one;
        # 1,500,000 + 900,000 = 2,400,000 ≥ 2,000,000 → O2 reaches the open-tender threshold
        proc("O1", "self_procured", 1_500_000.00, item_category="A05", notice_date="2025-03-01"),
        proc("O2", "inquiry", 900_000.00, item_category="A05", notice_date="2025-03-31"),
        # U2, B01 works (decentralised 1,200,000): W1 is more than 90 days before W2 and W3, whose window
        # then holds 300,000 + 300,000 = 600,000 < 1,200,000 → no finding
        proc("W1", "self_procured", 600_000.00, unit="U2", item_category="B01", category="works",
             notice_date="2025-01-01"),
        proc("W2", "self_procured", 300_000.00, unit="U2", item_category="B01", category="works",
             notice_date="2025-06-01"),
        proc("W3", "self_procured", 300_000.00, unit="U2", item_category="B01", category="works",
             notice_date="2025-06-02"),
    ]
    res = split_purchases(typed("procurement", rows), AS_OF, open_tender_limits=OPEN_LIMITS,
                          decentralised_limits=DEC_LIMITS, window_days=90, level="alert")

    def ok(pid: str, unit: str, amount: float, period: str) -> dict[str, Any]:
        return {"subject_id": pid, "unit_code": unit, "value": amount, "level": "ok", "threshold": None,
                "limit_zh": "", "limit_en": "", "window_sum": amount, "count": 1,
                "evidence": {"procurement_id": pid}, "period": period}

    assert records(res) == [
        ok("S1", "U1", 400_000.10, "2025-01"),
        {"subject_id": "S2", "unit_code": "U1", "value": 1_000_000.30, "level": "alert", "threshold": 1_000_000.0,
         "limit_zh": "分散采购限额标准", "limit_en": "decentralised procurement limit",
         "window_sum": 1_000_000.30, "count": 2,
         "evidence": {"procurement_ids": ["S1", "S2"], "estimated_amounts": [400_000.10, 600_000.20],
                      "first_date": "2025-01-10", "last_date": "2025-02-10", "window_days": 90,
                      "sum": 1_000_000.30, "limit": 1_000_000.0, "limit_kind": "decentralised"},
         "period": "2025-02"},
        ok("O1", "U1", 1_500_000.0, "2025-03"),
        {"subject_id": "O2", "unit_code": "U1", "value": 2_400_000.0, "level": "alert", "threshold": 2_000_000.0,
         "limit_zh": "公开招标数额标准", "limit_en": "open-tender threshold", "window_sum": 2_400_000.0, "count": 2,
         "evidence": {"procurement_ids": ["O1", "O2"], "estimated_amounts": [1_500_000.0, 900_000.0],
                      "first_date": "2025-03-01", "last_date": "2025-03-31", "window_days": 90,
                      "sum": 2_400_000.0, "limit": 2_000_000.0, "limit_kind": "open_tender"},
         "period": "2025-03"},
        ok("W1", "U2", 600_000.0, "2025-01"),
        ok("W2", "U2", 300_000.0, "2025-06"),
        ok("W3", "U2", 300_000.0, "2025-06"),
    ]



def test_split_purchases_sums_are_kept_to_the_cent_and_a_purchase_alone_in_its_window_is_no_split():
    rows = [
        # A02 goods (decentralised limit 1,000,000): 499,999.998 + 499,999.998 = 999,999.996, which is
        # 1,000,000.00 to the cent → reaches the limit; each amount is below it
        proc("C1", "self_procured", 499_999.998, notice_date="2025-01-10"),
        proc("C2", "self_procured", 499_999.998, notice_date="2025-02-10"),
        # A05 goods: 999,999.999 (1,000,000.00 to the cent) twice, 151 days apart: each alone in its
        # 90-day window, so neither is a split, though its own amount rounds to the limit
        proc("L1", "self_procured", 999_999.999, item_category="A05", notice_date="2025-01-01"),
        proc("L2", "self_procured", 999_999.999, item_category="A05", notice_date="2025-06-01"),
    ]
    res = split_purchases(typed("procurement", rows), AS_OF, open_tender_limits=OPEN_LIMITS,
                          decentralised_limits=DEC_LIMITS, window_days=90, level="alert")
    assert records(res[["subject_id", "level", "window_sum", "count"]]) == [
        {"subject_id": "C1", "level": "ok", "window_sum": 499_999.998, "count": 1},
        {"subject_id": "C2", "level": "alert", "window_sum": 1_000_000.0, "count": 2},
        {"subject_id": "L1", "level": "ok", "window_sum": 999_999.999, "count": 1},
        {"subject_id": "L2", "level": "ok", "window_sum": 999_999.999, "count": 1},
    ]
    assert res["evidence"].iloc[1]["estimated_amounts"] == [500_000.0, 500_000.0]

# ---------------------------------------------------------------------------------------- PRC06
def test_award_to_estimate_every_column_of_every_row():
    rows = [
        # 995,000.00 / 1,000,000.00 = 0.995, the warning bound
        proc("A1", "open_tender", 1_000_000.00, unit="U2", award_date="2025-04-15", award_amount=995_000.00),
        # amounts below one yuan are still positive: 0.50 / 0.80 = 0.625
        proc("A2", "inquiry", 0.80, award_date="2025-05-02", award_amount=0.50),
        # single source is not competitive; a zero award is no award; an award after as_of is not assessed
        proc("S1", "single_source", 100_000.00, award_date="2025-04-15", award_amount=100_000.00),
        proc("Z1", "open_tender", 100_000.00, award_date="2025-04-15", award_amount=0.0),
        proc("L1", "open_tender", 100_000.00, award_date="2026-01-02", award_amount=99_900.00),
    ]
    res = award_to_estimate(typed("procurement", rows), AS_OF, competitive_methods=COMPETITIVE)
    assert list(res.columns) == ["subject_id", "unit_code", "period", "value", "award_amount",
                                 "estimated_amount", "evidence"]
    got = records(res)
    assert [r.pop("value") for r in got] == pytest.approx([0.995, 0.625], rel=1e-12)
    assert got == [
        {"subject_id": "A1", "unit_code": "U2", "period": "2025-04", "award_amount": 995_000.0,
         "estimated_amount": 1_000_000.0,
         "evidence": {"procurement_id": "A1", "award_amount": 995_000.0, "estimated_amount": 1_000_000.0}},
        {"subject_id": "A2", "unit_code": "U1", "period": "2025-05", "award_amount": 0.5, "estimated_amount": 0.8,
         "evidence": {"procurement_id": "A2", "award_amount": 0.5, "estimated_amount": 0.8}},
    ]


# ------------------------------------------------------------------- through the registry: the messages
def _by_subject(findings: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["subject_id"]: {"level": str(r["level"]), "period": r["period"], "value": r["value"],
                              "threshold": r["threshold"], "unit_code": r["unit_code"],
                              "region_code": r["region_code"], "message_zh": r["message_zh"],
                              "message_en": r["message_en"], "evidence": json.loads(r["evidence"]),
                              "amount_at_risk": r["amount_at_risk"]}
            for r in findings.to_dict("records")}


def test_prc02_findings_word_for_word_in_days_and_working_days():
    findings, _ = run("PRC02", [
        proc("T19", "open_tender", notice_date="2024-03-01", bid_deadline="2024-03-20"),
        proc("I1", "inquiry", 80_000.25, notice_date="2024-09-30", bid_deadline="2024-10-08"),
    ], as_of="2024-12-31")
    assert _by_subject(findings) == {
        "T19": {"level": "alert", "period": "2024-03", "value": 19.0, "threshold": 20.0, "unit_code": "U1",
                "region_code": "330500",
                "message_zh": "市教育局 采购项目 T19（公开招标）等标期 19 日，低于法定最短 20 日",
                "message_en": "市教育局: procurement T19 (open tender) allowed 19 days for bids, "
                              "below the legal minimum of 20",
                "evidence": {"procurement_id": "T19", "method": "open_tender", "notice_date": "2024-03-01",
                             "bid_deadline": "2024-03-20", "days": 19, "working_days": False,
                             "legal_minimum": 20},
                "amount_at_risk": 500_000.0},
        # 30 Sep → 8 Oct 2024: 1–7 October are the National Day holiday, Tue 8 Oct is the one working day
        "I1": {"level": "alert", "period": "2024-09", "value": 1.0, "threshold": 3.0, "unit_code": "U1",
               "region_code": "330500",
               "message_zh": "市教育局 采购项目 I1（询价）等标期 1 个工作日，低于法定最短 3 个工作日",
               "message_en": "市教育局: procurement I1 (inquiry) allowed 1 working days for bids, "
                             "below the legal minimum of 3",
               "evidence": {"procurement_id": "I1", "method": "inquiry", "notice_date": "2024-09-30",
                            "bid_deadline": "2024-10-08", "days": 1, "working_days": True, "legal_minimum": 3},
               "amount_at_risk": 80_000.25},
    }


def test_prc03_findings_word_for_word_for_both_limits():
    findings, _ = run("PRC03", [
        # goods: 400,000.10 + 600,000.20 = 1,000,000.30 ≥ 1,000,000 (decentralised), < 2,000,000 (open tender)
        proc("S1", "self_procured", 400_000.10, notice_date="2025-01-10"),
        proc("S2", "inquiry", 600_000.20, notice_date="2025-02-10"),
        # goods, another item category: 1,500,000 + 900,000 = 2,400,000 ≥ 2,000,000, each below it
        proc("O1", "self_procured", 1_500_000.00, item_category="A05", notice_date="2025-03-01"),
        proc("O2", "inquiry", 900_000.00, item_category="A05", notice_date="2025-03-31"),
    ])
    assert _by_subject(findings) == {
        "S2": {"level": "alert", "period": "2025-02", "value": 1_000_000.30, "threshold": 1_000_000.0,
               "unit_code": "U1", "region_code": "330500",
               "message_zh": "市教育局 采购项目 S2 与前 90 天内同品目的采购共 2 笔，合计 1,000,000.30 元，"
                             "达到分散采购限额标准 1,000,000.00 元，而每笔均低于该标准",
               "message_en": "市教育局: procurement S2 and the same item category's purchases in the preceding "
                             "90 days (2 in all) sum to 1,000,000.30, reaching the decentralised procurement "
                             "limit of 1,000,000.00 while each is below it",
               "evidence": {"procurement_ids": ["S1", "S2"], "estimated_amounts": [400_000.10, 600_000.20],
                            "first_date": "2025-01-10", "last_date": "2025-02-10", "window_days": 90,
                            "sum": 1_000_000.30, "limit": 1_000_000.0, "limit_kind": "decentralised"},
               "amount_at_risk": 1_000_000.30},
        "O2": {"level": "alert", "period": "2025-03", "value": 2_400_000.0, "threshold": 2_000_000.0,
               "unit_code": "U1", "region_code": "330500",
               "message_zh": "市教育局 采购项目 O2 与前 90 天内同品目的采购共 2 笔，合计 2,400,000.00 元，"
                             "达到公开招标数额标准 2,000,000.00 元，而每笔均低于该标准",
               "message_en": "市教育局: procurement O2 and the same item category's purchases in the preceding "
                             "90 days (2 in all) sum to 2,400,000.00, reaching the open-tender threshold of "
                             "2,000,000.00 while each is below it",
               "evidence": {"procurement_ids": ["O1", "O2"], "estimated_amounts": [1_500_000.0, 900_000.0],
                            "first_date": "2025-03-01", "last_date": "2025-03-31", "window_days": 90,
                            "sum": 2_400_000.0, "limit": 2_000_000.0, "limit_kind": "open_tender"},
               "amount_at_risk": 2_400_000.0},
    }
