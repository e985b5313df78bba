"""Treasury payment monitoring indicators (国库集中支付动态监控): PAY01–PAY09.

Every indicator here is vectorised over the payments table (no Python loop over payments): a scan of a
million payments takes seconds. Payments are those up to ``as_of`` (:attr:`ScanContext.payments`);
negative amounts are refunds or reversals and are never flagged themselves. Amounts are compared in
whole cents (``round(amount × 100)``) wherever equality matters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fiscalrisk.frames import keys_in, per_category
from fiscalrisk.indicators.constraints import (
    COUNT,
    LEVEL,
    NON_NEGATIVE,
    SHARE,
    Interval,
    Param,
    Real,
    Strings,
)
from fiscalrisk.indicators.registry import ScanContext, as_text, flag_levels, indicator

__all__ = ["payment_frame", "cents"]

_SOURCE = "财政部 国库集中支付动态监控 (财库〔2013〕217号)"


def cents(amount: pd.Series) -> np.ndarray:
    """Amounts in whole cents (int64), so that equality and multiples are exact."""
    return np.rint(amount.to_numpy(dtype="float64") * 100).astype("int64")


def payment_frame(ctx: ScanContext) -> pd.DataFrame:
    """The payments up to ``as_of`` with the subject columns every payment indicator returns."""
    pay = ctx.payments
    out = pay.copy(deep=False)  # copy-on-write: the new columns never touch ctx.payments
    out["subject_id"] = out["payment_id"]
    out["period"] = out["pay_month"]
    out["value"] = out["amount"]
    return out


_PAY03_LEVELS = pd.CategoricalDtype(["ok", "warning", "alert"])


def _module(ctx: ScanContext) -> dict:
    return dict(ctx.params.module("payments")) if ctx.params is not None else {}


def _flag(out: pd.DataFrame, hit: np.ndarray, level: str | None = None) -> pd.DataFrame:
    """Forced levels: ``level`` (or NaN = graded by thresholds) where ``hit``, ``ok`` elsewhere."""
    out["level"] = flag_levels(hit, level)
    return out


_MATERIALITY_SHORT = ("the materiality floor (yuan; scaled by threshold_scale), 5,000: audit practice's "
                      "clearly-trivial threshold, see PAY07")

_METHOD_ZH = {"cash": "现金", "transfer": "转账", "official_card": "公务卡"}

_PAY_EVIDENCE = ("payment_id", "pay_date", "payee_name", "economic_code", "method", "amount")


@indicator(
    code="PAY01",
    value_unit="money",
    at_risk="amount",
    at_risk_rule="the payment's amount",
    module="payments",
    subject_type="payment",
    name_zh="向本单位实有资金账户划款",
    name_en="Transfer to the unit's own account",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "payee_type", "amount")},
    grade="flag",
    why_zh="国库资金划入本单位实有资金账户，脱离国库集中支付监控，易被挪用或虚列支出。",
    why_en="Treasury money moved to the unit's own real-fund account leaves treasury control and can be "
    "diverted or used to book fictitious spending.",
    source=_SOURCE,
    message_zh="{unit_name} 于{pay_date:%Y-%m-%d}向本单位实有资金账户“{payee_name}”划款{value:,.2f}元",
    message_en="{unit_name} transferred {value:,.2f} to its own account “{payee_name}” on {pay_date:%Y-%m-%d}",
    params={
        "level": Param("level of a transfer to the unit's own account", LEVEL),
    },
    evidence=_PAY_EVIDENCE,
)
def pay01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PAY01 向本单位实有资金账户划款 — transfer to the unit's own account.

    **What.** A payment with payee_type = ``own_account`` (the paying unit's own real-fund account).

    **Method.** Flag every positive payment of that payee type.

    **Exclusions.** Refunds.
    """
    out = payment_frame(ctx)
    hit = ((out["payee_type"] == "own_account") & (out["amount"] > 0)).to_numpy()
    return _flag(out, hit, str(p["level"]))


