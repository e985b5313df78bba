"""CON01–CON05: every field of each finding — level, period, value, threshold, subject, unit, region, both
messages, the evidence and the amount at risk — written out by hand from the indicators' definitions for
a small table, not read back from the code.

``test_contracts.py`` pins which contracts and payments are flagged and at which level, and the thresholds
at and around their bounds; these pin what a finding says, which subjects are assessed in which region,
the graded values of the contracts not flagged (a scan output too), the period of a fiscal year that is
not the calendar year, and the result of each function when called directly (the ``ok`` rows, the
evidence of the rows not flagged, the columns of an empty result).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest

from fiscalrisk.indicators.contracts import (
    large_payments_without_contract,
    overpaid_contracts,
    payee_mismatches,
    payment_progress,
    unprocured_contracts,
)
from fiscalrisk.indicators.registry import measure_and_grade
from fiscalrisk.params import resolve
from fiscalrisk.scan import make_context

from ._tables import assessed_counts, finding_fields, grouped_sum, typed
from .test_contracts import contract, payment

# two units in two regions: U1 市建设局 (湖州市 330500), U2 德清县交通局 (德清县 330521)
REGIONS = typed("regions", [
    {"region_code": "330500", "name": "湖州市", "level": "city", "parent_code": None},
    {"region_code": "330521", "name": "德清县", "level": "county", "parent_code": "330500"},
])
UNITS = typed("units", [
    {"unit_code": "U1", "name": "市建设局", "region_code": "330500"},
    {"unit_code": "U2", "name": "德清县交通局", "region_code": "330521"},
])
BASE = ["subject_id", "unit_code", "period", "value", "evidence"]


def scan(code: str, as_of: str = "2025-12-31", params: dict | None = None,
         **tables: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(findings, assessed, graded values) of ``code`` over ``tables``."""
    ctx = make_context(
        {"regions": REGIONS, "units": UNITS, **{t: typed(t, rows) for t, rows in tables.items()}},
        pd.Timestamp(as_of),
        resolve(overrides=params),
    )
    return measure_and_grade(code, ctx)


def _frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    return typed(table, rows)


def _proc(pid: str, award: str | None, category: str = "goods") -> dict[str, Any]:
    return {"procurement_id": pid, "unit_code": "U1", "item": "设备", "item_category": "A01", "category": category,
            "method": "open_tender", "estimated_amount": 900_000, "award_date": award}


# ---------------------------------------------------------------------------------------- CON01
CON01_TABLES = {
    "contracts": [
        contract("K1", 200_000.00),  # U1; vendor 湖州甲建设有限公司
        contract("K2", 100_000.00, unit_code="U2", vendor_name="德清乙公司"),
        contract("K3", 100_000.00),  # paid exactly in full
        contract("K4", 100_000.00, signed="2026-01-02"),  # signed after as_of
        contract("K5", 0.0),  # no total: not assessed
    ],
    "payments": [
        # K1: 150,000.10 + 60,000.20 − 0.30 = 210,000.00 net (a refund with its sign)
        payment("p2", 60_000.20, "K1", date="2025-06-01"),
        payment("p1", 150_000.10, "K1"),
        payment("p3", -0.30, "K1", date="2025-07-01"),
        # K2: 100,000.01 up to as_of (the payment of 2026 is after it)
        payment("q1", 100_000.01, "K2", unit_code="U2"),
        payment("q2", 5_000.00, "K2", unit_code="U2", date="2026-01-05"),
        payment("r1", 100_000.00, "K3"),
        payment("s1", 900_000.00, "K4", date="2025-12-01"),
        payment("t1", 500.00, "K5"),
    ],
}


