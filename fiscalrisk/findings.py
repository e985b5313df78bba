"""The findings table every indicator and detector ends in, and the risk scores built from it.

A *finding* is one subject (a payment, a budget line, a unit × year, a region × year, ...) that an
indicator graded ``warning`` (黄色预警) or ``alert`` (红色预警). The table has exactly the columns of the
data contract (``shared/spec/data-contract.md``, section 2), in that order. ``level`` is an ordered
categorical ``ok < info < warning < alert`` from the registry to the writer: only the file boundary turns
it into plain strings, because string comparison would put ``"alert" < "warning"``.

``info`` (提示) is a *note*, not a risk: something an auditor should know about but nobody has to answer
for, such as one run of identical recurring charges that would otherwise raise a duplicate alert per
charge (PAY07). Notes are rows of the findings table (so that they are read where the findings are),
but they earn no risk points (:func:`finding_points`), they are not cases of the alert register, and
recall against labelled cases (:func:`fiscalrisk.scan.evaluate`) counts only warnings and alerts.
:data:`RISK_LEVELS` names the levels that are risks.

Three columns follow the contract's (after ``evidence``):

- ``value_unit``: what ``value`` and ``threshold`` are (``ratio``, ``pp``, ``money``, ``days``, ...:
  :data:`fiscalrisk.indicators.registry.VALUE_UNITS`), declared once per indicator in its
  ``@indicator(value_unit=...)``, so every page shows them with their unit
  (:func:`fiscalrisk.report.i18n.format_value`).
- ``amount_at_risk``: the money a finding concerns, in the data's currency (a payment's amount, a
  split's total, the overpaid part of a contract, ...; NaN where no amount is meaningful, e.g. a score
  or a Benford test). Each indicator declares its rule once, in its ``@indicator(at_risk=...,
  at_risk_rule=...)``; the registry copies the declared result column (``registry._amount_at_risk``)
  and the indicator's page prints the rule.
- ``priority``: the rank of the finding among all the findings of the scan, 1 = most urgent; a total
  order (:func:`priority_ranks`): by level (alert, warning, info), then the amount at risk (larger
  first, none last), then the period (later first: a scan has no previous run to compare with, so the
  newer period stands for "new"), then ``finding_id``. :func:`top_findings` cuts the ranked findings
  per unit for the reports, the findings workbook and the dashboard.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: The modules of the findings table (data contract, section 2), in the order the bureau lists them.
MODULES: tuple[str, ...] = (
    "budget",
    "payments",
    "procurement",
    "contracts",
    "projects",
    "assets",
    "seals",
    "outturn",
    "anomaly",
    "control",
    "performance",
)

__all__ = [
    "LEVELS",
    "LEVEL_DTYPE",
    "RISK_LEVELS",
    "FINDINGS_COLUMNS",
    "ASSESSED_COLUMNS",
    "SORT_KEYS",
    "empty_findings",
    "empty_assessed",
    "finalize_findings",
    "finalize_assessed",
    "SCORE_COLUMNS",
    "finding_points",
    "risk_scores",
]

LEVELS: tuple[str, ...] = ("ok", "info", "warning", "alert")
LEVEL_DTYPE = pd.CategoricalDtype(list(LEVELS), ordered=True)
#: The levels that are risks (a unit answers for them, they score, the register dispatches them).
RISK_LEVELS: tuple[str, ...] = ("warning", "alert")

FINDINGS_COLUMNS: tuple[str, ...] = (
    "finding_id",
    "indicator",
    "module",
    "level",
    "region_code",
    "unit_code",
    "subject_type",
    "subject_id",
    "period",
    "value",
    "threshold",
    "message_zh",
    "message_en",
    "evidence",
    "value_unit",
    "amount_at_risk",
    "priority",
)

SORT_KEYS: tuple[str, ...] = ("indicator", "region_code", "unit_code", "subject_id", "period", "finding_id")

ASSESSED_COLUMNS: tuple[str, ...] = (
    "indicator",
    "module",
    "region_code",
    "status",
    "assessed",
    "flagged",
    "warnings",
    "alerts",
    "reason",
)

_NUMBER_FINDING_COLUMNS = ("value", "threshold", "amount_at_risk")
_STR_FINDING_COLUMNS = tuple(c for c in FINDINGS_COLUMNS
                             if c not in ("level", "priority", *_NUMBER_FINDING_COLUMNS))


def empty_findings() -> pd.DataFrame:
    """A findings table with no rows and the contract's columns and dtypes."""
    return _empty_findings().copy()


