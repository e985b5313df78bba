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
    from fiscalrisk.indicators.docs import page as doc_page

    for code in ("PRC01", "PRC02", "PRC03", "PRC04", "PRC05", "PRC06"):
        # the why is the decorator's (on the generated page), the exclusions the docstring's
        assert "Why this is a risk" in doc_page(code) and "Exclusions" in get(code).page


# ======================================================================================================
# Boundaries and exclusions: each threshold at, just below and just above it; windows at their exact
# length; each exclusion with a case where it changes the result; the as_of day itself. Parameters are
# moved through the context's ``indicators={CODE: {...}}`` overrides.
# ======================================================================================================
from . import _tables  # noqa: E402
from ._coverage import covers  # noqa: E402


def boundary_run(code: str, rows: list[dict[str, Any]], as_of: str = "2025-12-31",
                 params: dict[str, Any] | None = None, **more: Any):
    """Run ``code`` over ``rows`` with the shared test regions and units, ``params`` as its overrides."""
    ctx = _tables.context({"procurement": typed("procurement", rows)}, as_of,
                          {code: params} if params else None, **more)
    return _tables.run(code, ctx)


def graded(code: str, rows: list[dict[str, Any]], as_of: str = "2025-12-31",
           params: dict[str, Any] | None = None, **more: Any) -> dict[str, str]:
    findings, _ = boundary_run(code, rows, as_of, params, **more)
    return _tables.flagged(findings)


# ---------------------------------------------------------------------------------------- PRC01
def _bids(method: str, counts: tuple[int, ...]) -> list[dict[str, Any]]:
    return [proc(f"{method[:3]}{n}", method, bidders=n, award_date="2025-05-10") for n in counts]


@covers("PRC01", "alert", "warning")
def test_prc01_bidder_counts_at_and_around_both_counts():
    rows = _bids("open_tender", (1, 2, 3, 4)) + _bids("competitive_negotiation", (1, 2, 3))
    # defaults: alert at ≤ 1 bidder anywhere, warning at ≤ 2 in a tender
    assert graded("PRC01", rows) == {"ope1": "alert", "ope2": "warning", "com1": "alert"}
    # moved one up: 2 bidders alert everywhere, 3 warn in a tender, 3 in a negotiation is tolerated
    assert graded("PRC01", rows, params={"alert": 2, "warning": 3}) == {
        "ope1": "alert", "ope2": "alert", "ope3": "warning", "com1": "alert", "com2": "alert"}
    # warning moved alone: 3 bidders warn in a tender, 1 is still the alert
    assert graded("PRC01", rows, params={"warning": 3}) == {
        "ope1": "alert", "ope2": "warning", "ope3": "warning", "com1": "alert"}


@covers("PRC01", "warning_methods")
def test_prc01_two_bidders_warn_only_in_the_warning_methods():
    rows = (_bids("open_tender", (2,)) + _bids("invited_tender", (2,)) + _bids("inquiry", (2,))
            + _bids("inquiry", (1,)))
    assert graded("PRC01", rows) == {"ope2": "warning", "inv2": "warning", "inq1": "alert"}
    assert graded("PRC01", rows, params={"warning_methods": ["open_tender"]}) == {
        "ope2": "warning", "inq1": "alert"}
    assert graded("PRC01", rows, params={"warning_methods": ["open_tender", "invited_tender", "inquiry"]}) == {
        "ope2": "warning", "inv2": "warning", "inq2": "warning", "inq1": "alert"}


def test_prc01_exclusions_change_the_result():
    rows = [
        # no bid and an award amount: an award without competition, not a failed tender
        proc("Z-awarded", "open_tender", bidders=0, award_amount=480_000, award_date="2025-05-10"),
        proc("Z-failed", "open_tender", bidders=0, award_date="2025-05-10"),
        # not a competitive method: one bid is the nature of single source
        proc("S1", "single_source", bidders=1, award_date="2025-05-10"),
        proc("F1", "framework", bidders=1, award_date="2025-05-10"),
        proc("C1", "competitive_consultation", bidders=1, award_date="2025-05-10"),
    ]
    findings, assessed = boundary_run("PRC01", rows)
    assert _tables.flagged(findings) == {"Z-awarded": "alert", "C1": "alert"}
    assert int(assessed["assessed"].sum()) == 2


