"""PAY01–PAY08: every field of each finding — level, period, value, threshold, subject, unit, region, both
messages, the evidence and the amount at risk — written out by hand from the indicators' definitions
(docs/indicators/PAY0x.md, the spec's catalogue and the functions' docstrings) for small tables, not read
back from the code.

``test_payments.py`` pins which payments are flagged and at which level, and the thresholds at and around
their bounds; these pin what a finding says, which subjects are assessed in which region, the payments
assessed and not flagged (graded ``ok``), the monthly cash totals and the runs of identical charges (their
own subjects), the fiscal year of a note when the year starts in April, and the parameters read from the
payments module.

Units: U1 德清县教育局 (德清县 330521), U2 湖州市财政局 (湖州市 330500), U3 乾元镇人民政府 (乾元镇 330521102).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from fiscalrisk.indicators.registry import get, indicator_params, measure_and_grade

from ._tables import (
    assessed_counts,
    budget,
    context,
    finding_fields,
    grouped_sum,
    line,
    payment,
    payments,
    typed,
)

# the evidence every payment finding carries (the decorator's columns), for a payment of the default
# function, economic code 30201, payee 杭州某某有限公司, by transfer
PAYEE = "杭州某某有限公司"


def scan(code: str, rows: list[dict[str, Any]], as_of: str, params: dict | None = None, *,
         full: bool = False, **more: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(findings, assessed, graded values of every payment) of ``code`` over the payments ``rows``;
    ``full`` keeps every column the rows give (purpose, voucher_id), else the usual payment columns."""
    table = typed("payments", rows) if full else payments(rows)
    ctx = context({"payments": table}, as_of, {code: params} if params else None, **more)
    return measure_and_grade(code, ctx, events=True)


def evidence(pid: str, date: str, amount: float, payee: str = PAYEE, economic: str = "30201",
             method: str = "transfer") -> dict[str, Any]:
    return {"payment_id": pid, "pay_date": date, "payee_name": payee, "economic_code": economic,
            "method": method, "amount": amount}


def graded(values: pd.DataFrame) -> dict[str, str]:
    """subject_id → level of every subject assessed (flagged or not)."""
    return dict(zip(values["subject_id"], values["level"], strict=True))


def no_threshold(found: dict[str, Any]) -> dict[str, Any]:
    """``found`` without its threshold, which must be NaN (a flag has none)."""
    assert math.isnan(found.pop("threshold"))
    return found


# ---------------------------------------------------------------------------------------- PAY01
def test_pay01_findings_written_out_in_full():
    rows = [
        payment("A1", "2026-06-12", 120_000.50, payee_type="own_account", payee_name="德清县教育局实有资金户"),
        payment("A2", "2026-06-30", 0.01, "U2", payee_type="own_account", payee_name="湖州市财政局实有资金户",
                method="cash", economic_code="30299"),  # one cent on as_of
        payment("A3", "2026-06-13", -120_000.50, payee_type="own_account", payee_name="德清县教育局实有资金户"),
        payment("A4", "2026-06-14", 0.0, "U3", payee_type="own_account"),  # nothing moved
        payment("A5", "2026-06-15", 5_000.00, "U3"),  # to an organisation
        payment("A6", "2026-07-01", 50_000.00, "U2", payee_type="own_account"),  # the day after as_of
    ]
    findings, assessed, values = scan("PAY01", rows, "2026-06-30")
    got = finding_fields(findings)
    assert set(got) == {"A1", "A2"}
    assert no_threshold(got["A1"]) == {
        "level": "alert", "period": "2026-06", "value": 120_000.50, "subject_type": "payment", "unit_code": "U1",
        "region_code": "330521",
        "message_zh": "德清县教育局 于2026-06-12向本单位实有资金账户“德清县教育局实有资金户”划款120,000.50元",
        "message_en": "德清县教育局 transferred 120,000.50 to its own account “德清县教育局实有资金户” on 2026-06-12",
        "evidence": evidence("A1", "2026-06-12", 120_000.50, "德清县教育局实有资金户"),
        "amount_at_risk": 120_000.50,
    }
    assert no_threshold(got["A2"]) == {
        "level": "alert", "period": "2026-06", "value": 0.01, "subject_type": "payment", "unit_code": "U2",
        "region_code": "330500",
        "message_zh": "湖州市财政局 于2026-06-30向本单位实有资金账户“湖州市财政局实有资金户”划款0.01元",
        "message_en": "湖州市财政局 transferred 0.01 to its own account “湖州市财政局实有资金户” on 2026-06-30",
        "evidence": evidence("A2", "2026-06-30", 0.01, "湖州市财政局实有资金户", "30299", "cash"),
        "amount_at_risk": 0.01,
    }
    # every payment up to as_of is assessed: A1, A3 (德清县), A2 (湖州市), A4, A5 (乾元镇); not A6
    assert assessed_counts(assessed) == {"330521": (2, 1, 0, 1), "330500": (1, 1, 0, 1), "330521102": (2, 0, 0, 0)}
    assert graded(values) == {"A1": "alert", "A2": "alert", "A3": "ok", "A4": "ok", "A5": "ok"}


def test_pay01_level_of_the_parameter_in_the_finding():
    findings, _, _ = scan("PAY01", [payment("A1", "2026-06-12", 1.0, payee_type="own_account")], "2026-06-30",
                          {"level": "warning"})
    assert list(findings["level"].astype(str)) == ["warning"]


# ---------------------------------------------------------------------------------------- PAY02
def _individual(pid: str, amount: float, economic: str = "30299", unit: str = "U1", date: str = "2026-06-01",
                payee: str = "张三") -> dict[str, Any]:
    return payment(pid, date, amount, unit, payee_type="individual", economic_code=economic, payee_name=payee)


PAY02_ROWS = [
    _individual("B1", 50_000.00),  # at the alert threshold
    _individual("B2", 49_999.99, "30227", "U2", "2026-06-02"),  # a cent below it; 张三 paid by two units
    _individual("B3", 5_000.00, "31002", "U3", "2026-06-30", "李四"),  # at the warning threshold, on as_of
    _individual("B4", 4_999.99),  # a cent below the warning: graded ok
    _individual("B5", 60_000.00, "30211"),  # 差旅费: on the personal code list
    _individual("B6", 60_000.00, "30305"),  # prefix 303: transfers to households
    _individual("B7", 60_000.00, "30101"),  # prefix 301: wages
    _individual("B8", -60_000.00),  # a refund
    payment("B9", "2026-06-01", 60_000.00, economic_code="30299"),  # to an organisation
    _individual("B10", 60_000.00, date="2026-07-01"),  # the day after as_of
]


