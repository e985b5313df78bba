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


# ======================================================================================================
# Boundaries and exclusions: each threshold at, just below and just above it; each window at its exact
# length and one day longer; each exclusion with a case where it changes the result; money that does not
# add up exactly in floats; the as_of day itself. Parameters are moved through the ``indicators``
# overrides.
# ======================================================================================================
from ._coverage import covers  # noqa: E402
from ._tables import grouped_sum  # noqa: E402


def graded(code: str, as_of: str = "2025-12-31", params: dict[str, Any] | None = None,
           **tables: list[dict[str, Any]]) -> dict[str, str]:
    """subject_id → level of ``code`` on ``tables``, with ``params`` as the indicator's overrides."""
    findings, _ = run(code, as_of, {"indicators": {code: params}} if params else None, **tables)
    return levels(findings)


# ---------------------------------------------------------------------------------------- CON01
@covers("CON01", "alert")
def test_con01_ratio_at_and_around_the_alert():
    t = {
        "contracts": [contract(c, 100_000) for c in ("K0", "K+", "K-", "K5")],
        "payments": [payment("p0", 100_000, "K0"), payment("p+", 100_000.01, "K+"),
                     payment("p-", 99_999.99, "K-"), payment("p5", 105_000, "K5")],
    }
    assert graded("CON01", **t) == {"K+": "alert", "K5": "alert"}  # 1.0 is not above 1.0
    assert graded("CON01", params={"alert": 1.05}, **t) == {}
    assert graded("CON01", params={"alert": 1.04}, **t) == {"K5": "alert"}
    assert graded("CON01", params={"alert": 0.99999995}, **t) == {"K0": "alert", "K+": "alert", "K5": "alert"}


def test_con01_paid_in_full_in_cents_though_not_in_floats():
    parts = [85_285.17, 265_824.84, 648_889.99]  # 1,000,000.00 to the cent
    assert grouped_sum(parts) > 1_000_000  # ... 1,000,000.0000000001 in floats
    over = [85_285.17, 265_824.84, 648_890.00]  # one cent more: 1,000,000.01 ...
    assert grouped_sum(over) != 1_000_000.01  # ... 1,000,000.0100000001 in floats
    findings, _ = run(
        "CON01",
        contracts=[contract("K1", 1_000_000), contract("K2", 1_000_000)],
        payments=[payment(f"a{i}", x, "K1") for i, x in enumerate(parts)]
        + [payment(f"b{i}", x, "K2") for i, x in enumerate(over)],
    )
    assert levels(findings) == {"K2": "alert"}
    assert findings["value"].iloc[0] == 1_000_000.01 / 1_000_000  # the net paid in cents, then the ratio


def test_con01_contracts_of_amount_zero_are_not_assessed():
    findings, assessed = run(
        "CON01",
        contracts=[contract("K0", 0), contract("K1", 0.01)],
        payments=[payment("p0", 5_000, "K0"), payment("p1", 0.02, "K1")],
    )
    assert levels(findings) == {"K1": "alert"}
    assert int(assessed["assessed"].sum()) == 1


def test_con01_contract_signed_and_payment_made_on_as_of_count_and_the_day_after_does_not():
    t = {
        "contracts": [contract("S-on", 100_000, signed="2025-06-30"), contract("S-after", 100_000, signed="2025-07-01"),
                      contract("P-on", 100_000), contract("P-after", 100_000)],
        "payments": [payment("s1", 200_000, "S-on", date="2025-06-30"),
                     payment("s2", 200_000, "S-after", date="2025-06-30"),
                     payment("p1", 100_000, "P-on"), payment("p2", 0.01, "P-on", date="2025-06-30"),
                     payment("p3", 100_000, "P-after"), payment("p4", 0.01, "P-after", date="2025-07-01")],
    }
    findings, assessed = run("CON01", "2025-06-30", **t)
    assert levels(findings) == {"S-on": "alert", "P-on": "alert"}
    assert int(assessed["assessed"].sum()) == 3


