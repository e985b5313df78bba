"""The findings table (ordered level, order, columns) and the risk scores."""

from __future__ import annotations

import pandas as pd
import pytest

from fiscalrisk.findings import (
    FINDINGS_COLUMNS,
    LEVEL_DTYPE,
    SCORE_COLUMNS,
    finalize_findings,
    finding_points,
    risk_scores,
)
from fiscalrisk.params import resolve

from .indicators._tables import regions, units


def _f(indicator: str, module: str, level: str, unit: str, region: str, subject: str) -> dict:
    return {"finding_id": f"{indicator}-{subject}", "indicator": indicator, "module": module, "level": level,
            "region_code": region, "unit_code": unit, "subject_type": "payment" if unit else "region",
            "subject_id": subject, "period": "2026", "value": 1.0, "threshold": 0.0, "message_zh": "",
            "message_en": "", "evidence": "{}"}


def _findings() -> pd.DataFrame:
    rows = [_f("PAY08", "payments", "warning", "U1", "330521", f"R{i}") for i in range(5)]  # 15
    rows += [_f("PAY01", "payments", "alert", "U1", "330521", "O1")]  # 10
    rows += [_f("PAY07", "payments", "alert", "U1", "330521", f"D{i}") for i in range(5)]  # 50 → 40
    rows += [_f("BUD01", "budget", "alert", "U2", "330500", "U2")]  # 10
    rows += [_f("AST02", "assets", "warning", "U2", "330500", "U2")]  # 3 × 0.5
    rows += [_f("OUT02", "outturn", "alert", "", "330521", "330521")]  # region-level, 10
    return finalize_findings(pd.DataFrame(rows))


def test_level_is_ordered_end_to_end() -> None:
    f = _findings()
    assert f["level"].dtype == LEVEL_DTYPE and f["level"].cat.ordered
    alerts = f.loc[f["level"] >= "warning"]
    assert len(alerts) == len(f)  # string comparison would drop "alert" < "warning"
    assert set(f.loc[f["level"] > "warning", "level"].astype(str)) == {"alert"}
    assert list(f.columns) == list(FINDINGS_COLUMNS)


def test_findings_are_sorted_deterministically() -> None:
    f = _findings()
    shuffled = finalize_findings(f.sample(frac=1, random_state=1))
    pd.testing.assert_frame_equal(f, shuffled)
    assert f["indicator"].tolist() == sorted(f["indicator"].tolist())


def test_risk_scores_by_hand() -> None:
    s = risk_scores(_findings(), units(), regions(), resolve().scores)
    assert list(s.columns) == list(SCORE_COLUMNS)
    by = s.set_index(["subject_type", "subject_id", "scope"])
    # U1: PAY08 15 + PAY01 10 + PAY07 min(40, 50) = 65
    assert by.loc[("unit", "U1", "unit"), "score"] == 65
    assert by.loc[("unit", "U1", "unit"), "top_indicators"] == "PAY07;PAY08;PAY01"
    assert by.loc[("unit", "U2", "unit"), "score"] == 11.5  # BUD01 10 + AST02 3 × 0.5
    assert by.loc[("unit", "U3", "unit"), "score"] == 0
    # 德清县 own: U1 65 + its region-level OUT02 10 = 75; subtree: mean(U1 65, U3 0) + 10 = 42.5
    assert by.loc[("region", "330521", "own"), "score"] == 75
    assert by.loc[("region", "330521", "own"), "top_indicators"] == "PAY07;PAY08;OUT02"
    assert by.loc[("region", "330521", "subtree"), "score"] == 42.5
    assert by.loc[("region", "330521", "subtree"), "units"] == 2
    # the city: own = U2 11.5; subtree = mean(65, 11.5, 0) = 25.5
    assert by.loc[("region", "330500", "own"), "score"] == 11.5
    assert by.loc[("region", "330500", "subtree"), "score"] == pytest.approx(25.5)
    assert by.loc[("region", "330500", "subtree"), "alerts"] == 8
    assert by.loc[("region", "330521102", "own"), "score"] == 0


def test_risk_scores_are_capped_and_max_aggregation() -> None:
    rows = [_f(f"PAY0{i}", "payments", "alert", "U1", "330521", f"P{i}{j}") for i in range(1, 10) for j in range(5)]
    settings = {**resolve().scores, "region_aggregate": "max"}
    s = risk_scores(finalize_findings(pd.DataFrame(rows)), units(), regions(), settings)
    by = s.set_index(["subject_type", "subject_id", "scope"])
    assert by.loc[("unit", "U1", "unit"), "score"] == 100
    assert by.loc[("region", "330500", "subtree"), "score"] == 100


def test_empty_findings_give_zero_scores() -> None:
    s = risk_scores(finalize_findings([]), units(), regions(), resolve().scores)
    assert (s["score"] == 0).all() and len(s) == 3 + 2 * 3


# ------------------------------------------------------------------------------------------ info notes
def test_info_lies_between_ok_and_warning() -> None:
    f = finalize_findings(pd.DataFrame([_f("PAY07", "payments", "info", "U1", "330521", "N1"),
                                        _f("PAY07", "payments", "alert", "U1", "330521", "D1")]))
    assert list(LEVEL_DTYPE.categories) == ["ok", "info", "warning", "alert"]
    assert f.loc[f["level"] >= "warning", "subject_id"].tolist() == ["D1"]  # a note is not a risk
    assert f.loc[f["level"] > "ok", "subject_id"].tolist() == ["D1", "N1"]