def test_con01_findings_written_out_in_full():
    findings, assessed, values = scan("CON01", **CON01_TABLES)
    got = finding_fields(findings)
    assert set(got) == {"K1", "K2"}
    assert got["K1"] == {
        # 210,000.00 / 200,000.00 = 1.05 > 1.0 → alert; overpaid 210,000.00 − 200,000.00 = 10,000.00
        "level": "alert", "period": "2025", "value": 1.05, "threshold": 1.0, "subject_type": "contract",
        "unit_code": "U1", "region_code": "330500",
        "message_zh": "市建设局 合同 K1（湖州甲建设有限公司）累计净支付 210,000.00 元，为合同金额 200,000.00 元的 105.00%",
        "message_en": ("市建设局: contract K1 (湖州甲建设有限公司) has been paid 210,000.00 net, 105.00% of its "
                       "amount of 200,000.00"),
        "evidence": {"contract_id": "K1", "contract_amount": 200_000.0, "net_paid": 210_000.0,
                     "payment_ids": ["p1", "p2", "p3"]},
        "amount_at_risk": 10_000.0,
    }
    k2 = got["K2"]
    # 100,000.01 / 100,000.00 = 1.0000001 → alert; 1.0000001 shown as 100.00 %; overpaid one cent
    assert k2.pop("value") == pytest.approx(1.0000001, rel=1e-12)
    assert k2 == {
        "level": "alert", "period": "2025", "threshold": 1.0, "subject_type": "contract",
        "unit_code": "U2", "region_code": "330521",
        "message_zh": "德清县交通局 合同 K2（德清乙公司）累计净支付 100,000.01 元，为合同金额 100,000.00 元的 100.00%",
        "message_en": ("德清县交通局: contract K2 (德清乙公司) has been paid 100,000.01 net, 100.00% of its "
                       "amount of 100,000.00"),
        "evidence": {"contract_id": "K2", "contract_amount": 100_000.0, "net_paid": 100_000.01, "payment_ids": ["q1"]},
        "amount_at_risk": 0.01,
    }
    # assessed: K1, K3 (U1, 湖州市) and K2 (U2, 德清县); not K4 (signed after as_of) nor K5 (amount 0)
    assert assessed_counts(assessed) == {"330500": (2, 1, 0, 1), "330521": (1, 1, 0, 1)}
    k3 = values.set_index("subject_id").loc["K3"]
    assert (k3["value"], k3["paid"], k3["amount"], k3["overpaid"], k3["level"]) == (1.0, 100_000.0, 100_000.0, 0.0, "ok")


def test_con01_direct_result_period_and_empty_result():
    contracts = _frame("contracts", CON01_TABLES["contracts"])
    payments = _frame("payments", CON01_TABLES["payments"])
    payments = payments[payments["pay_date"] <= "2025-12-31"]
    out = overpaid_contracts(contracts, payments, pd.Timestamp("2025-12-31"))
    assert list(out["subject_id"]) == ["K1", "K2", "K3"]
    assert list(out["period"]) == ["2025"] * 3  # no year given: the year of as_of
    assert list(out["unit_code"]) == ["U1", "U2", "U1"]
    assert list(out["overpaid"]) == pytest.approx([10_000.0, 0.01, 0.0])
    assert out["evidence"].iloc[2] == {"contract_id": "K3", "contract_amount": 100_000.0, "net_paid": 100_000.0,
                                       "payment_ids": ["r1"]}
    given = overpaid_contracts(contracts, payments, pd.Timestamp("2025-12-31"), year=2024)
    assert list(given["period"]) == ["2024"] * 3  # a fiscal year given: that year
    # nothing signed by as_of: no rows, the registry's columns and the figures of the message
    empty = overpaid_contracts(contracts, payments, pd.Timestamp("2024-12-31"))
    assert empty.empty and list(empty.columns) == [*BASE, "paid", "amount", "overpaid"]


def test_con01_and_con04_period_is_the_fiscal_year_of_as_of():
    # fiscal years from April: as_of 2026-02-28 is in the fiscal year 2025 (2025-04-01 … 2026-03-31)
    april = {"calendar": {"fiscal_year_start_month": 4}}
    t = {"contracts": [contract("K", 100_000, signed="2025-06-01", start_date="2025-06-01", end="2026-06-01")],
         "payments": [payment("p", 200_000, "K", date="2025-07-01")]}
    for code in ("CON01", "CON04"):
        findings, _, _ = scan(code, "2026-02-28", april, **t)
        assert list(findings["period"]) == ["2025"], code
        findings, _, _ = scan(code, "2026-02-28", **t)  # calendar years
        assert list(findings["period"]) == ["2026"], code


def test_con01_money_that_does_not_add_up_in_floats():
    # 85,285.17 + 265,824.84 + 648,889.99 is 1,000,000.00 to the cent but 1,000,000.0000000001 in floats:
    # ratio exactly 1.0, not above; one more cent gives 1,000,000.01 / 1,000,000 → alert, overpaid 0.01
    parts = [85_285.17, 265_824.84, 648_889.99]
    assert grouped_sum(parts) != 1_000_000
    findings, _, values = scan("CON01", contracts=[contract("A", 1_000_000), contract("B", 1_000_000)],
                               payments=[payment(f"a{i}", x, "A") for i, x in enumerate(parts)]
                               + [payment(f"b{i}", x, "B") for i, x in enumerate([*parts, 0.01])])
    assert list(findings["subject_id"]) == ["B"] and list(findings["amount_at_risk"]) == [0.01]
    assert json.loads(findings["evidence"].iloc[0])["net_paid"] == 1_000_000.01
    assert values.set_index("subject_id").loc["A", "value"] == 1.0


