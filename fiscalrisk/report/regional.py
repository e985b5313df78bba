"""The tables of a regional report: one region and its subtree, read from a scan directory.

The papermill template ``notebooks/regional_report.ipynb`` is thin: it validates its parameters with
:func:`validate_parameters`, opens a :class:`RegionalReport` and shows what its methods return. Every
number comes from here, and so from the scan directory alone (data contract, section 2;
``docs/scan-directory.md``): the findings, the graded values of every subject (``values/``, graded once
by the registry with each region's own parameters), the series the charts draw (``series/``) and the
names (``reference/``). A report computes no indicator and reads no raw data, so the report and the
scan cannot disagree.

Sections, in the order of the report:

========================  =====================================================================
method                    what it shows
========================  =====================================================================
``summary``               five sentences a director reads first (score, counts and money at stake,
                          changes since the last run, where, what, budget execution); ``contents``
``headline``              risk score of the region (subtree and own units), alerts, warnings
``top_findings``          the most urgent warnings and alerts of each unit (by ``priority``), with
                          how many more each unit has
``changes``               new, recurring and no longer raised findings since the last run (by finding
                          id, against ``previous_scan`` or the register's history with ``db``)
``drivers``               the indicators contributing the most points to the score
``budget_execution``      execution rate by unit against time progress (序时进度), BUD01
``execution_curve``       cumulative monthly execution of the subtree with the year-end forecast
``year_end_forecast``     the subtree's forecast year-end execution rate with its 80 % interval
``forecast_by_unit``      the same per unit (ANM05), the lowest upper bounds first
``sangong``               三公 spending, budget and actual, this year against last year (BUD05)
``contract_progress``     paid share against elapsed share of each contract's term (CON04)
``construction``          paid share against reported physical progress of each project (PRJ01)
``procurement_flags``     findings of the procurement module (Cardinal / OCP red flags)
``seal_exceptions``       findings of the e-seal module
``pefa``                  PEFA PI-1, PI-2, PI-3 letter scores and the yearly ratios behind them
``internal_control``      internal-control evaluation scores by unit (CTL01)
``alerts``                every finding of the subtree, alerts first, with its evidence
``siblings``              the region against the other regions under the same parent
========================  =====================================================================
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.params import ParamsError, validate_keys
from fiscalrisk.report.i18n import format_cell

__all__ = [
    "PARAMETERS",
    "ReportParameters",
    "RegionalReport",
    "Figure",
    "parameters_from_namespace",
    "validate_parameters",
    "read_scan",
    "region_findings",
    "write_region_findings",
    "previous_findings_file",
    "Changes",
    "CONTENTS",
    "top_findings_for_people",
    "more_text",
]

LANGUAGES: tuple[str, ...] = ("zh-CN", "en")

#: The template's parameters: name → (type, default, help). ``papermill --help-notebook`` shows the
#: same help from the annotated parameters cell.
PARAMETERS: dict[str, tuple[type, Any, str]] = {
    "region": (str, "330500", "region code (行政区划代码); the report covers the region and its subtree"),
    "as_of": (str, "", "date the report looks from, YYYY-MM-DD; empty: the scan's as_of (must match it)"),
    "scan_dir": (str, "scan", "scan directory (fiscalrisk scan --out), relative to the working directory"),
    "data_dir": (str, "", "not read (the scan directory holds everything since scan format 2); accepted so "
                          "older command lines still run"),
    "language": (str, "zh-CN", "zh-CN or en"),
    "top_n": (int, 20, "rows shown in ranked tables (the alert list shows every alert)"),
    "db": (str, "", "the alert register's database URL (fiscalrisk register); empty: no closed-loop section"),
    "previous_scan": (str, "", "the previous run's scan directory (or a folder with its findings.parquet), to "
                               "tell new findings from recurring and no longer raised ones; empty: none "
                               "(with db, the register's history is used instead)"),
}


def _problem(name: str, where: str, expected: str, given: str) -> str:
    """The sentence shape of every parameter problem (as :mod:`fiscalrisk.params` writes them)."""
    return f"parameter '{name}' of the regional report in {where}: expected {expected}, got {given}"


@dataclass(frozen=True)
class ReportParameters:
    """Validated notebook parameters (paths made absolute)."""

    region: str
    as_of: str
    scan_dir: Path
    data_dir: Path | None
    language: str
    top_n: int
    db: str = ""
    previous_scan: Path | None = None


def parameters_from_namespace(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters a notebook defined: user variables holding plain values.

    papermill injects parameters as assignments in a cell after the ``parameters`` cell; an unknown
    name there only raises a warning in papermill. Called in the first cell after them, with
    ``globals()``, this returns every plain value the notebook's cells have bound so far (the
    parameters and whatever papermill injected), so that :func:`validate_parameters` can refuse the
    unknown ones. IPython's own names (``In``, ``Out``, ``_``, ``_i1`` …), modules, functions and
    classes are left out.
    """
    ipython_names = {"In", "Out", "exit", "quit", "get_ipython", "display"}
    plain = (str, int, float, bool, list, dict, tuple, type(None))
    return {
        k: v
        for k, v in namespace.items()
        if not k.startswith("_") and k not in ipython_names and isinstance(v, plain)
    }


def validate_parameters(values: Mapping[str, Any], where: str = "notebook parameters") -> ReportParameters:
    """Check the notebook's parameters; raise :class:`ParamsError` listing every problem.

    Unknown names are refused with a "did you mean" (a typo must stop the run, not fall back to a
    default); types, the language, the date, the scan directory (its manifest, of this scan format) and
    the region are checked. ``data_dir`` is accepted and not read.
    """
    from fiscalrisk.scan import SCAN_FORMAT
    validate_keys(values, PARAMETERS.keys(), where, what="the regional report")
    merged = {name: spec[1] for name, spec in PARAMETERS.items()}
    merged.update(values)
    problems: list[str] = []
    for name, (kind, _default, _help) in PARAMETERS.items():
        v = merged[name]
        if kind is int and (isinstance(v, bool) or not isinstance(v, int)):
            problems.append(_problem(name, where, "a whole number", repr(v)))
        elif kind is str and not isinstance(v, str):
            if name == "region" and isinstance(v, int) and not isinstance(v, bool):
                merged[name] = str(v)
            else:
                problems.append(_problem(name, where, "text", repr(v)))
    if problems:
        raise ParamsError(problems)
    if merged["language"] not in LANGUAGES:
        problems.append(_problem("language", where, "one of zh-CN, en", repr(merged["language"])))
    if merged["top_n"] < 1:
        problems.append(_problem("top_n", where, "a whole number ≥ 1", repr(merged["top_n"])))
    as_of = merged["as_of"].strip()
    if as_of:
        try:
            as_of = dt.date.fromisoformat(as_of).isoformat()
        except ValueError:
            problems.append(_problem("as_of", where, "a date YYYY-MM-DD or empty", repr(merged["as_of"])))
    scan_dir = Path(merged["scan_dir"]).expanduser().resolve()
    manifest: dict[str, Any] = {}
    if not (scan_dir / "manifest.json").is_file():
        problems.append(_problem("scan_dir", where, "a scan directory (with manifest.json)", repr(merged["scan_dir"])))
    else:
        try:
            manifest = json.loads((scan_dir / "manifest.json").read_text(encoding="utf-8"))
        except ValueError:
            manifest = {}
        fmt = manifest.get("scan_format") if isinstance(manifest, dict) else None
        if fmt != SCAN_FORMAT:
            problems.append(_problem(
                "scan_dir", where, f"a scan directory of scan format {SCAN_FORMAT} (one written by an older "
                "fiscalrisk is not read: run `fiscalrisk scan DATA_DIR --out SCAN_DIR` again)",
                f"{merged['scan_dir']!r} of scan format {1 if fmt is None else fmt}"))
        elif as_of and manifest.get("as_of") and as_of != manifest["as_of"]:
            problems.append(_problem("as_of", where, f"the scan's date {manifest['as_of']} (or empty)", repr(as_of)))
        as_of = as_of or str(manifest.get("as_of") or "")
    data_dir = Path(merged["data_dir"]).expanduser().resolve() if merged["data_dir"] else None
    previous = Path(merged["previous_scan"]).expanduser().resolve() if merged["previous_scan"].strip() else None
    if previous is not None and previous_findings_file(previous) is None:
        problems.append(_problem("previous_scan", where, "a scan directory or a folder with findings.parquet "
                                 "or findings.csv", repr(merged["previous_scan"])))
    region = str(merged["region"]).strip()
    if not problems:
        known = _region_codes(scan_dir)
        if known and region not in known:
            shown = ", ".join(sorted(known)[:12]) + (" …" if len(known) > 12 else "")
            problems.append(_problem("region", where, f"a region of the scan ({shown})", repr(region)))
    if problems:
        raise ParamsError(problems)
    return ReportParameters(region=region, as_of=as_of, scan_dir=scan_dir, data_dir=data_dir,
                            language=merged["language"], top_n=int(merged["top_n"]), db=merged["db"].strip(),
                            previous_scan=previous)


def previous_findings_file(folder: Path) -> Path | None:
    """The findings file of a previous run's scan directory (Parquet first), or None."""
    for name in ("findings.parquet", "findings.csv"):
        if (folder / name).is_file():
            return folder / name
    return None


@dataclass(frozen=True)
class Changes:
    """What changed since the last run, by stable finding id (warnings and alerts of the subtree).

    ``basis``: ``register`` (the alert register's history: first and last seen of every case),
    ``previous`` (the previous run's scan), or ``""`` (nothing to compare with: every count is None).
    ``since``: the date of the run compared with. ``gone``: the findings of that run no longer raised
    (columns of the findings table, as far as the basis keeps them).
    """

    basis: str
    since: str
    new: frozenset[str]
    recurring: frozenset[str]
    gone: pd.DataFrame

    def status(self, finding_id: str, language: str) -> str:
        if not self.basis:
            return ""
        new = finding_id in self.new
        if language == "zh-CN":
            return "新增" if new else "持续"
        return "new" if new else "recurring"


