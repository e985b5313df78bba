"""The indicator registry: *functions compute, the registry judges*.

An indicator is a small pure function ``f(ctx: ScanContext, p: dict) -> DataFrame`` that measures one
value per assessed subject. The :func:`indicator` decorator records what the function is (code, names,
subject type), what it reads (tables and columns), how its value is graded, why it is a risk and where
the method comes from; it registers the function in :data:`REGISTRY` (duplicates refused).
:func:`run_indicator` then does, once for every indicator:

1. check that the declared tables and columns are present and not empty (otherwise the indicator is
   *not assessed*, with the reason; it is never an error and never silently "ok");
2. call the function with the indicator's resolved parameters (``params.indicator(code)``);
3. grade ``value`` against ``p["warning"]`` / ``p["alert"]``;
4. format the Chinese and English messages, serialise the evidence, give each finding a stable id;
5. count assessed and flagged subjects per region (``assessed.csv``).

The frame an indicator returns has one row per *assessed subject*:

==============  =========================================================================================
column          meaning
==============  =========================================================================================
subject_id      str: payment_id, ``year|unit|function|economic|project`` for a budget line, unit_code
                for a unit × year, region_code for a region, ...
unit_code       str, NaN for region-level subjects
region_code     optional: filled from the unit when absent or NaN
period          ``YYYY`` or ``YYYY-MM``
value           float: the measured value that is graded. NaN = the subject could not be measured
                (not counted as assessed; an optional ``reason`` column says why)
evidence        optional dict per row: ids of the rows behind the value and the figures used; columns
                listed in the decorator's ``evidence`` tuple are added to it
level           optional: forces the level of a row (``ok`` / ``info`` / ``warning`` / ``alert`` / NaN =
                graded); required by ``grade="flag"`` unless every returned row is a finding. ``info``
                is a note (findings.py): written with the findings, never counted as flagged
threshold       optional: the cut-off recorded in the finding when the row forces its level
subject_type    optional: overrides the declared subject type for a row (e.g. BUD01 also grades regions,
                PAY03 also grades unit × month cash totals)
...             any column the messages use (``{payee_name}``, ``{economic_code}``, ...)
==============  =========================================================================================

``assessed`` (one row per indicator × region of the scan): ``status`` assessed / not_assessed,
``assessed`` (subjects measured: a value, or a forced level), ``flagged`` = ``warnings`` + ``alerts``,
and ``reason`` (why not assessed: ``missing table: …``, ``missing column: table.column``, ``empty table:
…``, the message of :class:`NotAssessed`, the rows' ``reason`` where a region had nothing measurable,
or ``no subjects``). Subjects count in the region of their ``region_code``.

Grading (``grade``): ``ge`` value ≥ threshold, ``gt`` >, ``le`` ≤, ``lt`` <; ``outside`` each threshold is a
``[low, high]`` band and the value must lie outside it (``value < low or value > high``); ``flag`` the
function decides through its ``level`` column (a missing level is ok); without a ``level`` column every
returned row is a finding at ``p.get("level", "alert")``. A
missing ``warning`` (or ``alert``) threshold simply disables that level. The threshold recorded in a
finding is the one that was crossed (for a band, the bound that was crossed).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import json
import math
import re
import string
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.findings import (
    ASSESSED_COLUMNS,
    LEVEL_DTYPE,
    LEVELS,
    MODULES,
    empty_findings,
    finalize_assessed,
    finalize_findings,
)
from fiscalrisk.frames import lookup, text
from fiscalrisk.indicators.constraints import Check, Constraint, Param

__all__ = [
    "GRADES",
    "MODULES",
    "SUBJECT_TYPES",
    "IndicatorSpec",
    "NotAssessed",
    "ScanContext",
    "not_assessed",
    "REGISTRY",
    "indicator",
    "get",
    "specs",
    "catalogue",
    "run_indicator",
    "indicator_params",
    "finding_id",
    "line_id",
    "MODULE_MONEY",
    "money_paths",
    "RegistryCatalogue",
    "CATALOGUE",
]

GRADES: tuple[str, ...] = ("ge", "gt", "le", "lt", "outside", "flag")
SUBJECT_TYPES: tuple[str, ...] = (
    "payment",
    "budget_line",
    "contract",
    "procurement",
    "project",
    "asset",
    "seal_event",
    "unit",
    "region",
    "vendor",
    "target",
)
_CODE_RE = re.compile(r"^[A-Z]{3}\d{2}$")


class NotAssessed(Exception):
    """Raised by an indicator function when it cannot assess anything (e.g. too little data).

    The message is the reason written to ``assessed.csv``.
    """


@dataclass(frozen=True)
class IndicatorSpec:
    """Everything the registry knows about one indicator."""

    code: str
    module: str
    subject_type: str
    name_zh: str
    name_en: str
    reads: Mapping[str, tuple[str, ...]]
    grade: str
    why_zh: str
    why_en: str
    source: str
    message_zh: str
    message_en: str
    func: Callable[..., pd.DataFrame]
    #: the declared parameters (name → :class:`~fiscalrisk.indicators.constraints.Param`: description and
    #: constraint); their values are in ``params/defaults.yaml`` under ``indicators.<code>``
    params: Mapping[str, Param] = field(default_factory=dict)
    #: the cross-parameter check of the resolved parameters (:mod:`fiscalrisk.params` reports its problems)
    check: Check | None = None
    doc: str = ""
    evidence: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()  # top-level params sections read besides its own and its module's
    money: tuple[str, ...] = ()  # parameters that are amounts of money (scaled by threshold_scale)
    #: what the finding's value is: "money" (an amount in the data's currency) or "" (not declared; a
    #: message printing ``{value:,.2f}元`` also says money)
    value_unit: str = ""
    #: the result column whose value is the finding's ``amount_at_risk`` (the money it concerns, in the
    #: data's currency), or None where no amount is meaningful (a score, a test, a count of days)
    at_risk: str | None = None
    #: the rule in words, for the indicator's page: what the amount is, or why there is none
    at_risk_rule: str = ""

    @property
    def direction(self) -> str:
        """How the thresholds are ordered, from ``grade``: ``band`` (``outside``: the alert band contains
        the warning band), ``lower`` (``le`` / ``lt``: lower is worse, alert ≤ warning) or ``higher``."""
        return {"outside": "band", "le": "lower", "lt": "lower"}.get(self.grade, "higher")

    def param(self, name: str) -> Param | None:
        """The declaration of parameter ``name``; a threshold not in the defaults (``warning`` beside a
        lone ``alert``, ``single_alert`` beside ``single_warning``) takes its pair's."""
        if name in self.params:
            return self.params[name]
        for one, other in (("warning", "alert"), ("alert", "warning")):
            if name == one or name.endswith("_" + one):
                return self.params.get(name[: len(name) - len(one)] + other)
        return None

    @property
    def page(self) -> str:
        """The one-page documentation: ``doc`` if given, else the function's docstring."""
        return (self.doc or inspect.getdoc(self.func) or "").strip()

    def __call__(self, ctx: ScanContext, p: Mapping[str, Any]) -> pd.DataFrame:
        return self.func(ctx, dict(p))