@indicator(
    code="PAY02",
    value_unit="money",
    at_risk="amount",
    at_risk_rule="the payment's amount",
    module="payments",
    subject_type="payment",
    name_zh="向个人账户支付",
    name_en="Payment to an individual",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "payee_type", "economic_code", "amount",
                        "payee_name")},
    grade="ge",
    why_zh="公用经费、资本性支出等一般应支付给单位，向个人支付且不属于工资、对个人补助等科目，存在套取资金风险。",
    why_en="Goods, services and capital spending normally go to organisations; paying an individual outside "
    "wages and household transfers is a classic way to siphon funds.",
    source=_SOURCE,
    message_zh="{unit_name} 向个人“{payee_name}”支付{value:,.2f}元（经济分类{economic_code}）",
    message_en="{unit_name} paid {value:,.2f} to the individual “{payee_name}” (economic code {economic_code})",
    params={
        "warning": Param("amount (yuan)", NON_NEGATIVE),
        "alert": Param("amount (yuan)", NON_NEGATIVE),
    },
    money=("warning", "alert"),
    evidence=_PAY_EVIDENCE,
)
def pay02(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PAY02 向个人账户支付 — payment to an individual.

    **What.** A payment to payee_type = ``individual`` whose economic code is not on the personal list:
    prefixes ``modules.payments.personal_economic_prefixes`` (301 wages, 303 transfers to households) and
    codes ``personal_economic_codes`` (30211 差旅费, 30226 劳务费, 30229 福利费). value = amount.

    **Method.** Graded by amount: warning ≥ 5,000, alert ≥ 50,000. Other payments are assessed, level ok.

    **Exclusions.** Refunds; personal economic codes.
    """
    mod = _module(ctx)
    prefixes = tuple(str(x) for x in mod.get("personal_economic_prefixes", ["301", "303"]))
    codes = {str(x) for x in mod.get("personal_economic_codes", ["30211", "30226", "30229"])}
    out = payment_frame(ctx)

    def is_personal(econ: pd.Series) -> pd.Series:
        econ = econ.fillna("")
        return econ.str.startswith(prefixes) | econ.isin(codes) if prefixes else econ.isin(codes)

    personal = per_category(out["economic_code"], is_personal)
    hit = ((out["payee_type"] == "individual").to_numpy() & ~personal & (out["amount"] > 0).to_numpy())
    return _flag(out, hit)


@indicator(
    code="PAY03",
    value_unit="money",
    at_risk="amount_at_risk",
    at_risk_rule="the payment's amount (single cash payment); the unit's cash total of the month (monthly check)",
    module="payments",
    subject_type="payment",
    name_zh="超限额提取现金",
    name_en="Cash above limits",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "method", "amount")},
    grade="flag",
    why_zh="大额现金支付脱离银行留痕，难以追踪资金去向，是违规发放和套现的常见方式。",
    why_en="Large cash withdrawals leave no bank trail and are a usual way to pay undue allowances or to "
    "turn budget money into cash.",
    source="《现金管理暂行条例》; 财政部 国库集中支付动态监控 (local limits)",
    message_zh="{unit_name} {what_zh}{value:,.2f}元，超过限额{threshold:,.2f}元",
    message_en="{unit_name}: {what_en} {value:,.2f}, above the limit of {threshold:,.2f}",
    params={
        "single_warning": Param("single cash payment, yuan, strictly above → warning", NON_NEGATIVE),
        "single_alert": Param("single cash payment, yuan, strictly above → alert", NON_NEGATIVE),
        "monthly_alert": Param("unit × month cash total, yuan, strictly above → alert", NON_NEGATIVE),
    },
    money=("single_warning", "single_alert", "monthly_alert"),
    evidence=_PAY_EVIDENCE,
)
def pay03(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PAY03 超限额提取现金 — cash above limits.

    **What.** Two checks on payments with method = ``cash``: a single payment strictly above
    ``single_warning`` (20,000) → warning, above ``single_alert`` (50,000) → alert (subject: the
    payment); the unit's cash total of a calendar month strictly above ``monthly_alert`` (100,000) →
    alert (subject: the unit, period YYYY-MM).

    **Method.** Net cash of the month (refunds in cash reduce it). Every payment is assessed by the single
    check; every unit × month with cash by the monthly check.

    **Exclusions.** Non-cash payments (assessed, ok); refunds.
    """
    sw, sa, ma = (float(p["single_warning"]), float(p["single_alert"]),
                  float(p["monthly_alert"]))
    out = payment_frame(ctx)
    cash = (out["method"] == "cash").to_numpy()
    amt = out["amount"].to_numpy(dtype="float64")
    out["level"] = pd.Categorical.from_codes(  # no string per payment
        np.where(cash & (amt > sa), 2, np.where(cash & (amt > sw), 1, 0)).astype("int8"), dtype=_PAY03_LEVELS)
    out["threshold"] = np.where(cash & (amt > sa), sa, np.where(cash & (amt > sw), sw, np.nan))
    out["amount_at_risk"] = out["amount"]
    out["what_zh"] = "单笔现金支付"
    out["what_en"] = "single cash payment of"

    c = out.loc[cash, ["unit_code", "period", "amount", "payment_id"]]
    groups = c.groupby(["unit_code", "period"], sort=True, observed=True)
    month = groups.agg(value=("amount", "sum"), n=("amount", "size")).reset_index()
    month["value"] = month["value"].round(2)  # a total of cents: 100,000.00000000001 is exactly the limit
    # the payment ids behind a month: its evidence, needed only where the month is over the limit
    number = groups.ngroup().to_numpy()  # a group's number is its row in ``month`` (both sorted)
    over = np.flatnonzero(month["value"].to_numpy() > ma)
    members = c.loc[np.isin(number, over)].groupby(number[np.isin(number, over)])["payment_id"]
    month["ids"] = pd.Series(members.agg(lambda s: sorted(s)).reindex(range(len(month))).to_numpy(),
                             dtype=object)
    month["subject_id"] = month["unit_code"]
    month["subject_type"] = "unit"
    month["amount_at_risk"] = month["value"]
    month["level"] = pd.Categorical.from_codes(np.where(month["value"] > ma, 2, 0).astype("int8"),
                                               dtype=_PAY03_LEVELS)
    month["threshold"] = np.where(month["value"] > ma, ma, np.nan)
    period = month["period"].astype("str")
    month["what_zh"] = period + "月现金支付合计"
    month["what_en"] = "cash payments in " + period + " total"
    month["evidence"] = [{"payment_ids": ids, "count": int(n), "cash_total": round(v, 2)} if isinstance(ids, list)
                         else None for ids, n, v in zip(month["ids"], month["n"], month["value"], strict=True)]
    return pd.concat([out, month.drop(columns=["ids", "n"])], ignore_index=True)


@indicator(
    code="PAY04",
    value_unit="money",
    at_risk="amount",
    at_risk_rule="the payment's amount",
    module="payments",
    subject_type="payment",
    name_zh="公务卡强制结算目录未用公务卡",
    name_en="Card-mandatory expense not paid by official card",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "economic_code", "method", "amount")},
    grade="ge",
    why_zh="公务卡强制结算目录内的支出应使用公务卡结算以留痕，改用现金规避监督。",
    why_en="Expenses on the card-mandatory list must be paid by official card, which leaves a trail; cash "
    "avoids that control.",
    source="财库〔2011〕160号 公务卡强制结算目录; " + _SOURCE,
    message_zh="{unit_name} 经济分类{economic_code}支出{value:,.2f}元以{method_zh}方式支付，未使用公务卡",
    message_en="{unit_name} paid {value:,.2f} on economic code {economic_code} by {method} instead of the "
    "official card",
    params={
        "warning": Param("amount (yuan)", NON_NEGATIVE),
        "methods": Param("payment methods counted as not by official card", Strings()),
    },
    money=("warning",),
    evidence=_PAY_EVIDENCE,
)
def pay04(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PAY04 公务卡强制结算目录未用公务卡 — card-mandatory expense not paid by official card.

    **What.** A payment whose economic code is on ``modules.payments.card_mandatory_codes`` (30201,
    30202, 30211, 30213, 30215, 30216, 30217, 30231) made with a method in ``methods`` (cash).
    value = amount, warning ≥ 1,000.

    **Exclusions.** Refunds; other economic codes and methods (assessed, ok).
    """
    codes = {str(c) for c in _module(ctx).get("card_mandatory_codes", [])}
    methods = {str(m) for m in p["methods"]}
    out = payment_frame(ctx)
    hit = (out["economic_code"].isin(codes) & out["method"].isin(methods) & (out["amount"] > 0)).to_numpy()
    out["method_zh"] = out["method"].map(_METHOD_ZH).fillna(out["method"])
    return _flag(out, hit)


@indicator(
    code="PAY05",
    value_unit="money",
    at_risk="amount",
    at_risk_rule="the payment's amount",
    module="payments",
    subject_type="payment",
    name_zh="非工作日支付",
    name_en="Payment on a non-working day",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "amount")},
    grade="ge",
    why_zh="节假日和周末的支付缺少正常审批流程，是突击支付和违规操作的信号。",
    why_en="Payments on weekends and holidays bypass the normal approval chain and signal rushed or "
    "irregular payments.",
    source=_SOURCE,
    message_zh="{unit_name} 于非工作日{pay_date:%Y-%m-%d}向“{payee_name}”支付{value:,.2f}元",
    message_en="{unit_name} paid {value:,.2f} to “{payee_name}” on a non-working day ({pay_date:%Y-%m-%d})",
    params={
        "warning": Param("amount (yuan)", NON_NEGATIVE),
        "alert": Param("amount (yuan)", NON_NEGATIVE),
    },
    money=("warning", "alert"),
    evidence=_PAY_EVIDENCE,
)
def pay05(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PAY05 非工作日支付 — payment on a non-working day.

    **What.** A positive payment dated on a weekend or a statutory holiday. Make-up working days (调休)
    count as working days. value = amount: warning ≥ 0 (any), alert ≥ 1,000,000.

    **Method.** :class:`fiscalrisk.calendar.WorkdayCalendar` (built-in Chinese calendar, overridden by the
    data set's ``calendar`` table), evaluated once per distinct date.

    **Exclusions.** Refunds; payments on working days (assessed, ok).
    """
    out = payment_frame(ctx)
    workday = ctx.cal.is_workday(out["pay_date"])
    hit = (~workday) & (out["amount"] > 0).to_numpy()
    return _flag(out, hit)


@indicator(
    code="PAY06",
    value_unit="money",
    at_risk="value",
    at_risk_rule="the split's total: the sum of the payments of the episode (the finding's value)",
    module="payments",
    subject_type="payment",
    name_zh="拆分支付",
    name_en="Split payments",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "payee_name", "economic_code", "amount")},
    grade="flag",
    why_zh="将一笔大额支付拆成多笔低于审批限额的小额支付，以规避审批或采购程序。",
    why_en="Splitting one large payment into several just below the approval limit avoids the approval "
    "or procurement it would need.",
    source=_SOURCE + "; Fazekas et al. (threshold avoidance)",
    message_zh="{unit_name} 在{first_date:%Y-%m-%d}至{pay_date:%Y-%m-%d}间向“{payee_name}”分{n}笔支付"
    "（经济分类{economic_code}），每笔低于{threshold:,.0f}元，合计{value:,.2f}元",
    message_en="{unit_name} paid “{payee_name}” {n} times between {first_date:%Y-%m-%d} and "
    "{pay_date:%Y-%m-%d} (economic code {economic_code}), each below {threshold:,.0f}, "
    "together {value:,.2f}",
    params={
        "threshold": Param("T, the approval limit (yuan)", Interval(Real, 0, None, closed="neither")),
        "window_days": Param("window length in days", COUNT),
        "near_share": Param("a payment in [near_share × T, T) is just below the limit", SHARE),
        "near_count": Param("alert when at least this many payments are just below", COUNT),
        "exclude_economic_prefixes": Param(
            "economic code prefixes left out (wages, transfers to households)",
            Strings(),
        ),
        "exclude_payee_types": Param("payee types left out (government bodies)", Strings()),
        "materiality": Param("payments below it are no part of a split; " + _MATERIALITY_SHORT, NON_NEGATIVE),
    },
    money=("threshold", "materiality"),
)
def pay06(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PAY06 拆分支付 — split payments.

    **What.** Payments of the same unit, payee and economic code, each below T (``threshold``, 300,000),
    that fall within ``window_days`` (30) of each other and together reach T. Warning; alert when at
    least ``near_count`` (2) of them lie in [``near_share`` × T, T).

    **Method (rolling window).** Candidate payments (0 < amount < T) are sorted by unit, payee, economic
    code and date. For each candidate, the window is the candidates of the same group dated within
    ``window_days`` before it (inclusive): a window qualifies when it holds ≥ 2 payments summing to ≥ T.
    Overlapping qualifying windows are merged into one episode; the episode's subject is its **last
    payment** (the one that completed the split), and its evidence lists every payment of the episode.
    A rolling window, rather than chaining any payments with gaps ≤ 30 days, keeps regular monthly
    payments (rent, utilities) from adding up over a year into a false split.

    **Materiality (auditor's rule).** Payments below ``materiality`` (5,000 yuan; £550 with
    ``threshold_scale`` 0.11) are no part of a split: they neither add to a window nor complete one,
    so a trivial line (a £55 fee beside a £28,000 invoice, 0.01 after 299,999.99) can neither tip a
    window over T nor become the subject of a finding. A split is a material purchase cut into
    material parts; the floor is audit practice's clearly-trivial threshold (ISA 450 A2; see PAY07 for
    its derivation). At the floor counts.

    **Exclusions.** Refunds; payments at or above T (they went through the approval anyway); payments
    below ``materiality``; economic prefixes ``exclude_economic_prefixes`` (301 wages and social
    insurance, 303 transfers to households: statutory recurring payments, not purchases that can be
    split) and payee types ``exclude_payee_types`` (government bodies such as the social insurance
    centre).
    """
    T = float(p["threshold"])
    ex_prefixes = tuple(str(x) for x in p["exclude_economic_prefixes"])
    ex_payees = [str(x) for x in p["exclude_payee_types"]]
    window = int(p["window_days"])
    near_share = float(p["near_share"])
    near_count = int(p["near_count"])
    floor = float(p["materiality"])
    out = payment_frame(ctx)
    out["level"] = pd.Series("ok", index=out.index, dtype="str")
    out["threshold"] = T
    c_amt = cents(out["amount"])
    eligible = (out["amount"] > 0) & (out["amount"] < T) & (c_amt >= int(round(floor * 100)))
    if ex_prefixes:
        eligible &= ~per_category(out["economic_code"], lambda e: e.fillna("").str.startswith(ex_prefixes))
    if ex_payees and "payee_type" in out:
        eligible &= ~out["payee_type"].isin(ex_payees)
    c = out.loc[eligible]
    if c.empty:
        return out
    c = c.sort_values(["unit_code", "payee_name", "economic_code", "pay_date", "payment_id"], kind="mergesort")
    grp = c.groupby(["unit_code", "payee_name", "economic_code"], sort=False, dropna=False).ngroup().to_numpy()
    day = (c["pay_date"].to_numpy().astype("datetime64[D]").astype("int64"))
    # one sorted numeric key: groups lie 10^7 days apart, so a window never crosses a group
    key = grp.astype("int64") * 10_000_000 + (day - day.min())
    start = np.searchsorted(key, key - window, side="left")
    idx = np.arange(len(c))
    amt = c["amount"].to_numpy(dtype="float64")
    near = (amt >= near_share * T).astype("int64")
    # window sums in whole cents: exact, so a sum never depends on the other groups' rows before it
    csum = np.concatenate([[0], np.cumsum(cents(c["amount"]))])
    cnear = np.concatenate([[0], np.cumsum(near)])
    wsum = (csum[idx + 1] - csum[start]) / 100.0
    wn = idx - start + 1
    qual = (wn >= 2) & (wsum >= T - 0.005)
    if not qual.any():
        return out
    qi = idx[qual]
    qs = start[qual]
    # merge overlapping qualifying windows of the same group into episodes
    prev_end = np.concatenate([[-1], qi[:-1]])
    same_grp = np.concatenate([[False], grp[qi[1:]] == grp[qi[:-1]]])
    new_ep = ~(same_grp & (qs <= prev_end))
    ep = np.cumsum(new_ep) - 1
    ep_start = pd.Series(qs).groupby(ep).min().to_numpy()
    ep_end = pd.Series(qi).groupby(ep).max().to_numpy()
    ids = c["payment_id"].to_numpy()
    dates = c["pay_date"].to_numpy()
    total = (csum[ep_end + 1] - csum[ep_start]) / 100.0
    n_near = cnear[ep_end + 1] - cnear[ep_start]
    subj = c.index.to_numpy()[ep_end]
    out.loc[subj, "level"] = np.where(n_near >= near_count, "alert", "warning")
    out.loc[subj, "value"] = total
    out["n"] = 1
    out.loc[subj, "n"] = ep_end - ep_start + 1
    out["first_date"] = out["pay_date"]
    out.loc[subj, "first_date"] = dates[ep_start]
    ev = pd.Series([None] * len(out), index=out.index, dtype="object")
    ev.loc[subj] = [
        {"payment_ids": list(ids[s:e + 1]), "amounts": [round(a, 2) for a in amt[s:e + 1]],
         "total": round(t, 2), "threshold": T, "window_days": window, "near_threshold": int(k),
         "materiality": floor}
        for s, e, t, k in zip(ep_start, ep_end, total, n_near, strict=True)
    ]
    out["evidence"] = ev
    return out


_MATERIALITY = ("the materiality floor (yuan; scaled by threshold_scale): 5,000 = the clearly-trivial "
                "threshold of audit practice (ISA 450 A2 / 中国注册会计师审计准则第1251号: about 5 % of overall "
                "materiality) of a budget unit spending 10 million yuan a year at an overall materiality of 1 % of "
                "expenditure (ISA 320 A8, public-sector benchmark); as £550 with the scale 0.11 it sits beside the "
                "£500 line of the UK Local Government Transparency Code 2015")


@indicator(
    code="PAY07",
    at_risk="amount_at_risk",
    at_risk_rule="the duplicated amount: the amount of the later payment, paid again; for a run of identical "
    "charges (an info note), the run's total",
    module="payments",
    subject_type="payment",
    value_unit="money",  # the duplicated amount
    name_zh="重复支付",
    name_en="Duplicate payment",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "payee_name", "amount")},
    grade="flag",
    why_zh="同一单位短期内向同一收款人支付相同金额，可能是重复支付或虚构业务。",
    why_en="The same amount paid twice to the same payee within days is a duplicate payment or a "
    "fictitious transaction.",
    source=_SOURCE + "; accounts-payable duplicate testing (same vendor, amount, reference); ISA 320 / ISA 450 "
    "(materiality, clearly trivial)",
    message_zh="{unit_name} {detail_zh}",
    message_en="{unit_name} {detail_en}",
    params={
        "window_days": Param("days between the two payments", COUNT),
        "refund_days": Param("days after the duplicate within which a matching refund cancels it", COUNT),
        "level": Param("level of a true repeat: the same charge paid again in a later payment run", LEVEL),
        "same_run_level": Param(
            "level of identical lines paid in one payment run (the same day) on distinct vouchers "
            "(identical lines of one voucher raise nothing)",
            LEVEL,
        ),
        "materiality": Param(
            _MATERIALITY
            + "; a duplicate below it, and a run of identical charges whose total is below it, raise nothing",
            NON_NEGATIVE,
        ),
        "series_min": Param(
            "a run of identical charges: the same unit, payee and amount paid at least this many times in "
            "a fiscal year is one info note, not a duplicate per charge (12: at least monthly over a year)",
            COUNT,
        ),
    },
    money=("materiality",),
)
def pay07(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PAY07 重复支付 — duplicate payment.

    **What.** A positive payment with the same unit, payee and amount (to the cent) as an earlier
    payment dated at most ``window_days`` (7) before it; the later payment is the subject. Two kinds,
    told apart as an auditor would (see below): a **true repeat** (``level``, alert) and **identical
    lines of one payment run** (``same_run_level``, warning); a **run of identical charges** is one
    ``info`` note instead; and nothing is raised **below materiality**.

    **Method.** Sort by (unit, payee, amount, reference, date); each payment is compared with the
    previous one of its group, so three equal payments in a week give two findings.

    **Materiality (auditor's rule).** A duplicate whose amount is below ``materiality`` raises nothing:
    a £9.90 line paid twice is not worth a bureau's review, and thousands of such pairs bury the
    duplicates that matter. The default is audit practice's *clearly trivial* threshold (ISA 450 A2; its
    derivation is beside the value in ``params/defaults.yaml``). At the floor counts as material.

    **True repeat vs. one payment run (auditor's rule).** A payment run is the payments of one day; its
    lines carry distinct line references (every line its own ``payment_id``; the optional
    ``voucher_id`` names the payment voucher or document — 支付凭证号, a council's "Transaction No." —
    that several lines share). Identical lines (same unit, payee, amount and reference) are read in
    three ways:

    * **lines of one voucher** (same ``voucher_id``, same day): items of one payment that was approved
      as a whole — one charge per phone line or per vehicle on one bill. *Not raised.*
    * **one run, distinct vouchers** (same day, different or unknown ``voucher_id``): several items
      billed separately and paid together (agency workers at one weekly rate), or one invoice keyed
      twice. The unit can answer which: ``same_run_level`` (**warning**).
    * **a true repeat**: the same charge paid again in a *later* run (a later day within
      ``window_days``) — the money has gone out twice: ``level`` (**alert**), the bureau reviews it.

    **A run of identical charges (auditor's rule).** When the same unit pays the same payee the same
    amount at least ``series_min`` (12) times in a fiscal year and at least two of those charges lie
    within ``window_days`` of each other, the run is a standing charge (a tariff, a hire, a subscription,
    a service charge per property), not N duplicates: it is **one note** at level ``info``
    ("recurring identical charges" / 重复出现的相同金额支付; subject ``vendor``, id
    ``unit|payee|amount``, period the fiscal year; value = number of charges, threshold =
    ``series_min``; evidence: amount, count, total, first and last date, how many charges came within
    ``window_days`` of the previous one, the first 100 payment ids) and its charges raise no duplicate
    finding. References are ignored here: a run billed per property is still a run. A note is not a
    risk: it earns no risk points and is no case of the register; it is raised only when the run's
    total reaches ``materiality``. Early in a fiscal year, a run that has not yet reached
    ``series_min`` charges is judged charge by charge.

    **Reversed by a refund (auditor's rule).** A duplicate is cancelled by a refund — a negative payment
    of the same unit and payee, of exactly minus the amount, dated on or after the *earlier* of the two
    payments and at most ``refund_days`` (30) after the duplicate. This covers both the refund of the
    double payment (退款, after the duplicate) and the bank return of the first payment followed by a
    correct re-payment (退票重付, refund between the two). Each refund cancels one duplicate only (the
    earliest it can). A refund dated before both payments cancels nothing.

    **Different references are different invoices (auditor's rule).** When the data carries a payment
    reference (``purpose``, 用途 / invoice narrative), two payments whose references are both present
    and differ (after trimming, collapsing spaces and ignoring case) pay different invoices, however
    alike their amounts: monthly service charges per property, per pupil or per meter are paid in runs
    of identical amounts with one reference each. Payments are compared within the same reference;
    payments without a reference are compared with each other.

    **Exclusions.** Refunds themselves; duplicates reversed as above; equal amounts with different
    references; identical lines of one voucher; duplicates below ``materiality``; the charges of a run of
    identical charges.
    """
    window = pd.Timedelta(days=int(p["window_days"]))
    refund_days = pd.Timedelta(days=int(p["refund_days"]))
    floor = int(round(float(p["materiality"]) * 100))  # in cents
    series_min = int(p["series_min"])
    out = payment_frame(ctx)
    out["_cents"] = cents(out["amount"])
    out["amount_at_risk"] = out["amount"]
    # only a positive payment whose (unit, payee, amount) recurs can be a duplicate or a run's charge:
    # the references, the sort and the comparisons below read those few rows, not every payment
    cand = _repeated_amounts(out)
    notes, in_series = _identical_runs(ctx, cand, window, series_min, floor)

    # the lines of one voucher sort together, so that a line is compared with its own voucher's first
    pos = cand.sort_values(
        ["unit_code", "payee_name", "_cents", "_ref", "pay_date", "_voucher", "payment_id"], kind="mergesort")
    same = ((pos["unit_code"] == pos["unit_code"].shift()) & (pos["payee_name"] == pos["payee_name"].shift())
            & (pos["_cents"] == pos["_cents"].shift()) & (pos["_ref"] == pos["_ref"].shift()))
    gap = pos["pay_date"] - pos["pay_date"].shift()
    one_voucher = ((pos["_voucher"] != "") & (pos["_voucher"] == pos["_voucher"].shift())
                   & (gap == pd.Timedelta(0))).fillna(False).to_numpy(dtype=bool)
    dup = ((same & (gap <= window)).fillna(False).to_numpy(dtype=bool) & ~one_voucher
           & (pos["_cents"] >= floor).to_numpy() & ~pos["payment_id"].isin(in_series).to_numpy())
    d = pos.loc[dup, ["payment_id", "unit_code", "payee_name", "_cents", "pay_date"]].copy()
    d["prev_id"] = pos["payment_id"].shift().loc[dup].to_numpy()
    d["prev_date"] = pos["pay_date"].shift().loc[dup].to_numpy()
    d = d.loc[~d["payment_id"].isin(_refunded(out, d, refund_days))]
    # full-length result columns as plain arrays, filled at the duplicates' rows only
    n = len(out)
    hit = np.flatnonzero(out["payment_id"].isin(set(d["payment_id"])).to_numpy()) if len(d) else np.array([], int)
    prev_id, detail_zh, detail_en = (np.full(n, "", dtype=object) for _ in range(3))
    prev_date = out["pay_date"].to_numpy().copy()
    evidence = np.full(n, None, dtype=object)
    # levels as a categorical: ok, the same-run level, the repeat level (codes 0, 1, 2 before merging equal names)
    names = ["ok", str(p["same_run_level"]), str(p["level"])]
    categories = list(dict.fromkeys(names))
    level = np.zeros(n, dtype="int8")
    if len(hit):
        lookup = d.set_index("payment_id")
        ids = out["payment_id"].take(hit)
        prev_id[hit] = ids.map(lookup["prev_id"]).astype("object").to_numpy()
        prev_date[hit] = ids.map(lookup["prev_date"]).to_numpy()
        same_run = prev_date[hit] == out["pay_date"].to_numpy()[hit]
        level[hit] = np.where(same_run, 1, 2)
        f = as_text(out.take(hit)).assign(prev_id=prev_id[hit], prev_date=prev_date[hit])
        detail_zh[hit], detail_en[hit] = _duplicate_details(f, same_run)
        evidence[hit] = [{"payment_ids": [a, b], "amount": round(v, 2), "window_days": window.days,
                          "same_run": bool(r), "materiality": round(floor / 100, 2)}
                         for a, b, v, r in zip(prev_id[hit], f["payment_id"], f["amount"], same_run, strict=True)]
    remap = np.array([categories.index(x) for x in names], dtype="int8")
    out["level"] = pd.Categorical.from_codes(remap[level], categories=categories)
    out["prev_id"] = pd.Series(prev_id, index=out.index, dtype=object)
    out["prev_date"] = pd.Series(prev_date, index=out.index)
    out["detail_zh"] = pd.Series(detail_zh, index=out.index, dtype=object)
    out["detail_en"] = pd.Series(detail_en, index=out.index, dtype=object)
    if len(hit):
        out["evidence"] = pd.Series(evidence, index=out.index, dtype=object)
    return _with_notes(out, notes)