def test_prc01_award_on_as_of_counts_and_the_day_after_does_not():
    rows = [
        proc("ON", "open_tender", bidders=1, award_date="2025-06-30"),
        proc("AFTER", "open_tender", bidders=1, award_date="2025-07-01"),
        # without an award date the deadline dates it: after as_of, not yet assessed
        proc("DEADLINE-AFTER", "open_tender", bidders=1, bid_deadline="2025-07-01"),
    ]
    findings, assessed = boundary_run("PRC01", rows, as_of="2025-06-30")
    assert _tables.flagged(findings) == {"ON": "alert"}
    assert findings["period"].tolist() == ["2025-06"]
    assert int(assessed["assessed"].sum()) == 1


def test_prc01_two_units_are_graded_each_on_their_own_procurement():
    rows = [proc("A", "open_tender", unit="U1", bidders=2, award_date="2025-05-10", winner_name="甲有限公司"),
            proc("B", "open_tender", unit="U2", bidders=3, award_date="2025-05-10", winner_name="甲有限公司")]
    findings, _ = boundary_run("PRC01", rows)
    assert _tables.flagged(findings) == {"A": "warning"}
    assert findings["unit_code"].tolist() == ["U1"]


# ---------------------------------------------------------------------------------------- PRC02
@covers("PRC02", "level")
def test_prc02_level_follows_the_parameter():
    rows = [proc("T19", "open_tender", notice_date="2025-03-01", bid_deadline="2025-03-20")]
    assert graded("PRC02", rows) == {"T19": "alert"}
    assert graded("PRC02", rows, params={"level": "warning"}) == {"T19": "warning"}


@covers("PRC02", "working_day_methods")
def test_prc02_working_day_methods_count_working_days_instead_of_calendar_days():
    rows = [
        # Thu 6 → Mon 10 March 2025: 4 calendar days, 2 working days (Fri 7, Mon 10)
        proc("I2", "inquiry", notice_date="2025-03-06", bid_deadline="2025-03-10"),
        # Mon 3 → Thu 6: 3 working days, exactly the minimum; Mon 3 → Wed 5: 2, one short
        proc("I3", "inquiry", notice_date="2025-03-03", bid_deadline="2025-03-06"),
        proc("N2", "competitive_negotiation", notice_date="2025-03-03", bid_deadline="2025-03-05"),
    ]
    assert graded("PRC02", rows) == {"I2": "alert", "N2": "alert"}
    # counted in calendar days, the weekend makes up the minimum of I2
    assert graded("PRC02", rows, params={"working_day_methods": []}) == {"N2": "alert"}
    findings, _ = boundary_run("PRC02", rows)
    assert findings.set_index("subject_id").loc["I2", "value"] == 2


def test_prc02_each_legal_minimum_at_and_one_day_below():
    rows = [
        proc("INV20", "invited_tender", notice_date="2025-04-01", bid_deadline="2025-04-21"),
        proc("INV19", "invited_tender", notice_date="2025-04-01", bid_deadline="2025-04-20"),
        proc("CON10", "competitive_consultation", notice_date="2025-04-01", bid_deadline="2025-04-11"),
        proc("CON09", "competitive_consultation", notice_date="2025-04-01", bid_deadline="2025-04-10"),
        # 21 days is above the minimum
        proc("OPN21", "open_tender", notice_date="2025-04-01", bid_deadline="2025-04-22"),
    ]
    findings, assessed = boundary_run("PRC02", rows)
    assert _tables.flagged(findings) == {"INV19": "alert", "CON09": "alert"}
    f = findings.set_index("subject_id")
    assert (f.loc["INV19", "value"], f.loc["INV19", "threshold"]) == (19, 20)
    assert (f.loc["CON09", "value"], f.loc["CON09", "threshold"]) == (9, 10)
    assert int(assessed["assessed"].sum()) == 5


