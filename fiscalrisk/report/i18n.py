"""The one message catalogue of the dashboard and the reports (zh-CN / en).

Every label a manager reads — module and level names, KPI tiles, chart titles and axes, table
headers, tab names — comes from :data:`MESSAGES`, so that a page switched to English has no Chinese
left in its chrome and vice versa (region, unit and finding texts are data and keep their own
languages: ``message_zh`` / ``message_en``).

Usage::

    from fiscalrisk.report.i18n import t
    t("module.budget", "zh-CN")            # '预算'
    t("kpi.execution", "en")               # 'Budget execution'
    t("fmt.pp", "en", value=3.2)           # '3.2 pp'

An unknown key raises :class:`KeyError` naming it: a typo in a label is a bug, not a blank tile.

It is also the one module that turns numbers into text for people: :func:`format_money`,
:func:`format_pct`, :func:`format_value` (a finding's value with its unit), :func:`format_cell` (a
report table's cell), :func:`format_number` (the dashboard's and the case desk's figures) and
:func:`format_evidence_value` (a finding's evidence).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

from fiscalrisk.findings import MODULES  # the business modules, in the order the bureau lists them

__all__ = [
    "LANGS",
    "DEFAULT_LANG",
    "MESSAGES",
    "MODULES",
    "LEVELS",
    "t",
    "normalize_lang",
    "module_label",
    "level_label",
    "missing_translations",
    "format_money",
    "format_pct",
    "format_value",
    "format_cell",
    "format_number",
    "format_evidence_value",
]

#: Supported languages, the first one is the default (the Huzhou bureau works in Chinese).
LANGS: Final[tuple[str, ...]] = ("zh-CN", "en")
DEFAULT_LANG: Final[str] = "zh-CN"


#: Finding levels shown to a manager (``ok`` is never a finding, but tiles and legends use it; ``info``
#: notes are listed with the findings but are no risk, so they have a label and no tile of their own).
LEVELS: Final[tuple[str, ...]] = ("warning", "alert")

_M = dict[str, str]


def _m(zh: str, en: str) -> _M:
    return {"zh-CN": zh, "en": en}


MESSAGES: Final[dict[str, _M]] = {
    # -- product ---------------------------------------------------------------------------------
    "app.title": _m("财政风险防控驾驶舱", "Fiscal risk dashboard"),
    "app.subtitle": _m("风险防控早知道 · 预算执行与内控监测", "Know risks early · budget execution and internal control"),
    "app.region": _m("地区", "Region"),
    "app.period": _m("期间", "Period"),
    "app.language": _m("语言", "Language"),
    "app.as_of": _m("数据截至", "Data as of"),
    "app.scan_time": _m("扫描时间", "Scanned"),
    "app.no_data": _m("暂无数据", "No data"),
    "app.not_assessed": _m("未评估", "Not assessed"),
    "app.all": _m("全部", "All"),
    "app.loading": _m("正在加载…", "Loading…"),
    "app.own_units": _m("本级单位", "own units"),
    "app.own_level": _m("{region}本级", "{region} (own)"),
    "app.with_subtree": _m("含下级", "incl. subordinate regions"),
    "app.scope_note": _m("范围：{region}及其下级地区", "Scope: {region} and its subordinate regions"),
    "app.shown_of": _m("显示 {shown} / 共 {total} 条", "Showing {shown} of {total}"),
    "app.period.year": _m("{year} 年", "{year}"),
    "app.period.ytd": _m("{year} 年 1–{month} 月", "{year}, Jan–{month_en}"),
    # -- tabs --------------------------------------------------------------------------------------
    "tab.overview": _m("总览", "Overview"),
    "tab.alerts": _m("预警明细", "Alerts"),
    "tab.pefa": _m("预算可靠性", "Budget reliability"),
    "tab.about": _m("指标说明", "Indicators"),
    "tab.loop": _m("整改跟踪", "Closed loop"),
    "tab.performance": _m("绩效", "Performance"),
    "perf.title": _m("预算绩效：钱与事是否同步（双监控）", "Budget performance: are money and results in step?"),
    "perf.intro": _m("{year}年各项目：预算执行率与累计产出目标完成度（PRF03）。对角线上钱与事同步，"
                     "越往右下方，钱花出去而事没办成越多。",
                     "Each project of {year}: budget execution against the completion of its cumulative output "
                     "targets (PRF03). On the diagonal money and results are in step; the further below it, the "
                     "more money went out ahead of results."),
    "perf.out_of_step": _m("钱与事偏差最大的项目", "Projects most out of step"),
    "perf.missed": _m("{year}年未完成的绩效目标（PRF04）", "Targets missed in {year} (PRF04)"),
    "perf.self": _m("单位自评与测算得分（PRF05）", "Self-evaluations against the computed score (PRF05)"),
    "perf.not_assessed": _m("未评估（数据中没有绩效目标或评价表）", "Not assessed (the data has no performance tables)"),
    "loop.kpis": _m("整改跟踪指标（截至 {as_of}，本月）", "Monitoring KPIs (as of {as_of}, this month)"),
    "loop.overdue": _m("逾期及上报案件", "Overdue and escalated cases"),
    "loop.dismissal": _m("各规则排除率（审核认定非问题的比例）", "Dismissal rate per rule (the share reviewers found no problem)"),
    "loop.none": _m("无。", "None."),
    "loop.no_register": _m("未连接预警台账：以 fiscalrisk dashboard --db URL 启动可显示整改跟踪。",
                           "No alert register: start with fiscalrisk dashboard --db URL to see the closed loop."),
    # -- modules -----------------------------------------------------------------------------------
    "module.budget": _m("预算", "Budget"),
    "module.payments": _m("收支", "Payments"),
    "module.procurement": _m("采购", "Procurement"),
    "module.contracts": _m("合同", "Contracts"),
    "module.projects": _m("工程", "Projects"),
    "module.assets": _m("资产", "Assets"),
    "module.seals": _m("印章", "Seals"),
    "module.outturn": _m("预算可靠性 (PEFA)", "Budget reliability (PEFA)"),
    "module.anomaly": _m("统计异常", "Statistical anomalies"),
    "module.control": _m("内控", "Internal control"),
    "module.performance": _m("绩效", "Performance"),
    # -- levels ------------------------------------------------------------------------------------
    "level.ok": _m("正常", "OK"),
    "level.info": _m("提示", "Note"),
    "level.warning": _m("黄色预警", "Warning"),
    "level.alert": _m("红色预警", "Alert"),
    # -- region levels -------------------------------------------------------------------------
    "region_level.province": _m("省", "Province"),
    "region_level.city": _m("市", "City"),
    "region_level.county": _m("区县", "County"),
    "region_level.township": _m("乡镇街道", "Township"),
    # -- subject types -------------------------------------------------------------------------
    "subject.payment": _m("支付", "Payment"),
    "subject.budget_line": _m("预算指标", "Budget line"),
    "subject.contract": _m("合同", "Contract"),
    "subject.procurement": _m("采购项目", "Procurement"),
    "subject.project": _m("工程项目", "Project"),
    "subject.asset": _m("资产", "Asset"),
    "subject.seal_event": _m("用印记录", "Seal event"),
    "subject.unit": _m("预算单位", "Budget unit"),
    "subject.region": _m("地区", "Region"),
    "subject.vendor": _m("供应商", "Vendor"),
    "subject.target": _m("绩效目标", "Performance target"),
    # -- KPI tiles -----------------------------------------------------------------------------
    "kpi.execution": _m("预算执行率", "Budget execution"),
    "kpi.execution.note": _m("序时进度 {progress}，{gap}", "time progress {progress}, {gap}"),
    "kpi.execution.ahead": _m("快于序时 {pp}", "{pp} ahead of time"),
    "kpi.execution.behind": _m("慢于序时 {pp}", "{pp} behind time"),
    "kpi.time_progress": _m("序时进度", "Time progress"),
    "kpi.open_alerts": _m("预警数", "Open alerts"),
    "kpi.open_alerts.note": _m("红色 {alert} · 黄色 {warning}", "{alert} alerts · {warning} warnings"),
    "kpi.sangong": _m("三公经费同比", "Official travel, receptions and cars (三公), year on year"),
    "kpi.sangong.note": _m("{year} 年 1–{month} 月 {amount}，上年同期 {previous}", "Jan–{month_en} {year}: {amount}; a year earlier {previous}"),
    "kpi.contract_progress": _m("合同付款进度", "Contract payment progress"),
    "kpi.contract_progress.note": _m("已付 {paid} / 合同额 {total}", "paid {paid} of {total}"),
    "kpi.project_progress": _m("工程进度与支付", "Construction vs payments"),
    "kpi.project_progress.note": _m("形象进度 {physical}，已付 {paid}", "works done {physical}, paid {paid}"),
    "kpi.risk_score": _m("风险评分", "Risk score"),
    "kpi.risk_score.note": _m("0–100，越高风险越大", "0–100, higher is riskier"),
    "kpi.risk_score.top": _m("主要来源：{names}", "Main drivers: {names}"),
    "kpi.risk_score.how": _m("各单位评分（每项指标至多 40 分，合计至多 100 分）的平均值",
                             "the mean of its units' scores (at most 40 points per indicator, 100 in all)"),
    "kpi.risk_score.all_periods": _m("按本次扫描的全部期间计算，不随期间选择变化",
                                     "computed over every period of the scan, whatever the period chosen"),
    "app.period.all": _m("全部期间", "Every period"),
    "app.period.all_money": _m("全部期间（金额为 {period}）", "every period (money: {period})"),
    # -- chart titles, axes, legends -----------------------------------------------------------
    "chart.execution.title": _m("累计预算执行进度与序时进度", "Cumulative budget execution vs time progress"),
    "chart.execution.subtitle": _m("阴影为年末执行率预测区间（80%）", "Shaded: year-end execution forecast (80% interval)"),
    "chart.execution.x": _m("月份", "Month"),
    "chart.execution.y": _m("累计执行率", "Cumulative execution rate"),
    "chart.execution.actual": _m("实际执行", "Executed"),
    "chart.execution.progress": _m("序时进度", "Time progress"),
    "chart.execution.forecast": _m("预测", "Forecast"),
    "chart.execution.series": _m("序列", "Series"),
    "chart.execution.band": _m("预测区间", "Forecast interval"),
    "chart.ranking.title": _m("单位风险评分排名", "Units ranked by risk score"),
    "chart.performance.title": _m("预算执行与绩效目标完成（双监控）", "Budget execution against target completion"),
    "chart.performance.subtitle": _m("对角线：钱与事同步；右下方：钱已花出、事未办成",
                                     "Diagonal: money and results in step; below it: money out ahead of results"),
    "chart.performance.x": _m("预算执行率", "Budget execution rate"),
    "chart.performance.y": _m("产出目标完成度", "Output target completion"),
    "chart.performance.project": _m("项目", "Project"),
    "chart.performance.gap": _m("偏差（百分点）", "Gap (pp)"),
    "chart.ranking.x": _m("风险评分", "Risk score"),
    "chart.ranking.y": _m("预算单位", "Budget unit"),
    "chart.heatmap.title": _m("各模块预警分布", "Alerts by module and region"),
    "chart.heatmap.empty": _m("本期没有预警", "No warnings or alerts in this period"),
    "chart.heatmap.x": _m("地区", "Region"),
    "chart.heatmap.y": _m("模块", "Module"),
    "chart.heatmap.count": _m("预警数", "Findings"),
    "chart.pefa.title": _m("PEFA 预算可靠性评分", "PEFA budget reliability scorecard"),
    "chart.pefa.x": _m("指标", "Indicator"),
    "chart.pefa.y": _m("地区", "Region"),
    "chart.pefa.score": _m("评分", "Score"),
    "chart.backtest.title": _m("规则变更回测：将新增与消失的预警", "Backtest of a rules change: findings that appear and disappear"),
    "chart.backtest.x": _m("预警数（左：消失，右：新增）", "Findings (left: disappear, right: appear)"),
    "chart.backtest.appear": _m("新增", "appear"),
    "chart.backtest.dismissed": _m("消失（曾被排除）", "disappear, had been dismissed"),
    "chart.backtest.confirmed": _m("消失（曾确认问题）", "disappear, had been confirmed"),
    "chart.backtest.unreviewed": _m("消失（未核实）", "disappear, not reviewed"),
    "chart.yoy.title": _m("同比变化", "Year on year"),
    "chart.yoy.x": _m("年度", "Year"),
    "chart.yoy.y": _m("金额（元）", "Amount (CNY)"),
    "chart.yoy.y_wan": _m("金额（万元）", "Amount (10,000 CNY)"),
    "chart.yoy.y_million": _m("金额（百万元）", "Amount (CNY million)"),
    "chart.level": _m("预警等级", "Level"),
    "chart.region": _m("地区", "Region"),
    "chart.unit": _m("预算单位", "Budget unit"),
    "chart.value": _m("数值", "Value"),
    "chart.count": _m("数量", "Count"),
    "chart.month_label": _m("{month}月", "{month_en}"),
    # -- PEFA dimensions -------------------------------------------------------------------------
    "pefa.PI-1": _m("PI-1 总支出执行", "PI-1 Aggregate expenditure outturn"),
    "pefa.2.1": _m("2.1 功能分类支出结构偏差", "2.1 Composition by function"),
    "pefa.2.2": _m("2.2 经济分类支出结构偏差", "2.2 Composition by economic type"),
    "pefa.2.3": _m("2.3 预备费支出", "2.3 Contingency reserve"),
    "pefa.PI-2": _m("PI-2 支出结构执行", "PI-2 Expenditure composition outturn"),
    "pefa.3.1": _m("3.1 总收入执行", "3.1 Aggregate revenue outturn"),
    "pefa.3.2": _m("3.2 收入结构偏差", "3.2 Revenue composition outturn"),
    "pefa.PI-3": _m("PI-3 收入执行", "PI-3 Revenue outturn"),
    "pefa.window": _m("评估年度", "Years assessed"),
    "pefa.note": _m(
        "按 PEFA 2016 框架，取最近三个完整年度；A 最好，D 最差，NA 为数据不足。",
        "PEFA 2016 framework over the last three completed years; A is best, D worst, NA not assessable.",
    ),
    # -- alert table ---------------------------------------------------------------------------
    "table.finding_id": _m("编号", "ID"),
    "table.indicator": _m("指标", "Indicator"),
    "table.indicator_name": _m("指标名称", "Indicator name"),
    "table.module": _m("模块", "Module"),
    "table.level": _m("等级", "Level"),
    "table.region": _m("地区", "Region"),
    "table.unit": _m("单位", "Unit"),
    "table.subject": _m("对象", "Subject"),
    "table.period": _m("期间", "Period"),
    "table.value": _m("指标值", "Value"),
    "table.threshold": _m("阈值", "Threshold"),
    "table.message": _m("说明", "Explanation"),
    "table.evidence": _m("依据", "Evidence"),
    "table.filter_module": _m("模块", "Module"),
    "table.filter_level": _m("等级", "Level"),
    "table.empty": _m("当前筛选条件下没有预警。", "No findings match the current filters."),
    "table.search": _m("搜索", "Search"),
    "table.search_hint": _m("单位、指标、说明中的文字", "words in unit, indicator, text"),
    "table.sort": _m("排序", "Sort by"),
    "table.sort.priority": _m("优先级", "Priority"),
    "table.sort.amount": _m("涉及金额（大→小）", "Amount at risk (largest first)"),
    "table.sort.unit": _m("单位", "Unit"),
    "table.sort.indicator": _m("指标", "Indicator"),
    "table.sort.period": _m("期间（新→旧）", "Period (newest first)"),
    "table.export": _m("导出 Excel", "Export to Excel"),
    "table.export_ready": _m("下载 {name}", "Download {name}"),
    "table.more": _m("仅显示前 {limit} 条，请缩小筛选范围。", "Only the first {limit} are shown; narrow the filters."),
    "table.masked_note": _m("个人收款人姓名与账号已脱敏。", "Personal payee names and accounts are masked."),
    "table.priority": _m("优先级", "Priority"),
    "table.amount_at_risk": _m("涉及金额", "Amount at risk"),
    "table.top": _m("优先处理：各单位前 {per_unit} 条（按优先级）", "Most urgent: the first {per_unit} of each unit, by priority"),
    "table.top_note": _m(
        "共 {total} 条，涉及 {units} 个单位；此处列出 {shown} 条，另有 {more} 条见下表。"
        "优先级：红色预警先于黄色预警，同等级按涉及金额从大到小，再按期间从新到旧。",
        "{total} in {units} unit(s); {shown} listed here, and {more} more in the table below. "
        "Priority: alerts before warnings, then the larger amount at risk, then the later period.",
    ),
    "table.more_unit": _m("另有 {n} 条", "and {n} more"),
    # -- about tab ---------------------------------------------------------------------------------
    "about.title": _m("指标目录", "Indicator catalogue"),
    "about.intro": _m(
        "每项指标的计算口径、预警阈值与依据。阈值为默认值，可按地区在参数文件中调整。",
        "What each indicator measures, its thresholds and its source. Thresholds are defaults; each region may override them.",
    ),
    "about.code": _m("代码", "Code"),
    "about.name": _m("名称", "Name"),
    "about.module": _m("模块", "Module"),
    "about.subject": _m("对象", "Subject"),
    "about.warning": _m("黄色预警阈值", "Warning threshold"),
    "about.alert": _m("红色预警阈值", "Alert threshold"),
    "about.local": _m("本地区参数（与基准不同者；括号内为基准值）", "This region's own parameters (the scan's base value in brackets)"),
    "about.source": _m("依据", "Source"),
    "about.why": _m("风险说明", "Why it is a risk"),
    "about.reviewed": _m("已核实", "Reviewed"),
    "about.dismissal": _m("排除率（95% 区间）", "Dismissed (95% interval)"),
    "about.scan": _m("本次扫描", "This scan"),
    "about.version": _m("版本", "Version"),
    # -- reports (shared with the regional report) ----------------------------------------------
    "report.title": _m("{region}财政风险监测报告", "Fiscal risk report: {region}"),
    "report.generated": _m("生成时间", "Generated"),
    "report.summary": _m("概要", "Summary"),
    "report.findings": _m("预警明细", "Findings"),
    "report.top_units": _m("风险较高的单位", "Units with the highest risk"),
    "report.by_module": _m("分模块预警", "Findings by module"),
    "report.pefa": _m("预算可靠性（PEFA）", "Budget reliability (PEFA)"),
    "report.not_assessed": _m("未评估的指标", "Indicators not assessed"),
    "report.reason": _m("原因", "Reason"),
    "report.assessed": _m("评估对象数", "Subjects assessed"),
    "report.flagged": _m("预警对象数", "Subjects flagged"),
    "report.subregions": _m("下级地区", "Subordinate regions"),
    # -- units and number formats ----------------------------------------------------------------
    "fmt.money.large": _m("{value} 亿元", "CNY {value} bn"),
    "fmt.money.medium": _m("{value} 万元", "CNY {value} m"),
    "fmt.money.small": _m("{value} 元", "CNY {value}"),
    "fmt.pp": _m("{value} 个百分点", "{value} pp"),
    "fmt.change_up": _m("增长 {pct}", "up {pct}"),
    "fmt.change_down": _m("下降 {pct}", "down {pct}"),
    "fmt.change_flat": _m("持平", "unchanged"),
    "fmt.na": _m("—", "—"),
}

_MONTHS_EN: Final[tuple[str, ...]] = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)


def normalize_lang(lang: str | None) -> str:
    """The catalogue's language tag for ``lang`` (``zh``, ``zh_CN``, ``zh-cn`` → ``zh-CN``; ``en-GB`` → ``en``).

    ``None`` or an empty string gives :data:`DEFAULT_LANG`. An unsupported language raises
    :class:`ValueError` naming the supported ones.
    """
    if not lang:
        return DEFAULT_LANG
    tag = str(lang).strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.startswith("en"):
        return "en"
    raise ValueError(f"language {lang!r} is not supported; expected one of {', '.join(LANGS)}")


def t(key: str, lang: str | None = DEFAULT_LANG, /, **fields: object) -> str:
    """The label ``key`` in ``lang``, formatted with ``fields`` when given.

    ``month`` in ``fields`` also provides ``month_en`` (Jan … Dec) to the English templates.
    Raises :class:`KeyError` for an unknown key.
    """
    try:
        entry = MESSAGES[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in the catalogue") from None
    text = entry[normalize_lang(lang)]
    if not fields:
        return text
    if "month" in fields and "month_en" not in fields:
        try:
            fields = {**fields, "month_en": _MONTHS_EN[int(fields["month"]) - 1]}  # type: ignore[arg-type]
        except (TypeError, ValueError, IndexError):
            pass
    return text.format(**fields)


def module_label(module: str, lang: str | None = DEFAULT_LANG) -> str:
    """The display name of a business module (``budget`` → 预算 / Budget); unknown modules as given."""
    key = f"module.{module}"
    return t(key, lang) if key in MESSAGES else str(module)


def level_label(level: str, lang: str | None = DEFAULT_LANG) -> str:
    """The display name of a level (``alert`` → 红色预警 / Alert); unknown levels as given."""
    key = f"level.{level}"
    return t(key, lang) if key in MESSAGES else str(level)


def missing_translations(messages: Mapping[str, Mapping[str, str]] = MESSAGES,
                         langs: Iterable[str] = LANGS) -> list[tuple[str, str]]:
    """(key, language) pairs with no text, or an empty text, in ``messages``: empty when complete."""
    return [(key, lang) for key, entry in sorted(messages.items()) for lang in langs
            if not str(entry.get(lang) or "").strip()]


def format_money(amount: float | None, lang: str | None = DEFAULT_LANG) -> str:
    """An amount in yuan as a reader says it: 1.23 亿元 / 456.7 万元 in Chinese, CNY 1.23 bn / 4.57 m in English."""
    if amount is None or amount != amount:
        return t("fmt.na", lang)
    lang = normalize_lang(lang)
    a = float(amount)
    if lang == "zh-CN":
        if abs(a) >= 1e8:
            return t("fmt.money.large", lang, value=f"{a / 1e8:,.2f}")
        if abs(a) >= 1e4:
            return t("fmt.money.medium", lang, value=f"{a / 1e4:,.1f}")
        return t("fmt.money.small", lang, value=f"{a:,.0f}")
    if abs(a) >= 1e9:
        return t("fmt.money.large", lang, value=f"{a / 1e9:,.2f}")
    if abs(a) >= 1e6:
        return t("fmt.money.medium", lang, value=f"{a / 1e6:,.2f}")
    return t("fmt.money.small", lang, value=f"{a:,.0f}")


def format_pct(ratio: float | None, digits: int = 1) -> str:
    """A ratio as a percentage (0.4312 → 43.1%); NaN as a dash."""
    if ratio is None or ratio != ratio:
        return "—"
    return f"{float(ratio) * 100:.{digits}f}%"


def format_cell(value: Any, fmt: str | None = None) -> tuple[str, bool]:
    """A cell of a report's table and whether it is a number (numbers are right-aligned): integers
    1,234, floats 1,234.50 unless ``fmt`` (a format spec) says otherwise, ✓ for true, empty for
    missing values and false."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return "", False
    if isinstance(value, (bool, np.bool_)):
        return ("✓" if value else ""), False
    if isinstance(value, (int, np.integer)):
        return (format(int(value), fmt) if fmt else f"{int(value):,}"), True
    if isinstance(value, (float, np.floating)):
        return (format(float(value), fmt) if fmt else f"{float(value):,.2f}"), True
    return str(value), False