def test_pay02_findings_written_out_in_full():
    findings, assessed, values = scan("PAY02", PAY02_ROWS, "2026-06-30")
    got = finding_fields(findings)
    assert got == {
        "B1": {
            # 50,000.00 ≥ alert 50,000 → alert, the threshold of the level reached
            "level": "alert", "period": "2026-06", "value": 50_000.0, "threshold": 50_000.0,
            "subject_type": "payment", "unit_code": "U1", "region_code": "330521",
            "message_zh": "德清县教育局 向个人“张三”支付50,000.00元（经济分类30299）",
            "message_en": "德清县教育局 paid 50,000.00 to the individual “张三” (economic code 30299)",
            "evidence": evidence("B1", "2026-06-01", 50_000.0, "张三", "30299"),
            "amount_at_risk": 50_000.0,
        },
        "B2": {
            # 5,000 ≤ 49,999.99 < 50,000 → warning; 30227 is next to 30226 劳务费, not on the list
            "level": "warning", "period": "2026-06", "value": 49_999.99, "threshold": 5_000.0,
            "subject_type": "payment", "unit_code": "U2", "region_code": "330500",
            "message_zh": "湖州市财政局 向个人“张三”支付49,999.99元（经济分类30227）",
            "message_en": "湖州市财政局 paid 49,999.99 to the individual “张三” (economic code 30227)",
            "evidence": evidence("B2", "2026-06-02", 49_999.99, "张三", "30227"),
            "amount_at_risk": 49_999.99,
        },
        "B3": {
            "level": "warning", "period": "2026-06", "value": 5_000.0, "threshold": 5_000.0,
            "subject_type": "payment", "unit_code": "U3", "region_code": "330521102",
            "message_zh": "乾元镇人民政府 向个人“李四”支付5,000.00元（经济分类31002）",
            "message_en": "乾元镇人民政府 paid 5,000.00 to the individual “李四” (economic code 31002)",
            "evidence": evidence("B3", "2026-06-30", 5_000.0, "李四", "31002"),
            "amount_at_risk": 5_000.0,
        },
    }
    # assessed: every payment up to as_of; B1, B4–B9 in 德清县 (7), B2 in 湖州市, B3 in 乾元镇
    assert assessed_counts(assessed) == {"330521": (7, 1, 0, 1), "330500": (1, 1, 1, 0), "330521102": (1, 1, 1, 0)}
    v = values.set_index("subject_id")
    assert v.loc["B4", "level"] == "ok" and v.loc["B4", "value"] == 4_999.99
    assert graded(values) == {"B1": "alert", "B2": "warning", "B3": "warning", **dict.fromkeys(
        ["B4", "B5", "B6", "B7", "B8", "B9"], "ok")}


def test_pay02_personal_list_is_read_from_the_payments_module():
    # no personal prefix at all, and one code: wages and travel to an individual are now flagged, 30299 is
    # on the list
    module = {"modules": {"payments": {"personal_economic_prefixes": [], "personal_economic_codes": ["30299"]}}}
    rows = [_individual("wage", 60_000.00, "30101"), _individual("travel", 60_000.00, "30211"),
            _individual("listed", 60_000.00, "30299"), _individual("household", 6_000.00, "30305")]
    findings, _, _ = scan("PAY02", rows, "2026-06-30", **module)
    assert dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True)) == {
        "wage": "alert", "travel": "alert", "household": "warning"}
    # a prefix given as text: 302 makes every 302xx personal, 301 no longer is
    module = {"modules": {"payments": {"personal_economic_prefixes": ["302"], "personal_economic_codes": []}}}
    findings, _, _ = scan("PAY02", rows, "2026-06-30", **module)
    assert dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True)) == {
        "wage": "alert", "household": "warning"}


# ---------------------------------------------------------------------------------------- PAY03
def _cash(pid: str, date: str, amount: float, unit: str = "U1", **kw: Any) -> dict[str, Any]:
    return payment(pid, date, amount, unit, method="cash", **kw)


PAY03_ROWS = [
    # U1 in May: 20,000.00 + 20,000.01 + 50,000.00 + 10,000.01 − 0.01 (a cash refund) = 100,000.01 net
    _cash("c1", "2026-05-04", 20_000.00),  # at the single warning: not above
    _cash("c2", "2026-05-06", 20_000.01),  # a cent above it → warning
    _cash("c3", "2026-05-08", 50_000.00),  # at the single alert: not above → warning
    _cash("c4", "2026-05-12", 10_000.01),
    _cash("c5", "2026-05-15", -0.01),
    payment("c6", "2026-05-20", 80_000.00),  # a transfer: no cash
    _cash("d1", "2026-05-05", 50_000.01, "U2"),  # a cent above the single alert → alert; its month 50,000.01
    _cash("f1", "2026-04-30", 30_000.00, "U3"),  # warning; its month (April) 30,000.00
    _cash("e1", "2026-06-01", 60_000.00),  # the day after as_of
]


def test_pay03_findings_written_out_in_full():
    findings, assessed, values = scan("PAY03", PAY03_ROWS, "2026-05-31")
    got = finding_fields(findings)
    assert got == {
        "c2": {
            "level": "warning", "period": "2026-05", "value": 20_000.01, "threshold": 20_000.0,
            "subject_type": "payment", "unit_code": "U1", "region_code": "330521",
            "message_zh": "德清县教育局 单笔现金支付20,000.01元，超过限额20,000.00元",
            "message_en": "德清县教育局: single cash payment of 20,000.01, above the limit of 20,000.00",
            "evidence": evidence("c2", "2026-05-06", 20_000.01, method="cash"),
            "amount_at_risk": 20_000.01,
        },
        "c3": {
            "level": "warning", "period": "2026-05", "value": 50_000.0, "threshold": 20_000.0,
            "subject_type": "payment", "unit_code": "U1", "region_code": "330521",
            "message_zh": "德清县教育局 单笔现金支付50,000.00元，超过限额20,000.00元",
            "message_en": "德清县教育局: single cash payment of 50,000.00, above the limit of 20,000.00",
            "evidence": evidence("c3", "2026-05-08", 50_000.0, method="cash"),
            "amount_at_risk": 50_000.0,
        },
        "d1": {
            "level": "alert", "period": "2026-05", "value": 50_000.01, "threshold": 50_000.0,
            "subject_type": "payment", "unit_code": "U2", "region_code": "330500",
            "message_zh": "湖州市财政局 单笔现金支付50,000.01元，超过限额50,000.00元",
            "message_en": "湖州市财政局: single cash payment of 50,000.01, above the limit of 50,000.00",
            "evidence": evidence("d1", "2026-05-05", 50_000.01, method="cash"),
            "amount_at_risk": 50_000.01,
        },
        "f1": {
            "level": "warning", "period": "2026-04", "value": 30_000.0, "threshold": 20_000.0,
            "subject_type": "payment", "unit_code": "U3", "region_code": "330521102",
            "message_zh": "乾元镇人民政府 单笔现金支付30,000.00元，超过限额20,000.00元",
            "message_en": "乾元镇人民政府: single cash payment of 30,000.00, above the limit of 20,000.00",
            "evidence": evidence("f1", "2026-04-30", 30_000.0, method="cash"),
            "amount_at_risk": 30_000.0,
        },
        "U1": {
            # the unit's net cash of May, 100,000.01 > 100,000 → alert; its five cash payments (ids sorted)
            "level": "alert", "period": "2026-05", "value": 100_000.01, "threshold": 100_000.0,
            "subject_type": "unit", "unit_code": "U1", "region_code": "330521",
            "message_zh": "德清县教育局 2026-05月现金支付合计100,000.01元，超过限额100,000.00元",
            "message_en": "德清县教育局: cash payments in 2026-05 total 100,000.01, above the limit of 100,000.00",
            "evidence": {"payment_ids": ["c1", "c2", "c3", "c4", "c5"], "count": 5, "cash_total": 100_000.01},
            "amount_at_risk": 100_000.01,
        },
    }
    # assessed: every payment up to as_of and every unit × month with cash: 德清县 c1–c6 and U1's May (7),
    # 湖州市 d1 and U2's May (2), 乾元镇 f1 and U3's April (2)
    assert assessed_counts(assessed) == {"330521": (7, 3, 2, 1), "330500": (2, 1, 0, 1), "330521102": (2, 1, 1, 0)}
    months = values.loc[values["subject_type"] == "unit"]
    assert list(zip(months["subject_id"], months["period"], months["value"], months["level"], strict=True)) == [
        ("U1", "2026-05", 100_000.01, "alert"), ("U2", "2026-05", 50_000.01, "ok"), ("U3", "2026-04", 30_000.0, "ok")]
    pays = values.loc[values["subject_type"] != "unit"]
    assert graded(pays) == {"c1": "ok", "c2": "warning", "c3": "warning", "c4": "ok", "c5": "ok", "c6": "ok",
                            "d1": "alert", "f1": "warning"}
    # the months within the limit carry no threshold, nor do the payments not above a single limit (c1 at
    # 20,000.00 exactly, c4, the refund c5, the transfer c6)
    assert months["threshold"].iloc[1:].isna().all()
    assert pays.set_index("subject_id").loc[["c1", "c4", "c5", "c6"], "threshold"].isna().all()