def _repeated_amounts(out: pd.DataFrame) -> pd.DataFrame:
    """PAY07's candidates: the positive payments whose unit, payee and amount (cents) some other
    positive payment shares, with their normalised reference (``_ref``: trimmed, spaces collapsed,
    case folded; '' when absent) and voucher (``_voucher``, '' when absent)."""
    positive = out["_cents"].to_numpy() > 0
    keys = pd.DataFrame({"u": _int_codes(out["unit_code"]), "p": _int_codes(out["payee_name"]),
                         "c": out["_cents"].to_numpy()}).loc[positive]
    repeated = np.zeros(len(out), dtype=bool)
    repeated[np.flatnonzero(positive)[keys.duplicated(keep=False).to_numpy()]] = True
    cols = [c for c in ("payment_id", "unit_code", "payee_name", "_cents", "pay_date", "purpose", "voucher_id")
            if c in out.columns]
    cand = out.loc[repeated, cols]
    if "purpose" in cand.columns:
        ref = cand["purpose"].astype("str").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()
        cand = cand.assign(_ref=ref.fillna(""))
    else:
        cand = cand.assign(_ref="")
    voucher = cand["voucher_id"].astype("str").fillna("") if "voucher_id" in cand.columns else ""
    return cand.assign(_voucher=voucher)