@functools.cache
def _empty_findings() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series([], dtype="str") for c in _STR_FINDING_COLUMNS})
    df["level"] = pd.Series([], dtype=LEVEL_DTYPE)
    for c in _NUMBER_FINDING_COLUMNS:
        df[c] = pd.Series([], dtype="float64")
    df["priority"] = pd.Series([], dtype="int64")
    return df[list(FINDINGS_COLUMNS)]


def empty_assessed() -> pd.DataFrame:
    """An assessed table with no rows."""
    return finalize_assessed(pd.DataFrame({c: [] for c in ASSESSED_COLUMNS}))


def finalize_findings(frames: list[pd.DataFrame] | pd.DataFrame) -> pd.DataFrame:
    """Concatenate findings, fix column order and dtypes, sort them deterministically, and rank them.

    Sort order: (indicator, region_code, unit_code, subject_id, period, finding_id); empty unit codes
    (region-level findings) sort first within their region. ``amount_at_risk`` is NaN and ``value_unit``
    empty where a frame lacks them; ``priority`` is computed afresh over all the rows given (:func:`priority_ranks`), so the
    findings of a whole scan, finalised together, carry one order.
    """
    if isinstance(frames, pd.DataFrame):
        frames = [frames]
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return empty_findings()
    cols = [c for c in FINDINGS_COLUMNS if c != "priority"]
    frames = [f if "amount_at_risk" in f.columns else f.assign(amount_at_risk=np.nan) for f in frames]
    frames = [f if "value_unit" in f.columns else f.assign(value_unit="") for f in frames]
    df = pd.concat([f[cols] for f in frames], ignore_index=True)
    for c in _STR_FINDING_COLUMNS:
        df[c] = df[c].astype("str").fillna("")
    df["level"] = df["level"].astype("str").astype(LEVEL_DTYPE)
    for c in _NUMBER_FINDING_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    df = df.sort_values(list(SORT_KEYS), kind="mergesort", ignore_index=True)
    df["priority"] = priority_ranks(df)
    return df[list(FINDINGS_COLUMNS)]


def priority_ranks(findings: pd.DataFrame) -> pd.Series:
    """The priority of each finding: 1 = most urgent, a total order over the rows of ``findings``.

    Ordered by, in turn:

    1. ``level``: alert, then warning, then info (a note);
    2. ``amount_at_risk``: larger first; a finding without an amount (NaN) after every one with one, so
       an alert about 100 comes before a warning about a million, and a Benford alert after every
       alert with money;
    3. ``period``: later first (as text: ``2026-03`` before ``2026-02`` before ``2025``; a month of a
       year before the year itself). A scan does not know the previous run, so the newer period stands
       for novelty: a finding about last month is more likely new than one about two years ago;
    4. ``finding_id``: ties broken by the stable id, so the order is the same on every run.

    ``amount_at_risk`` missing from ``findings`` counts as NaN (an older scan). Returns int64 ranks
    aligned with ``findings``' index.
    """
    n = len(findings)
    if n == 0:
        return pd.Series([], index=findings.index, dtype="int64")
    level = findings["level"].astype("str").astype(LEVEL_DTYPE).cat.codes.to_numpy()
    amount = (pd.to_numeric(findings["amount_at_risk"], errors="coerce").to_numpy(dtype="float64")
              if "amount_at_risk" in findings else np.full(n, np.nan))
    missing = ~np.isfinite(amount)
    key = pd.DataFrame({
        "level": -level.astype("int64"),
        "missing": missing,
        "amount": -np.where(missing, 0.0, amount),
        "period": findings["period"].astype("str").fillna("").to_numpy(),
        "finding_id": findings["finding_id"].astype("str").fillna("").to_numpy(),
    })
    order = key.sort_values(["level", "missing", "amount", "period", "finding_id"],
                            ascending=[True, True, True, False, True], kind="mergesort").index.to_numpy()
    ranks = np.empty(n, dtype="int64")
    ranks[order] = np.arange(1, n + 1)
    return pd.Series(ranks, index=findings.index, dtype="int64")


@dataclass(frozen=True)
class TopFindings:
    """The most urgent findings of each unit (:func:`top_findings`).

    ``rows``: the findings shown, unit by unit — units in the order of their most urgent finding, each
    unit's findings by ``priority`` — with two columns added: ``group`` (the unit code, or the region
    code for a region-level finding: the region answers for those) and ``more`` (how many findings of
    that unit are not shown). ``total`` findings were considered, in ``units`` units.
    """

    rows: pd.DataFrame
    total: int
    units: int

    @property
    def shown(self) -> int:
        return int(len(self.rows))

    @property
    def more(self) -> int:
        """Findings not shown (in the units shown and in the units left out)."""
        return self.total - self.shown

    @property
    def units_shown(self) -> int:
        return int(self.rows["group"].nunique()) if len(self.rows) else 0