def test_prc02_notice_on_as_of_is_assessed_and_the_day_after_is_not():
    rows = [proc("ON", "open_tender", notice_date="2025-06-30", bid_deadline="2025-07-10"),
            proc("AFTER", "open_tender", notice_date="2025-07-01", bid_deadline="2025-07-05")]
    findings, assessed = boundary_run("PRC02", rows, as_of="2025-06-30")
    assert _tables.flagged(findings) == {"ON": "alert"}
    assert int(assessed["assessed"].sum()) == 1


# ---------------------------------------------------------------------------------------- PRC03
def _works(pid: str, amount: float, date: str, method: str = "self_procured", **kw: Any) -> dict[str, Any]:
    kw.setdefault("item_category", "B01")
    return proc(pid, method, amount, category="works", notice_date=date, **kw)


@covers("PRC03", "window_days")
def test_prc03_window_at_its_exact_length_and_one_day_longer():
    # works limit 1,200,000; the pairs are 90 and 91 days apart
    rows = [_works("W1", 600_000, "2025-01-01"), _works("W2", 600_000, "2025-04-01"),
            _works("X1", 600_000, "2025-01-01", item_category="B02"),
            _works("X2", 600_000, "2025-04-02", item_category="B02")]
    assert graded("PRC03", rows) == {"W2": "alert"}
    assert graded("PRC03", rows, params={"window_days": 91}) == {"W2": "alert", "X2": "alert"}
    assert graded("PRC03", rows, params={"window_days": 89}) == {}


@covers("PRC03", "level")
def test_prc03_level_follows_the_parameter():
    rows = [_works("W1", 600_000, "2025-01-01"), _works("W2", 600_000, "2025-02-01")]
    assert graded("PRC03", rows, params={"level": "warning"}) == {"W2": "warning"}


def test_prc03_sum_at_one_cent_below_and_each_purchase_must_be_below_the_limit():
    rows = [
        # B01: exactly the works limit together → split
        _works("A1", 700_000, "2025-01-01"), _works("A2", 500_000, "2025-02-01"),
        # B02: one cent short together
        _works("B1", 700_000, "2025-01-01", item_category="B02"),
        _works("B2", 499_999.99, "2025-02-01", item_category="B02"),
        # B03: the first purchase already at the limit went through procurement: not a split
        _works("C1", 1_200_000, "2025-01-01", item_category="B03"),
        _works("C2", 100_000, "2025-02-01", item_category="B03"),
    ]
    findings, _ = boundary_run("PRC03", rows)
    assert _tables.flagged(findings) == {"A2": "alert"}
    assert findings.set_index("subject_id").loc["A2", "value"] == 1_200_000


def test_prc03_thirds_that_do_not_add_up_in_floats_still_reach_the_limit():
    thirds = [333_333.33, 333_333.33, 333_333.34]  # 1,000,000.00 in cents
    rows = [proc(f"T{i}", "self_procured", a, item_category="A05", notice_date=f"2025-0{i + 1}-05")
            for i, a in enumerate(thirds)]
    findings, _ = boundary_run("PRC03", rows)
    assert _tables.flagged(findings) == {"T2": "alert"}
    assert findings["value"].iloc[0] == 1_000_000 and findings["threshold"].iloc[0] == 1_000_000


def test_prc03_framework_call_offs_are_not_counted():
    rows = [_works("F1", 600_000, "2025-01-01", method="framework"), _works("F2", 600_000, "2025-02-01"),
            _works("Q1", 600_000, "2025-01-01", method="inquiry", item_category="B02"),
            _works("Q2", 600_000, "2025-02-01", item_category="B02")]
    assert graded("PRC03", rows) == {"Q2": "alert"}


def test_prc03_two_units_buying_the_same_category_are_not_one_split():
    rows = [_works("U1a", 600_000, "2025-01-01", unit="U1"), _works("U2a", 600_000, "2025-02-01", unit="U2"),
            _works("U2b", 599_999.99, "2025-03-01", unit="U2")]
    assert graded("PRC03", rows) == {}
    rows.append(_works("U2c", 0.01, "2025-03-02", unit="U2"))
    assert graded("PRC03", rows) == {"U2c": "alert"}