# ---------------------------------------------------------------------------------------- CON02
CON02_PAYMENTS = [
    # the same supplier paid by two units, neither under a contract
    payment("x1", 500_000.00, None, economic_code="30201", payee_name="湖州丙商贸有限公司"),
    payment("x2", 1_083_210.45, "  ", unit_code="U2", economic_code="31002", payee_name="湖州丙商贸有限公司",
            date="2025-10-22"),
    payment("x3", 800_000.00, "K1", economic_code="30201"),  # under a contract: assessed, ok
    payment("x4", 600_000.00, None, economic_code="30206"),  # 电费: excluded
    payment("x5", 499_999.99, None, economic_code="30201"),  # below min_amount
]


def test_con02_findings_written_out_in_full():
    findings, assessed, _ = scan("CON02", payments=CON02_PAYMENTS)
    got = finding_fields(findings)
    assert got == {
        "x1": {
            "level": "warning", "period": "2025-05", "value": 500_000.0, "threshold": 500_000.0,
            "subject_type": "payment", "unit_code": "U1", "region_code": "330500",
            "message_zh": "市建设局 向“湖州丙商贸有限公司”支付 500,000.00 元（经济分类 30201），未关联合同",
            "message_en": "市建设局 paid 500,000.00 to “湖州丙商贸有限公司” (economic code 30201) without a contract",
            "evidence": {"payment_id": "x1", "amount": 500_000.0, "economic_code": "30201", "pay_date": "2025-05-06"},
            "amount_at_risk": 500_000.0,
        },
        "x2": {
            "level": "warning", "period": "2025-10", "value": 1_083_210.45, "threshold": 500_000.0,
            "subject_type": "payment", "unit_code": "U2", "region_code": "330521",
            "message_zh": "德清县交通局 向“湖州丙商贸有限公司”支付 1,083,210.45 元（经济分类 31002），未关联合同",
            "message_en": ("德清县交通局 paid 1,083,210.45 to “湖州丙商贸有限公司” (economic code 31002) "
                           "without a contract"),
            "evidence": {"payment_id": "x2", "amount": 1_083_210.45, "economic_code": "31002",
                         "pay_date": "2025-10-22"},
            "amount_at_risk": 1_083_210.45,
        },
    }
    # assessed: x1, x3 (U1) and x2 (U2); not the electricity bill nor the payment below 500,000
    assert assessed_counts(assessed) == {"330500": (2, 1, 1, 0), "330521": (1, 1, 1, 0)}


def test_con02_direct_result_keeps_the_payments_with_a_contract_as_ok():
    out = large_payments_without_contract(_frame("payments", CON02_PAYMENTS), min_amount=500_000,
                                          economic_prefixes=["302", "310"], exclude_economic_codes=["30206"],
                                          level="alert")
    assert list(out["subject_id"]) == ["x1", "x2", "x3"]
    assert list(out["level"]) == ["alert", "alert", "ok"]
    assert list(out["unit_code"]) == ["U1", "U2", "U1"]
    assert list(out["threshold"]) == [500_000.0] * 3
    assert list(out["economic_code"]) == ["30201", "31002", "30201"]
    assert out["evidence"].iloc[2] is None  # a payment under a contract carries no evidence
    assert out["evidence"].iloc[0] == {"payment_id": "x1", "amount": 500_000.0, "economic_code": "30201",
                                       "pay_date": "2025-05-06"}
    # nothing in scope: no rows, the registry's columns and the figures of the message
    empty = large_payments_without_contract(_frame("payments", CON02_PAYMENTS[4:]), min_amount=500_000,
                                            economic_prefixes=["302", "310"], level="warning")
    assert empty.empty and list(empty.columns) == [*BASE, "level", "amount", "economic_code", "payee_name"]


def test_con02_without_a_payee_column_names_no_payee():
    # CON02 does not read payee_name: a payments table without it is assessed, the payee left blank
    rows = [{k: v for k, v in payment("x", 700_000.00, None, economic_code="30201").items() if k != "payee_name"}]
    findings, _, _ = scan("CON02", payments=rows)
    assert list(findings["message_zh"]) == ["市建设局 向“”支付 700,000.00 元（经济分类 30201），未关联合同"]
    assert list(findings["message_en"]) == ["市建设局 paid 700,000.00 to “” (economic code 30201) without a contract"]
    out = large_payments_without_contract(_frame("payments", rows), min_amount=1, economic_prefixes=["302"],
                                          level="warning")
    assert list(out["payee_name"]) == [""]