def test_info_notes_earn_no_points_and_no_counts() -> None:
    notes = [_f("PAY07", "payments", "info", "U2", "330500", f"N{i}") for i in range(20)]
    with_notes = finalize_findings(pd.concat([_findings(), pd.DataFrame(notes)], ignore_index=True))
    # even a params file that gave notes points would not make them a risk
    settings = {**resolve().scores, "points": {"warning": 3, "alert": 10, "info": 5}}
    a = risk_scores(_findings(), units(), regions(), settings)
    b = risk_scores(with_notes, units(), regions(), settings)
    pd.testing.assert_frame_equal(a, b)
    assert finding_points(with_notes.loc[with_notes["level"] == "info"], settings).sum() == 0


# ------------------------------------------------------------------------------------------ priority
def _p(fid: str, level: str, amount: float | None, period: str = "2026-03", unit: str = "U1") -> dict:
    row = _f("PAY01", "payments", level, unit, "330521" if unit else "330500", fid)
    return {**row, "finding_id": fid, "period": period, "amount_at_risk": amount}


def _ranked(rows: list[dict]) -> list[str]:
    f = finalize_findings(pd.DataFrame(rows))
    return f.sort_values("priority")["finding_id"].tolist()


def test_an_alert_with_less_money_comes_before_a_warning_with_more() -> None:
    assert _ranked([_p("w-big", "warning", 5_000_000.0), _p("a-small", "alert", 100.0)]) == ["a-small", "w-big"]


def test_larger_amounts_first_and_no_amount_last_within_a_level() -> None:
    rows = [_p("a-none", "alert", None), _p("a-10", "alert", 10.0), _p("a-1000", "alert", 1000.0),
            _p("w-none", "warning", float("nan")), _p("w-5", "warning", 5.0), _p("i-big", "info", 1e9)]
    assert _ranked(rows) == ["a-1000", "a-10", "a-none", "w-5", "w-none", "i-big"]


def test_equal_money_later_period_first_then_the_id() -> None:
    rows = [_p("b", "alert", 500.0, "2026-02"), _p("a", "alert", 500.0, "2026-02"),
            _p("c", "alert", 500.0, "2026-03"), _p("d", "alert", 500.0, "2025")]
    assert _ranked(rows) == ["c", "a", "b", "d"]


def test_priority_is_a_total_order_from_one_whatever_the_row_order() -> None:
    rows = [_p(f"id{i:02d}", ("alert", "warning", "info")[i % 3], [None, 10.0, 10.0, 99.5][i % 4],
               f"2026-0{1 + i % 5}") for i in range(30)]
    f = finalize_findings(pd.DataFrame(rows))
    assert sorted(f["priority"]) == list(range(1, 31)) and f["priority"].dtype == "int64"
    shuffled = finalize_findings(pd.DataFrame(rows).sample(frac=1, random_state=7))
    pd.testing.assert_frame_equal(f, shuffled)
    assert list(f.columns)[-2:] == ["amount_at_risk", "priority"]


def test_findings_without_an_amount_column_rank_on_the_other_keys() -> None:
    f = finalize_findings(pd.DataFrame([_f("PAY07", "payments", "warning", "U1", "330521", "W"),
                                        _f("PAY07", "payments", "alert", "U1", "330521", "A")]))
    assert f["amount_at_risk"].isna().all()
    assert f.set_index("subject_id")["priority"].to_dict() == {"A": 1, "W": 2}


def test_top_findings_keep_the_first_per_unit_and_count_the_rest() -> None:
    from fiscalrisk.findings import top_findings

    rows = [_p(f"u1-{i}", "warning", 100.0 * i, unit="U1") for i in range(1, 6)]  # 5 warnings of U1
    rows += [_p("u2-a", "alert", 1.0, unit="U2"), _p("u2-w", "warning", 1e6, unit="U2")]
    rows += [_p("reg", "alert", None, unit="")]  # region-level: counts for its region 330500
    rows += [_p("note", "info", 1e9, unit="U3")]  # a note is not listed
    top = top_findings(finalize_findings(pd.DataFrame(rows)), per_unit=3)
    shown = top.rows
    # U2 and the region lead (their alerts), U2's alert having money; U1 shows its three largest
    assert shown["group"].tolist() == ["U2", "U2", "330500", "U1", "U1", "U1"]
    assert shown["finding_id"].tolist() == ["u2-a", "u2-w", "reg", "u1-5", "u1-4", "u1-3"]
    assert shown.groupby("group")["more"].first().to_dict() == {"330500": 0, "U1": 2, "U2": 0}
    assert (top.total, top.units, top.shown, top.more) == (8, 3, 6, 2)
    two = top_findings(finalize_findings(pd.DataFrame(rows)), per_unit=1, max_units=2)
    assert two.rows["finding_id"].tolist() == ["u2-a", "reg"]
    assert (two.shown, two.more, two.units, two.units_shown) == (2, 6, 3, 2)


def test_an_old_scan_without_the_columns_reads_with_priorities(tmp_path) -> None:
    from fiscalrisk.scan import read_findings

    old = finalize_findings(pd.DataFrame([_p("w", "warning", 7.0), _p("a", "alert", 1.0)]))
    old = old.drop(columns=["amount_at_risk", "priority"])
    old.assign(level=old["level"].astype(str)).to_csv(tmp_path / "findings.csv", index=False)
    old.assign(level=old["level"].astype(str)).to_parquet(tmp_path / "findings.parquet", index=False)
    for name in ("findings.csv", "findings.parquet"):
        f = read_findings(tmp_path / name)
        assert f["amount_at_risk"].isna().all()
        assert f.set_index("finding_id")["priority"].to_dict() == {"a": 1, "w": 2}