def _region_codes(scan_dir: Path) -> set[str]:
    path = scan_dir / "scores.csv"
    if not path.is_file():
        return set()
    s = pd.read_csv(path, dtype="str", keep_default_na=False, usecols=["subject_type", "subject_id"])
    return set(s.loc[s["subject_type"] == "region", "subject_id"])


# ----------------------------------------------------------------------------------- scan files
@dataclass(frozen=True)
class ScanTables:
    """The files of a scan directory, read back with their contract dtypes."""

    findings: pd.DataFrame
    assessed: pd.DataFrame
    pefa: pd.DataFrame
    pefa_scores: pd.DataFrame
    scores: pd.DataFrame
    manifest: dict[str, Any]


def read_scan(scan_dir: str | os.PathLike[str]) -> ScanTables:
    """Read a scan directory (codes as strings; ``level`` the ordered categorical)."""
    from fiscalrisk.cells import read_csv
    from fiscalrisk.scan import read_findings

    d = Path(scan_dir)
    codes = {"region_code": "str", "subject_id": "str", "unit_code": "str", "window": "str"}

    def csv(name: str) -> pd.DataFrame:
        path = d / name
        if not path.is_file():
            return pd.DataFrame()
        return read_csv(path, dtype=codes)

    findings = read_findings(d / "findings.parquet" if (d / "findings.parquet").is_file() else d / "findings.csv")
    for c in ("region_code", "unit_code", "subject_id", "period", "evidence"):
        findings[c] = findings[c].astype("str").fillna("")
    pefa_scores = read_csv(d / "pefa_scores.csv", dtype="str", keep_default_na=False) \
        if (d / "pefa_scores.csv").is_file() else pd.DataFrame()
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    return ScanTables(findings=findings, assessed=csv("assessed.csv"), pefa=csv("pefa.csv"),
                      pefa_scores=pefa_scores, scores=csv("scores.csv"), manifest=manifest)


def _subtree_of(tree: Any, region: str) -> list[str]:
    """The region and every region below it (the region alone without a tree)."""
    return tree.subtree(region) if tree is not None else [region]


def region_findings(scan_dir: str | os.PathLike[str] | ScanTables, region: str, tree: Any = None) -> pd.DataFrame:
    """The findings of ``region`` and its subtree, by ``priority`` (1 first: alerts, then warnings, then
    notes; within a level the largest amount at risk first; see :func:`fiscalrisk.findings.priority_ranks`).

    ``scan_dir`` is a scan directory or the :class:`ScanTables` already read from one.
    """
    scan = scan_dir if isinstance(scan_dir, ScanTables) else read_scan(scan_dir)
    codes = set(_subtree_of(tree, str(region)))
    f = scan.findings.loc[scan.findings["region_code"].isin(codes)].copy()
    f = f.sort_values(["priority", "finding_id"], kind="mergesort")
    return f.reset_index(drop=True)


# Column labels of the tables shown to people (findings workbook, report tables).
_COLUMNS: dict[str, tuple[str, str]] = {
    "finding_id": ("编号", "ID"),
    "priority": ("优先级", "Priority"),
    "more": ("其余", "More"),
    "level": ("等级", "Level"),
    "indicator": ("指标", "Indicator"),
    "indicator_name": ("指标名称", "Indicator name"),
    "module": ("模块", "Module"),
    "region_code": ("区划代码", "Region code"),
    "region_name": ("地区", "Region"),
    "unit_code": ("单位代码", "Unit code"),
    "unit_name": ("单位", "Unit"),
    "subject_type": ("对象类型", "Subject type"),
    "subject_id": ("对象", "Subject"),
    "period": ("期间", "Period"),
    "value": ("指标值", "Value"),
    "threshold": ("阈值", "Threshold"),
    "message": ("说明", "Explanation"),
    "evidence": ("依据", "Evidence"),
    "name": ("名称", "Name"),
    "score": ("风险评分", "Risk score"),
    "score_own": ("本级评分", "Own units' score"),
    "alerts": ("红色预警", "Alerts"),
    "warnings": ("黄色预警", "Warnings"),
    "points": ("得分贡献", "Points"),
    "top_indicators": ("主要指标", "Top indicators"),
    "units": ("单位数", "Units"),
    "budget": ("调整预算（元）", "Adjusted budget (CNY)"),
    "net": ("已支付（元）", "Paid, net (CNY)"),
    "rate": ("执行率", "Execution rate"),
    "progress": ("序时进度", "Time progress"),
    "gap_pp": ("滞后（百分点）", "Behind (pp)"),
    "year": ("年度", "Year"),
    "actual": ("实际支出（元）", "Actual (CNY)"),
    "budget_prev": ("上年预算（元）", "Budget last year (CNY)"),
    "actual_prev": ("上年实际（元）", "Actual last year (CNY)"),
    "change": ("同比变化", "Change"),
    "actual_ytd": ("本年累计支出（元）", "Spent this year to date (CNY)"),
    "actual_prev_ytd": ("上年同期支出（元）", "Same period last year (CNY)"),
    "contract_id": ("合同编号", "Contract"),
    "vendor_name": ("供应商", "Vendor"),
    "amount": ("合同金额（元）", "Contract amount (CNY)"),
    "paid": ("已付（元）", "Paid (CNY)"),
    "paid_share": ("付款进度", "Paid share"),
    "elapsed_share": ("时间进度", "Elapsed share"),
    "project_code": ("项目编号", "Project"),
    "physical": ("形象进度", "Works done"),
    "forecast": ("年末预测执行率", "Forecast year-end rate"),
    "lower": ("预测下限", "Lower bound"),
    "upper": ("预测上限", "Upper bound"),
    "executed": ("当前执行率", "Executed so far"),
    "method": ("方法", "Method"),
    "window": ("评估年度", "Years assessed"),
    "is_self": ("本地区", "This region"),
    "status": ("状态", "Status"),
    "reason": ("原因", "Reason"),
    "case_id": ("案件编号", "Case"),
    "state": ("状态", "State"),
    "dispatched_on": ("下发日期", "Dispatched"),
    "due_on": ("反馈期限", "Deadline"),
    "escalated_to": ("已上报至", "Escalated to"),
    "scope": ("范围", "Scope"),
    "open": ("未办结", "Open"),
    "overdue": ("逾期", "Overdue"),
    "escalated_in": ("上报至本级", "Escalated in"),
    "dispatched": ("本期下发", "Dispatched"),
    "closed": ("本期销号", "Closed"),
    "on_time_rate": ("按期销号率", "On-time rate"),
    "median_days_to_close": ("销号天数中位数", "Median days to close"),
    "repeats": ("复发", "Repeats"),
    "amount_at_risk": ("涉及金额（元）", "Amount at risk (CNY)"),
    "amount_recovered": ("整改金额（元）", "Amount recovered (yuan)"),
    "completion": ("目标完成度", "Target completion"),
    "diverge_pp": ("钱与事偏差（百分点）", "Money ahead of results (pp)"),
    "target_id": ("绩效目标", "Target"),
    "grade": ("自评等级", "Self grade"),
    "reported": ("自评得分", "Self score"),
    "computed": ("测算得分", "Computed score"),
    "score_gap": ("自评偏差（分）", "Gap (points)"),
    "confirmed": ("确认问题", "Confirmed"),
    "dismissed": ("已排除", "Dismissed"),
    "dismissal_rate": ("排除率", "Dismissal rate"),
    "seen": ("与上次比", "Since last run"),
    "ic_score": ("内控评价得分（越高越好）", "Internal-control score (higher is better)"),
    "pi1_outturn": ("PI-1 支出总额执行率", "PI-1 aggregate expenditure outturn"),
    "pi2_function_variance": ("PI-2.1 功能分类结构偏差", "PI-2.1 composition variance by function"),
    "pi2_economic_variance": ("PI-2.2 经济分类结构偏差", "PI-2.2 composition variance by economic type"),
    "contingency_share": ("PI-2.3 预备费支出占比", "PI-2.3 contingency spent, share"),
    "pi3_revenue_outturn": ("PI-3.1 收入总额执行率", "PI-3.1 aggregate revenue outturn"),
    "pi3_revenue_variance": ("PI-3.2 收入结构偏差", "PI-3.2 revenue composition variance"),
}


def column_label(name: str, language: str) -> str:
    """The heading of column ``name`` in ``language`` (the name itself when it has no label)."""
    pair = _COLUMNS.get(name)
    if pair is None:
        return name
    return pair[0] if language == "zh-CN" else pair[1]


def _level_label(level: str, language: str) -> str:
    from fiscalrisk.report.i18n import level_label

    return level_label(str(level), language)


def _indicator_names(language: str) -> dict[str, str]:
    from fiscalrisk.indicators import registry

    return {s.code: (s.name_zh if language == "zh-CN" else s.name_en) for s in registry.specs()}


def findings_for_people(findings: pd.DataFrame, language: str, unit_names: Mapping[str, str],
                        region_names: Mapping[str, str]) -> pd.DataFrame:
    """Findings as unit officers read them: labelled columns, the message in ``language``."""
    names = _indicator_names(language)
    out = pd.DataFrame({
        "level": [_level_label(v, language) for v in findings["level"].astype("str")],
        "priority": findings["priority"].to_numpy(),
        "indicator": findings["indicator"].to_numpy(),
        "indicator_name": findings["indicator"].map(names).fillna("").to_numpy(),
        "region_code": findings["region_code"].to_numpy(),
        "region_name": findings["region_code"].map(region_names).fillna("").to_numpy(),
        "unit_code": findings["unit_code"].to_numpy(),
        "unit_name": findings["unit_code"].map(unit_names).fillna("").to_numpy(),
        "subject_type": findings["subject_type"].to_numpy(),
        "subject_id": findings["subject_id"].to_numpy(),
        "period": findings["period"].to_numpy(),
        "value": findings["value"].to_numpy(),
        "threshold": findings["threshold"].to_numpy(),
        "amount_at_risk": findings["amount_at_risk"].to_numpy(),
        "message": (findings["message_zh"] if language == "zh-CN" else findings["message_en"]).to_numpy(),
        "evidence": findings["evidence"].to_numpy(),
        "finding_id": findings["finding_id"].to_numpy(),
    })
    return out.rename(columns={c: column_label(c, language) for c in out.columns})