# ---------------------------------------------------------------------------------------- CON03
# limits (modules.procurement.decentralised_limits): goods 1,000,000; works 1,200,000
CON03_TABLES = {
    "contracts": [
        contract("C1", 1_000_000.00, signed="2025-03-28", procurement_id=None, vendor_name="湖州同创软件有限公司"),
        contract("C2", 800_000.00, signed="2025-04-01", unit_code="U2", category="works", procurement_id="P7"),
        contract("C3", 900_000.00, signed="2025-04-20", procurement_id="P7"),  # signed after the award: ok
        contract("C4", 999_999.99, signed="2025-05-05", procurement_id=None),  # below the limit: ok
        contract("C5", 2_000_000.00, signed="2025-07-01", procurement_id=None),  # signed after as_of
    ],
    "procurement": [_proc("P7", "2025-04-15")],
}


def test_con03_findings_written_out_in_full():
    findings, assessed, values = scan("CON03", "2025-06-30", **CON03_TABLES)
    got = finding_fields(findings)
    assert set(got) == {"C1", "C2"}
    assert got["C1"] == {
        "level": "alert", "period": "2025-03", "value": 1_000_000.0, "threshold": 1_000_000.0,
        "subject_type": "contract", "unit_code": "U1", "region_code": "330500",
        "message_zh": ("市建设局 合同 C1（湖州同创软件有限公司，1,000,000.00 元）达到分散采购限额 1,000,000.00 元，"
                       "但无采购记录"),
        "message_en": ("市建设局: contract C1 (湖州同创软件有限公司, 1,000,000.00) reaches the decentralised "
                       "procurement limit of 1,000,000.00 but names no procurement"),
        "evidence": {"contract_id": "C1", "amount": 1_000_000.0, "signed_date": "2025-03-28",
                     "decentralised_limit": 1_000_000.0},
        "amount_at_risk": 1_000_000.0,
    }
    c2 = got["C2"]
    assert math.isnan(c2.pop("threshold"))  # signed before the award: no threshold
    assert c2 == {
        "level": "alert", "period": "2025-04", "value": 800_000.0, "subject_type": "contract", "unit_code": "U2",
        "region_code": "330521",
        "message_zh": "德清县交通局 合同 C2（湖州甲建设有限公司，800,000.00 元）签订于 2025-04-01，早于采购 P7 的中标日 2025-04-15",
        "message_en": ("德清县交通局: contract C2 (湖州甲建设有限公司, 800,000.00) was signed on 2025-04-01, "
                       "before procurement P7 was awarded on 2025-04-15"),
        # 2025-04-01 → 2025-04-15: 14 days
        "evidence": {"contract_id": "C2", "amount": 800_000.0, "signed_date": "2025-04-01", "procurement_id": "P7",
                     "award_date": "2025-04-15", "days_before_award": 14},
        "amount_at_risk": 800_000.0,
    }
    assert assessed_counts(assessed) == {"330500": (3, 1, 0, 1), "330521": (1, 1, 0, 1)}
    # the contracts not flagged: no rule, no detail, the texts of their dates and procurement
    v = values.set_index("subject_id")
    assert list(v.index) == ["C1", "C2", "C3", "C4"]
    assert v.loc["C3", ["level", "rule", "detail_zh", "detail_en", "procurement_id", "award_date_text",
                        "signed_date_text"]].tolist() == ["ok", "", "", "", "P7", "2025-04-15", "2025-04-20"]
    assert v.loc["C4", ["level", "rule", "detail_zh", "detail_en", "procurement_id", "award_date_text",
                        "signed_date_text"]].tolist() == ["ok", "", "", "", "", "", "2025-05-05"]
    assert math.isnan(v.loc["C4", "threshold"])