def test_prc03_purchase_launched_on_as_of_counts_and_the_day_after_does_not():
    rows = [_works("W1", 600_000, "2025-05-01"), _works("W2", 600_000, "2025-06-30"),
            _works("W3", 600_000, "2025-07-01", item_category="B02"),
            _works("W0", 600_000, "2025-05-01", item_category="B02")]
    findings, assessed = boundary_run("PRC03", rows, as_of="2025-06-30")
    assert _tables.flagged(findings) == {"W2": "alert"}
    assert int(assessed["assessed"].sum()) == 3


# ---------------------------------------------------------------------------------------- PRC04
@covers("PRC04", "share_warning")
def test_prc04_share_at_just_above_and_with_a_moved_threshold():
    rows = [
        # U1: exactly 30 % single-source; U2: 30.000001 %; U3: 25 %
        proc("A-S", "single_source", 300_000, unit="U1", award_date="2025-05-01"),
        proc("A-K", "inquiry", 700_000, unit="U1", award_date="2025-05-01"),
        proc("B-S", "single_source", 300_000.01, unit="U2", award_date="2025-05-01"),
        proc("B-K", "inquiry", 699_999.99, unit="U2", award_date="2025-05-01"),
        proc("C-S", "single_source", 250_000, unit="U3", award_date="2025-05-01"),
        proc("C-K", "inquiry", 750_000, unit="U3", award_date="2025-05-01"),
    ]
    assert graded("PRC04", rows) == {"U2": "warning"}
    assert graded("PRC04", rows, params={"share_warning": 0.25}) == {"U1": "warning", "U2": "warning"}
    assert graded("PRC04", rows, params={"share_warning": 0.24999}) == {
        "U1": "warning", "U2": "warning", "U3": "warning"}


@covers("PRC04", "level")
def test_prc04_level_follows_the_parameter():
    rows = [proc("S1", "single_source", 1_000_000, award_date="2025-04-20"),
            proc("K1", "open_tender", 9_000_000, award_date="2025-03-01")]
    assert graded("PRC04", rows) == {"U1": "warning"}
    assert graded("PRC04", rows, params={"level": "alert"}) == {"U1": "alert"}


def test_prc04_large_single_source_at_the_limit_of_its_own_category():
    rows = [
        # U1: services at the 1,000,000 services limit; U2: works one yuan below the 1,200,000 works limit
        proc("S1", "single_source", 1_000_000, category="services", unit="U1", award_date="2025-04-20"),
        proc("K1", "open_tender", 9_000_000, unit="U1", award_date="2025-03-01"),
        proc("S2", "single_source", 1_199_999, category="works", unit="U2", award_date="2025-04-20"),
        proc("K2", "open_tender", 9_000_000, unit="U2", award_date="2025-03-01"),
    ]
    assert graded("PRC04", rows) == {"U1": "warning"}
    # a limit set in the region's params is the one applied
    more = {"modules": {"procurement": {"decentralised_limits": {"works": 1_199_999}}}}
    assert graded("PRC04", rows, **more) == {"U1": "warning", "U2": "warning"}


def test_prc04_exclusions_and_as_of_change_the_share():
    rows = [
        proc("S1", "single_source", 310_000, award_date="2025-06-30"),  # on as_of: counts
        proc("K1", "inquiry", 690_000, award_date="2025-05-01"),
        proc("S2", "single_source", 500_000, award_date="2025-07-01"),  # the day after: not yet
        # self-procured (below the limit, outside government procurement) stays out of the share
        proc("P1", "self_procured", 5_000_000, award_date="2025-05-01"),
    ]
    findings, _ = boundary_run("PRC04", rows, as_of="2025-06-30")
    assert _tables.flagged(findings) == {"U1": "warning"}
    assert findings["value"].iloc[0] == pytest.approx(0.31)
    findings, _ = boundary_run("PRC04", [r for r in rows if r["procurement_id"] != "S1"], as_of="2025-06-30")
    assert findings.empty