def top_findings(findings: pd.DataFrame, per_unit: int = 3, max_units: int | None = None,
                 levels: tuple[str, ...] = RISK_LEVELS) -> TopFindings:
    """The ``per_unit`` most urgent findings (by ``priority``) of each unit, for the top of a report.

    Only findings of ``levels`` count (warnings and alerts: a note is not a risk a unit answers for).
    Units are ordered by their most urgent finding; ``max_units`` keeps the first ones (None: all).
    Findings without ``priority`` (a frame of an older scan) are ranked here first.
    """
    if per_unit < 1:
        raise ValueError(f"top_findings: per_unit expected a whole number ≥ 1; got {per_unit!r}")
    f = findings.loc[findings["level"].astype("str").isin(levels)].copy()
    if "priority" not in f.columns or f["priority"].isna().any():
        f["priority"] = priority_ranks(f)
    unit = f["unit_code"].astype("str").fillna("")
    f["group"] = unit.where(unit != "", f["region_code"].astype("str"))
    f = f.sort_values("priority", kind="mergesort")
    best = f.groupby("group", sort=False)["priority"].transform("min")
    f["_unit_order"] = best
    f = f.sort_values(["_unit_order", "priority"], kind="mergesort")
    n_in_group = f.groupby("group", sort=False)["priority"].transform("size")
    pos = f.groupby("group", sort=False).cumcount()
    f["more"] = (n_in_group - np.minimum(n_in_group, per_unit)).astype("int64")
    shown = f.loc[pos < per_unit]
    groups = list(dict.fromkeys(shown["group"]))
    if max_units is not None:
        shown = shown.loc[shown["group"].isin(set(groups[:max_units]))]
    rows = shown.drop(columns="_unit_order").reset_index(drop=True)
    return TopFindings(rows=rows, total=int(len(f)), units=len(groups))