def _int_codes(s: pd.Series) -> np.ndarray:
    """Equal values, equal integers (missing: -1): a categorical's codes, else factorized."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy()
    return pd.factorize(s, use_na_sentinel=True)[0]


def _duplicate_details(f: pd.DataFrame, same_run: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PAY07's detail texts (zh, en) of the duplicates ``f`` (as text, with ``prev_id`` and ``prev_date``)."""
    day = f["pay_date"].dt.strftime("%Y-%m-%d")
    prev = pd.Series(f["prev_date"]).dt.strftime("%Y-%m-%d")
    money = f["amount"].map("{:,.2f}".format)
    payee, prev_id = f["payee_name"].astype("str"), f["prev_id"].astype("str")
    zh = np.where(
        same_run,
        "于" + day + "向“" + payee + "”支付" + money + "元，与同日同一批次的支付" + prev_id
        + "金额相同（不同明细行），请核实是否分项计费或重复录入",
        "于" + day + "向“" + payee + "”支付" + money + "元，与" + prev + "的支付" + prev_id
        + "金额相同，疑似重复支付")
    en = np.where(
        same_run,
        "paid " + money + " to “" + payee + "” on " + day + ", the same amount as payment "
        + prev_id + " of the same payment run (another line): items billed together, or one invoice keyed "
        "twice?",
        "paid " + money + " to “" + payee + "” on " + day + ", the same amount as payment "
        + prev_id + " of " + prev + ": possible duplicate")
    return zh, en


