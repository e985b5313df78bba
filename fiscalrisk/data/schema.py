"""The input tables of the data contract (``shared/spec/data-contract.md``, section 1), as data.

Each table is a :class:`Table` of :class:`Column` declarations. The loader reads a file into strings,
and :mod:`fiscalrisk.data.validate` turns the strings into typed columns following these declarations,
collecting every problem it meets. Nothing else in the package hard-codes a column list.

Column types (``Column.type``):

``code``      identifier kept as a string (``001`` stays ``001``); leading/trailing spaces stripped
``text``      free text
``int``       whole number (nullable ``Int64``)
``money``     decimal amount, two places, stored as ``float64`` after rounding to cents
``number``    any decimal (e.g. progress in %), ``float64``
``date``      ``YYYY-MM-DD`` → ``datetime64[ns]``
``timestamp`` ISO 8601 date and time → ``datetime64[ns]``
``bool``      true/false, 1/0, yes/no, 是/否 → ``boolean``
``enum``      a code from ``Column.allowed``
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Column", "Table", "Reference", "TABLES", "REQUIRED_TABLES", "REFERENCES", "LEVELS",
           "PERFORMANCE_LEVEL1", "PERFORMANCE_DIRECTIONS", "PERFORMANCE_KINDS", "PERFORMANCE_GRADES"]

LEVELS = ("province", "city", "county", "township")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = True
    allowed: tuple[str, ...] = ()
    nonzero: bool = False
    min: float | None = None
    max: float | None = None
    doc: str = ""
    #: the code names files and folders (report folders, params files): it must match
    #: :data:`fiscalrisk.data.limits.SAFE_CODE`
    safe_code: bool = False
    #: a calendar year: within the plausible range of the input limits (``input.min_year``/``max_year``)
    year: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    doc: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


@dataclass(frozen=True)
class Reference:
    """``table.column`` values must exist in ``target_table.target_column`` (empty values are skipped)."""

    table: str
    column: str
    target_table: str
    target_column: str


def _c(name: str, type_: str, required: bool = True, **kw) -> Column:
    return Column(name, type_, required, **kw)


_CATEGORY = ("goods", "services", "works")
#: performance management (performance.md): 一级指标, target directions, evaluation kinds, grades
PERFORMANCE_LEVEL1 = ("output", "effect", "satisfaction", "cost")
PERFORMANCE_DIRECTIONS = ("ge", "le", "eq")
PERFORMANCE_KINDS = ("ex_ante", "self", "department", "finance")
PERFORMANCE_GRADES = ("优", "良", "中", "差")
_METHODS = (
    "open_tender",
    "invited_tender",
    "competitive_negotiation",
    "competitive_consultation",
    "inquiry",
    "single_source",
    "framework",
    "self_procured",
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "regions",
            (
                _c("region_code", "code", safe_code=True, doc="e.g. 330500 (湖州市), 330521 (德清县), 330502104 (织里镇)"),
                _c("name", "text"),
                _c("level", "enum", allowed=LEVELS),
                _c("parent_code", "code", required=False, doc="the parent region; empty for the root; no cycles"),
            ),
            key=("region_code",),
            doc="The city → county → township tree.",
        ),
        Table(
            "units",
            (
                _c("unit_code", "code"),
                _c("name", "text"),
                _c("region_code", "code"),
                _c("kind", "text", required=False, doc="department, institution, township_government, ..."),
                _c("headcount", "int", required=False, min=0, doc="staff, for per-capita comparisons"),
            ),
            key=("unit_code",),
            doc="Budget units (预算单位).",
        ),
        Table(
            "budget",
            (
                _c("year", "int", year=True, doc="budget year"),
                _c("unit_code", "code"),
                _c("function_code", "code", doc="功能分类, e.g. 2010301; its first digits are the 类/款 heads of PEFA PI-2.1"),
                _c("economic_code", "code", doc="部门预算支出经济分类, e.g. 30217 公务接待费; 301 wages, 302 goods and "
                   "services, 303 transfers to households, 310 capital"),
                _c("project_code", "code", required=False),
                _c("original_amount", "money", doc="年初预算, as approved"),
                _c("adjusted_amount", "money", required=False, doc="调整预算; defaults to original_amount"),
                _c("actual_amount", "money", required=False),
                _c("carryover_amount", "money", required=False, doc="结转 from earlier years included in this line"),
                _c("carryover_from_year", "int", required=False, year=True, doc="oldest year the carry-over comes from"),
            ),
            key=("year", "unit_code", "function_code", "economic_code", "project_code"),
            doc="Budget lines (预算指标).",
        ),
        Table(
            "payments",
            (
                _c("payment_id", "code"),
                _c("pay_date", "date"),
                _c("unit_code", "code"),
                _c("function_code", "code"),
                _c("economic_code", "code"),
                _c("project_code", "code", required=False),
                _c("budget_year", "int", required=False, year=True, doc="defaults to the year of pay_date"),
                _c("payee_name", "text"),
                _c("payee_account", "code", required=False),
                _c("payee_type", "enum", allowed=("organization", "individual", "own_account", "government"), doc="own_account = the paying unit's own real-fund (实有资金) account"),
                _c("method", "enum", allowed=("transfer", "cash", "official_card"), doc="转账 / 现金 / 公务卡"),
                _c("amount", "money", nonzero=True, doc="negative = refund or reversal of an earlier payment"),
                _c("purpose", "text", required=False, doc="free text (用途)"),
                _c("contract_id", "code", required=False),
                # an extension of the contract (optional): the payment voucher / document number (支付凭证号,
                # a council's "Transaction No.") shared by the lines of one payment; PAY07 reads identical
                # lines of one voucher as items of one payment, not as duplicates
                _c("voucher_id", "code", required=False,
                   doc="payment voucher or document number shared by the lines of one payment (支付凭证号)"),
            ),
            key=("payment_id",),
            doc="Treasury payment lines (国库集中支付明细). Negative amounts are refunds or reversals.",
        ),
        Table(
            "contracts",
            (
                _c("contract_id", "code"),
                _c("unit_code", "code"),
                _c("vendor_name", "text"),
                _c("category", "enum", allowed=_CATEGORY),
                _c("amount", "money", min=0),
                _c("signed_date", "date"),
                _c("end_date", "date"),
                _c("start_date", "date", required=False),
                _c("procurement_id", "code", required=False),
                _c("project_code", "code", required=False),
            ),
            key=("contract_id",),
            doc="Contracts signed by units (合同). `amount` is the contract value.",
        ),
        Table(
            "procurement",
            (
                _c("procurement_id", "code"),
                _c("unit_code", "code"),
                _c("item", "text"),
                _c("item_category", "code"),
                _c("category", "enum", allowed=_CATEGORY),
                _c("method", "enum", allowed=_METHODS),
                _c("estimated_amount", "money", min=0),
                _c("award_amount", "money", required=False, min=0),
                _c("notice_date", "date", required=False),
                _c("bid_deadline", "date", required=False),
                _c("award_date", "date", required=False),
                _c("bidders", "int", required=False, min=0),
                _c("winner_name", "text", required=False),
            ),
            key=("procurement_id",),
            doc="Government purchases (政府采购): the method, the estimate, the award and the bidders.",
        ),
        Table(
            "projects",
            (
                _c("project_code", "code"),
                _c("unit_code", "code"),
                _c("name", "text"),
                _c("budget_amount", "money", min=0),
                _c("start_date", "date"),
                _c("planned_end_date", "date"),
                _c("actual_end_date", "date", required=False),
            ),
            key=("project_code",),
            doc="Construction projects (工程): budget and planned dates.",
        ),
        Table(
            "project_progress",
            (
                _c("project_code", "code"),
                _c("report_date", "date"),
                _c("physical_progress", "number", min=0, max=100, doc="% of works done"),
            ),
            key=("project_code", "report_date"),
            doc="Progress reports of construction projects: the share of works done, as reported by the supervisor.",
        ),
        Table(
            "assets",
            (
                _c("asset_id", "code"),
                _c("unit_code", "code"),
                _c("category", "code"),
                _c("acquired_date", "date"),
                _c("original_value", "money", min=0),
                _c("status", "enum", allowed=("in_use", "idle", "disposed")),
            ),
            key=("asset_id",),
            doc="Fixed assets (资产) with their status.",
        ),
        Table(
            "seal_events",
            (
                _c("event_id", "code"),
                _c("seal_id", "code"),
                _c("seal_type", "enum", allowed=("official", "contract", "finance", "legal_rep")),
                _c("unit_code", "code"),
                _c("used_at", "timestamp"),
                _c("user_id", "code"),
                _c("approver_id", "code", required=False),
                _c("approved", "bool", doc="whether the use was approved"),
                _c("document_type", "text", required=False),
                _c("contract_id", "code", required=False),
            ),
            key=("event_id",),
            doc="The e-seal usage log (用印记录): one row per use of an electronic seal.",
        ),
        Table(
            "revenue",
            (
                _c("year", "int", year=True),
                _c("region_code", "code"),
                _c("revenue_code", "code"),
                _c("budget_amount", "money"),
                _c("actual_amount", "money"),
            ),
            key=("year", "region_code", "revenue_code"),
            doc="Revenue budget and outturn per region (for PEFA PI-3).",
        ),
        Table(
            "ic_checklist",
            (
                _c("year", "int", year=True),
                _c("unit_code", "code"),
                _c("dimension", "enum", allowed=("public", "functional", "special", "external")),
                _c("item", "text"),
                _c("score", "number", min=0),
                _c("max_score", "number", min=0),
            ),
            key=("year", "unit_code", "dimension", "item"),
            doc="Internal-control evaluation items (内控考核) with their scores (CTL01).",
        ),
        # budget performance management (预算绩效管理, shared/spec/performance.md): optional tables
        Table(
            "performance_targets",
            (
                _c("target_id", "code"),
                _c("year", "int", year=True),
                _c("unit_code", "code"),
                _c("project_code", "code", required=False,
                   doc="the budget's project code; empty = a target of the unit as a whole (部门整体)"),
                _c("level1", "enum", allowed=PERFORMANCE_LEVEL1, doc="一级指标: 产出, 效益, 满意度, 成本"),
                _c("level2", "text", required=False, doc="二级指标, e.g. 数量指标, 质量指标, 时效指标"),
                _c("name", "text"),
                _c("direction", "enum", required=False, allowed=PERFORMANCE_DIRECTIONS,
                   doc="ge at least, le at most, eq equal; required when target_value is given"),
                _c("target_value", "number", required=False, doc="empty = a qualitative target"),
                _c("measure_unit", "text", required=False),
                _c("weight", "number", required=False, min=0, doc="points within its level1 (default 1)"),
            ),
            key=("target_id",),
            doc="Performance targets (绩效目标), one row per target.",
        ),
        Table(
            "performance_progress",
            (
                _c("target_id", "code"),
                _c("report_date", "date"),
                _c("actual_value", "number"),
                _c("note", "text", required=False),
            ),
            key=("target_id", "report_date"),
            doc="In-process monitoring (绩效运行监控): values reported for a target.",
        ),
        Table(
            "performance_evaluations",
            (
                _c("evaluation_id", "code"),
                _c("year", "int", year=True),
                _c("unit_code", "code"),
                _c("project_code", "code", required=False),
                _c("kind", "enum", allowed=PERFORMANCE_KINDS),
                _c("evaluation_date", "date"),
                _c("score", "number", required=False, min=0, max=100),
                _c("grade", "enum", required=False, allowed=PERFORMANCE_GRADES,
                   doc="优/良/中/差; derived from score when empty"),
                _c("conclusion", "text", required=False),
            ),
            key=("evaluation_id",),
            doc="Performance evaluations (事前评估, 自评, 部门评价, 财政评价).",
        ),
        Table(
            "calendar",
            (_c("date", "date"), _c("is_workday", "bool")),
            key=("date",),
            doc="Overrides of the built-in Chinese working-day calendar.",
        ),
    )
}

REQUIRED_TABLES: tuple[str, ...] = ("regions", "units", "budget")

# Cross-table references checked by validation (empty source values are not checked: optional columns).
REFERENCES: tuple[Reference, ...] = (
    Reference("regions", "parent_code", "regions", "region_code"),
    Reference("units", "region_code", "regions", "region_code"),
    Reference("budget", "unit_code", "units", "unit_code"),
    Reference("payments", "unit_code", "units", "unit_code"),
    Reference("contracts", "unit_code", "units", "unit_code"),
    Reference("contracts", "procurement_id", "procurement", "procurement_id"),
    Reference("procurement", "unit_code", "units", "unit_code"),
    Reference("projects", "unit_code", "units", "unit_code"),
    Reference("project_progress", "project_code", "projects", "project_code"),
    Reference("assets", "unit_code", "units", "unit_code"),
    Reference("seal_events", "unit_code", "units", "unit_code"),
    Reference("revenue", "region_code", "regions", "region_code"),
    Reference("ic_checklist", "unit_code", "units", "unit_code"),
    Reference("performance_targets", "unit_code", "units", "unit_code"),
    Reference("performance_targets", "project_code", "budget", "project_code"),
    Reference("performance_progress", "target_id", "performance_targets", "target_id"),
    Reference("performance_evaluations", "unit_code", "units", "unit_code"),
    Reference("performance_evaluations", "project_code", "budget", "project_code"),
)
# Note: payments.contract_id and seal_events.contract_id are *not* hard references: a payment or a seal
# naming a contract that does not exist is itself a risk (SEL04), reported by the indicators, not refused.