def test_pay03_monthly_total_is_kept_to_the_cent_not_in_floats():
    # U1: 26,565.96 + 40,539.81 + 32,894.24 = 100,000.01 to the cent, 100,000.00999999998 in floats: above
    # the limit, and the total said is 100,000.01; U2: 12,089.27 + 5,886.02 + 82,024.71 = 100,000.00 to the
    # cent, a little above it in floats: at the limit, not above
    over, at = [26_565.96, 40_539.81, 32_894.24], [12_089.27, 5_886.02, 82_024.71]
    assert grouped_sum(over) < 100_000.01 and grouped_sum(at) > 100_000.0
    rows = ([_cash(f"p{i}", f"2026-05-{i + 4:02d}", a) for i, a in enumerate(over)]
            + [_cash(f"q{i}", f"2026-05-{i + 4:02d}", a, "U2") for i, a in enumerate(at)])
    findings, _, values = scan("PAY03", rows, "2026-05-31")
    got = finding_fields(findings)
    # each of p0, p1, p2 above 20,000: single warnings; q2 (82,024.71 > 50,000) a single alert
    assert set(got) == {"p0", "p1", "p2", "q2", "U1"}
    assert (got["U1"]["value"], got["U1"]["amount_at_risk"]) == (100_000.01, 100_000.01)
    assert got["U1"]["evidence"] == {"payment_ids": ["p0", "p1", "p2"], "count": 3, "cash_total": 100_000.01}
    assert got["U1"]["message_zh"] == "德清县教育局 2026-05月现金支付合计100,000.01元，超过限额100,000.00元"
    months = values.loc[values["subject_type"] == "unit"]
    assert list(zip(months["subject_id"], months["value"], months["level"], strict=True)) == [
        ("U1", 100_000.01, "alert"), ("U2", 100_000.0, "ok")]


# ---------------------------------------------------------------------------------------- PAY04
def _card(pid: str, amount: float, method: str = "cash", economic: str = "30217", unit: str = "U1",
          date: str = "2026-05-06") -> dict[str, Any]:
    return payment(pid, date, amount, unit, method=method, economic_code=economic, payee_name="湖州某酒店")


PAY04_ROWS = [
    _card("g1", 1_000.00),  # 公务接待 in cash, at the warning
    _card("g2", 999.99, economic="30231", unit="U2"),  # a cent below: graded ok
    _card("g3", 5_000.00, "transfer", "30201", "U3"),  # by transfer: not a method counted by default
    _card("g4", 5_000.00, economic="30299"),  # not on the card-mandatory list
    _card("g5", -2_000.00, economic="30211"),  # a refund
    _card("g6", 1_500.00, "official_card"),  # by the card
    _card("g7", 2_000.00, date="2026-06-01"),  # the day after as_of
]


def test_pay04_findings_written_out_in_full():
    findings, assessed, values = scan("PAY04", PAY04_ROWS, "2026-05-31")
    assert finding_fields(findings) == {
        "g1": {
            "level": "warning", "period": "2026-05", "value": 1_000.0, "threshold": 1_000.0,
            "subject_type": "payment", "unit_code": "U1", "region_code": "330521",
            "message_zh": "德清县教育局 经济分类30217支出1,000.00元以现金方式支付，未使用公务卡",
            "message_en": "德清县教育局 paid 1,000.00 on economic code 30217 by cash instead of the official card",
            "evidence": evidence("g1", "2026-05-06", 1_000.0, "湖州某酒店", "30217", "cash"),
            "amount_at_risk": 1_000.0,
        },
    }
    assert assessed_counts(assessed) == {"330521": (4, 1, 1, 0), "330500": (1, 0, 0, 0), "330521102": (1, 0, 0, 0)}
    assert graded(values) == {"g1": "warning", **dict.fromkeys(["g2", "g3", "g4", "g5", "g6"], "ok")}


def test_pay04_method_named_in_chinese_in_the_message():
    # with transfers and card payments counted too, the message names each method in Chinese
    findings, _, _ = scan("PAY04", PAY04_ROWS, "2026-05-31", {"methods": ["cash", "transfer", "official_card"]})
    got = finding_fields(findings)
    assert set(got) == {"g1", "g3", "g6"}
    assert got["g3"]["message_zh"] == "乾元镇人民政府 经济分类30201支出5,000.00元以转账方式支付，未使用公务卡"
    assert got["g3"]["message_en"] == "乾元镇人民政府 paid 5,000.00 on economic code 30201 by transfer instead of the official card"
    assert got["g6"]["message_zh"] == "德清县教育局 经济分类30217支出1,500.00元以公务卡方式支付，未使用公务卡"
    assert got["g1"]["message_zh"] == "德清县教育局 经济分类30217支出1,000.00元以现金方式支付，未使用公务卡"


def test_pay04_card_mandatory_codes_are_read_from_the_payments_module():
    module = {"modules": {"payments": {"card_mandatory_codes": ["30299"]}}}
    findings, _, _ = scan("PAY04", PAY04_ROWS, "2026-05-31", **module)
    assert list(findings["subject_id"]) == ["g4"]


# ---------------------------------------------------------------------------------------- PAY05
PAY05_ROWS = [
    payment("h1", "2026-06-27", 1_000_000.00, payee_name="甲"),  # Saturday, at the alert
    payment("h2", "2026-06-28", 999_999.99, "U2", payee_name="甲"),  # Sunday (as_of), a cent below → warning
    payment("h3", "2026-01-01", 0.01, "U3", payee_name="乙"),  # New Year's Day, a Thursday
    payment("h4", "2026-06-28", -5_000.00),  # a refund on a Sunday
    payment("h5", "2026-06-26", 5_000.00),  # a Friday
    payment("h6", "2026-07-04", 5_000.00),  # a Saturday after as_of
]