def _refunded(out: pd.DataFrame, d: pd.DataFrame, refund_days: pd.Timedelta) -> set[str]:
    """PAY07: the duplicates of ``d`` that a refund cancels (one refund, one duplicate; in date order)."""
    if d.empty:
        return set()
    refunds = out.loc[out["_cents"] < 0, ["payment_id", "unit_code", "payee_name", "_cents", "pay_date"]].copy()
    refunds["_cents"] = -refunds["_cents"]
    refunds = refunds.rename(columns={"payment_id": "refund_id", "pay_date": "refund_date"})
    m = d.merge(refunds, on=["unit_code", "payee_name", "_cents"], how="left")
    m = m.loc[m["refund_date"].notna() & (m["refund_date"] >= m["prev_date"])
              & (m["refund_date"] <= m["pay_date"] + refund_days)]
    # one refund cancels one duplicate: pair them in date order within (unit, payee, amount)
    m = m.sort_values(["refund_date", "refund_id", "pay_date", "payment_id"], kind="mergesort")
    cancelled: set[str] = set()
    used: set[str] = set()
    for pid, rid in zip(m["payment_id"], m["refund_id"], strict=True):  # few rows: candidate pairs only
        if pid not in cancelled and rid not in used:
            cancelled.add(pid)
            used.add(rid)
    return cancelled