def format_number(value: float | None) -> str:
    """A figure in the dashboard's and the case desk's tables: 12,346 from 1,000 on, whole numbers
    without decimals, else three significant digits (0.123); empty for a missing value."""
    if value is None or value != value:
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.3g}"


def format_evidence_value(value: Any) -> str:
    """A value of a finding's evidence: amounts from 1,000 on with cents, other floats with four
    significant digits, large integers with separators, the first items of a dict or list; NaN as a dash."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_evidence_value(x)}" for k, x in list(value.items())[:8])
    if isinstance(value, list):
        return "[" + ", ".join(format_evidence_value(x) for x in value[:5]) + (" …" if len(value) > 5 else "") + "]"
    if isinstance(value, float):
        if value != value:
            return "—"
        if abs(value) >= 1000:
            return f"{value:,.2f}"
        return f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool) and 10000 <= abs(value) < 10**11:
        return f"{value:,}"
    return str(value)


#: Labels of the evidence fields findings carry (JSON keys → zh-CN, en), for people: the report's 依据
#: column and the dashboard's evidence. A key without a label is shown with its underscores as spaces.
EVIDENCE_LABELS: dict[str, tuple[str, str]] = {
    "actual": ("实际", "actual"), "actual_prev": ("上年实际", "actual last year"),
    "adjusted_amount": ("调整预算", "adjusted budget"), "amount": ("金额", "amount"), "amounts": ("金额", "amounts"),
    "annual_net": ("全年净支付", "net paid in the year"), "approved": ("已审批", "approved"),
    "approver_id": ("审批人", "approver"), "as_of": ("截至", "as of"), "available": ("可用指标", "available"),
    "award_amount": ("中标金额", "award"), "award_date": ("中标日期", "award date"), "bid_deadline": ("投标截止", "bid deadline"),
    "bidders": ("投标人数", "bidders"), "budget": ("预算", "budget"), "budget_amount": ("预算金额", "budget amount"),
    "budget_prev": ("上年预算", "budget last year"), "budget_year": ("预算年度", "budget year"),
    "carryover_amount": ("结转金额", "carry-over"), "carryover_from_year": ("结转自", "carried over from"),
    "contract_amount": ("合同金额", "contract amount"), "contract_id": ("合同编号", "contract"),
    "current": ("当前执行率", "executed so far"), "days": ("天数", "days"), "days_overdue": ("逾期天数", "days overdue"),
    "economic_code": ("经济分类", "economic code"), "elapsed_share": ("时间进度", "elapsed share"),
    "estimated_amount": ("预算金额", "estimate"), "event_id": ("用印记录", "seal event"), "executed": ("已执行", "executed"),
    "execution_rate": ("执行率", "execution rate"), "expected": ("预期", "expected"), "first_date": ("首次日期", "first date"),
    "function_code": ("功能分类", "function code"), "group": ("分组", "group"), "idle_value": ("闲置原值", "idle value"),
    "last_date": ("末次日期", "last date"), "legal_minimum": ("法定最短", "legal minimum"), "limit": ("限额", "limit"),
    "lines": ("明细行", "lines"), "lower": ("下限", "lower bound"), "materiality": ("重要性水平", "materiality"),
    "method": ("方法", "method"), "months": ("月份", "months"), "n": ("个数", "count"), "net": ("净支付", "net paid"),
    "net_paid": ("已付净额", "net paid"), "net_payments": ("净支付", "net payments"), "notice_date": ("公告日期", "notice date"),
    "observed": ("实际", "observed"), "paid_share": ("付款进度", "paid share"), "pay_date": ("支付日期", "pay date"),
    "payee_name": ("收款人", "payee"), "payee_account": ("收款账号", "payee account"), "payment_id": ("支付编号", "payment"), "payment_ids": ("支付编号", "payments"),
    "peer_group": ("同级分组", "peer group"), "peer_median": ("同级中位数", "peer median"), "peer_n": ("同级个数", "peers"),
    "period": ("期间", "period"), "physical_progress": ("形象进度", "works done"), "planned_end_date": ("计划完工", "planned end"),
    "point": ("预测值", "forecast"), "procurement_id": ("采购编号", "procurement"), "procurement_ids": ("采购编号", "procurements"),
    "project_code": ("项目编号", "project"), "ratio": ("比率", "ratio"), "report_date": ("报告日期", "report date"),
    "robust_z": ("稳健z值", "robust z"), "seal_id": ("印章", "seal"), "seal_type": ("印章类型", "seal type"),
    "signed_date": ("签订日期", "signed"), "sum": ("合计", "sum"), "threshold": ("阈值", "threshold"),
    "time_progress": ("序时进度", "time progress"), "total": ("合计", "total"), "total_value": ("合计金额", "total value"),
    "unspent": ("未支出", "unspent"), "upper": ("上限", "upper bound"), "used_at": ("用印时间", "used at"),
    "user_id": ("使用人", "user"), "vendor_name": ("供应商", "vendor"), "window_days": ("窗口天数", "window (days)"),
    "window_start": ("窗口起始", "window start"), "year": ("年度", "year"), "years": ("年度", "years"),
    "z_threshold": ("z值阈值", "z threshold"), "mad": ("平均绝对偏差", "MAD"), "chi2_pvalue": ("卡方检验p值", "chi² p-value"),
    "conformity": ("符合程度", "conformity"), "pi1_outturn": ("PI-1 支出执行率", "PI-1 outturn"),
    "pi2_function_variance": ("PI-2.1 功能结构偏差", "PI-2.1 variance"), "pi2_economic_variance": ("PI-2.2 经济结构偏差", "PI-2.2 variance"),
    "pi3_revenue_outturn": ("PI-3.1 收入执行率", "PI-3.1 outturn"), "pi3_revenue_variance": ("PI-3.2 收入结构偏差", "PI-3.2 variance"),
    "vendor_normalised": ("供应商（归一）", "vendor (normalised)"), "payee_normalised": ("收款人（归一）", "payee (normalised)"),
    "decentralised_limit": ("分散采购限额", "decentralised limit"), "working_day": ("工作日", "working day"),
    "surge_net": ("突击月份支出", "spent in the surge months"), "surge_months": ("突击月份", "surge months"),
    "term_start": ("合同起始", "term start"), "term_end": ("合同终止", "term end"), "idle_assets": ("闲置资产", "idle assets"),
}


def evidence_label(key: str, lang: str | None = DEFAULT_LANG) -> str:
    """The label of an evidence field in ``lang`` (the key with spaces for underscores when unlabelled)."""
    pair = EVIDENCE_LABELS.get(key)
    if pair is None:
        return key.replace("_", " ")
    return pair[0] if normalize_lang(lang) == "zh-CN" else pair[1]


def format_value(value: float | None, unit: str, lang: str | None = DEFAULT_LANG) -> str:
    """A finding's value or threshold with its unit (``value_unit``): 64.1%, 12.3 个百分点 / 12.3 pp,
    456.7 万元, 91 天 / 91 days, 70.0 分 / 70.0 points, z = 4.2, 21:40, ...; empty for a missing value."""
    if value is None or value != value:
        return ""
    lang = normalize_lang(lang)
    zh = lang == "zh-CN"
    v = float(value)
    if unit == "ratio":
        return f"{v:.1%}"
    if unit == "pp":
        return f"{v:.1f} 个百分点" if zh else f"{v:.1f} pp"
    if unit == "money":
        return format_money(v, lang)
    if unit == "days":
        return f"{v:,.0f} 天" if zh else f"{v:,.0f} days"
    if unit == "years":
        return f"{v:,.0f} 年" if zh else f"{v:,.0f} years"
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "score":
        return f"{v:.1f} 分" if zh else f"{v:.1f} points"
    if unit == "z":
        return f"z = {v:.1f}"
    if unit == "hour":
        hours, minutes = divmod(round(v * 60), 60)
        return f"{int(hours):02d}:{int(minutes):02d}"
    if unit == "flag":
        return ("是" if zh else "yes") if v else ("否" if zh else "no")
    return f"{v:,.4g}"