def test_con01_refunds_count_with_their_sign():
    t = {
        "contracts": [contract("K1", 100_000), contract("K2", 100_000)],
        "payments": [payment("a", 100_000.01, "K1"), payment("b", -0.01, "K1", date="2025-06-01"),
                     payment("c", 100_000.01, "K2"), payment("d", -0.01, "K2", date="2026-01-02")],
    }
    assert graded("CON01", **t) == {"K2": "alert"}  # K2's refund comes after as_of


# ---------------------------------------------------------------------------------------- CON02
@covers("CON02", "min_amount")
def test_con02_amount_at_and_around_min_amount():
    t = {"payments": [payment(p, a, None, economic_code="30201") for p, a in
                      (("m-", 499_999.99), ("m0", 500_000), ("m+", 500_000.01), ("m1", 500_001))]}
    assert graded("CON02", **t) == {"m0": "warning", "m+": "warning", "m1": "warning"}
    assert graded("CON02", params={"min_amount": 499_999}, **t) == {
        "m-": "warning", "m0": "warning", "m+": "warning", "m1": "warning"}
    assert graded("CON02", params={"min_amount": 500_001}, **t) == {"m1": "warning"}


@covers("CON02", "economic_prefixes")
def test_con02_economic_prefixes_decide_what_is_assessed():
    t = {"payments": [payment("goods", 600_000, None, economic_code="30201"),
                      payment("capital", 600_000, None, economic_code="31002"),
                      payment("other", 600_000, None, economic_code="30901")]}
    assert graded("CON02", **t) == {"goods": "warning", "capital": "warning"}
    assert graded("CON02", params={"economic_prefixes": ["310"]}, **t) == {"capital": "warning"}
    assert graded("CON02", params={"economic_prefixes": ["302", "310", "309"]}, **t) == {
        "goods": "warning", "capital": "warning", "other": "warning"}


@covers("CON02", "exclude_economic_codes")
def test_con02_excluded_economic_codes_change_the_result():
    t = {"payments": [payment("power", 700_000, None, economic_code="30206"),
                      payment("goods", 700_000, None, economic_code="30201")]}
    assert graded("CON02", **t) == {"goods": "warning"}
    assert graded("CON02", params={"exclude_economic_codes": []}, **t) == {"power": "warning", "goods": "warning"}
    assert graded("CON02", params={"exclude_economic_codes": ["30201"]}, **t) == {"power": "warning"}


@covers("CON02", "level")
def test_con02_level_follows_the_parameter():
    t = {"payments": [payment("x", 600_000, None, economic_code="30201")]}
    assert graded("CON02", **t) == {"x": "warning"}
    assert graded("CON02", params={"level": "alert"}, **t) == {"x": "alert"}


def test_con02_payment_on_as_of_counts_and_refunds_are_not_assessed():
    findings, assessed = run(
        "CON02",
        "2025-06-30",
        payments=[payment("on", 600_000, None, economic_code="30201", date="2025-06-30"),
                  payment("after", 600_000, None, economic_code="30201", date="2025-07-01"),
                  payment("refund", -600_000, None, economic_code="30201", date="2025-06-30"),
                  payment("unknown", 600_000, "K404", economic_code="30201")],  # a contract id, even unknown
    )
    assert levels(findings) == {"on": "warning"}
    assert int(assessed["assessed"].sum()) == 2


# ---------------------------------------------------------------------------------------- CON03
@covers("CON03", "level")
def test_con03_level_follows_the_parameter():
    t = {"contracts": [contract("C1", 1_000_000, procurement_id=None)]}
    assert graded("CON03", **t) == {"C1": "alert"}
    assert graded("CON03", params={"level": "warning"}, **t) == {"C1": "warning"}