def test_pay05_findings_written_out_in_full():
    findings, assessed, values = scan("PAY05", PAY05_ROWS, "2026-06-28")
    assert finding_fields(findings) == {
        "h1": {
            "level": "alert", "period": "2026-06", "value": 1_000_000.0, "threshold": 1_000_000.0,
            "subject_type": "payment", "unit_code": "U1", "region_code": "330521",
            "message_zh": "德清县教育局 于非工作日2026-06-27向“甲”支付1,000,000.00元",
            "message_en": "德清县教育局 paid 1,000,000.00 to “甲” on a non-working day (2026-06-27)",
            "evidence": evidence("h1", "2026-06-27", 1_000_000.0, "甲"),
            "amount_at_risk": 1_000_000.0,
        },
        "h2": {
            "level": "warning", "period": "2026-06", "value": 999_999.99, "threshold": 0.0,
            "subject_type": "payment", "unit_code": "U2", "region_code": "330500",
            "message_zh": "湖州市财政局 于非工作日2026-06-28向“甲”支付999,999.99元",
            "message_en": "湖州市财政局 paid 999,999.99 to “甲” on a non-working day (2026-06-28)",
            "evidence": evidence("h2", "2026-06-28", 999_999.99, "甲"),
            "amount_at_risk": 999_999.99,
        },
        "h3": {
            "level": "warning", "period": "2026-01", "value": 0.01, "threshold": 0.0,
            "subject_type": "payment", "unit_code": "U3", "region_code": "330521102",
            "message_zh": "乾元镇人民政府 于非工作日2026-01-01向“乙”支付0.01元",
            "message_en": "乾元镇人民政府 paid 0.01 to “乙” on a non-working day (2026-01-01)",
            "evidence": evidence("h3", "2026-01-01", 0.01, "乙"),
            "amount_at_risk": 0.01,
        },
    }
    assert assessed_counts(assessed) == {"330521": (3, 1, 0, 1), "330500": (1, 1, 1, 0), "330521102": (1, 1, 1, 0)}
    assert graded(values) == {"h1": "alert", "h2": "warning", "h3": "warning", "h4": "ok", "h5": "ok"}


# ---------------------------------------------------------------------------------------- PAY08
PAY08_ROWS = [
    payment("k1", "2026-05-06", 100_000.00, payee_name="甲"),  # at the minimum, 10 × 10,000
    payment("k2", "2026-05-06", 90_000.00, "U2"),  # round but below the minimum
    payment("k3", "2026-05-06", 110_000.50),  # not round
    payment("k4", "2026-05-31", 1_230_000.00, "U3", payee_name="乙"),  # on as_of
    payment("k5", "2026-05-06", -100_000.00),  # a refund
    payment("k6", "2026-05-07", 34_146.02 + 19_114.69 + 66_739.29, "U2"),  # 120,000.00 to the cent only
    payment("k7", "2026-05-06", 105_000.00),  # a multiple of 5,000, not of 10,000
    payment("k8", "2026-06-01", 200_000.00),  # the day after as_of
]


def test_pay08_findings_written_out_in_full():
    assert PAY08_ROWS[5]["amount"] != 120_000.0  # 120,000.00000000001 in floats
    findings, assessed, values = scan("PAY08", PAY08_ROWS, "2026-05-31")
    got = finding_fields(findings)
    assert set(got) == {"k1", "k4", "k6"}
    assert no_threshold(got["k1"]) == {
        "level": "warning", "period": "2026-05", "value": 100_000.0, "subject_type": "payment", "unit_code": "U1",
        "region_code": "330521",
        "message_zh": "德清县教育局 于2026-05-06向“甲”支付整数金额100,000.00元",
        "message_en": "德清县教育局 paid the round amount 100,000.00 to “甲” on 2026-05-06",
        "evidence": evidence("k1", "2026-05-06", 100_000.0, "甲"),
        "amount_at_risk": 100_000.0,
    }
    assert no_threshold(got["k4"]) == {
        "level": "warning", "period": "2026-05", "value": 1_230_000.0, "subject_type": "payment", "unit_code": "U3",
        "region_code": "330521102",
        "message_zh": "乾元镇人民政府 于2026-05-31向“乙”支付整数金额1,230,000.00元",
        "message_en": "乾元镇人民政府 paid the round amount 1,230,000.00 to “乙” on 2026-05-31",
        "evidence": evidence("k4", "2026-05-31", 1_230_000.0, "乙"),
        "amount_at_risk": 1_230_000.0,
    }
    k6 = no_threshold(got["k6"])
    assert k6["message_zh"] == f"湖州市财政局 于2026-05-07向“{PAYEE}”支付整数金额120,000.00元"
    assert k6["amount_at_risk"] == 120_000.0  # rounded to the cent
    assert assessed_counts(assessed) == {"330521": (4, 1, 1, 0), "330500": (2, 1, 1, 0), "330521102": (1, 1, 1, 0)}
    assert graded(values) == {"k1": "warning", "k2": "ok", "k3": "ok", "k4": "warning", "k5": "ok", "k6": "warning",
                              "k7": "ok"}


def test_pay02_and_pay04_lists_without_params_are_the_catalogue_defaults():
    # a context without params (a rule set that predates the payments module): the personal list is the
    # catalogue's (prefixes 301, 303; codes 30211, 30226, 30229) and no code is card-mandatory
    rows = [_individual(f"e{code}", 60_000.00, code) for code in
            ("30101", "30305", "30211", "30226", "30229", "30299", "30201", "30227", "31002")]
    rows += [_card("card", 5_000.00)]
    ctx = context({"payments": payments(rows)}, "2026-06-30").with_params(None)
    findings, _, _ = measure_and_grade("PAY02", ctx)
    assert list(findings["subject_id"]) == ["e30201", "e30227", "e30299", "e31002"]
    findings, assessed, _ = measure_and_grade("PAY04", ctx)
    assert findings.empty and int(assessed["assessed"].sum()) == 10


# ---------------------------------------------------------------------------------------- PAY06
# T = 300,000, window 30 days, [0.8 T, T) = [240,000, 300,000), alert from 2 such payments, floor 5,000
PAY06_ROWS = [
    # U1 甲公司 30201: 250,000 + 240,000 + 10,000 within 19 days; the windows ending at A2 and A3 reach T
    # and overlap: one episode of three payments, 500,000.00, two of them in [240,000, 300,000) → alert
    payment("A1", "2026-03-01", 250_000.00, payee_name="甲公司"),
    payment("A2", "2026-03-10", 240_000.00, payee_name="甲公司"),
    payment("A4", "2026-03-15", -10_000.00, payee_name="甲公司"),  # a refund: no part of it
    payment("A3", "2026-03-20", 10_000.00, payee_name="甲公司"),
    # U2 pays the same 甲公司 150,000 twice 29 days apart, the second on as_of: 300,000.00 = T → warning
    payment("B1", "2026-03-02", 150_000.00, "U2", payee_name="甲公司"),
    payment("B2", "2026-03-31", 150_000.00, "U2", payee_name="甲公司"),
    # U1 乙公司: 31 days apart, no window holds both
    payment("C1", "2026-02-01", 200_000.00, payee_name="乙公司"),
    payment("C2", "2026-03-04", 200_000.00, payee_name="乙公司"),
    # U3 丙公司: two episodes of one group, 54 days apart, each its own finding
    payment("D1", "2026-01-05", 150_000.00, "U3", payee_name="丙公司"),
    payment("D2", "2026-01-06", 150_000.00, "U3", payee_name="丙公司"),
    payment("D3", "2026-03-01", 240_000.00, "U3", payee_name="丙公司"),
    payment("D4", "2026-03-02", 60_000.00, "U3", payee_name="丙公司"),
    payment("E1", "2026-04-01", 150_000.00, "U2", payee_name="甲公司"),  # the day after as_of
]


