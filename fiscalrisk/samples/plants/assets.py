"""Plants of the asset indicators (AST01, AST02), applied to the background asset register ``df``
(columns unit_idx, category, acquired_date, original_value, status) by
:meth:`~fiscalrisk.samples.tables.Tables.assets`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fiscalrisk.samples.reference import _d

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder

#: AST01 idle desktop computers while new ones are bought: (unit, idle, new, note)
AST01 = (
    ("330500-029", 10, 6, "alert: idle value above the new purchases"),
    ("330522-006", 3, 12, "warning: idle value below the new purchases"),
)


def plant_ast01(b: _Builder, df: pd.DataFrame) -> pd.DataFrame:
    """AST01: idle computers (bought in 2021) while buying new ones in 2026."""
    planted = []
    for unit, idle_n, new_n, note in AST01:
        i = b.uidx(unit)
        for k in range(idle_n):
            planted.append((i, "A02010104", _d("2021-05-10") + k, 6_480.00 + 10 * k, "idle", ""))
        for k in range(new_n):
            planted.append((i, "A02010104", _d("2026-02-26"), 6_980.00 + 5 * k, "in_use", ""))
        b.label(
            "AST01",
            "unit",
            unit,
            f"{idle_n} idle desktop computers while {new_n} new ones were bought in 2026 ({note})",
        )
    return pd.concat(
        [df, pd.DataFrame(planted, columns=[*df.columns, "_x"]).drop(columns="_x")], ignore_index=True
    )


#: AST02 units whose vehicles and equipment stand idle: (unit, idle share of in-use plus idle value)
AST02 = (("330503-008", 0.3), ("330521-005", 0.5))


def plant_ast02(b: _Builder, df: pd.DataFrame) -> pd.DataFrame:
    """AST02: idle special equipment (bought in 2019) at a large share of the unit's holdings; none of
    the kind bought recently."""
    for unit, share in AST02:
        i = b.uidx(unit)
        live = (df.unit_idx == i) & df.status.isin(["in_use", "idle"])
        total = df.loc[live, "original_value"].sum()
        extra_cat = "A02061800"
        recent_i = (
            (df.unit_idx == i)
            & (df.category == extra_cat)
            & (df.acquired_date >= np.datetime64("2025-06-30"))
        )
        df.loc[recent_i, "acquired_date"] = _d("2020-08-18")
        value = total * share / (1 - share)
        k = int(np.ceil(value / 150_000))
        add = pd.DataFrame(
            {
                "unit_idx": i,
                "category": extra_cat,
                "acquired_date": _d("2019-04-22"),
                "original_value": np.round(np.full(k, value / k), 2),
                "status": "idle",
            }
        )
        df = pd.concat([df, add], ignore_index=True)
        b.label("AST02", "unit", unit, f"idle assets about {share:.0%} of in-use plus idle value")
    return df
