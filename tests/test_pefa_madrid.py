"""PEFA PI-1, PI-2 and PI-3 on Madrid's budget execution 2021–2024, loaded through its mapping.

The reference figures are computed here, directly from the published files and the PEFA 2016
definitions (Framework for assessing public financial management, PI-1, PI-2, PI-3), without any
fiscalrisk code: Madrid's classification is programme group = first 3 digits of the 5-digit
programme, economic chapter = first digit (3 interest, 5 contingency fund), revenue heads = first 3
digits of the revenue concept.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from fiscalrisk.data import load
from fiscalrisk.scan import scan

from .conftest import ROOT, real_data

YEARS = (2021, 2022, 2023, 2024)


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="latin-1", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def composition_variance(original: dict[str, float], actual: dict[str, float]) -> float:
    """PEFA 2016 PI-2: adjust each head's budget by the aggregate outturn ratio, then sum |deviations|."""
    k = sum(actual.values()) / sum(original.values())
    heads = set(original) | set(actual)
    deviation = sum(abs(actual.get(h, 0.0) - k * original.get(h, 0.0)) for h in heads)
    return deviation / sum(k * original.get(h, 0.0) for h in heads)


def reference(src: Path) -> dict[int, dict[str, float]]:
    out = {}
    for year in YEARS:
        exp = _rows(src / "annual" / f"ejecucion_gastos_{year}.csv")
        orig = sum(_num(r["CRED_INICIAL"]) for r in exp)
        act = sum(_num(r["OBL_RECONOC"]) for r in exp)
        fo, fa, eo, ea = defaultdict(float), defaultdict(float), defaultdict(float), defaultdict(float)
        contingency = 0.0
        for r in exp:
            chapter = r["Economico"][0]
            if chapter == "5":  # contingency: out of 2.1 and 2.2, measured by 2.3
                contingency += _num(r["OBL_RECONOC"])
                continue
            eo[chapter] += _num(r["CRED_INICIAL"])
            ea[chapter] += _num(r["OBL_RECONOC"])
            if chapter != "3":  # interest: out of 2.1 only
                fo[r["Programa"][:3]] += _num(r["CRED_INICIAL"])
                fa[r["Programa"][:3]] += _num(r["OBL_RECONOC"])
        rev = _rows(src / "annual" / f"ejecucion_ingresos_{year}.csv")
        ro, ra = defaultdict(float), defaultdict(float)
        for r in rev:
            ro[r["Economico"][:3]] += _num(r["PREV.INICIAL"])
            ra[r["Economico"][:3]] += _num(r["D. RECON.NETOS"])
        out[year] = {
            "pi1_outturn": act / orig,
            "pi2_function_variance": composition_variance(fo, fa),
            "pi2_economic_variance": composition_variance(eo, ea),
            "contingency_share": contingency / orig,
            "pi3_revenue_outturn": sum(ra.values()) / sum(ro.values()),
            "pi3_revenue_variance": composition_variance(ro, ra),
        }
    return out


def two_of_three(values, grade) -> str:
    """PEFA 2016: the best score whose condition is met in at least two of the three years."""
    order = "ABCD"
    grades = [grade(v) for v in values]
    return sorted(grades, key=order.index)[1]


def pi1_grade(v: float) -> str:
    return "A" if 0.95 <= v <= 1.05 else "B" if 0.90 <= v <= 1.10 else "C" if 0.85 <= v <= 1.15 else "D"


def variance_grade(v: float) -> str:
    return "A" if v < 0.05 else "B" if v < 0.10 else "C" if v < 0.15 else "D"


def pi31_grade(v: float) -> str:
    return "A" if 0.97 <= v <= 1.06 else "B" if 0.94 <= v <= 1.12 else "C" if 0.92 <= v <= 1.16 else "D"


@pytest.fixture(scope="module")
def madrid():
    src = real_data("es-madrid-budget-execution")
    ds = load(src, ROOT / "mappings" / "madrid-budget.yaml")
    result = scan(ds, as_of="2025-03-31", files=(ROOT / "mappings" / "madrid-params.yaml",),
                  codes=["OUT01", "OUT02", "OUT03", "OUT04", "OUT05", "OUT06"])
    return src, result


def test_pefa_figures_match_the_definition(madrid):
    src, result = madrid
    ref = reference(src)
    table = result.pefa.set_index("year")
    for year in YEARS:
        for column, expected in ref[year].items():
            assert table.loc[year, column] == pytest.approx(expected, rel=1e-9, abs=1e-12), (year, column)


def test_pi1_matches_source_txt(madrid):
    _, result = madrid
    table = result.pefa.set_index("year")
    # SOURCE.txt: outturn / original 96.9%, 98.6%, 101.7%, 95.7%
    assert [round(100 * table.loc[y, "pi1_outturn"], 1) for y in YEARS] == [96.9, 98.6, 101.7, 95.7]


def test_pefa_letter_scores_2022_2024(madrid):
    src, result = madrid
    ref = reference(src)
    last3 = [ref[y] for y in (2022, 2023, 2024)]
    scores = result.pefa_scores.set_index("region_code").loc["MAD"]
    assert scores["window"] == "2022–2024"
    expected_11 = two_of_three([r["pi1_outturn"] for r in last3], pi1_grade)
    expected_21 = two_of_three([r["pi2_function_variance"] for r in last3], variance_grade)
    expected_22 = two_of_three([r["pi2_economic_variance"] for r in last3], variance_grade)
    expected_31 = two_of_three([r["pi3_revenue_outturn"] for r in last3], pi31_grade)
    expected_32 = two_of_three([r["pi3_revenue_variance"] for r in last3], variance_grade)
    assert (scores["PI-1"], scores["2.1"], scores["2.2"], scores["3.1"], scores["3.2"]) == (
        expected_11, expected_21, expected_22, expected_31, expected_32)
    # Madrid's contingency fund is transferred out to the spending lines, never spent in chapter 5
    assert scores["2.3"] == "A"
    # weakest link (M1): C with a "+" as another dimension scores higher
    assert scores["PI-2"] == "C+"
    # averaging (M2), PEFA 2016 conversion table: A and C give B
    assert (scores["3.1"], scores["3.2"], scores["PI-3"]) == ("A", "C", "B")
