"""Budget reliability (PEFA 2016 pillar I): OUT01–OUT06, the PEFA table and PEFA letter scores.

Per region, over the budget units registered directly in that region (a county's own departments; the
townships below it have their own budgets and their own rows), and per completed year t:

- outturn of a budget line = ``actual_amount`` when given, else the net payments charged to the line;
- PI-1 (OUT01): Σ actual / Σ original over all lines;
- composition variance over heads i (PI-2.1 by function, PI-2.2 by economic type, PI-3.2 by revenue
  code): ``k = Σ actual / Σ original``, ``adjusted_i = original_i × k``,
  ``variance = Σ |actual_i − adjusted_i| / Σ adjusted_i`` (PEFA 2016 Field Guide, PI-2 spreadsheet);
- PI-2.1 groups lines by the first ``function_digits`` digits of function_code and excludes contingency
  and interest; PI-2.2 groups by the first ``economic_digits`` of economic_code, includes interest and
  excludes contingency; PI-2.3 = contingency outturn / total original budget (3-year average);
- PI-3.1: Σ actual / Σ budget of the revenue table; PI-3.2 its composition variance by revenue head.

The classification digits and prefixes are the ``modules.outturn`` parameters, so that another chart of
accounts can be analysed the same way.

Scores (:func:`pefa_scores`) follow the PEFA 2016 framework (pefa.org, "Framework for assessing public
financial management", 2016): a dimension assessed on three years takes the best grade whose condition
holds in at least two of the last three completed years; PI-2 aggregates its dimensions by the weakest
link (M1), PI-3 by averaging (M2, conversion table).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.indicators.constraints import NON_NEGATIVE, Band, Param
from fiscalrisk.indicators.registry import NotAssessed, ScanContext, indicator

__all__ = [
    "PEFA_COLUMNS",
    "PEFA_SCORE_COLUMNS",
    "M2_TWO_DIMENSIONS",
    "composition_variance",
    "pefa_table",
    "pefa_scores",
    "grade_two_of_three",
    "combine_m1",
    "combine_m2",
]

PEFA_COLUMNS = ("region_code", "year", "pi1_outturn", "pi2_function_variance", "pi2_economic_variance",
                "contingency_share", "pi3_revenue_outturn", "pi3_revenue_variance")
PEFA_SCORE_COLUMNS = ("region_code", "window", "PI-1", "2.1", "2.2", "2.3", "PI-2", "3.1", "3.2", "PI-3")

_GRADES = ("D", "C", "B", "A")  # worst → best

# PEFA 2016 bands, best grade first. Bands are inclusive ("between 95% and 105%").
_PI1_BANDS = (("A", 0.95, 1.05), ("B", 0.90, 1.10), ("C", 0.85, 1.15))
_PI31_BANDS = (("A", 0.97, 1.06), ("B", 0.94, 1.12), ("C", 0.92, 1.16))
# Composition variance: strictly below (PI-2.1, PI-2.2, PI-3.2).
_VARIANCE_LIMITS = (("A", 0.05), ("B", 0.10), ("C", 0.15))

# PEFA 2016 Framework, section 2.2 "Scoring methodology", conversion table for scoring method M2 (AV),
# indicators with two dimensions. Order of the two dimension scores does not matter.
M2_TWO_DIMENSIONS: dict[frozenset[str] | tuple[str, str], str] = {
    ("D", "D"): "D",
    ("D", "C"): "D+",
    ("D", "B"): "C",
    ("D", "A"): "C+",
    ("C", "C"): "C",
    ("C", "B"): "C+",
    ("C", "A"): "B",
    ("B", "B"): "B",
    ("B", "A"): "B+",
    ("A", "A"): "A",
}

_EPS = 1e-9  # ratios computed from cents: compare at the 10th decimal, not the 16th


def _band_grade(v: float, bands: Sequence[tuple[str, float, float]]) -> str:
    if v is None or np.isnan(v):
        return "NA"
    for letter, lo, hi in bands:
        if lo - _EPS <= v <= hi + _EPS:
            return letter
    return "D"


def _variance_grade(v: float) -> str:
    if v is None or np.isnan(v):
        return "NA"
    for letter, limit in _VARIANCE_LIMITS:
        if v < limit - _EPS:
            return letter
    return "D"


def _contingency_grade(v: float) -> str:
    """PI-2.3: A < 3 %, B ≤ 6 %, C < 10 %, else D (average of three years)."""
    if v is None or np.isnan(v):
        return "NA"
    if v < 0.03 - _EPS:
        return "A"
    if v <= 0.06 + _EPS:
        return "B"
    if v < 0.10 - _EPS:
        return "C"
    return "D"


def grade_two_of_three(values: Sequence[float], grader: Callable[[float], str]) -> str:
    """PEFA "two of the last three years": the best grade whose condition holds in ≥ 2 of the 3 years.

    The conditions are nested (a year meeting A meets B and C), so the answer is the second-best yearly
    grade. Fewer than three values, or a missing one, gives "NA".
    """
    vals = [float(v) for v in values]
    if len(vals) != 3 or any(np.isnan(v) for v in vals):
        return "NA"
    ranks = sorted((_GRADES.index(grader(v)) for v in vals), reverse=True)
    return _GRADES[ranks[1]]


def combine_m1(scores: Sequence[str]) -> str:
    """PEFA 2016 method M1 (weakest link): the lowest dimension score, with "+" when any other dimension
    scores higher. Any "NA" dimension gives "NA"."""
    if not scores or any(s not in _GRADES for s in scores):
        return "NA"
    ranks = [_GRADES.index(s) for s in scores]
    low = min(ranks)
    return _GRADES[low] + ("+" if any(r > low for r in ranks) else "")


def combine_m2(a: str, b: str) -> str:
    """PEFA 2016 method M2 (averaging), two dimensions, by the framework's conversion table."""
    if a not in _GRADES or b not in _GRADES:
        return "NA"
    pair = tuple(sorted((a, b), key=_GRADES.index))  # worst first, as the table is written
    return M2_TWO_DIMENSIONS[pair]  # type: ignore[index]


