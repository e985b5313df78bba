"""PRF01–PRF06: hand-made budgets, payments, targets, progress reports and evaluations, run through the
registry. Every expected value is worked out by hand in the test (comments show the arithmetic)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fiscalrisk.indicators.performance import completion, computed_scores, target_status

from ._coverage import covers
from ._tables import budget, context, flagged, payments, run, typed

AS_OF = "2026-06-30"  # current year 2026; 2025 and earlier are completed years


def line(year: int, unit: str, project: str, adjusted: float, economic: str = "31005") -> dict[str, Any]:
    return {"year": year, "unit_code": unit, "function_code": "2140101", "economic_code": economic,
            "project_code": project, "original_amount": adjusted}


def pay(pid: str, date: str, amount: float, unit: str, project: str, economic: str = "31005") -> dict[str, Any]:
    return {"payment_id": pid, "pay_date": date, "unit_code": unit, "function_code": "2140101",
            "economic_code": economic, "project_code": project, "payee_name": "湖州甲建设有限公司",
            "payee_type": "organization", "method": "transfer", "amount": amount}


def target(tid: str, year: int, unit: str, project: str | None, level1: str, direction: str | None,
           value: float | None, name: str = "指标", weight: float | None = None) -> dict[str, Any]:
    return {"target_id": tid, "year": year, "unit_code": unit, "project_code": project, "level1": level1,
            "name": name, "direction": direction, "target_value": value, "measure_unit": "", "weight": weight}


def report(tid: str, date: str, actual: float) -> dict[str, Any]:
    return {"target_id": tid, "report_date": date, "actual_value": actual}


def evaluation(eid: str, year: int, unit: str, project: str | None, kind: str, date: str,
               score: float | None, grade: str | None = None) -> dict[str, Any]:
    return {"evaluation_id": eid, "year": year, "unit_code": unit, "project_code": project, "kind": kind,
            "evaluation_date": date, "score": score, "grade": grade}


TARGET_COLS = ["target_id", "year", "unit_code", "project_code", "level1", "name", "direction", "target_value",
               "measure_unit", "weight"]
EVAL_COLS = ["evaluation_id", "year", "unit_code", "project_code", "kind", "evaluation_date", "score", "grade"]


def tables(lines, pays, targets=None, reports=None, evaluations=None) -> dict[str, pd.DataFrame]:
    out = {"budget": budget(lines), "payments": payments(pays)}
    if targets is not None:
        out["performance_targets"] = typed("performance_targets", targets, columns=TARGET_COLS)
    if reports is not None:
        out["performance_progress"] = typed("performance_progress", reports,
                                            columns=["target_id", "report_date", "actual_value"])
    if evaluations is not None:
        out["performance_evaluations"] = typed("performance_evaluations", evaluations, columns=EVAL_COLS)
    return out


def evidence(findings: pd.DataFrame, subject: str) -> dict[str, Any]:
    row = findings.loc[findings["subject_id"] == subject].iloc[0]
    return json.loads(row["evidence"])


def value(findings: pd.DataFrame, subject: str) -> float:
    return float(findings.loc[findings["subject_id"] == subject, "value"].iloc[0])


# ------------------------------------------------------------------------------------- measures
def test_completion_by_direction_capped_to_one():
    got = completion(["ge", "ge", "le", "le", "eq", "eq", "ge", "ge"],
                     [100, 100, 20, 20, 300, 300, 10, np.nan],
                     [50, 130, 15, 25, 270, 390, np.nan, 5])
    # 50/100; 130/100 capped; 15 ≤ 20; 20/25; 1 − 30/300; 1 − 90/300; no report; qualitative
    want = [0.5, 1.0, 1.0, 0.8, 0.9, 0.7, np.nan, np.nan]
    np.testing.assert_allclose(got, want, equal_nan=True)


def test_reports_after_as_of_are_ignored_and_the_latest_before_counts():
    t = tables([line(2026, "U1", "PA", 1_000_000)], [pay("p", "2026-03-01", 1, "U1", "PA")],
               [target("T1", 2026, "U1", "PA", "output", "ge", 100)],
               [report("T1", "2026-03-31", 20), report("T1", "2026-06-30", 40), report("T1", "2026-07-15", 95)])
    st = target_status(context(t, AS_OF)).set_index("target_id")
    assert st.loc["T1", "actual"] == 40 and st.loc["T1", "n_reports"] == 2
    assert st.loc["T1", "completion"] == pytest.approx(0.40)


def test_without_the_performance_tables_every_prf_is_not_assessed():
    ctx = context(tables([line(2026, "U1", "PA", 1_000_000)], [pay("p", "2026-03-01", 1, "U1", "PA")]), AS_OF)
    for code in ("PRF01", "PRF02", "PRF03", "PRF04", "PRF05", "PRF06"):
        findings, assessed = run(code, ctx)
        assert findings.empty
        assert set(assessed["status"]) == {"not_assessed"}, code
        assert all(r.startswith("missing table: performance_") for r in assessed["reason"]), code


# ------------------------------------------------------------------------------------------ PRF01
def _prf01_tables() -> dict[str, pd.DataFrame]:
    lines = [line(2026, "U1", "PA", 2_000_000), line(2026, "U2", "PE", 1_000_000),
             line(2026, "U2", "PF", 999_999), line(2026, "U2", "PG", 99_999),
             line(2025, "U2", "PE", 600_000), line(2027, "U2", "PH", 3_000_000)]
    return tables(lines, [pay("p1", "2026-03-01", 500_000, "U1", "PA")],
                  [target("T1", 2026, "U1", "PA", "output", "ge", 10)])


def test_prf01_projects_with_a_budget_and_no_target():
    findings, assessed = run("PRF01", context(_prf01_tables(), AS_OF))
    # PA has a target (ok); PE 2026 1,000,000 = alert_budget → alert; PF just below → warning; PE 2025
    # 600,000 → warning; PG below min_budget and PH (2027, after as_of) are not assessed
    got = {(s, p): lv for s, p, lv in zip(findings["subject_id"], findings["period"], findings["level"].astype(str),
                                          strict=True)}
    assert got == {("PE", "2026"): "alert", ("PF", "2026"): "warning", ("PE", "2025"): "warning"}
    assert int(assessed["assessed"].sum()) == 4
    pe = findings.loc[(findings["subject_id"] == "PE") & (findings["period"] == "2026")].iloc[0]
    assert pe["amount_at_risk"] == 1_000_000 and pe["threshold"] == 1_000_000
    assert "未设定绩效目标" in pe["message_zh"]


@covers("PRF01", "min_budget", "alert_budget")
def test_prf01_min_budget_and_alert_budget_move_the_levels():
    ctx = context(_prf01_tables(), AS_OF, {"PRF01": {"min_budget": 99_999, "alert_budget": 999_999}})
    got = {(s, p): lv for s, p, lv in zip(*(run("PRF01", ctx)[0][c].astype(str) for c in ("subject_id", "period", "level")),
                                          strict=True)}
    assert got[("PG", "2026")] == "warning"  # now at min_budget
    assert got[("PF", "2026")] == "alert"  # now at alert_budget


# ------------------------------------------------------------------------------------------ PRF02
def _prf02_tables() -> dict[str, pd.DataFrame]:
    lines = [line(2026, "U1", p, 1_000_000) for p in ("PA", "PB", "PC", "PD")]
    targets = [
        target("A1", 2026, "U1", "PA", "output", "ge", 10), target("A2", 2026, "U1", "PA", "effect", None, None),
        target("B1", 2026, "U1", "PB", "output", None, None), target("B2", 2026, "U1", "PB", "effect", "le", 5),
        target("C1", 2026, "U1", "PC", "output", "ge", 10), target("C2", 2026, "U1", "PC", "satisfaction", "ge", 90),
        target("D1", 2026, "U1", "PD", "satisfaction", "ge", 90),
        target("U", 2026, "U2", None, "output", None, None),  # the unit as a whole: not judged
    ]
    return tables(lines, [pay("p", "2026-03-01", 1, "U1", "PA")], targets)


def test_prf02_missing_quantitative_output_or_effect():
    findings, assessed = run("PRF02", context(_prf02_tables(), AS_OF))
    # PA complete; PB only a qualitative output (1 missing); PC no effect (1); PD neither (2)
    assert flagged(findings) == {"PB": "warning", "PC": "warning", "PD": "warning"}
    assert (value(findings, "PB"), value(findings, "PC"), value(findings, "PD")) == (1.0, 1.0, 2.0)
    assert int(assessed["assessed"].sum()) == 4
    assert "无量化产出指标、无效益指标" in findings.loc[findings["subject_id"] == "PD", "message_zh"].iloc[0]
    assert evidence(findings, "PB")["target_ids"] == ["B1", "B2"]


@covers("PRF02", "level")
def test_prf02_level_is_the_params_level():
    findings, _ = run("PRF02", context(_prf02_tables(), AS_OF, {"PRF02": {"level": "alert"}}))
    assert flagged(findings) == {"PB": "alert", "PC": "alert", "PD": "alert"}


# ------------------------------------------------------------------------------------------ PRF03
def _prf03_tables() -> dict[str, pd.DataFrame]:
    lines = [line(2026, "U1", "PA", 2_000_000), line(2026, "U1", "PB", 1_000_000),
             line(2026, "U1", "PC", 800_000), line(2026, "U1", "PD", 1_000_000), line(2025, "U1", "PP", 1_000_000)]
    pays = [pay("a1", "2026-02-10", 1_000_000, "U1", "PA"), pay("a2", "2026-05-10", 700_000, "U1", "PA"),
            pay("b", "2026-04-01", 500_000, "U1", "PB"), pay("c", "2026-04-01", 400_000, "U1", "PC"),
            pay("d", "2026-04-01", 600_000, "U1", "PD"), pay("p", "2025-04-01", 1_000_000, "U1", "PP")]
    targets = [
        target("A1", 2026, "U1", "PA", "output", "ge", 100),
        target("A2", 2026, "U1", "PA", "effect", "ge", 50),      # not an output: left out
        target("B1", 2026, "U1", "PB", "output", "ge", 200), target("B2", 2026, "U1", "PB", "output", "ge", 50),
        target("B3", 2026, "U1", "PB", "output", "le", 30),      # not cumulative: left out
        target("B4", 2026, "U1", "PB", "output", "ge", 40),      # no report: left out
        target("C1", 2026, "U1", "PC", "output", "ge", 10),
        target("D1", 2026, "U1", "PD", "output", "ge", 10),
        target("P1", 2025, "U1", "PP", "output", "ge", 10),      # a completed year: left out
    ]
    reports = [report("A1", "2026-06-15", 30), report("A1", "2026-07-15", 95),  # after as_of: ignored
               report("A2", "2026-06-15", 0),
               report("B1", "2026-03-31", 20), report("B1", "2026-06-30", 40), report("B2", "2026-06-30", 5),
               report("B3", "2026-06-30", 90),
               report("C1", "2026-06-30", 5), report("D1", "2026-06-30", 3), report("P1", "2025-12-31", 0)]
    return tables(lines, pays, targets, reports)


def test_prf03_money_out_results_not_in():
    findings, assessed = run("PRF03", context(_prf03_tables(), AS_OF))
    # PA: 1,700,000 / 2,000,000 = 85 % paid, A1 30/100 = 30 % → 55 pp alert (the 95 of July is after as_of)
    # PB: 50 % paid, (40/200 + 5/50) / 2 = (0.2 + 0.1) / 2 = 15 % → 35 pp warning
    # PC: 50 % paid, 5/10 = 50 % → 0 pp ok;  PD: 60 % paid, 3/10 = 30 % → 30 pp = warning (at the threshold)
    assert flagged(findings) == {"PA": "alert", "PB": "warning", "PD": "warning"}
    assert value(findings, "PA") == pytest.approx(55.0)
    assert value(findings, "PB") == pytest.approx(35.0)
    assert value(findings, "PD") == pytest.approx(30.0)
    assert int(assessed["assessed"].sum()) == 3 + 1  # PC assessed, ok; PP (2025) not
    ev = evidence(findings, "PB")
    assert ev["target_ids"] == ["B1", "B2"] and ev["completions"] == [0.2, 0.1] and ev["rate"] == 0.5
    pa = findings.loc[findings["subject_id"] == "PA"].iloc[0]
    assert pa["amount_at_risk"] == pytest.approx(0.55 * 2_000_000)
    assert "85.0%" in pa["message_zh"] and "30.0%" in pa["message_zh"]


@covers("PRF03", "warning", "alert")
def test_prf03_thresholds_move_the_levels():
    ctx = context(_prf03_tables(), AS_OF, {"PRF03": {"warning": 35.01, "alert": 55.01}})
    assert flagged(run("PRF03", ctx)[0]) == {"PA": "warning"}  # 55 < 55.01; PB 35 < 35.01; PD 30


# ------------------------------------------------------------------------------------------ PRF04
def _prf04_tables() -> dict[str, pd.DataFrame]:
    targets = [
        target("A1", 2025, "U1", "PA", "output", "ge", 100), target("A2", 2025, "U1", "PA", "effect", "le", 20),
        target("A3", 2025, "U1", "PA", "satisfaction", "ge", 90), target("A4", 2025, "U1", "PA", "effect", None, None),
        target("U1", 2025, "U2", None, "output", "eq", 300), target("B1", 2025, "U1", "PB", "output", "ge", 10),
        target("N1", 2026, "U1", "PA", "output", "ge", 100),  # current year: PRF03's
    ]
    reports = [report("A1", "2025-12-31", 50), report("A1", "2026-08-01", 100),  # after as_of: ignored
               report("A2", "2025-12-31", 25), report("A3", "2025-12-31", 95), report("U1", "2025-12-31", 270),
               report("N1", "2026-06-30", 1)]
    return tables([line(2025, "U1", "PA", 1_500_000)], [pay("p", "2025-03-01", 1, "U1", "PA")], targets, reports)


def test_prf04_missed_targets_of_completed_years():
    findings, assessed = run("PRF04", context(_prf04_tables(), AS_OF))
    # A1 50/100 = 0.5 < 0.6 alert; A2 20/25 = 0.8 < 0.9 warning; A3 95/90 capped 1.0 ok; U1 1 − 30/300 = 0.9
    # (not below 0.9) ok; B1 no report → warning; A4 qualitative and N1 current year not assessed
    assert flagged(findings) == {"A1": "alert", "A2": "warning", "B1": "warning"}
    assert value(findings, "A1") == pytest.approx(0.5) and value(findings, "A2") == pytest.approx(0.8)
    assert int(assessed["assessed"].sum()) == 5
    assert "无任何完成值报告" in findings.loc[findings["subject_id"] == "B1", "message_zh"].iloc[0]
    assert findings.loc[findings["subject_id"] == "A1", "subject_type"].iloc[0] == "target"


@covers("PRF04", "warning", "alert", "unreported_level")
def test_prf04_thresholds_and_unreported_level():
    ctx = context(_prf04_tables(), AS_OF,
                  {"PRF04": {"warning": 0.91, "alert": 0.5, "unreported_level": "alert"}})
    # U1 0.9 < 0.91 now warning; A1 0.5 is not below 0.5: warning; B1 alert
    assert flagged(run("PRF04", ctx)[0]) == {"A1": "warning", "A2": "warning", "U1": "warning", "B1": "alert"}


# ------------------------------------------------------------------------------------------ PRF05
def _prf05_tables() -> dict[str, pd.DataFrame]:
    lines = [line(2025, "U1", "PA", 1_500_000), line(2025, "U1", "PB", 1_000_000),
             line(2025, "U1", "PC", 500_000), line(2025, "U1", "PD", 300_000), line(2026, "U1", "PA", 100_000)]
    pays = [pay("a", "2025-05-01", 600_000, "U1", "PA"), pay("b", "2025-05-01", 1_000_000, "U1", "PB"),
            pay("c", "2025-05-01", 450_000, "U1", "PC"), pay("d", "2025-05-01", 150_000, "U1", "PD")]
    targets = [
        target("A1", 2025, "U1", "PA", "output", "ge", 100), target("A2", 2025, "U1", "PA", "effect", "le", 20),
        target("A3", 2025, "U1", "PA", "satisfaction", "ge", 90), target("A4", 2025, "U1", "PA", "effect", None, None),
        target("B1", 2025, "U1", "PB", "output", "ge", 10),
        target("C1", 2025, "U1", "PC", "output", "ge", 100), target("C2", 2025, "U1", "PC", "effect", None, None),
        target("C3", 2025, "U1", "PC", "satisfaction", "ge", 90),
    ]
    reports = [report("A1", "2025-12-31", 50), report("A2", "2025-12-31", 25), report("A3", "2025-12-31", 95),
               report("B1", "2025-12-31", 8), report("C1", "2025-12-31", 100), report("C3", "2025-12-31", 81)]
    evaluations = [
        evaluation("E0", 2025, "U1", "PA", "self", "2026-02-01", 60),
        evaluation("E1", 2025, "U1", "PA", "self", "2026-03-01", 95),        # the latest counts
        evaluation("E2", 2025, "U1", "PB", "self", "2026-03-01", 90),
        evaluation("E3", 2025, "U1", "PC", "self", "2026-03-01", 72, "中"),
        evaluation("E4", 2025, "U1", "PD", "self", "2026-03-01", 55),         # grade from the score: 差
        evaluation("E5", 2025, "U1", "PA", "finance", "2026-04-01", 40),     # not a self-evaluation
        evaluation("E6", 2026, "U1", "PA", "self", "2026-06-01", 99),        # the current year
    ]
    return tables(lines, pays, targets, reports, evaluations)


# Computed scores, by hand (weights 10 / 50 / 30 / 10):
#   PA: 10 × 0.4 + 50 × 50/100 + 30 × 20/25 + 10 × 1 = 4 + 25 + 24 + 10 = 63      → 95 − 63 = 32
#   PB: execution 1 and output 8/10 only: 100 × (10 × 1 + 50 × 0.8) / (10 + 50) = 83.333… → 90 − 83.33 = 6.67
#   PC: 100 × (10 × 0.9 + 50 × 1 + 10 × 81/90) / (10 + 50 + 10) = 100 × 68 / 70 = 97.142857 → 72 − 97.14
#   PD: no target: 100 × 0.5 = 50 → 55 − 50 = 5
COMPUTED = {"PA": 63.0, "PB": 250 / 3, "PC": 6800 / 70, "PD": 50.0}


def test_computed_self_scores_by_hand():
    cs = computed_scores(context(_prf05_tables(), AS_OF), [2025]).set_index("project_code")["score"]
    for project in ("PA", "PB", "PC", "PD"):  # PD has no target: its score is the execution's alone
        assert cs[project] == pytest.approx(COMPUTED[project]), project


def test_prf05_inflated_or_poor_self_evaluations():
    findings, assessed = run("PRF05", context(_prf05_tables(), AS_OF))
    # PA inflated by 32 ≥ 15 → alert; PB 6.67 and 优 → ok; PC graded 中 → warning; PD 55 → 差 → alert
    assert flagged(findings) == {"PA": "alert", "PC": "warning", "PD": "alert"}
    assert value(findings, "PA") == pytest.approx(95 - 63)
    assert value(findings, "PC") == pytest.approx(72 - 6800 / 70)
    assert value(findings, "PD") == pytest.approx(5.0)
    assert int(assessed["assessed"].sum()) == 4
    ev = evidence(findings, "PA")
    assert ev["evaluation_id"] == "E1" and ev["computed"] == pytest.approx(63.0) and ev["c_output"] == 0.5
    assert "自评虚高 32.0 分" in findings.loc[findings["subject_id"] == "PA", "message_zh"].iloc[0]
    assert "（差）" in findings.loc[findings["subject_id"] == "PD", "message_zh"].iloc[0]  # derived from 55


@covers("PRF05", "alert", "poor_level", "fair_level")
def test_prf05_gap_threshold_and_grade_levels():
    ctx = context(_prf05_tables(), AS_OF, {"PRF05": {"alert": 6.6, "poor_level": "warning", "fair_level": "alert"}})
    assert flagged(run("PRF05", ctx)[0]) == {"PA": "alert", "PB": "alert", "PC": "alert", "PD": "warning"}


def test_prf05_self_weights_are_params():
    ctx = context(_prf05_tables(), AS_OF, modules={"performance": {"self_weights": {
        "execution": 20, "output": 40, "effect": 30, "satisfaction": 10}}})
    cs = computed_scores(ctx, [2025]).set_index("project_code")["score"]
    assert cs["PA"] == pytest.approx(20 * 0.4 + 40 * 0.5 + 30 * 0.8 + 10 * 1)  # 62


# ------------------------------------------------------------------------------------------ PRF06
def _prf06_tables() -> dict[str, pd.DataFrame]:
    lines = [line(2024, "U1", "PO", 9_000_000), line(2025, "U1", "PO", 9_000_000),  # not new
             line(2025, "U1", "PN1", 5_000_000), line(2025, "U1", "PN2", 6_000_000),
             line(2026, "U1", "PN3", 8_000_000), line(2026, "U1", "PN4", 4_999_999),
             line(2026, "U1", "PN1", 1_000_000)]
    pays = [pay("n1", "2025-03-01", 100_000, "U1", "PN1"), pay("n2", "2025-04-01", 200_000, "U1", "PN2"),
            pay("o", "2024-04-01", 100_000, "U1", "PO")]
    evaluations = [evaluation("X1", 2025, "U1", "PN1", "ex_ante", "2025-02-01", 85),
                   evaluation("X2", 2025, "U1", "PN2", "ex_ante", "2025-05-01", 80),   # after the first payment
                   evaluation("X3", 2026, "U1", "PN3", "self", "2026-05-01", 80)]     # not ex ante
    return tables(lines, pays, evaluations=evaluations)


def test_prf06_large_new_projects_without_ex_ante_evaluation():
    findings, assessed = run("PRF06", context(_prf06_tables(), AS_OF))
    # PN1 evaluated before its first payment: ok; PN2 evaluated after paying: alert; PN3 no evaluation,
    # not paid: warning; PN4 below 5,000,000 and PO (budgeted in the first year of the data) not assessed
    assert flagged(findings) == {"PN2": "alert", "PN3": "warning"}
    assert int(assessed["assessed"].sum()) == 3
    pn2 = findings.loc[findings["subject_id"] == "PN2"].iloc[0]
    assert pn2["period"] == "2025" and pn2["amount_at_risk"] == 6_000_000
    assert "晚于首笔支付 2025-04-01" in pn2["message_zh"]
    assert evidence(findings, "PN2")["first_payment"] == "2025-04-01"


@covers("PRF06", "min_budget", "level", "paid_level")
def test_prf06_min_budget_and_levels():
    ctx = context(_prf06_tables(), AS_OF,
                  {"PRF06": {"min_budget": 4_999_999, "level": "alert", "paid_level": "warning"}})
    assert flagged(run("PRF06", ctx)[0]) == {"PN2": "warning", "PN3": "alert", "PN4": "alert"}