def test_con03_direct_result_of_the_contracts_not_flagged():
    contracts = _frame("contracts", CON03_TABLES["contracts"])
    out = unprocured_contracts(contracts, _frame("procurement", CON03_TABLES["procurement"]),
                               pd.Timestamp("2025-06-30"), decentralised_limits={"goods": 1_000_000, "works": 1_200_000},
                               level="warning")
    assert list(out["subject_id"]) == ["C1", "C2", "C3", "C4"]
    assert list(out["level"]) == ["warning", "warning", "ok", "ok"]
    assert list(out["unit_code"]) == ["U1", "U2", "U1", "U1"]
    assert out["threshold"].dtype == "float64"
    assert out["threshold"].iloc[0] == 1_000_000.0 and out["threshold"].iloc[1:].isna().all()
    assert list(out["procurement_id"]) == ["", "P7", "P7", ""]
    assert list(out["award_date_text"]) == ["", "2025-04-15", "2025-04-15", ""]
    assert list(out["signed_date_text"]) == ["2025-03-28", "2025-04-01", "2025-04-20", "2025-05-05"]
    # evidence of the contracts not flagged: the contract alone
    assert list(out["evidence"].iloc[2:]) == [
        {"contract_id": "C3", "amount": 900_000.0, "signed_date": "2025-04-20"},
        {"contract_id": "C4", "amount": 999_999.99, "signed_date": "2025-05-05"},
    ]
    # nothing signed by as_of: no rows, the registry's columns and the figures of the message
    empty = unprocured_contracts(contracts, None, pd.Timestamp("2024-12-31"), decentralised_limits={"goods": 1},
                                 level="alert")
    assert empty.empty and list(empty.columns) == [
        *BASE, "level", "threshold", "rule", "amount", "vendor_name", "award_date_text"]
    findings, assessed, _ = scan("CON03", "2024-12-31", **CON03_TABLES)
    assert findings.empty and assessed_counts(assessed) == {"330500": (0, 0, 0, 0), "330521": (0, 0, 0, 0)}


def test_con03_a_procurement_listed_twice_is_judged_by_its_first_row():
    # P8 twice (a duplicate in the table): the first row's award date 2025-04-15 is the one judged
    t = {"contracts": [contract("C", 500_000, signed="2025-04-10", procurement_id="P8")],
         "procurement": [_proc("P8", "2025-04-15"), _proc("P8", "2025-04-01")]}
    findings, _, _ = scan("CON03", "2025-06-30", **t)
    assert json.loads(findings["evidence"].iloc[0]) == {
        "contract_id": "C", "amount": 500_000.0, "signed_date": "2025-04-10", "procurement_id": "P8",
        "award_date": "2025-04-15", "days_before_award": 5}


# ---------------------------------------------------------------------------------------- CON04
# as_of 2025-07-02
CON04_TABLES = {
    "contracts": [
        # D1: 2025-01-01 → 2025-12-31 is 364 days, 182 of them elapsed: 0.5
        contract("D1", 900_000.00, signed="2024-12-20", start_date="2025-01-01", end="2025-12-31"),
        # D2: no start date, the term runs from signing: 2025-03-24 → 2026-01-18 is 300 days, 100 elapsed: 1/3
        contract("D2", 3_000_000.00, signed="2025-03-24", end="2026-01-18", unit_code="U2",
                 vendor_name="德清丙工程有限公司"),
        # D3: on schedule (60 % paid, 50 % elapsed): assessed, ok
        contract("D3", 100_000.00, signed="2024-12-20", start_date="2025-01-01", end="2025-12-31"),
        # D4: a term of no day, on as_of: not assessed
        contract("D4", 100_000.00, signed="2025-07-02", end="2025-07-02"),
    ],
    "payments": [
        # D1: 400,000.10 + 320,000.20 − 0.30 = 720,000.00 net: 0.8 paid
        payment("d1a", 400_000.10, "D1"), payment("d1b", 320_000.20, "D1"),
        payment("d1c", -0.30, "D1", date="2025-06-01"),
        payment("d1d", 100_000.00, "D1", date="2025-07-03"),  # after as_of
        payment("d2a", 2_000_000.00, "D2", unit_code="U2"),  # 2/3 paid
        payment("d3a", 60_000.00, "D3"),
        payment("d4a", 100_000.00, "D4", date="2025-07-02"),
    ],
}