def test_con03_limit_at_and_around_per_category():
    t = {"contracts": [
        contract("g-", 999_999.99, procurement_id=None), contract("g0", 1_000_000, procurement_id=None),
        contract("g+", 1_000_000.01, procurement_id=None),
        contract("w-", 1_199_999.99, category="works", procurement_id=None),
        contract("w0", 1_200_000, category="works", procurement_id=None),
        contract("s0", 1_000_000, category="services", procurement_id=" "),  # a blank id is no procurement
        contract("p0", 5_000_000, procurement_id="P9"),  # procured
    ]}
    assert graded("CON03", **t) == {"g0": "alert", "g+": "alert", "w0": "alert", "s0": "alert"}


def test_con03_signed_on_the_award_day_and_on_as_of():
    def proc(pid: str, award: str) -> dict:
        return {"procurement_id": pid, "unit_code": "U1", "item": "设备", "item_category": "A01",
                "category": "goods", "method": "open_tender", "estimated_amount": 500_000, "award_date": award}

    t = {
        "contracts": [
            contract("same-day", 500_000, signed="2025-03-10", procurement_id="P1"),
            contract("day-before", 500_000, signed="2025-03-09", procurement_id="P1"),
            contract("on-as-of", 1_000_000, signed="2025-06-30", procurement_id=None),
            contract("after-as-of", 1_000_000, signed="2025-07-01", procurement_id=None),
            contract("unknown-proc", 5_000_000, signed="2025-03-01", procurement_id="P404"),  # a broken reference
        ],
        "procurement": [proc("P1", "2025-03-10")],
    }
    findings, assessed = run("CON03", "2025-06-30", **t)
    assert levels(findings) == {"day-before": "alert", "on-as-of": "alert"}
    assert int(assessed["assessed"].sum()) == 4


# ---------------------------------------------------------------------------------------- CON04
def _running(cid: str, **kw: Any) -> dict:
    # 2025-01-01 to 2025-12-31 is 364 days: on 2025-07-02 the elapsed share is 0.5 exactly
    return contract(cid, kw.pop("amount", 1_000_000), signed="2024-12-20", start_date=kw.pop("start", "2025-01-01"),
                    end=kw.pop("end", "2025-12-31"), **kw)


@covers("CON04", "warning", "alert")
def test_con04_points_ahead_at_and_around_both_thresholds():
    paid = {"w-": 799_900, "w0": 800_000, "w+": 800_100, "a-": 999_900, "a0": 1_000_000, "a+": 1_000_100}
    t = {"contracts": [_running(c) for c in paid], "payments": [payment(f"p{c}", a, c) for c, a in paid.items()]}
    assert graded("CON04", "2025-07-02", **t) == {"w0": "warning", "w+": "warning", "a-": "warning",
                                                  "a0": "alert", "a+": "alert"}
    assert graded("CON04", "2025-07-02", {"warning": 29}, **t) == {
        "w-": "warning", "w0": "warning", "w+": "warning", "a-": "warning", "a0": "alert", "a+": "alert"}
    assert graded("CON04", "2025-07-02", {"warning": 31}, **t) == {"a-": "warning", "a0": "alert", "a+": "alert"}
    assert graded("CON04", "2025-07-02", {"alert": 49}, **t) == {
        "w0": "warning", "w+": "warning", "a-": "alert", "a0": "alert", "a+": "alert"}
    assert graded("CON04", "2025-07-02", {"alert": 51}, **t) == {
        "w0": "warning", "w+": "warning", "a-": "warning", "a0": "warning", "a+": "warning"}