def test_pay06_findings_written_out_in_full():
    findings, assessed, values = scan("PAY06", PAY06_ROWS, "2026-03-31")
    got = finding_fields(findings)
    assert got == {
        "A3": {
            "level": "alert", "period": "2026-03", "value": 500_000.0, "threshold": 300_000.0,
            "subject_type": "payment", "unit_code": "U1", "region_code": "330521",
            "message_zh": ("德清县教育局 在2026-03-01至2026-03-20间向“甲公司”分3笔支付（经济分类30201），每笔低于300,000元，"
                           "合计500,000.00元"),
            "message_en": ("德清县教育局 paid “甲公司” 3 times between 2026-03-01 and 2026-03-20 (economic code 30201), "
                           "each below 300,000, together 500,000.00"),
            "evidence": {"payment_ids": ["A1", "A2", "A3"], "amounts": [250_000.0, 240_000.0, 10_000.0],
                         "total": 500_000.0, "threshold": 300_000.0, "window_days": 30, "near_threshold": 2,
                         "materiality": 5_000.0},
            "amount_at_risk": 500_000.0,
        },
        "B2": {
            "level": "warning", "period": "2026-03", "value": 300_000.0, "threshold": 300_000.0,
            "subject_type": "payment", "unit_code": "U2", "region_code": "330500",
            "message_zh": ("湖州市财政局 在2026-03-02至2026-03-31间向“甲公司”分2笔支付（经济分类30201），每笔低于300,000元，"
                           "合计300,000.00元"),
            "message_en": ("湖州市财政局 paid “甲公司” 2 times between 2026-03-02 and 2026-03-31 (economic code 30201), "
                           "each below 300,000, together 300,000.00"),
            "evidence": {"payment_ids": ["B1", "B2"], "amounts": [150_000.0, 150_000.0], "total": 300_000.0,
                         "threshold": 300_000.0, "window_days": 30, "near_threshold": 0, "materiality": 5_000.0},
            "amount_at_risk": 300_000.0,
        },
        "D2": {
            "level": "warning", "period": "2026-01", "value": 300_000.0, "threshold": 300_000.0,
            "subject_type": "payment", "unit_code": "U3", "region_code": "330521102",
            "message_zh": ("乾元镇人民政府 在2026-01-05至2026-01-06间向“丙公司”分2笔支付（经济分类30201），每笔低于300,000元，"
                           "合计300,000.00元"),
            "message_en": ("乾元镇人民政府 paid “丙公司” 2 times between 2026-01-05 and 2026-01-06 (economic code 30201), "
                           "each below 300,000, together 300,000.00"),
            "evidence": {"payment_ids": ["D1", "D2"], "amounts": [150_000.0, 150_000.0], "total": 300_000.0,
                         "threshold": 300_000.0, "window_days": 30, "near_threshold": 0, "materiality": 5_000.0},
            "amount_at_risk": 300_000.0,
        },
        "D4": {
            # one payment in [240,000, 300,000): fewer than 2 → warning
            "level": "warning", "period": "2026-03", "value": 300_000.0, "threshold": 300_000.0,
            "subject_type": "payment", "unit_code": "U3", "region_code": "330521102",
            "message_zh": ("乾元镇人民政府 在2026-03-01至2026-03-02间向“丙公司”分2笔支付（经济分类30201），每笔低于300,000元，"
                           "合计300,000.00元"),
            "message_en": ("乾元镇人民政府 paid “丙公司” 2 times between 2026-03-01 and 2026-03-02 (economic code 30201), "
                           "each below 300,000, together 300,000.00"),
            "evidence": {"payment_ids": ["D3", "D4"], "amounts": [240_000.0, 60_000.0], "total": 300_000.0,
                         "threshold": 300_000.0, "window_days": 30, "near_threshold": 1, "materiality": 5_000.0},
            "amount_at_risk": 300_000.0,
        },
    }
    # every payment up to as_of is assessed: 德清县 A1–A4, C1, C2 (6); 湖州市 B1, B2; 乾元镇 D1–D4
    assert assessed_counts(assessed) == {"330521": (6, 1, 0, 1), "330500": (2, 1, 1, 0), "330521102": (4, 2, 2, 0)}
    v = values.set_index("subject_id")
    # a payment that completes no split keeps its own amount as value, T as threshold, n 1, its own date
    assert v.loc["A1", ["level", "value", "threshold", "n"]].tolist() == ["ok", 250_000.0, 300_000.0, 1]
    assert v.loc["A1", "first_date"] == pd.Timestamp("2026-03-01")
    assert v.loc["A3", ["level", "value", "n"]].tolist() == ["alert", 500_000.0, 3]
    assert v.loc["A3", "first_date"] == pd.Timestamp("2026-03-01")
    assert graded(values) == {"A3": "alert", "B2": "warning", "D2": "warning", "D4": "warning", **dict.fromkeys(
        ["A1", "A2", "A4", "B1", "C1", "C2", "D1", "D3"], "ok")}


def test_pay06_nothing_eligible_or_nothing_reaching_t_assesses_every_payment_as_ok():
    # only a refund and a payment at T: nothing eligible; two small payments: eligible, no window reaches T
    for rows in ([payment("R", "2026-03-01", -400_000.00), payment("T", "2026-03-02", 300_000.00)],
                 [payment("S1", "2026-03-01", 100_000.00), payment("S2", "2026-03-02", 100_000.00)]):
        findings, assessed, values = scan("PAY06", rows, "2026-03-31")
        assert findings.empty and assessed_counts(assessed)["330521"] == (2, 0, 0, 0)
        assert list(values["level"]) == ["ok", "ok"] and list(values["threshold"]) == [300_000.0] * 2
        assert list(values["value"]) == [r["amount"] for r in rows]


def test_pay06_parameters_show_in_the_message_and_evidence():
    # T = 250,000, a window of 1 day, near_share 0.5, near_count 1, floor 50,000
    rows = [payment("P1", "2026-03-01", 200_000.00), payment("P2", "2026-03-02", 50_000.50)]
    findings, _, _ = scan("PAY06", rows, "2026-03-31", {"threshold": 250_000, "window_days": 1, "near_share": 0.5,
                                                        "near_count": 1, "materiality": 50_000})
    got = finding_fields(findings)
    # 200,000.00 + 50,000.50 = 250,000.50 ≥ 250,000; 200,000 ≥ 0.5 T = 125,000 → 1 ≥ near_count 1 → alert;
    # the dates one day apart: inside a window of 1 day; 50,000.50 ≥ the floor 50,000
    assert got["P2"]["level"] == "alert" and got["P2"]["value"] == 250_000.50
    assert got["P2"]["evidence"] == {"payment_ids": ["P1", "P2"], "amounts": [200_000.0, 50_000.5],
                                     "total": 250_000.5, "threshold": 250_000.0, "window_days": 1,
                                     "near_threshold": 1, "materiality": 50_000.0}
    assert "每笔低于250,000元，合计250,000.50元" in got["P2"]["message_zh"]


