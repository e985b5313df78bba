"""PRC01–PRC06: a hand-made procurement table per indicator, run through the registry."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from fiscalrisk.calendar import WorkdayCalendar
from fiscalrisk.indicators import run_indicator
from fiscalrisk.indicators.procurement import count_workdays
from fiscalrisk.params import resolve
from fiscalrisk.scan import make_context

from ._tables import typed

REGIONS = typed(
    "regions", [{"region_code": "330500", "name": "湖州市", "level": "city", "parent_code": None}]
)
UNITS = typed(
    "units",
    [
        {"unit_code": "U1", "name": "市教育局", "region_code": "330500"},
        {"unit_code": "U2", "name": "市卫健委", "region_code": "330500"},
        {"unit_code": "U3", "name": "市交通局", "region_code": "330500"},
    ],
)


def run(code: str, procurement: list[dict[str, Any]], as_of: str = "2025-12-31", **overrides: Any):
    params = resolve(overrides={"indicators": {code: overrides}} if overrides else None)
    ctx = make_context(
        {"regions": REGIONS, "units": UNITS, "procurement": typed("procurement", procurement)},
        pd.Timestamp(as_of),
        params,
    )
    return run_indicator(code, ctx)


def levels(findings: pd.DataFrame) -> dict[str, str]:
    return dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True))


def proc(pid: str, method: str, amount: float = 500_000.0, unit: str = "U1", **kw: Any) -> dict[str, Any]:
    row = {
        "procurement_id": pid,
        "unit_code": unit,
        "item": "办公设备",
        "item_category": "A02",
        "category": "goods",
        "method": method,
        "estimated_amount": amount,
    }
    row.update(kw)
    return row


# ---------------------------------------------------------------------------------------- PRC01
PRC01_FIXTURE = [
    proc("B1", "open_tender", bidders=1, award_date="2025-05-10"),
    proc("B2", "open_tender", bidders=2, award_date="2025-05-10"),
    proc("B3", "competitive_negotiation", bidders=2, award_date="2025-05-10"),
    proc("B4", "inquiry", bidders=1, award_date="2025-05-10"),
    proc("B5", "single_source", bidders=1, award_date="2025-05-10"),
    proc("B6", "invited_tender", bidders=3, award_date="2025-05-10"),
    proc("B7", "open_tender", bidders=0, award_date="2025-05-10"),
    proc("B8", "invited_tender", bidders=0, award_date="2025-05-10", winner_name="某某公司"),
    proc("B9", "open_tender", bidders=None, award_date="2025-05-10"),
]


def test_prc01_single_bid_alerts_and_two_bids_warn_only_in_tenders():
    findings, assessed = run("PRC01", PRC01_FIXTURE)
    assert levels(findings) == {"B1": "alert", "B2": "warning", "B4": "alert", "B8": "alert"}
    assert set(findings["period"]) == {"2025-05"}
    # B1–B4, B6, B8: single-source, the failed tender B7 and the missing count B9 are not assessed
    assert int(assessed["assessed"].sum()) == 6
    b2 = findings.set_index("subject_id").loc["B2"]
    assert b2["threshold"] == 2 and "仅有 2 家" in b2["message_zh"]


# ---------------------------------------------------------------------------------------- PRC02
def test_prc02_tender_needs_twenty_days_counted_from_the_day_after_the_notice():
    findings, _ = run(
        "PRC02",
        [
            proc("T20", "open_tender", notice_date="2025-03-01", bid_deadline="2025-03-21"),
            proc("T19", "open_tender", notice_date="2025-03-01", bid_deadline="2025-03-20"),
            proc("C10", "competitive_consultation", notice_date="2025-03-01", bid_deadline="2025-03-11"),
            proc("C09", "competitive_consultation", notice_date="2025-03-01", bid_deadline="2025-03-10"),
            proc("S1", "single_source", notice_date="2025-03-01", bid_deadline="2025-03-02"),
            proc("T_nodate", "open_tender", notice_date="2025-03-01"),
        ],
    )
    assert levels(findings) == {"T19": "alert", "C09": "alert"}
    t19 = findings.set_index("subject_id").loc["T19"]
    assert (t19["value"], t19["threshold"], t19["period"]) == (19, 20, "2025-03")
    assert json.loads(t19["evidence"])["legal_minimum"] == 20


def test_prc02_negotiation_counts_working_days_with_tiaoxiu_and_holidays():
    findings, _ = run(
        "PRC02",
        [
            # Sunday 2024-09-29 was a 调休 working day: Fri 27 → Mon 30 gives Sun 29 + Mon 30 = 2
            proc("N2", "competitive_negotiation", notice_date="2024-09-27", bid_deadline="2024-09-30"),
            # Thu 26 → Mon 30: Fri 27, Sun 29, Mon 30 = 3 working days, the legal minimum
            proc("N3", "competitive_negotiation", notice_date="2024-09-26", bid_deadline="2024-09-30"),
            # eight calendar days across the National Day holiday are one working day (Tue 8 Oct)
            proc("I1", "inquiry", notice_date="2024-09-30", bid_deadline="2024-10-08"),
        ],
        as_of="2024-12-31",
    )
    assert levels(findings) == {"N2": "alert", "I1": "alert"}
    f = findings.set_index("subject_id")
    assert f.loc["N2", "value"] == 2 and f.loc["I1", "value"] == 1
    assert "个工作日" in f.loc["I1", "message_zh"]


def test_count_workdays_is_half_open():
    cal = WorkdayCalendar()
    start = pd.Series(pd.to_datetime(["2024-09-27", "2024-09-30", "2024-09-30"]))
    end = pd.Series(pd.to_datetime(["2024-09-30", "2024-09-30", "2024-09-27"]))
    assert count_workdays(start, end, cal.is_workday).tolist() == [2, 0, -2]


# ---------------------------------------------------------------------------------------- PRC03
PRC03_FIXTURE = [
    # goods, category A02: three purchases in 70 days, each below 1,000,000, sum 1,100,000
    proc("G1", "self_procured", 400_000, item_category="A02", notice_date="2025-01-10"),
    proc("G2", "inquiry", 400_000, item_category="A02", notice_date="2025-02-10"),
    proc("G3", "self_procured", 300_000, item_category="A02", notice_date="2025-03-20"),
    # works, category B01: exactly 90 days apart and exactly at the 1,200,000 works limit
    proc("W1", "self_procured", 600_000, item_category="B01", category="works", notice_date="2025-01-01"),
    proc("W2", "self_procured", 600_000, item_category="B01", category="works", notice_date="2025-04-01"),
    # works, category B02: 91 days apart → two separate purchases
    proc("X1", "self_procured", 600_000, item_category="B02", category="works", notice_date="2025-01-01"),
    proc("X2", "self_procured", 600_000, item_category="B02", category="works", notice_date="2025-04-02"),
    # goods, category C: below the open-tender standard each (2,000,000), 2,400,000 together
    proc("O1", "competitive_consultation", 1_500_000, item_category="C", notice_date="2025-06-01"),
    proc("O2", "competitive_negotiation", 900_000, item_category="C", notice_date="2025-06-20"),
    # an open tender cannot be avoiding anything, and another unit's purchase is not part of the split
    proc("O3", "open_tender", 900_000, item_category="C", notice_date="2025-06-21"),
    proc("Z1", "self_procured", 900_000, unit="U2", item_category="A02", notice_date="2025-02-11"),
]


def test_prc03_flags_the_purchase_that_completes_a_split():
    findings, assessed = run("PRC03", PRC03_FIXTURE)
    assert levels(findings) == {"G3": "alert", "W2": "alert", "O2": "alert"}
    f = findings.set_index("subject_id")
    assert (f.loc["G3", "value"], f.loc["G3", "threshold"]) == (1_100_000, 1_000_000)
    assert json.loads(f.loc["G3", "evidence"])["procurement_ids"] == ["G1", "G2", "G3"]
    assert (f.loc["W2", "value"], f.loc["W2", "threshold"]) == (1_200_000, 1_200_000)
    assert (f.loc["O2", "threshold"], json.loads(f.loc["O2", "evidence"])["limit_kind"]) == (
        2_000_000,
        "open_tender",
    )
    assert "公开招标数额标准" in f.loc["O2", "message_zh"]
    assert f.loc["G3", "period"] == "2025-03"
    assert int(assessed["assessed"].sum()) == 10  # every purchase but the open tender O3


def test_prc03_window_is_a_parameter():
    findings, _ = run("PRC03", PRC03_FIXTURE, window_days=30)
    assert levels(findings) == {"O2": "alert"}


# ---------------------------------------------------------------------------------------- PRC04
def test_prc04_large_single_source_or_high_share_per_unit_and_year():
    findings, assessed = run(
        "PRC04",
        [
            # U1 2025: a low share (4.4 M of 24.4 M) but two single-source purchases at their limits
            proc("S1", "single_source", 1_000_000, award_date="2025-04-20"),
            proc("S2", "single_source", 999_999.99, award_date="2025-04-20"),
            proc("S3", "single_source", 1_200_000, category="works", notice_date="2025-04-01"),
            proc("S4", "single_source", 1_199_999, category="works", notice_date="2025-04-01"),
            proc("K1", "open_tender", 21_000_000, award_date="2025-03-01", award_amount=20_000_000),
            # U1 2024: below the limit and 10 % of value → ok
            proc("S5", "single_source", 999_999.99, award_date="2024-04-20"),
            proc("K2", "open_tender", 9_000_000.09, award_date="2024-03-01"),
            # U2: 300,000 of 1,000,000 is exactly 30 % (not above); U3: 310,000 of 1,000,000 is,
            # the self-procured purchase staying out of the denominator
            proc("U2S", "single_source", 300_000, unit="U2", award_date="2025-05-01"),
            proc("U2K", "inquiry", 700_000, unit="U2", award_date="2025-05-01"),
            proc("U3S", "single_source", 310_000, unit="U3", award_date="2025-05-01"),
            proc("U3K", "inquiry", 690_000, unit="U3", award_date="2025-05-01"),
            proc("U3P", "self_procured", 5_000_000, unit="U3", award_date="2025-05-01"),
        ],
    )
    triples = zip(findings["subject_id"], findings["period"], findings["level"].astype(str), strict=True)
    assert sorted(triples) == [("U1", "2025", "warning"), ("U3", "2025", "warning")]
    f = findings.set_index("subject_id")
    assert f.loc["U1", "value"] == pytest.approx(4_399_998.99 / 24_399_998.99)
    evidence = json.loads(f.loc["U1", "evidence"])
    assert sorted(evidence["above_decentralised_limit"]) == ["S1", "S3"]
    assert evidence["share_above_limit"] is False
    assert "达到分散采购限额的单一来源采购：S1、S3" in f.loc["U1", "message_zh"]
    assert f.loc["U3", "value"] == pytest.approx(0.31) and f.loc["U3", "threshold"] == 0.30
    assert "31.0%" in f.loc["U3", "message_zh"] and "分散采购限额" not in f.loc["U3", "message_zh"]
    assert int(assessed["assessed"].sum()) == 4


# ---------------------------------------------------------------------------------------- PRC05
def award(pid: str, unit: str, winner: str, amount: float, date: str = "2025-06-01") -> dict[str, Any]:
    return proc(
        pid, "open_tender", amount, unit=unit, winner_name=winner, award_amount=amount, award_date=date
    )


def test_prc05_hhi_over_normalised_winner_names():
    rows = [
        # U1: 甲 takes 60 % under three spellings, 乙 and 丙 20 % each: HHI 0.36 + 0.04 + 0.04 = 0.44
        award("A1", "U1", "湖州甲建设有限公司", 100_000),
        award("A2", "U1", "湖州甲建设 有限责任公司", 100_000),
        award("A3", "U1", "湖州甲建设（有限公司）", 100_000),
        award("A4", "U1", "乙科技有限公司", 100_000),
        award("A5", "U1", "丙服务有限公司", 100_000),
        # U2: five awards, all to one supplier → 1.0; but in 2024 only four → not assessed
        *[award(f"B{i}", "U2", "丁有限公司", 50_000) for i in range(5)],
        *[award(f"C{i}", "U2", "丁有限公司", 50_000, "2024-03-01") for i in range(4)],
        # U3: five equal suppliers → 0.20, below the warning
        *[award(f"D{i}", "U3", f"供应商{i}", 80_000) for i in range(5)],
    ]
    findings, assessed = run("PRC05", rows)
    assert sorted(
        zip(findings["subject_id"], findings["period"], findings["level"].astype(str), strict=True)
    ) == [
        ("U1", "2025", "warning"),
        ("U2", "2025", "alert"),
    ]
    f = findings.set_index("subject_id")
    assert f.loc["U1", "value"] == pytest.approx(0.44)
    assert f.loc["U1", "threshold"] == 0.25 and f.loc["U2", "threshold"] == 0.5
    assert "60.0%" in f.loc["U1", "message_zh"]
    assert int(assessed["assessed"].sum()) == 3


def test_prc05_hhi_at_the_warning_bound_warns():
    rows = [award(f"E{i}", "U1", f"供应商{i % 4}", 100_000) for i in range(8)]  # four equal: HHI 0.25
    findings, _ = run("PRC05", rows)
    assert levels(findings) == {"U1": "warning"}


# ---------------------------------------------------------------------------------------- PRC06
def test_prc06_award_at_the_estimate_in_competitive_methods():
    findings, _ = run(
        "PRC06",
        [
            proc("R1", "open_tender", 1_000_000, award_amount=995_000, award_date="2025-07-01"),
            proc("R2", "open_tender", 1_000_000, award_amount=994_999.99, award_date="2025-07-01"),
            proc("R3", "inquiry", 200_000, award_amount=200_000, award_date="2025-07-01"),
            proc("R4", "single_source", 200_000, award_amount=200_000, award_date="2025-07-01"),
            proc("R5", "inquiry", 200_000, award_amount=200_000, award_date="2026-01-05"),  # after as_of
        ],
    )
    assert levels(findings) == {"R1": "warning", "R3": "warning"}
    assert findings.set_index("subject_id").loc["R1", "period"] == "2025-07"


def test_prc_indicators_have_documentation_pages():
    from fiscalrisk.indicators import get

    for code in ("PRC01", "PRC02", "PRC03", "PRC04", "PRC05", "PRC06"):
        page = get(code).page
        assert "Why it is a risk" in page and "Exclusions" in page
