"""Asset indicators AST01–AST02 (资产与预算挂钩: assets checked against new spending).

The ``assets`` table is the unit's asset register at the time of the extract: each asset with its
category, acquisition date, original value (原值) and status (in use / idle / disposed). The register
has no status history, so "idle" means idle in the extract; both indicators look at the unit as a
whole at ``as_of`` and report the unit (period: the fiscal year of ``as_of``). Assets acquired after ``as_of``
are ignored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fiscalrisk.indicators.common import empty_result as _empty
from fiscalrisk.indicators.common import money as _money
from fiscalrisk.indicators.constraints import COUNT, NON_NEGATIVE, Param
from fiscalrisk.indicators.registry import ScanContext, indicator

__all__ = ["idle_while_buying", "idle_share"]


def idle_while_buying(assets: pd.DataFrame, as_of: pd.Timestamp, *, lookback_months: int,
                      year: int | None = None) -> pd.DataFrame:
    """AST01: per unit, the largest ratio idle value / new purchases over the categories it bought.

    New purchases of a category = assets acquired in the ``lookback_months`` months up to ``as_of``
    with a positive original value (a zero-value entry is a transfer or donation, not a purchase).
    Idle holdings of the category = assets with status ``idle`` acquired *before* the latest of those
    purchases — an asset bought in the same batch cannot have been idle when it was bought — and they
    are not counted among the new purchases themselves. A category
    with both is a finding; value = idle value / new purchases (the indicator's thresholds: any idle
    value warns, idle value at least equal to the purchases alerts). Units that bought something in
    the window are assessed; those without such a category are ``ok``.
    """
    cols = ("level", "categories", "idle_value", "new_value", "avoidable")
    a = assets.loc[assets["acquired_date"] <= as_of].copy()
    a["unit_code"] = a["unit_code"].astype(str)
    a["category"] = a["category"].astype(str)
    start = as_of.normalize() - pd.DateOffset(months=int(lookback_months))
    new = a.loc[(a["acquired_date"] > start) & a["original_value"].gt(0)]
    if new.empty:
        return _empty(*cols)
    latest = new.groupby(["unit_code", "category"])["acquired_date"].max().rename("latest")
    idle = a.loc[a["status"].eq("idle")].join(latest, on=["unit_code", "category"], how="inner")
    idle = idle.loc[idle["acquired_date"] < idle["latest"]]

    rows = []
    for unit, g in new.groupby("unit_code", sort=True):
        hits = []
        for cat, gn in g.groupby("category", sort=True):
            gi = idle.loc[(idle["unit_code"] == unit) & (idle["category"] == cat)]
            if gi.empty:
                continue
            # an idle asset bought early in the window is idle stock, not a purchase made despite it
            gn = gn.loc[~gn["asset_id"].isin(gi["asset_id"])]
            new_value = round(float(gn["original_value"].sum()), 2)
            idle_value = round(float(gi["original_value"].sum()), 2)
            hits.append(
                {
                    "category": cat,
                    "ratio": idle_value / new_value,
                    "idle_value": idle_value,
                    "new_value": new_value,
                    "idle_asset_ids": sorted(gi["asset_id"].astype(str)),
                    "new_asset_ids": sorted(gn["asset_id"].astype(str)),
                }
            )
        if not hits:
            rows.append(
                {
                    "subject_id": unit,
                    "unit_code": unit,
                    "value": 0.0,
                    "level": "ok",
                    "categories": "",
                    "idle_value": 0.0,
                    "new_value": 0.0,
                    "avoidable": 0.0,
                    "evidence": {},
                }
            )
            continue
        worst = max(hits, key=lambda h: (h["ratio"], h["category"]))
        rows.append(
            {
                "subject_id": unit,
                "unit_code": unit,
                "value": worst["ratio"],
                "level": np.nan,
                "categories": "、".join(h["category"] for h in hits),
                "idle_value": sum(h["idle_value"] for h in hits),
                "new_value": sum(h["new_value"] for h in hits),
                "avoidable": round(sum(min(h["idle_value"], h["new_value"]) for h in hits), 2),
                "evidence": {
                    "window_start": (start + pd.Timedelta(days=1)).date().isoformat(),
                    "as_of": as_of.date().isoformat(),
                    "categories": {
                        h["category"]: {
                            k: (_money(v) if isinstance(v, float) else v)
                            for k, v in h.items()
                            if k != "category"
                        }
                        for h in hits
                    },
                },
            }
        )
    out = pd.DataFrame(rows)
    out["period"] = str(as_of.year if year is None else year)
    return out


def idle_share(assets: pd.DataFrame, as_of: pd.Timestamp, *, year: int | None = None) -> pd.DataFrame:
    """AST02: idle value / (in-use + idle) value of a unit's assets held at ``as_of`` (original values).

    Disposed assets are out of the register's active stock and do not count. Units whose active stock
    has no value are not assessed.
    """
    a = assets.loc[(assets["acquired_date"] <= as_of) & assets["status"].isin(["in_use", "idle"])]
    if a.empty:
        return _empty("idle_value", "total_value")
    a = a.assign(
        unit_code=a["unit_code"].astype(str),
        idle_value=a["original_value"].where(a["status"].eq("idle"), 0.0),
    )
    g = a.groupby("unit_code", sort=True).agg(
        total_value=("original_value", "sum"),
        idle_value=("idle_value", "sum"),
        n=("asset_id", "size"),
        idle_n=("status", lambda s: int(s.eq("idle").sum())),
    )
    g = g.loc[g["total_value"] > 0].round({"total_value": 2, "idle_value": 2})
    if g.empty:
        return _empty("idle_value", "total_value")
    return pd.DataFrame(
        {
            "subject_id": g.index.astype(str),
            "unit_code": g.index.astype(str),
            "period": str(as_of.year if year is None else year),
            "value": g["idle_value"] / g["total_value"],
            "idle_value": g["idle_value"],
            "total_value": g["total_value"],
            "evidence": [
                {"idle_value": _money(i), "active_value": _money(t), "assets": int(n), "idle_assets": int(k)}
                for i, t, n, k in zip(g["idle_value"], g["total_value"], g["n"], g["idle_n"], strict=True)
            ],
        }
    ).reset_index(drop=True)


# ------------------------------------------------------------------------------------- registration
@indicator(
    code="AST01",
    value_unit="ratio",
    at_risk="avoidable",
    at_risk_rule="the purchases the idle stock could have replaced: per category flagged, the smaller of "
    "the idle value and the new purchases, summed",
    module="assets",
    subject_type="unit",
    name_zh="闲置仍新购",
    name_en="Buying while assets are idle",
    reads={"assets": ("asset_id", "unit_code", "category", "acquired_date", "original_value", "status")},
    grade="ge",
    why_zh="单位持有同类闲置资产却继续新购，说明预算编制未与存量资产挂钩，造成重复配置和资金浪费。",
    why_en=(
        "Buying assets of a category while holding idle ones of the same category means the budget was "
        "not checked against existing assets: duplicated spending."
    ),
    source="湖州市财政内控 资产与预算挂钩; 行政事业性国有资产管理条例 (国务院令第738号) 第14条",
    message_zh=(
        "{unit_name} 近 {lookback_months} 个月新购 {categories} 类资产 {new_value:,.2f} 元，"
        "同时持有该类闲置资产 {idle_value:,.2f} 元"
    ),
    message_en=(
        "{unit_name} bought assets of category {categories} for {new_value:,.2f} in the last "
        "{lookback_months} months while holding idle ones worth {idle_value:,.2f}"
    ),
    params={
        "lookback_months": Param("months before as_of in which acquisitions count as new purchases", COUNT),
        "warning": Param(
            "idle value / new purchases at or above → warning (0: any idle value)",
            NON_NEGATIVE,
        ),
        "alert": Param("idle value / new purchases at or above → alert", NON_NEGATIVE),
    },
)
def ast01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """AST01 闲置仍新购 — buying while assets of the same category are idle.

    **What.** A unit acquired assets of a category in the ``lookback_months`` (12) months up to
    ``as_of`` while it held idle assets of that category.

    **Method.** Per category: idle value = original value of the ``idle`` assets acquired before the
    category's latest new purchase; new purchases = original value of the acquisitions in the window.
    value = the largest idle / new ratio over the unit's categories; graded ≥ ``warning`` (0: any) and
    ≥ ``alert`` (1.0: idle value at least equal to the new purchases). The message sums the categories
    concerned; the evidence gives each with its asset ids. Subject: the unit; period: year of ``as_of``.

    **Exclusions.** Zero-value acquisitions (transfers, donations); idle assets from the same batch
    as the purchase; disposed assets.
    """
    return idle_while_buying(ctx.tables["assets"], ctx.as_of, lookback_months=int(p["lookback_months"]),
                             year=ctx.year)


@indicator(
    code="AST02",
    value_unit="ratio",
    at_risk="idle_value",
    at_risk_rule="the original value of the idle assets",
    module="assets",
    subject_type="unit",
    name_zh="资产闲置率",
    name_en="Idle asset share",
    reads={"assets": ("asset_id", "unit_code", "acquired_date", "original_value", "status")},
    grade="ge",
    why_zh="单位资产闲置比例高，资产配置超出需要，应调剂或处置，并在编制新增资产预算时从严审核。",
    why_en=(
        "A high share of idle assets means the unit holds more than it needs; they should be reallocated "
        "or disposed of, and new asset budgets reviewed strictly."
    ),
    source="行政事业性国有资产管理条例 (国务院令第738号); 湖州市财政内控 资产管理 (local practice)",
    message_zh="{unit_name} 闲置资产原值 {idle_value:,.2f} 元，占在用和闲置资产 {total_value:,.2f} 元的 {value:.1%}",
    message_en=(
        "{unit_name}: idle assets of {idle_value:,.2f} are {value:.1%} of the {total_value:,.2f} in use "
        "or idle"
    ),
    params={
        "warning": Param("idle share at or above → warning", NON_NEGATIVE),
        "alert": Param("idle share at or above → alert", NON_NEGATIVE),
    },
)
def ast02(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """AST02 资产闲置率 — idle share of a unit's assets.

    **What.** Original value of the unit's ``idle`` assets / original value of its ``in_use`` and
    ``idle`` assets, among those acquired on or before ``as_of``.

    **Method.** Graded ≥ ``warning`` (0.20) and ≥ ``alert`` (0.40). Subject: the unit; period: year of
    ``as_of``.

    **Exclusions.** Disposed assets; units whose active stock has no value.
    """
    return idle_share(ctx.tables["assets"], ctx.as_of, year=ctx.year)
