"""Procurement indicators PRC01–PRC06 (政府采购).

Each indicator is a small pure function over the validated ``procurement`` table that measures one
number per subject; the registry grades it. The red flags follow the Open Contracting Partnership's
Cardinal tool (R-codes) and Fazekas et al.'s corruption-risk indicators, with the legal minimum periods
and thresholds of Chinese government-procurement law (政府采购法, 政府采购法实施条例, 财政部令第87号 and
第74号, 国办发〔2019〕55号).

Dates. A procurement is *launched* on its ``notice_date`` (falling back to ``bid_deadline`` and then
``award_date`` where the notice is not recorded) and *awarded* on its ``award_date`` (falling back to
``bid_deadline`` and then ``notice_date``). Per-procurement findings carry the month of the date the rule
looks at (``YYYY-MM``); unit × year findings (PRC04, PRC05) carry the award year (``YYYY``). Procurements dated after
``as_of`` are not assessed; one without any date is assessed in the year of ``as_of``.

Thresholds that depend on the region's level (公开招标数额标准, 分散采购限额标准) are module parameters
(``modules.procurement.open_tender_limits`` and ``decentralised_limits``, per category), set for a level in
the region files; the scan applies each region's own. They apply to every year of the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.indicators.common import blank as _blank
from fiscalrisk.indicators.common import empty_result as _empty
from fiscalrisk.indicators.common import money as _money
from fiscalrisk.indicators.constraints import (
    COUNT,
    LEVEL,
    NON_NEGATIVE,
    SHARE,
    Integral,
    Interval,
    Param,
    Strings,
)
from fiscalrisk.indicators.contracts import normalise_party_name
from fiscalrisk.indicators.registry import ScanContext, indicator

__all__ = [
    "METHOD_NAMES",
    "bidder_levels",
    "submission_periods",
    "split_purchases",
    "single_source_use",
    "supplier_concentration",
    "award_to_estimate",
    "count_workdays",
]

#: Procurement methods as the messages name them.
METHOD_NAMES: dict[str, tuple[str, str]] = {
    "open_tender": ("公开招标", "open tender"),
    "invited_tender": ("邀请招标", "invited tender"),
    "competitive_negotiation": ("竞争性谈判", "competitive negotiation"),
    "competitive_consultation": ("竞争性磋商", "competitive consultation"),
    "inquiry": ("询价", "inquiry"),
    "single_source": ("单一来源", "single source"),
    "framework": ("框架协议", "framework agreement"),
    "self_procured": ("自行采购", "self-procured"),
}

_DATE_COLUMNS_LAUNCH = ("notice_date", "bid_deadline", "award_date")
_DATE_COLUMNS_AWARD = ("award_date", "bid_deadline", "notice_date")


# --------------------------------------------------------------------------------------------- helpers
def _first_date(df: pd.DataFrame, columns: Iterable[str]) -> pd.Series:
    """The first non-missing date among ``columns`` (those present), row by row."""
    out = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    for col in columns:
        if col in df.columns:
            out = out.fillna(pd.to_datetime(df[col]))
    return out


def _in_scope(dates: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Rows dated on or before ``as_of`` (undated rows are kept: nothing says they are in the future)."""
    return dates.isna() | (dates <= as_of)


