"""Plant of the internal-control indicator (CTL01), applied to the background checklist ``df`` by
:meth:`~fiscalrisk.samples.tables.Tables.ic_checklist`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder

#: CTL01 weak internal control: (unit, year, share of each item's maximum score, note); special items 0
CTL01 = (
    ("330502-010", 2025, 0.70, "score about 70 (warning)"),
    ("330523-013", 2024, 0.52, "score about 52 (alert)"),
)


def plant_ctl01(b: _Builder, df: pd.DataFrame) -> None:
    """CTL01: low internal-control evaluation scores."""
    for unit, y, f, note in CTL01:
        m = (df.unit_code == unit) & (df.year == y) & (df.dimension != "special")
        df.loc[m, "score"] = (df.loc[m, "max_score"] * f).round(1)
        df.loc[(df.unit_code == unit) & (df.year == y) & (df.dimension == "special"), "score"] = 0.0
        b.label("CTL01", "unit", unit, f"{y}: internal-control {note}")