def test_con04_term_running_on_as_of_at_its_exact_ends():
    contracts = [
        _running("ends-on", end="2025-07-02"),  # the last day of the term: still running
        _running("ended", end="2025-07-01"),  # ended the day before
        _running("starts-on", start="2025-07-02"),  # the first day: elapsed 0
        _running("starts-after", start="2025-07-03"),
        _running("one-day", start="2025-07-02", end="2025-07-03"),  # the shortest term there is
        _running("no-term", start="2025-07-02", end="2025-07-02"),
        _running("zero", amount=0),
        contract("from-signing", 1_000_000, signed="2025-07-02", end="2025-12-31"),  # no start: signed
    ]
    payments = [payment(f"p-{c['contract_id']}", 1_500_000 if c["contract_id"] in ("ends-on", "ended") else 300_000,
                        c["contract_id"]) for c in contracts]
    findings, assessed = run("CON04", "2025-07-02", contracts=contracts, payments=payments)
    # ends-on: 150 % paid, 100 % elapsed → 50 pp; starting ones: 30 % paid, 0 % elapsed → 30 pp
    assert levels(findings) == {"ends-on": "alert", "starts-on": "warning", "one-day": "warning",
                                "from-signing": "warning"}
    assert int(assessed["assessed"].sum()) == 4


def test_con04_start_date_wins_over_signing_and_payments_up_to_as_of():
    contracts = [
        # signed long before, started in July: on 2025-07-02 elapsed 1/182; 30 % paid → 29.5 pp: ok
        contract("late-start", 1_000_000, signed="2024-01-01", start_date="2025-07-01", end="2025-12-30"),
        _running("on"), _running("after"),
    ]
    payments = [payment("a", 300_000, "late-start", date="2025-06-01"),
                payment("b1", 700_000, "on"), payment("b2", 100_000, "on", date="2025-07-02"),  # 30 pp
                payment("c1", 700_000, "after"), payment("c2", 100_000, "after", date="2025-07-03")]
    assert graded("CON04", "2025-07-02", contracts=contracts, payments=payments) == {"on": "warning"}


def test_con04_exactly_thirty_points_ahead_in_floats_warns():
    # 2025-01-01 to 2026-01-01 is 365 days; 2025-05-27 is day 146: elapsed 0.4. 70 % paid is 30 pp ahead,
    # (0.7 − 0.4) × 100 = 29.999999999999993 in floats: still on the warning
    t = {"contracts": [contract("K", 1_000_000, signed="2025-01-01", end="2026-01-01")],
         "payments": [payment("p", 700_000, "K", date="2025-03-01")]}
    assert graded("CON04", "2025-05-27", **t) == {"K": "warning"}


# ---------------------------------------------------------------------------------------- CON05
@covers("CON05", "level")
def test_con05_level_follows_the_parameter():
    t = {"contracts": [contract("K1", 1_000_000)], "payments": [payment("m", 100_000, "K1", payee_name="张三")]}
    assert graded("CON05", **t) == {"m": "alert"}
    assert graded("CON05", params={"level": "warning"}, **t) == {"m": "warning"}


@covers("CON05", "strip_suffixes")
def test_con05_strip_suffixes_decide_which_company_forms_are_the_same():
    t = {"contracts": [contract("K1", 1_000_000)],  # vendor 湖州甲建设有限公司
         "payments": [payment("m", 100_000, "K1", payee_name="湖州甲建设有限责任公司")]}
    assert graded("CON05", **t) == {}
    assert graded("CON05", params={"strip_suffixes": []}, **t) == {"m": "alert"}
    assert graded("CON05", params={"strip_suffixes": ["有限公司"]}, **t) == {"m": "alert"}
    assert graded("CON05", params={"strip_suffixes": ["有限责任公司", "有限公司"]}, **t) == {}


def test_con05_refunds_zero_amounts_and_as_of():
    findings, assessed = run(
        "CON05",
        "2025-06-30",
        contracts=[contract("K1", 1_000_000)],
        payments=[payment("refund", -0.01, "K1", payee_name="某某"),
                  payment("zero", 0.0, "K1", payee_name="某某"),
                  payment("on", 0.01, "K1", payee_name="某某", date="2025-06-30"),
                  payment("after", 100_000, "K1", payee_name="某某", date="2025-07-01"),
                  payment("same", 100_000, "K1")],
    )
    assert levels(findings) == {"on": "alert"}
    assert int(assessed["assessed"].sum()) == 2
