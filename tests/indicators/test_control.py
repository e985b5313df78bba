"""CTL01: a hand-made internal-control checklist, run through the registry."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from fiscalrisk.indicators import run_indicator
from fiscalrisk.params import resolve
from fiscalrisk.scan import make_context

from ._tables import typed

REGIONS = typed(
    "regions", [{"region_code": "330521", "name": "德清县", "level": "county", "parent_code": None}]
)
UNITS = typed(
    "units", [{"unit_code": f"U{i}", "name": f"德清县单位{i}", "region_code": "330521"} for i in range(1, 6)]
)


def items(unit: str, year: int, **dimensions: tuple[float, float]) -> list[dict[str, Any]]:
    """One checklist item per dimension with its (score, max_score)."""
    return [
        {
            "year": year,
            "unit_code": unit,
            "dimension": dim,
            "item": f"{dim} 考核项",
            "score": s,
            "max_score": m,
        }
        for dim, (s, m) in dimensions.items()
    ]


CHECKLIST = [
    # U1: public 18/20 + external 9/10 = 0.9, functional 0.9 → 90, special 3 → 93
    *items("U1", 2024, public=(18, 20), external=(9, 10), functional=(63, 70), special=(3, 5)),
    # U2: 0.3 × 0.8 + 0.7 × 0.7 = 73, special 6 capped at 5 → 78: warning
    *items("U2", 2024, public=(24, 30), functional=(49, 70), special=(6, 10)),
    # U3: 0.3 × 1.0 + 0.7 × 0.7 = 79, special 1 → exactly 80: not below the warning
    *items("U3", 2024, public=(30, 30), functional=(49, 70), special=(1, 5)),
    # U4: half marks → 50: alert
    *items("U4", 2024, external=(15, 30), functional=(35, 70)),
    # U5: no public or external items → cannot be scored; and a year after as_of
    *items("U5", 2024, functional=(70, 70)),
    *items("U1", 2026, public=(0, 30), functional=(0, 70)),
]


def run(params: dict | None = None):
    ctx = make_context(
        {"regions": REGIONS, "units": UNITS, "ic_checklist": typed("ic_checklist", CHECKLIST)},
        pd.Timestamp("2025-06-30"),
        resolve(overrides=params),
    )
    return run_indicator("CTL01", ctx)


def test_ctl01_weighted_score_with_capped_bonus():
    findings, assessed = run()
    assert sorted(
        zip(findings["subject_id"], findings["period"], findings["level"].astype(str), strict=True)
    ) == [
        ("U2", "2024", "warning"),
        ("U4", "2024", "alert"),
    ]
    f = findings.set_index("subject_id")
    assert f.loc["U2", "value"] == pytest.approx(78.0) and f.loc["U2", "threshold"] == 80
    assert f.loc["U4", "value"] == pytest.approx(50.0) and f.loc["U4", "threshold"] == 60
    assert json.loads(f.loc["U2", "evidence"])["bonus"] == 5
    assert "78.0" in f.loc["U2", "message_zh"] and "特色加分 5" in f.loc["U2", "message_zh"]
    assert int(assessed["assessed"].sum()) == 4  # U5 cannot be scored, 2026 is after as_of


def test_ctl01_weights_and_cap_are_parameters():
    findings, _ = run(
        {"indicators": {"CTL01": {"public_weight": 0.5, "functional_weight": 0.5, "special_cap": 0}}}
    )
    # U2: 0.5 × 0.8 + 0.5 × 0.7 = 75, no bonus → warning; U3: 85 → ok; U4 still 50
    assert dict(zip(findings["subject_id"], findings["value"], strict=True)) == {"U2": 75.0, "U4": 50.0}
