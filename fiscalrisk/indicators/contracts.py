"""Contract indicators CON01–CON05 (合同).

Contracts are the link between a procurement and the payments made under it. The indicators check
the payments against their contract (amount, schedule, payee) and the contract against its
procurement. Payments are the scan's payments up to ``as_of`` (``ctx.payments``), refunds and
reversals included with their negative sign, so every sum is a *net* payment.

Periods: a payment finding carries the month of its pay_date, a contract finding about its signing
(CON03) the month of signed_date, and a finding about the state of a contract at ``as_of`` (CON01,
CON04) the (fiscal) year of ``as_of``: one finding per contract and year, whose value the next scan of the year
updates instead of repeating it under a new id.

:func:`normalise_party_name` is the one rule for "is this the same company" in the package (CON05 and
the supplier concentration of PRC05).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.frames import per_category
from fiscalrisk.indicators.common import blank as _blank
from fiscalrisk.indicators.common import empty_result as _empty
from fiscalrisk.indicators.common import money as _money
from fiscalrisk.indicators.constraints import LEVEL, NON_NEGATIVE, Param, Strings
from fiscalrisk.indicators.registry import ScanContext, indicator

__all__ = [
    "DEFAULT_SUFFIXES",
    "normalise_party_name",
    "net_paid_by",
    "overpaid_contracts",
    "large_payments_without_contract",
    "unprocured_contracts",
    "payment_progress",
    "payee_mismatches",
]

#: Company-form suffixes dropped when comparing names (longest first). ``公司`` alone is included: a
#: bank record that shortens ``某某建设有限公司`` to ``某某建设公司`` names the same company.
DEFAULT_SUFFIXES: tuple[str, ...] = ("股份有限公司", "有限责任公司", "有限公司", "公司")

# Whitespace of every width (NFKC already maps the ideographic space U+3000 to a space), zero-width
# characters, and brackets of every shape: bank systems render or drop brackets differently, so
# 某某(集团)有限公司, 某某（集团）有限公司 and 某某集团有限公司 are one name.
_DROP = re.compile(r"[\s\u200b\u200c\u200d\ufeff()\[\]{}【】〔〕〖〗［］｛｝<>《》〈〉]+")


def _normalise_one(name: str, suffixes: tuple[str, ...]) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _DROP.sub("", text)
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def normalise_party_name(names: pd.Series, suffixes: Iterable[str] | None = None) -> pd.Series:
    """Names reduced to what identifies the party, for comparing a payee with a contractor.

    The rules an auditor applies when reading a bank record against a contract: full-width and
    half-width forms are the same character (Unicode NFKC: ``（`` = ``(``, ``ＡＢＣ`` = ``abc``),
    letter case does not matter, spaces and brackets carry no meaning, and one company-form suffix at
    the end is dropped (``股份有限公司``, ``有限责任公司``, ``有限公司``, ``公司`` by default, the longest that
    matches), since records often shorten or update the form. What *does* change the party is kept:
    a branch (``某某有限公司湖州分公司`` stays different from ``某某有限公司``), another place name,
    another trade name. Missing names stay missing.
    """
    order = tuple(sorted(DEFAULT_SUFFIXES if suffixes is None else suffixes, key=len, reverse=True))
    order = tuple(unicodedata.normalize("NFKC", s).casefold() for s in order)
    # a payment file repeats the same few hundred names: normalise each distinct name once
    distinct = pd.unique(names.dropna().astype(str))
    keys = {v: (_normalise_one(v, order) if v.strip() else np.nan) for v in distinct}
    return names.astype(object).map(keys).astype("str")


# --------------------------------------------------------------------------------------------- helpers


def net_paid_by(payments: pd.DataFrame, key: str) -> pd.DataFrame:
    """Net payments per non-empty ``key`` (e.g. ``contract_id``): columns ``paid``, ``n``, ``payment_ids``.

    Sums are rounded to cents, so a contract paid exactly in full has a ratio of exactly 1.
    """
    if key not in payments.columns:
        return pd.DataFrame(columns=["paid", "n", "payment_ids"]).rename_axis(key)
    p = payments.loc[~_blank(payments[key]), [key, "payment_id", "amount"]].copy()
    p[key] = p[key].astype(str).str.strip()
    g = p.groupby(key, sort=True).agg(
        paid=("amount", "sum"),
        n=("amount", "size"),
        payment_ids=("payment_id", lambda s: sorted(map(str, s))),
    )
    g["paid"] = g["paid"].round(2)
    return g


def _paid_for(ids: pd.Series, paid: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Net paid amount (0 where nothing was paid) and the payment ids behind it, aligned with ``ids``."""
    amount = ids.map(paid["paid"]).fillna(0.0).astype(float)
    pids = ids.map(paid["payment_ids"])
    pids = pids.map(lambda v: v if isinstance(v, list) else [])
    return amount, pids


# ------------------------------------------------------------------------------------ computations
def overpaid_contracts(contracts: pd.DataFrame, payments: pd.DataFrame, as_of: pd.Timestamp, *,
                       year: int | None = None) -> pd.DataFrame:
    """CON01: net payments charged to a contract / the contract amount, at ``as_of``.

    Contracts signed after ``as_of`` and contracts of amount 0 (framework or unit-price contracts
    without a total) are not assessed. A contract without payments is assessed with value 0.
    """
    c = contracts[(contracts["signed_date"] <= as_of) & contracts["amount"].gt(0)]
    if c.empty:
        return _empty("paid", "amount", "overpaid")
    ids = c["contract_id"].astype(str).str.strip()
    paid, pids = _paid_for(ids, net_paid_by(payments, "contract_id"))
    amount = c["amount"].astype(float)
    return pd.DataFrame(
        {
            "subject_id": ids,
            "unit_code": c["unit_code"].astype(str),
            "period": str(as_of.year if year is None else year),
            "value": paid / amount,
            "paid": paid,
            "amount": amount,
            "overpaid": paid - amount,
            "vendor_name": c["vendor_name"].astype(str),
            "evidence": [
                {"contract_id": i, "contract_amount": _money(a), "net_paid": _money(s), "payment_ids": ps}
                for i, a, s, ps in zip(ids, amount, paid, pids, strict=True)
            ],
        }
    )


def large_payments_without_contract(
    payments: pd.DataFrame,
    *,
    min_amount: float,
    economic_prefixes: Iterable[str],
    level: str,
    exclude_economic_codes: Iterable[str] = (),
) -> pd.DataFrame:
    """CON02: payments of at least ``min_amount`` on goods-and-services or capital economic codes.

    Each such payment is assessed, except on ``exclude_economic_codes`` (spending that is not
    contracted by nature: utilities billed by tariff, reimbursements, allowances); the ones without a
    ``contract_id`` are findings at ``level``.
    """
    prefixes = tuple(str(x) for x in economic_prefixes)
    excluded = [str(x) for x in exclude_economic_codes]
    in_scope = per_category(payments["economic_code"], lambda e: e.str.startswith(prefixes) & ~e.isin(excluded))
    p = payments[payments["amount"].ge(min_amount).to_numpy() & in_scope]
    if p.empty:
        return _empty("level", "amount", "economic_code", "payee_name")
    missing = _blank(p["contract_id"])
    return pd.DataFrame(
        {
            "subject_id": p["payment_id"].astype(str),
            "unit_code": p["unit_code"].astype(str),
            "period": p["pay_date"].dt.strftime("%Y-%m"),
            "value": p["amount"].astype(float),
            "level": np.where(missing, level, "ok"),
            "threshold": float(min_amount),
            "amount": p["amount"].astype(float),
            "economic_code": p["economic_code"].astype(str),
            "payee_name": p["payee_name"].astype(str) if "payee_name" in p else "",
            "evidence": [
                {"payment_id": i, "amount": _money(a), "economic_code": e, "pay_date": d.date().isoformat()}
                if m
                else None
                for i, a, e, d, m in zip(
                    p["payment_id"], p["amount"], p["economic_code"], p["pay_date"], missing, strict=True
                )
            ],
        }
    )


def unprocured_contracts(
    contracts: pd.DataFrame,
    procurement: pd.DataFrame | None,
    as_of: pd.Timestamp,
    *,
    decentralised_limits: Mapping[str, float],
    level: str,
) -> pd.DataFrame:
    """CON03: a) contracts at or above the decentralised limit without a procurement; b) contracts
    signed before their procurement was awarded.

    Every contract signed up to ``as_of`` is assessed; b) needs the ``procurement`` table with
    ``award_date`` (without it only a) is checked). A contract naming a procurement that is not in the
    table is left to the data validation (a broken reference), not judged here.
    """
    cols = ("level", "threshold", "rule", "amount", "vendor_name", "award_date_text")
    c = contracts[contracts["signed_date"] <= as_of]
    if c.empty:
        return _empty(*cols)
    ids = c["contract_id"].astype(str).str.strip()
    amount = c["amount"].astype(float)
    limit = c["category"].map({k: float(v) for k, v in decentralised_limits.items()}).astype(float)
    no_proc = _blank(c["procurement_id"])
    rule_a = no_proc & limit.notna() & (amount >= limit)

    award = pd.Series(pd.NaT, index=c.index, dtype="datetime64[ns]")
    if procurement is not None and "award_date" in procurement.columns and len(procurement):
        known = procurement.drop_duplicates("procurement_id")
        awards = pd.Series(
            known["award_date"].to_numpy(), index=known["procurement_id"].astype(str).str.strip()
        )
        award = c["procurement_id"].astype(str).str.strip().map(awards).astype("datetime64[ns]")
        award[no_proc] = pd.NaT
    rule_b = ~no_proc & award.notna() & (c["signed_date"].dt.normalize() < award.dt.normalize())

    rule = np.select([rule_a, rule_b], ["no_procurement", "signed_before_award"], default="")
    evidence = []
    for i, a, lm, pid, s, aw, r in zip(
        ids, amount, limit, c["procurement_id"], c["signed_date"], award, rule, strict=True
    ):
        e: dict[str, Any] = {"contract_id": i, "amount": _money(a), "signed_date": s.date().isoformat()}
        if r == "no_procurement":
            e["decentralised_limit"] = _money(lm)
        elif r == "signed_before_award":
            e.update(
                procurement_id=str(pid).strip(),
                award_date=aw.date().isoformat(),
                days_before_award=int((aw.normalize() - s.normalize()).days),
            )
        evidence.append(e)
    return pd.DataFrame(
        {
            "subject_id": ids,
            "unit_code": c["unit_code"].astype(str),
            "period": c["signed_date"].dt.strftime("%Y-%m"),
            "value": amount,
            "level": np.where(rule != "", level, "ok"),
            "threshold": np.where(rule_a, limit, np.nan),
            "rule": rule,
            "amount": amount,
            "vendor_name": c["vendor_name"].astype(str),
            "procurement_id": c["procurement_id"].astype(str).fillna(""),
            "award_date_text": award.dt.strftime("%Y-%m-%d").fillna(""),
            "signed_date_text": c["signed_date"].dt.strftime("%Y-%m-%d"),
            "evidence": evidence,
        }
    )


def payment_progress(contracts: pd.DataFrame, payments: pd.DataFrame, as_of: pd.Timestamp, *,
                     year: int | None = None) -> pd.DataFrame:
    """CON04: paid share of a contract minus the elapsed share of its term, in percentage points.

    The term runs from ``start_date`` (``signed_date`` where no start is given) to ``end_date``;
    elapsed share = days from the start to ``as_of`` / days of the term. Only contracts running at
    ``as_of`` (start ≤ as_of ≤ end), with a positive amount and a term of at least one day, are assessed.
    """
    c = contracts[contracts["amount"].gt(0)]
    start = c["start_date"].fillna(c["signed_date"]) if "start_date" in c else c["signed_date"]
    start, end = start.dt.normalize(), c["end_date"].dt.normalize()
    day = as_of.normalize()
    keep = (start <= day) & (day <= end) & (end > start)
    c, start, end = c[keep], start[keep], end[keep]
    if c.empty:
        return _empty("paid_share", "elapsed_share", "ahead")
    ids = c["contract_id"].astype(str).str.strip()
    paid, pids = _paid_for(ids, net_paid_by(payments, "contract_id"))
    amount = c["amount"].astype(float)
    paid_share = paid / amount
    elapsed = (day - start).dt.days / (end - start).dt.days
    return pd.DataFrame(
        {
            "subject_id": ids,
            "unit_code": c["unit_code"].astype(str),
            "period": str(as_of.year if year is None else year),
            "value": (paid_share - elapsed) * 100.0,
            "paid_share": paid_share,
            "elapsed_share": elapsed,
            "ahead": paid - elapsed * amount,
            "vendor_name": c["vendor_name"].astype(str),
            "evidence": [
                {
                    "contract_id": i,
                    "contract_amount": _money(a),
                    "net_paid": _money(s),
                    "term_start": b.date().isoformat(),
                    "term_end": e.date().isoformat(),
                    "as_of": day.date().isoformat(),
                    "paid_share": round(float(ps), 6),
                    "elapsed_share": round(float(el), 6),
                    "payment_ids": ids_,
                }
                for i, a, s, b, e, ps, el, ids_ in zip(
                    ids, amount, paid, start, end, paid_share, elapsed, pids, strict=True
                )
            ],
        }
    )


def payee_mismatches(
    payments: pd.DataFrame,
    contracts: pd.DataFrame,
    *,
    level: str,
    suffixes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """CON05: payments under a contract whose payee is not the contractor.

    Every positive payment naming a contract of the table is assessed; it is a finding at ``level``
    when the normalised payee name differs from the normalised vendor name
    (:func:`normalise_party_name`). Refunds (negative amounts) come back from the payee and are not
    assessed; payments naming an unknown contract cannot be compared and are not assessed either.
    """
    cols = ("level", "payee_name", "vendor_name", "contract_id", "amount")
    p = payments[~_blank(payments["contract_id"]) & payments["amount"].gt(0)]
    vendors = contracts.drop_duplicates("contract_id")
    vendors = pd.Series(
        vendors["vendor_name"].to_numpy(), index=vendors["contract_id"].astype(str).str.strip()
    )
    cid = p["contract_id"].astype(str).str.strip()
    vendor = cid.map(vendors)
    p, cid, vendor = p[vendor.notna()], cid[vendor.notna()], vendor[vendor.notna()].astype(str)
    if p.empty:
        return _empty(*cols)
    payee_key = normalise_party_name(p["payee_name"], suffixes)
    vendor_key = normalise_party_name(vendor, suffixes)
    differs = payee_key.ne(vendor_key) | payee_key.isna()
    return pd.DataFrame(
        {
            "subject_id": p["payment_id"].astype(str),
            "unit_code": p["unit_code"].astype(str),
            "period": p["pay_date"].dt.strftime("%Y-%m"),
            "value": p["amount"].astype(float),
            "level": np.where(differs, level, "ok"),
            "payee_name": p["payee_name"].astype(str).fillna(""),
            "vendor_name": vendor,
            "contract_id": cid,
            "amount": p["amount"].astype(float),
            "evidence": [
                {
                    "payment_id": i,
                    "contract_id": c,
                    "payee_name": pn,
                    "vendor_name": vn,
                    "payee_normalised": pk,
                    "vendor_normalised": vk,
                    "amount": _money(a),
                }
                if hit
                else None
                for i, c, pn, vn, pk, vk, a, hit in zip(
                    p["payment_id"],
                    cid,
                    p["payee_name"],
                    vendor,
                    payee_key,
                    vendor_key,
                    p["amount"],
                    differs,
                    strict=True,
                )
            ],
        }
    )


# ------------------------------------------------------------------------------------- registration
@indicator(
    code="CON01",
    value_unit="ratio",
    at_risk="overpaid",
    at_risk_rule="the overpaid part: net paid − contract amount",
    module="contracts",
    subject_type="contract",
    name_zh="超合同付款",
    name_en="Paid above the contract",
    reads={
        "contracts": ("contract_id", "unit_code", "vendor_name", "amount", "signed_date"),
        "payments": ("payment_id", "pay_date", "amount", "contract_id"),
    },
    grade="gt",
    why_zh="合同项下累计净支付超过合同金额，说明存在合同外付款、未经变更的追加或重复付款。",
    why_en=(
        "Net payments under a contract above its amount mean payments outside the contract, unapproved "
        "variations or duplicate payments."
    ),
    source="民法典 合同编; 财政部 国库集中支付动态监控",
    message_zh="{unit_name} 合同 {subject_id}（{vendor_name}）累计净支付 {paid:,.2f} 元，为合同金额 {amount:,.2f} 元的 {value:.2%}",
    message_en=(
        "{unit_name}: contract {subject_id} ({vendor_name}) has been paid {paid:,.2f} net, {value:.2%} of "
        "its amount of {amount:,.2f}"
    ),
    params={
        "alert": Param("net paid / contract amount strictly above → alert", NON_NEGATIVE),
    },
)
def con01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """CON01 超合同付款 — paid above the contract.

    **What.** Σ net payments with the contract's ``contract_id`` up to ``as_of`` / contract ``amount``.

    **Method.** Refunds and reversals count with their sign; sums are in cents, so a contract paid
    exactly in full is 1.0 and not flagged. Graded strictly above ``alert`` (1.0). Subject: the
    contract; period: the year of ``as_of``.

    **Exclusions.** Contracts signed after ``as_of``; contracts of amount 0 (no total to compare
    with); payments naming a contract that is not in the table.
    """
    return overpaid_contracts(ctx.tables["contracts"], ctx.payments, ctx.as_of, year=ctx.year)


@indicator(
    code="CON02",
    value_unit="money",
    at_risk="amount",
    at_risk_rule="the payment's amount",
    module="contracts",
    subject_type="payment",
    name_zh="无合同大额支付",
    name_en="Large payment without a contract",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "economic_code", "amount", "contract_id")},
    grade="flag",
    why_zh="大额商品服务或资本性支出没有对应合同，付款依据不足，可能规避了采购和合同审核。",
    why_en=(
        "A large payment for goods, services or capital items without a contract has no documented basis "
        "and may have bypassed procurement and contract review."
    ),
    source="财政部 国库集中支付动态监控; 行政事业单位内部控制规范 (财会〔2012〕21号) 合同控制",
    message_zh="{unit_name} 向“{payee_name}”支付 {amount:,.2f} 元（经济分类 {economic_code}），未关联合同",
    message_en="{unit_name} paid {amount:,.2f} to “{payee_name}” (economic code {economic_code}) without a contract",
    params={
        "min_amount": Param("payments at or above this amount are assessed", NON_NEGATIVE),
        "economic_prefixes": Param(
            "economic-code prefixes assessed (302 goods and services, 310 capital)",
            Strings(),
        ),
        "exclude_economic_codes": Param("economic codes not assessed (not contracted by nature)", Strings()),
        "level": Param("level of a payment without a contract", LEVEL),
    },
    money=("min_amount",),
)
def con02(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """CON02 无合同大额支付 — large payment without a contract.

    **What.** Payments of at least ``min_amount`` (500,000) on economic codes starting with one of
    ``economic_prefixes`` (302 goods and services, 310 capital expenditure) whose ``contract_id`` is
    empty.

    **Method.** Each such payment up to ``as_of`` is assessed; the ones without a contract are findings
    at ``level`` (warning). Period: month of the payment.

    **Exclusions.** Refunds; wages (301), transfers (303) and other economic classes; the codes of
    ``exclude_economic_codes`` (water, electricity and telecom bills, travel reimbursements, union
    dues, welfare, transport allowances: paid by tariff or to staff, not under a contract); a contract
    id that is present but unknown (a data-quality problem, not an absent contract).
    """
    return large_payments_without_contract(
        ctx.payments,
        min_amount=float(p["min_amount"]),
        economic_prefixes=p["economic_prefixes"],
        exclude_economic_codes=p["exclude_economic_codes"],
        level=p["level"],
    )


@indicator(
    code="CON03",
    value_unit="money",
    at_risk="amount",
    at_risk_rule="the contract amount",
    module="contracts",
    subject_type="contract",
    name_zh="应采未采 / 先签后采",
    name_en="Contract without procurement / signed before award",
    reads={"contracts": ("contract_id", "unit_code", "category", "amount", "signed_date", "procurement_id")},
    grade="flag",
    why_zh="达到政府采购限额的合同没有采购程序，或合同签订早于中标，采购流于形式。",
    why_en=(
        "A contract at or above the procurement limit without a procurement, or signed before the award, "
        "means the procurement was skipped or was a formality."
    ),
    source="政府采购法 第2条、第46条; 国办发〔2019〕55号 (分散采购限额标准)",
    message_zh="{unit_name} 合同 {subject_id}（{vendor_name}，{amount:,.2f} 元）{detail_zh}",
    message_en="{unit_name}: contract {subject_id} ({vendor_name}, {amount:,.2f}) {detail_en}",
    params={
        "level": Param("level of either condition", LEVEL),
    },
)
def con03(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """CON03 应采未采 / 先签后采 — contract without procurement, or signed before the award.

    **What.** Two conditions, both at ``level`` (alert):

    a) a contract whose ``amount`` is at or above the decentralised limit of its ``category``
       (``modules.procurement.decentralised_limits``) and that names no ``procurement_id`` (应采未采);
    b) a contract whose ``signed_date`` is before the ``award_date`` of its procurement (先签后采).

    **Method.** Every contract signed up to ``as_of`` is assessed; value = contract amount; the
    threshold of a) is the limit. b) needs the ``procurement`` table with ``award_date``. Period: month
    of signing.

    **Exclusions.** Contracts signed after ``as_of``; b) for procurements without an award date.
    """
    procurement = ctx.tables.get("procurement")
    res = unprocured_contracts(
        ctx.tables["contracts"],
        procurement,
        ctx.as_of,
        decentralised_limits=ctx.params.module("procurement")["decentralised_limits"],
        level=p["level"],
    )
    if len(res):
        thr = res["threshold"].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
        res["detail_zh"] = np.select(
            [res["rule"].eq("no_procurement"), res["rule"].eq("signed_before_award")],
            [
                "达到分散采购限额 " + thr + " 元，但无采购记录",
                "签订于 "
                + res["signed_date_text"]
                + "，早于采购 "
                + res["procurement_id"]
                + " 的中标日 "
                + res["award_date_text"],
            ],
            default="",
        )
        res["detail_en"] = np.select(
            [res["rule"].eq("no_procurement"), res["rule"].eq("signed_before_award")],
            [
                "reaches the decentralised procurement limit of " + thr + " but names no procurement",
                "was signed on "
                + res["signed_date_text"]
                + ", before procurement "
                + res["procurement_id"]
                + " was awarded on "
                + res["award_date_text"],
            ],
            default="",
        )
    return res


@indicator(
    code="CON04",
    value_unit="pp",
    at_risk="ahead",
    at_risk_rule="the amount paid ahead of the term: net paid − elapsed share × contract amount "
    "(= value / 100 × amount)",
    module="contracts",
    subject_type="contract",
    name_zh="付款进度异常",
    name_en="Payments ahead of the contract schedule",
    reads={
        "contracts": ("contract_id", "unit_code", "vendor_name", "amount", "signed_date", "end_date"),
        "payments": ("payment_id", "pay_date", "amount", "contract_id"),
    },
    grade="ge",
    why_zh="付款比例远超合同履行期的时间进度，可能提前支付、超进度付款，一旦违约资金难以追回。",
    why_en=(
        "Paying a contract well ahead of the time elapsed in its term means advance or ahead-of-delivery "
        "payments that are hard to recover if the contractor defaults."
    ),
    source="湖州市财政内控 合同支付进度监控 (local practice); 建设工程价款结算暂行办法 (财建〔2004〕369号)",
    message_zh=(
        "{unit_name} 合同 {subject_id}（{vendor_name}）已付 {paid_share:.1%}，合同期仅过去 {elapsed_share:.1%}，"
        "超前 {value:.1f} 个百分点"
    ),
    message_en=(
        "{unit_name}: contract {subject_id} ({vendor_name}) is {paid_share:.1%} paid with {elapsed_share:.1%} "
        "of its term elapsed, {value:.1f} pp ahead"
    ),
    params={
        "warning": Param("pp ahead at or above → warning", NON_NEGATIVE),
        "alert": Param("pp ahead at or above → alert", NON_NEGATIVE),
    },
)
def con04(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """CON04 付款进度异常 — payments ahead of the contract's term.

    **What.** Paid share − elapsed share of the term, in percentage points. Paid share = net payments
    with the ``contract_id`` up to ``as_of`` / contract amount; elapsed share = days from the start
    (``start_date``, else ``signed_date``) to ``as_of`` / days from the start to ``end_date``.

    **Method.** Graded ≥ ``warning`` (30 pp) and ≥ ``alert`` (50 pp). The term's own calendar is used
    (days), not the budget year's time progress, since a term rarely coincides with a budget year.
    Subject: the contract; period: the year of ``as_of``.

    **Exclusions.** Contracts not running at ``as_of`` (not started, or ended — CON01 covers overpaid
    finished contracts); contracts of amount 0 or with a term shorter than a day.
    """
    return payment_progress(ctx.tables["contracts"], ctx.payments, ctx.as_of, year=ctx.year)


@indicator(
    code="CON05",
    value_unit="money",
    at_risk="amount",
    at_risk_rule="the payment's amount",
    module="contracts",
    subject_type="payment",
    name_zh="收款人与合同方不符",
    name_en="Payee is not the contractor",
    reads={
        "payments": ("payment_id", "pay_date", "unit_code", "payee_name", "amount", "contract_id"),
        "contracts": ("contract_id", "vendor_name"),
    },
    grade="flag",
    why_zh="合同款支付给合同相对方以外的单位或个人，可能是资金被转移、挂靠或虚假合同。",
    why_en=(
        "A contract payment to someone other than the contractor can mean diverted funds, a front company "
        "or a sham contract."
    ),
    source="财政部 国库集中支付动态监控 (收款人与合同不一致)",
    message_zh="{unit_name} 按合同 {contract_id} 向“{payee_name}”支付 {amount:,.2f} 元，合同相对方为“{vendor_name}”",
    message_en=(
        "{unit_name} paid {amount:,.2f} under contract {contract_id} to “{payee_name}”, but the contractor "
        "is “{vendor_name}”"
    ),
    params={
        "level": Param("level of a mismatch", LEVEL),
        "strip_suffixes": Param("company-form suffixes removed before comparing names", Strings()),
    },
)
def con05(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """CON05 收款人与合同方不符 — payee is not the contractor.

    **What.** A payment naming a contract whose ``payee_name`` is not the contract's ``vendor_name``.

    **Method.** Both names go through :func:`normalise_party_name`: NFKC (full-width = half-width,
    so ``（）`` = ``()``), case folded, spaces and brackets removed, then one company-form suffix from
    ``strip_suffixes`` dropped (股份有限公司 / 有限责任公司 / 有限公司 / 公司). What still differs is a
    different party: another company, an individual, or a branch (分公司). Period: month of the payment.

    **Exclusions.** Refunds; payments naming a contract not in the table.
    """
    return payee_mismatches(
        ctx.payments, ctx.tables["contracts"], level=p["level"], suffixes=p["strip_suffixes"]
    )
