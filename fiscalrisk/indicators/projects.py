"""Construction-project indicators PRJ01–PRJ03 (工程).

A project (``projects``) has an approved budget (概算, ``budget_amount``), a planned end, and progress
reports from its supervisor (``project_progress``: physical progress in % of the works). Money paid to
a project is the net sum of the payments carrying its ``project_code`` up to ``as_of``; money committed
is the sum of the contracts carrying its ``project_code`` signed up to ``as_of``. The progress of a
project is its latest report dated on or before ``as_of``.

These indicators describe the state of a project at ``as_of``: their period is the (fiscal) year of ``as_of``,
so a project that stays overdue or over budget is one finding per year, updated by each scan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fiscalrisk.indicators.common import blank as _blank
from fiscalrisk.indicators.common import empty_result as _empty
from fiscalrisk.indicators.common import money as _money
from fiscalrisk.indicators.constraints import NON_NEGATIVE, Param
from fiscalrisk.indicators.registry import NotAssessed, ScanContext, indicator

__all__ = ["latest_progress", "paid_by_project", "paid_ahead_of_works", "overdue_projects", "over_budget"]


def latest_progress(progress: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """Latest report per project up to ``as_of``: index project_code, columns ``progress``, ``report_date``."""
    if progress is None or progress.empty:
        return pd.DataFrame(
            {"progress": pd.Series(dtype=float), "report_date": pd.Series(dtype="datetime64[ns]")}
        )
    r = progress.loc[progress["report_date"] <= as_of, ["project_code", "report_date", "physical_progress"]]
    r = r.assign(project_code=r["project_code"].astype(str).str.strip())
    r = r.sort_values(["project_code", "report_date"], kind="mergesort").drop_duplicates(
        "project_code", keep="last"
    )
    return r.set_index("project_code").rename(columns={"physical_progress": "progress"})[
        ["progress", "report_date"]
    ]


def paid_by_project(payments: pd.DataFrame) -> pd.Series:
    """Net payments per non-empty ``project_code``, rounded to cents."""
    if "project_code" not in payments.columns:
        return pd.Series(dtype=float)
    p = payments.loc[~_blank(payments["project_code"])]
    return p.groupby(p["project_code"].astype(str).str.strip(), sort=True)["amount"].sum().round(2)


def _committed_by_project(contracts: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.Series:
    if contracts is None or contracts.empty or "project_code" not in contracts.columns:
        return pd.Series(dtype=float)
    c = contracts.loc[~_blank(contracts["project_code"]) & (contracts["signed_date"] <= as_of)]
    return c.groupby(c["project_code"].astype(str).str.strip(), sort=True)["amount"].sum().round(2)


def _started(projects: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    return projects.loc[projects["start_date"] <= as_of]


def paid_ahead_of_works(
    projects: pd.DataFrame, progress: pd.DataFrame, payments: pd.DataFrame, as_of: pd.Timestamp, *,
    year: int | None = None,
) -> pd.DataFrame:
    """PRJ01: paid share of the budget − latest physical progress, in percentage points.

    Projects started by ``as_of`` with a positive budget and at least one progress report are
    assessed; a project without a report cannot be compared (its missing reports are a matter for
    the supervisor, not a measured gap).
    """
    pr = _started(projects, as_of)
    pr = pr.loc[pr["budget_amount"].gt(0)]
    codes = pr["project_code"].astype(str).str.strip()
    latest = latest_progress(progress, as_of)
    has = codes.isin(latest.index)
    pr, codes = pr[has], codes[has]
    if pr.empty:
        return _empty("paid", "paid_share", "progress", "name", "ahead")
    paid = codes.map(paid_by_project(payments)).fillna(0.0).astype(float)
    budget = pr["budget_amount"].astype(float)
    prog = codes.map(latest["progress"]).astype(float)
    report = codes.map(latest["report_date"])
    paid_share = paid / budget
    return pd.DataFrame(
        {
            "subject_id": codes,
            "unit_code": pr["unit_code"].astype(str),
            "period": str(as_of.year if year is None else year),
            "value": (paid_share - prog / 100.0) * 100.0,
            "ahead": paid - prog / 100.0 * budget,
            "paid": paid,
            "paid_share": paid_share,
            "progress": prog,
            "name": pr["name"].astype(str),
            "evidence": [
                {
                    "project_code": c,
                    "budget_amount": _money(b),
                    "net_paid": _money(p),
                    "physical_progress": float(g),
                    "report_date": d.date().isoformat(),
                }
                for c, b, p, g, d in zip(codes, budget, paid, prog, report, strict=True)
            ],
        }
    )


def overdue_projects(
    projects: pd.DataFrame, progress: pd.DataFrame | None, as_of: pd.Timestamp, *, year: int | None = None
) -> pd.DataFrame:
    """PRJ02: days after the planned end of a project not finished at ``as_of``.

    A project is finished when its ``actual_end_date`` is on or before ``as_of`` or its latest report
    says 100 %; finished projects are assessed as ``ok``. For the others value = days from
    ``planned_end_date`` to ``as_of`` (≤ 0 while not yet due). Without any report and without an actual
    end date, a project past its planned end is overdue: nothing shows it was completed.
    """
    pr = _started(projects, as_of)
    if pr.empty:
        return _empty("level", "days", "progress_text", "name", "budget_amount")
    codes = pr["project_code"].astype(str).str.strip()
    latest = latest_progress(progress, as_of)
    prog = codes.map(latest["progress"]).astype(float)
    ended = pr["actual_end_date"] <= as_of if "actual_end_date" in pr else pd.Series(False, index=pr.index)
    finished = ended.fillna(False).astype(bool) | prog.ge(100.0)
    days = (as_of.normalize() - pr["planned_end_date"].dt.normalize()).dt.days.astype(float)
    return pd.DataFrame(
        {
            "subject_id": codes,
            "unit_code": pr["unit_code"].astype(str),
            "period": str(as_of.year if year is None else year),
            "value": days,
            "level": np.where(finished, "ok", None),
            "days": days,
            "budget_amount": (pr["budget_amount"].astype(float) if "budget_amount" in pr
                              else pd.Series(np.nan, index=pr.index)),
            "progress_text": prog.map(lambda v: "无进度报告" if pd.isna(v) else f"{v:g}%"),
            "progress_text_en": prog.map(lambda v: "no progress report" if pd.isna(v) else f"{v:g}%"),
            "planned_end": pr["planned_end_date"].dt.strftime("%Y-%m-%d"),
            "name": pr["name"].astype(str),
            "evidence": [
                {
                    "project_code": c,
                    "planned_end_date": e.date().isoformat(),
                    "physical_progress": None if pd.isna(g) else float(g),
                    "days_overdue": int(d),
                }
                for c, e, g, d in zip(codes, pr["planned_end_date"], prog, days, strict=True)
            ],
        }
    )


def over_budget(
    projects: pd.DataFrame, payments: pd.DataFrame, contracts: pd.DataFrame | None, as_of: pd.Timestamp, *,
    year: int | None = None,
) -> pd.DataFrame:
    """PRJ03: the larger of net paid and contracted, over the project's budget (概算).

    Contracted = contracts carrying the project code signed up to ``as_of`` (when the ``contracts``
    table has ``project_code``). Projects with a positive budget started by ``as_of`` are assessed.
    """
    pr = _started(projects, as_of)
    pr = pr.loc[pr["budget_amount"].gt(0)]
    if pr.empty:
        return _empty("paid", "contracted", "name", "over")
    codes = pr["project_code"].astype(str).str.strip()
    paid = codes.map(paid_by_project(payments)).fillna(0.0).astype(float)
    contracted = codes.map(_committed_by_project(contracts, as_of)).fillna(0.0).astype(float)
    budget = pr["budget_amount"].astype(float)
    return pd.DataFrame(
        {
            "subject_id": codes,
            "unit_code": pr["unit_code"].astype(str),
            "period": str(as_of.year if year is None else year),
            "value": np.maximum(paid, contracted) / budget,
            "over": np.maximum(paid, contracted) - budget,
            "paid": paid,
            "contracted": contracted,
            "budget_amount": budget,
            "name": pr["name"].astype(str),
            "evidence": [
                {
                    "project_code": c,
                    "budget_amount": _money(b),
                    "net_paid": _money(p),
                    "contracted": _money(k),
                }
                for c, b, p, k in zip(codes, budget, paid, contracted, strict=True)
            ],
        }
    )


# ------------------------------------------------------------------------------------- registration
@indicator(
    code="PRJ01",
    value_unit="pp",
    at_risk="ahead",
    at_risk_rule="the amount paid ahead of the works: net paid − physical progress × budget "
    "(= value / 100 × budget_amount)",
    module="projects",
    subject_type="project",
    name_zh="支付超工程进度",
    name_en="Paid ahead of the works",
    reads={
        "projects": ("project_code", "unit_code", "name", "budget_amount", "start_date"),
        "project_progress": ("project_code", "report_date", "physical_progress"),
        "payments": ("payment_id", "pay_date", "amount", "project_code"),
    },
    grade="ge",
    why_zh="工程款支付比例明显高于监理确认的形象进度，属于超进度付款，资金风险由财政承担。",
    why_en=(
        "Paying a project well ahead of the works certified by the supervisor exposes public money if the "
        "contractor fails to deliver."
    ),
    source="建设工程价款结算暂行办法 (财建〔2004〕369号) 按进度付款; 湖州市财政内控 工程建设进度监控",
    message_zh=(
        "{unit_name} 工程 {subject_id}“{name}”已付 {paid_share:.1%} 概算，形象进度仅 {progress:g}%，"
        "超前 {value:.1f} 个百分点"
    ),
    message_en=(
        "{unit_name}: project {subject_id} “{name}” has paid {paid_share:.1%} of its budget with works "
        "{progress:g}% done, {value:.1f} pp ahead"
    ),
    params={
        "warning": Param("pp ahead at or above → warning", NON_NEGATIVE),
        "alert": Param("pp ahead at or above → alert", NON_NEGATIVE),
    },
)
def prj01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRJ01 支付超工程进度 — payments ahead of the works.

    **What.** Paid share of the budget − physical progress, in percentage points. Paid = net payments
    with the ``project_code`` up to ``as_of``; progress = the latest ``physical_progress`` reported on or
    before ``as_of``.

    **Method.** Graded ≥ ``warning`` (20 pp) and ≥ ``alert`` (35 pp). Subject: the project; period:
    the year of ``as_of``.

    **Exclusions.** Projects not started at ``as_of``, with no budget, or with no progress report yet.
    """
    return paid_ahead_of_works(
        ctx.tables["projects"], ctx.tables["project_progress"], ctx.payments, ctx.as_of, year=ctx.year
    )