def finalize_assessed(frames: list[pd.DataFrame] | pd.DataFrame) -> pd.DataFrame:
    """Concatenate assessed rows, fix dtypes, and sort by (indicator, region_code)."""
    if isinstance(frames, pd.DataFrame):
        frames = [frames]
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        df = pd.DataFrame({c: pd.Series([], dtype="str") for c in ASSESSED_COLUMNS})
    else:
        df = pd.concat([f[list(ASSESSED_COLUMNS)] for f in frames], ignore_index=True)
    for c in ("indicator", "module", "region_code", "status", "reason"):
        df[c] = df[c].astype("str").fillna("")
    for c in ("assessed", "flagged", "warnings", "alerts"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    return df.sort_values(["indicator", "region_code"], kind="mergesort", ignore_index=True)


# --------------------------------------------------------------------------------------------------
# Risk scores
# --------------------------------------------------------------------------------------------------

SCORE_COLUMNS: tuple[str, ...] = (
    "subject_type",
    "subject_id",
    "name",
    "region_code",
    "region_level",
    "scope",
    "score",
    "units",
    "alerts",
    "warnings",
    "top_indicators",
)

_DEFAULT_SCORES: dict = {
    "points": {"warning": 3, "alert": 10},
    "indicator_cap": 40,
    "cap": 100,
    "region_aggregate": "mean",
    "top_n": 3,
    "module_weights": {},
}


def finding_points(findings: pd.DataFrame, settings: Mapping[str, Any] | None = None) -> pd.Series:
    """Points of each finding: ``points[level] × module_weights[module]`` (module weight 1 when absent).

    A level without points (``info``, a note) is worth 0, whatever ``points`` says: notes are not risks.
    """
    s = {**_DEFAULT_SCORES, **dict(settings or {})}
    points = {str(k): float(v) for k, v in s["points"].items()}
    weights = {str(k): float(v) for k, v in (s.get("module_weights") or {}).items()}
    level = findings["level"].astype("str")
    lv = level.map(points).fillna(0.0).astype("float64").where(level.isin(RISK_LEVELS), 0.0)
    w = findings["module"].astype("str").map(weights).fillna(1.0).astype("float64")
    return lv * w


def risk_scores(
    findings: pd.DataFrame,
    units: pd.DataFrame,
    regions: pd.DataFrame,
    settings: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Risk scores 0–100 per unit and per region at every level of the tree.

    Formula (parameters under ``scores`` in ``params/defaults.yaml``):

    - a finding is worth ``points[level] × module_weights[module]`` (default: warning 3, alert 10;
      weight 1 for a module not listed);
    - a **unit**'s score is ``min(cap, Σ_indicators min(indicator_cap, Σ points of the unit's findings
      of that indicator))``: one indicator alone cannot push a unit past ``indicator_cap`` (40), so a
      unit with 500 round-amount payments does not outrank one with alerts on five indicators;
    - a **region**'s ``own`` score aggregates (``region_aggregate``: mean, or max) the scores of the units
      registered directly in it — units without findings count as 0 — and adds the capped points of
      the region-level findings (subject ``region``, e.g. PEFA outturn), capped at ``cap``; its
      ``subtree`` score does the same over every unit of the region and of all regions below it (the
      region-level findings added are the region's own);
    - ``top_indicators``: the ``top_n`` (3) indicators contributing the most points in that scope,
      separated by ``;`` (ties broken by code);
    - ``alerts`` / ``warnings`` count every finding in scope (a subtree's counts include the
      region-level findings of the regions below it).

    Returns one row per unit (scope ``unit``) and two per region (scopes ``own`` and ``subtree``),
    columns :data:`SCORE_COLUMNS`, sorted by (subject_type, subject_id, scope).
    """
    from fiscalrisk.hierarchy import RegionTree

    s = {**_DEFAULT_SCORES, **dict(settings or {})}
    cap, icap = float(s["cap"]), float(s["indicator_cap"])
    how = str(s.get("region_aggregate", "mean"))
    if how not in ("mean", "max"):
        raise ValueError(f"scores: parameter 'region_aggregate' expected mean or max; got {how!r}")
    top_n = int(s.get("top_n", 3))

    f = _scored_findings(findings, s)
    u = units[["unit_code", "name", "region_code"]].astype("str").drop_duplicates("unit_code")
    u = u.sort_values("unit_code", ignore_index=True)
    tree = RegionTree.from_frame(regions)
    pairs = tree.ancestor_pairs()  # region_code → every ancestor and itself
    reg = tree.to_frame()

    # per unit × indicator and per region × indicator (the region-level findings), capped
    ui = _capped_by_indicator(f.loc[f["unit_code"] != ""], "unit_code", icap)
    ri = _capped_by_indicator(f.loc[f["unit_code"] == ""], "region_code", icap)
    ut = _unit_totals(u, ui, cap)
    rpts = ri.groupby("region_code")[["points", "alerts", "warnings"]].sum()

    rows = [_unit_score_rows(ut, reg, _top_indicators(ui, "unit_code", top_n))]
    ui_reg = ui.assign(region_code=ui["unit_code"].map(u.set_index("unit_code")["region_code"]))
    for scope in ("own", "subtree"):
        rows.append(_region_score_rows(scope, ut, ui_reg, ri, rpts, pairs, reg, how=how, cap=cap, top_n=top_n))
    return _score_table(rows)


def _scored_findings(findings: pd.DataFrame, settings: Mapping[str, Any]) -> pd.DataFrame:
    """The risk findings (warnings and alerts) with their points and alert / warning flags."""
    f = findings.loc[findings["level"].astype("str").isin(RISK_LEVELS)].copy()
    f["points"] = finding_points(f, settings)
    f["is_alert"] = (f["level"].astype("str") == "alert").astype("int64")
    f["is_warning"] = (f["level"].astype("str") == "warning").astype("int64")
    f["unit_code"] = f["unit_code"].astype("str").fillna("")
    return f


def _capped_by_indicator(f: pd.DataFrame, key: str, icap: float) -> pd.DataFrame:
    """Points, alerts and warnings per ``key`` × indicator, the points capped at ``icap``."""
    by = f.groupby([key, "indicator"], sort=True).agg(
        points=("points", "sum"), alerts=("is_alert", "sum"), warnings=("is_warning", "sum")
    ).reset_index()
    by["points"] = by["points"].clip(upper=icap)
    return by


def _unit_totals(u: pd.DataFrame, ui: pd.DataFrame, cap: float) -> pd.DataFrame:
    """Every unit with its points, alerts, warnings (0 without findings) and score (points capped)."""
    us = ui.groupby("unit_code").agg(points=("points", "sum"), alerts=("alerts", "sum"),
                                     warnings=("warnings", "sum"))
    unit = u.set_index("unit_code").join(us, how="left")
    unit[["points", "alerts", "warnings"]] = unit[["points", "alerts", "warnings"]].fillna(0)
    unit["score"] = unit["points"].clip(upper=cap)
    return unit.reset_index()


def _top_indicators(contrib: pd.DataFrame, key: str, top_n: int) -> pd.Series:
    """Per ``key``: the ``top_n`` indicators with the most points, ``;``-separated (ties by code)."""
    c = contrib.groupby([key, "indicator"], sort=True)["points"].sum().reset_index()
    c = c.loc[c["points"] > 0].sort_values([key, "points", "indicator"], ascending=[True, False, True],
                                           kind="mergesort")
    return c.groupby(key, sort=True)["indicator"].agg(lambda x: ";".join(list(x)[:top_n]))


def _unit_score_rows(ut: pd.DataFrame, reg: pd.DataFrame, unit_top: pd.Series) -> pd.DataFrame:
    """The rows of scope ``unit``."""
    return pd.DataFrame({
        "subject_type": "unit",
        "subject_id": ut["unit_code"],
        "name": ut["name"],
        "region_code": ut["region_code"],
        "region_level": ut["region_code"].map(reg.set_index("region_code")["level"]),
        "scope": "unit",
        "score": ut["score"],
        "units": 1,
        "alerts": ut["alerts"],
        "warnings": ut["warnings"],
        "top_indicators": ut["unit_code"].map(unit_top),
    })


def _region_score_rows(scope: str, ut: pd.DataFrame, ui_reg: pd.DataFrame, ri: pd.DataFrame,
                       rpts: pd.DataFrame, pairs: pd.DataFrame, reg: pd.DataFrame, *, how: str, cap: float,
                       top_n: int) -> pd.DataFrame:
    """The rows of scope ``own`` (the units registered in the region) or ``subtree`` (and below it)."""
    if scope == "own":
        member = ut[["unit_code", "region_code", "score", "alerts", "warnings"]].rename(
            columns={"region_code": "target"})
        contrib = ui_reg.rename(columns={"region_code": "target"})
    else:
        member = ut.merge(pairs, on="region_code")[["unit_code", "ancestor_code", "score", "alerts",
                                                     "warnings"]].rename(columns={"ancestor_code": "target"})
        contrib = ui_reg.merge(pairs, on="region_code").drop(columns="region_code").rename(
            columns={"ancestor_code": "target"})
    agg = member.groupby("target").agg(units=("unit_code", "size"), unit_score=("score", how),
                                       alerts=("alerts", "sum"), warnings=("warnings", "sum"))
    agg = agg.reindex(reg["region_code"])
    agg["units"] = agg["units"].fillna(0).astype("int64")
    own_pts = rpts.reindex(agg.index).fillna(0)
    score = (agg["unit_score"].fillna(0.0) + own_pts["points"]).clip(upper=cap)
    counts = own_pts[["alerts", "warnings"]]
    if scope == "subtree" and len(rpts):
        below = rpts.reset_index().merge(pairs, on="region_code")
        counts = below.groupby("ancestor_code")[["alerts", "warnings"]].sum().reindex(agg.index).fillna(0)
    contrib_all = pd.concat([
        contrib[["target", "indicator", "points"]],
        ri.rename(columns={"region_code": "target"})[["target", "indicator", "points"]],
    ], ignore_index=True)
    top = _top_indicators(contrib_all, "target", top_n)
    return pd.DataFrame({
        "subject_type": "region",
        "subject_id": agg.index.to_numpy(),
        "name": reg.set_index("region_code")["name"].reindex(agg.index).to_numpy(),
        "region_code": agg.index.to_numpy(),
        "region_level": reg.set_index("region_code")["level"].reindex(agg.index).to_numpy(),
        "scope": scope,
        "score": score.to_numpy(),
        "units": agg["units"].to_numpy(),
        "alerts": (agg["alerts"].fillna(0) + counts["alerts"]).to_numpy(),
        "warnings": (agg["warnings"].fillna(0) + counts["warnings"]).to_numpy(),
        "top_indicators": top.reindex(agg.index).to_numpy(),
    })


def _score_table(rows: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows together, typed, columns :data:`SCORE_COLUMNS`, sorted by (subject_type, subject_id, scope)."""
    out = pd.concat(rows, ignore_index=True)
    for c in ("subject_type", "subject_id", "name", "region_code", "region_level", "scope", "top_indicators"):
        out[c] = out[c].astype("str").fillna("")
    out["score"] = out["score"].astype("float64").round(2)
    for c in ("units", "alerts", "warnings"):
        out[c] = out[c].astype("int64")
    return out[list(SCORE_COLUMNS)].sort_values(["subject_type", "subject_id", "scope"], kind="mergesort",
                                                ignore_index=True)