def test_prc04_units_sharing_a_supplier_have_their_own_shares():
    rows = [proc("A-S", "single_source", 400_000, unit="U1", award_date="2025-05-01", winner_name="甲有限公司"),
            proc("A-K", "inquiry", 600_000, unit="U1", award_date="2025-05-01", winner_name="乙有限公司"),
            proc("B-K", "inquiry", 9_000_000, unit="U2", award_date="2025-05-01", winner_name="甲有限公司")]
    assert graded("PRC04", rows) == {"U1": "warning"}


def test_prc04_share_of_exactly_thirty_percent_in_cents_is_not_above():
    # 60,035.74 + 60,035.75 = 120,071.49 of 400,238.30: exactly 30 % (120,071.49 × 10 = 400,238.30 × 3)
    rows = [proc("S1", "single_source", 60_035.74, award_date="2025-05-01"),
            proc("S2", "single_source", 60_035.75, award_date="2025-05-01"),
            proc("K1", "inquiry", 280_166.81, award_date="2025-05-01")]
    assert graded("PRC04", rows) == {}


# ---------------------------------------------------------------------------------------- PRC05
@covers("PRC05", "warning", "alert")
def test_prc05_hhi_at_below_and_above_both_bounds():
    rows = [
        # U1: two equal suppliers, HHI 0.50 → alert at the bound
        *[award(f"A{i}", "U1", f"供应商{i % 2}", 100_000) for i in range(6)],
        # U2: shares 0.5 / 0.3 / 0.2 → 0.25 + 0.09 + 0.04 = 0.38 → warning
        award("B0", "U2", "甲有限公司", 250_000), award("B1", "U2", "甲有限公司", 250_000),
        award("B2", "U2", "乙有限公司", 300_000), award("B3", "U2", "丙有限公司", 100_000),
        award("B4", "U2", "丙有限公司", 100_000),
        # U3: five equal suppliers, 0.20 → ok
        *[award(f"C{i}", "U3", f"供应商{i}", 80_000) for i in range(5)],
    ]
    assert graded("PRC05", rows) == {"U1": "alert", "U2": "warning"}
    assert graded("PRC05", rows, params={"alert": 0.38}) == {"U1": "alert", "U2": "alert"}
    assert graded("PRC05", rows, params={"alert": 0.3801}) == {"U1": "alert", "U2": "warning"}
    assert graded("PRC05", rows, params={"warning": 0.3801}) == {"U1": "alert"}
    assert graded("PRC05", rows, params={"warning": 0.19}) == {"U1": "alert", "U2": "warning", "U3": "warning"}
    assert graded("PRC05", rows, params={"alert": 0.5001}) == {"U1": "warning", "U2": "warning"}


@covers("PRC05", "min_awards")
def test_prc05_min_awards_at_its_exact_count():
    rows = [award(f"A{i}", "U1", "甲有限公司", 100_000) for i in range(4)]
    findings, assessed = boundary_run("PRC05", rows)
    assert findings.empty and int(assessed["assessed"].sum()) == 0
    assert graded("PRC05", rows, params={"min_awards": 4}) == {"U1": "alert"}
    assert graded("PRC05", rows + [award("A4", "U1", "甲有限公司", 100_000)]) == {"U1": "alert"}


def test_prc05_as_of_day_counts_and_the_day_after_does_not():
    rows = [award(f"A{i}", "U1", "甲有限公司", 100_000, "2025-06-01") for i in range(4)]
    assert graded("PRC05", rows + [award("ON", "U1", "甲有限公司", 1, "2025-06-30")], "2025-06-30") == {
        "U1": "alert"}
    assert graded("PRC05", rows + [award("AFTER", "U1", "甲有限公司", 1, "2025-07-01")], "2025-06-30") == {}