def more_text(n: int, language: str) -> str:
    """"另有 12 条" / "and 12 more": the findings of a unit (or a list) that are not shown."""
    return f"另有 {int(n):,} 条" if language == "zh-CN" else f"and {int(n):,} more"


def top_findings_for_people(findings: pd.DataFrame, language: str, unit_names: Mapping[str, str],
                            region_names: Mapping[str, str], *, per_unit: int = 3,
                            max_units: int | None = None) -> tuple[pd.DataFrame, Any]:
    """The ``per_unit`` most urgent warnings and alerts of each unit (:func:`fiscalrisk.findings.top_findings`)
    as people read them, and the :class:`~fiscalrisk.findings.TopFindings` they come from.

    Columns (English names; :func:`column_label` translates): priority, unit_name, level, indicator,
    indicator_name, amount_at_risk, period, message, more ("另有 N 条" / "and N more" on a unit's last
    row when it has more findings than shown, else empty), finding_id. A region-level finding is listed
    under its region's name.
    """
    from fiscalrisk.findings import top_findings

    top = top_findings(findings, per_unit=per_unit, max_units=max_units)
    r = top.rows
    names = _indicator_names(language)
    last = (r["group"] != r["group"].shift(-1)).to_numpy() if len(r) else []
    who = [(unit_names.get(u) or u) if u else (region_names.get(g) or g)
           for u, g in zip(r["unit_code"].astype("str"), r["group"].astype("str"), strict=True)]
    out = pd.DataFrame({
        "priority": r["priority"].astype("int64").to_numpy(),
        "unit_name": who,
        "level": [_level_label(v, language) for v in r["level"].astype("str")],
        "indicator": r["indicator"].to_numpy(),
        "indicator_name": r["indicator"].map(names).fillna("").to_numpy(),
        "amount_at_risk": r["amount_at_risk"].astype("float64").to_numpy(),
        "period": r["period"].to_numpy(),
        "message": (r["message_zh"] if language == "zh-CN" else r["message_en"]).to_numpy(),
        "more": [more_text(m, language) if end and m > 0 else ""
                 for m, end in zip(r["more"], last, strict=True)],
        "finding_id": r["finding_id"].to_numpy(),
    })
    return out, top