def _identical_runs(ctx: ScanContext, out: pd.DataFrame, window: pd.Timedelta, series_min: int,
                    floor: int) -> tuple[pd.DataFrame, set[str]]:
    """PAY07's runs of identical charges: (one note row per run, the payment ids of every run).

    A run: positive payments of one unit, payee and amount (cents) in one fiscal year, at least
    ``series_min`` of them, two of them at most ``window`` apart (references ignored). A run whose total
    is below ``floor`` (cents) is not noted, but its charges still raise no duplicate (each is below the
    floor too).
    """
    pos = out.loc[out["_cents"] > 0, ["payment_id", "unit_code", "payee_name", "_cents", "pay_date", "_ref"]]
    empty = pd.DataFrame(columns=["subject_id", "unit_code", "period", "value"])
    if pos.empty or series_min < 2:
        return empty, set()
    pos = pos.assign(_fy=ctx.fiscal_year(pos["pay_date"]).astype("int64"))
    keys = ["unit_code", "payee_name", "_cents", "_fy"]
    size = pos.groupby(keys, sort=False, dropna=False)["payment_id"].transform("size")
    cand = pos.loc[size.to_numpy() >= series_min].sort_values([*keys, "pay_date", "payment_id"], kind="mergesort")
    if cand.empty:
        return empty, set()
    first = cand.groupby(keys, sort=False, dropna=False).cumcount().to_numpy() == 0
    close = ~first & ((cand["pay_date"] - cand["pay_date"].shift()) <= window).to_numpy()
    cand = cand.assign(_close=close)
    g = cand.groupby(keys, sort=True, dropna=False)
    runs = g.agg(n=("payment_id", "size"), close=("_close", "sum"), first_date=("pay_date", "min"),
                 last_date=("pay_date", "max"), refs=("_ref", "nunique"),
                 ids=("payment_id", lambda x: list(x))).reset_index()
    runs = runs.loc[runs["close"] > 0]
    if runs.empty:
        return empty, set()
    runs = as_text(runs)
    members = {pid for ids in runs["ids"] for pid in ids}
    runs["total_cents"] = runs["_cents"] * runs["n"]
    runs = runs.loc[runs["total_cents"] >= floor]
    if runs.empty:
        return empty, members
    amount = runs["_cents"] / 100.0
    total = runs["total_cents"] / 100.0
    money, total_text = amount.map("{:,.2f}".format), total.map("{:,.2f}".format)
    n, close_n = runs["n"].astype("str"), runs["close"].astype("int64").astype("str")
    w = str(window.days)
    notes = pd.DataFrame({
        "subject_id": runs["unit_code"] + "|" + runs["payee_name"] + "|" + money.str.replace(",", ""),
        "subject_type": "vendor",
        "unit_code": runs["unit_code"],
        "payee_name": runs["payee_name"],
        "period": runs["_fy"].astype("str"),
        "value": runs["n"].astype("float64"),
        "amount_at_risk": total,
        "threshold": float(series_min),
        "level": "info",
        "detail_zh": runs["_fy"].astype("str") + "年度向“" + runs["payee_name"] + "”支付相同金额" + money + "元共"
        + n + "笔（合计" + total_text + "元，其中" + close_n + "笔与前一笔相隔不超过" + w
        + "天）：重复出现的相同金额支付，属经常性收费，作一条提示，不逐笔预警",
        "detail_en": "paid “" + runs["payee_name"] + "” the same " + money + " " + n + " times in budget year "
        + runs["_fy"].astype("str") + " (together " + total_text + "; " + close_n + " within " + w
        + " days of the previous one): recurring identical charges, one note rather than a duplicate alert each",
    })
    notes["evidence"] = [
        {"amount": round(c / 100, 2), "count": int(k), "total": round(t / 100, 2), "first_date": a.strftime("%Y-%m-%d"),
         "last_date": b.strftime("%Y-%m-%d"), "within_window": int(c2), "window_days": window.days,
         "references": int(r), "series_min": series_min, "payment_ids": ids[:100],
         **({"payment_ids_shown": 100} if len(ids) > 100 else {})}
        for c, k, t, a, b, c2, r, ids in zip(runs["_cents"], runs["n"], runs["total_cents"], runs["first_date"],
                                             runs["last_date"], runs["close"], runs["refs"], runs["ids"], strict=True)
    ]
    return notes.reset_index(drop=True), members