def test_con04_findings_written_out_in_full():
    findings, assessed, values = scan("CON04", "2025-07-02", **CON04_TABLES)
    got = finding_fields(findings)
    assert set(got) == {"D1", "D2"}
    d1 = got["D1"]
    # (0.8 − 0.5) × 100 = 30 pp ≥ 30 → warning; ahead 720,000.00 − 0.5 × 900,000.00 = 270,000.00
    assert d1.pop("value") == pytest.approx(30.0, abs=1e-9)
    assert d1 == {
        "level": "warning", "period": "2025", "threshold": 30.0, "subject_type": "contract", "unit_code": "U1",
        "region_code": "330500",
        "message_zh": "市建设局 合同 D1（湖州甲建设有限公司）已付 80.0%，合同期仅过去 50.0%，超前 30.0 个百分点",
        "message_en": ("市建设局: contract D1 (湖州甲建设有限公司) is 80.0% paid with 50.0% of its term elapsed, "
                       "30.0 pp ahead"),
        "evidence": {"contract_id": "D1", "contract_amount": 900_000.0, "net_paid": 720_000.0,
                     "term_start": "2025-01-01", "term_end": "2025-12-31", "as_of": "2025-07-02",
                     "paid_share": 0.8, "elapsed_share": 0.5, "payment_ids": ["d1a", "d1b", "d1c"]},
        "amount_at_risk": 270_000.0,
    }
    d2 = got["D2"]
    # (2/3 − 1/3) × 100 = 33.33 pp → warning; ahead 2,000,000.00 − 1/3 × 3,000,000.00 = 1,000,000.00
    assert d2.pop("value") == pytest.approx(100 / 3, rel=1e-12)
    assert d2 == {
        "level": "warning", "period": "2025", "threshold": 30.0, "subject_type": "contract", "unit_code": "U2",
        "region_code": "330521",
        "message_zh": "德清县交通局 合同 D2（德清丙工程有限公司）已付 66.7%，合同期仅过去 33.3%，超前 33.3 个百分点",
        "message_en": ("德清县交通局: contract D2 (德清丙工程有限公司) is 66.7% paid with 33.3% of its term elapsed, "
                       "33.3 pp ahead"),
        "evidence": {"contract_id": "D2", "contract_amount": 3_000_000.0, "net_paid": 2_000_000.0,
                     "term_start": "2025-03-24", "term_end": "2026-01-18", "as_of": "2025-07-02",
                     "paid_share": 0.666667, "elapsed_share": 0.333333, "payment_ids": ["d2a"]},
        "amount_at_risk": 1_000_000.0,
    }
    # assessed: D1, D3 (U1) and D2 (U2); D4 has no term
    assert assessed_counts(assessed) == {"330500": (2, 1, 1, 0), "330521": (1, 1, 1, 0)}
    d3 = values.set_index("subject_id").loc["D3"]
    # 0.6 − 0.5 = 10 pp; ahead 60,000 − 50,000 = 10,000
    assert d3["level"] == "ok" and d3["value"] == pytest.approx(10.0) and d3["ahead"] == pytest.approx(10_000.0)


def test_con04_direct_result_shares_in_six_decimals_and_no_term_of_zero_days():
    contracts = _frame("contracts", CON04_TABLES["contracts"])
    payments = _frame("payments", CON04_TABLES["payments"])
    payments = payments[payments["pay_date"] <= "2025-07-02"]
    out = payment_progress(contracts, payments, pd.Timestamp("2025-07-02"))
    assert list(out["subject_id"]) == ["D1", "D2", "D3"]  # D4: start = end, not a term
    assert list(out["period"]) == ["2025"] * 3
    assert list(out["unit_code"]) == ["U1", "U2", "U1"]
    # 2/3 and 1/3 rounded to six decimals in the evidence
    ev = out["evidence"].iloc[1]
    assert (ev["paid_share"], ev["elapsed_share"]) == (0.666667, 0.333333)
    given = payment_progress(contracts, payments, pd.Timestamp("2025-07-02"), year=2024)
    assert list(given["period"]) == ["2024"] * 3
    # nothing running on as_of: no rows, the registry's columns and the figures of the message
    empty = payment_progress(contracts, payments, pd.Timestamp("2024-01-01"))
    assert empty.empty and list(empty.columns) == [*BASE, "paid_share", "elapsed_share", "ahead"]


def test_con04_a_contract_of_one_yuan_is_assessed():
    # amount 1.00, paid 1.00: 100 % paid, 50 % elapsed → 50 pp → alert; ahead 1.00 − 0.50 = 0.50
    t = {"contracts": [contract("Y", 1.00, signed="2024-12-20", start_date="2025-01-01", end="2025-12-31")],
         "payments": [payment("y", 1.00, "Y")]}
    findings, _, _ = scan("CON04", "2025-07-02", **t)
    assert findings[["subject_id", "level", "amount_at_risk"]].values.tolist() == [["Y", "alert", 0.5]]


# ---------------------------------------------------------------------------------------- CON05
CON05_TABLES = {
    "contracts": [
        contract("K1", 1_000_000.00),  # U1, vendor 湖州甲建设有限公司
        contract("K2", 500_000.00, unit_code="U2", vendor_name="德清丁科技股份有限公司"),
    ],
    "payments": [
        # the same individual paid by two units under their contracts
        payment("m1", 100_000.50, "K1", payee_name="张三"),
        payment("m2", 20_000.00, " K2 ", unit_code="U2", payee_name="张三", date="2025-08-15"),
        payment("m3", 30_000.00, "K1", payee_name="湖州甲建设 有限责任公司"),  # the same company
        payment("m4", 40_000.00, "K1", payee_name=None, date="2025-09-01"),  # no payee: not the contractor
        payment("m5", 50_000.00, "K2", unit_code="U2", payee_name="德清丁科技有限公司"),  # same trade name
    ],
}