def composition_variance(df: pd.DataFrame, by: Sequence[str], head: str, original: str = "original",
                         actual: str = "actual") -> pd.Series:
    """Composition variance per ``by`` group over heads ``head`` (PEFA 2016 PI-2.1/2.2/3.2).

    ``k = Σ actual / Σ original``; ``adjusted_i = original_i × k``;
    ``variance = Σ_i |actual_i − adjusted_i| / Σ_i adjusted_i``. Heads are summed first. A group with no
    positive original total gives NaN.
    """
    by = list(by)
    heads = df.groupby([*by, head], sort=True)[[original, actual]].sum().reset_index()
    tot = heads.groupby(by)[[original, actual]].transform("sum")
    k = tot[actual] / tot[original].where(tot[original] > 0)
    adjusted = heads[original] * k
    heads["_dev"] = (heads[actual] - adjusted).abs()
    heads["_adj"] = adjusted
    g = heads.groupby(by, sort=True)[["_dev", "_adj"]].sum(min_count=1)
    return g["_dev"] / g["_adj"].where(g["_adj"] > 0)


def _module(ctx: ScanContext) -> Mapping[str, Any]:
    return ctx.params.module("outturn") if ctx.params is not None else {}


def _prefixed(codes: pd.Series, prefixes: Sequence[str]) -> pd.Series:
    prefixes = tuple(str(p) for p in prefixes)
    if not prefixes:
        return pd.Series(False, index=codes.index)
    return codes.astype("str").fillna("").str.startswith(prefixes)


def expenditure_lines(ctx: ScanContext) -> pd.DataFrame:
    """Budget lines of completed years with ``original``, ``actual`` (outturn) and ``region_code``."""
    b = ctx.budget.loc[ctx.budget["year"] < ctx.year].copy()
    actual = b["actual_amount"] if "actual_amount" in b else pd.Series(np.nan, index=b.index)
    if "payments" in ctx.tables and ctx.tables["payments"] is not None:
        net = b["line_id"].map(ctx.net_payments.set_index("line_id")["net"]).fillna(0.0)
        actual = actual.fillna(net)
    b["actual"] = actual.astype("float64")
    b["original"] = b["original_amount"].astype("float64")
    b["region_code"] = b["unit_code"].map(ctx.unit_region)
    b = b.loc[b["actual"].notna() & b["region_code"].notna()]
    return b


