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


# ======================================================================================================
# Boundaries: each threshold and parameter at, just below and just above a level change; scores that are
# round in decimal but not in floats; the year of as_of itself. Parameters are moved through the
# ``indicators`` overrides.
# ======================================================================================================
from ._coverage import covers  # noqa: E402


def graded(checklist: list[dict[str, Any]], as_of: str = "2025-06-30", **params: Any) -> dict[str, str]:
    """subject_id → level of CTL01 on ``checklist``, with ``params`` as its overrides."""
    ctx = make_context(
        {"regions": REGIONS, "units": UNITS, "ic_checklist": typed("ic_checklist", checklist)},
        pd.Timestamp(as_of),
        resolve(overrides={"indicators": {"CTL01": params}} if params else None),
    )
    findings, _ = run_indicator("CTL01", ctx)
    return dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True))


@covers("CTL01", "warning", "alert")
def test_ctl01_score_at_and_around_both_thresholds():
    # public out of 30 and functional out of 70: the score is the sum of the two scores
    checklist = [
        *items("U1", 2024, public=(30, 30), functional=(50, 70)),  # 80: not below 80
        *items("U2", 2024, public=(30, 30), functional=(49.9, 70)),  # 79.9
        *items("U3", 2024, public=(30, 30), functional=(30, 70)),  # 60: not below 60
        *items("U4", 2024, public=(30, 30), functional=(29.9, 70)),  # 59.9
        *items("U5", 2024, public=(30, 30), functional=(50.1, 70)),  # 80.1
    ]
    assert graded(checklist) == {"U2": "warning", "U3": "warning", "U4": "alert"}
    assert graded(checklist, warning=81) == {"U1": "warning", "U2": "warning", "U3": "warning", "U4": "alert",
                                             "U5": "warning"}
    assert graded(checklist, warning=79) == {"U3": "warning", "U4": "alert"}
    assert graded(checklist, alert=61) == {"U2": "warning", "U3": "alert", "U4": "alert"}
    assert graded(checklist, alert=59) == {"U2": "warning", "U3": "warning", "U4": "warning"}


def test_ctl01_scores_round_in_decimal_are_graded_as_such():
    checklist = [
        # 2 + 55 + 3 = 60 exactly, 59.99999999999999 in floats: a warning, not an alert
        *items("U1", 2024, public=(2, 30), functional=(55, 70), special=(3, 5)),
        # 30 + 49 + 1 = 80 exactly: not below the warning
        *items("U2", 2024, public=(30, 30), functional=(49, 70), special=(1, 5)),
    ]
    assert graded(checklist) == {"U1": "warning"}
    ctx = make_context(
        {"regions": REGIONS, "units": UNITS, "ic_checklist": typed("ic_checklist", checklist)},
        pd.Timestamp("2025-06-30"),
        resolve(),
    )
    findings, _ = run_indicator("CTL01", ctx)
    assert findings["value"].tolist() == [60.0]  # the score itself is 60, not 59.99999999999999


@covers("CTL01", "public_weight", "functional_weight")
def test_ctl01_public_weight_moves_the_score_across_the_thresholds():
    # the weights add up to 1 (params refuse anything else): moving one moves the other
    checklist = items("U1", 2024, public=(30, 30), functional=(35, 70))  # shares 1.0 and 0.5
    assert graded(checklist) == {"U1": "warning"}  # 30 + 35 = 65
    assert graded(checklist, public_weight=0.6, functional_weight=0.4) == {}  # 60 + 20 = 80
    assert graded(checklist, public_weight=0.59, functional_weight=0.41) == {"U1": "warning"}  # 79.5
    assert graded(checklist, public_weight=0.1, functional_weight=0.9) == {"U1": "alert"}  # 55


@covers("CTL01", "public_weight", "functional_weight")
def test_ctl01_functional_weight_moves_the_score_across_the_thresholds():
    checklist = items("U1", 2024, external=(0, 30), functional=(70, 70))  # shares 0.0 and 1.0
    assert graded(checklist) == {"U1": "warning"}  # 70
    assert graded(checklist, public_weight=0.2, functional_weight=0.8) == {}  # 80
    assert graded(checklist, public_weight=0.21, functional_weight=0.79) == {"U1": "warning"}  # 79
    assert graded(checklist, public_weight=0.41, functional_weight=0.59) == {"U1": "alert"}  # 59


@covers("CTL01", "special_cap")
def test_ctl01_special_cap_moves_the_score_across_the_warning():
    checklist = items("U1", 2024, public=(24, 30), functional=(49, 70), special=(7, 10))  # 73 + bonus
    assert graded(checklist) == {"U1": "warning"}  # bonus capped at 5: 78
    assert graded(checklist, special_cap=7) == {}  # 80
    assert graded(checklist, special_cap=6) == {"U1": "warning"}  # 79
    assert graded(checklist, special_cap=8) == {}  # the 7 points earned: 80


def test_ctl01_the_year_of_as_of_counts_and_the_next_year_does_not():
    checklist = [
        *items("U1", 2025, public=(15, 30), functional=(35, 70)),  # 50, the year of as_of
        *items("U2", 2026, public=(15, 30), functional=(35, 70)),  # 50, the year after
        *items("U3", 2024, public=(30, 30), functional=(70, 70)),  # 100
    ]
    assert graded(checklist, as_of="2025-12-31") == {"U1": "alert"}
    assert graded(checklist, as_of="2026-01-01") == {"U1": "alert", "U2": "alert"}


def test_ctl01_units_and_years_are_scored_apart():
    checklist = [
        # U1's public items and U2's functional items do not make one scorable unit
        *items("U1", 2024, public=(30, 30)),
        *items("U2", 2024, functional=(70, 70)),
        # U3: a good 2023 and a bad 2024 are two scores
        *items("U3", 2023, public=(30, 30), functional=(70, 70)),
        *items("U3", 2024, public=(15, 30), functional=(35, 70)),
        # U4: public items whose maxima add up to 0 cannot give a share
        *items("U4", 2024, public=(0, 0), functional=(10, 70)),
    ]
    ctx = make_context(
        {"regions": REGIONS, "units": UNITS, "ic_checklist": typed("ic_checklist", checklist)},
        pd.Timestamp("2025-06-30"),
        resolve(),
    )
    findings, assessed = run_indicator("CTL01", ctx)
    assert sorted(zip(findings["subject_id"], findings["period"], findings["level"].astype(str), strict=True)) == [
        ("U3", "2024", "alert")]
    assert int(assessed["assessed"].sum()) == 2