def test_con05_findings_written_out_in_full():
    findings, assessed, _ = scan("CON05", **CON05_TABLES)
    got = finding_fields(findings)
    assert set(got) == {"m1", "m2", "m4"}
    for g in got.values():
        assert math.isnan(g.pop("threshold"))  # a flag: no threshold
    assert got["m1"] == {
        "level": "alert", "period": "2025-05", "value": 100_000.5, "subject_type": "payment", "unit_code": "U1",
        "region_code": "330500",
        "message_zh": "市建设局 按合同 K1 向“张三”支付 100,000.50 元，合同相对方为“湖州甲建设有限公司”",
        "message_en": "市建设局 paid 100,000.50 under contract K1 to “张三”, but the contractor is “湖州甲建设有限公司”",
        "evidence": {"payment_id": "m1", "contract_id": "K1", "payee_name": "张三", "vendor_name": "湖州甲建设有限公司",
                     "payee_normalised": "张三", "vendor_normalised": "湖州甲建设", "amount": 100_000.5},
        "amount_at_risk": 100_000.5,
    }
    assert got["m2"] == {
        "level": "alert", "period": "2025-08", "value": 20_000.0, "subject_type": "payment", "unit_code": "U2",
        "region_code": "330521",
        "message_zh": "德清县交通局 按合同 K2 向“张三”支付 20,000.00 元，合同相对方为“德清丁科技股份有限公司”",
        "message_en": ("德清县交通局 paid 20,000.00 under contract K2 to “张三”, but the contractor is "
                       "“德清丁科技股份有限公司”"),
        "evidence": {"payment_id": "m2", "contract_id": "K2", "payee_name": "张三",
                     "vendor_name": "德清丁科技股份有限公司", "payee_normalised": "张三",
                     "vendor_normalised": "德清丁科技", "amount": 20_000.0},
        "amount_at_risk": 20_000.0,
    }
    assert got["m4"] == {
        "level": "alert", "period": "2025-09", "value": 40_000.0, "subject_type": "payment", "unit_code": "U1",
        "region_code": "330500",
        "message_zh": "市建设局 按合同 K1 向“”支付 40,000.00 元，合同相对方为“湖州甲建设有限公司”",
        "message_en": "市建设局 paid 40,000.00 under contract K1 to “”, but the contractor is “湖州甲建设有限公司”",
        "evidence": {"payment_id": "m4", "contract_id": "K1", "payee_name": None, "vendor_name": "湖州甲建设有限公司",
                     "payee_normalised": None, "vendor_normalised": "湖州甲建设", "amount": 40_000.0},
        "amount_at_risk": 40_000.0,
    }
    assert assessed_counts(assessed) == {"330500": (3, 2, 0, 2), "330521": (2, 1, 0, 1)}


def test_con05_direct_result_keeps_the_matching_payees_as_ok():
    out = payee_mismatches(_frame("payments", CON05_TABLES["payments"]), _frame("contracts", CON05_TABLES["contracts"]),
                           level="warning")
    assert list(out["subject_id"]) == ["m1", "m2", "m3", "m4", "m5"]
    assert list(out["level"]) == ["warning", "warning", "ok", "warning", "ok"]
    assert list(out["unit_code"]) == ["U1", "U2", "U1", "U1", "U2"]
    assert list(out["contract_id"]) == ["K1", "K2", "K1", "K1", "K2"]
    assert list(out["payee_name"]) == ["张三", "张三", "湖州甲建设 有限责任公司", "", "德清丁科技有限公司"]
    assert out["evidence"].iloc[2] is None and out["evidence"].iloc[4] is None
    # nothing to compare: no rows, the registry's columns and the figures of the message
    refunds = [payment("r", -5.00, "K1", payee_name="某某")]
    empty = payee_mismatches(_frame("payments", refunds), _frame("contracts", CON05_TABLES["contracts"]), level="alert")
    assert empty.empty and list(empty.columns) == [
        *BASE, "level", "payee_name", "vendor_name", "contract_id", "amount"]


def test_con05_strip_suffixes_apply_to_the_vendor_too():
    # with 有限公司 the only suffix, 湖州乙有限责任公司 keeps its form (it does not end in 有限公司) and is not 湖州乙
    t = {"contracts": [contract("K", 100_000, vendor_name="湖州乙有限责任公司")],
         "payments": [payment("m", 1_000.00, "K", payee_name="湖州乙")]}
    findings, _, _ = scan("CON05", params={"indicators": {"CON05": {"strip_suffixes": ["有限公司"]}}}, **t)
    ev = json.loads(findings["evidence"].iloc[0])
    assert (ev["payee_normalised"], ev["vendor_normalised"]) == ("湖州乙", "湖州乙有限责任公司")
    findings, _, _ = scan("CON05", **t)  # the default suffixes drop 有限责任公司: the same party
    assert findings.empty