REGISTRY: dict[str, IndicatorSpec] = {}

#: Module parameters (``modules.<module>.<name>``) that are amounts of money, like an indicator's
#: ``money``: the procurement limits of 国办发〔2019〕55号 (mappings of category → yuan).
MODULE_MONEY: dict[str, tuple[str, ...]] = {
    "procurement": ("open_tender_limits", "decentralised_limits"),
}


def money_paths() -> list[str]:
    """Dotted params paths of every money parameter of the registered indicators and modules."""
    paths = [f"indicators.{s.code}.{name}" for s in specs() for name in s.money]
    paths += [f"modules.{m}.{name}" for m, names in MODULE_MONEY.items() for name in names]
    return sorted(paths)


class RegistryCatalogue:
    """The registry as the parameter checks read it (:class:`fiscalrisk.param_catalogue.Catalogue`):
    :mod:`fiscalrisk.indicators` registers :data:`CATALOGUE` once every indicator module is imported."""

    def codes(self) -> list[str]:
        return [s.code for s in specs()]

    def direction(self, code: str) -> str:
        spec = REGISTRY.get(code)
        return spec.direction if spec is not None else "higher"

    def constraint(self, code: str, name: str) -> Constraint | None:
        spec = REGISTRY.get(code)
        decl = spec.param(name) if spec is not None else None
        return decl.constraint if decl is not None else None

    def check(self, code: str) -> Check | None:
        spec = REGISTRY.get(code)
        return spec.check if spec is not None else None

    def money_paths(self) -> list[str]:
        return money_paths()


#: the catalogue of :data:`REGISTRY` (registered by :mod:`fiscalrisk.indicators`)
CATALOGUE = RegistryCatalogue()


#: What an indicator's value (and threshold) is: the unit every page shows it in
#: (:func:`fiscalrisk.report.i18n.format_value`).
VALUE_UNITS: dict[str, str] = {
    "ratio": "a share or ratio, shown as a percentage (1.0 = 100 %)",
    "pp": "percentage points",
    "money": "an amount in the data's currency",
    "days": "days",
    "years": "years",
    "count": "a count",
    "score": "points out of 100",
    "z": "a robust z-score",
    "index": "a unitless statistic (MAD, HHI, an anomaly score)",
    "hour": "an hour of the day (21.5 = 21:30)",
    "flag": "1 when the condition holds",
}


