"""Statistical detectors ANM01–ANM05 as indicators, on hand-made fixtures with their expected findings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fiscalrisk.indicators.anomaly import complete_months, last_complete_month

from ._tables import budget, context, flagged, line, payment, payments, run, typed


def _findings(f: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    """(subject_type, subject_id, period) → level."""
    return {(t, s, p): str(lv) for t, s, p, lv in zip(f["subject_type"], f["subject_id"], f["period"], f["level"],
                                                      strict=True)}


def _reasons(a: pd.DataFrame) -> dict[str, str]:
    return dict(zip(a["region_code"], a["reason"], strict=True))


def test_last_complete_month_counts_a_month_once_its_last_day_is_reached() -> None:
    assert str(last_complete_month(pd.Timestamp("2026-06-30"))) == "2026-06"
    assert str(last_complete_month(pd.Timestamp("2026-06-29"))) == "2026-05"
    assert complete_months(pd.Timestamp("2026-06-30")) == 6
    assert complete_months(pd.Timestamp("2026-01-15")) == 0


# --------------------------------------------------------------------------------------------------
# ANM01 Benford
# --------------------------------------------------------------------------------------------------


def _benford_amounts(n: int, low: float = 2.0, decades: float = 4.0) -> np.ndarray:
    """Amounts whose mantissas are evenly spread: Benford by construction (deterministic)."""
    return np.round(10 ** (low + decades * (np.arange(n) + 0.5) / n), 2)


def _fabricated(n: int) -> np.ndarray:
    """Amounts kept just under approval limits 5,000 and 10,000 (first digits 4 and 9)."""
    lim = np.where(np.arange(n) % 2 == 0, 5_000.0, 10_000.0)
    return np.round(lim * (0.88 + 0.119 * ((np.arange(n) * 37) % 100) / 100), 2)


def _anm01_tables() -> dict:
    rows = []
    for unit, amounts in (("U1", _fabricated(800)), ("U2", _benford_amounts(800)), ("U3", _benford_amounts(120))):
        for i, a in enumerate(amounts):
            rows.append(payment(f"{unit}-{i:04d}", f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", float(a), unit=unit))
    rows.append(payment("U1-R", "2025-03-03", -1200.0, unit="U1"))  # a refund is never counted
    return {"payments": payments(rows)}


def test_anm01_fabricated_unit_and_its_region_conform_no_more_to_benford() -> None:
    f, a = run("ANM01", context(_anm01_tables(), "2025-12-31"))
    # U1: 800 amounts (first-digit test) piled on 4 and 9 → finding; its county (330521) pools only U1.
    # U2 and its region 330500: Benford by construction. U3 (120 amounts) and 乾元镇: not assessed.
    assert _findings(f) == {("unit", "U1", "2025"): "warning", ("region", "330521", "2025"): "warning"}
    u1 = f.set_index("subject_id").loc["U1"]
    ev = json.loads(u1["evidence"])
    assert ev["test"] == "first" and ev["n"] == 800 and ev["n_excluded"] == 0
    assert ev["conformity"] == "nonconformity" and u1["value"] == pytest.approx(ev["mad"], abs=1e-6)
    assert ev["mad"] > ev["mad_quantile"] and ev["mad"] > ev["nonconformity_from"] == 0.015
    assert u1["threshold"] == pytest.approx(max(0.015, ev["mad_quantile"]), abs=1e-6)
    assert {d["digits"] for d in ev["top_deviating_digits"][:2]} == {4, 9}
    assert "chi2" in ev and ev["quantile"] == 0.999
    assert u1["message_en"].startswith("德清县教育局 2025: the first-digit test on 800 payment amounts")
    assert u1["message_zh"].startswith("德清县教育局 2025年800笔支付金额的首位数字检验不符合本福特定律")
    assert f.set_index("subject_id").loc["330521", "unit_code"] == ""


def test_anm01_fewer_than_500_amounts_are_not_assessed_with_the_reason() -> None:
    _, a = run("ANM01", context(_anm01_tables(), "2025-12-31"))
    counts = a.set_index("region_code")
    assert counts.loc["330521102", "assessed"] == 0
    assert counts.loc["330521102", "reason"] == (
        "fewer than 500 positive amounts (min_n_first): too few for a Benford test")
    assert counts.loc["330521", "assessed"] == 2 and counts.loc["330521", "flagged"] == 2
    assert counts.loc["330500", "assessed"] == 2 and counts.loc["330500", "flagged"] == 0


def test_anm01_first_two_digits_test_from_min_n_first_two() -> None:
    ctx = context(_anm01_tables(), "2025-12-31", {"ANM01": {"min_n_first_two": 600}})
    f, _ = run("ANM01", ctx)
    assert set(f["subject_id"]) == {"U1", "330521"}
    ev = json.loads(f.set_index("subject_id").loc["U1", "evidence"])
    assert ev["test"] == "first_two" and ev["nonconformity_from"] == 0.0022


# --------------------------------------------------------------------------------------------------
# ANM02 monthly STL anomalies
# --------------------------------------------------------------------------------------------------

_SEASON = np.array([0.8, 0.85, 0.95, 1.0, 1.0, 1.05, 1.0, 0.95, 1.0, 1.05, 1.1, 1.3])


def _monthly(unit: str, start: str, months: int, seed: int, spikes: dict[str, float] | None = None) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for k, per in enumerate(pd.period_range(start, periods=months, freq="M")):
        amount = 100_000.0 * _SEASON[per.month - 1] * (1 + 0.002 * k) * (1 + rng.normal(0, 0.02))
        amount *= (spikes or {}).get(str(per), 1.0)
        rows.append(payment(f"{unit}-{per}", f"{per.year}-{per.month:02d}-10", round(amount, 2), unit=unit))
    return rows


def _anm02_tables() -> dict:
    rows = (_monthly("U1", "2023-01", 36, seed=1, spikes={"2025-05": 4.0})
            + _monthly("U2", "2023-01", 36, seed=2, spikes={"2024-08": 0.1})  # a dip: not graded (direction up)
            + _monthly("U3", "2024-07", 18, seed=3))
    return {"payments": payments(rows)}


def test_anm02_spike_month_is_an_alert_and_dips_are_not_graded() -> None:
    f, a = run("ANM02", context(_anm02_tables(), "2025-12-31"))
    assert _findings(f) == {("unit", "U1", "2025-05"): "alert"}
    row = f.iloc[0]
    assert row["subject_type"] == "unit" and row["unit_code"] == "U1" and row["threshold"] == 5.0
    ev = json.loads(row["evidence"])
    assert ev["months"] == 36 and ev["direction"] == "up" and ev["robust_z"] == pytest.approx(row["value"])
    assert ev["observed"] == pytest.approx(ev["expected"] + ev["resid"], rel=1e-9)
    assert [p["payment_id"] for p in ev["largest_payments"]] == ["U1-2025-05"]
    assert row["message_en"].startswith("德清县教育局: net payments of ")
    assert row["message_zh"].startswith("德清县教育局 2025年5月净支付")


def test_anm02_both_directions_grades_the_dip_too() -> None:
    f, _ = run("ANM02", context(_anm02_tables(), "2025-12-31", {"ANM02": {"direction": "both"}}))
    found = _findings(f)
    assert found[("unit", "U1", "2025-05")] == "alert" and found[("unit", "U2", "2024-08")] == "alert"


def test_anm02_fewer_than_24_months_is_not_assessed_with_the_reason() -> None:
    _, a = run("ANM02", context(_anm02_tables(), "2025-12-31"))
    counts = a.set_index("region_code")
    assert counts.loc["330521", "assessed"] == 36 and counts.loc["330500", "assessed"] == 36
    assert counts.loc["330521102", "assessed"] == 0
    assert counts.loc["330521102", "reason"] == "fewer than 24 months of payments (min_months)"


def test_anm02_not_assessed_anywhere_when_every_unit_is_too_short() -> None:
    f, a = run("ANM02", context({"payments": payments(_monthly("U3", "2024-07", 18, seed=3))}, "2025-12-31"))
    assert f.empty and a["assessed"].sum() == 0
    assert a.set_index("region_code").loc["330521102", "reason"] == "fewer than 24 months of payments (min_months)"


def test_anm02_counts_complete_months_only() -> None:
    # on 30 December, December is not complete: the series ends in November
    _, a = run("ANM02", context(_anm02_tables(), "2025-12-30"))
    assert a.set_index("region_code").loc["330521", "assessed"] == 35


# --------------------------------------------------------------------------------------------------
# ANM03 payment outliers
# --------------------------------------------------------------------------------------------------


def _anm03_tables() -> dict:
    rng = np.random.default_rng(0)
    rows = []
    dates = pd.bdate_range("2025-01-02", "2025-11-28")
    for i in range(400):
        unit = ("U1", "U2")[i % 2]
        rows.append(payment(f"P{i:04d}", str(dates[(i * 7) % len(dates)].date()),
                            round(float(np.exp(rng.normal(8.5, 0.4))), 2), unit=unit,
                            payee_name=f"湖州供应商{i % 25}有限公司"))
    # a payment about 400 times the usual, to a new payee, on a Sunday
    rows.append(payment("BIG", "2025-06-15", 2_150_000.00, unit="U1", payee_name="湖州某某新设有限公司"))
    # a tiny one, far below the group: no loss of money, not graded with direction up
    rows.append(payment("TINY", "2025-06-14", 0.85, unit="U2", payee_name="湖州某某小额有限公司"))
    return {"payments": payments(rows)}


def test_anm03_flags_the_outlying_payment_with_explicit_cut_offs() -> None:
    f, a = run("ANM03", context(_anm03_tables(), "2025-12-31"))
    assert flagged(f) == {"BIG": "warning"}
    row = f.iloc[0]
    assert row["subject_type"] == "payment" and row["period"] == "2025-06" and row["threshold"] == 0.65
    ev = json.loads(row["evidence"])
    assert ev["score_threshold"] == 0.65 and ev["z_threshold"] == 3.5
    assert ev["iforest"] > 0.65 and ev["group_z"] > 3.5 and ev["group"] == "302 × 330521"
    assert row["value"] == pytest.approx(min(ev["iforest"], 0.65 * ev["group_z"] / 3.5), abs=1e-6)
    assert "cut-off 3.5" in row["message_en"] and "阈值0.65" in row["message_zh"]
    assert a["assessed"].sum() == 402  # every positive payment is assessed


def test_anm03_both_directions_also_grades_far_below_the_group() -> None:
    f, _ = run("ANM03", context(_anm03_tables(), "2025-12-31", {"ANM03": {"direction": "both"}}))
    assert {"BIG", "TINY"} <= set(flagged(f))


def test_anm03_verdict_is_the_detectors_predict() -> None:
    # scoring only the payments past the z cut-off gives exactly PaymentOutlierDetector.predict
    from fiscalrisk.detectors import PaymentOutlierDetector, payment_features

    tables = _anm03_tables()
    pay = tables["payments"].sort_values("payment_id").reset_index(drop=True)
    X, z = payment_features(pay, context(tables, "2025-12-31").tables["units"], min_group=30)
    det = PaymentOutlierDetector(threshold=0.65, z_threshold=3.5, z_column="group_robust_z", max_samples=256,
                                 random_state=0).fit(X.assign(group_robust_z=z))
    expected = set(pay.loc[det.predict(X.assign(group_robust_z=z)) == -1, "payment_id"])
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": {"direction": "both"}}))
    assert set(f["subject_id"]) == expected


def test_anm03_thresholds_are_parameters() -> None:
    f, _ = run("ANM03", context(_anm03_tables(), "2025-12-31", {"ANM03": {"score_threshold": 0.95}}))
    assert f.empty


# --------------------------------------------------------------------------------------------------
# ANM04 peer outliers
# --------------------------------------------------------------------------------------------------


def _peer_units() -> pd.DataFrame:
    rows = [{"unit_code": f"D{i}", "name": f"德清县第{i}局", "region_code": "330521", "kind": "department",
             "headcount": 50 + 5 * i} for i in range(1, 8)]
    rows += [{"unit_code": f"T{i}", "name": f"乾元镇第{i}所", "region_code": "330521102", "kind": "institution",
              "headcount": 30} for i in range(1, 4)]
    return typed("units", rows)


def _anm04_tables() -> dict:
    units = _peer_units()
    rows = []
    for u, head in zip(units["unit_code"], units["headcount"], strict=True):
        k = int(u[1:])
        for m in range(1, 13):
            rows.append(payment(f"{u}-{m}", f"2025-{m:02d}-12", 200_000.0 + 1_000 * k, unit=u, economic_code="30201"))
        per_head = 1_000.0 + 20 * k if u != "D3" else 9_000.0  # D3: reception about 9 times its peers
        rows.append(payment(f"{u}-SG", "2025-05-20", per_head * int(head), unit=u, economic_code="30217"))
    return {"units": units, "payments": payments(rows)}


def test_anm04_unit_far_above_its_peers_is_a_warning_naming_the_peer_group() -> None:
    f, a = run("ANM04", context(_anm04_tables(), "2026-06-30"))
    assert _findings(f) == {("unit", "D3", "2025"): "warning"}
    row = f.iloc[0]
    ev = json.loads(row["evidence"])
    assert ev["peer_group"] == "department|county" and ev["metric"] == "sangong_per_head"
    assert ev["metrics"]["sangong_per_head"]["peer_n"] == 7 and ev["robust_z"] == pytest.approx(row["value"])
    assert "department|county" in row["message_en"] and "7 peers" in row["message_en"]
    assert row["message_zh"].startswith("德清县第3局 2025年人均三公经费为9,000.00")
    # the budget table is absent: no execution rate; every other metric is compared
    assert set(ev["metrics"]) == {"sangong_per_head", "cash_share", "individual_share", "december_share"}


def test_anm04_min_difference_leaves_immaterial_differences_ungraded() -> None:
    ctx = context(_anm04_tables(), "2026-06-30", {"ANM04": {"min_difference": {"sangong_per_head": 10_000.0}}})
    f, a = run("ANM04", ctx)
    assert f.empty and a.set_index("region_code").loc["330521", "assessed"] == 7


def test_anm04_small_peer_group_is_not_assessed_with_the_reason() -> None:
    _, a = run("ANM04", context(_anm04_tables(), "2026-06-30"))
    counts = a.set_index("region_code")
    assert counts.loc["330521", "assessed"] == 7
    assert counts.loc["330521102", "assessed"] == 0
    assert counts.loc["330521102", "reason"] == "peer group institution|township has 3 units, below min_peers 5"


def test_anm04_execution_rate_lagging_peers_this_year_leaves_out_the_contingency_reserve() -> None:
    units = _peer_units()
    rows, lines = [], []
    for u in units["unit_code"][:7]:
        for m in range(1, 7):
            rows.append(payment(f"{u}-{m}", f"2026-{m:02d}-12", 100_000.0, unit=u, economic_code="30201"))
        lines.append(line(2026, u, 1_200_000.0 * (3.0 if u == "D5" else 1.0), function="2010301"))
        lines.append(line(2026, u, 5_000_000.0, function="2270000", economic="39999"))  # reserve: not counted
    ctx = context({"units": units, "payments": payments(rows), "budget": budget(lines)}, "2026-06-30",
                  {"ANM04": {"metrics": ["execution_rate"]}})
    f, _ = run("ANM04", ctx)
    # peers at 50 %, D5 at 16.7 % (direction down); D1..D7 without the 预备费 lines
    assert _findings(f) == {("unit", "D5", "2026"): "warning"}
    ev = json.loads(f.iloc[0]["evidence"])
    assert ev["metric_value"] == pytest.approx(1 / 6, abs=1e-6) and ev["peer_median"] == pytest.approx(0.5)


# --------------------------------------------------------------------------------------------------
# ANM05 year-end execution forecast
# --------------------------------------------------------------------------------------------------

_PROFILE = np.array([0.05, 0.06, 0.08, 0.08, 0.08, 0.09, 0.08, 0.08, 0.09, 0.09, 0.10, 0.12])


def _anm05_tables() -> dict:
    rows, lines = [], []
    for u, years in (("U1", (2023, 2024, 2025, 2026)), ("U2", (2023, 2024, 2025, 2026)), ("U3", (2026,))):
        for y in years:
            budget_y = 1_200_000.0
            finish = {2023: 0.96, 2024: 0.97, 2025: 0.95, 2026: 0.96}[y]
            pace = 0.3 if (u == "U2" and y == 2026) else 1.0  # U2 spends at 30 % of its usual pace this year
            for m in range(1, 13):
                if y == 2026 and m > 6:
                    break
                amt = budget_y * finish * _PROFILE[m - 1] * pace
                rows.append(payment(f"{u}-{y}-{m}", f"{y}-{m:02d}-15", round(amt, 2), unit=u))
            lines.append(line(y, u, budget_y))
    return {"payments": payments(rows), "budget": budget(lines)}


def test_anm05_lagging_unit_is_an_alert_on_the_upper_bound() -> None:
    f, a = run("ANM05", context(_anm05_tables(), "2026-06-30"))
    assert _findings(f) == {("unit", "U2", "2026"): "alert"}
    row = f.iloc[0]
    ev = json.loads(row["evidence"])
    assert ev["upper"] == pytest.approx(row["value"], abs=1e-6) and row["value"] < 0.80 and row["threshold"] == 0.80
    assert ev["lower"] <= ev["point"] <= ev["upper"]
    assert ev["months_used"] == 6 and ev["method"] == "increment" and ev["history"] == "own history, 3 years"
    assert ev["current"] == pytest.approx(0.96 * _PROFILE[:6].sum() * 0.3)
    assert "80% interval" in row["message_en"] and "区间上限低于80%" in row["message_zh"]
    counts = a.set_index("region_code")
    # U3 is new: its history is pooled from the others (its peer group has too few rows → all units)
    assert counts.loc["330521102", "assessed"] == 1 and counts.loc["330521102", "flagged"] == 0


def test_anm05_not_assessed_before_the_first_month_is_complete() -> None:
    f, a = run("ANM05", context(_anm05_tables(), "2026-01-20"))
    assert f.empty and set(a["reason"]) == {"no complete month of 2026 on 2026-01-20"}


# --------------------------------------------------------------------------------------------------
# determinism
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "tables", "as_of"), [
    ("ANM01", _anm01_tables, "2025-12-31"),
    ("ANM02", _anm02_tables, "2025-12-31"),
    ("ANM03", _anm03_tables, "2025-12-31"),
    ("ANM04", _anm04_tables, "2026-06-30"),
    ("ANM05", _anm05_tables, "2026-06-30"),
])
def test_two_runs_give_identical_findings(code: str, tables, as_of: str) -> None:
    f1, a1 = run(code, context(tables(), as_of))
    f2, a2 = run(code, context(tables(), as_of))
    assert not f1.empty
    pd.testing.assert_frame_equal(f1, f2)
    pd.testing.assert_frame_equal(a1, a2)
