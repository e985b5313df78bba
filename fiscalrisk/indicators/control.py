"""Internal-control evaluation CTL01 (内控考核评价).

Huzhou's model (德清县 from 2019): each unit's internal control is scored item by item in four
dimensions — public (公共), external risk (外部风险), functional (职能) and special (特色). Public and
external risk together weigh 30 % of the score, the functional part 70 %, and special items add bonus
points (财会〔2016〕11号 for the evaluation itself). The ``ic_checklist`` table holds the items with
their score and maximum.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.indicators.constraints import COUNT, NON_NEGATIVE, SHARE, Param, Problem
from fiscalrisk.indicators.registry import ScanContext, indicator

__all__ = ["control_scores"]

_PUBLIC = ("public", "external")


def control_scores(
    checklist: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    public_weight: float,
    functional_weight: float,
    special_cap: float,
    year: int | None = None,
) -> pd.DataFrame:
    """CTL01: score per unit × year.

    score = 100 × (``public_weight`` × public-and-external share + ``functional_weight`` × functional
    share) + min(special points, ``special_cap``), a share being Σ score / Σ max_score over the
    dimension's items. A unit-year whose checklist lacks the public-and-external or the functional
    items (or whose maxima sum to 0) cannot be scored: value NaN with the reason. Years after the year
    of ``as_of`` are left out.
    """
    c = checklist.loc[checklist["year"].astype("Int64") <= (as_of.year if year is None else year)].copy()
    if c.empty:
        return pd.DataFrame(columns=["subject_id", "unit_code", "period", "value", "evidence"])
    c["unit_code"] = c["unit_code"].astype(str)
    c["year"] = c["year"].astype(int)
    c["group"] = np.select(
        [c["dimension"].isin(_PUBLIC), c["dimension"].eq("functional"), c["dimension"].eq("special")],
        ["public", "functional", "special"],
        default="other",
    )
    sums = c.pivot_table(
        index=["unit_code", "year"],
        columns="group",
        values=["score", "max_score"],
        aggfunc="sum",
        fill_value=0.0,
    )
    sums.columns = [f"{v}_{g}" for v, g in sums.columns]
    for col in (
        "score_public",
        "max_score_public",
        "score_functional",
        "max_score_functional",
        "score_special",
    ):
        if col not in sums:
            sums[col] = 0.0
    items = c.groupby(["unit_code", "year"]).size()

    pub_ok = sums["max_score_public"] > 0
    fun_ok = sums["max_score_functional"] > 0
    pub_share = (sums["score_public"] / sums["max_score_public"].where(pub_ok)).astype(float)
    fun_share = (sums["score_functional"] / sums["max_score_functional"].where(fun_ok)).astype(float)
    bonus = np.minimum(sums["score_special"].astype(float), float(special_cap))
    # rounded to 1e-6 points so that a score of exactly 80 is not graded as 79.99999999999999
    score = (100.0 * (public_weight * pub_share + functional_weight * fun_share) + bonus).round(6)
    reason = np.select(
        [~pub_ok & ~fun_ok, ~pub_ok, ~fun_ok],
        ["no public, external or functional items", "no public or external items", "no functional items"],
        default="",
    )
    units = sums.index.get_level_values("unit_code")
    years = sums.index.get_level_values("year")
    return pd.DataFrame(
        {
            "subject_id": units.astype(str),
            "unit_code": units.astype(str),
            "period": years.astype(str),
            "value": score.to_numpy(),
            "public_share": pub_share.to_numpy(),
            "functional_share": fun_share.to_numpy(),
            "bonus": bonus.to_numpy(),
            "reason": reason,
            "evidence": [
                {
                    "public_external_score": round(float(ps), 4),
                    "public_external_max": round(float(pm), 4),
                    "functional_score": round(float(fs), 4),
                    "functional_max": round(float(fm), 4),
                    "special_points": round(float(sp), 4),
                    "bonus": round(float(b), 4),
                    "items": int(n),
                }
                for ps, pm, fs, fm, sp, b, n in zip(
                    sums["score_public"],
                    sums["max_score_public"],
                    sums["score_functional"],
                    sums["max_score_functional"],
                    sums["score_special"],
                    bonus,
                    items.reindex(sums.index),
                    strict=True,
                )
            ],
        }
    )


def _check_weights(p: Mapping[str, Any]) -> Iterator[Problem]:
    """The two dimension weights of the score add up to 1."""
    if "public_weight" in p and "functional_weight" in p:
        total = p["public_weight"] + p["functional_weight"]
        if abs(total - 1.0) > 1e-9:
            yield Problem(("functional_weight", "public_weight"), "public_weight + functional_weight = 1",
                          f"a sum of {total:g}")


@indicator(
    code="CTL01",
    value_unit="score",
    at_risk_rule="none: an evaluation score, not an amount",
    module="control",
    subject_type="unit",
    name_zh="内控考核得分",
    name_en="Internal-control score",
    reads={"ic_checklist": ("year", "unit_code", "dimension", "item", "score", "max_score")},
    grade="lt",
    why_zh="内控考核得分低，说明单位制度建设、内控活动或风险防控存在短板，各业务环节的风险更容易发生。",
    why_en=(
        "A low internal-control score shows gaps in the unit's rules, control activities or risk "
        "prevention, where the risks of every business process are more likely to materialise."
    ),
    source="行政事业单位内部控制报告管理制度 (财会〔2016〕11号); 湖州市 德清县财政局 内控考核细则 (公共/外部 30 %, 职能 70 %, 特色加分)",
    message_zh=(
        "{unit_name} {period} 年内控考核得分 {value:.1f}（公共及外部风险 {public_share:.1%}，"
        "职能 {functional_share:.1%}，特色加分 {bonus:g}）"
    ),
    message_en=(
        "{unit_name}: internal-control score {value:.1f} in {period} (public and external "
        "{public_share:.1%}, functional {functional_share:.1%}, special bonus {bonus:g})"
    ),
    check=_check_weights,
    params={
        "public_weight": Param("weight of the public-and-external share", SHARE),
        "functional_weight": Param("weight of the functional share", SHARE),
        "special_cap": Param("cap on the special items' bonus points", COUNT),
        "warning": Param("score strictly below → warning", NON_NEGATIVE),
        "alert": Param("score strictly below → alert", NON_NEGATIVE),
    },
)
def ctl01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """CTL01 内控考核得分 — internal-control evaluation score.

    **What.** Per unit × year from ``ic_checklist``: 100 × (``public_weight`` (0.30) × public-and-external
    share + ``functional_weight`` (0.70) × functional share) + special items' points capped at
    ``special_cap`` (5). A share is the dimension's Σ score / Σ max_score; "public" and "external"
    items form one part, as in Huzhou's 公共（外部风险）dimension.

    **Method.** Lower is worse: graded strictly below ``warning`` (80) and ``alert`` (60). Subject: the
    unit; period: the year.

    **Exclusions.** Unit-years missing the public-and-external or the functional items (not assessed,
    with the reason); years after ``as_of``.
    """
    return control_scores(
        ctx.tables["ic_checklist"],
        ctx.as_of,
        public_weight=float(p["public_weight"]),
        functional_weight=float(p["functional_weight"]),
        special_cap=float(p["special_cap"]),
        year=ctx.year,
    )