def indicator(
    *,
    code: str,
    module: str,
    subject_type: str,
    name_zh: str,
    name_en: str,
    reads: Mapping[str, tuple[str, ...] | list[str]],
    grade: str,
    why_zh: str,
    why_en: str,
    source: str,
    message_zh: str,
    message_en: str,
    params: Mapping[str, Param] | None = None,
    check: Check | None = None,
    doc: str | None = None,
    evidence: tuple[str, ...] | list[str] = (),
    sections: tuple[str, ...] | list[str] = (),
    money: tuple[str, ...] | list[str] = (),
    value_unit: str,
    at_risk: str | None = None,
    at_risk_rule: str = "",
) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Register an indicator function under ``code``.

    ``sections`` names the top-level params sections the function reads besides
    ``indicators.<code>`` and ``modules.<module>`` (e.g. ``time_progress`` for BUD01): a scan groups
    regions by exactly these values when their layered params differ.

    ``params`` declares the indicator's parameters, each once: name →
    :class:`~fiscalrisk.indicators.constraints.Param` (what it means, and the constraint its value must
    satisfy: a range, a choice of values); the values and their sources live only in
    ``params/defaults.yaml`` under ``indicators.<code>``, and :mod:`fiscalrisk.params` checks every value a
    params file sets against the constraint. ``check`` is a callable of the resolved parameters that
    yields a :class:`~fiscalrisk.indicators.constraints.Problem` for every rule between several of them
    (CTL01's weights sum to 1). ``money`` names those of them that are amounts
    of money, stated in yuan in the defaults: :func:`fiscalrisk.params.resolve` multiplies them by
    ``threshold_scale`` for data in another currency (see :data:`MODULE_MONEY` for module parameters). ``doc`` overrides the function's docstring
    as the indicator's documentation page. ``evidence`` names result columns copied into each
    finding's evidence. The function is returned unchanged (with a ``spec`` attribute).

    ``at_risk`` names the result column the registry copies into each finding's ``amount_at_risk``
    (the money the finding concerns: a payment's amount, the overpaid part of a contract, ...), or is
    None where no amount is meaningful; ``at_risk_rule`` says which in words (required: it is printed
    on the indicator's page).
    """
    if not _CODE_RE.match(code):
        raise ValueError(f"indicator code {code!r}: expected three capitals and two digits, e.g. PAY01")
    if module not in MODULES:
        raise ValueError(f"indicator {code}: module {module!r} is not one of {', '.join(MODULES)}")
    if subject_type not in SUBJECT_TYPES:
        raise ValueError(f"indicator {code}: subject_type {subject_type!r} is not one of {', '.join(SUBJECT_TYPES)}")
    if grade not in GRADES:
        raise ValueError(f"indicator {code}: grade {grade!r} is not one of {', '.join(GRADES)}")
    if not reads:
        raise ValueError(f"indicator {code}: declare the tables and columns it reads")
    bare = [name for name, decl in (params or {}).items() if not isinstance(decl, Param)]
    if bare:
        raise ValueError(f"indicator {code}: declare parameter(s) {bare} as Param(description, constraint)")
    undeclared = [m for m in money if m not in (params or {})]
    if undeclared:
        raise ValueError(f"indicator {code}: money parameter(s) {undeclared} are not among its declared params")

    def register(func: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if code in REGISTRY:
            other = REGISTRY[code].func
            raise ValueError(
                f"indicator {code} is already registered by {other.__module__}.{other.__qualname__}"
            )
        if value_unit not in VALUE_UNITS:
            raise ValueError(f"indicator {code}: value_unit must be one of {', '.join(VALUE_UNITS)} (what a "
                             f"finding's value and threshold are, so they are shown with their unit); got "
                             f"{value_unit!r}")
        if not at_risk_rule.strip():
            raise ValueError(f"indicator {code}: declare at_risk_rule, the amount at risk of a finding in words "
                             "(or why there is none)")
        spec = IndicatorSpec(
            code=code,
            module=module,
            subject_type=subject_type,
            name_zh=name_zh,
            name_en=name_en,
            reads={t: tuple(cols) for t, cols in reads.items()},
            grade=grade,
            why_zh=why_zh,
            why_en=why_en,
            source=source,
            message_zh=message_zh,
            message_en=message_en,
            func=func,
            params=dict(params or {}),
            check=check,
            doc=doc or "",
            evidence=tuple(evidence),
            sections=tuple(sections),
            money=tuple(money),
            value_unit=value_unit,
            at_risk=at_risk,
            at_risk_rule=at_risk_rule.strip(),
        )
        REGISTRY[code] = spec
        func.spec = spec  # type: ignore[attr-defined]
        return func

    return register


def get(code: str) -> IndicatorSpec:
    """The spec registered under ``code`` (``KeyError`` naming close codes otherwise)."""
    try:
        return REGISTRY[code]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(code, REGISTRY, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown indicator {code!r}{hint}") from None


def specs(module: str | None = None) -> list[IndicatorSpec]:
    """Registered specs in code order, optionally of one module."""
    return [REGISTRY[c] for c in sorted(REGISTRY) if module is None or REGISTRY[c].module == module]


def catalogue(params: Any = None) -> pd.DataFrame:
    """The indicator catalogue as a DataFrame (the dashboard's "about" page).

    Columns: code, module, name_zh, name_en, subject_type, grade, warning, alert (thresholds from
    ``params``, by default the resolved ``params/defaults.yaml``; bands as ``[low, high]`` text), reads
    (``table.column`` list), parameters, source, why_zh, why_en.
    """
    if params is None:
        try:
            from fiscalrisk.params import resolve

            params = resolve()
        except Exception:  # the catalogue stays readable without a params file
            params = None
    rows = []
    for spec in specs():
        p: Mapping[str, Any] = {}
        if params is not None:
            try:
                p = params.indicator(spec.code)
            except Exception:
                p = {}
        rows.append(
            {
                "code": spec.code,
                "module": spec.module,
                "name_zh": spec.name_zh,
                "name_en": spec.name_en,
                "subject_type": spec.subject_type,
                "grade": spec.grade,
                "value_unit": spec.value_unit,
                "warning": _threshold_text(p.get("warning")),
                "alert": _threshold_text(p.get("alert")),
                "reads": ", ".join(f"{t}.{c}" for t, cols in spec.reads.items() for c in cols),
                "parameters": ", ".join(
                    f"{k}={p[k]!r}" if k in p else k for k in spec.params if k not in ("warning", "alert")
                ),
                "source": spec.source,
                "why_zh": spec.why_zh,
                "why_en": spec.why_en,
            }
        )
    cols = ["code", "module", "name_zh", "name_en", "subject_type", "grade", "value_unit", "warning", "alert", "reads",
            "parameters", "source", "why_zh", "why_en"]
    return pd.DataFrame(rows, columns=cols).astype("str")


def _threshold_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return "[" + ", ".join(f"{x:g}" for x in v) + "]"
    return f"{v:g}" if isinstance(v, int | float) else str(v)


# --------------------------------------------------------------------------------------------------
# Scan context
# --------------------------------------------------------------------------------------------------


def line_id(df: pd.DataFrame, year_col: str = "year") -> pd.Series:
    """Budget-line subject ids ``year|unit_code|function_code|economic_code|project_code`` (vectorised).

    An absent or empty project code is the empty string.
    """
    year = df[year_col].astype("Int64").astype("str")
    project = df["project_code"].astype("str").fillna("") if "project_code" in df else ""
    return (
        year
        + "|"
        + df["unit_code"].astype("str")
        + "|"
        + df["function_code"].astype("str")
        + "|"
        + df["economic_code"].astype("str")
        + "|"
        + project
    )


#: payment columns held as categoricals in :attr:`ScanContext.payments`
_CATEGORICAL_PAYMENT_COLUMNS = ("unit_code", "region_code", "function_code", "economic_code", "project_code",
                                "payee_name", "payee_account", "payee_type", "method", "contract_id", "pay_month")


def _shared(func: Callable[[Any], Any]) -> property:
    """A derived table computed once per (tables, as_of) and kept in ``ctx.cache``: the contexts that
    differ only in their params (one per group of regions sharing an indicator's params) share it."""
    name = func.__name__

    @functools.wraps(func)
    def get(self: ScanContext) -> Any:
        try:
            return self.cache[name]
        except KeyError:
            value = self.cache[name] = func(self)
            return value

    return property(get)


@dataclass(frozen=True)
class ScanContext:
    """What every indicator receives: validated tables, the scan date, parameters, tree, calendar.

    The derived tables below (normalised payments, net payments per line, name lookups…) are computed
    once and shared, through ``cache``, by every context made with :meth:`with_params`.
    """

    tables: Mapping[str, pd.DataFrame]
    as_of: pd.Timestamp
    params: Any
    tree: Any = None
    calendar: Any = None
    #: derived tables, keyed by name; shared by contexts over the same tables and as_of
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has(self, table: str) -> bool:
        return table in self.tables and self.tables[table] is not None

    def with_params(self, params: Any) -> ScanContext:
        """The same tables, date and derived-table cache, with other params."""
        return self if params is self.params else dataclasses.replace(self, params=params)

    def memo(self, name: str, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` kept in the shared cache under ``name`` while ``key`` (e.g. the params it reads)
        is unchanged."""
        hit = self.cache.get(name)
        if hit is None or hit[0] != key:
            hit = self.cache[name] = (key, compute())
        return hit[1]

    # --- reference data ----------------------------------------------------------------------------
    @_shared
    def unit_region(self) -> pd.Series:
        """unit_code → region_code."""
        u = self.tables.get("units")
        if u is None or u.empty:
            return pd.Series([], dtype="str", name="region_code")
        return u.drop_duplicates("unit_code").set_index("unit_code")["region_code"].astype("str")

    @_shared
    def unit_name(self) -> pd.Series:
        """unit_code → unit name."""
        u = self.tables.get("units")
        if u is None or u.empty:
            return pd.Series([], dtype="str", name="name")
        return u.drop_duplicates("unit_code").set_index("unit_code")["name"].astype("str")

    @_shared
    def region_name(self) -> pd.Series:
        """region_code → region name."""
        r = self.tables.get("regions")
        if r is None or r.empty:
            return pd.Series([], dtype="str", name="name")
        return r.drop_duplicates("region_code").set_index("region_code")["name"].astype("str")

    @_shared
    def unit_name_en(self) -> pd.Series:
        """unit_code → English unit name (``units.name_en`` when the data has it, else the name)."""
        u = self.tables.get("units")
        if u is None or u.empty or "name_en" not in u:
            return self.unit_name
        u = u.drop_duplicates("unit_code").set_index("unit_code")
        return u["name_en"].astype("str").fillna(u["name"].astype("str"))

    @_shared
    def region_name_en(self) -> pd.Series:
        """region_code → English region name (``regions.name_en`` when present, else the name)."""
        r = self.tables.get("regions")
        if r is None or r.empty or "name_en" not in r:
            return self.region_name
        r = r.drop_duplicates("region_code").set_index("region_code")
        return r["name_en"].astype("str").fillna(r["name"].astype("str"))

    @_shared
    def region_pairs(self) -> pd.DataFrame:
        """(region_code, ancestor_code) for every region and each of its ancestors *and itself*: the
        join table behind subtree totals (a value of ``region_code`` counts for ``ancestor_code``)."""
        if self.tree is not None and hasattr(self.tree, "ancestor_pairs"):
            return self.tree.ancestor_pairs()
        r = self.tables.get("regions")
        if r is None or r.empty:
            codes = self.region_codes
            return pd.DataFrame({"region_code": codes, "ancestor_code": codes}, dtype="str")
        parent = dict(zip(r["region_code"].astype("str"), r["parent_code"].astype("str"), strict=True))
        rows = []
        for code in parent:
            node, seen = code, set()
            while isinstance(node, str) and node in parent and node not in seen:
                rows.append((code, node))
                seen.add(node)
                node = parent[node]
        return pd.DataFrame(rows, columns=["region_code", "ancestor_code"], dtype="str")

    @_shared
    def cal(self) -> Any:
        """The working-day calendar: ``calendar`` if given, else the built-in one with the data set's
        ``calendar`` table as overrides."""
        if self.calendar is not None:
            return self.calendar
        from fiscalrisk.calendar import WorkdayCalendar

        return WorkdayCalendar(self.tables.get("calendar"))

    @_shared
    def region_codes(self) -> list[str]:
        """Every region of the scan, sorted."""
        r = self.tables.get("regions")
        if r is None or r.empty:
            return sorted(set(self.unit_region.dropna()))
        return sorted(r["region_code"].dropna().astype("str").unique())

    # --- the fiscal year ---------------------------------------------------------------------------
    @property
    def fiscal_start(self) -> int:
        """The month the fiscal (budget) year starts: ``calendar.fiscal_year_start_month`` (1 = January)."""
        from fiscalrisk.params import Params, fiscal_year_start_month

        if isinstance(self.params, Params | Mapping) or self.params is None:
            return fiscal_year_start_month(self.params)
        return int(getattr(self.params, "get", lambda *_: 1)("calendar.fiscal_year_start_month", 1) or 1)

    def fiscal_year(self, dates: Any) -> Any:
        """The fiscal year of ``dates`` (a Series → Int64 Series, a date → int), labelled by the calendar
        year it starts in (:func:`fiscalrisk.calendar.fiscal_year`)."""
        from fiscalrisk.calendar import fiscal_year

        return fiscal_year(dates, self.fiscal_start)

    def fiscal_month(self, dates: Any) -> Any:
        """The month of the fiscal year, 1–12 (12 = its last month)."""
        from fiscalrisk.calendar import fiscal_month

        return fiscal_month(dates, self.fiscal_start)

    @property
    def year(self) -> int:
        """The fiscal (budget) year of ``as_of``: the year a scan's "current year" indicators look at."""
        return int(self.fiscal_year(self.as_of))

    # --- payments and budget, normalised once ------------------------------------------------------
    @_shared
    def payments(self) -> pd.DataFrame:
        """Payments up to and including ``as_of`` (codes, names and months as categoricals: take
        :func:`as_text` of the rows that become findings before building text from them); ``budget_year`` filled from the fiscal year of
        pay_date (the contract's "year of pay_date" where the fiscal year is the calendar year),
        ``project_code`` filled with the empty string, and ``pay_month`` (``YYYY-MM``, the period of
        payment findings)."""
        p = self.tables["payments"]
        p = p.loc[p["pay_date"] <= self.as_of].copy()
        year = self.fiscal_year(p["pay_date"]).astype("Int64")
        p["budget_year"] = p["budget_year"].astype("Int64").fillna(year) if "budget_year" in p else year
        p["project_code"] = p["project_code"].astype("str").fillna("") if "project_code" in p else ""
        p["project_code"] = p["project_code"].astype("str")
        # YYYY-MM of pay_date, built from the few distinct months rather than formatting every row
        months = p["pay_date"].to_numpy().astype("datetime64[M]")
        uniq, inv = np.unique(months, return_inverse=True)
        p["pay_month"] = pd.Categorical.from_codes(inv, categories=pd.Index(uniq.astype("str"), dtype="str"))
        # looked up once here, not by every payment indicator's grading
        units = p["unit_code"] = p["unit_code"].astype("category")
        per_unit = pd.Categorical(pd.Series(units.cat.categories.astype("str")).map(self.unit_region))
        codes = units.cat.codes.to_numpy()
        p["region_code"] = pd.Categorical.from_codes(
            np.where(codes >= 0, per_unit.codes[np.maximum(codes, 0)], -1), categories=per_unit.categories)
        # codes and names repeat on every payment: as categoricals (integer codes, categories sorted as the
        # text sorts) the filters, joins and groupings of the indicators move integers, not strings
        for c in _CATEGORICAL_PAYMENT_COLUMNS:
            if c in p and not isinstance(p[c].dtype, pd.CategoricalDtype):
                p[c] = p[c].astype("category")
        return p

    @_shared
    def budget(self) -> pd.DataFrame:
        """Budget lines with ``project_code`` filled (empty string), ``adjusted_amount`` defaulting to
        ``original_amount``, ``carryover_amount`` to 0, and the line's subject id in ``line_id``."""
        b = self.tables["budget"].copy()
        b["project_code"] = b["project_code"].astype("str").fillna("") if "project_code" in b else ""
        b["project_code"] = b["project_code"].astype("str")
        if "adjusted_amount" in b:
            b["adjusted_amount"] = b["adjusted_amount"].fillna(b["original_amount"])
        else:
            b["adjusted_amount"] = b["original_amount"]
        if "carryover_amount" in b:
            b["carryover_amount"] = b["carryover_amount"].fillna(0.0)
        else:
            b["carryover_amount"] = 0.0
        b["line_id"] = line_id(b)
        return b

    @_shared
    def net_payments(self) -> pd.DataFrame:
        """Net payments (payments minus refunds) up to ``as_of`` per budget line.

        Columns: year (the payment's budget_year), unit_code, function_code, economic_code, project_code,
        line_id, net, n (number of payment rows). Lines with no payments are absent.
        """
        keys = ["budget_year", "unit_code", "function_code", "economic_code", "project_code"]
        p = self.payments
        g = p.groupby(keys, observed=True, sort=True)["amount"].agg(net="sum", n="size").reset_index()
        g = g.rename(columns={"budget_year": "year"})
        g["line_id"] = line_id(g)
        return g


# --------------------------------------------------------------------------------------------------
# Running one indicator
# --------------------------------------------------------------------------------------------------


def finding_id(code: str, subject_type: str, subject_id: str, period: str) -> str:
    """Stable id: the first 16 hex digits of sha256(``indicator|subject_type|subject_id|period``)."""
    key = f"{code}|{subject_type}|{subject_id}|{period}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def missing_inputs(spec: IndicatorSpec, tables: Mapping[str, pd.DataFrame]) -> str:
    """Why ``spec`` cannot run on ``tables`` ('' when it can): missing tables, columns, or no rows."""
    missing_tables = [t for t in spec.reads if t not in tables or tables[t] is None]
    if missing_tables:
        return "missing table: " + ", ".join(missing_tables)
    missing_cols = [f"{t}.{c}" for t, cols in spec.reads.items() for c in cols if c not in tables[t].columns]
    if missing_cols:
        return "missing column: " + ", ".join(missing_cols)
    empty = [t for t in spec.reads if tables[t].empty]
    if empty:
        return "empty table: " + ", ".join(empty)
    return ""


def not_assessed(spec: IndicatorSpec, ctx: ScanContext, reason: str) -> pd.DataFrame:
    """The ``assessed`` rows of an indicator that could not be assessed on ``ctx``, with the reason."""
    regions = ctx.region_codes or [""]
    return finalize_assessed(
        pd.DataFrame(
            {
                "indicator": spec.code,
                "module": spec.module,
                "region_code": regions,
                "status": "not_assessed",
                "assessed": pd.NA,
                "flagged": pd.NA,
                "warnings": pd.NA,
                "alerts": pd.NA,
                "reason": reason,
            }
        )
    )


def _band(v: Any, name: str, code: str) -> tuple[float, float]:
    if not isinstance(v, list | tuple) or len(v) != 2:
        raise ValueError(f"indicator {code}: threshold {name} must be a [low, high] band, got {v!r}")
    return float(v[0]), float(v[1])


def _tol(t: float) -> float:
    """How close to a threshold a value counts as on it: values computed in floats from amounts in cents
    land a few ulps off (0.30000000000000004 for exactly 30 %, about 1e-16 relative). 1e-12 relative is
    far above that and far below a real difference: one cent over a budget of a billion yuan is 1e-11."""
    return 1e-12 * max(1.0, abs(float(t)))


def grade_values(
    values: np.ndarray, grade: str, warning: Any, alert: Any, code: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    """Grade ``values``: returns (levels as an object array of ok/warning/alert, crossed thresholds).

    NaN values stay ``ok`` (they are not assessed). See the module docstring for the grade kinds. A value
    within :func:`_tol` of a threshold is on it (``ge`` hits, ``gt`` does not).
    """
    codes, thr = grade_codes(values, grade, warning, alert, code)
    return _LEVEL_NAMES[codes], thr


#: a level's integer code is its position in LEVELS (ok 0, info 1, warning 2, alert 3)
_LEVEL_NAMES = np.array(LEVELS, dtype=object)
_LEVEL_CODE = {name: np.int8(i) for i, name in enumerate(LEVELS)}


def grade_codes(
    values: np.ndarray, grade: str, warning: Any, alert: Any, code: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`grade_values` with the levels as integer codes (positions in ``LEVELS``): a million
    payments are graded without a string per payment."""
    v = np.asarray(values, dtype="float64")
    level = np.zeros(v.shape, dtype="int8")
    thr = np.full(v.shape, np.nan)
    if grade == "flag":
        return level, thr
    for name, t in (("warning", warning), ("alert", alert)):  # alert last: it wins
        if t is None:
            continue
        if grade == "outside":
            lo, hi = _band(t, name, code)
            with np.errstate(invalid="ignore"):
                below, above = v < lo - _tol(lo), v > hi + _tol(hi)
            hit = below | above
            thr = np.where(hit, np.where(below, lo, hi), thr)
        else:
            t = float(t)
            e = _tol(t)
            with np.errstate(invalid="ignore"):
                hit = {"ge": v >= t - e, "gt": v > t + e, "le": v <= t + e, "lt": v < t - e}[grade]
            thr = np.where(hit, t, thr)
        level[hit] = _LEVEL_CODE[name]
    return level, thr


def _level_codes(s: pd.Series, code: str) -> np.ndarray:
    """An indicator's forced ``level`` column as integer codes (-1 where missing: graded by thresholds);
    an unknown level is refused. A categorical is read through its few categories."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        names, codes = s.cat.categories.astype("str"), s.cat.codes.to_numpy()
    else:
        codes, names = pd.factorize(s.astype("object").where(s.notna(), None), use_na_sentinel=True)
        names = pd.Index(names).astype("str")
    used = np.unique(codes[codes >= 0])
    bad = sorted({names[i] for i in used} - set(LEVELS))
    if bad:
        raise ValueError(f"indicator {code}: unknown level(s) {bad}")
    lookup = np.array([_LEVEL_CODE.get(n, -1) for n in names] + [-1], dtype="int8")
    return lookup[codes]  # code -1 picks the trailing -1


def _clean(v: Any) -> Any:
    """Make a value JSON-serialisable and deterministic (NaN → null, numpy → Python, dates → ISO)."""
    t = type(v)
    if t is str or t is int or t is bool or v is None:
        return v
    if t is float:
        return None if (v != v or v in (math.inf, -math.inf)) else round(v, 6)
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple | np.ndarray | pd.Series | pd.Index):
        return [_clean(x) for x in list(v)]
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        return _clean(v.item())
    if isinstance(v, float):
        return _clean(float(v))
    if isinstance(v, pd.Timestamp | datetime):
        return v.strftime("%Y-%m-%d") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


class _Missing:
    """A missing value in a message: empty text whatever the field's format (``{x}``, ``{x:,.2f}``),
    never ``nan`` or ``None``."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return ""

    def __str__(self) -> str:
        return ""

    def __repr__(self) -> str:
        return "''"


_MISSING = _Missing()


def _fmt_value(v: Any) -> Any:
    """Values handed to str.format: a missing one (None, NA, NaT, NaN) reads as empty text."""
    if v is None or v is pd.NA or v is pd.NaT:
        return _MISSING
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return _MISSING
    return v


def _format(template: str, fields: Mapping[str, Any], code: str) -> str:
    try:
        return template.format(**fields)
    except KeyError as e:
        raise KeyError(f"indicator {code}: message field {e} is not a column of its result") from None
    except (TypeError, ValueError):
        # a missing value in a formatted number field: render it without the format spec
        plain = re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)(![rsa])?:[^{}]*\}", r"{\1}", template)
        return plain.format(**{k: ("" if _isna(v) else v) for k, v in fields.items()})


def _objects(s: pd.Series) -> list[Any]:
    """A column as a list of Python objects (missing → None), without per-element Arrow iteration."""
    if isinstance(s.dtype, pd.StringDtype) or s.dtype == object:
        arr = s.to_numpy(dtype=object, na_value=None)
        return arr.tolist()
    if pd.api.types.is_datetime64_any_dtype(s):
        return list(s)  # Timestamps, NaT: formatted by the templates
    return s.tolist()


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, built column-wise (fast on Arrow-backed strings)."""
    cols = list(df.columns)
    if not cols:
        return [{} for _ in range(len(df))]
    return [dict(zip(cols, vals, strict=True)) for vals in zip(*(_objects(df[c]) for c in cols), strict=True)]


@functools.lru_cache(maxsize=512)
def _template_fields(template: str) -> frozenset[str]:
    """The field names a message template uses."""
    return frozenset(name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template)
                     if name)


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


#: subjects that are events (one per payment or seal use): their graded values are not kept, only the
#: findings and the counts in ``assessed``; every other subject's graded values are (``values``)
EVENT_SUBJECTS: frozenset[str] = frozenset({"payment", "seal_event"})


def run_indicator(spec: IndicatorSpec | str, ctx: ScanContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run one indicator on ``ctx``: returns (findings, assessed).

    ``findings`` has the contract's columns (warning and alert rows, and ``info`` notes); ``assessed`` has one row per
    region of the scan with the number of subjects assessed and flagged, or why the indicator was not
    assessed (missing table, missing column, empty table, or the function's :class:`NotAssessed`).
    """
    findings, assessed, _ = measure_and_grade(spec, ctx)
    return findings, assessed


def measure_and_grade(spec: IndicatorSpec | str, ctx: ScanContext, *, events: bool = False,
                      finalized: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`run_indicator` plus ``values``: every subject the indicator measured, graded.

    ``values`` holds the indicator's own result columns (e.g. BUD01's budget, net, rate, progress) with
    ``region_code``, ``value``, ``threshold`` and ``level`` (ok / warning / alert) set by this one
    grader; it is empty when nothing was measured, and for event subjects (:data:`EVENT_SUBJECTS`: one
    row per payment would be the size of the payments table) unless ``events`` asks for them.
    ``finalized=False`` leaves the findings unsorted and unranked, for a caller that finalises the
    findings of many runs together (:func:`fiscalrisk.findings.finalize_findings`), as the scan does.

    The steps: measure (call the function with the resolved parameters), normalise the result
    (:func:`_normalise_result`), grade (:func:`_grade`), count per region (:func:`_count`), keep the
    graded values (:func:`_graded_values`), build the findings with their messages
    (:func:`_findings`).
    """
    if isinstance(spec, str):
        spec = get(spec)
    reason = missing_inputs(spec, ctx.tables)
    if reason:
        return empty_findings(), not_assessed(spec, ctx, reason), pd.DataFrame()
    p = indicator_params(spec, ctx.params)
    try:
        res = spec(ctx, p)
    except NotAssessed as e:
        return empty_findings(), not_assessed(spec, ctx, str(e)), pd.DataFrame()
    res = _normalise_result(spec, ctx, res)
    value = pd.to_numeric(res["value"], errors="coerce").astype("float64").to_numpy()
    level, thr, has_forced = _grade(spec, p, res, value)

    assessed_mask = ~np.isnan(value) | has_forced
    assessed = _count(spec, ctx, res["region_code"], assessed_mask, level, res.get("reason"))
    values = _graded_values(spec, res, value, thr, level, assessed_mask, events)

    hit = level != _LEVEL_CODE["ok"]
    if not hit.any():
        return empty_findings(), assessed, values
    out = _findings(spec, ctx, p, res.loc[hit].copy(), level[hit], thr[hit], value[hit])
    return (finalize_findings(out) if finalized else out), assessed, values


def indicator_params(spec: IndicatorSpec, params: Any) -> Mapping[str, Any]:
    """The parameters the function of ``spec`` receives, read-only: ``params.indicator(code)``, with every
    declared parameter present (checked against its declaration when the params were resolved). One the
    params lack (a rule set published before the parameter was added; a context without params) takes
    its value in ``params/defaults.yaml``."""
    p = dict(params.indicator(spec.code)) if params is not None else {}
    if spec.params.keys() - p.keys():
        from fiscalrisk.params import resolve

        p = {**resolve().indicator(spec.code), **p}
    return types.MappingProxyType(p)


def _normalise_result(spec: IndicatorSpec, ctx: ScanContext, res: pd.DataFrame | None) -> pd.DataFrame:
    """The function's result with its required columns checked, ``unit_code`` as text and ``region_code``
    filled from the units where the function gave none."""
    if res is None or len(res) == 0:
        res = pd.DataFrame(columns=["subject_id", "unit_code", "period", "value"])
    res = res.reset_index(drop=True)
    for col in ("subject_id", "period", "value"):
        if col not in res:
            raise ValueError(f"indicator {spec.code}: its result lacks the column {col!r}")
    if "unit_code" not in res:
        res["unit_code"] = pd.Series(pd.NA, index=res.index, dtype="str")
    res["unit_code"] = _text(res["unit_code"])
    if "region_code" in res and not res["region_code"].isna().any():
        res["region_code"] = _text(res["region_code"])  # e.g. carried from ctx.payments
    else:
        region = lookup(res["unit_code"], ctx.unit_region)
        if "region_code" in res:
            region = text(res["region_code"]).fillna(region)
        res["region_code"] = region.astype("str")
    return res


def _grade(spec: IndicatorSpec, p: Mapping[str, Any], res: pd.DataFrame,
           value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Level codes, thresholds and which rows forced their level: the values graded against ``warning``
    / ``alert``, then the rows' own ``level`` (or ``grade="flag"``'s indicator level) and ``threshold``."""
    level, thr = grade_codes(value, spec.grade, p.get("warning"), p.get("alert"), spec.code)
    if "level" in res:
        forced = _level_codes(res["level"], spec.code)
        has_forced = forced >= 0
        level = np.where(has_forced, forced, level)
    elif spec.grade == "flag":  # every returned row is a finding at the indicator's level
        has_forced = np.ones(len(res), dtype=bool)
        name = str(p.get("level", "alert"))
        if name not in _LEVEL_CODE:
            raise ValueError(f"indicator {spec.code}: unknown level(s) [{name!r}]")
        level = np.full(len(res), _LEVEL_CODE[name], dtype="int8")
    else:
        has_forced = np.zeros(len(res), dtype=bool)
    if "threshold" in res:
        given = pd.to_numeric(res["threshold"], errors="coerce").to_numpy(dtype="float64")
        thr = np.where(np.isnan(given), thr, given)
    elif spec.grade == "flag" or has_forced.any():
        # a forced level records the indicator's own threshold for that level when it is a number
        for name in ("warning", "alert"):
            t = p.get(name)
            if isinstance(t, int | float) and not isinstance(t, bool):
                thr = np.where(has_forced & (level == _LEVEL_CODE[name]) & np.isnan(thr), float(t), thr)
    return level, thr, has_forced


def _findings(spec: IndicatorSpec, ctx: ScanContext, p: Mapping[str, Any], f: pd.DataFrame,
              level: np.ndarray, thr: np.ndarray, value: np.ndarray) -> pd.DataFrame:
    """The findings (contract columns, unfinalised) of the flagged rows ``f`` of the result."""
    for c in f.columns:  # the findings' rows only: their codes and names as plain text
        if isinstance(f[c].dtype, pd.CategoricalDtype):
            f[c] = f[c].astype("str")
    f["_level"] = _LEVEL_NAMES[level]
    f["_threshold"] = thr
    f["_value"] = value
    f["subject_id"] = f["subject_id"].astype("str")
    f["period"] = f["period"].astype("str")
    out = pd.DataFrame(
        {
            "indicator": spec.code,
            "module": spec.module,
            "level": f["_level"].to_numpy(),
            "region_code": f["region_code"].fillna("").to_numpy(),
            "unit_code": f["unit_code"].fillna("").to_numpy(),
            "subject_type": (
                f["subject_type"].astype("str").fillna(spec.subject_type).to_numpy()
                if "subject_type" in f
                else spec.subject_type
            ),
            "subject_id": f["subject_id"].to_numpy(),
            "period": f["period"].to_numpy(),
            "value": f["_value"].to_numpy(),
            "threshold": f["_threshold"].to_numpy(),
            "value_unit": spec.value_unit,
            "amount_at_risk": _amount_at_risk(spec, f),
        }
    )
    out["finding_id"] = [
        finding_id(spec.code, st, s, per)
        for st, s, per in zip(*(_objects(out[c]) for c in ("subject_type", "subject_id", "period")),
                              strict=True)
    ]
    out["message_zh"], out["message_en"], out["evidence"] = _messages(spec, ctx, p, f)
    out["level"] = out["level"].astype(LEVEL_DTYPE)
    return out


def _messages(spec: IndicatorSpec, ctx: ScanContext, p: Mapping[str, Any],
              f: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    """The Chinese and English messages and the evidence (JSON) of the findings' rows ``f``."""
    region_known = f["region_code"].map(ctx.region_name)
    region_known_en = f["region_code"].map(ctx.region_name_en).fillna(region_known)
    region_names, region_names_en = region_known.fillna(""), region_known_en.fillna("")
    # a unit's name; for region-level subjects the "unit" named in a message is the region itself; a
    # unit known by neither is named by its code
    unit_names = f["unit_code"].map(ctx.unit_name).fillna(region_known).fillna(f["unit_code"]).fillna("")
    unit_names_en = f["unit_code"].map(ctx.unit_name_en).fillna(region_known_en).fillna(unit_names)
    wanted = (_template_fields(spec.message_zh) | _template_fields(spec.message_en) | set(spec.evidence))
    msg_cols = [c for c in f.columns if c in wanted and c not in ("evidence", "_level", "_threshold", "_value")]
    records = _records(f[msg_cols])
    # evidence columns: dates as ISO text once, vectorised, rather than per finding
    ev_cols = [c for c in spec.evidence if c in f.columns]
    ev_frame = f[ev_cols].copy()
    for c in ev_cols:
        if pd.api.types.is_datetime64_any_dtype(ev_frame[c]):
            ev_frame[c] = ev_frame[c].dt.strftime("%Y-%m-%d")
    ev_records = _records(ev_frame)
    base_fields = {k: v for k, v in p.items() if isinstance(k, str)}
    evid = f["evidence"].tolist() if "evidence" in f else [None] * len(f)
    zh, en, ev = [], [], []
    names = zip(*(_objects(x) for x in (unit_names, region_names, unit_names_en, region_names_en)), strict=True)
    for rec, erec, e, (un, rn, un_en, rn_en), lv, th, val in zip(
        records, ev_records, evid, names, _objects(f["_level"]), f["_threshold"].tolist(), f["_value"].tolist(),
        strict=True,
    ):
        fields = dict(base_fields)
        fields.update({k: _fmt_value(v) for k, v in rec.items()})
        fields.update(unit_name=un, region_name=rn, level=lv, threshold=_fmt_value(th), value=_fmt_value(val))
        zh.append(_format(spec.message_zh, fields, spec.code))
        fields.update(unit_name=un_en, region_name=rn_en)
        en.append(_format(spec.message_en, fields, spec.code))
        d = dict(e) if isinstance(e, Mapping) else {}
        for c, v in erec.items():
            v = _clean(v)
            if v is not None:
                d.setdefault(c, v)
        ev.append(json.dumps(_clean(d), sort_keys=True, ensure_ascii=False, allow_nan=False))
    return zh, en, ev


def _amount_at_risk(spec: IndicatorSpec, f: pd.DataFrame) -> np.ndarray:
    """The findings' ``amount_at_risk``: the declared result column (``at_risk``), rounded to cents; NaN
    where the indicator declares no amount or a row has none."""
    if spec.at_risk is None:
        return np.full(len(f), np.nan)
    if spec.at_risk not in f.columns:
        raise ValueError(f"indicator {spec.code}: its result lacks the column {spec.at_risk!r} declared as at_risk")
    amount = pd.to_numeric(f[spec.at_risk], errors="coerce").to_numpy(dtype="float64")
    return np.where(np.isfinite(amount), np.round(amount, 2), np.nan)


def _graded_values(spec: IndicatorSpec, res: pd.DataFrame, value: np.ndarray, thr: np.ndarray,
                   level: np.ndarray, assessed_mask: np.ndarray, events: bool = False) -> pd.DataFrame:
    """The measured subjects of a non-event indicator (or of any, with ``events``) with their grade (see
    :func:`measure_and_grade`)."""
    if (spec.subject_type in EVENT_SUBJECTS and not events) or not len(res):
        return pd.DataFrame()
    keep = assessed_mask
    v = res.loc[keep].drop(columns=[c for c in ("evidence", "level", "threshold") if c in res]).copy()
    v["value"] = value[keep]
    v["threshold"] = thr[keep]
    v["level"] = _LEVEL_NAMES[level[keep]].astype(str)
    v.insert(0, "indicator", spec.code)
    if "subject_type" not in v:
        v["subject_type"] = spec.subject_type
    v["subject_type"] = v["subject_type"].astype("str").fillna(spec.subject_type)
    for c in ("subject_id", "period"):
        v[c] = v[c].astype("str")
    return v.reset_index(drop=True)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical columns as text: for the few rows that become findings, whose
    codes and names go into messages and keys (``"|".join``-like concatenation is not defined on the
    categoricals of :attr:`ScanContext.payments`)."""
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.assign(**{c: text(frame[c]) for c in cats}) if cats else frame


def flag_levels(hit: Any, level: str | None) -> pd.Categorical:
    """Forced levels: ``level`` where ``hit`` (or missing = graded by thresholds, when ``level`` is
    None), ``ok`` elsewhere; a categorical built from codes, no string per row."""
    hit = np.asarray(hit, dtype=bool)
    categories = ["ok"] if level is None else list(dict.fromkeys(["ok", level]))
    codes = np.where(hit, -1 if level is None else categories.index(level), 0).astype("int8")
    return pd.Categorical.from_codes(codes, categories=categories)


def _text(s: pd.Series) -> pd.Series:
    """Codes as text; a categorical of text (e.g. the codes of :attr:`ScanContext.payments`) stays one."""
    if isinstance(s.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(s.cat.categories.dtype):
        return s
    return s.astype("str")


def _count(
    spec: IndicatorSpec,
    ctx: ScanContext,
    region: pd.Series,
    assessed_mask: np.ndarray,
    level: np.ndarray,
    reason: pd.Series | None,
) -> pd.DataFrame:
    # counts per region by integer codes (one row per assessed subject: a million payments)
    if region.isna().any():
        region = region.astype("str").fillna("")
    codes, uniques = pd.factorize(region, use_na_sentinel=False)
    n = len(uniques)

    def per_region(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=n).astype("int64")

    g = pd.DataFrame(
        {
            "assessed": per_region(assessed_mask),
            "warnings": per_region(level == _LEVEL_CODE["warning"]),
            "alerts": per_region(level == _LEVEL_CODE["alert"]),
        },
        index=pd.Index(np.asarray(uniques, dtype=object), name="region_code"),
    ).sort_index()
    regions = sorted(set(ctx.region_codes) | set(g.index))
    g = g.reindex(regions, fill_value=0)
    g["flagged"] = g["warnings"] + g["alerts"]
    g["status"] = "assessed"
    g["reason"] = ""
    if reason is not None:
        # regions where nothing could be measured: the function's reason(s)
        r = pd.DataFrame({"region_code": np.asarray(uniques, dtype=object)[codes], "reason": reason.astype("str").to_numpy()})
        r = r.loc[~assessed_mask & r["reason"].notna().to_numpy() & (r["reason"] != "").to_numpy()]
        why = r.groupby("region_code")["reason"].agg(lambda s: "; ".join(sorted(set(s))))
        # align on the region (a boolean mask with a shorter Series on the right is refused by pandas 3)
        mask = g.index.isin(why.index) & (g["assessed"] == 0)
        if mask.any():
            g.loc[mask, "reason"] = why.reindex(g.index[mask]).to_numpy()
    g.loc[(g["assessed"] == 0) & (g["reason"] == ""), "reason"] = "no subjects"
    g = g.reset_index(names="region_code")
    g["indicator"] = spec.code
    g["module"] = spec.module
    return finalize_assessed(g[list(ASSESSED_COLUMNS)])
