"""CON01–CON05: hand-made contracts and payments per indicator, run through the registry."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fiscalrisk.indicators import run_indicator
from fiscalrisk.indicators.contracts import normalise_party_name
from fiscalrisk.params import resolve
from fiscalrisk.scan import make_context

from ._tables import typed

REGIONS = typed(
    "regions", [{"region_code": "330500", "name": "湖州市", "level": "city", "parent_code": None}]
)
UNITS = typed("units", [{"unit_code": "U1", "name": "市建设局", "region_code": "330500"}])


def contract(cid: str, amount: float, signed: str = "2025-01-10", end: str = "2025-12-31", **kw: Any) -> dict:
    row = {
        "contract_id": cid,
        "unit_code": "U1",
        "vendor_name": "湖州甲建设有限公司",
        "category": "goods",
        "amount": amount,
        "signed_date": signed,
        "end_date": end,
        "procurement_id": "P0",
    }
    row.update(kw)
    return row


def payment(pid: str, amount: float, contract_id: str | None, date: str = "2025-05-06", **kw: Any) -> dict:
    row = {
        "payment_id": pid,
        "pay_date": date,
        "unit_code": "U1",
        "function_code": "2120101",
        "economic_code": "31001",
        "payee_name": "湖州甲建设有限公司",
        "payee_type": "organization",
        "method": "transfer",
        "amount": amount,
        "contract_id": contract_id,
    }
    row.update(kw)
    return row


def run(code: str, as_of: str = "2025-12-31", params: dict | None = None, **tables: list[dict[str, Any]]):
    ctx = make_context(
        {"regions": REGIONS, "units": UNITS, **{t: typed(t, rows) for t, rows in tables.items()}},
        pd.Timestamp(as_of),
        resolve(overrides=params),
    )
    return run_indicator(code, ctx)


def levels(findings: pd.DataFrame) -> dict[str, str]:
    return dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True))


# ---------------------------------------------------------------------------------------- CON01
def test_con01_net_payments_above_the_contract_alert():
    findings, assessed = run(
        "CON01",
        contracts=[
            contract("K1", 1_000_000),  # paid exactly in full: ratio 1.0, not above
            contract("K2", 200_000),  # 260,000 paid, 10,000 refunded: 1.25
            contract("K3", 100_000),  # one cent above
            contract("K4", 100_000, signed="2026-02-01"),  # signed after as_of
            contract("K5", 100_000),  # the overpayment falls after as_of
            contract("K6", 300_000),  # nothing paid yet
        ],
        payments=[
            payment("p1", 600_000.10, "K1"),
            payment("p2", 399_999.90, "K1"),
            payment("p3", 260_000, "K2"),
            payment("p4", -10_000, "K2", date="2025-06-01"),
            payment("p5", 100_000.01, "K3"),
            payment("p6", 100_000, "K5"),
            payment("p7", 50_000, "K5", date="2026-01-04"),
            payment("p8", 5_000, "K404"),  # names no known contract: not CON01's subject
        ],
    )
    assert levels(findings) == {"K2": "alert", "K3": "alert"}
    k2 = findings.set_index("subject_id").loc["K2"]
    assert k2["value"] == pytest.approx(1.25) and k2["threshold"] == 1.0 and k2["period"] == "2025"
    assert json.loads(k2["evidence"])["payment_ids"] == ["p3", "p4"]
    assert "250,000.00" in k2["message_zh"]
    assert int(assessed["assessed"].sum()) == 5


# ---------------------------------------------------------------------------------------- CON02
def test_con02_large_goods_or_capital_payment_without_contract_warns():
    findings, assessed = run(
        "CON02",
        payments=[
            payment("x1", 500_000, None, economic_code="30201"),  # at the threshold
            payment("x2", 499_999.99, None, economic_code="30201"),  # below: not assessed
            payment("x3", 800_000, "K1", economic_code="31002"),  # has a contract
            payment("x4", 900_000, None, economic_code="30101"),  # wages: not assessed
            payment("x5", 600_000, "  ", economic_code="31003"),  # a blank id is no contract
            payment("x6", 700_000, None, economic_code="30299", date="2026-01-02"),  # after as_of
            payment(
                "x7", 700_000, None, economic_code="30206", payee_name="国网浙江省电力有限公司湖州供电公司"
            ),  # 电费: tariff-billed, not assessed
        ],
    )
    assert levels(findings) == {"x1": "warning", "x5": "warning"}
    assert findings.set_index("subject_id").loc["x1", "period"] == "2025-05"
    assert int(assessed["assessed"].sum()) == 3


def test_con02_threshold_is_a_parameter():
    findings, _ = run(
        "CON02",
        params={"indicators": {"CON02": {"min_amount": 200_000}}},
        payments=[payment("y1", 250_000, None, economic_code="30213")],
    )
    assert levels(findings) == {"y1": "warning"}


# ---------------------------------------------------------------------------------------- CON03
def test_con03_no_procurement_above_the_limit_or_signed_before_award():
    findings, _ = run(
        "CON03",
        contracts=[
            contract("C1", 1_000_000, procurement_id=None),  # at the goods limit, no procurement
            contract("C2", 999_999.99, procurement_id=None),  # below the limit
            contract("C3", 1_200_000, category="works", procurement_id="P3", signed="2025-03-01"),
            contract("C4", 1_200_000, category="works", procurement_id="P4", signed="2025-03-10"),
            contract("C5", 5_000_000, category="services", procurement_id="P5", signed="2025-04-01"),
            contract("C6", 1_199_999, category="works", procurement_id=None),
        ],
        procurement=[
            {
                "procurement_id": pid,
                "unit_code": "U1",
                "item": "道路工程",
                "item_category": "B01",
                "category": "works",
                "method": "open_tender",
                "estimated_amount": 1_300_000,
                "award_date": d,
            }
            for pid, d in (("P3", "2025-03-10"), ("P4", "2025-03-10"), ("P5", None))
        ],
    )
    assert levels(findings) == {"C1": "alert", "C3": "alert"}
    f = findings.set_index("subject_id")
    assert f.loc["C1", "threshold"] == 1_000_000 and "无采购记录" in f.loc["C1", "message_zh"]
    assert json.loads(f.loc["C3", "evidence"])["days_before_award"] == 9
    assert "早于采购 P3 的中标日 2025-03-10" in f.loc["C3", "message_zh"]
    assert f.loc["C3", "period"] == "2025-03"


def test_con03_without_procurement_table_checks_only_missing_procurement():
    findings, _ = run(
        "CON03",
        contracts=[
            contract("C1", 1_000_000, procurement_id=None),
            contract("C3", 2_000_000, procurement_id="P3"),
        ],
    )
    assert levels(findings) == {"C1": "alert"}


# ---------------------------------------------------------------------------------------- CON04
def test_con04_paid_share_ahead_of_elapsed_term():
    # as_of 2025-07-02 is 182 of the 364 days from 2025-01-01 to 2025-12-31: elapsed share 0.5
    contracts = [
        contract(cid, 1_000_000, signed="2024-12-20", start_date="2025-01-01")
        for cid in ("D30", "D29", "D50")
    ] + [
        contract("Dsigned", 1_000_000, signed="2025-01-01"),  # term from signing
        contract("Dended", 1_000_000, signed="2024-01-01", end="2025-06-30"),  # no longer running
        contract("Dfuture", 1_000_000, signed="2025-06-01", start_date="2025-08-01"),
    ]
    payments = [
        payment("q1", 800_000, "D30"),
        payment("q2", 799_000, "D29"),
        payment("q3", 1_000_000, "D50"),
        payment("q4", 950_000, "Dsigned"),  # 45 pp
        payment("q5", 1_000_000, "Dended"),
        payment("q6", 900_000, "Dfuture"),
    ]
    findings, assessed = run("CON04", as_of="2025-07-02", contracts=contracts, payments=payments)
    assert levels(findings) == {"D30": "warning", "D50": "alert", "Dsigned": "warning"}
    f = findings.set_index("subject_id")
    assert f.loc["D30", "value"] == pytest.approx(30.0) and f.loc["D50", "value"] == pytest.approx(50.0)
    assert json.loads(f.loc["Dsigned", "evidence"])["term_start"] == "2025-01-01"
    assert int(assessed["assessed"].sum()) == 4


# ---------------------------------------------------------------------------------------- CON05
@pytest.mark.parametrize(
    ("payee", "vendor", "same"),
    [
        ("湖州甲建设 有限责任公司", "湖州甲建设有限公司", True),  # space; company form
        ("湖州丙（集团）有限公司", "湖州丙(集团)有限公司", True),  # full-width vs half-width brackets
        ("湖州丙集团有限公司", "湖州丙（集团）有限公司", True),  # brackets dropped by the bank
        ("浙江乙科技有限公司", "浙江乙科技股份有限公司", True),  # 股改: same trade name
        ("ＡＢＣ　Trading 公司", "abc trading有限公司", True),  # full-width letters, case
        ("湖州甲建设有限公司湖州分公司", "湖州甲建设有限公司", False),  # a branch is another payee
        ("湖州甲建材有限公司", "湖州甲建设有限公司", False),  # another company
        ("张三", "湖州甲建设有限公司", False),  # an individual
    ],
)
def test_party_names_compare_as_an_auditor_reads_them(payee: str, vendor: str, same: bool):
    a, b = normalise_party_name(pd.Series([payee, vendor], dtype="str"))
    assert (a == b) is same


_NAME_CHARS = "湖州甲乙丙建设科技集团分公司有限责任股份ABCxyz()（）[]【】 "
_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=_NAME_CHARS, min_size=1, max_size=20))
def test_party_names_ignore_width_case_and_spacing(name: str):
    variants = pd.Series(
        [name, name.translate(_FULL_WIDTH), " ".join(name).upper(), f"  {name}  "], dtype="str"
    )
    keys = normalise_party_name(variants)
    assert keys.nunique(dropna=False) == 1


def test_con05_payee_other_than_the_contractor_alerts():
    findings, assessed = run(
        "CON05",
        contracts=[contract("K1", 1_000_000), contract("K2", 500_000, vendor_name="湖州丙（集团）有限公司")],
        payments=[
            payment("m1", 100_000, "K1", payee_name="湖州甲建设 有限责任公司"),
            payment("m2", 100_000, "K1", payee_name="湖州甲建设有限公司湖州分公司"),
            payment("m3", 100_000, "K2", payee_name="湖州丙(集团)有限公司"),
            payment("m4", 20_000, "K2", payee_name="张三", payee_type="individual"),
            payment("m5", -5_000, "K2", payee_name="某某"),  # a refund: not assessed
            payment("m6", 10_000, "K404", payee_name="某某"),  # unknown contract: not assessed
            payment("m7", 10_000, None, payee_name="某某"),  # no contract: not assessed
        ],
    )
    assert levels(findings) == {"m2": "alert", "m4": "alert"}
    m4 = findings.set_index("subject_id").loc["m4"]
    assert "合同相对方为“湖州丙（集团）有限公司”" in m4["message_zh"] and m4["period"] == "2025-05"
    assert int(assessed["assessed"].sum()) == 4