def pefa_table(ctx: ScanContext) -> pd.DataFrame:
    """One row per region × completed year: the PEFA budget-reliability ratios (1.0 = 100 %).

    Columns :data:`PEFA_COLUMNS`; a ratio that cannot be computed (no revenue table, no outturn) is NaN.
    Computed once per scan context (OUT01–OUT06 and the scan's ``pefa.csv`` share it).
    """
    key = repr(sorted(_module(ctx).items()))
    return ctx.memo("pefa_table", key, lambda: _pefa_table(ctx)).copy()


def _pefa_table(ctx: ScanContext) -> pd.DataFrame:
    mod = _module(ctx)
    fd = int(mod.get("function_digits", 3))
    ed = int(mod.get("economic_digits", 3))
    rd = int(mod.get("revenue_digits", 3))
    frames: list[pd.DataFrame] = []
    if "budget" in ctx.tables and ctx.tables["budget"] is not None and len(ctx.tables["budget"]):
        b = expenditure_lines(ctx)
        if len(b):
            contingency = (_prefixed(b["function_code"], mod.get("contingency_function_prefixes", ["227"]))
                           | _prefixed(b["economic_code"], mod.get("contingency_economic_prefixes", [])))
            interest = _prefixed(b["economic_code"], mod.get("interest_economic_prefixes", ["307"]))
            b["fhead"] = b["function_code"].astype("str").str[:fd]
            b["ehead"] = b["economic_code"].astype("str").str[:ed]
            b["cont_actual"] = b["actual"].where(contingency, 0.0)
            by = ["region_code", "year"]
            tot = b.groupby(by, sort=True)[["original", "actual", "cont_actual"]].sum()
            e = pd.DataFrame(index=tot.index)
            e["pi1_outturn"] = tot["actual"] / tot["original"].where(tot["original"] > 0)
            e["pi2_function_variance"] = composition_variance(b.loc[~contingency & ~interest], by, "fhead")
            e["pi2_economic_variance"] = composition_variance(b.loc[~contingency], by, "ehead")
            e["contingency_share"] = tot["cont_actual"] / tot["original"].where(tot["original"] > 0)
            frames.append(e)
    if "revenue" in ctx.tables and ctx.tables["revenue"] is not None and len(ctx.tables["revenue"]):
        r = ctx.tables["revenue"]
        r = r.loc[r["year"] < ctx.year].copy()
        r["rhead"] = r["revenue_code"].astype("str").str[:rd]
        r["original"] = r["budget_amount"].astype("float64")
        r["actual"] = r["actual_amount"].astype("float64")
        r["year"] = r["year"].astype("int64")
        by = ["region_code", "year"]
        tot = r.groupby(by, sort=True)[["original", "actual"]].sum()
        v = pd.DataFrame(index=tot.index)
        v["pi3_revenue_outturn"] = tot["actual"] / tot["original"].where(tot["original"] > 0)
        v["pi3_revenue_variance"] = composition_variance(r, by, "rhead")
        frames.append(v)
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype="float64") for c in PEFA_COLUMNS}).astype(
            {"region_code": "str", "year": "int64"})
    out = pd.concat(frames, axis=1).reset_index()
    out["year"] = out["year"].astype("int64")
    out["region_code"] = out["region_code"].astype("str")
    for c in PEFA_COLUMNS[2:]:
        if c not in out:
            out[c] = np.nan
        out[c] = out[c].astype("float64")
    return out[list(PEFA_COLUMNS)].sort_values(["region_code", "year"], ignore_index=True)