def _month(dates: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """``YYYY-MM`` of each date; the year of ``as_of`` where the date is missing."""
    return dates.dt.strftime("%Y-%m").fillna(str(as_of.year)).astype(str)


def _year(dates: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    return dates.dt.year.astype("Int64").fillna(as_of.year).astype(int)


def _limit_of(category: pd.Series, limits: Mapping[str, float]) -> pd.Series:
    """The per-category money limit (NaN for a category without one)."""
    return category.map({k: float(v) for k, v in limits.items()}).astype(float)


def _opt(df: pd.DataFrame, column: str) -> pd.Series:
    """An optional column, or an all-missing one when the source does not carry it."""
    if column in df.columns:
        return df[column]
    return pd.Series(np.nan, index=df.index)


def _method_names(method: pd.Series) -> dict[str, pd.Series]:
    """``method_zh`` / ``method_en`` message columns (the code itself for an unknown method)."""
    return {
        "method_zh": method.map(lambda m: METHOD_NAMES.get(m, (m, m))[0]).astype(str),
        "method_en": method.map(lambda m: METHOD_NAMES.get(m, (m, m))[1]).astype(str),
    }


def count_workdays(start: pd.Series, end: pd.Series, is_workday: Any) -> pd.Series:
    """Working days in the half-open interval (start, end] for each pair of dates.

    The day a notice goes out does not count (民法典 第201条: 开始的当日不计入); the deadline day does. Pairs
    with a missing date give NaN; ``end`` before ``start`` gives a negative count. ``is_workday`` is a
    callable taking a DatetimeIndex and returning booleans (the calendar's ``is_workday``).
    """
    start = pd.to_datetime(start).dt.normalize()
    end = pd.to_datetime(end).dt.normalize()
    ok = start.notna() & end.notna()
    out = pd.Series(np.nan, index=start.index)
    if not ok.any():
        return out
    lo = min(start[ok].min(), end[ok].min())
    hi = max(start[ok].max(), end[ok].max())
    days = pd.date_range(lo, hi, freq="D")
    flags = np.asarray(is_workday(days), dtype=bool)
    cumulative = pd.Series(np.cumsum(flags), index=days)
    out[ok] = cumulative.reindex(end[ok]).to_numpy() - cumulative.reindex(start[ok]).to_numpy()
    return out


# ------------------------------------------------------------------------------------ computations
def bidder_levels(
    procurement: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    competitive_methods: Iterable[str],
    warning_methods: Iterable[str],
    alert: float,
) -> pd.DataFrame:
    """PRC01: bidders per competitive procurement.

    The registry grades the count (lower is worse): a single bidder in any competitive method is an
    alert; two bidders only warn in a tender, because a tender needs three valid bids to proceed
    (政府采购法 第36条) while negotiation, consultation and inquiry with two suppliers are tolerated in
    some cases. Rows of the other competitive methods above the alert count are therefore forced to
    ``ok``. A procurement with no bid at all that was not awarded is a failed tender (流标), re-run as a
    new procurement: not assessed; nor are procurements without a count.
    """
    df = procurement
    awarded_on = _first_date(df, _DATE_COLUMNS_AWARD)
    bidders = pd.to_numeric(df["bidders"], errors="coerce").astype(float)
    awarded = ~_blank(_opt(df, "winner_name")) | pd.to_numeric(_opt(df, "award_amount"), errors="coerce").gt(
        0
    )
    keep = (
        df["method"].isin(list(competitive_methods))
        & bidders.notna()
        & (bidders.ge(1) | awarded)
        & _in_scope(awarded_on, as_of)
    )
    df, bidders, awarded_on = df[keep], bidders[keep], awarded_on[keep]
    if df.empty:
        return _empty("level", "method", "bidders")
    tender = df["method"].isin(list(warning_methods))
    level = pd.Series(np.nan, index=df.index, dtype=object)
    level[~tender & bidders.gt(alert)] = "ok"
    return pd.DataFrame(
        {
            "subject_id": df["procurement_id"].astype(str),
            "unit_code": df["unit_code"].astype(str),
            "period": _month(awarded_on, as_of),
            "value": bidders,
            "level": level,
            "method": df["method"].astype(str),
            "bidders": bidders.astype(int),
            "procurement_value": _procurement_value(df),
            **_method_names(df["method"]),
            "evidence": [
                {"procurement_id": pid, "method": m, "bidders": int(b)}
                for pid, m, b in zip(df["procurement_id"], df["method"], bidders, strict=True)
            ],
        }
    )


def submission_periods(
    procurement: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    min_days: Mapping[str, float],
    working_day_methods: Iterable[str],
    is_workday: Any,
    level: str,
) -> pd.DataFrame:
    """PRC02: days from notice to bid deadline against the legal minimum of the method.

    Calendar days for tenders (20, 87号令 第20条) and competitive consultation (10, 财库〔2014〕214号 第10条);
    working days for negotiation and inquiry (3, 财政部令第74号 第29条 and 第45条). The notice day is not
    counted, the deadline day is, so a notice on the 1st with a deadline on the 21st gives 20 days.
    Procurements without both dates, or with a method that has no legal minimum, are not assessed.
    """
    df = procurement
    minimum = df["method"].map({k: float(v) for k, v in min_days.items()}).astype(float)
    notice = pd.to_datetime(_opt(df, "notice_date"))
    deadline = pd.to_datetime(_opt(df, "bid_deadline"))
    keep = minimum.notna() & notice.notna() & deadline.notna() & (notice <= as_of)
    df, minimum, notice, deadline = df[keep], minimum[keep], notice[keep], deadline[keep]
    if df.empty:
        return _empty("level", "threshold", "method", "day_unit_zh", "day_unit_en")
    workdays = df["method"].isin(list(working_day_methods))
    calendar_days = (deadline.dt.normalize() - notice.dt.normalize()).dt.days.astype(float)
    days = calendar_days.copy()
    if workdays.any():
        days[workdays] = count_workdays(notice[workdays], deadline[workdays], is_workday)
    short = days < minimum
    return pd.DataFrame(
        {
            "subject_id": df["procurement_id"].astype(str),
            "unit_code": df["unit_code"].astype(str),
            "period": _month(notice, as_of),
            "value": days,
            "level": np.where(short, level, "ok"),
            "threshold": minimum,
            "procurement_value": _procurement_value(df),
            "method": df["method"].astype(str),
            **_method_names(df["method"]),
            "day_unit_zh": np.where(workdays, "个工作日", "日"),
            "day_unit_en": np.where(workdays, "working days", "days"),
            "evidence": [
                {
                    "procurement_id": pid,
                    "method": m,
                    "notice_date": n.date().isoformat(),
                    "bid_deadline": d.date().isoformat(),
                    "days": int(v),
                    "working_days": bool(w),
                    "legal_minimum": int(mn),
                }
                for pid, m, n, d, v, w, mn in zip(
                    df["procurement_id"], df["method"], notice, deadline, days, workdays, minimum, strict=True
                )
            ],
        }
    )


def split_purchases(
    procurement: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    open_tender_limits: Mapping[str, float],
    decentralised_limits: Mapping[str, float],
    window_days: int,
    level: str,
    exclude_methods: Iterable[str] = ("open_tender", "framework"),
) -> pd.DataFrame:
    """PRC03: purchases split below a limit that would require a stricter method (化整为零).

    Within a unit and an ``item_category``, each purchase is compared with its trailing window: the
    purchases launched at most ``window_days`` days before it (itself included), each with an
    ``estimated_amount`` below the limit. When the window holds at least two such purchases and their
    sum reaches the limit, the purchase is a finding (value: the window's sum; threshold: the limit):
    together with the earlier ones it should have gone through the stricter procedure. Two limits are
    checked per category, the 公开招标数额标准 (open tender) and the 分散采购限额标准 (government
    procurement at all); the finding names the higher limit reached. Purchases already openly tendered, or called off a framework agreement (协议供货,
    where repeated small orders are the design), are not counted. Every purchase assessed gets a row.
    """
    df = procurement[~procurement["method"].isin(list(exclude_methods))]
    launched = _first_date(df, _DATE_COLUMNS_LAUNCH)
    keep = launched.notna() & (launched <= as_of) & df["estimated_amount"].notna()
    df, launched = df[keep], launched[keep].dt.normalize()
    cols = ("level", "threshold", "limit_zh", "limit_en", "window_sum", "count")
    if df.empty:
        return _empty(*cols)
    work = pd.DataFrame(
        {
            "pid": df["procurement_id"].astype(str),
            "unit": df["unit_code"].astype(str),
            "cat": df["item_category"].astype(str),
            "category": df["category"].astype(str),
            "date": launched,
            "amount": df["estimated_amount"].astype(float),
        },
        index=df.index,
    ).sort_values(["unit", "cat", "date", "pid"], kind="mergesort")

    own = dict(zip(work["pid"], work["amount"], strict=True))
    best: dict[str, tuple[str, float, float, pd.DataFrame] | None] = {pid: None for pid in work["pid"]}
    for kind, limits in (("decentralised", decentralised_limits), ("open_tender", open_tender_limits)):
        limit = _limit_of(work["category"], limits)
        below = work[limit.notna() & (work["amount"] < limit)]
        below_limit = limit[below.index]
        # One group at a time; the trailing window is found with searchsorted on the sorted dates.
        for (_, _), g in below.groupby(["unit", "cat"], sort=False):
            if len(g) < 2:
                continue
            dates = g["date"].to_numpy()
            amounts = g["amount"].to_numpy()
            csum = np.concatenate([[0.0], np.cumsum(amounts)])
            starts = np.searchsorted(dates, dates - np.timedelta64(int(window_days), "D"), side="left")
            ends = np.arange(1, len(g) + 1)
            sums = np.round(csum[ends] - csum[starts], 2)
            counts = ends - starts
            lim = below_limit[g.index].to_numpy()
            for i in np.flatnonzero((counts >= 2) & (sums >= lim)):
                members = g.iloc[starts[i] : ends[i]]
                best[g["pid"].iloc[i]] = (kind, float(lim[i]), float(sums[i]), members)

    rows = []
    for pid, unit, date in zip(work["pid"], work["unit"], work["date"], strict=True):
        hit = best[pid]
        if hit is None:
            rows.append(
                (pid, unit, date, own[pid], "ok", np.nan, "", "", own[pid], 1, {"procurement_id": pid})
            )
            continue
        kind, lim, total, members = hit
        rows.append(
            (
                pid,
                unit,
                date,
                total,
                level,
                lim,
                "公开招标数额标准" if kind == "open_tender" else "分散采购限额标准",
                "open-tender threshold" if kind == "open_tender" else "decentralised procurement limit",
                total,
                len(members),
                {
                    "procurement_ids": sorted(members["pid"].tolist()),
                    "estimated_amounts": [_money(a) for a in members["amount"]],
                    "first_date": members["date"].min().date().isoformat(),
                    "last_date": members["date"].max().date().isoformat(),
                    "window_days": int(window_days),
                    "sum": _money(total),
                    "limit": _money(lim),
                    "limit_kind": kind,
                },
            )
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "subject_id",
            "unit_code",
            "date",
            "value",
            "level",
            "threshold",
            "limit_zh",
            "limit_en",
            "window_sum",
            "count",
            "evidence",
        ],
    )
    out["period"] = _month(out["date"], as_of)
    return out.drop(columns="date")


def _procurement_value(df: pd.DataFrame) -> pd.Series:
    """The money of a procurement (PRC01, PRC02's amount at risk): the award where there is one, else the
    estimate; NaN where a frame carries neither column."""
    award = pd.to_numeric(_opt(df, "award_amount"), errors="coerce").astype(float)
    estimate = pd.to_numeric(_opt(df, "estimated_amount"), errors="coerce").astype(float)
    return award.where(award.notna(), estimate)


def _award_value(df: pd.DataFrame) -> pd.Series:
    """Value of a procurement: the award where there is one, else the estimate."""
    award = pd.to_numeric(_opt(df, "award_amount"), errors="coerce").astype(float)
    return award.where(award.notna(), df["estimated_amount"].astype(float))


def single_source_use(
    procurement: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    decentralised_limits: Mapping[str, float],
    share_warning: float,
    level: str,
    exclude_methods: Iterable[str] = ("self_procured",),
) -> pd.DataFrame:
    """PRC04: a unit's single-source procurement in a year.

    value = the unit's single-source share of procurement value in the year (award amount where
    awarded, else the estimate). The unit-year is a finding at ``level`` when

    a) one of its single-source procurements has an ``estimated_amount`` at or above the
       decentralised limit of its category (a government procurement that skipped competition), or
    b) the share is strictly above ``share_warning``.

    Self-procured purchases (below the decentralised limit, outside government procurement) are left
    out of the share: it measures how often the unit chose not to compete where the law asks it to.
    The year is the award year (falling back to the deadline and the notice). Every unit-year with
    procurement value is assessed.
    """
    cols = ("level", "threshold", "share", "single_value", "total_value", "large_ids", "large_count")
    df = procurement[~procurement["method"].isin(list(exclude_methods))]
    dated = _first_date(df, _DATE_COLUMNS_AWARD)
    keep = _in_scope(dated, as_of)
    df, dated = df[keep], dated[keep]
    if df.empty:
        return _empty(*cols)
    single = df["method"].eq("single_source")
    limit = _limit_of(df["category"], decentralised_limits)
    estimate = df["estimated_amount"].astype(float)
    work = pd.DataFrame(
        {
            "unit": df["unit_code"].astype(str),
            "year": _year(dated, as_of),
            "value": _award_value(df),
            "single": single,
            "large": single & limit.notna() & (estimate >= limit),
            "estimate": estimate,
            "limit": limit,
            "pid": df["procurement_id"].astype(str),
        }
    )
    rows = []
    for (unit, year), g in work.groupby(["unit", "year"], sort=True):
        total = round(float(g["value"].sum()), 2)
        if total <= 0:
            continue
        single_value = round(float(g.loc[g["single"], "value"].sum()), 2)
        share = single_value / total
        large = g[g["large"]].sort_values("pid")
        hit = share > share_warning + 1e-12 or len(large) > 0  # exactly the share in cents is not above it
        rows.append(
            {
                "subject_id": unit,
                "unit_code": unit,
                "period": str(year),
                "value": share,
                "level": level if hit else "ok",
                "threshold": float(share_warning),
                "share": share,
                "single_value": single_value,
                "total_value": total,
                "large_ids": "、".join(large["pid"]),
                "large_count": len(large),
                "evidence": {
                    "single_source_ids": sorted(g.loc[g["single"], "pid"]),
                    "single_source_value": _money(single_value),
                    "total_value": _money(total),
                    "share_above_limit": bool(share > share_warning),
                    "above_decentralised_limit": {
                        pid: {"estimated_amount": _money(e), "decentralised_limit": _money(lm)}
                        for pid, e, lm in zip(large["pid"], large["estimate"], large["limit"], strict=True)
                    },
                    "procurements": len(g),
                },
            }
        )
    return pd.DataFrame(rows) if rows else _empty(*cols)


def supplier_concentration(
    procurement: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    min_awards: int,
    suffixes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """PRC05: Herfindahl–Hirschman index of a unit's awarded value across winners, per award year.

    HHI = Σ sᵢ² over winners, sᵢ a winner's share of the unit's awarded value (1.0 = one supplier takes
    everything). Winner names are compared after the same normalisation as CON05, so ``某某（湖州）有限公司``
    and ``某某(湖州)有限责任公司`` are one supplier. Only awards with a winner and a positive award amount
    count; a unit × year with fewer than ``min_awards`` awards is not assessed (the index of three awards
    says little).
    """
    df = procurement
    if "winner_name" not in df.columns or "award_amount" not in df.columns:
        return _empty("hhi", "awards", "top_winner", "top_share")
    award = pd.to_numeric(df["award_amount"], errors="coerce").astype(float)
    awarded_on = _first_date(df, _DATE_COLUMNS_AWARD)
    keep = award.gt(0) & ~_blank(df["winner_name"]) & _in_scope(awarded_on, as_of)
    df, award, awarded_on = df[keep], award[keep], awarded_on[keep]
    if df.empty:
        return _empty("hhi", "awards", "top_winner", "top_share")
    work = pd.DataFrame(
        {
            "unit": df["unit_code"].astype(str),
            "year": _year(awarded_on, as_of),
            "winner": normalise_party_name(df["winner_name"], suffixes=suffixes),
            "name": df["winner_name"].astype(str),
            "amount": award,
            "pid": df["procurement_id"].astype(str),
        }
    )
    rows = []
    for (unit, year), g in work.groupby(["unit", "year"], sort=True):
        if len(g) < min_awards:
            continue
        by_winner = g.groupby("winner", sort=True)["amount"].sum()
        total = float(by_winner.sum())
        shares = by_winner / total
        hhi = float((shares**2).sum())
        top = shares.sort_values(ascending=False, kind="mergesort")
        top_key = top.index[0]
        top_name = g.loc[g["winner"].eq(top_key), "name"].sort_values().iloc[0]
        rows.append(
            {
                "subject_id": unit,
                "unit_code": unit,
                "period": str(year),
                "value": hhi,
                "hhi": hhi,
                "awards": len(g),
                "top_winner": top_name,
                "top_share": float(top.iloc[0]),
                "top_value": round(float(by_winner[top_key]), 2),
                "evidence": {
                    "procurement_ids": sorted(g["pid"].tolist()),
                    "awarded_value": _money(total),
                    "winner_shares": {str(k): round(float(v), 6) for k, v in shares.items()},
                    "awards": len(g),
                },
            }
        )
    return pd.DataFrame(rows) if rows else _empty("hhi", "awards", "top_winner", "top_share")


def award_to_estimate(
    procurement: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    competitive_methods: Iterable[str],
) -> pd.DataFrame:
    """PRC06: award amount / estimated amount in a competitive procurement.

    Competition drives prices below the budget estimate; an award within half a percent of the
    estimate suggests the estimate leaked or the bids were coordinated (Fazekas et al.). Procurements
    without a positive estimate and award are not assessed.
    """
    df = procurement
    if "award_amount" not in df.columns:
        return _empty("award_amount", "estimated_amount")
    award = pd.to_numeric(df["award_amount"], errors="coerce").astype(float)
    estimate = df["estimated_amount"].astype(float)
    awarded_on = _first_date(df, _DATE_COLUMNS_AWARD)
    keep = (
        df["method"].isin(list(competitive_methods))
        & award.gt(0)
        & estimate.gt(0)
        & _in_scope(awarded_on, as_of)
    )
    df, award, estimate, awarded_on = df[keep], award[keep], estimate[keep], awarded_on[keep]
    if df.empty:
        return _empty("award_amount", "estimated_amount")
    ratio = award / estimate
    return pd.DataFrame(
        {
            "subject_id": df["procurement_id"].astype(str),
            "unit_code": df["unit_code"].astype(str),
            "period": _month(awarded_on, as_of),
            "value": ratio,
            "award_amount": award,
            "estimated_amount": estimate,
            "evidence": [
                {"procurement_id": pid, "award_amount": _money(a), "estimated_amount": _money(e)}
                for pid, a, e in zip(df["procurement_id"], award, estimate, strict=True)
            ],
        }
    )


# ------------------------------------------------------------------------------------- registration
def _module(ctx: ScanContext) -> dict[str, Any]:
    """The procurement module's shared parameters (methods, legal minimum periods, limits)."""
    return dict(ctx.params.module("procurement"))


@indicator(
    code="PRC01",
    value_unit="count",
    at_risk="procurement_value",
    at_risk_rule="the procurement's value: the award amount where awarded, else the estimated amount",
    module="procurement",
    subject_type="procurement",
    name_zh="投标人不足",
    name_en="Too few bidders",
    reads={"procurement": ("procurement_id", "unit_code", "method", "bidders")},
    grade="le",
    why_zh="竞争性采购只有一家或两家供应商参与，价格和质量得不到竞争检验，常见于量身定制的资格条件或围标。",
    why_en=(
        "A competitive procurement with one or two bidders has not been tested by competition; it often "
        "follows tailored qualification criteria or bid rigging."
    ),
    source="Open Contracting Partnership, Cardinal R018 (single bid received); 政府采购法 第36条",
    message_zh="{unit_name} 采购项目 {subject_id}（{method_zh}）仅有 {bidders} 家投标/响应供应商",
    message_en="{unit_name}: procurement {subject_id} ({method_en}) received only {bidders} bid(s)",
    params={
        "alert": Param("bidders at or below this count in any competitive method → alert", NON_NEGATIVE),
        "warning": Param("bidders at or below this count in a tender method → warning", NON_NEGATIVE),
        "warning_methods": Param("methods in which the warning count applies (tenders)", Strings()),
    },
)
def prc01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRC01 投标人不足 — too few bidders (Cardinal R018).

    **What.** The number of bids (``bidders``) received by a procurement in a competitive method
    (``modules.procurement.competitive_methods``: open and invited tender, competitive negotiation,
    competitive consultation, inquiry).

    **Method.** value = bidders. Alert at ``alert`` (1) bidder in any competitive method; warning at
    ``warning`` (2) bidders in a tender (``warning_methods``). Period: month of the award.

    **Exclusions.** Single-source, framework and self-procured purchases (not competitive);
    procurements without a bid count; procurements with no bid that were not awarded (failed, 流标).
    """
    m = _module(ctx)
    return bidder_levels(
        ctx.tables["procurement"],
        ctx.as_of,
        competitive_methods=m["competitive_methods"],
        warning_methods=p["warning_methods"],
        alert=p["alert"],
    )


@indicator(
    code="PRC02",
    value_unit="days",
    at_risk="procurement_value",
    at_risk_rule="the procurement's value: the award amount where awarded, else the estimated amount",
    module="procurement",
    subject_type="procurement",
    name_zh="等标期过短",
    name_en="Short submission period",
    reads={"procurement": ("procurement_id", "unit_code", "method", "notice_date", "bid_deadline")},
    grade="flag",
    why_zh="等标期短于法定最短期限，潜在供应商来不及准备，只有事先知情者能够响应，是限制竞争的常见手段。",
    why_en=(
        "A submission period shorter than the legal minimum leaves too little time for bidders who were not "
        "told in advance: a common way to restrict competition."
    ),
    source="Open Contracting Partnership, Cardinal R003; 财政部令第87号 第20条; 财库〔2014〕214号 第10条; 财政部令第74号 第29条、第45条",
    message_zh="{unit_name} 采购项目 {subject_id}（{method_zh}）等标期 {value:.0f} {day_unit_zh}，低于法定最短 {threshold:.0f} {day_unit_zh}",
    message_en=(
        "{unit_name}: procurement {subject_id} ({method_en}) allowed {value:.0f} {day_unit_en} for bids, "
        "below the legal minimum of {threshold:.0f}"
    ),
    params={
        "level": Param("level of a period below the legal minimum", LEVEL),
        "working_day_methods": Param(
            "methods whose minimum counts working days (the others count calendar days)",
            Strings(),
        ),
    },
)
def prc02(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRC02 等标期过短 — submission period below the legal minimum (Cardinal R003).

    **What.** Days from ``notice_date`` to ``bid_deadline``, against the legal minimum of the method
    (``modules.procurement.min_submission_days``): open and invited tender 20 days (财政部令第87号
    第20条), competitive consultation 10 days (财库〔2014〕214号 第10条), competitive negotiation and
    inquiry 3 *working* days (财政部令第74号 第29条、第45条).

    **Method.** The notice day is not counted and the deadline day is (民法典 第201条), so a notice on
    1 March with a deadline on 21 March is 20 days. Working days come from the scan's calendar (statutory
    holidays and 调休 make-up days). value = days; threshold = the legal minimum; a finding at ``level``
    when value < threshold. Period: month of the notice.

    **Exclusions.** Procurements without both dates, and methods without a legal minimum
    (single-source, framework, self-procured).
    """
    m = _module(ctx)
    res = submission_periods(
        ctx.tables["procurement"],
        ctx.as_of,
        min_days=m["min_submission_days"],
        working_day_methods=p["working_day_methods"],
        is_workday=ctx.calendar.is_workday,
        level=p["level"],
    )
    return res


@indicator(
    code="PRC03",
    value_unit="money",
    at_risk="window_sum",
    at_risk_rule="the split's total: the estimated amounts of the window's purchases (the finding's value)",
    module="procurement",
    subject_type="procurement",
    name_zh="拆分采购规避",
    name_en="Splitting to avoid a threshold",
    reads={
        "procurement": (
            "procurement_id",
            "unit_code",
            "item_category",
            "category",
            "method",
            "estimated_amount",
        )
    },
    grade="flag",
    why_zh="同一单位在短期内把同一品目拆成多笔、每笔低于限额而合计达到限额，以规避政府采购或公开招标（化整为零）。",
    why_en=(
        "Several purchases of one item category by one unit within a short time, each below a limit but "
        "together above it, avoid government procurement or open tender (化整为零)."
    ),
    source="政府采购法 第28条; 政府采购法实施条例 第28条; 国办发〔2019〕55号 (limits)",
    message_zh=(
        "{unit_name} 采购项目 {subject_id} 与前 {window_days} 天内同品目的采购共 {count} 笔，"
        "合计 {value:,.2f} 元，达到{limit_zh} {threshold:,.2f} 元，而每笔均低于该标准"
    ),
    message_en=(
        "{unit_name}: procurement {subject_id} and the same item category's purchases in the preceding "
        "{window_days} days ({count} in all) sum to {value:,.2f}, reaching the {limit_en} of "
        "{threshold:,.2f} while each is below it"
    ),
    params={
        "window_days": Param("days back from a purchase that its window covers", COUNT),
        "level": Param("level of a split purchase", LEVEL),
    },
)
def prc03(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRC03 拆分采购规避 — splitting a purchase to stay below a limit (化整为零).

    **What.** Purchases of one unit and one ``item_category`` (品目) launched within ``window_days``
    (90) days, each with an ``estimated_amount`` below a limit that would require a stricter method,
    whose sum reaches that limit. Two limits per ``category`` (module parameters, per region level in the
    region files): the 公开招标数额标准 (``open_tender_limits``: 2,000,000 goods and services, 4,000,000
    works) and the 分散采购限额标准 (``decentralised_limits``: 1,000,000 goods and services, 1,200,000
    works).

    **Method.** Each purchase's trailing window holds the purchases launched from ``window_days`` days
    before it up to it (itself included). A window of two or more below-limit purchases whose sum is
    at or above the limit makes the purchase a finding; value = the sum, threshold = the limit (the
    higher limit when both are reached). The first purchases of a split appear in the evidence of the
    later ones. Launch date: ``notice_date``, else ``bid_deadline``, else ``award_date``.

    **Exclusions.** Open-tendered purchases and framework call-offs (they cannot be avoiding the
    procedure); undated purchases; categories without a limit.
    """
    m = _module(ctx)
    return split_purchases(
        ctx.tables["procurement"],
        ctx.as_of,
        open_tender_limits=m["open_tender_limits"],
        decentralised_limits=m["decentralised_limits"],
        window_days=int(p["window_days"]),
        level=p["level"],
    )


@indicator(
    code="PRC04",
    value_unit="ratio",
    at_risk="single_value",
    at_risk_rule="the unit-year's single-source value (award amount where awarded, else the estimate)",
    module="procurement",
    subject_type="unit",
    name_zh="单一来源采购",
    name_en="Single-source procurement",
    reads={"procurement": ("procurement_id", "unit_code", "category", "method", "estimated_amount")},
    grade="flag",
    why_zh="单一来源采购不经竞争，只能用于法定情形；大额单一来源或单位单一来源占比过高，说明竞争被系统性回避。",
    why_en=(
        "Single-source procurement skips competition and is lawful only in narrow cases; a large single-"
        "source award, or a unit buying much of its value single-source, shows competition being avoided."
    ),
    source="政府采购法 第31条; Open Contracting Partnership red flags (non-competitive award); Fazekas et al.",
    message_zh=(
        "{unit_name} {period} 年单一来源采购 {single_value:,.2f} 元，占采购总额 {total_value:,.2f} 元的 "
        "{value:.1%}{large_zh}"
    ),
    message_en=(
        "{unit_name}: single-source purchases of {single_value:,.2f} in {period} are {value:.1%} of "
        "{total_value:,.2f} procured{large_en}"
    ),
    params={
        "level": Param("level of a unit-year meeting either condition", LEVEL),
        "share_warning": Param("unit × year single-source share of value, strictly above → finding", SHARE),
    },
)
def prc04(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRC04 单一来源 — single-source procurement, per unit and year.

    **What.** value = the unit's single-source share of procurement value in the year (award amount
    where awarded, else the estimate). The unit-year is a finding at ``level`` (warning) when

    a) a ``single_source`` procurement has an ``estimated_amount`` at or above the decentralised limit
       of its category (``modules.procurement.decentralised_limits``): a government procurement that
       skipped competition; or
    b) the share is strictly above ``share_warning`` (30 %).

    **Method.** Subject: the unit; period: the award year. The threshold recorded is
    ``share_warning``; the procurements of a) are named in the message and, with their limits, in the
    evidence, with every single-source procurement of the unit-year.

    **Exclusions.** Self-procured purchases (outside government procurement); procurements dated
    after ``as_of``.
    """
    res = single_source_use(
        ctx.tables["procurement"],
        ctx.as_of,
        decentralised_limits=_module(ctx)["decentralised_limits"],
        share_warning=float(p["share_warning"]),
        level=p["level"],
    )
    if len(res):
        has = res["large_count"].gt(0)
        res["large_zh"] = np.where(
            has, "；其中达到分散采购限额的单一来源采购：" + res["large_ids"].astype(str), ""
        )
        res["large_en"] = np.where(
            has, "; at or above the decentralised procurement limit: " + res["large_ids"].astype(str), ""
        )
    return res


@indicator(
    code="PRC05",
    value_unit="index",
    at_risk="top_value",
    at_risk_rule="the value awarded to the largest supplier in the unit-year (the money of the "
    "concentration; the index itself is a score)",
    module="procurement",
    subject_type="unit",
    name_zh="供应商集中",
    name_en="Supplier concentration",
    reads={"procurement": ("procurement_id", "unit_code", "award_amount", "winner_name")},
    grade="ge",
    why_zh="单位的中标金额集中于少数供应商，可能存在长期关系输送或围标、陪标。",
    why_en=(
        "A unit's awarded value concentrated on a few suppliers suggests captured procurement, "
        "favouritism or collusion."
    ),
    source="Fazekas et al. (supplier concentration); US DoJ/FTC Horizontal Merger Guidelines (HHI bands)",
    message_zh=(
        "{unit_name} {period} 年 {awards} 笔中标的供应商集中度 HHI = {value:.3f}，"
        "最大供应商“{top_winner}”占 {top_share:.1%}"
    ),
    message_en=(
        "{unit_name}: supplier concentration of {awards} awards in {period} is HHI = {value:.3f}; "
        "the largest supplier “{top_winner}” has {top_share:.1%}"
    ),
    params={
        "min_awards": Param(
            "awards per unit × year needed for the index",
            Interval(Integral, 1, None, closed="left"),
        ),
        "warning": Param("HHI at or above → warning", NON_NEGATIVE),
        "alert": Param("HHI at or above → alert", NON_NEGATIVE),
    },
)
def prc05(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRC05 供应商集中 — supplier concentration (Herfindahl–Hirschman index).

    **What.** Per unit and award year: HHI = Σ sᵢ², sᵢ each winner's share of the unit's awarded value
    (0 < HHI ≤ 1; 1 = a single supplier; n equal suppliers give 1/n).

    **Method.** Awards with a winner and a positive ``award_amount``; winners are matched on the
    normalised name (as in CON05, with the default suffixes: spaces, full/half-width brackets,
    company-form suffixes, case). Graded ≥ ``warning`` (0.25, the DoJ/FTC "highly concentrated" band) and ≥ ``alert`` (0.50).
    Subject: the unit, period ``YYYY``.

    **Exclusions.** Unit-years with fewer than ``min_awards`` (5) awards; awards dated after ``as_of``.
    """
    return supplier_concentration(ctx.tables["procurement"], ctx.as_of, min_awards=int(p["min_awards"]))


@indicator(
    code="PRC06",
    value_unit="ratio",
    at_risk="award_amount",
    at_risk_rule="the award amount",
    module="procurement",
    subject_type="procurement",
    name_zh="中标价贴近预算",
    name_en="Award at the estimate",
    reads={"procurement": ("procurement_id", "unit_code", "method", "estimated_amount", "award_amount")},
    grade="ge",
    why_zh="竞争性采购的中标价几乎等于采购预算，说明预算价可能泄露或投标人串通，竞争未能压低价格。",
    why_en=(
        "An award almost equal to the estimate in a competitive procedure suggests a leaked estimate or "
        "coordinated bids: competition did not lower the price."
    ),
    source="Fazekas et al.; Open Contracting Partnership red flags (winning bid very close to the estimate)",
    message_zh=(
        "{unit_name} 采购项目 {subject_id} 中标金额 {award_amount:,.2f} 元，为预算 {estimated_amount:,.2f} 元的 "
        "{value:.2%}"
    ),
    message_en=(
        "{unit_name}: procurement {subject_id} was awarded at {award_amount:,.2f}, {value:.2%} of the "
        "estimate of {estimated_amount:,.2f}"
    ),
    params={
        "warning": Param("award / estimate at or above → warning", NON_NEGATIVE),
    },
)
def prc06(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRC06 中标价贴近预算 — award at the estimate.

    **What.** ``award_amount / estimated_amount`` of a procurement in a competitive method.

    **Method.** Graded ≥ ``warning`` (0.995). Period: month of the award.

    **Exclusions.** Non-competitive methods; procurements without a positive estimate and award.
    """
    return award_to_estimate(
        ctx.tables["procurement"], ctx.as_of, competitive_methods=_module(ctx)["competitive_methods"]
    )