def test_prc05_exclusions_and_two_units_sharing_a_winner():
    rows = [
        # U1 gives everything to 甲; U2 gives 甲 one award of five: its HHI is its own
        *[award(f"A{i}", "U1", "甲有限公司", 100_000) for i in range(5)],
        award("B0", "U2", "甲有限公司", 100_000),
        *[award(f"B{i}", "U2", f"供应商{i}", 100_000) for i in range(1, 5)],
        # awards without a winner or without a positive amount are not awards
        proc("B5", "open_tender", 100_000, unit="U2", winner_name=None, award_amount=900_000,
             award_date="2025-06-01"),
        proc("B6", "open_tender", 100_000, unit="U2", winner_name="供应商1", award_amount=0,
             award_date="2025-06-01"),
    ]
    findings, _ = boundary_run("PRC05", rows)
    assert _tables.flagged(findings) == {"U1": "alert"}
    # U2 is five equal winners (0.20), and 甲's awards of U1 are not mixed in
    assert json.loads(findings["evidence"].iloc[0])["procurement_ids"] == [f"A{i}" for i in range(5)]


def test_prc05_awards_without_a_winner_or_an_amount_do_not_count_towards_min_awards():
    rows = [award(f"A{i}", "U1", "甲有限公司", 100_000) for i in range(4)]
    no_winner = proc("A4", "open_tender", 100_000, winner_name=None, award_amount=100_000, award_date="2025-06-01")
    no_amount = proc("A5", "open_tender", 100_000, winner_name="乙有限公司", award_date="2025-06-01")
    findings, assessed = boundary_run("PRC05", [*rows, no_winner, no_amount])
    assert findings.empty and int(assessed["assessed"].sum()) == 0
    assert graded("PRC05", [*rows, award("A6", "U1", "乙有限公司", 1)]) == {"U1": "alert"}


def test_prc05_two_winners_with_equal_totals_in_cents_reach_the_alert():
    rows = [award("A1", "U1", "甲有限公司", 174_939.04), award("A2", "U1", "甲有限公司", 113_165.18),
            award("A3", "U1", "甲有限公司", 349_703.59),  # 637,807.81
            award("B1", "U1", "乙有限公司", 261_256.52), award("B2", "U1", "乙有限公司", 376_551.29)]  # the same
    assert graded("PRC05", rows) == {"U1": "alert"}


# ---------------------------------------------------------------------------------------- PRC06
@covers("PRC06", "warning")
def test_prc06_ratio_at_just_below_and_with_a_moved_threshold():
    rows = [
        proc("AT", "open_tender", 2_000_000, award_amount=1_990_000, award_date="2025-07-01"),
        proc("BELOW", "open_tender", 2_000_000, award_amount=1_989_999.99, award_date="2025-07-01"),
        proc("ABOVE", "open_tender", 2_000_000, award_amount=1_990_000.01, award_date="2025-07-01"),
        proc("R99", "inquiry", 100_000, award_amount=99_000, award_date="2025-07-01"),
    ]
    assert graded("PRC06", rows) == {"AT": "warning", "ABOVE": "warning"}
    assert graded("PRC06", rows, params={"warning": 0.99}) == {
        "AT": "warning", "BELOW": "warning", "ABOVE": "warning", "R99": "warning"}
    assert graded("PRC06", rows, params={"warning": 0.995000004}) == {"ABOVE": "warning"}


def test_prc06_exclusions_and_as_of():
    rows = [
        proc("SS", "single_source", 200_000, award_amount=200_000, award_date="2025-06-30"),
        proc("FW", "framework", 200_000, award_amount=200_000, award_date="2025-06-30"),
        proc("NOEST", "inquiry", 0.0, award_amount=200_000, award_date="2025-06-30"),
        proc("ON", "inquiry", 200_000, award_amount=200_000, award_date="2025-06-30"),
        proc("AFTER", "inquiry", 200_000, award_amount=200_000, award_date="2025-07-01"),
    ]
    findings, assessed = boundary_run("PRC06", rows, as_of="2025-06-30")
    assert _tables.flagged(findings) == {"ON": "warning"}
    assert int(assessed["assessed"].sum()) == 1


def test_prc06_award_of_exactly_the_ratio_in_cents_warns():
    rows = [proc("R", "inquiry", 100_014.00, award_amount=99_513.93, award_date="2025-07-01")]
    assert graded("PRC06", rows) == {"R": "warning"}