def _names_from_scores(scores: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    if scores.empty:
        return {}, {}
    units = scores.loc[scores["subject_type"] == "unit"]
    regions = scores.loc[scores["subject_type"] == "region"]
    return (dict(zip(units["subject_id"], units["name"].astype("str"), strict=True)),
            dict(zip(regions["subject_id"], regions["name"].astype("str"), strict=True)))


def write_region_findings(scan_dir: str | os.PathLike[str] | ScanTables, region: str,
                          path: str | os.PathLike[str], *, tree: Any = None, language: str = "zh-CN") -> Path:
    """Write the findings workbook of ``region`` (its subtree) for the unit officers.

    The first sheet leads with the three most urgent warnings and alerts of each unit (by
    ``priority``; units in the order of their most urgent finding) and says on a unit's last row how
    many more it has ("另有 N 条" / "and N more"); the second lists every finding by priority with the
    message in ``language`` and the evidence; the third counts them per unit. Byte-identical for the
    same scan.
    """
    from fiscalrisk.workbook import write_xlsx

    scan = scan_dir if isinstance(scan_dir, ScanTables) else read_scan(scan_dir)
    f = region_findings(scan, region, tree)
    unit_names, region_names = _names_from_scores(scan.scores)
    people = findings_for_people(f, language, unit_names, region_names)
    top, _ = top_findings_for_people(f, language, unit_names, region_names)
    top = top.rename(columns={c: column_label(c, language) for c in top.columns})
    counts = (
        f.assign(unit=f["unit_code"].where(f["unit_code"] != "", f["region_code"]))
        .groupby("unit", sort=True)["level"].value_counts().unstack(fill_value=0)
        .reindex(columns=["alert", "warning"], fill_value=0).reset_index()
    ) if len(f) else pd.DataFrame({"unit": [], "alert": [], "warning": []})
    counts.columns = [str(c) for c in counts.columns]
    counts.insert(1, "name", counts["unit"].map(lambda c: unit_names.get(c) or region_names.get(c, "")))
    counts = counts.rename(columns={"unit": column_label("unit_code", language), "name": column_label("name", language),
                                    "alert": column_label("alerts", language),
                                    "warning": column_label("warnings", language)})
    sheets = {"重点预警" if language == "zh-CN" else "top findings": top,
              "预警清单" if language == "zh-CN" else "findings": people,
              "按单位汇总" if language == "zh-CN" else "by unit": counts}
    return write_xlsx(sheets, path)


# ------------------------------------------------------------------------------------- figures
#: Mimetype of the Vega-Lite spec kept beside each figure's SVG. A ``+json`` type, so that nbformat
#: stores the spec as JSON (altair 6's own ``application/vnd.vegalite.v6.json`` would have to be text).
SPEC_MIMETYPE = "application/vnd.vegalite.v6+json"


class Figure:
    """A chart for a static report: inline SVG, with its Vega-Lite spec alongside.

    Displayed in a notebook it offers ``image/svg+xml`` (what the HTML report shows: no script,
    nothing fetched) and the Vega-Lite spec under :data:`SPEC_MIMETYPE` (front ends without a
    renderer for it show the SVG; an export renders PNG and SVG files from it). ``name`` identifies
    the figure in the export.
    """

    def __init__(self, chart: Any, name: str) -> None:
        from fiscalrisk.report.charts import render_offline

        self.name = name
        self.spec: dict[str, Any] = chart.to_dict()
        self.svg: str = str(render_offline(chart, "svg"))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        data = {"image/svg+xml": self.svg, SPEC_MIMETYPE: self.spec, "text/plain": f"<figure {self.name}>"}
        return data, {"fiscalrisk": {"figure": self.name}}


#: columns whose short values must not wrap one character a line ("红色预警", codes, periods)
_NO_WRAP = frozenset({"level", "indicator", "period", "seen", "year", "priority"})


class Table:
    """A table for the report: localized headings and number formats, stable HTML (no random ids)."""

    def __init__(self, frame: pd.DataFrame, language: str, formats: Mapping[str, str] | None = None,
                 caption: str = "") -> None:
        self.frame, self.language, self.formats, self.caption = frame, language, dict(formats or {}), caption

    def to_html(self) -> str:
        df = self.frame
        if df.empty:
            text = "无" if self.language == "zh-CN" else "None"
            return f'<p class="fr-empty">{html.escape(self.caption + " " if self.caption else "")}{text}</p>'
        e = html.escape
        head = "".join(f"<th>{e(column_label(c, self.language))}</th>" for c in df.columns)
        rows = []
        for rec in df.itertuples(index=False):
            cells = []
            for col, v in zip(df.columns, rec, strict=True):
                text, num = format_cell(v, self.formats.get(col))
                if num:
                    cells.append(f'<td class="num">{e(text)}</td>')
                elif col in _NO_WRAP:
                    cells.append(f'<td class="nw">{e(text)}</td>')
                else:
                    cells.append(f"<td>{e(text)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        cap = f"<caption>{e(self.caption)}</caption>" if self.caption else ""
        return (f'<table class="fr-table">{cap}<thead><tr>{head}</tr></thead><tbody>'
                + "".join(rows) + "</tbody></table>")

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:  # no memory address: executed notebooks stay byte-identical
        return f"<table: {len(self.frame)} rows × {len(self.frame.columns)} columns>"


_MONTH_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


# -------------------------------------------------------------------------------------- report
_TEXT: dict[str, tuple[str, str]] = {
    "title": ("{name} 财政风险监测报告", "Fiscal risk report: {name}"),
    "scope": ("范围：{name}（{code}）及其下级地区，{n} 个地区、{units} 个预算单位；数据截至 {as_of}。{money}{rules}",
              "Scope: {name} ({code}) and the regions below it, {n} region(s), {units} budget unit(s); data as of {as_of}. "
              "{money} {rules}"),
    "headline": ("风险评分", "Risk score"),
    "top": ("优先处理的预警（各单位前 {per_unit} 条，按优先级）",
            "Most urgent findings (the first {per_unit} of each unit, by priority)"),
    "top.note": ("共 {total} 条预警，涉及 {units} 个单位；上表列出其中 {units_shown} 个单位的 {shown} 条，另有 {more} 条"
                 "（完整清单见 findings.xlsx）。优先级：红色预警先于黄色预警，同等级按涉及金额从大到小，再按期间从新到旧。",
                 "{total} warnings and alerts in {units} unit(s); the table lists {shown} of them, in {units_shown} "
                 "unit(s), and {more} more (findings.xlsx lists them all). Priority: alerts before warnings, then the "
                 "larger amount at risk, then the later period."),
    "headline.text": ("风险评分 {score:.1f}（0–100，含下级），本级单位 {score_own:.1f}；红色预警 {alerts} 条，黄色预警 {warnings} 条。",
                      "Risk score {score:.1f} (0–100, subtree), own units {score_own:.1f}; {alerts} alert(s), {warnings} warning(s)."),
    "drivers": ("主要风险来源", "What drives the score"),
    "execution": ("预算执行与序时进度", "Budget execution against time progress (序时进度)"),
    "forecast": ("年末执行预测", "Year-end execution forecast"),
    "sangong": ("三公经费同比", "Official travel, receptions and cars (三公), year on year"),
    "contracts": ("合同付款进度", "Contract payment progress"),
    "construction": ("工程进度与支付", "Construction progress against payments"),
    "procurement": ("采购风险提示", "Procurement red flags"),
    "seals": ("用印异常", "Seal-use exceptions"),
    "pefa": ("PEFA 预算可靠性", "PEFA budget reliability"),
    "control": ("内部控制评价得分", "Internal-control scores"),
    "performance": ("预算绩效：钱与事是否同步", "Budget performance: are money and results in step?"),
    "performance.note": ("{year}年各项目预算执行率（横轴）与累计产出目标完成度（纵轴）；对角线为“钱与事同步”，"
                         "对角线右下方越远，钱花出去而事没办成越多。颜色为双监控偏差（PRF03）等级。",
                         "Each project of {year}: budget execution (x) against the completion of its cumulative "
                         "output targets (y). On the diagonal money and results are in step; the further below "
                         "it, the more money went out ahead of results. Colour: the level of PRF03."),
    "performance.out_of_step": ("钱与事偏差最大的项目", "Projects most out of step"),
    "performance.missed": ("{year}年未完成的绩效目标", "Targets missed in {year}"),
    "performance.self": ("单位自评等级与测算得分的差距", "Self-evaluation grades against the computed score"),
    "alerts": ("预警明细及依据", "Alerts with their evidence"),
    "siblings": ("与同级地区比较", "Comparison with sibling regions"),
    "loop": ("整改跟踪（闭环）", "Closed loop: from warning to closure"),
    "loop.kpis": ("整改跟踪指标（截至 {as_of}，本月）", "Monitoring KPIs (as of {as_of}, this month)"),
    "loop.overdue": ("逾期及上报案件", "Overdue and escalated cases"),
    "loop.trend": ("按月下发与销号", "Dispatched and closed by month"),
    "loop.dismissal": ("各规则排除率（审核认定非问题的比例）", "Dismissal rate per rule (the share reviewers found no problem)"),
    "loop.no_register": ("未连接预警台账（fiscalrisk report --db）", "no alert register given (fiscalrisk report --db)"),
    "summary": ("摘要", "Summary"),
    "changes": ("与上次运行相比", "Since the last run"),
    "changes.new": ("新增的预警", "New findings"),
    "changes.gone": ("不再出现的预警（已整改、已退回或数据已更正）", "No longer raised (put right, refunded or corrected)"),
    "sangong.note": ("等级由 BUD05（只减不增）评定：全年实际支出超过三公预算为红色预警，预算或全年实际高于上年为黄色预警。"
                     "本年累计与上年同期的变化仅供参考，不决定等级。",
                     "The level is BUD05's (只减不增, only down): an alert when the year's actual exceeds the 三公 budget, a "
                     "warning when the budget or the year's actual is higher than last year's. The change of spending "
                     "to date against the same period of last year is shown for reference and does not set the level."),
    "ok.collapsed": ("另有 {n} 项正常，未列出。", "{n} more at OK, not listed."),
    "ok.all": ("全部 {n} 项正常。", "All {n} at OK."),
    "not_assessed": ("未评估：{reason}", "Not assessed: {reason}"),
    "none": ("无。", "None."),
    "more": ("（共 {total} 条，显示前 {shown} 条；完整清单见 findings.xlsx）",
             "({total} in all, the first {shown} shown; the full list is in findings.xlsx)"),
}


#: The report's sections in the order of the template (each an ``<h2 id="fr-KEY">``): the contents list.
CONTENTS: tuple[str, ...] = (
    "summary", "headline", "top", "changes", "drivers", "execution", "forecast", "sangong", "contracts",
    "construction", "procurement", "seals", "performance", "pefa", "control", "alerts", "siblings", "loop",
)


class RegionalReport:
    """One region's report data: the scan directory's files, restricted to the subtree.

    ``RegionalReport.from_parameters(validate_parameters(...))`` in the template; every method
    returns a DataFrame with stable English column names (``column_label`` translates them). Only the
    scan directory is read (:func:`fiscalrisk.scan.open_scan` checks it first: complete, unaltered, of
    this scan format); ``data_dir`` is accepted for older callers and not read.
    """

    def __init__(self, scan_dir: str | os.PathLike[str], region: str, *,
                 data_dir: str | os.PathLike[str] | None = None, language: str = "zh-CN", top_n: int = 20,
                 db: str = "", previous_scan: str | os.PathLike[str] | None = None) -> None:
        from fiscalrisk.hierarchy import RegionTree
        from fiscalrisk.scan import open_scan, read_reference

        self.scan_dir = Path(scan_dir)
        self.data_dir = Path(data_dir) if data_dir else None
        self.region = str(region)
        self.language = language
        self.top_n = top_n
        self.db = db
        self.previous_scan = Path(previous_scan) if previous_scan else None
        open_scan(self.scan_dir, verify=False)  # complete, of this format (the commands check the SHA-256)
        self.scan = read_scan(self.scan_dir)
        self.as_of = pd.Timestamp(self.scan.manifest["as_of"])
        self.regions = read_reference(self.scan_dir, "regions")
        self.units = read_reference(self.scan_dir, "units")
        self.tree = RegionTree.from_frame(self.regions)
        if self.region not in self.tree:
            raise ParamsError(_problem("region", "notebook parameters", "a region of the scan", repr(self.region)))
        self.subtree = self.tree.subtree(self.region)

    @classmethod
    def from_parameters(cls, p: ReportParameters) -> RegionalReport:
        return cls(p.scan_dir, p.region, data_dir=p.data_dir, language=p.language, top_n=p.top_n, db=p.db,
                   previous_scan=p.previous_scan)

    # -- inputs: the scan directory -------------------------------------------------------------
    def series(self, name: str) -> pd.DataFrame:
        """A series table of the scan (``series/<name>.parquet``), whole; callers cut it to the subtree."""
        from fiscalrisk.scan import read_series

        return read_series(self.scan_dir, name)

    @cached_property
    def params(self) -> Any:
        """The parameters the scan used for this region (recorded in the scan's manifest)."""
        from fiscalrisk.params import Params

        m = self.scan.manifest
        data = (m.get("params_by_region") or {}).get(self.region) or m.get("params")
        if not data:
            from fiscalrisk.params import resolve

            return resolve(self.region, tree=self.tree)
        return Params(data, sources=["scan manifest"], region_code=self.region)

    def text(self, key: str, **fields: Any) -> str:
        zh, en = _TEXT[key]
        if key == "scope":
            fields.setdefault("rules", self.rules_note())
        return (zh if self.language == "zh-CN" else en).format(**fields)

    def rules_note(self) -> str:
        """The rules version the scan judged by (its manifest), in a sentence: a published version's name,
        or unpublished (the params files; a scan written before rules versions too)."""
        version = str(self.scan.manifest.get("rules_version") or "unpublished")
        if self.language == "zh-CN":
            return f"规则版本 {version}。" if version != "unpublished" else "规则版本：未发布（参数文件）。"
        return f"Rules version {version}." if version != "unpublished" else "Rules version: unpublished (params files)."

    def region_name(self, code: str | None = None) -> str:
        code = code or self.region
        return self.tree.name(code) or code

    @cached_property
    def unit_names(self) -> dict[str, str]:
        u = self.units
        return dict(zip(u["unit_code"].astype("str"), u["name"].astype("str"), strict=True))

    @cached_property
    def findings(self) -> pd.DataFrame:
        f = self.scan.findings
        return f.loc[f["region_code"].isin(self.subtree)].reset_index(drop=True)

    # -- indicator values over the subtree ------------------------------------------------------
    def indicator_values(self, code: str) -> tuple[pd.DataFrame, str]:
        """Every subject the indicator assessed in the subtree, graded; ('' or why not assessed).

        Read from the scan's ``values/<code>.parquet``: the values the scan measured and the registry
        graded once, each region with its own parameters (德清县's thresholds for 德清县's subjects), so
        ``level`` here and in the findings agree. Nothing is computed again. The reason, when the
        indicator was not assessed anywhere in the subtree, comes from ``assessed.csv``.
        """
        from fiscalrisk.scan import read_values

        v = read_values(self.scan_dir, code, self.subtree)
        if v.empty:
            return pd.DataFrame(), self._not_assessed(code)
        if "unit_code" in v:
            v["unit_code"] = v["unit_code"].astype("str")
            v["unit_name"] = v["unit_code"].map(self.unit_names)
        return v, ""

    def _not_assessed(self, code: str) -> str:
        """Why ``code`` has no values in the subtree ('' when it was assessed and measured nothing)."""
        if code not in (self.scan.manifest.get("indicators") or []):
            retired = ((self.scan.manifest.get("rules") or {}).get("retired") or {}).get(code)
            if retired and str(retired) <= str(self.scan.manifest.get("as_of")):
                return f"{code} is retired from {retired} (fiscalrisk rules retire)"
            return f"{code} was not part of this scan"
        if code in set(self.params.get("switched_off") or ()):
            return f"{code} is switched off by the rules (rules version {self.scan.manifest.get('rules_version') or 'unpublished'})"
        a = self.scan.assessed
        if a.empty:
            return ""
        rows = a.loc[(a["indicator"] == code) & a["region_code"].isin(self.subtree)]
        if rows.empty or (rows["status"] == "assessed").any():
            return ""
        own = rows.loc[rows["region_code"] == self.region]
        reasons = [r for r in (own if len(own) else rows)["reason"].fillna("").astype("str") if r]
        return reasons[0] if reasons else ""

    # -- sections -------------------------------------------------------------------------------
    def headline(self) -> dict[str, Any]:
        """Score of the subtree and of the region's own units, alert and warning counts, top drivers."""
        s = self.scan.scores
        rows = s.loc[(s["subject_type"] == "region") & (s["subject_id"] == self.region)].set_index("scope")
        sub = rows.loc["subtree"] if "subtree" in rows.index else None
        own = rows.loc["own"] if "own" in rows.index else None
        lv = self.findings["level"].astype("str").value_counts()
        units = self.units
        return {
            "region": self.region,
            "name": self.region_name(),
            "level": self.tree.level(self.region),
            "as_of": self.as_of.strftime("%Y-%m-%d"),
            "score": float(sub["score"]) if sub is not None else float("nan"),
            "score_own": float(own["score"]) if own is not None else float("nan"),
            "alerts": int(lv.get("alert", 0)),
            "warnings": int(lv.get("warning", 0)),
            "regions": len(self.subtree),
            "units": int(units["region_code"].isin(self.subtree).sum()),
            "top_indicators": str(sub["top_indicators"]) if sub is not None and isinstance(sub["top_indicators"], str) else "",
            "money": self.money_note(),
        }

    def money_note(self) -> str:
        """The scan's currency, threshold scale and fiscal year, in a sentence (from its manifest)."""
        m = self.scan.manifest
        currency = str(m.get("currency") or "CNY")
        scale = m.get("threshold_scale", 1.0)
        start = int(m.get("fiscal_year_start_month") or 1)
        zh = f"金额单位：{'元' if currency == 'CNY' else currency}"
        en = f"Amounts in {currency}"
        if scale not in (None, 1, 1.0):
            zh += f"（金额阈值按 {scale:g} 折算为 {currency}）"
            en += f" (money thresholds converted at {scale:g} {currency} per yuan)"
        if start != 1:
            zh += f"；财政年度自每年 {start} 月 1 日起"
            en += f"; the fiscal year starts on 1 {_MONTH_EN[start - 1]}"
        return (zh + "。") if self.language == "zh-CN" else (en + ".")

    #: findings shown per unit at the top of the report
    per_unit: int = 3

    @cached_property
    def _top(self) -> tuple[pd.DataFrame, Any]:
        names = {r: self.region_name(r) for r in self.subtree}
        return top_findings_for_people(self.findings, self.language, self.unit_names, names,
                                       per_unit=self.per_unit, max_units=self.top_n)

    def top_findings(self) -> pd.DataFrame:
        """The ``per_unit`` (3) most urgent warnings and alerts of each unit of the subtree, for the top of
        the report: the ``top_n`` units whose most urgent finding ranks first, each with "另有 N 条" /
        "and N more" on its last row when it has more (:func:`top_findings_for_people`)."""
        top = self._top[0].copy()  # the cached ranking stays as it is: this method may be called again
        if self.changes.basis:
            top.insert(1, "seen", [self.changes.status(str(i), self.language) if i else ""
                                   for i in top["finding_id"]])
        return top.drop(columns="finding_id")

    def top_counts(self) -> dict[str, str]:
        """The figures of the sentence under the top findings (``top.note``): warnings and alerts in all,
        units, shown, units shown, and how many more."""
        top = self._top[1]
        return {"total": f"{top.total:,}", "units": f"{top.units:,}", "shown": f"{top.shown:,}",
                "units_shown": f"{top.units_shown:,}", "more": f"{top.more:,}"}

    def drivers(self) -> pd.DataFrame:
        """Points per indicator in the subtree (the score's drivers), largest first."""
        from fiscalrisk.findings import finding_points

        f = self.findings
        if f.empty:
            return pd.DataFrame(columns=["indicator", "indicator_name", "module", "alerts", "warnings", "points"])
        f = f.assign(points=finding_points(f, self.params.scores),
                     is_alert=(f["level"].astype("str") == "alert").astype("int64"),
                     is_warning=(f["level"].astype("str") == "warning").astype("int64"))
        g = f.groupby(["indicator", "module"], sort=True).agg(
            alerts=("is_alert", "sum"), warnings=("is_warning", "sum"), points=("points", "sum")).reset_index()
        g.insert(1, "indicator_name", g["indicator"].map(_indicator_names(self.language)))
        if "module" in g:
            from fiscalrisk.report.i18n import module_label

            g["module"] = [module_label(m, self.language) for m in g["module"]]
        g = g.sort_values(["points", "indicator"], ascending=[False, True], kind="mergesort")
        return g.head(self.top_n).reset_index(drop=True)

    def budget_execution(self) -> tuple[pd.DataFrame, str]:
        """BUD01 per unit of the subtree: adjusted budget, net payments, rate, time progress, gap."""
        v, reason = self.indicator_values("BUD01")
        if v.empty:
            return v, reason
        v = v.loc[v["subject_type"] == "unit"]
        out = pd.DataFrame({
            "unit_code": v["unit_code"], "unit_name": v["unit_name"], "budget": v["budget"], "net": v["net"],
            "rate": v["rate"], "progress": v["progress"], "gap_pp": v["value"],
            "level": [_level_label(x, self.language) for x in v["level"]],
        })
        return out.sort_values(["gap_pp", "unit_code"], ascending=[False, True], kind="mergesort").reset_index(drop=True), ""

    def execution_curve(self) -> pd.DataFrame:
        """Cumulative monthly execution of the subtree this year, time progress, and the forecast path.

        Columns month, executed (NaN after ``as_of``), progress (time progress at the month's end,
        capped at ``as_of``), forecast, lower, upper (the year-end forecast's straight path from the
        last actual month, as the chart draws it).
        """
        from fiscalrisk.params import time_progress
        from fiscalrisk.report.execution import execution_curve

        year = self.as_of.year
        months = list(range(1, 13))
        progress = [
            time_progress(min(pd.Timestamp(year, m, 1) + pd.offsets.MonthEnd(0), pd.Timestamp(year, 12, 31)),
                          self.params)
            for m in months
        ]
        m = self.series("monthly_regions")
        m = m.loc[(m["region_code"] == self.region) & (m["year"] == year)].set_index("month")
        budget = float(m["budget"].iloc[0]) if len(m) else 0.0
        fc = self._forecast
        forecast = None
        if fc is not None and not math.isnan(float(fc["point"])):
            forecast = (float(fc["point"]), float(fc["lower"]), float(fc["upper"]))
        curve = execution_curve(m["net"], budget, self.as_of.month, forecast)
        out = pd.DataFrame({"month": months, "executed": curve["executed"], "progress": progress})
        out[["forecast", "lower", "upper"]] = curve[["forecast", "lower", "upper"]]
        return out

    @cached_property
    def _forecast(self) -> pd.Series | None:
        """The scan's year-end forecast of the subtree (``series/forecast``), or None."""
        f = self.series("forecast")
        hit = f.loc[(f["region_code"] == self.region) & (f["year"] == self.as_of.year)]
        return hit.iloc[0] if len(hit) else None

    def year_end_forecast(self) -> pd.DataFrame:
        """The subtree's forecast year-end execution rate with its interval (method of ANM05)."""
        fc = self._forecast
        if fc is None:
            return pd.DataFrame()
        return pd.DataFrame([{
            "executed": float(fc["current"]),
            "forecast": float(fc["point"]), "lower": float(fc["lower"]), "upper": float(fc["upper"]),
            "method": str(fc["method"]),
        }])

    def forecast_by_unit(self) -> tuple[pd.DataFrame, str]:
        """ANM05 per unit: forecast year-end execution rate with its interval, lowest upper bound first."""
        v, reason = self.indicator_values("ANM05")
        if v.empty:
            return v, reason
        v = v.loc[pd.to_numeric(v["value"], errors="coerce").notna()]
        out = pd.DataFrame({
            "unit_code": v["unit_code"], "unit_name": v["unit_name"], "executed": v["current"],
            "forecast": v["point"], "lower": v["lower"], "upper": v["upper"], "method": v["method"],
            "level": [_level_label(x, self.language) for x in v["level"]],
        })
        out = out.sort_values(["upper", "unit_code"], kind="mergesort")
        return out.head(self.top_n).reset_index(drop=True), ""

    def _sangong_same_period(self) -> pd.DataFrame:
        """三公 net payments per unit and budget year, each year counted from 1 January up to the
        day and month of ``as_of`` (上年同期: the same period), over the subtree (``series/sangong``)."""
        s = self.series("sangong")
        s = s.loc[s["region_code"].isin(self.subtree), ["unit_code", "year", "actual_ytd"]]
        return s.astype({"unit_code": "str", "year": "int64"}).reset_index(drop=True)

    def sangong(self) -> tuple[pd.DataFrame, str]:
        """三公 spending per unit this year (BUD05, 只减不增): budget against last year's, and spending
        so far against the same period of last year."""
        v, reason = self.indicator_values("BUD05")
        if v.empty:
            return v, reason
        year = self.as_of.year
        v = v.loc[v["year"].astype("int64") == year].copy()
        ytd = self._sangong_same_period()
        cur = ytd.loc[ytd["year"] == year].set_index("unit_code")["actual_ytd"]
        prev = ytd.loc[ytd["year"] == year - 1].set_index("unit_code")["actual_ytd"]
        out = pd.DataFrame({
            "unit_code": v["unit_code"], "unit_name": v["unit_name"], "budget": v["budget"],
            "budget_prev": v["budget_prev"],
            "actual": v["unit_code"].map(cur).fillna(0.0), "actual_prev": v["unit_code"].map(prev).fillna(0.0),
        })
        out["change"] = (out["actual"] - out["actual_prev"]) / out["actual_prev"].where(out["actual_prev"] > 0)
        out["level"] = [_level_label(x, self.language) for x in v["level"]]
        out = out.rename(columns={"actual": "actual_ytd", "actual_prev": "actual_prev_ytd"})
        out["_l"] = v["level"].map({"alert": 0, "warning": 1}).fillna(2).to_numpy()
        out = out.sort_values(["_l", "change", "unit_code"], ascending=[True, False, True], kind="mergesort")
        return out.drop(columns="_l").reset_index(drop=True), ""

    def sangong_by_year(self) -> pd.DataFrame:
        """Subtree totals of 三公 by year: the full-year budget and the spending of the same period
        (1 January to the day of ``as_of``) in each of the last three years."""
        v, _ = self.indicator_values("BUD05")
        if v.empty:
            return pd.DataFrame(columns=["category", "year", "value"])
        year = self.as_of.year
        years = [year - 2, year - 1, year]
        budget = v.loc[v["year"].astype("int64").isin(years)].groupby(v["year"].astype("int64"))["budget"].sum()
        ytd = self._sangong_same_period()
        actual = ytd.loc[ytd["year"].isin(years)].groupby("year")["actual_ytd"].sum()
        zh = self.language == "zh-CN"
        month = self.as_of.month
        b_label = "全年预算" if zh else "Budget, full year"
        a_label = f"1–{month}月支出" if zh else f"Spent, Jan–{self.as_of.strftime('%b')}"
        rows = [{"category": b_label, "year": y, "value": float(budget.get(y, 0.0))} for y in years]
        rows += [{"category": a_label, "year": y, "value": float(actual.get(y, 0.0))} for y in years]
        return pd.DataFrame(rows)

    def _value_table(self, code: str, columns: Mapping[str, str],
                     extra: tuple[str, str, Mapping[str, str]] | None = None) -> tuple[pd.DataFrame, str]:
        """The values of ``code`` as a table (``columns``: new name → values column), largest value first.

        ``extra`` = (series name, its key column, {values column: series column}): figures the indicator
        does not keep among its values, taken from a series of the scan by the subject's id (e.g. the
        contract amount from ``series/contracts``).
        """
        v, reason = self.indicator_values(code)
        if v.empty:
            return v, reason
        if extra is not None:
            name, key, cols = extra
            table = self.series(name).drop_duplicates(key).set_index(key)
            for new, old in cols.items():
                v[new] = v["subject_id"].map(table[old]) if old in table.columns else np.nan
        out = pd.DataFrame({new: (v[old].to_numpy() if old in v.columns else np.nan) for new, old in columns.items()})
        out["level"] = [_level_label(x, self.language) for x in v["level"]]
        out["_v"] = pd.to_numeric(v["value"], errors="coerce")
        out = out.sort_values(["_v", out.columns[0]], ascending=[False, True], kind="mergesort")
        return out.drop(columns="_v").head(self.top_n).reset_index(drop=True), ""

    def contract_progress(self) -> tuple[pd.DataFrame, str]:
        """CON04 per contract: paid share against the elapsed share of the contract's term (amount and
        net paid to ``as_of`` from ``series/contracts``)."""
        return self._value_table("CON04", {
            "contract_id": "subject_id", "unit_name": "unit_name", "vendor_name": "vendor_name",
            "amount": "contract_amount", "paid": "net_paid", "paid_share": "paid_share", "elapsed_share": "elapsed_share",
            "value": "value"}, ("contracts", "contract_id", {"contract_amount": "amount", "net_paid": "paid"}))

    def construction(self) -> tuple[pd.DataFrame, str]:
        """PRJ01 per project: paid share of the budget against the reported physical progress (the
        budget from ``series/projects``)."""
        return self._value_table("PRJ01", {
            "project_code": "subject_id", "name": "name", "unit_name": "unit_name", "budget": "budget_amount",
            "paid": "paid", "paid_share": "paid_share", "physical": "progress", "gap_pp": "value"},
            ("projects", "project_code", {"budget_amount": "budget_amount"}))

    def internal_control(self) -> tuple[pd.DataFrame, str]:
        """CTL01 per unit and year: the internal-control evaluation score (0–100)."""
        v, reason = self.indicator_values("CTL01")
        if v.empty:
            return v, reason
        out = pd.DataFrame({"unit_code": v["unit_code"], "unit_name": v["unit_name"], "period": v["period"],
                            "ic_score": pd.to_numeric(v["value"], errors="coerce")})
        out["level"] = [_level_label(x, self.language) for x in v["level"]]
        return out.sort_values(["ic_score", "unit_code"], kind="mergesort").head(self.top_n).reset_index(drop=True), ""

    # -- budget performance (绩效): PRF03–PRF05 as the scan graded them ------------------------------
    def performance_points(self) -> tuple[pd.DataFrame, str]:
        """PRF03 per project of the current year: execution rate, output completion, level (the scatter)."""
        v, reason = self.indicator_values("PRF03")
        if v.empty:
            return v, reason
        out = pd.DataFrame({"project_code": v["subject_id"].astype(str), "unit_name": v["unit_name"],
                            "year": pd.to_numeric(v["period"], errors="coerce").astype("Int64"),
                            "rate": pd.to_numeric(v["rate"], errors="coerce"),
                            "completion": pd.to_numeric(v["completion"], errors="coerce"),
                            "diverge_pp": pd.to_numeric(v["value"], errors="coerce"),
                            "level": v["level"].astype(str)})
        return out.sort_values(["diverge_pp", "project_code"], ascending=[False, True], kind="mergesort",
                               ignore_index=True), ""

    def performance_out_of_step(self) -> tuple[pd.DataFrame, str]:
        """The ``top_n`` projects whose money is furthest ahead of their results (PRF03, largest first)."""
        points, reason = self.performance_points()
        if points.empty:
            return points, reason
        out = points.head(self.top_n).copy()
        out["level"] = [_level_label(x, self.language) for x in out["level"]]
        return out[["project_code", "unit_name", "rate", "completion", "diverge_pp", "level"]], ""

    def targets_missed(self) -> tuple[pd.DataFrame, str]:
        """PRF04 findings of last year (the year before ``as_of``'s): the targets missed or unreported."""
        v, reason = self.indicator_values("PRF04")
        if v.empty:
            return v, reason
        last = str(self.as_of.year - 1)
        v = v.loc[(v["period"].astype(str) == last) & v["level"].isin(["warning", "alert"])]
        out = pd.DataFrame({"target_id": v["subject_id"].astype(str), "name": v["name"].astype(str),
                            "project_code": v["project_code"].astype(str), "unit_name": v["unit_name"],
                            "completion": pd.to_numeric(v["value"], errors="coerce"),
                            "level": [_level_label(x, self.language) for x in v["level"]]})
        return out.sort_values(["completion", "target_id"], kind="mergesort", na_position="first",
                               ignore_index=True).head(self.top_n), ""

    def self_evaluations(self) -> tuple[pd.DataFrame, str]:
        """PRF05 per project-year: the reported self-evaluation (score, grade) against the computed score;
        alerts, then warnings, then the rest, each by the largest gap."""
        v, reason = self.indicator_values("PRF05")
        if v.empty:
            return v, reason
        out = pd.DataFrame({"project_code": v["subject_id"].astype(str), "unit_name": v["unit_name"],
                            "year": pd.to_numeric(v["period"], errors="coerce").astype("Int64"),
                            "grade": v["grade"].astype(str),
                            "reported": pd.to_numeric(v["reported"], errors="coerce"),
                            "computed": pd.to_numeric(v["computed"], errors="coerce"),
                            "score_gap": pd.to_numeric(v["value"], errors="coerce"),
                            "level": [_level_label(x, self.language) for x in v["level"]]})
        out["_o"] = v["level"].map({"alert": 0, "warning": 1}).fillna(2).to_numpy()
        out = out.sort_values(["_o", "score_gap", "project_code"], ascending=[True, False, True], kind="mergesort",
                              na_position="last", ignore_index=True)
        return out.drop(columns="_o").head(self.top_n), ""

    def module_findings(self, module: str) -> pd.DataFrame:
        """Findings of one module in the subtree, for people (by priority: alerts first)."""
        f = self.findings.loc[self.findings["module"] == module]
        f = f.sort_values(["priority", "finding_id"], kind="mergesort")
        return self._people(f)

    def procurement_flags(self) -> pd.DataFrame:
        return self.module_findings("procurement")

    def seal_exceptions(self) -> pd.DataFrame:
        return self.module_findings("seals")

    def _people(self, f: pd.DataFrame, evidence: bool = False) -> pd.DataFrame:
        names = _indicator_names(self.language)
        out = pd.DataFrame({
            "level": [_level_label(x, self.language) for x in f["level"].astype("str")],
            "indicator": f["indicator"].to_numpy(),
            "indicator_name": f["indicator"].map(names).to_numpy(),
            "unit_name": [self.unit_names.get(u) or self.region_name(r) if r in self.tree else u
                          for u, r in zip(f["unit_code"], f["region_code"], strict=True)],
            "subject_id": f["subject_id"].to_numpy(),
            "period": f["period"].to_numpy(),
            "message": (f["message_zh"] if self.language == "zh-CN" else f["message_en"]).to_numpy(),
        })
        if evidence:
            out["evidence"] = [_evidence_text(e, self.language) for e in f["evidence"]]
        return out

    def pefa(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(letter scores of the region and its children, yearly ratios of the region)."""
        ps = self.scan.pefa_scores
        codes = [self.region, *self.tree.children(self.region)]
        scores = ps.loc[ps["region_code"].isin(codes)].copy() if not ps.empty else ps
        if not scores.empty:
            scores.insert(1, "region_name", scores["region_code"].map(self.region_name))
            scores["_o"] = scores["region_code"].map({c: i for i, c in enumerate(codes)})
            scores = scores.sort_values("_o").drop(columns="_o").reset_index(drop=True)
        pe = self.scan.pefa
        yearly = pe.loc[pe["region_code"] == self.region].drop(columns="region_code") if not pe.empty else pe
        return scores, yearly.reset_index(drop=True)

    def alerts(self) -> pd.DataFrame:
        """Every alert of the subtree (warnings follow, up to ``top_n``), by priority, with the evidence."""
        f = self.findings.sort_values(["priority", "finding_id"], kind="mergesort")
        alerts = f.loc[f["level"].astype("str") == "alert"]
        warnings = f.loc[f["level"].astype("str") == "warning"].head(self.top_n)
        return self._people(pd.concat([alerts, warnings]), evidence=True).reset_index(drop=True)

    def siblings(self) -> pd.DataFrame:
        """The region's subtree score against the other regions under the same parent (or, for a
        root, against its children)."""
        parent = self.tree.parent(self.region)
        codes = self.tree.children(parent) if parent is not None else [self.region, *self.tree.children(self.region)]
        s = self.scan.scores
        s = s.loc[(s["subject_type"] == "region") & (s["scope"] == "subtree") & s["subject_id"].isin(codes)]
        out = pd.DataFrame({
            "region_code": s["subject_id"], "name": s["name"], "score": s["score"].astype("float64"),
            "alerts": s["alerts"].astype("int64"), "warnings": s["warnings"].astype("int64"),
            "units": s["units"].astype("int64"), "top_indicators": s["top_indicators"].fillna(""),
        })
        out["is_self"] = out["region_code"] == self.region
        return out.sort_values(["score", "region_code"], ascending=[False, True], kind="mergesort").reset_index(drop=True)

    # -- the director's first page: summary, contents, changes since the last run ---------------------
    def money(self, amount: float) -> str:
        """An amount as a reader says it, in the scan's currency (万元 / 亿元 for yuan in Chinese)."""
        from fiscalrisk.report.i18n import format_money

        currency = str(self.scan.manifest.get("currency") or "CNY")
        if currency == "CNY":
            return format_money(amount, self.language)
        return f"{currency} {amount:,.0f}"

    @cached_property
    def changes(self) -> Changes:
        """New, recurring and no longer raised warnings and alerts since the last run (:class:`Changes`).

        With ``db`` the register's history decides (a case first seen after the latest earlier ingest is
        new; cases last seen at that ingest and not raised now are gone); else the previous run's scan
        (``previous_scan``) by finding id; else nothing is compared.
        """
        from fiscalrisk.findings import RISK_LEVELS

        cur = self.findings.loc[self.findings["level"].astype("str").isin(RISK_LEVELS)]
        ids = frozenset(cur["finding_id"].astype("str"))
        empty = pd.DataFrame(columns=["finding_id", "indicator", "level", "region_code", "unit_code",
                                      "subject_id", "period", "message_zh", "message_en"])
        if self.register is not None:
            cases = self.register.cases(region=self.region, today=self.as_of.date())
            first = pd.to_datetime(cases["first_seen"]).dt.date
            last = pd.to_datetime(cases["last_seen"]).dt.date
            day = self.as_of.date()
            earlier = last.loc[last < day]
            prev = earlier.max() if len(earlier) else None
            by_id = dict(zip(cases["finding_id"].astype("str"), first, strict=True))
            if prev is None:
                new = ids
                gone = empty
            else:
                new = frozenset(i for i in ids if i not in by_id or by_id[i] > prev)
                gone = cases.loc[(last == prev) & ~cases["finding_id"].astype("str").isin(ids)]
            return Changes("register", prev.isoformat() if prev is not None else "", new, ids - new,
                           gone.reset_index(drop=True))
        path = previous_findings_file(self.previous_scan) if self.previous_scan is not None else None
        if path is None:
            return Changes("", "", frozenset(), frozenset(), empty)
        prev_f = (pd.read_parquet(path) if path.suffix == ".parquet"
                  else pd.read_csv(path, dtype=str, keep_default_na=False))
        prev_f = prev_f.loc[prev_f["level"].astype("str").isin(RISK_LEVELS)
                            & prev_f["region_code"].astype("str").isin(self.subtree)]
        prev_ids = frozenset(prev_f["finding_id"].astype("str"))
        since = ""
        manifest = self.previous_scan / "manifest.json"
        if manifest.is_file():
            try:
                since = str(json.loads(manifest.read_text(encoding="utf-8")).get("as_of") or "")
            except ValueError:
                since = ""
        gone = prev_f.loc[~prev_f["finding_id"].astype("str").isin(ids)]
        if "priority" in gone:
            gone = gone.sort_values(["priority", "finding_id"], kind="mergesort")
        return Changes("previous", since, ids - prev_ids, ids & prev_ids, gone.reset_index(drop=True))

    def changes_text(self) -> str:
        """One sentence: how many findings are new, recurring and no longer raised, and since when."""
        c = self.changes
        zh = self.language == "zh-CN"
        if not c.basis:
            return ("没有上次运行的结果可比（在同一输出目录再次运行 fiscalrisk report，或给出 --db 预警台账，"
                    "即可区分新增、持续和不再出现的预警）。" if zh else
                    "There is no earlier run to compare with (run fiscalrisk report again into the same output "
                    "folder, or give the alert register with --db, to tell new findings from recurring ones).")
        if not c.since and c.basis == "register":
            return (f"预警台账中此前没有更早的记录：{len(c.new):,} 条预警均为首次出现。" if zh else
                    f"The register holds no earlier run: all {len(c.new):,} findings are seen for the first time.")
        since = c.since or ("上次运行" if zh else "the last run")
        if zh:
            return (f"与上次运行（数据截至 {since}）相比：新增 {len(c.new):,} 条，持续 {len(c.recurring):,} 条，"
                    f"不再出现 {len(c.gone):,} 条。")
        return (f"Since the last run (data as of {since}): {len(c.new):,} new, {len(c.recurring):,} recurring, "
                f"{len(c.gone):,} no longer raised.")

    def changes_html(self) -> Any:
        """:meth:`changes_text` as a paragraph of the report."""
        from IPython.display import HTML

        return HTML(f"<p>{html.escape(self.changes_text())}</p>")

    def new_findings(self) -> pd.DataFrame:
        """The warnings and alerts first raised since the last run, by priority (empty without a basis)."""
        c = self.changes
        f = self.findings.loc[self.findings["finding_id"].astype("str").isin(c.new)]
        return self._people(f.sort_values(["priority", "finding_id"], kind="mergesort"))

    def gone_findings(self) -> pd.DataFrame:
        """The previous run's warnings and alerts no longer raised (resolved, refunded, or out of scope)."""
        g = self.changes.gone
        if g.empty:
            return pd.DataFrame()
        return self._people(g)

    def summary(self) -> list[str]:
        """The five things a director should know first, as sentences with numbers.

        1. the score, the counts and the money at stake; 2. what changed since the last run; 3. where
        (the units with the highest scores); 4. what (the indicators that drive the score, and the most
        urgent finding); 5. budget execution against time progress (序时进度).
        """
        zh = self.language == "zh-CN"
        h = self.headline()
        f = self.findings
        risky = f.loc[f["level"].astype("str").isin(("warning", "alert"))]
        at_risk = float(pd.to_numeric(risky["amount_at_risk"], errors="coerce").fillna(0).sum()) \
            if "amount_at_risk" in risky else 0.0
        out = []
        score = "—" if math.isnan(h["score"]) else f"{h['score']:.1f}"
        if zh:
            out.append(f"{h['name']}（含下级 {h['regions']} 个地区、{h['units']} 个预算单位）风险评分 {score}/100；"
                       f"红色预警 {h['alerts']:,} 条，黄色预警 {h['warnings']:,} 条，涉及金额 {self.money(at_risk)}。")
        else:
            out.append(f"{h['name']} ({h['regions']} region(s), {h['units']} budget unit(s)) has a risk score of "
                       f"{score}/100, with {h['alerts']:,} alert(s) and {h['warnings']:,} warning(s); "
                       f"{self.money(at_risk)} at risk.")
        out.append(self.changes_text())
        units = self.unit_scores()
        units = units.loc[units["score"] > 0].head(3)
        if len(units):
            parts = [(f"{r.name}（{r.score:.0f} 分，红色预警 {r.alerts} 条）" if zh else
                      f"{r.name} ({r.score:.0f}, {r.alerts} alert(s))") for r in units.itertuples()]
            out.append(("风险最集中的单位：" + "、".join(parts) + "。") if zh else
                       ("The units with the highest scores: " + "; ".join(parts) + "."))
        else:
            out.append("没有单位有预警。" if zh else "No unit has a warning or an alert.")
        drivers = self.drivers().head(3)
        if len(drivers):
            parts = [(f"{r.indicator_name}（{r.indicator}，{r.alerts + r.warnings} 条）" if zh else
                      f"{r.indicator_name} ({r.indicator}, {r.alerts + r.warnings})") for r in drivers.itertuples()]
            text = ("主要风险来源：" + "、".join(parts) + "。") if zh else ("What drives the score: " + "; ".join(parts) + ".")
            if len(risky):
                first = risky.sort_values(["priority", "finding_id"], kind="mergesort").iloc[0]
                msg = str(first["message_zh"] if zh else first["message_en"])
                text += (f"最需优先处理：{msg}" if zh else f" Most urgent: {msg}")
                text = text if text.endswith(("。", ".")) else text + ("。" if zh else ".")
            out.append(text)
        execution = self.execution_curve()
        k = self.as_of.month
        row = execution.loc[execution["month"] == k]
        rate = float(row["executed"].iloc[0]) if len(row) else float("nan")
        bud, _ = self.budget_execution()
        if not math.isnan(rate):
            progress = float(row["progress"].iloc[0])
            behind = int((pd.to_numeric(bud.get("gap_pp"), errors="coerce") >= 10).sum()) if len(bud) else 0
            if zh:
                out.append(f"预算执行：截至 {h['as_of']}，执行率 {rate:.1%}，序时进度 {progress:.1%}"
                           f"（{'落后' if rate < progress else '超前'} {abs(progress - rate) * 100:.1f} 个百分点）；"
                           f"{behind} 个单位落后序时进度 10 个百分点以上。")
            else:
                out.append(f"Budget execution at {h['as_of']}: {rate:.1%} spent against a time progress of "
                           f"{progress:.1%} ({abs(progress - rate) * 100:.1f} pp {'behind' if rate < progress else 'ahead'}); "
                           f"{behind} unit(s) 10 pp or more behind.")
        else:
            out.append("预算执行：本年没有可比的预算与支付数据。" if zh else
                       "Budget execution: no budget and payments of this year to compare.")
        return out

    def summary_html(self) -> Any:
        """The summary as a numbered list (the report's first section)."""
        from IPython.display import HTML

        items = "".join(f"<li>{html.escape(x)}</li>" for x in self.summary())
        return HTML(f'<ol class="fr-summary">{items}</ol>')

    def contents(self) -> Any:
        """The table of contents: a link to every section of the report (:data:`CONTENTS`)."""
        from IPython.display import HTML

        links = "".join(f'<li><a href="#fr-{k}">{html.escape(self.text(k, per_unit=self.per_unit))}</a></li>'
                        for k in CONTENTS)
        label = "目录" if self.language == "zh-CN" else "Contents"
        return HTML(f'<nav class="fr-toc"><strong>{label}</strong><ol>{links}</ol></nav>')

    # -- the closed loop (the alert register) ---------------------------------------------------------
    @cached_property
    def register(self) -> Any:
        """The alert register at ``db`` (None without one)."""
        if not self.db:
            return None
        from fiscalrisk.register import Register

        return Register(self.db)

    def _no_register(self) -> tuple[pd.DataFrame, str]:
        return pd.DataFrame(), self.text("loop.no_register")

    def register_kpis(self) -> tuple[pd.DataFrame, str]:
        """The register's KPIs for this region (own units and whole subtree) as of the scan's date."""
        if self.register is None:
            return self._no_register()
        from fiscalrisk.register.kpi import kpis

        table = kpis(self.register, region=self.region, as_of=self.as_of.date())
        table = table.loc[table["region_code"] == self.region].reset_index(drop=True)
        scopes = {"own": "本级", "subtree": "含下级"} if self.language == "zh-CN" else {"own": "own units",
                                                                                    "subtree": "whole subtree"}
        table["scope"] = table["scope"].map(scopes)
        return table, ""

    def overdue_cases(self) -> tuple[pd.DataFrame, str]:
        """Overdue cases of the subtree, the most late first, with the region they escalated to."""
        if self.register is None:
            return self._no_register()
        cases = self.register.cases(region=self.region, overdue=True, today=self.as_of.date())
        cols = ["case_id", "indicator", "level", "region_code", "unit_code", "state", "dispatched_on", "due_on",
                "escalated_to"]
        out = cases.sort_values(["due_on", "case_id"])[cols].reset_index(drop=True)
        if self.language == "zh-CN":
            from fiscalrisk.register.rules import STATES

            out["state"] = out["state"].map(STATES)
        out["level"] = [_level_label(v, self.language) for v in out["level"]]
        return out, ""

    def rectification_trend(self) -> tuple[pd.DataFrame, str]:
        """Cases dispatched and closed per month in the subtree (category, year = month, value)."""
        if self.register is None:
            return self._no_register()
        cases = self.register.cases(region=self.region, today=self.as_of.date())
        zh = self.language == "zh-CN"
        rows = []
        for col, label in (("dispatched_on", "下发" if zh else "dispatched"), ("closed_on", "销号" if zh else "closed")):
            days = pd.to_datetime(cases[col].dropna())
            for month, n in days.dt.strftime("%Y-%m").value_counts().sort_index().items():
                rows.append({"category": label, "year": month, "value": int(n)})
        return pd.DataFrame(rows, columns=["category", "year", "value"]), ""

    def dismissal_rates(self) -> tuple[pd.DataFrame, str]:
        """Per indicator over the subtree: confirmed, dismissed and the dismissal rate."""
        if self.register is None:
            return self._no_register()
        from fiscalrisk.register.kpi import dismissal_rates

        return dismissal_rates(self.register, region=self.region), ""

    def unit_scores(self) -> pd.DataFrame:
        """Risk scores of the subtree's units (highest first), for the ranking chart."""
        s = self.scan.scores
        s = s.loc[(s["subject_type"] == "unit") & s["region_code"].isin(self.subtree)]
        out = pd.DataFrame({"unit_code": s["subject_id"], "name": s["name"], "score": s["score"].astype("float64"),
                            "alerts": s["alerts"].astype("int64"), "warnings": s["warnings"].astype("int64")})
        return out.sort_values(["score", "unit_code"], ascending=[False, True], kind="mergesort").reset_index(drop=True)

    # -- display helpers ------------------------------------------------------------------------
    def table(self, frame: pd.DataFrame, formats: Mapping[str, str] | None = None, caption: str = "") -> Table:
        """A display table with localized headings and these number formats."""
        default = {"rate": ".1%", "progress": ".1%", "paid_share": ".1%", "elapsed_share": ".1%",
                   "change": "+.1%", "gap_pp": "+.1f", "score": ".1f", "points": ".0f", "forecast": ".1%",
                   "lower": ".1%", "upper": ".1%", "executed": ".1%", "physical": ".0f", "year": "d",
                   "completion": ".1%", "diverge_pp": "+.1f", "reported": ".1f", "computed": ".1f",
                   "score_gap": "+.1f"}
        default.update(formats or {})
        return Table(frame, self.language, default, caption)

    def heading(self, key: str, level: int = 2, **fields: Any) -> Any:
        """A section heading in the report's language."""
        from IPython.display import HTML

        anchor = f' id="fr-{key}"' if level == 2 else ""
        return HTML(f"<h{level}{anchor}>{html.escape(self.text(key, **fields))}</h{level}>")

    def paragraph(self, key: str, **fields: Any) -> Any:
        """A sentence of the report in its language."""
        from IPython.display import HTML

        return HTML(f"<p>{html.escape(self.text(key, **fields))}</p>")

    def show(self, result: pd.DataFrame | tuple[pd.DataFrame, str], formats: Mapping[str, str] | None = None,
             limit: int | None = None, exceptions_only: bool = True) -> Any:
        """A section's table, or why it was not assessed; ``limit`` rows at most (noted when cut).

        With ``exceptions_only`` (the default), rows graded OK (正常) are not listed: a sentence says how
        many there are, so the exceptions are what the reader sees.
        """
        from IPython.display import HTML

        from fiscalrisk.report.i18n import level_label

        frame, why = result if isinstance(result, tuple) else (result, "")
        if why:
            return self.paragraph("not_assessed", reason=why)
        if frame.empty:
            return self.paragraph("none")
        if exceptions_only and "level" in frame.columns:
            ok = frame["level"].astype("str") == level_label("ok", self.language)
            if ok.all():
                return self.paragraph("ok.all", n=f"{int(ok.sum()):,}")
            if ok.any():
                shown = self.show(frame.loc[~ok].reset_index(drop=True), formats, limit, exceptions_only=False)
                note = html.escape(self.text("ok.collapsed", n=f"{int(ok.sum()):,}"))
                return HTML(_html_of(shown) + f'<p class="fr-note">{note}</p>')
        if limit is not None and len(frame) > limit:
            note = html.escape(self.text("more", total=len(frame), shown=limit))
            return HTML(self.table(frame.head(limit), formats).to_html() + f'<p class="fr-note">{note}</p>')
        return self.table(frame, formats)

    def style(self) -> Any:
        """The report's stylesheet (inline: nothing is fetched)."""
        from IPython.display import HTML

        return HTML(_STYLE)

    def figure(self, chart: Any, name: str) -> Figure:
        return Figure(chart, f"{self.region}-{name}")


_STYLE = """<style>
.jp-RenderedHTMLCommon, body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
table.fr-table { border-collapse: collapse; font-size: 13px; margin: 0.5em 0 1em; }
table.fr-table th { background: #f3f5f8; text-align: left; padding: 4px 8px; border-bottom: 2px solid #cfd6df; }
table.fr-table td { padding: 3px 8px; border-bottom: 1px solid #e6e9ee; vertical-align: top; }
.jp-RenderedHTMLCommon table.fr-table th, .jp-RenderedHTMLCommon table.fr-table td { text-align: left; }
.jp-RenderedHTMLCommon table.fr-table td.num, table.fr-table td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
p.fr-note, p.fr-empty { color: #6b7785; font-size: 12px; }
table.fr-table td.nw { white-space: nowrap; }
ol.fr-summary { font-size: 15px; line-height: 1.7; padding-left: 1.4em; max-width: 70em; }
nav.fr-toc { background: #f6f8fa; border: 1px solid #e1e5ea; padding: 6px 14px; margin: 0.5em 0 1em; font-size: 13px; }
nav.fr-toc ol { columns: 3 14em; margin: 0.3em 0; padding-left: 1.4em; }
nav.fr-toc a { color: #1f5fa8; text-decoration: none; }
</style>"""


def _html_of(shown: Any) -> str:
    """The HTML of what :meth:`RegionalReport.show` returns (a :class:`Table` or an ``HTML`` object)."""
    return shown.to_html() if isinstance(shown, Table) else str(shown.data)


def _evidence_text(evidence: str, language: str = "en") -> str:
    """Evidence JSON as one readable line of labelled fields (ids and figures), for tables."""
    from fiscalrisk.report.i18n import evidence_label

    try:
        d = json.loads(evidence) if evidence else {}
    except ValueError:
        return str(evidence)
    if not isinstance(d, dict):
        return str(d)
    sep, colon = ("；", "：") if language == "zh-CN" else ("; ", ": ")
    parts = []
    for k, v in d.items():
        label = evidence_label(str(k), language)
        if isinstance(v, list):
            shown = ", ".join(map(str, v[:8])) + (f" … (+{len(v) - 8})" if len(v) > 8 else "")
            parts.append(f"{label}{colon}{shown}")
        elif isinstance(v, dict):
            parts.append(f"{label}{colon}" + ", ".join(f"{evidence_label(str(a), language)} {b}" for a, b in v.items()))
        elif isinstance(v, float):
            parts.append(f"{label}{colon}{v:,.4g}" if abs(v) < 1000 else f"{label}{colon}{v:,.2f}")
        else:
            parts.append(f"{label}{colon}{v}")
    return sep.join(parts)