@indicator(
    code="PRJ02",
    value_unit="days",
    at_risk="budget_amount",
    at_risk_rule="the project's approved budget (概算): the money tied up in the overdue project",
    module="projects",
    subject_type="project",
    name_zh="工程延期",
    name_en="Overdue project",
    reads={"projects": ("project_code", "unit_code", "name", "start_date", "planned_end_date")},
    grade="gt",
    why_zh="工程超过计划完工日仍未完工，可能意味着资金沉淀、合同纠纷或管理失控，并推高成本。",
    why_en=(
        "A project past its planned end and still unfinished ties up money, signals disputes or weak "
        "management, and drives costs up."
    ),
    source="政府投资条例 第25条 (按期完成); 湖州市财政内控 工程建设进度监控 (local practice)",
    message_zh="{unit_name} 工程 {subject_id}“{name}”计划 {planned_end} 完工，已逾期 {days:.0f} 天，进度 {progress_text}",
    message_en=(
        "{unit_name}: project {subject_id} “{name}” was due on {planned_end} and is {days:.0f} days "
        "overdue (progress: {progress_text_en})"
    ),
    params={
        "warning": Param("days overdue strictly above → warning", NON_NEGATIVE),
        "alert": Param("days overdue strictly above → alert", NON_NEGATIVE),
    },
)
def prj02(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRJ02 工程延期 — project past its planned end and not finished.

    **What.** Days from ``planned_end_date`` to ``as_of`` for a project that is not finished.

    **Method.** Finished = ``actual_end_date`` on or before ``as_of``, or a latest report of 100 %.
    Graded strictly above ``warning`` (0: any overdue day) and ``alert`` (180 days). A project without
    any report or actual end date past its planned end counts as unfinished. Subject: the project;
    period: the year of ``as_of``.

    **Exclusions.** Projects not started at ``as_of``. Not assessed when the data has neither
    ``projects.actual_end_date`` nor ``project_progress``: nothing could show a project finished.
    """
    projects = ctx.tables["projects"]
    progress = ctx.tables.get("project_progress")
    if "actual_end_date" not in projects.columns and (progress is None or progress.empty):
        raise NotAssessed("no completion data: neither projects.actual_end_date nor project_progress")
    return overdue_projects(projects, progress, ctx.as_of, year=ctx.year)


@indicator(
    code="PRJ03",
    value_unit="ratio",
    at_risk="over",
    at_risk_rule="the amount over the budget: max(net paid, contracted) − budget_amount",
    module="projects",
    subject_type="project",
    name_zh="超概算",
    name_en="Over budget",
    reads={
        "projects": ("project_code", "unit_code", "name", "budget_amount", "start_date"),
        "payments": ("payment_id", "pay_date", "amount", "project_code"),
    },
    grade="gt",
    why_zh="工程支付或签约金额超过批准概算，违反概算控制，需按规定调整概算或追究责任。",
    why_en=(
        "Payments or contracts above a project's approved budget break the budget ceiling, which may only be "
        "exceeded after a formal re-approval."
    ),
    source="政府投资条例 第23条 (概算不得突破); 财政部 国库集中支付动态监控",
    message_zh=(
        "{unit_name} 工程 {subject_id}“{name}”已付 {paid:,.2f} 元、已签合同 {contracted:,.2f} 元，"
        "为概算 {budget_amount:,.2f} 元的 {value:.2%}"
    ),
    message_en=(
        "{unit_name}: project {subject_id} “{name}” has paid {paid:,.2f} and contracted {contracted:,.2f}, "
        "{value:.2%} of its budget of {budget_amount:,.2f}"
    ),
    params={
        "alert": Param("max(paid, contracted) / budget strictly above → alert", NON_NEGATIVE),
    },
)
def prj03(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRJ03 超概算 — paid or contracted above the approved budget.

    **What.** max(net paid, contracted) / ``budget_amount``. Paid = net payments with the
    ``project_code`` up to ``as_of``; contracted = contracts with the ``project_code`` signed up to
    ``as_of`` (when the ``contracts`` table carries ``project_code``).

    **Method.** Graded strictly above ``alert`` (1.0). Subject: the project; period: the year of ``as_of``.

    **Exclusions.** Projects not started at ``as_of`` or without a budget.
    """
    return over_budget(ctx.tables["projects"], ctx.payments, ctx.tables.get("contracts"), ctx.as_of, year=ctx.year)