# ---------------------------------------------------------------------------------------- PAY07
# window 7 days, refunds within 30 days, a true repeat alert, one payment run warning, floor 5,000,
# a run of identical charges from 12 in a fiscal year
def _weekly(tag: str, n: int, amount: float, start: str, unit: str = "U3", every: int = 7,
            **kw: Any) -> list[dict[str, Any]]:
    day = pd.Timestamp(start)
    return [payment(f"{tag}{i:02d}", (day + pd.Timedelta(days=every * i)).strftime("%Y-%m-%d"), amount, unit,
                    payee_name=tag, **kw) for i in range(n)]


PAY07_ROWS = [
    # U1 乙: the same 9,000.50 three days apart → a true repeat, alert on the later payment
    payment("T1", "2026-06-01", 9_000.50, payee_name="乙"),
    payment("T2", "2026-06-04", 9_000.50, payee_name="乙"),
    # U2 甲: two lines of one payment run (the same day, no voucher) → warning on the second line
    payment("R1", "2026-06-10", 8_000.00, "U2", payee_name="甲"),
    payment("R2", "2026-06-10", 8_000.00, "U2", payee_name="甲"),
    # U1 pays 甲 the same 8,000.00 two days later: another unit's payments are not its own
    payment("S1", "2026-06-12", 8_000.00, payee_name="甲"),
    # U1 丁: a duplicate reversed by a refund four days later
    payment("V1", "2026-06-15", 7_000.00, payee_name="丁"),
    payment("V2", "2026-06-16", 7_000.00, payee_name="丁"),
    payment("V3", "2026-06-20", -7_000.00, payee_name="丁"),
    # U1 戊: a duplicate a cent below the floor
    payment("W1", "2026-06-01", 4_999.99, payee_name="戊"),
    payment("W2", "2026-06-02", 4_999.99, payee_name="戊"),
    # U2 己: the same amount for two invoices (two references)
    payment("X1", "2026-06-01", 5_000.00, "U2", payee_name="己", purpose="发票 A-1"),
    payment("X2", "2026-06-02", 5_000.00, "U2", payee_name="己", purpose="发票 A-2"),
    # U1 庚: the repeat comes the day after as_of
    payment("Y1", "2026-06-28", 10_000.00, payee_name="庚"),
    payment("Y2", "2026-07-01", 10_000.00, payee_name="庚"),
    # U3 丙: twelve weekly charges of 6,000.00 from 2026-01-05 to 2026-03-23, one per property: a run
    *[{**r, "purpose": f"物业费 {i + 1}号楼"} for i, r in enumerate(_weekly("丙", 12, 6_000.00, "2026-01-05"))],
]


def test_pay07_findings_written_out_in_full():
    findings, assessed, values = scan("PAY07", PAY07_ROWS, "2026-06-30", full=True)
    got = finding_fields(findings)
    assert set(got) == {"T2", "R2", "U3|丙|6000.00"}
    assert no_threshold(got["T2"]) == {
        "level": "alert", "period": "2026-06", "value": 9_000.50, "subject_type": "payment", "unit_code": "U1",
        "region_code": "330521",
        "message_zh": "德清县教育局 于2026-06-04向“乙”支付9,000.50元，与2026-06-01的支付T1金额相同，疑似重复支付",
        "message_en": ("德清县教育局 paid 9,000.50 to “乙” on 2026-06-04, the same amount as payment T1 of 2026-06-01: "
                       "possible duplicate"),
        "evidence": {"payment_ids": ["T1", "T2"], "amount": 9_000.50, "window_days": 7, "same_run": False,
                     "materiality": 5_000.0},
        "amount_at_risk": 9_000.50,
    }
    assert no_threshold(got["R2"]) == {
        "level": "warning", "period": "2026-06", "value": 8_000.0, "subject_type": "payment", "unit_code": "U2",
        "region_code": "330500",
        "message_zh": ("湖州市财政局 于2026-06-10向“甲”支付8,000.00元，与同日同一批次的支付R1金额相同（不同明细行），"
                       "请核实是否分项计费或重复录入"),
        "message_en": ("湖州市财政局 paid 8,000.00 to “甲” on 2026-06-10, the same amount as payment R1 of the same "
                       "payment run (another line): items billed together, or one invoice keyed twice?"),
        "evidence": {"payment_ids": ["R1", "R2"], "amount": 8_000.0, "window_days": 7, "same_run": True,
                     "materiality": 5_000.0},
        "amount_at_risk": 8_000.0,
    }
    assert got["U3|丙|6000.00"] == {
        # 12 charges ≥ series_min 12, the 11 after the first each 7 days after the previous one (≤ 7);
        # 12 × 6,000.00 = 72,000.00 ≥ the floor; twelve references (one per property), ignored
        "level": "info", "period": "2026", "value": 12.0, "threshold": 12.0, "subject_type": "vendor",
        "unit_code": "U3", "region_code": "330521102",
        "message_zh": ("乾元镇人民政府 2026年度向“丙”支付相同金额6,000.00元共12笔（合计72,000.00元，其中11笔与前一笔相隔不超过7天）："
                       "重复出现的相同金额支付，属经常性收费，作一条提示，不逐笔预警"),
        "message_en": ("乾元镇人民政府 paid “丙” the same 6,000.00 12 times in budget year 2026 (together 72,000.00; "
                       "11 within 7 days of the previous one): recurring identical charges, one note rather than a "
                       "duplicate alert each"),
        "evidence": {"amount": 6_000.0, "count": 12, "total": 72_000.0, "first_date": "2026-01-05",
                     "last_date": "2026-03-23", "within_window": 11, "window_days": 7, "references": 12,
                     "series_min": 12, "payment_ids": [f"丙{i:02d}" for i in range(12)]},
        "amount_at_risk": 72_000.0,
    }
    # assessed: every payment up to as_of (德清县 T1, T2, S1, V1–V3, W1, W2, Y1; 湖州市 R1, R2, X1, X2;
    # 乾元镇 the twelve charges) and the note (not flagged: a note is no risk)
    assert assessed_counts(assessed) == {"330521": (9, 1, 0, 1), "330500": (4, 1, 1, 0), "330521102": (13, 0, 0, 0)}
    v = values.set_index("subject_id")
    # the payments not flagged keep no previous payment, no detail, their own date as prev_date
    assert v.loc["V2", ["level", "prev_id", "detail_zh", "detail_en"]].tolist() == ["ok", "", "", ""]
    assert v.loc["V2", "prev_date"] == pd.Timestamp("2026-06-16")
    assert v.loc["T2", ["level", "prev_id"]].tolist() == ["alert", "T1"]
    assert v.loc["T2", "prev_date"] == pd.Timestamp("2026-06-01")
    pays = v.loc[v["subject_type"] == "payment"].drop(index=["T2", "R2"])
    assert set(pays["prev_id"]) == set(pays["detail_zh"]) == set(pays["detail_en"]) == {""}
    assert (pays["prev_date"] == pays["pay_date"]).all()
    assert graded(values) == {**dict.fromkeys(
        ["T1", "R1", "S1", "V1", "V2", "V3", "W1", "W2", "X1", "X2", "Y1", *[f"丙{i:02d}" for i in range(12)]], "ok"),
        "T2": "alert", "R2": "warning", "U3|丙|6000.00": "info"}