def pefa_scores(table: pd.DataFrame, last_year: int | None = None,
                regions: Sequence[str] | None = None) -> pd.DataFrame:
    """PEFA 2016 letter scores per region over the window ``last_year − 2 … last_year``.

    ``last_year`` defaults to the latest year of ``table`` (the scan passes the year before ``as_of``).
    Dimensions 1.1, 2.1, 2.2, 3.1 and 3.2 use "two of the last three years"; 2.3 grades the three-year
    average contingency share; PI-2 = M1 over 2.1–2.3; PI-3 = M2 over 3.1–3.2. A dimension without
    all three years is "NA" (PEFA: not assessable without three completed years), and so is an
    indicator with an "NA" dimension. PI-1 has a single dimension and equals 1.1.
    """
    if last_year is None:
        last_year = int(table["year"].max()) if len(table) else 0
    years = [last_year - 2, last_year - 1, last_year]
    window = f"{years[0]}–{years[-1]}"
    codes = sorted(set(regions) if regions is not None else set(table["region_code"]))
    rows = []
    for code in codes:  # one row per region: a handful of regions, not a data loop
        t = table.loc[table["region_code"] == code].set_index("year").reindex(years)
        d11 = grade_two_of_three(t["pi1_outturn"], lambda v: _band_grade(v, _PI1_BANDS))
        d21 = grade_two_of_three(t["pi2_function_variance"], _variance_grade)
        d22 = grade_two_of_three(t["pi2_economic_variance"], _variance_grade)
        cs = t["contingency_share"]
        d23 = _contingency_grade(float(cs.mean())) if cs.notna().all() else "NA"
        d31 = grade_two_of_three(t["pi3_revenue_outturn"], lambda v: _band_grade(v, _PI31_BANDS))
        d32 = grade_two_of_three(t["pi3_revenue_variance"], _variance_grade)
        rows.append({"region_code": code, "window": window, "PI-1": d11, "2.1": d21, "2.2": d22, "2.3": d23,
                     "PI-2": combine_m1([d21, d22, d23]), "3.1": d31, "3.2": d32,
                     "PI-3": combine_m2(d31, d32)})
    return pd.DataFrame(rows, columns=list(PEFA_SCORE_COLUMNS)).astype("str")


# --------------------------------------------------------------------------------------------------
# OUT01–OUT06: the PEFA ratios as graded findings (region × year)
# --------------------------------------------------------------------------------------------------

_BUDGET_READS = {"budget": ("year", "unit_code", "function_code", "economic_code", "original_amount")}
_REVENUE_READS = {"revenue": ("year", "region_code", "revenue_code", "budget_amount", "actual_amount")}
_PEFA_SOURCE = "PEFA 2016 Framework (pefa.org), pillar I budget reliability"
_AT_RISK_RULE = ("none: a PEFA budget-reliability ratio of the whole region-year, which scores how credible the "
                 "budget was rather than putting an amount at risk (the units' unspent and over-executed amounts "
                 "are BUD01's, BUD03's and ANM05's)")


def _ratio_rows(ctx: ScanContext, column: str, what: str) -> pd.DataFrame:
    """The last ``modules.outturn.years`` completed years of one PEFA ratio, one row per region × year."""
    t = pefa_table(ctx)
    n_years = int(_module(ctx).get("years", 3))
    first = ctx.year - n_years
    t = t.loc[(t["year"] >= first) & (t["year"] < ctx.year)]
    t = t.loc[t[column].notna()]
    if t.empty:
        raise NotAssessed(f"no completed year with {what}")
    out = pd.DataFrame({
        "subject_id": t["region_code"].to_numpy(),
        "region_code": t["region_code"].to_numpy(),
        "unit_code": pd.Series(pd.NA, index=range(len(t)), dtype="str"),
        "period": t["year"].astype("str").to_numpy(),
        "value": t[column].to_numpy(),
    })
    out["evidence"] = [{column: v, "year": int(y)} for v, y in zip(t[column], t["year"], strict=True)]
    return out


def _need_outturn(ctx: ScanContext) -> None:
    b = ctx.tables["budget"]
    has_actual = "actual_amount" in b and b["actual_amount"].notna().any()
    if not has_actual and ("payments" not in ctx.tables or ctx.tables["payments"] is None):
        raise NotAssessed("no outturn: budget.actual_amount is empty and there is no payments table")


@indicator(
    code="OUT01", module="outturn", subject_type="region", value_unit="ratio",
    at_risk_rule=_AT_RISK_RULE,
    name_zh="PI-1 支出总额执行偏差", name_en="PI-1 Aggregate expenditure outturn",
    reads=_BUDGET_READS, grade="outside",
    why_zh="实际支出总额偏离年初预算过大，说明预算编制不可靠，人大批准的预算约束力弱。",
    why_en="When total spending departs far from the approved budget, the budget is not a reliable "
    "statement of what government will do.",
    source=_PEFA_SOURCE + ", PI-1",
    message_zh="{unit_name} {period}年支出决算为年初预算的{value:.1%}，超出{threshold:.0%}界限",
    message_en="{unit_name} {period}: expenditure outturn {value:.1%} of the original budget, beyond {threshold:.0%}",
    params={
        "warning": Param("[low, high] band of the outturn ratio", Band()),
        "alert": Param("[low, high] band", Band()),
    },
)
def out01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """OUT01 PI-1 aggregate expenditure outturn.

    **What.** Per region × completed year: Σ outturn / Σ original budget over all lines of the region's
    own units. **Method.** Outturn per line = actual_amount, else net payments. The last
    ``modules.outturn.years`` (3) completed years are graded against the bands ``warning`` (PEFA B) and
    ``alert`` (PEFA C). **Exclusions.** The current year.
    """
    _need_outturn(ctx)
    return _ratio_rows(ctx, "pi1_outturn", "expenditure outturn")


