"""Plants of the outturn indicators (OUT01–OUT06, PEFA PI-1 to PI-3).

OUT01–OUT03 change original budgets of a county and the units below its seat (not its townships) on
the finished budget lines; OUT04 is a region whose finance bureau spends much more from the
contingency reserve (:data:`CONTINGENCY_SHARE`, read by the background) and budgets it; OUT05 and OUT06
change revenue outturn row by row while :meth:`~fiscalrisk.samples.tables.Tables.revenue` draws it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder

#: Share of its region's spending a finance bureau spends from the contingency reserve, where it is not
#: the background's 0.6 % (OUT04)
CONTINGENCY_SHARE = {"330502": 0.12}

#: The years of the planted budget-reliability cases
OUT_YEARS = (2024, 2025)


def _county(g: pd.DataFrame) -> pd.Series:
    # county-level units only: the townships below keep their own, clean budgets
    return g.unit_code.str.split("-").str[0]


#: OUT01 originals short of outturn: (county, factor on the original budget)
OUT01 = (("330523", 0.80),)


def plant_out01(b: _Builder, g: pd.DataFrame) -> None:
    """OUT01: aggregate outturn about 120 % of the original budget (Anji)."""
    years = g.year.isin(list(OUT_YEARS)) & (g.function_code != "2270000")
    for county, f in OUT01:
        m = years & (_county(g) == county)
        g.loc[m, "original_amount"] *= f
        b.label("OUT01", "region", county, "2024 and 2025 outturn about 120% of the original budget")


#: OUT02 composition by function: (county, function prefix budgeted high, factor)
OUT02 = (("330522", "205", 1.4),)


def plant_out02(b: _Builder, g: pd.DataFrame) -> None:
    """OUT02: education (205) budgeted 40 % high, the other functions low; the economic mix restored
    (Changxing)."""
    county = _county(g)
    for region, prefix, f in OUT02:
        for y in OUT_YEARS:
            m = (g.year == y) & (county == region) & (g.function_code != "2270000")
            edu = m & g.function_code.str.startswith(prefix)
            tot = g.loc[m, "original_amount"].sum()
            e = g.loc[edu, "original_amount"].sum()
            before = g.loc[m].groupby(g.economic_code.str[:3]).original_amount.sum()
            g.loc[edu, "original_amount"] *= f
            g.loc[m & ~edu, "original_amount"] *= (tot - f * e) / (tot - e)
            after = g.loc[m].groupby(g.economic_code.str[:3]).original_amount.sum()
            fix = (before / after).reindex(g.loc[m, "economic_code"].str[:3]).to_numpy()
            g.loc[m, "original_amount"] *= fix
        b.label("OUT02", "region", region, "2024 and 2025 education over-budgeted by 40% against other functions")


#: OUT03 composition by economic class: (county, factor on wages 301, factor on goods and services 302)
OUT03 = (("330503", 0.78, 1.45),)


def plant_out03(b: _Builder, g: pd.DataFrame) -> None:
    """OUT03: wages under-, goods and services over-budgeted within each function head (Nanxun)."""
    county = _county(g)
    for region, wages, goods in OUT03:
        for y in OUT_YEARS:
            m = (g.year == y) & (county == region) & (g.function_code != "2270000")
            head = g.function_code.str[:3]
            before = g.loc[m].groupby(head[m]).original_amount.sum()
            cls = g.economic_code.str[:3]
            g.loc[m & (cls == "301"), "original_amount"] *= wages
            g.loc[m & (cls == "302"), "original_amount"] *= goods
            after = g.loc[m].groupby(head[m]).original_amount.sum()
            g.loc[m, "original_amount"] *= (before / after).reindex(head[m]).to_numpy()
        b.label("OUT03", "region", region, "2024 and 2025 wages under- and goods/services over-budgeted")


def plant_out04(b: _Builder, g: pd.DataFrame) -> None:
    """OUT04: the contingency reserve of the regions of :data:`CONTINGENCY_SHARE` is budgeted at what they
    spend from it (completed years), about 12 % of the original budget."""
    u = b.units
    cont = (g.function_code == "2270000") & (g.year < 2026)
    for j in np.flatnonzero(cont.to_numpy()):
        region = u.region_code.iat[g.unit_idx.iat[j]]
        if region not in CONTINGENCY_SHARE:
            continue
        budget = g.amount.iat[j] / 0.99
        g.iat[j, g.columns.get_loc("adjusted_amount")] = budget
        g.iat[j, g.columns.get_loc("original_amount")] = budget
    for region in CONTINGENCY_SHARE:
        b.label("OUT04", "region", region, "contingency (227) spending about 12% of the original budget each year")


#: OUT05 revenue collected far below the estimate: region -> (years, outturn / budget)
OUT05 = {"330521": (OUT_YEARS, 0.86)}


def plant_out05(b: _Builder, region: str, year: int, code: str, budget: float, actual: float) -> float:
    """OUT05: the revenue outturn of a row of :meth:`~fiscalrisk.samples.tables.Tables.revenue`, about
    86 % of the estimate in the planted region and years (drawn from the builder's stream)."""
    case = OUT05.get(region)
    if case is None or year not in case[0]:
        return actual
    b.label("OUT05", "region", region, "2024 and 2025 revenue outturn about 86% of the estimate")
    return budget * case[1] * b.rng.uniform(0.99, 1.01)


#: OUT06 revenue mix: region -> (years, factor on tax revenue 101, factor on non-tax revenue)
OUT06 = {"330500": (OUT_YEARS, 0.85, 1.75)}


def plant_out06(b: _Builder, region: str, year: int, code: str, budget: float, actual: float) -> float:
    """OUT06: tax revenue short while non-tax revenue is far over, in the planted region and years."""
    case = OUT06.get(region)
    if case is None or year not in case[0]:
        return actual
    b.label("OUT06", "region", region, "2024 and 2025 tax revenue 15% short while non-tax revenue is 75% over")
    return actual * (case[1] if code.startswith("101") else case[2])