def test_pay07_note_is_labelled_by_the_fiscal_year():
    # the same twelve charges (2026-01-05 … 2026-03-23) in a fiscal year from April: budget year 2025/26,
    # labelled 2025
    rows = _weekly("丙", 12, 6_000.00, "2026-01-05")
    findings, _, _ = scan("PAY07", rows, "2026-06-30", calendar={"fiscal_year_start_month": 4})
    got = finding_fields(findings)
    assert list(got) == ["U3|丙|6000.00"]
    note = got["U3|丙|6000.00"]
    assert note["period"] == "2025"
    assert note["message_zh"].startswith("乾元镇人民政府 2025年度向“丙”支付相同金额6,000.00元共12笔")
    assert "12 times in budget year 2025 (together 72,000.00; 11 within 7 days" in note["message_en"]
    assert note["evidence"]["references"] == 1  # no reference at all: one (empty) reference


def test_pay07_note_of_a_long_run_shows_its_first_hundred_payments():
    # 101 charges of 5,000.00 every 3 days from 2025-01-01 (the last on 2025-10-28): 505,000.00
    rows = _weekly("丙", 101, 5_000.00, "2025-01-01", every=3)
    findings, _, _ = scan("PAY07", rows, "2025-12-31")
    got = finding_fields(findings)
    assert got["U3|丙|5000.00"]["evidence"] == {
        "amount": 5_000.0, "count": 101, "total": 505_000.0, "first_date": "2025-01-01", "last_date": "2025-10-28",
        "within_window": 100, "window_days": 7, "references": 1, "series_min": 12,
        "payment_ids": [f"丙{i:02d}" for i in range(100)], "payment_ids_shown": 100}
    assert (got["U3|丙|5000.00"]["value"], got["U3|丙|5000.00"]["amount_at_risk"]) == (101.0, 505_000.0)


# ------------------------------------------------------------------- only positive payments, any amount
def test_zero_and_one_cent_with_a_warning_of_zero():
    # with warning 0 every positive payment in scope is at least a warning: a cent is one, nothing paid
    # (0.00) is no payment; the same for a late payment of PAY09 (a flag)
    ind = [_individual("zero", 0.0), _individual("cent", 0.01), _individual("half", 0.5)]
    findings, _, _ = scan("PAY02", ind, "2026-06-30", {"warning": 0})
    assert dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True)) == {
        "cent": "warning", "half": "warning"}
    cards = [_card("zero", 0.0), _card("cent", 0.01), _card("half", 0.5)]
    findings, _, _ = scan("PAY04", cards, "2026-05-31", {"warning": 0})
    assert list(findings["subject_id"]) == ["cent", "half"]
    late = [payment(pid, "2026-01-10", amount, "U2", budget_year=2025)
            for pid, amount in (("zero", 0.0), ("cent", 0.01), ("half", 0.5))]
    ctx = context({"payments": payments(late), "budget": budget(
        [line(2026, "U2", 100_000.0, carryover_amount=0.0)], extra=("carryover_amount",))}, "2026-06-30")
    findings, _, _ = measure_and_grade("PAY09", ctx)
    assert list(findings["subject_id"]) == ["cent", "half"]


def test_pay02_payment_to_an_individual_without_an_economic_code_is_not_on_the_personal_list():
    rows = [payment("nocode", "2026-06-01", 60_000.00, payee_type="individual", economic_code=None),
            _individual("wage", 60_000.00, "30101")]
    findings, _, _ = scan("PAY02", rows, "2026-06-30")
    assert list(findings["subject_id"]) == ["nocode"]


def test_pay03_direct_result_months_in_order_and_evidence_only_above_the_limit():
    # rows listed U3, U2, U1 and June before May: the months come out in unit and month order; U1's May
    # is exactly at the limit (no evidence: it is not above), its June above it
    rows = [
        _cash("z1", "2026-05-02", 1_000.00, "U3"),
        _cash("y1", "2026-05-03", 60_000.00, "U2"), payment("y2", "2026-05-04", 80_000.00, "U2"),  # a transfer
        _cash("x3", "2026-06-02", 70_000.00), _cash("x4", "2026-06-03", 30_000.01),
        _cash("x1", "2026-05-02", 50_000.00), _cash("x2", "2026-05-03", 50_000.00),
    ]
    ctx = context({"payments": payments(rows)}, "2026-06-30")
    spec = get("PAY03")
    res = spec(ctx, indicator_params(spec, ctx.params))
    months = res.loc[res["subject_type"] == "unit"]
    assert list(zip(months["subject_id"], months["period"], months["value"], months["level"].astype(str),
                    strict=True)) == [("U1", "2026-05", 100_000.0, "ok"), ("U1", "2026-06", 100_000.01, "alert"),
                                      ("U2", "2026-05", 60_000.0, "ok"), ("U3", "2026-05", 1_000.0, "ok")]
    assert list(months["evidence"]) == [
        None, {"payment_ids": ["x3", "x4"], "count": 2, "cash_total": 100_000.01}, None, None]
    assert months["threshold"].iloc[1] == 100_000.0 and months["threshold"].drop(months.index[1]).isna().all()
    # the payments: a threshold only where a single payment is above a limit (a transfer above both: none)
    pays = res.loc[res["subject_type"].isna()].set_index("subject_id")
    assert pays.loc["y1", "threshold"] == 50_000.0 and pays.loc["x3", "threshold"] == 50_000.0
    assert pays.loc[["x4", "x1", "x2"], "threshold"].tolist() == [20_000.0] * 3
    assert pays.loc[["z1", "y2"], "threshold"].isna().all()


def test_pay04_a_method_outside_the_chinese_names_is_named_as_given():
    rows = [_card("c", 5_000.00, "cheque")]
    findings, _, _ = scan("PAY04", rows, "2026-05-31", {"methods": ["cheque"]})
    assert list(findings["message_zh"]) == ["德清县教育局 经济分类30217支出5,000.00元以cheque方式支付，未使用公务卡"]


def test_pay06_direct_result_levels_and_a_table_without_payee_types():
    # PAY06 does not read payee_type: a table without it is assessed, nothing left out by payee type
    # (a payment after as_of listed first: the result keeps the rows' own index)
    rows = [{k: v for k, v in r.items() if k != "payee_type"} for r in (
        payment("P0", "2026-04-01", 150_000.00, payee_name="社会保险事业管理中心"),
        payment("P1", "2026-03-01", 150_000.00, payee_name="社会保险事业管理中心"),
        payment("P2", "2026-03-02", 150_000.00, payee_name="社会保险事业管理中心"),
        payment("P3", "2026-03-03", 1_000.00, payee_name="甲"))]
    cols = ["payment_id", "pay_date", "unit_code", "function_code", "economic_code", "payee_name", "method", "amount"]
    ctx = context({"payments": typed("payments", rows, columns=cols)}, "2026-03-31")
    spec = get("PAY06")
    res = spec(ctx, indicator_params(spec, ctx.params))
    # the result's own levels: ok for every payment that completes no split
    assert list(zip(res["subject_id"], res["level"], strict=True)) == [("P1", "ok"), ("P2", "warning"), ("P3", "ok")]
    assert list(res.index) == [1, 2, 3]
    assert [res["evidence"][1], res["evidence"][3]] == [None, None]
    assert res["evidence"][2]["payment_ids"] == ["P1", "P2"]
    findings, _, _ = measure_and_grade("PAY06", ctx)
    assert list(findings["subject_id"]) == ["P2"]