@indicator(
    code="OUT02", module="outturn", subject_type="region", value_unit="ratio",
    at_risk_rule=_AT_RISK_RULE,
    name_zh="PI-2.1 按功能分类支出结构偏差", name_en="PI-2.1 Composition variance by function",
    reads=_BUDGET_READS, grade="ge",
    why_zh="支出结构相对预算大幅调整，说明预算资源配置被执行环节改变。",
    why_en="Large reallocations between functions during execution mean the approved priorities were "
    "changed outside the budget process.",
    source=_PEFA_SOURCE + ", PI-2.1",
    message_zh="{unit_name} {period}年按功能分类支出结构偏差{value:.1%}（阈值{threshold:.0%}）",
    message_en="{unit_name} {period}: composition variance by function {value:.1%} (threshold {threshold:.0%})",
    params={
        "warning": Param("variance ratio", NON_NEGATIVE),
        "alert": Param("variance ratio", NON_NEGATIVE),
    },
)
def out02(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """OUT02 PI-2.1 composition variance by function.

    **What.** Per region × completed year, the composition variance over function heads (first
    ``modules.outturn.function_digits`` digits), contingency (``227``) and interest (``307``) excluded.
    """
    _need_outturn(ctx)
    return _ratio_rows(ctx, "pi2_function_variance", "outturn by function")


@indicator(
    code="OUT03", module="outturn", subject_type="region", value_unit="ratio",
    at_risk_rule=_AT_RISK_RULE,
    name_zh="PI-2.2 按经济分类支出结构偏差", name_en="PI-2.2 Composition variance by economic type",
    reads=_BUDGET_READS, grade="ge",
    why_zh="经济分类结构偏差大，说明人员、公用、资本性支出之间在执行中被大幅调剂。",
    why_en="Large shifts between wages, goods and services and capital during execution undermine the "
    "budget's allocation.",
    source=_PEFA_SOURCE + ", PI-2.2",
    message_zh="{unit_name} {period}年按经济分类支出结构偏差{value:.1%}（阈值{threshold:.0%}）",
    message_en="{unit_name} {period}: composition variance by economic type {value:.1%} (threshold {threshold:.0%})",
    params={
        "warning": Param("variance ratio", NON_NEGATIVE),
        "alert": Param("variance ratio", NON_NEGATIVE),
    },
)
def out03(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """OUT03 PI-2.2 composition variance by economic type.

    **What.** Per region × completed year, the composition variance over economic heads (first
    ``economic_digits`` digits), interest included, contingency excluded.
    """
    _need_outturn(ctx)
    return _ratio_rows(ctx, "pi2_economic_variance", "outturn by economic type")


@indicator(
    code="OUT04", module="outturn", subject_type="region", value_unit="ratio",
    at_risk_rule=_AT_RISK_RULE,
    name_zh="PI-2.3 预备费支出占比", name_en="PI-2.3 Expenditure from contingency reserves",
    reads=_BUDGET_READS, grade="gt",
    why_zh="大量支出从预备费列支，说明预算编制不完整，资金安排绕过正常预算程序。",
    why_en="Heavy use of the contingency vote means spending is decided outside the budget process.",
    source=_PEFA_SOURCE + ", PI-2.3",
    message_zh="{unit_name} {window}年预备费支出平均占年初预算{value:.1%}（阈值{threshold:.0%}）",
    message_en="{unit_name} {window}: contingency spending averaged {value:.1%} of the original budget "
    "(threshold {threshold:.0%})",
    params={
        "warning": Param("3-year average share, strictly above", NON_NEGATIVE),
        "alert": Param("3-year average share", NON_NEGATIVE),
    },
)
def out04(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """OUT04 PI-2.3 contingency share.

    **What.** Per region: contingency outturn (function prefixes ``227``) / total original budget,
    averaged over the three last completed years; period = the last of them. Fewer than three years →
    not assessed for that region. **Method.** ``warning`` is graded strictly above (PEFA B is "≤ 6 %");
    ``alert`` at or above (PEFA C is "< 10 %"): the function forces the alert level itself so both bands
    match PEFA exactly.
    """
    _need_outturn(ctx)
    t = pefa_table(ctx)
    last = ctx.year - 1
    years = [last - 2, last - 1, last]
    t = t.loc[t["year"].isin(years)]
    if t.empty:
        raise NotAssessed("no completed year with outturn")
    g = t.groupby("region_code", sort=True)["contingency_share"].agg(["mean", "count"])
    full = g["count"] == 3
    out = pd.DataFrame({
        "subject_id": g.index.to_numpy(), "region_code": g.index.to_numpy(),
        "unit_code": pd.Series(pd.NA, index=range(len(g)), dtype="str"),
        "period": str(last), "value": np.where(full, g["mean"], np.nan),
        "reason": np.where(full, "", "fewer than three completed years"),
        "window": f"{years[0]}–{years[-1]}",
    })
    alert = p["alert"]
    if alert is not None:
        hit = out["value"].to_numpy() >= float(alert) - _EPS
        out["level"] = pd.Series(np.where(hit, "alert", ""), dtype="str").where(hit, pd.NA)
        out["threshold"] = np.where(hit, float(alert), np.nan)
    out["evidence"] = [{"years": years, "average_contingency_share": v} for v in out["value"]]
    return out


@indicator(
    code="OUT05", module="outturn", subject_type="region", value_unit="ratio",
    at_risk_rule=_AT_RISK_RULE,
    name_zh="PI-3.1 收入总额执行偏差", name_en="PI-3.1 Aggregate revenue outturn",
    reads=_REVENUE_READS, grade="outside",
    why_zh="收入预算与实际偏离过大，说明收入预测不可靠，支出预算缺乏保障或存在虚列收入。",
    why_en="Revenue far from forecast makes the spending plan unfunded, or the forecast inflated.",
    source=_PEFA_SOURCE + ", PI-3.1",
    message_zh="{unit_name} {period}年收入决算为预算的{value:.1%}，超出{threshold:.0%}界限",
    message_en="{unit_name} {period}: revenue outturn {value:.1%} of the budget, beyond {threshold:.0%}",
    params={
        "warning": Param("[low, high] band of the revenue outturn", Band()),
        "alert": Param("[low, high] band", Band()),
    },
)
def out05(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """OUT05 PI-3.1 aggregate revenue outturn.

    **What.** Per region × completed year: Σ actual / Σ budget in the revenue table, graded against the
    bands ``warning`` (PEFA B) and ``alert`` (PEFA C).
    """
    return _ratio_rows(ctx, "pi3_revenue_outturn", "revenue outturn")


@indicator(
    code="OUT06", module="outturn", subject_type="region", value_unit="ratio",
    at_risk_rule=_AT_RISK_RULE,
    name_zh="PI-3.2 收入结构偏差", name_en="PI-3.2 Revenue composition variance",
    reads=_REVENUE_READS, grade="ge",
    why_zh="收入结构偏差大，说明各类收入预测失准或收入组织存在调节。",
    why_en="A large variance across revenue heads shows unreliable forecasts or managed revenue collection.",
    source=_PEFA_SOURCE + ", PI-3.2",
    message_zh="{unit_name} {period}年收入结构偏差{value:.1%}（阈值{threshold:.0%}）",
    message_en="{unit_name} {period}: revenue composition variance {value:.1%} (threshold {threshold:.0%})",
    params={
        "warning": Param("variance ratio", NON_NEGATIVE),
        "alert": Param("variance ratio", NON_NEGATIVE),
    },
)
def out06(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """OUT06 PI-3.2 revenue composition variance.

    **What.** Per region × completed year, composition variance over revenue heads (first
    ``revenue_digits`` digits of revenue_code).
    """
    return _ratio_rows(ctx, "pi3_revenue_variance", "revenue outturn")
