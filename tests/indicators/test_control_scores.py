"""control_scores, the computation behind CTL01, on hand-worked checklists: sums over several items
per dimension, the evidence, the reasons a unit-year cannot be scored, and empty input.

Every figure below is worked out by hand from the definition: score = 100 × (0.3 × public-and-external
share + 0.7 × functional share) + min(special points, 5), a share being Σ score / Σ max_score.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pandas as pd
import pytest

from fiscalrisk.indicators.control import control_scores

from ._tables import typed

AS_OF = pd.Timestamp("2025-06-30")
WEIGHTS = {"public_weight": 0.3, "functional_weight": 0.7, "special_cap": 5.0}
_ITEM = itertools.count(1)


def item(unit: str, dimension: str, score: float, max_score: float, year: int = 2024) -> dict[str, Any]:
    """One checklist item (its own name: (year, unit, dimension, item) is the table's key)."""
    return {"year": year, "unit_code": unit, "dimension": dimension, "item": f"{dimension} 考核项 {next(_ITEM)}",
            "score": score, "max_score": max_score}


def scores(rows: list[dict[str, Any]], as_of: pd.Timestamp = AS_OF) -> pd.DataFrame:
    return control_scores(typed("ic_checklist", rows), as_of, **WEIGHTS).set_index("subject_id")


def test_several_items_of_a_dimension_are_summed() -> None:
    out = scores([
        item("U1", "public", 9, 10), item("U1", "public", 8, 10), item("U1", "external", 5, 10),
        item("U1", "functional", 30, 40), item("U1", "functional", 25, 30),
        item("U1", "special", 2, 5), item("U1", "special", 2, 5),
    ])
    # public and external 22 / 30, functional 55 / 70: 100 × (0.3 × 22/30 + 0.7 × 55/70) = 22 + 55,
    # special 2 + 2 = 4 (below the cap 5) → 81
    assert out.loc["U1", "value"] == pytest.approx(81.0)
    assert out.loc["U1", "unit_code"] == "U1" and out.loc["U1", "period"] == "2024"
    assert out.loc["U1", "reason"] == ""
    assert out.loc["U1", "evidence"] == {
        "public_external_score": 22.0, "public_external_max": 30.0, "functional_score": 55.0,
        "functional_max": 70.0, "special_points": 4.0, "bonus": 4.0, "items": 7,
    }


def test_evidence_is_rounded_to_four_decimals() -> None:
    out = scores([
        item("U1", "public", 2 / 3, 1.23456), item("U1", "functional", 10.123456, 12.345678),
        item("U1", "special", 1.23456, 5),
    ])
    assert out.loc["U1", "evidence"] == {
        "public_external_score": 0.6667, "public_external_max": 1.2346, "functional_score": 10.1235,
        "functional_max": 12.3457, "special_points": 1.2346, "bonus": 1.2346, "items": 3,
    }
    expected = 100 * (0.3 * (2 / 3) / 1.23456 + 0.7 * 10.123456 / 12.345678) + 1.23456
    assert out.loc["U1", "value"] == pytest.approx(expected, abs=1e-6)


def test_unit_years_without_a_part_carry_the_reason() -> None:
    out = scores([
        item("A", "functional", 70, 70),  # no public or external items
        item("B", "public", 30, 30),  # no functional items
        item("C", "special", 3, 5),  # neither
        item("D", "public", 0, 0), item("D", "functional", 0, 0),  # maxima summing to 0: neither
        item("E", "external", 0.5, 0.5), item("E", "functional", 0.5, 1),  # small maxima are fine
    ])
    assert out["reason"].to_dict() == {
        "A": "no public or external items",
        "B": "no functional items",
        "C": "no public, external or functional items",
        "D": "no public, external or functional items",
        "E": "",
    }
    assert out.loc[["A", "B", "C", "D"], "value"].isna().all()
    assert out.loc["E", "value"] == pytest.approx(100 * (0.3 * 1.0 + 0.7 * 0.5))  # 65


def test_a_dimension_absent_from_the_whole_checklist() -> None:
    only_functional = scores([item("U1", "functional", 35, 70)])
    assert math.isnan(only_functional.loc["U1", "value"])
    assert only_functional.loc["U1", "reason"] == "no public or external items"
    only_public = scores([item("U1", "public", 24, 30), item("U1", "special", 2, 5)])
    assert math.isnan(only_public.loc["U1", "value"])
    assert only_public.loc["U1", "reason"] == "no functional items"
    no_special = scores([item("U1", "public", 24, 30), item("U1", "functional", 49, 70)])
    assert no_special.loc["U1", "value"] == pytest.approx(73.0)  # 0.3 × 0.8 + 0.7 × 0.7, no bonus
    assert no_special.loc["U1", "evidence"]["bonus"] == 0


def test_years_after_as_of_leave_an_empty_table_with_the_columns() -> None:
    out = control_scores(typed("ic_checklist", [item("U1", "public", 1, 2, year=2026),
                                                item("U1", "functional", 1, 2, year=2026)]), AS_OF, **WEIGHTS)
    assert out.empty
    assert list(out.columns) == ["subject_id", "unit_code", "period", "value", "evidence"]