def test_con05_a_contract_listed_twice_is_judged_by_its_first_row():
    t = {"contracts": [contract("K", 100_000, vendor_name="湖州甲建设有限公司"),
                       contract("K", 100_000, vendor_name="湖州戊贸易有限公司")],
         "payments": [payment("m", 1_000.00, "K", payee_name="湖州戊贸易有限公司")]}
    findings, _, _ = scan("CON05", **t)
    assert list(findings["message_en"]) == [
        "市建设局 paid 1,000.00 under contract K to “湖州戊贸易有限公司”, but the contractor is “湖州甲建设有限公司”"]


def test_con03_direct_result_says_the_dates_of_timestamps_with_a_time_of_day():
    # a frame not from the loader may carry the time of day: the texts and the days are of the dates
    contracts = _frame("contracts", [contract("C", 800_000, signed="2025-04-01 16:30", procurement_id="P")])
    procurement = _frame("procurement", [_proc("P", "2025-04-15 09:00")])
    out = unprocured_contracts(contracts, procurement, pd.Timestamp("2025-06-30"),
                               decentralised_limits={"goods": 1_000_000}, level="alert")
    assert out[["rule", "signed_date_text", "award_date_text"]].values.tolist() == [
        ["signed_before_award", "2025-04-01", "2025-04-15"]]
    assert out["evidence"].iloc[0] == {"contract_id": "C", "amount": 800_000.0, "signed_date": "2025-04-01",
                                       "procurement_id": "P", "award_date": "2025-04-15", "days_before_award": 14}


# ---------------------------------------------------------------------------------------- helpers
def test_con01_a_contract_without_payments_has_paid_nothing():
    findings, assessed, values = scan("CON01", contracts=[contract("K", 300_000.00)],
                                     payments=[payment("p", 5.00, "other")])
    v = values.set_index("subject_id").loc["K"]
    # nothing paid: 0 / 300,000 = 0; overpaid 0 − 300,000 = −300,000
    assert (v["value"], v["paid"], v["overpaid"], v["level"]) == (0.0, 0.0, -300_000.0, "ok")
    out = overpaid_contracts(_frame("contracts", [contract("K", 300_000.00)]),
                             _frame("payments", [payment("p", 5.00, "other")]), pd.Timestamp("2025-12-31"))
    assert out["evidence"].iloc[0] == {"contract_id": "K", "contract_amount": 300_000.0, "net_paid": 0.0,
                                       "payment_ids": []}


def test_net_paid_by_sums_in_cents_per_key_in_key_order():
    from fiscalrisk.indicators.contracts import net_paid_by

    # a frame not from the loader may carry amounts below the cent: the sums are rounded to cents
    payments = pd.DataFrame({"payment_id": ["p3", "p1", "p2", "p4"], "contract_id": ["B", "B", "A", " "],
                             "amount": [100.004, -0.001, 50.0, 9.0]})
    out = net_paid_by(payments, "contract_id")
    assert list(out.index) == ["A", "B"] and out.index.name == "contract_id"  # blank ids left out
    assert out.to_dict("index") == {"A": {"paid": 50.0, "n": 1, "payment_ids": ["p2"]},
                                    "B": {"paid": 100.0, "n": 2, "payment_ids": ["p1", "p3"]}}  # 100.003 → 100.00
    # a table without the key: no rows, the same columns, the key as the index name
    none = net_paid_by(payments.drop(columns="contract_id"), "contract_id")
    assert none.empty and list(none.columns) == ["paid", "n", "payment_ids"] and none.index.name == "contract_id"


def test_party_names_drop_one_suffix_only_when_something_remains():
    from fiscalrisk.indicators.contracts import normalise_party_name

    # a name that is only a company form keeps it; the longest form that leaves something is dropped
    keys = normalise_party_name(pd.Series(["公司", "有限公司", "股份有限公司", "  ", None], dtype="str"))
    assert keys.iloc[:3].tolist() == ["公司", "有限", "股份"]
    assert keys.iloc[3:].isna().all()  # blank and missing names stay missing
    # the longest suffix that matches is dropped whatever the order of the list given
    given = normalise_party_name(pd.Series(["湖州甲中国有限公司"], dtype="str"), ["有限公司", "中国有限公司"])
    assert given.tolist() == ["湖州甲"]