def _with_notes(out: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    out = out.drop(columns=["_cents"])
    if notes.empty:
        return out
    return pd.concat([out, notes], ignore_index=True)


@indicator(
    code="PAY08",
    value_unit="money",
    at_risk="amount",
    at_risk_rule="the payment's amount",
    module="payments",
    subject_type="payment",
    name_zh="大额整数支付",
    name_en="Large round amount",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "amount")},
    grade="flag",
    why_zh="真实交易很少恰好是整万元的大额支付，整数金额常见于预付、虚列或估计支出。",
    why_en="Genuine invoices rarely come to exact tens of thousands; large round amounts suggest advances, "
    "estimates or fictitious spending.",
    source=_SOURCE + "; Nigrini (2012) round-number tests",
    message_zh="{unit_name} 于{pay_date:%Y-%m-%d}向“{payee_name}”支付整数金额{value:,.2f}元",
    message_en="{unit_name} paid the round amount {value:,.2f} to “{payee_name}” on {pay_date:%Y-%m-%d}",
    params={
        "min_amount": Param("amount at or above which round amounts are flagged (yuan)", NON_NEGATIVE),
        "multiple": Param(
            "round unit (yuan; not scaled by threshold_scale: roundness is a matter of the currency's "
            "digits, so set it in the data's own currency)",
            Interval(Real, 0, None, closed="neither"),
        ),
        "level": Param("level of a large round amount", LEVEL),
    },
    money=("min_amount",),
    evidence=_PAY_EVIDENCE,
)
def pay08(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PAY08 大额整数支付 — large round amount.

    **What.** A payment of at least ``min_amount`` (100,000) that is an exact multiple of ``multiple``
    (10,000), computed in whole cents.

    **Exclusions.** Refunds.
    """
    out = payment_frame(ctx)
    c = cents(out["amount"])
    mult = int(round(float(p["multiple"]) * 100))
    hit = (c >= round(float(p["min_amount"]) * 100)) & (c % mult == 0)
    return _flag(out, hit, str(p["level"]))


@indicator(
    code="PAY09",
    value_unit="money",
    at_risk="amount",
    at_risk_rule="the payment's amount",
    module="payments",
    subject_type="payment",
    name_zh="跨年支付",
    name_en="Payment after the budget year",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "function_code", "economic_code", "amount",
                        "budget_year"),
           "budget": ("year", "unit_code", "function_code", "economic_code", "original_amount",
                      "carryover_amount")},
    grade="flag",
    why_zh="预算年度结束后仍以上年指标支付，且未办理结转，属于违规跨年使用资金。",
    why_en="Paying on last year's appropriation after the year has closed, without a carry-over, uses "
    "money that has lapsed.",
    source="《预算法》第57条; " + _SOURCE,
    message_zh="{unit_name} 于{pay_date:%Y-%m-%d}以{budget_year}年预算支付{value:,.2f}元，该指标未办理结转",
    message_en="{unit_name} paid {value:,.2f} on {pay_date:%Y-%m-%d} against the {budget_year} budget, "
    "with no carry-over on the line",
    params={
        "level": Param("level of a cross-year payment without carry-over", LEVEL),
    },
    evidence=("payment_id", "pay_date", "budget_year", "function_code", "economic_code", "project_code",
              "amount"),
)
def pay09(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PAY09 跨年支付 — payment after the budget year.

    **What.** A positive payment with year(pay_date) > budget_year whose line has no carry-over, where
    year(pay_date) is the fiscal year of pay_date (``calendar.fiscal_year_start_month``: a UK payment of
    March 2020 belongs to 2019/20, labelled 2019).

    **Method.** The carry-over of a line shows in the budget of the year the money is spent: the line
    with the same (unit, function, economic, project) key in year(pay_date) must have carryover_amount > 0
    (结转 from earlier years). Without such a line the payment is flagged.

    **Exclusions.** Refunds; payments within their budget year (assessed, ok).
    """
    out = payment_frame(ctx)
    b = ctx.budget
    carried = b.loc[b["carryover_amount"] > 0]
    carried_keys = set(
        carried["year"].astype("str") + "|" + carried["unit_code"] + "|" + carried["function_code"] + "|"
        + carried["economic_code"] + "|" + carried["project_code"]
    )
    pay_year = ctx.fiscal_year(out["pay_date"])
    carried_line = keys_in([pay_year, *(out[c] for c in ("unit_code", "function_code", "economic_code",
                                                          "project_code"))], carried_keys)
    late = (pay_year > out["budget_year"]).fillna(False).to_numpy(dtype=bool)
    hit = late & ~carried_line & (out["amount"] > 0).to_numpy()
    return _flag(out, hit, str(p["level"]))