def test_pay06_a_payment_of_nothing_neither_extends_nor_completes_a_split():
    # floor 0: 150,000 + 150,000 is a split completed by Q2; a 0.00 line the next day is no payment (only
    # positive amounts are candidates), so it does not become the payment that completed it
    rows = [payment("Q1", "2026-03-01", 150_000.00), payment("Q2", "2026-03-02", 150_000.00),
            payment("Q3", "2026-03-03", 0.0)]
    findings, _, _ = scan("PAY06", rows, "2026-03-31", {"materiality": 0})
    got = finding_fields(findings)
    assert list(got) == ["Q2"] and got["Q2"]["evidence"]["payment_ids"] == ["Q1", "Q2"]


def test_pay06_a_lone_payment_is_no_split_even_where_it_reaches_t_to_the_cent():
    # money parameters are whole yuan in a rule set (scaled ones are rounded), but the function takes any
    # T: called directly with T = 250,000.004, 250,000.00 is below T (a candidate) and equals T to the
    # cent, yet alone it is no split (a window needs two payments); two halves of 125,000.00 are one
    rows = [payment("L1", "2026-03-01", 250_000.00, payee_name="甲"),
            payment("L2", "2026-03-01", 250_000.00, payee_name="乙"),
            payment("H1", "2026-03-01", 125_000.00, payee_name="丙"),
            payment("H2", "2026-03-02", 125_000.00, payee_name="丙")]
    ctx = context({"payments": payments(rows)}, "2026-03-31")
    spec = get("PAY06")
    res = spec(ctx, {**indicator_params(spec, ctx.params), "threshold": 250_000.004})
    flagged = res.loc[res["level"] != "ok"]
    assert list(zip(flagged["subject_id"], flagged["level"], flagged["value"], strict=True)) == [
        ("H2", "warning", 250_000.0)]


def test_pay07_materiality_in_the_evidence_to_the_cent():
    # a floor of 4,999.99: a duplicate of 4,999.99 is material, and the evidence says the floor to the cent
    rows = [payment("M1", "2026-06-01", 4_999.99), payment("M2", "2026-06-02", 4_999.99)]
    findings, _, _ = scan("PAY07", rows, "2026-06-30", {"materiality": 4_999.99})
    assert finding_fields(findings)["M2"]["evidence"] == {
        "payment_ids": ["M1", "M2"], "amount": 4_999.99, "window_days": 7, "same_run": False, "materiality": 4_999.99}


def test_pay07_runs_at_the_floor_at_a_hundred_charges_and_with_a_series_of_two():
    # a run's total at the floor is material: 20 × 250.00 = 5,000.00 → a note; 20 × 249.99 = 4,999.80 → none
    rows = _weekly("甲", 20, 250.00, "2026-01-05", every=3) + _weekly("乙", 20, 249.99, "2026-01-05", every=3)
    findings, _, _ = scan("PAY07", rows, "2026-12-31")
    assert list(findings["subject_id"]) == ["U3|甲|250.00"]
    # a hundred charges: every id shown, no count of ids shown
    rows = _weekly("丙", 100, 5_000.00, "2026-01-01", every=3)
    findings, _, _ = scan("PAY07", rows, "2026-12-31")
    ev = finding_fields(findings)["U3|丙|5000.00"]["evidence"]
    assert ev["payment_ids"] == [f"丙{i:02d}" for i in range(100)] and "payment_ids_shown" not in ev
    # series_min 2: a pair within the window is already a run (one note); series_min 1 means no runs at all
    pair = [payment("P1", "2026-06-01", 6_000.00, payee_name="丁"), payment("P2", "2026-06-04", 6_000.00,
                                                                            payee_name="丁")]
    findings, _, _ = scan("PAY07", pair, "2026-06-30", {"series_min": 2})
    got = finding_fields(findings)
    assert list(got) == ["U1|丁|6000.00"]
    assert (got["U1|丁|6000.00"]["value"], got["U1|丁|6000.00"]["threshold"]) == (2.0, 2.0)
    findings, _, _ = scan("PAY07", pair, "2026-06-30", {"series_min": 1})
    assert dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True)) == {"P2": "alert"}


def test_pay07_payments_of_nothing_and_lines_without_a_voucher_number():
    # floor 0: two 0.00 lines are no payments (only positive amounts are compared); two same-day lines
    # whose voucher number is missing are not "one voucher" (an unknown voucher is no voucher)
    rows = [payment("Z1", "2026-06-01", 0.0, payee_name="甲"), payment("Z2", "2026-06-02", 0.0, payee_name="甲"),
            payment("N1", "2026-06-01", 800.00, payee_name="乙", voucher_id=None),
            payment("N2", "2026-06-01", 800.00, payee_name="乙", voucher_id=None),
            payment("V1", "2026-06-01", 700.00, payee_name="丙", voucher_id="V9"),
            payment("V2", "2026-06-01", 700.00, payee_name="丙", voucher_id="V9")]
    findings, _, _ = scan("PAY07", rows, "2026-06-30", {"materiality": 0}, full=True)
    assert dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True)) == {"N2": "warning"}


def test_pay07_evidence_stays_with_its_payment_and_a_cent_is_a_payment():
    # a payment after as_of listed first (the payments seen keep their own row labels, from 1); with a floor
    # of 0, two payments of one cent three days apart are a true repeat
    rows = [payment("later", "2026-07-01", 9_000.00, payee_name="甲"),
            payment("C1", "2026-06-01", 0.01, payee_name="乙"), payment("C2", "2026-06-04", 0.01, payee_name="乙")]
    findings, _, _ = scan("PAY07", rows, "2026-06-30", {"materiality": 0})
    got = finding_fields(findings)
    assert list(got) == ["C2"]
    assert got["C2"]["evidence"] == {"payment_ids": ["C1", "C2"], "amount": 0.01, "window_days": 7,
                                     "same_run": False, "materiality": 0.0}
    assert got["C2"]["message_zh"] == "德清县教育局 于2026-06-04向“乙”支付0.01元，与2026-06-01的支付C1金额相同，疑似重复支付"


def test_pay07_runs_of_fractional_charges_and_of_cents_are_notes_kept_to_the_cent():
    # twelve weekly charges of 6,000.45 from 2026-01-05 (the last on 2026-01-05 + 77 days = 2026-03-23): one
    # note, its amount and total to the cent: 12 × 6,000.45 = 72,005.40
    rows = _weekly("丙", 12, 6_000.45, "2026-01-05")
    findings, _, _ = scan("PAY07", rows, "2026-06-30")
    got = finding_fields(findings)
    assert list(got) == ["U3|丙|6000.45"]
    assert got["U3|丙|6000.45"]["evidence"] == {
        "amount": 6_000.45, "count": 12, "total": 72_005.4, "first_date": "2026-01-05", "last_date": "2026-03-23",
        "within_window": 11, "window_days": 7, "references": 1, "series_min": 12,
        "payment_ids": [f"丙{i:02d}" for i in range(12)]}
    # a cent is a payment: twelve weekly charges of 0.01 (floor 0) are one run too, one note of 0.12, not
    # eleven repeats judged charge by charge
    rows = _weekly("丁", 12, 0.01, "2026-01-05")
    findings, _, _ = scan("PAY07", rows, "2026-06-30", {"materiality": 0})
    got = finding_fields(findings)
    assert list(got) == ["U3|丁|0.01"]
    assert (got["U3|丁|0.01"]["evidence"]["total"], got["U3|丁|0.01"]["evidence"]["count"]) == (0.12, 12)
