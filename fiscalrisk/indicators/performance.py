"""Budget performance indicators PRF01–PRF06 (预算绩效管理: 绩效目标, 双监控, 评价).

The bureau sets performance targets (绩效目标) for the projects it funds, monitors during the year
whether the money is spent on schedule **and** the targets are being reached (双监控, 财预〔2019〕136号),
and evaluates afterwards (单位自评, 部门评价, 财政评价; 财预〔2020〕10号). The tables and measures are those
of ``shared/spec/performance.md``:

- the **completion** of a target, capped to [0, 1]: ``ge`` actual / target; ``le`` 1 when actual ≤ target,
  else target / actual; ``eq`` 1 − |actual − target| / |target|. Qualitative targets (no ``target_value``)
  have none. The actual value is the latest report on or before ``as_of``; reports dated after ``as_of``
  are ignored (the scan counts them in its manifest, ``ignored``);
- the **execution rate** of a project-year: net payments charged to the project's budget lines of that
  year up to ``as_of`` / their adjusted budget (:func:`fiscalrisk.indicators.budget.project_execution`,
  the same lines and payments as BUD01);
- the **computed self-evaluation score**: 10 × min(execution rate, 1) + 50 × output completion + 30 ×
  effect completion + 10 × satisfaction completion (``modules.performance.self_weights``), each completion
  the weighted mean of the level's targets; a level without a quantitative target gives its points to the
  others in proportion.

A project-year is a subject ``project`` with ``subject_id`` = the budget's project code and ``period`` =
the budget year (project codes are unique across units, as the budget system issues them); a target
is a subject ``target``. "The current year" is the fiscal year of ``as_of``; completed years are the
earlier ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.indicators.budget import project_execution
from fiscalrisk.indicators.common import money as _money
from fiscalrisk.indicators.constraints import LEVEL, NON_NEGATIVE, Param
from fiscalrisk.indicators.registry import NotAssessed, ScanContext, indicator

__all__ = [
    "completion",
    "latest_reports",
    "target_status",
    "self_weights",
    "grade_of",
    "computed_scores",
    "reports_after",
]

LEVEL1_ZH = {"output": "产出", "effect": "效益", "satisfaction": "满意度", "cost": "成本"}
_PROJECT_KEYS = ["year", "unit_code", "project_code"]


# --------------------------------------------------------------------------------------- measures
def completion(direction: Any, target: Any, actual: Any) -> np.ndarray:
    """Completion of targets (performance.md, "Measures"), capped to [0, 1]; NaN where there is no
    target value, no direction or no actual value.

    >>> completion(["ge", "le", "le", "eq"], [12, 15, 15, 300], [6, 12, 20, 270]).round(4).tolist()
    [0.5, 1.0, 0.75, 0.9]
    """
    d = np.asarray(pd.Series(direction, dtype="object").fillna("").astype(str))
    t = np.asarray(pd.to_numeric(pd.Series(target), errors="coerce"), dtype="float64")
    a = np.asarray(pd.to_numeric(pd.Series(actual), errors="coerce"), dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        ge = a / t
        le = np.where(a <= t, 1.0, t / a)
        eq = 1.0 - np.abs(a - t) / np.abs(t)
    out = np.select([d == "ge", d == "le", d == "eq"], [ge, le, eq], default=np.nan)
    out = np.where(np.isnan(t) | np.isnan(a), np.nan, out)
    return np.clip(out, 0.0, 1.0)


def latest_reports(progress: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """The latest report per target on or before ``as_of``: index target_id, columns ``actual``,
    ``report_date``, ``n_reports`` (reports up to ``as_of``)."""
    cols = {"actual": pd.Series(dtype=float), "report_date": pd.Series(dtype="datetime64[ns]"),
            "n_reports": pd.Series(dtype="int64")}
    if progress is None or progress.empty:
        return pd.DataFrame(cols, index=pd.Index([], name="target_id", dtype="str"))
    r = progress.loc[progress["report_date"] <= as_of, ["target_id", "report_date", "actual_value"]]
    r = r.assign(target_id=r["target_id"].astype("str"))
    n = r.groupby("target_id").size()
    r = r.sort_values(["target_id", "report_date"], kind="mergesort").drop_duplicates("target_id", keep="last")
    out = r.set_index("target_id").rename(columns={"actual_value": "actual"})[["actual", "report_date"]]
    out["n_reports"] = n.reindex(out.index).astype("int64")
    return out


def reports_after(progress: pd.DataFrame | None, as_of: pd.Timestamp) -> int:
    """How many progress reports are dated after ``as_of`` (ignored by every measure)."""
    if progress is None or progress.empty or "report_date" not in progress:
        return 0
    return int((progress["report_date"] > as_of).sum())


def target_status(ctx: ScanContext) -> pd.DataFrame:
    """Every target with its latest report on or before ``as_of`` and its completion.

    Columns: the target's (target_id, year, unit_code, project_code — "" for a target of the unit as a
    whole —, level1, name, direction, target_value, weight — 1 when empty), ``quantitative`` (a value and
    a direction), ``actual``, ``report_date``, ``n_reports`` (0 without a report) and ``completion``.
    """

    def compute() -> pd.DataFrame:
        t = ctx.tables["performance_targets"].copy()
        t["target_id"] = t["target_id"].astype("str")
        t["year"] = t["year"].astype("int64")
        t["unit_code"] = t["unit_code"].astype("str")
        t["project_code"] = (t["project_code"].astype("str").fillna("") if "project_code" in t
                             else pd.Series("", index=t.index, dtype="str"))
        for c in ("direction", "target_value", "weight", "name", "measure_unit"):
            if c not in t:
                t[c] = np.nan
        t["weight"] = pd.to_numeric(t["weight"], errors="coerce").fillna(1.0)
        t["quantitative"] = t["target_value"].notna() & t["direction"].notna()
        latest = latest_reports(ctx.tables.get("performance_progress"), ctx.as_of)
        found = latest.reindex(pd.Index(t["target_id"].to_numpy(), dtype="str"))
        t["actual"] = found["actual"].to_numpy(dtype="float64")
        t["report_date"] = pd.to_datetime(found["report_date"].to_numpy()).astype("datetime64[ns]")
        t["n_reports"] = found["n_reports"].fillna(0).to_numpy().astype("int64")
        t["completion"] = np.where(t["quantitative"], completion(t["direction"], t["target_value"], t["actual"]),
                                   np.nan)
        return t.sort_values(["year", "unit_code", "project_code", "target_id"], kind="mergesort",
                             ignore_index=True)

    return ctx.memo("performance_target_status", None, compute)


def self_weights(ctx: ScanContext) -> dict[str, float]:
    """The points of the self-evaluation score (``modules.performance.self_weights``): execution and
    the level1 of targets (output, effect, satisfaction; a level1 not listed gives no points)."""
    mod = ctx.params.module("performance") if ctx.params is not None else {}
    return {str(k): float(v) for k, v in dict(mod["self_weights"]).items()}


def grade_of(score: Any, bounds: Mapping[str, float]) -> Any:
    """The grade of a 0–100 score (财预〔2020〕10号: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差); NaN → None."""
    s = pd.to_numeric(pd.Series(score), errors="coerce").to_numpy(dtype="float64")
    out = np.select([s >= bounds["优"], s >= bounds["良"], s >= bounds["中"], s < bounds["中"]],
                    ["优", "良", "中", "差"], default=None)
    return out if np.ndim(score) else out[0]


def computed_scores(ctx: ScanContext, years: list[int] | None = None) -> pd.DataFrame:
    """The computed self-evaluation score of each project-year of the budget or of the targets.

    Columns: year, unit_code, project_code, adjusted, net, rate (execution), one ``c_<level1>`` per
    weighted level1 (the weighted mean completion of its quantitative targets; a target of a completed
    year with no report counts 0: nothing shows it reached), ``score`` and ``target_ids`` (NaN for a
    project-year without targets, whose score is the execution's alone).
    """
    weights = self_weights(ctx)
    t = target_status(ctx)
    t = t.loc[t["project_code"] != ""].copy()
    ex = project_execution(ctx)[[*_PROJECT_KEYS, "adjusted", "net", "rate"]]
    if years is not None:
        t = t.loc[t["year"].isin(years)]
        ex = ex.loc[ex["year"].isin(years)]
    done = t["year"] < ctx.year
    t["c"] = t["completion"].where(~(done & t["quantitative"] & t["completion"].isna()), 0.0)
    q = t.loc[t["quantitative"] & t["level1"].isin(list(weights))]
    q = q.assign(wc=q["c"] * q["weight"])
    per = q.groupby([*_PROJECT_KEYS, "level1"]).agg(wc=("wc", "sum"), w=("weight", "sum"))
    per = (per["wc"] / per["w"].where(per["w"] > 0)).unstack("level1")
    ids = t.groupby(_PROJECT_KEYS).agg(target_ids=("target_id", lambda s: sorted(s))).reset_index()
    out = ex.merge(ids, on=_PROJECT_KEYS, how="outer").merge(per.reset_index(), on=_PROJECT_KEYS, how="left")
    out = out.sort_values(_PROJECT_KEYS, kind="mergesort", ignore_index=True)
    parts = {"execution": np.minimum(out["rate"].to_numpy(dtype="float64"), 1.0)}
    for level in weights:
        if level != "execution":
            parts[level] = (out[level].to_numpy(dtype="float64") if level in out
                            else np.full(len(out), np.nan))
            out[f"c_{level}"] = parts[level]
    total = sum(weights.values())
    num = np.zeros(len(out))
    den = np.zeros(len(out))
    for level, w in weights.items():
        v = parts[level]
        has = ~np.isnan(v)
        num += np.where(has, w * np.nan_to_num(v), 0.0)
        den += np.where(has, w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["score"] = np.where(den > 0, total * num / den, np.nan)
    return out.drop(columns=[c for c in weights if c in out and c != "execution"])


def _project_years(ctx: ScanContext) -> pd.DataFrame:
    """Project-years of the budget up to the current year with their adjusted budget and execution."""
    ex = project_execution(ctx)
    return ex.loc[ex["year"] <= ctx.year].reset_index(drop=True)


def _pct(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.1%}"


# ------------------------------------------------------------------------------------------ PRF01
@indicator(
    code="PRF01",
    value_unit="money",
    at_risk="adjusted",
    at_risk_rule="the project-year's adjusted budget: money spent with no stated result",
    module="performance",
    subject_type="project",
    name_zh="绩效目标缺失",
    name_en="No performance targets",
    reads={"budget": ("year", "unit_code", "function_code", "economic_code", "project_code", "original_amount"),
           "performance_targets": ("target_id", "year", "unit_code", "project_code", "level1")},
    grade="flag",
    why_zh="项目有预算却没有绩效目标，资金拨付后无法衡量产出和效果，违反“预算编制必须设定绩效目标”的要求。",
    why_en="A funded project without targets cannot be held to any output or result: the money goes out "
    "with nothing to measure it against, contrary to the rule that every budget request states targets.",
    source="财预〔2020〕10号; 中共中央 国务院 关于全面实施预算绩效管理的意见 (2018) 绩效目标管理; performance.md PRF01",
    message_zh="{unit_name} 项目 {subject_id} {period}年调整预算 {adjusted:,.2f} 元，未设定绩效目标",
    message_en="{unit_name}: project {subject_id} has an adjusted budget of {adjusted:,.2f} in {period} and "
    "no performance target",
    params={
        "min_budget": Param(
            "project-years with an adjusted budget below this (yuan) are left out",
            NON_NEGATIVE,
        ),
        "alert_budget": Param(
            "adjusted budget (yuan) at or above which a project without targets is an alert",
            NON_NEGATIVE,
        ),
    },
    money=("min_budget", "alert_budget"),
    evidence=("adjusted", "net", "year"),
)
def prf01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRF01 绩效目标缺失 — a funded project with no performance target.

    **What the number is.** The adjusted budget of a project-year (the sum of the adjusted amounts of
    the budget lines carrying the project code in that year) that has no row in
    ``performance_targets`` for the same year, unit and project.

    **Method.** Project-years up to the current year with an adjusted budget ≥ ``min_budget``
    (100,000) are assessed; without a target: warning, and alert when the adjusted budget ≥
    ``alert_budget`` (1,000,000). A project-year with at least one target is ok (PRF02 judges whether
    its targets are complete).

    **Exclusions.** Budget lines without a project code (basic expenditure); years after ``as_of``.
    """
    py = _project_years(ctx)
    py = py.loc[py["adjusted"] >= float(p["min_budget"])]
    if py.empty:
        raise NotAssessed("no project-year with an adjusted budget at or above min_budget")
    t = target_status(ctx)
    have = set(zip(t["year"], t["unit_code"], t["project_code"], strict=True))
    has = np.array([k in have for k in zip(py["year"], py["unit_code"], py["project_code"], strict=True)],
                   dtype=bool)
    alert = float(p["alert_budget"])
    level = np.where(has, "ok", np.where(py["adjusted"] >= alert, "alert", "warning"))
    threshold = np.where(level == "alert", alert, float(p["min_budget"]))
    return pd.DataFrame({
        "subject_id": py["project_code"].to_numpy(),
        "unit_code": py["unit_code"].to_numpy(),
        "period": py["year"].astype(str).to_numpy(),
        "value": py["adjusted"].to_numpy(dtype="float64"),
        "level": level,
        "threshold": threshold,
        "adjusted": py["adjusted"].to_numpy(),
        "net": py["net"].to_numpy(),
        "year": py["year"].to_numpy(),
    })


# ------------------------------------------------------------------------------------------ PRF02
@indicator(
    code="PRF02",
    value_unit="count",
    at_risk="adjusted",
    at_risk_rule="the project-year's adjusted budget: the money whose results cannot be fully measured",
    module="performance",
    subject_type="project",
    name_zh="绩效目标不完整",
    name_en="Incomplete performance targets",
    reads={"performance_targets": ("target_id", "year", "unit_code", "project_code", "level1")},
    grade="flag",
    why_zh="绩效目标缺少可量化的产出指标或缺少效益指标，目标“不清晰、不可衡量”，监控和评价就无从落实。",
    why_en="Targets without a measurable output or without any effect cannot show whether the money bought "
    "what it was for: monitoring and evaluation then check words, not results.",
    source="财预〔2020〕10号 (绩效目标应清晰、可衡量: 产出、效益、满意度); performance.md PRF02",
    message_zh="{unit_name} 项目 {subject_id} {period}年绩效目标不完整：{missing_zh}",
    message_en="{unit_name}: the {period} targets of project {subject_id} are incomplete: {missing_en}",
    params={
        "level": Param(
            "level of a project-year whose targets lack a quantitative output or an effect",
            LEVEL,
        ),
    },
    evidence=("target_ids", "n_output_quantitative", "n_effect"),
)
def prf02(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRF02 绩效目标不完整 — targets without a measurable output or without an effect.

    **What the number is.** For each project-year that has targets: the number of what is missing,
    0, 1 or 2 — no quantitative ``output`` target (a target value and a direction), no ``effect``
    target (quantitative or qualitative).

    **Method.** Project-years up to the current year with at least one target; a value of 1 or 2 is a
    finding at ``level`` (warning). Targets of the unit as a whole (no project code) are not judged.

    **Exclusions.** Project-years with no target at all (PRF01); years after ``as_of``.
    """
    t = target_status(ctx)
    t = t.loc[(t["project_code"] != "") & (t["year"] <= ctx.year)]
    if t.empty:
        raise NotAssessed("no project targets up to the year of as_of")
    t = t.assign(out_q=(t["level1"] == "output") & t["quantitative"], eff=t["level1"] == "effect")
    g = t.groupby(_PROJECT_KEYS).agg(n_output_quantitative=("out_q", "sum"), n_effect=("eff", "sum"),
                                     target_ids=("target_id", lambda s: sorted(s))).reset_index()
    no_out = g["n_output_quantitative"].eq(0).to_numpy()
    no_eff = g["n_effect"].eq(0).to_numpy()
    zh = np.where(no_out & no_eff, "无量化产出指标、无效益指标", np.where(no_out, "无量化产出指标", "无效益指标"))
    en = np.where(no_out & no_eff, "no quantitative output target and no effect target",
                  np.where(no_out, "no quantitative output target", "no effect target"))
    value = no_out.astype(float) + no_eff.astype(float)
    # the budget is not among PRF02's inputs: its adjusted amount is the finding's amount when there is one
    ex = (project_execution(ctx).set_index(_PROJECT_KEYS)["adjusted"] if ctx.has("budget")
          else pd.Series(dtype="float64", index=pd.MultiIndex.from_tuples([], names=_PROJECT_KEYS)))
    keys = pd.MultiIndex.from_frame(g[_PROJECT_KEYS])
    return pd.DataFrame({
        "subject_id": g["project_code"],
        "unit_code": g["unit_code"],
        "period": g["year"].astype(str),
        "value": value,
        "level": np.where(value > 0, str(p["level"]), "ok"),
        "missing_zh": zh,
        "missing_en": en,
        "target_ids": g["target_ids"],
        "n_output_quantitative": g["n_output_quantitative"].astype("int64"),
        "n_effect": g["n_effect"].astype("int64"),
        "adjusted": ex.reindex(keys).to_numpy(dtype="float64"),
    })


# ------------------------------------------------------------------------------------------ PRF03
@indicator(
    code="PRF03",
    value_unit="pp",
    at_risk="ahead",
    at_risk_rule="the money out ahead of the results: (execution rate − completion) × adjusted budget "
    "(= value / 100 × adjusted)",
    module="performance",
    subject_type="project",
    name_zh="双监控偏差",
    name_en="Spending and results diverge",
    reads={"budget": ("year", "unit_code", "function_code", "economic_code", "project_code", "original_amount"),
           "payments": ("pay_date", "unit_code", "function_code", "economic_code", "amount"),
           "performance_targets": ("target_id", "year", "unit_code", "project_code", "level1", "direction",
                                   "target_value"),
           "performance_progress": ("target_id", "report_date", "actual_value")},
    grade="ge",
    why_zh="资金执行进度明显快于绩效目标完成进度，钱花出去了而产出没有同步实现，是“重投入、轻产出”的典型信号。",
    why_en="Money going out much faster than the outputs come in is the signal the double monitoring "
    "exists for: paid-for works or services that are not being delivered.",
    source="财预〔2019〕136号 (绩效运行监控: 预算执行进度与绩效目标实现程度“双监控”); performance.md PRF03",
    message_zh="{unit_name} 项目 {subject_id} 预算执行率 {rate:.1%}，产出目标完成 {completion:.1%}，"
               "钱与事相差 {value:.1f} 个百分点",
    message_en="{unit_name}: project {subject_id} has spent {rate:.1%} of its budget with its output targets "
    "{completion:.1%} done, {value:.1f} pp apart",
    params={
        "warning": Param("pp of execution rate above target completion → warning", NON_NEGATIVE),
        "alert": Param("pp above → alert", NON_NEGATIVE),
    },
    evidence=("target_ids", "completions", "adjusted", "net", "rate", "completion"),
)
def prf03(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRF03 双监控偏差 — the money is out, the results are not in.

    **What the number is.** For a project in the current year: execution rate − mean completion of its
    cumulative output targets, in percentage points. The execution rate is net paid / adjusted budget of
    the project's lines of the year up to ``as_of`` (as BUD01); the targets that count are the project's
    ``output`` targets of the year with direction ``ge``, a target value and at least one progress report
    on or before ``as_of`` (their completion from the latest such report). 85 % paid and works 30 % done
    is 55 pp.

    **Method.** Graded ≥ ``warning`` (30 pp) and ≥ ``alert`` (50 pp). A negative value (results ahead
    of the money) is ok. The scan's ``values/PRF03`` holds every assessed project with its rate and
    completion: the scatter of the report's 绩效 section.

    **Exclusions.** Completed years (PRF04, PRF05 judge them); projects with no adjusted budget; targets
    other than cumulative output targets (``le``/``eq`` targets, rates and satisfaction do not grow with
    the money); targets with no report yet; reports dated after ``as_of``.
    """
    t = target_status(ctx)
    t = t.loc[(t["year"] == ctx.year) & (t["project_code"] != "") & (t["level1"] == "output")
              & (t["direction"] == "ge") & t["target_value"].notna() & (t["n_reports"] > 0)]
    if t.empty:
        raise NotAssessed(f"no output target of {ctx.year} with a progress report on or before as_of")
    g = t.groupby(_PROJECT_KEYS).agg(completion=("completion", "mean"),
                                     target_ids=("target_id", lambda s: list(s)),
                                     completions=("completion", lambda s: [round(float(x), 4) for x in s]),
                                     ).reset_index()
    ex = project_execution(ctx)
    g = g.merge(ex[[*_PROJECT_KEYS, "adjusted", "net", "rate"]], on=_PROJECT_KEYS, how="inner")
    g = g.loc[g["adjusted"] > 0]
    value = (g["rate"] - g["completion"]) * 100.0
    return pd.DataFrame({
        "subject_id": g["project_code"],
        "unit_code": g["unit_code"],
        "period": g["year"].astype(str),
        "value": value,
        "ahead": (g["rate"] - g["completion"]).clip(lower=0) * g["adjusted"],
        "rate": g["rate"],
        "completion": g["completion"],
        "adjusted": g["adjusted"],
        "net": g["net"],
        "target_ids": g["target_ids"],
        "completions": g["completions"],
    })


# ------------------------------------------------------------------------------------------ PRF04
@indicator(
    code="PRF04",
    value_unit="ratio",
    at_risk=None,
    at_risk_rule="none: a target is a result, not an amount (the project's money is in PRF03 and PRF05)",
    module="performance",
    subject_type="target",
    name_zh="绩效目标未完成",
    name_en="Performance target missed",
    reads={"performance_targets": ("target_id", "year", "unit_code", "level1", "name", "direction",
                                   "target_value")},
    grade="lt",
    why_zh="已结束年度的绩效目标未完成，说明资金没有换来承诺的产出或效益，应在下一年预算安排中体现。",
    why_en="A target of a finished year that was missed is money that did not buy what was promised; the "
    "result is meant to weigh on the next budget.",
    source="财预〔2020〕10号 (评价结果与预算安排挂钩); performance.md PRF04",
    message_zh="{unit_name} {period}年绩效目标 {subject_id}“{name}”{status_zh}",
    message_en="{unit_name}: the {period} target {subject_id} “{name}” {status_en}",
    params={
        "warning": Param("completion strictly below → warning", NON_NEGATIVE),
        "alert": Param("completion strictly below → alert", NON_NEGATIVE),
        "unreported_level": Param(
            "level of a quantitative target of a completed year with no report at all",
            LEVEL,
        ),
    },
    evidence=("project_code", "target_value", "actual", "report_date", "direction"),
)
def prf04(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRF04 绩效目标未完成 — a target of a completed year was missed.

    **What the number is.** The completion of a quantitative target (a target value and a direction) of
    a completed year, from its latest report on or before ``as_of``: ``ge`` actual / target, ``le`` 1 when
    actual ≤ target else target / actual, ``eq`` 1 − |actual − target| / |target|, capped to [0, 1].

    **Method.** Graded strictly below ``warning`` (0.90) and ``alert`` (0.60). A quantitative target of
    a completed year with no report at all is a finding at ``unreported_level`` (warning): nothing shows
    it was reached. Targets of the unit as a whole count as well as project targets.

    **Exclusions.** Qualitative targets; targets of the current year (PRF03 watches them); reports after
    ``as_of``.
    """
    t = target_status(ctx)
    t = t.loc[t["quantitative"] & (t["year"] < ctx.year)]
    if t.empty:
        raise NotAssessed(f"no quantitative target of a year before {ctx.year}")
    unreported = (t["n_reports"] == 0).to_numpy()
    c = t["completion"].to_numpy(dtype="float64")
    sign = t["direction"].map({"ge": "≥", "le": "≤", "eq": "="}).fillna("")
    unit = t["measure_unit"].astype("object").where(t["measure_unit"].notna(), "")
    target_txt = [f"{s}{v:g}{u}" for s, v, u in zip(sign, t["target_value"], unit, strict=True)]
    actual_txt = ["" if np.isnan(a) else f"{a:g}{u}" for a, u in zip(t["actual"], unit, strict=True)]
    status_zh = np.where(unreported, [f"（目标 {x}）无任何完成值报告" for x in target_txt],
                         [f"目标 {x}，实际 {a}，完成 {_pct(v)}" for x, a, v in zip(target_txt, actual_txt, c, strict=True)])
    status_en = np.where(unreported, [f"(target {x}) has no reported value" for x in target_txt],
                         [f"targets {x}, reached {a}: {_pct(v)} complete" for x, a, v in zip(target_txt, actual_txt, c, strict=True)])
    return pd.DataFrame({
        "subject_id": t["target_id"],
        "unit_code": t["unit_code"],
        "period": t["year"].astype(str),
        "value": c,
        "level": np.where(unreported, str(p["unreported_level"]), None),
        "name": t["name"].astype(str),
        "level1": t["level1"],
        "project_code": t["project_code"],
        "direction": t["direction"],
        "target_value": t["target_value"],
        "actual": t["actual"],
        "report_date": t["report_date"],
        "status_zh": status_zh,
        "status_en": status_en,
    })


# ------------------------------------------------------------------------------------------ PRF05
@indicator(
    code="PRF05",
    value_unit="score",
    at_risk="adjusted",
    at_risk_rule="the project-year's adjusted budget: the money whose reported result is in doubt or poor",
    module="performance",
    subject_type="project",
    name_zh="绩效自评偏差",
    name_en="Self-evaluation off",
    reads={"performance_evaluations": ("evaluation_id", "year", "unit_code", "project_code", "kind",
                                       "evaluation_date"),
           "performance_targets": ("target_id", "year", "unit_code", "project_code", "level1"),
           "performance_progress": ("target_id", "report_date", "actual_value"),
           "budget": ("year", "unit_code", "function_code", "economic_code", "project_code", "original_amount"),
           "payments": ("pay_date", "unit_code", "function_code", "economic_code", "amount")},
    grade="ge",
    why_zh="单位自评分明显高于按执行率和目标完成情况计算的得分，自评“打高分”掩盖问题；自评为差或中说明资金使用效益低。",
    why_en="A self-evaluation well above the score the unit's own figures give hides problems behind a good "
    "grade; a self-evaluation of 差 or 中 admits the money worked poorly.",
    source="财预〔2020〕10号 (单位自评: 预算执行率 10 分, 产出 50 分, 效益 30 分, 满意度 10 分; 优良中差); performance.md PRF05",
    message_zh="{unit_name} 项目 {subject_id} {period}年自评 {reported:g} 分（{grade}），按执行率和目标完成情况计算 "
               "{computed:.1f} 分，{gap_zh}",
    message_en="{unit_name}: project {subject_id} self-evaluated {reported:g} ({grade}) for {period}; its execution "
    "and targets give {computed:.1f}: {gap_en}",
    params={
        "alert": Param(
            "points of the reported self-evaluation score above the computed score → alert",
            NON_NEGATIVE,
        ),
        "poor_level": Param("level of a self-evaluation graded 差", LEVEL),
        "fair_level": Param("level of a self-evaluation graded 中", LEVEL),
    },
    evidence=("evaluation_id", "reported", "grade", "computed", "rate", "c_output", "c_effect", "c_satisfaction",
              "target_ids"),
)
def prf05(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRF05 绩效自评偏差 — a self-evaluation above what the figures give, or graded poor.

    **What the number is.** For a project-year of a completed year with a ``self`` evaluation (the
    latest by date): the reported score − the computed self-evaluation score, in points. Computed = 10 ×
    min(execution rate, 1) + 50 × output completion + 30 × effect completion + 10 × satisfaction
    completion (``modules.performance.self_weights``), each completion the weighted mean of the level's
    quantitative targets from their latest report on or before ``as_of`` (a target with no report counts
    0); a level with no quantitative target gives its points to the others in proportion. A project
    that spent 40 %, reached half its output and all its other targets computes 4 + 25 + 30 + 10 = 69.

    **Method.** A gap ≥ ``alert`` (15 points) is an alert (an inflated self-evaluation). Otherwise the
    grade — as reported, or from the score when empty (优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差;
    ``modules.performance.grade_bounds``) — is a finding when 差 (``poor_level``, alert) or 中
    (``fair_level``, warning).

    **Exclusions.** The current year (not finished); project-years without a ``self`` evaluation or
    without a score and grade; evaluations of the unit as a whole (no project code). Not assessed
    without ``performance_progress``: with no reported value at all there is nothing to score.
    """
    ev = ctx.tables["performance_evaluations"]
    ev = ev.loc[(ev["kind"] == "self") & (ev["year"].astype("int64") < ctx.year)].copy()
    ev["project_code"] = ev["project_code"].astype("str").fillna("") if "project_code" in ev else ""
    ev = ev.loc[ev["project_code"] != ""]
    if ev.empty:
        raise NotAssessed(f"no project self-evaluation of a year before {ctx.year}")
    ev["year"] = ev["year"].astype("int64")
    ev["unit_code"] = ev["unit_code"].astype("str")
    ev = ev.sort_values([*_PROJECT_KEYS, "evaluation_date", "evaluation_id"], kind="mergesort")
    ev = ev.drop_duplicates(_PROJECT_KEYS, keep="last")
    bounds = {str(k): float(v) for k, v in ctx.params.module("performance")["grade_bounds"].items()}
    score = ev["score"] if "score" in ev else pd.Series(np.nan, index=ev.index)
    given = ev["grade"] if "grade" in ev else pd.Series(np.nan, index=ev.index)
    derived = pd.Series(grade_of(score.to_numpy(dtype="float64"), bounds), index=ev.index)
    ev["grade_final"] = given.astype("object").where(given.notna(), derived)
    ev = ev.loc[score.notna() | ev["grade_final"].notna()]
    cs = computed_scores(ctx, sorted(ev["year"].unique().tolist())).rename(columns={"score": "computed"})
    m = ev.rename(columns={"score": "reported"}) if "score" in ev else ev.assign(reported=np.nan)
    m = m.merge(cs, on=_PROJECT_KEYS, how="left")
    for c in ("computed", "rate", "c_output", "c_effect", "c_satisfaction", "adjusted"):
        if c not in m:
            m[c] = np.nan
    if "target_ids" not in m:
        m["target_ids"] = None
    reported = m["reported"].to_numpy(dtype="float64")
    computed = m["computed"].to_numpy(dtype="float64")
    gap = reported - computed
    alert = float(p["alert"]) if p["alert"] is not None else np.inf
    grade = m["grade_final"].to_numpy(dtype=object)
    with np.errstate(invalid="ignore"):
        inflated = gap >= alert - 1e-9
    by_grade = np.where(grade == "差", str(p["poor_level"]), np.where(grade == "中", str(p["fair_level"]), ""))
    # an inflated score is graded by the registry (value ≥ alert); otherwise the grade decides; a
    # self-evaluation with no computable gap and a good grade is ok
    level = np.where(inflated, None, np.where(by_grade != "", by_grade, np.where(np.isnan(gap), "ok", None)))
    gap_zh = [f"自评虚高 {g:.1f} 分" if inf else f"自评等级为“{gr}”" if bg else f"相差 {g:.1f} 分"
              for g, inf, gr, bg in zip(gap, inflated, grade, by_grade, strict=True)]
    gap_en = [f"inflated by {g:.1f} points" if inf else f"graded {gr}" if bg else f"{g:.1f} points apart"
              for g, inf, gr, bg in zip(gap, inflated, grade, by_grade, strict=True)]
    return pd.DataFrame({
        "subject_id": m["project_code"],
        "unit_code": m["unit_code"],
        "period": m["year"].astype(str),
        "value": gap,
        "level": level,
        "evaluation_id": m["evaluation_id"].astype(str),
        "reported": reported,
        "grade": m["grade_final"].astype(str),
        "computed": computed,
        "rate": m["rate"].to_numpy(dtype="float64"),
        "c_output": m["c_output"].to_numpy(dtype="float64"),
        "c_effect": m["c_effect"].to_numpy(dtype="float64"),
        "c_satisfaction": m["c_satisfaction"].to_numpy(dtype="float64"),
        "adjusted": m["adjusted"].to_numpy(dtype="float64"),
        "target_ids": m["target_ids"],
        "gap_zh": gap_zh,
        "gap_en": gap_en,
    })


# ------------------------------------------------------------------------------------------ PRF06
@indicator(
    code="PRF06",
    value_unit="flag",
    at_risk="adjusted",
    at_risk_rule="the new project's adjusted budget in its first year: money committed without an ex-ante "
    "evaluation",
    module="performance",
    subject_type="project",
    name_zh="事前绩效评估缺失",
    name_en="No ex-ante evaluation",
    reads={"budget": ("year", "unit_code", "function_code", "economic_code", "project_code", "original_amount"),
           "payments": ("pay_date", "unit_code", "function_code", "economic_code", "amount"),
           "performance_evaluations": ("evaluation_id", "project_code", "kind", "evaluation_date")},
    grade="flag",
    why_zh="重大新增项目未开展事前绩效评估即安排预算并支付，立项必要性和投入经济性未经论证，资金使用风险高。",
    why_en="A large new project funded and paid without an ex-ante evaluation was never tested for need, "
    "feasibility or cost before the money was committed.",
    source="中共中央 国务院 关于全面实施预算绩效管理的意见 (2018) 建立重大政策和项目事前绩效评估机制; "
    "财预〔2020〕10号; performance.md PRF06",
    message_zh="{unit_name} 新增项目 {subject_id}（{period}年预算 {adjusted:,.2f} 元）{status_zh}",
    message_en="{unit_name}: new project {subject_id} ({adjusted:,.2f} budgeted in {period}) {status_en}",
    params={
        "min_budget": Param(
            "new projects with a first-year adjusted budget below this (yuan) are left out",
            NON_NEGATIVE,
        ),
        "level": Param("level of a new project with no ex-ante evaluation and no payment yet", LEVEL),
        "paid_level": Param(
            "level when the project has been paid with no ex-ante evaluation before its first payment",
            LEVEL,
        ),
    },
    money=("min_budget",),
    evidence=("first_payment", "evaluation_ids", "paid"),
)
def prf06(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """PRF06 事前绩效评估缺失 — a large new project with no ex-ante evaluation.

    **What the number is.** For a new project — its project code has no budget line in any earlier
    year of the data — with a first-year adjusted budget ≥ ``min_budget`` (5,000,000): 1 when it has no
    ``ex_ante`` evaluation dated before its first payment (on or before ``as_of`` when it has not been
    paid yet), else 0.

    **Method.** The first payment is the earliest payment carrying the project code up to ``as_of``.
    Without an evaluation: ``level`` (warning) while unpaid, ``paid_level`` (alert) once paid. An
    ex-ante evaluation dated on or after the first payment does not count: it came too late to weigh on
    the decision. Subject: the project; period: its first budget year.

    **Exclusions.** Projects already budgeted in the first year of the data (nothing shows whether
    they are new); first years after ``as_of``.
    """
    ex = project_execution(ctx)
    if ex.empty:
        raise NotAssessed("no budget lines with a project code")
    first_data_year = int(ctx.budget["year"].min())
    first = ex.sort_values(["project_code", "year"], kind="mergesort").drop_duplicates("project_code")
    first = first.loc[(first["year"] > first_data_year) & (first["year"] <= ctx.year)
                      & (first["adjusted"] >= float(p["min_budget"]))]
    if first.empty:
        raise NotAssessed("no new project at or above min_budget after the first year of the data")
    pay = ctx.payments
    pay = pay.loc[pay["project_code"].astype("str") != "", ["project_code", "pay_date", "amount"]]
    pay = pay.assign(project_code=pay["project_code"].astype("str"))
    first_pay = pay.groupby("project_code")["pay_date"].min()
    paid = pay.groupby("project_code")["amount"].sum()
    ev = ctx.tables["performance_evaluations"]
    ev = ev.loc[ev["kind"] == "ex_ante", ["evaluation_id", "project_code", "evaluation_date"]].dropna()
    ev = ev.assign(project_code=ev["project_code"].astype("str"))
    rows = []
    for r in first.itertuples(index=False):
        fp = first_pay.get(r.project_code, pd.NaT)
        cutoff = fp if not pd.isna(fp) else ctx.as_of + pd.Timedelta(days=1)
        e = ev.loc[(ev["project_code"] == r.project_code) & (ev["evaluation_date"] < cutoff)]
        late = ev.loc[(ev["project_code"] == r.project_code) & (ev["evaluation_date"] >= cutoff)
                      & (ev["evaluation_date"] <= ctx.as_of)]
        missing = e.empty
        is_paid = not pd.isna(fp)
        level = "ok" if not missing else (str(p["paid_level"]) if is_paid else str(p["level"]))
        fp_txt = "" if pd.isna(fp) else fp.strftime("%Y-%m-%d")
        if late.empty:
            zh = f"无事前绩效评估，{'已于 ' + fp_txt + ' 开始支付' if is_paid else '尚未支付'}"
            en = f"has no ex-ante evaluation and {'was first paid on ' + fp_txt if is_paid else 'is not paid yet'}"
        else:
            d = late["evaluation_date"].min().strftime("%Y-%m-%d")
            zh = f"事前绩效评估 {d} 晚于首笔支付 {fp_txt}"
            en = f"was evaluated ex ante on {d}, after its first payment on {fp_txt}"
        rows.append({
            "subject_id": r.project_code, "unit_code": r.unit_code, "period": str(r.year),
            "value": float(missing), "level": level, "adjusted": float(r.adjusted),
            "paid": _money(paid.get(r.project_code, 0.0)), "first_payment": fp_txt or None,
            "evaluation_ids": sorted(ev.loc[ev["project_code"] == r.project_code, "evaluation_id"].astype(str)),
            "status_zh": zh, "status_en": en,
        })
    return pd.DataFrame(rows)
