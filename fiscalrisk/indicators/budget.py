"""Budget execution indicators (预算执行): BUD01–BUD06.

Each function measures; :mod:`fiscalrisk.indicators.registry` grades. Net payments are payments minus
refunds (negative amounts) up to ``as_of``, charged to a budget line through the payment's
(budget_year, unit_code, function_code, economic_code, project_code); ``budget_year`` defaults to the
fiscal year of ``pay_date``. "The current year" is the fiscal year of ``as_of`` (:attr:`ScanContext.year`;
``calendar.fiscal_year_start_month``, 1 = the calendar year as in China).
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.frames import keys_in
from fiscalrisk.indicators.constraints import LEVEL, NON_NEGATIVE, Integral, Interval, ListOf, Param
from fiscalrisk.indicators.registry import NotAssessed, ScanContext, flag_levels, indicator

__all__ = ["time_progress", "format_date_zh", "format_date_en", "sangong_codes", "project_execution"]

LINE_KEYS = ["year", "unit_code", "function_code", "economic_code", "project_code"]


def time_progress(as_of: pd.Timestamp, settings: Mapping[str, Any] | None = None, *,
                  start_month: int = 1) -> float:
    """序时进度 p(as_of): the share of the budget year elapsed on ``as_of`` (indicators.md, "Time progress").

    The budget year is the fiscal year starting in ``start_month`` (``calendar.fiscal_year_start_month``;
    1 = the calendar year). ``method``:
    - ``days`` (default, MoF treasury monitoring practice): days elapsed including ``as_of`` / days in
      the year. 2026-06-30 → 181 / 365 = 0.4959.
    - ``months``: completed months / 12 (a month counts once its last day is reached): 2026-06-30 → 0.5,
      2026-06-29 → 5/12; with an April start, 2026-09-30 → 6/12.
    - ``targets``: administratively set quarterly targets ``targets: {Q1: .25, Q2: .50, Q3: .75, Q4: 1}``
      over the fiscal year's quarters; with ``interpolate: false`` the target of the latest quarter end
      reached (0 before the end of Q1), with ``interpolate: true`` linear by days between quarter ends
      (from 0 on the fiscal year's first day).

    The one implementation is :func:`fiscalrisk.params.time_progress` (the reports use it too).
    """
    from fiscalrisk.params import time_progress as _time_progress

    return _time_progress(as_of, dict(settings or {}), start_month=start_month)


def _dated_months(months: list[int], year: int, start_month: int) -> tuple[str, str]:
    """Fiscal months of fiscal year ``year`` named with their calendar year: ``2025年12月`` /
    ``December 2025``; for an April start, month 12 of 2019 is ``2020年3月`` / ``March 2020``. Months
    falling in two calendar years are named with the fiscal year (``2019年度12月、1月``)."""
    from fiscalrisk.calendar import fiscal_month_names

    zh, en = fiscal_month_names(months, start_month)
    years = {year + (1 if (int(m) - 1 + start_month - 1) >= 12 else 0) for m in months}
    if len(years) == 1:
        (y,) = years
        return f"{y}年{zh}", f"{en} {y}"
    return f"{year}年度{zh}", f"{en} of budget year {year}"


def format_date_zh(d: pd.Timestamp) -> str:
    """``6月30日``."""
    return f"{d.month}月{d.day}日"


def format_date_en(d: pd.Timestamp) -> str:
    """``30 June``."""
    return f"{d.day} {_calendar.month_name[d.month]}"


def sangong_codes(ctx: ScanContext) -> list[str]:
    """三公经费 economic codes (``modules.budget.sangong_economic_codes``)."""
    mod = ctx.params.module("budget") if ctx.params is not None else {}
    return [str(c) for c in mod.get("sangong_economic_codes", ["30212", "30217", "30231", "31013"])]


def project_execution(ctx: ScanContext) -> pd.DataFrame:
    """Execution of each project-year: the budget lines carrying a project code, grouped by (year,
    unit_code, project_code), with ``adjusted`` (Σ adjusted amounts), ``net`` (Σ net payments charged to
    those lines up to ``as_of``, as BUD01 counts them) and ``rate`` = net / adjusted (NaN when the
    adjusted budget is not positive). Sorted by year, unit and project; computed once per scan."""

    def compute() -> pd.DataFrame:
        b = ctx.budget
        b = b.loc[b["project_code"] != "", ["year", "unit_code", "project_code", "line_id", "adjusted_amount"]]
        if "payments" in ctx.tables:
            b = b.merge(ctx.net_payments[["line_id", "net"]], on="line_id", how="left")
        else:
            b = b.assign(net=np.nan)
        b = b.assign(year=b["year"].astype("int64"), unit_code=b["unit_code"].astype("str"),
                     project_code=b["project_code"].astype("str"), net=b["net"].fillna(0.0))
        g = b.groupby(["year", "unit_code", "project_code"], sort=True).agg(
            adjusted=("adjusted_amount", "sum"), net=("net", "sum")).reset_index()
        g["adjusted"] = g["adjusted"].round(2)
        g["net"] = g["net"].round(2)
        g["rate"] = g["net"] / g["adjusted"].where(g["adjusted"] > 0)
        return g

    return ctx.memo("project_execution", None, compute)


def _time_progress_settings(ctx: ScanContext) -> Mapping[str, Any]:
    tp = getattr(ctx.params, "time_progress", None) if ctx.params is not None else None
    return tp if isinstance(tp, Mapping) else {}


# --------------------------------------------------------------------------------------------------


@indicator(
    code="BUD01",
    value_unit="pp",
    at_risk="behind",
    at_risk_rule="the amount behind schedule: time progress × adjusted budget − net payments "
    "(= value / 100 × budget), what should have been spent by as_of and was not",
    module="budget",
    subject_type="unit",
    name_zh="执行进度滞后",
    name_en="Budget execution behind schedule",
    reads={"budget": ("year", "unit_code", "function_code", "economic_code", "original_amount"),
           "payments": ("pay_date", "unit_code", "function_code", "economic_code", "amount")},
    grade="ge",
    why_zh="预算执行明显慢于序时进度，说明项目推进迟缓或预算编制不实，资金沉淀，年底易突击花钱。",
    why_en="Spending far behind the elapsed share of the year means stalled projects or padded budgets; "
    "idle funds tend to be rushed out at year end.",
    source="财政部 国库集中支付动态监控 (序时进度); indicators.md BUD01",
    message_zh="{unit_name} 截至{as_of_zh}预算执行率{rate:.1%}，低于序时进度{progress:.1%} {value:.1f}个百分点",
    message_en="{unit_name}: budget execution {rate:.1%} at {as_of_en}, {value:.1f} pp behind time "
    "progress of {progress:.1%}",
    sections=("time_progress", "calendar"),
    params={
        "min_budget": Param(
            "budget lines with an adjusted amount below this (yuan) are left out",
            NON_NEGATIVE,
        ),
        "warning": Param("percentage points behind time progress", NON_NEGATIVE),
        "alert": Param("percentage points behind", NON_NEGATIVE),
    },
    money=("min_budget",),
)
def bud01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """BUD01 执行进度滞后 — budget execution behind schedule.

    **What.** For each unit, and for each region (its whole subtree), the execution rate of the current
    budget year r = net payments of the year up to ``as_of`` / adjusted budget, compared with the time
    progress p(as_of) (序时进度, :func:`time_progress`). value = (p − r) × 100, in percentage points.
    The budget year is the fiscal year of ``as_of`` (``calendar.fiscal_year_start_month``: for an April
    start, the progress on 30 September is 6/12 by months), and so is the time progress.

    **Method.** Lines of the budget year of ``as_of`` with adjusted amount ≥ ``min_budget`` (100,000);
    net payments charged to those lines (budget_year = that year, paid up to ``as_of``). Payments matching
    no line are BUD04's concern and are left out here.

    **Exclusions.** Units whose assessed lines add up to no budget; earlier years (see BUD02, BUD06).
    Region rows (subject ``region``) cover every unit of the region's subtree.
    """
    year = ctx.year
    b = ctx.budget
    b = b.loc[(b["year"] == year) & (b["adjusted_amount"] >= float(p["min_budget"]))]
    if b.empty:
        raise NotAssessed(f"no budget lines of {year} at or above min_budget")
    net = ctx.net_payments[["line_id", "net"]]
    lines = b[["line_id", "unit_code", "adjusted_amount"]].merge(net, on="line_id", how="left")
    lines["net"] = lines["net"].fillna(0.0)
    lines["region_code"] = lines["unit_code"].map(ctx.unit_region)
    progress = time_progress(ctx.as_of, _time_progress_settings(ctx), start_month=ctx.fiscal_start)

    units = lines.groupby("unit_code", sort=True).agg(
        budget=("adjusted_amount", "sum"), net=("net", "sum"), lines=("line_id", "size"),
        region_code=("region_code", "first"),
    ).reset_index()
    units["subject_id"] = units["unit_code"]
    units["subject_type"] = "unit"

    pairs = ctx.region_pairs
    reg = lines.merge(pairs, on="region_code", how="inner")
    regions = reg.groupby("ancestor_code", sort=True).agg(
        budget=("adjusted_amount", "sum"), net=("net", "sum"), lines=("line_id", "size")
    ).reset_index().rename(columns={"ancestor_code": "region_code"})
    regions["subject_id"] = regions["region_code"]
    regions["subject_type"] = "region"
    regions["unit_code"] = pd.Series(pd.NA, index=regions.index, dtype="str")

    out = pd.concat([units, regions], ignore_index=True)
    out = out.loc[out["budget"] > 0].copy()
    out["rate"] = out["net"] / out["budget"]
    out["progress"] = progress
    out["value"] = (progress - out["rate"]) * 100.0
    out["behind"] = progress * out["budget"] - out["net"]
    out["period"] = str(year)
    out["as_of_zh"] = format_date_zh(ctx.as_of)
    out["as_of_en"] = format_date_en(ctx.as_of)
    out["evidence"] = [
        {"budget": round(bu, 2), "net_payments": round(n, 2), "lines": int(k), "execution_rate": r,
         "time_progress": progress, "as_of": ctx.as_of.strftime("%Y-%m-%d")}
        for bu, n, k, r in zip(out["budget"], out["net"], out["lines"], out["rate"], strict=True)
    ]
    return out


@indicator(
    code="BUD02",
    value_unit="ratio",
    at_risk="surge",
    at_risk_rule="the net payments of the surge months (December): the spending rushed out at year end",
    module="budget",
    subject_type="unit",
    name_zh="年底突击花钱",
    name_en="Year-end spending surge",
    reads={"payments": ("pay_date", "unit_code", "amount")},
    grade="ge",
    why_zh="年末（12月）集中支付往往是为了避免资金被收回而突击花钱，采购和验收程序容易被压缩。",
    why_en="A large share in the budget year's last month (December in China) suggests spending to avoid "
    "losing the appropriation, with procurement and acceptance checks compressed.",
    source="财政部 预算执行管理 (年底突击花钱); indicators.md BUD02 (local practice thresholds)",
    message_zh="{unit_name} {surge_zh}净支付占全年{value:.1%}（{report_zh}合计{report_share:.1%}）",
    message_en="{unit_name}: {surge_en} took {value:.1%} of the year's net payments "
    "({report_en} {report_share:.1%})",
    params={
        "surge_months": Param(
            "months of the fiscal year whose share is graded, 12 = its last month (December; March for an "
            "April start)",
            ListOf(Interval(Integral, 1, 12, closed="both")),
        ),
        "report_months": Param(
            "months of the fiscal year whose share is reported",
            ListOf(Interval(Integral, 1, 12, closed="both")),
        ),
        "warning": Param("share of annual net payments", NON_NEGATIVE),
        "alert": Param("share of annual net payments", NON_NEGATIVE),
    },
    sections=("calendar",),
)
def bud02(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """BUD02 年底突击花钱 — year-end spending surge.

    **What.** Per unit × completed budget year: net payments made in the year's last month (December)
    / net payments of the year (payments of that budget year). Also reported: the last two months' share.

    **Method.** Payments with budget_year = Y and pay_date in fiscal year Y; completed years only
    (Y before the fiscal year of ``as_of``). Months graded: ``surge_months``, counted as **months of the
    fiscal year** (``calendar.fiscal_year_start_month``): 12 is the year's last month — December for the
    Chinese budget year, March for a UK financial year starting in April, whose year-end rush is in
    March; 11 is the month before. The message names the calendar months.

    **Exclusions.** The current (incomplete) year; unit-years whose annual net payments are not positive.
    """
    from fiscalrisk.calendar import fiscal_month_names

    pay = ctx.payments
    pay = pay.loc[(pay["budget_year"] < ctx.year) & (ctx.fiscal_year(pay["pay_date"]) == pay["budget_year"])]
    if pay.empty:
        raise NotAssessed("no payments of a completed budget year")
    surge = [int(m) for m in p["surge_months"]]
    report = [int(m) for m in p["report_months"]]
    month = ctx.fiscal_month(pay["pay_date"])
    df = pd.DataFrame({
        "unit_code": pay["unit_code"].to_numpy(),
        "year": pay["budget_year"].to_numpy(),
        "amount": pay["amount"].to_numpy(),
        "surge": pay["amount"].where(month.isin(surge), 0.0).to_numpy(),
        "report": pay["amount"].where(month.isin(report), 0.0).to_numpy(),
    })
    g = df.groupby(["unit_code", "year"], sort=True)[["amount", "surge", "report"]].sum().reset_index()
    ok = g["amount"] > 0
    g["value"] = np.where(ok, g["surge"] / g["amount"].where(ok), np.nan)
    g["report_share"] = np.where(ok, g["report"] / g["amount"].where(ok), np.nan)
    names = {int(y): _dated_months(surge, int(y), ctx.fiscal_start) for y in pd.unique(g["year"])}
    g["surge_zh"] = g["year"].map(lambda y: names[int(y)][0])
    g["surge_en"] = g["year"].map(lambda y: names[int(y)][1])
    g["report_zh"], g["report_en"] = fiscal_month_names(report, ctx.fiscal_start)
    g["reason"] = np.where(ok, "", "annual net payments not positive")
    g["subject_id"] = g["unit_code"]
    g["period"] = g["year"].astype("str")
    g["evidence"] = [
        {"annual_net": round(a, 2), "surge_net": round(s, 2), "report_net": round(r, 2),
         "surge_months": surge, "report_months": report}
        for a, s, r in zip(g["amount"], g["surge"], g["report"], strict=True)
    ]
    return g


@indicator(
    code="BUD03",
    value_unit="ratio",
    at_risk="over",
    at_risk_rule="the over-executed amount: net payments − available (adjusted + carry-over; "
    "all of the net payments where nothing was available)",
    module="budget",
    subject_type="budget_line",
    name_zh="超预算支付",
    name_en="Spending above the budget line",
    reads={"budget": ("year", "unit_code", "function_code", "economic_code", "original_amount"),
           "payments": ("pay_date", "unit_code", "function_code", "economic_code", "amount")},
    grade="gt",
    why_zh="支出超过批准的预算指标（含结转），违反“无预算不支出、不得超预算支出”。",
    why_en="Paying more than the approved line (including carry-over) breaks the rule that no money is "
    "spent beyond the budget.",
    source="《预算法》第57条; 财政部 国库集中支付动态监控",
    message_zh="{unit_name} 预算指标 {subject_id} 累计净支付{net:,.2f}元，为可用指标{available:,.2f}元的{value:.1%}",
    message_en="{unit_name}: budget line {subject_id} paid {net:,.2f}, {value:.1%} of the available "
    "{available:,.2f}",
    params={
        "alert": Param(
            "ratio of net payments to (adjusted + carry-over), graded strictly above",
            NON_NEGATIVE,
        ),
    },
    evidence=("net", "available", "adjusted_amount", "carryover_amount"),
)
def bud03(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """BUD03 超预算支付 — spending above the budget line.

    **What.** Per budget line: cumulative net payments up to ``as_of`` / (adjusted amount + carry-over).

    **Method.** Net payments charged to the line's key (budget_year = the line's year). Adjusted defaults
    to original, carry-over to 0. A line with nothing available (≤ 0) and positive net payments is an
    alert with value +∞.

    **Exclusions.** Lines without payments (ratio 0, assessed); payments matching no line (BUD04).
    """
    b = ctx.budget.loc[ctx.budget["year"] <= ctx.year]
    lines = b.merge(ctx.net_payments[["line_id", "net"]], on="line_id", how="left")
    lines["net"] = lines["net"].fillna(0.0)
    lines["available"] = lines["adjusted_amount"] + lines["carryover_amount"]
    pos = lines["available"] > 0
    lines["value"] = np.where(pos, lines["net"] / lines["available"].where(pos),
                              np.where(lines["net"] > 0, np.inf, 0.0))
    lines["over"] = lines["net"] - lines["available"].clip(lower=0)
    lines["subject_id"] = lines["line_id"]
    lines["period"] = lines["year"].astype("str")
    return lines


@indicator(
    code="BUD04",
    value_unit="money",
    at_risk="amount",
    at_risk_rule="the payment's amount",
    module="budget",
    subject_type="payment",
    name_zh="无预算支出",
    name_en="Payment without a budget line",
    reads={"budget": ("year", "unit_code", "function_code", "economic_code", "original_amount"),
           "payments": ("payment_id", "pay_date", "unit_code", "function_code", "economic_code", "amount")},
    grade="flag",
    why_zh="支付对应不到任何预算指标，属于无预算、超范围支出。",
    why_en="A payment that matches no budget line is spending without an appropriation.",
    source="《预算法》第57条; 财政部 国库集中支付动态监控",
    message_zh="{unit_name} 支付{value:,.2f}元（{pay_date:%Y-%m-%d}，功能{function_code}/经济{economic_code}）无对应预算指标",
    message_en="{unit_name} paid {value:,.2f} on {pay_date:%Y-%m-%d} (function {function_code}, economic "
    "{economic_code}) with no matching budget line",
    params={
        "level": Param("level of a payment without a budget line", LEVEL),
    },
    evidence=("payment_id", "budget_year", "function_code", "economic_code", "project_code", "amount"),
)
def bud04(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """BUD04 无预算支出 — payment without a budget line.

    **What.** A payment whose (budget_year, unit_code, function_code, economic_code, project_code) matches
    no budget line.

    **Method.** Exact key match; an absent project code is the empty string on both sides.

    **Exclusions.** Refunds (negative amounts); payments of a budget year absent from the budget table
    altogether (that is missing data, not missing lines: such payments are not assessed).
    """
    pay = ctx.payments
    keys = set(ctx.budget["line_id"])
    matched = keys_in([pay[c] for c in ("budget_year", "unit_code", "function_code", "economic_code",
                                        "project_code")], keys)
    covered = pay["budget_year"].isin(set(ctx.budget["year"].dropna().astype(int))).fillna(False).to_numpy()
    out = pay.loc[covered].copy(deep=False)
    out["subject_id"] = out["payment_id"]
    out["period"] = out["pay_month"]
    out["value"] = out["amount"]
    hit = (~matched[covered]) & (out["amount"] > 0).to_numpy()
    out["level"] = flag_levels(hit, str(p["level"]))
    return out


@indicator(
    code="BUD05",
    value_unit="money",
    at_risk="excess",
    at_risk_rule="the amount that breaks the rule: value − threshold (actual − budget when over budget; "
    "the increase over last year when growing)",
    module="budget",
    subject_type="unit",
    name_zh="三公经费控制（只减不增）",
    name_en="“Three public expenses” control (only down, never up)",
    reads={"budget": ("year", "unit_code", "economic_code", "original_amount")},
    grade="flag",
    why_zh="三公经费（因公出国境、公务接待、公务用车）须控制在预算内且只减不增，超支或增长是作风和纪律风险。",
    why_en="Official travel abroad, receptions and official cars must stay within budget and never grow "
    "year on year; overspending or growth is a conduct and discipline risk.",
    source="中共中央八项规定; 国务院 三公经费只减不增; indicators.md BUD05",
    message_zh="{unit_name} {period}年三公经费{issue_zh}：{value:,.2f}元，对比{threshold:,.2f}元",
    message_en="{unit_name} {period}: “three public expenses” {issue_en}: {value:,.2f} against {threshold:,.2f}",
    params={
        "over_budget_level": Param("level when actual 三公 exceeds the 三公 budget", LEVEL),
        "growth_level": Param("level when the 三公 budget or actual grows over last year", LEVEL),
    },
)
def bud05(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """BUD05 三公经费控制（只减不增） — "three public expenses" control.

    **What.** Per unit × year, 三公 = economic codes ``modules.budget.sangong_economic_codes`` (30212
    因公出国(境), 30217 公务接待, 30231 公务用车运行维护, 31013 公务用车购置). a) actual 三公 > 三公 budget
    → ``over_budget_level`` (alert); b) 三公 budget, or actual, higher than last year → ``growth_level``
    (warning). value = the amount that breaks the rule, threshold = what it is compared with.

    **Method.** Budget = adjusted amount (defaults to original) of the 三公 lines; actual = the lines'
    ``actual_amount`` when the year has it, else net payments with those economic codes and that budget
    year up to ``as_of``. For the current year the actual is year-to-date, so b) only fires once the
    year-to-date actual already exceeds last year's total. b) needs the unit's previous year in the data.

    **Exclusions.** Unit-years with neither a 三公 budget nor 三公 spending.
    """
    codes = sangong_codes(ctx)
    b = ctx.budget
    b = b.loc[b["year"] <= ctx.year]
    units_years = b[["unit_code", "year"]].drop_duplicates()
    sb = b.loc[b["economic_code"].isin(codes)]
    budget = sb.groupby(["unit_code", "year"])["adjusted_amount"].sum().rename("budget")
    actual_b = None
    if "actual_amount" in sb and sb["actual_amount"].notna().any():
        actual_b = sb.loc[sb["actual_amount"].notna()].groupby(["unit_code", "year"])["actual_amount"].sum()
    if "payments" in ctx.tables and ctx.tables["payments"] is not None:
        pay = ctx.payments.loc[ctx.payments["economic_code"].isin(codes)]
        actual = pay.groupby(["unit_code", "budget_year"])["amount"].sum()
        actual.index = actual.index.set_names(["unit_code", "year"])
    else:
        actual = pd.Series(dtype="float64", index=pd.MultiIndex.from_tuples([], names=["unit_code", "year"]))
    if actual_b is not None:  # final outturn (决算) wins where given
        actual = actual_b.combine_first(actual)
    df = units_years.set_index(["unit_code", "year"]).join(budget, how="outer")
    df = df.join(actual.rename("actual"), how="outer").reset_index()
    df = df.loc[df["budget"].notna() | df["actual"].notna()].copy()
    if df.empty:
        raise NotAssessed("no 三公 budget lines or payments")
    has_budget_year = set(map(tuple, units_years.astype({"year": "int64"}).to_numpy().tolist()))
    df["budget"] = df["budget"].fillna(0.0)
    df["actual"] = df["actual"].fillna(0.0)
    df["year"] = df["year"].astype("int64")
    prev = df[["unit_code", "year", "budget", "actual"]].copy()
    prev["year"] = prev["year"] + 1
    df = df.merge(prev, on=["unit_code", "year"], how="left", suffixes=("", "_prev"))
    prev_known = np.array([(u, y - 1) in has_budget_year for u, y in zip(df["unit_code"], df["year"],
                                                                        strict=True)], dtype=bool)
    df["budget_prev"] = np.where(prev_known, df["budget_prev"].fillna(0.0), np.nan)
    df["actual_prev"] = np.where(prev_known, df["actual_prev"].fillna(0.0), np.nan)
    over = (df["actual"] > df["budget"] + 0.005).to_numpy()
    b_up = (df["budget"] > df["budget_prev"] + 0.005).to_numpy()
    a_up = (df["actual"] > df["actual_prev"] + 0.005).to_numpy()
    over_lv, growth_lv = str(p["over_budget_level"]), str(p["growth_level"])
    df["level"] = np.where(over, over_lv, np.where(b_up | a_up, growth_lv, "ok"))
    df["value"] = np.where(over | a_up, df["actual"], np.where(b_up, df["budget"], df["actual"]))
    df["threshold"] = np.where(over, df["budget"],
                               np.where(a_up, df["actual_prev"], np.where(b_up, df["budget_prev"], np.nan)))
    df["excess"] = df["value"] - df["threshold"]
    df["issue_zh"] = np.where(over, "实际支出超预算", np.where(a_up, "实际支出高于上年",
                                                        np.where(b_up, "预算高于上年", "")))
    df["issue_en"] = np.where(over, "actual above budget", np.where(a_up, "actual above last year",
                                                                 np.where(b_up, "budget above last year", "")))
    df["subject_id"] = df["unit_code"]
    df["period"] = df["year"].astype("str")
    df["evidence"] = [
        {"economic_codes": codes, "budget": round(bu, 2), "actual": round(ac, 2),
         "budget_prev": bp, "actual_prev": ap}
        for bu, ac, bp, ap in zip(df["budget"], df["actual"], df["budget_prev"], df["actual_prev"], strict=True)
    ]
    return df


@indicator(
    code="BUD06",
    value_unit="years",
    at_risk="unspent",
    at_risk_rule="the unspent carry-over: carryover_amount − net payments charged to the line (≥ 0)",
    module="budget",
    subject_type="budget_line",
    name_zh="结转资金滞留",
    name_en="Stale carry-over",
    reads={"budget": ("year", "unit_code", "function_code", "economic_code", "original_amount",
                      "carryover_amount", "carryover_from_year")},
    grade="ge",
    why_zh="结转两年以上仍未使用的资金应按规定收回统筹使用，长期滞留说明资金沉淀、绩效低下。",
    why_en="Carry-over unspent for two years or more must be recovered and reallocated; it shows idle "
    "money and poor budget performance.",
    source="国办发〔2014〕70号 盘活财政存量资金; indicators.md BUD06",
    message_zh="{unit_name} 预算指标 {subject_id} 含{carryover_from_year}年结转资金{carryover_amount:,.2f}元，"
    "已滞留{value:.0f}年，未使用{unspent:,.2f}元",
    message_en="{unit_name}: budget line {subject_id} holds carry-over from {carryover_from_year} "
    "({carryover_amount:,.2f}), {value:.0f} years old, {unspent:,.2f} unspent",
    params={
        "warning": Param("age of the carry-over in years (year − carryover_from_year)", NON_NEGATIVE),
        "alert": Param("age in years", NON_NEGATIVE),
    },
    evidence=("carryover_amount", "carryover_from_year", "net", "unspent"),
)
def bud06(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """BUD06 结转资金滞留 — stale carry-over.

    **What.** Per budget line with a carry-over: value = year − carryover_from_year (the carry-over's age
    in years), graded when the carry-over is not spent.

    **Method.** Carry-over is spent first (结转资金优先使用): unspent = carryover_amount − net payments
    charged to the line up to ``as_of``. A line is assessed when it has a positive carry-over and a
    ``carryover_from_year``; lines whose carry-over is fully spent get level ok.

    **Exclusions.** Lines without carry-over; carry-overs fully spent. Without a payments table the
    spending is unknown: not assessed.
    """
    if "payments" not in ctx.tables:
        raise NotAssessed("missing table: payments (whether the carry-over was spent is unknown)")
    b = ctx.budget
    b = b.loc[(b["year"] <= ctx.year) & (b["carryover_amount"] > 0) & b["carryover_from_year"].notna()]
    lines = b.merge(ctx.net_payments[["line_id", "net"]], on="line_id", how="left")
    lines["net"] = lines["net"].fillna(0.0)
    lines["unspent"] = (lines["carryover_amount"] - lines["net"].clip(lower=0)).clip(lower=0).round(2)
    lines["value"] = (lines["year"] - lines["carryover_from_year"]).astype("float64")
    lines["level"] = pd.Series(np.where(lines["unspent"] > 0, pd.NA, "ok"), index=lines.index, dtype="str")
    lines["subject_id"] = lines["line_id"]
    lines["period"] = lines["year"].astype("str")
    lines["carryover_from_year"] = lines["carryover_from_year"].astype("int64")
    return lines
