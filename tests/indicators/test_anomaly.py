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
    # the peer group as a reader says it, not its code
    assert "7 peers (county departments)" in row["message_en"] and "department|county" not in row["message_en"]
    assert row["message_zh"].startswith("德清县第3局 2025年人均三公经费为9,000.00")
    assert "同级单位（区县部门，7家）" in row["message_zh"]
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


# ======================================================================================================
# Boundaries of the statistical detectors. The statistic each threshold is compared with is computed
# here, independently of the detectors: Benford MADs from digit counts cut out of the decimal text of
# the amounts, the MAD's chance quantiles by our own multinomial simulation, robust z with numpy's
# median and MAD, STL residuals from statsmodels directly, forecast intervals from the textbook
# formulas with scipy's t. Parameters are moved through the context's ``indicators={CODE: {...}}``.
# ======================================================================================================
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

from ._coverage import covers  # noqa: E402

_BENFORD_FIRST = np.log10(1 + 1 / np.arange(1, 10))
_BENFORD_FIRST_TWO = np.log10(1 + 1 / np.arange(10, 100))


def _significant(amount: float) -> str:
    """The significant digits of an amount in cents, from its decimal text ("0.05" → "5")."""
    return str(Decimal(f"{amount:.2f}")).replace(".", "").lstrip("0")


def _mad(amounts: Any, test: str = "first") -> float:
    """Nigrini's MAD of the positive amounts: mean |observed share − Benford share| over the digits."""
    sig = [_significant(a) for a in amounts if a > 0]
    if test == "first":
        counts = np.bincount([int(s[0]) for s in sig], minlength=10)[1:]
        expected = _BENFORD_FIRST
    else:
        counts = np.bincount([int((s + "0")[:2]) for s in sig], minlength=100)[10:]
        expected = _BENFORD_FIRST_TWO
    return float(np.abs(counts / len(sig) - expected).mean())


def _chance_mad(n: int, q: float, test: str = "first", draws: int = 40_000) -> float:
    """The q-quantile of the MAD of n amounts drawn from Benford's law (our own simulation)."""
    p = _BENFORD_FIRST if test == "first" else _BENFORD_FIRST_TWO
    counts = np.random.default_rng(2024).multinomial(n, p / p.sum(), size=draws)
    return float(np.quantile(np.abs(counts / n - p).mean(axis=1), q))


def _amounts_with_first_digits(counts: Any) -> np.ndarray:
    """Distinct amounts between 1,000 and 9,999.99 with ``counts[d − 1]`` amounts of first digit d."""
    out = [d * 1000 + 1 + (i * 37 % 997) * 0.37 for d, c in zip(range(1, 10), counts, strict=True)
           for i in range(int(c))]
    return np.round(np.array(out), 2)


def _benford_counts(n: int) -> np.ndarray:
    """Counts per first digit as close to Benford as whole numbers allow, summing to n."""
    c = np.floor(n * _BENFORD_FIRST).astype(int)
    for i in np.argsort(-(n * _BENFORD_FIRST - c))[: n - c.sum()]:
        c[i] += 1
    return c


def _anm01_payments(amounts: Any, unit: str = "U1", last_date: str | None = None) -> dict:
    rows = [payment(f"{unit}-{i:05d}", f"2025-{1 + i % 11:02d}-{1 + i % 28:02d}", float(a), unit=unit)
            for i, a in enumerate(amounts)]
    if last_date is not None:
        rows[-1]["pay_date"] = last_date
    return {"payments": payments(rows)}


def _unit_levels(f: pd.DataFrame) -> dict[str, str]:
    """Unit subjects → level (region rows dropped)."""
    f = f.loc[f["subject_type"] == "unit"]
    return dict(zip(f["subject_id"], f["level"].astype(str), strict=True))


def _near_quantile_amounts() -> tuple[np.ndarray, float]:
    """500 amounts whose first-digit MAD lies between the 99 % and the 99.9 % chance quantiles at N = 500:
    in Nigrini's nonconformity band (≥ 0.015), yet not beyond what chance gives once in a thousand."""
    counts = _benford_counts(500)
    k = 0
    while _mad(_amounts_with_first_digits(counts)) < 0.019:
        counts[0] -= 1
        counts[8] += 1
        k += 1
    amounts = _amounts_with_first_digits(counts)
    return amounts, _mad(amounts)


@covers("ANM01", "min_n_first")
def test_anm01_min_n_first_at_its_exact_count():
    fabricated = _fabricated(500)
    assert _mad(fabricated) > 0.1 > _chance_mad(500, 0.999)
    f, _ = run("ANM01", context(_anm01_payments(fabricated), "2025-12-31"))
    assert _unit_levels(f) == {"U1": "warning"}
    f, a = run("ANM01", context(_anm01_payments(fabricated[:499]), "2025-12-31"))
    assert f.empty and int(a["assessed"].sum()) == 0
    f, _ = run("ANM01", context(_anm01_payments(fabricated[:499]), "2025-12-31", {"ANM01": {"min_n_first": 499}}))
    assert _unit_levels(f) == {"U1": "warning"}


def test_anm01_payment_on_as_of_counts_and_refunds_do_not():
    fabricated = _fabricated(500)
    tables = _anm01_payments(fabricated, last_date="2025-12-31")
    f, _ = run("ANM01", context(tables, "2025-12-31"))
    assert _unit_levels(f) == {"U1": "warning"}
    f, a = run("ANM01", context(tables, "2025-12-30"))  # the 500th payment is the day after as_of
    assert f.empty and int(a["assessed"].sum()) == 0
    # 499 payments and a refund of the 500th are 499 positive amounts
    rows = _anm01_payments(list(fabricated[:499]) + [-float(fabricated[0]), 0.0])
    f, a = run("ANM01", context(rows, "2025-12-31"))
    assert f.empty and int(a["assessed"].sum()) == 0


@covers("ANM01", "min_n_first_two")
def test_anm01_min_n_first_two_switches_to_the_first_two_digits_at_its_exact_count():
    # first digits as Benford as 1,000 whole counts allow, but every second digit is 0 (amounts d0xx.xx)
    counts = _benford_counts(1000)
    amounts = np.round(np.array([d * 1000 + (i % 97) + 0.25 for d, c in zip(range(1, 10), counts, strict=True)
                                 for i in range(int(c))]), 2)
    assert _mad(amounts) < 0.006  # "close" conformity on the first digit
    assert _mad(amounts, "first_two") > 0.0022 and _mad(amounts, "first_two") > _chance_mad(1000, 0.999, "first_two")
    f, _ = run("ANM01", context(_anm01_payments(amounts), "2025-12-31"))
    assert f.empty
    f, _ = run("ANM01", context(_anm01_payments(amounts), "2025-12-31", {"ANM01": {"min_n_first_two": 1000}}))
    assert _unit_levels(f) == {"U1": "warning"}
    assert json.loads(f.set_index("subject_id").loc["U1", "evidence"])["test"] == "first_two"
    f, _ = run("ANM01", context(_anm01_payments(amounts), "2025-12-31", {"ANM01": {"min_n_first_two": 1001}}))
    assert f.empty


@covers("ANM01", "first_digit_mad")
def test_anm01_first_digit_marginal_limit_at_and_just_above_the_mad():
    fabricated = _fabricated(800)
    m = _mad(fabricated)
    assert m > _chance_mad(800, 0.999)
    tables = _anm01_payments(fabricated)
    f, _ = run("ANM01", context(tables, "2025-12-31"))
    assert f.set_index("subject_id").loc["U1", "value"] == pytest.approx(m, abs=1e-12)
    below = {"ANM01": {"first_digit_mad": [0.006, 0.012, m - 1e-9]}}
    above = {"ANM01": {"first_digit_mad": [0.006, 0.012, m + 1e-9]}}
    assert _unit_levels(run("ANM01", context(tables, "2025-12-31", below))[0]) == {"U1": "warning"}
    assert _unit_levels(run("ANM01", context(tables, "2025-12-31", above))[0]) == {}
    # at the limit itself the MAD is in nonconformity ("marginal < limit", else nonconformity)
    exact = float(f.set_index("subject_id").loc["U1", "value"])
    at = {"ANM01": {"first_digit_mad": [0.006, 0.012, exact]}}
    assert _unit_levels(run("ANM01", context(tables, "2025-12-31", at))[0]) == {"U1": "warning"}


@covers("ANM01", "first_two_mad")
def test_anm01_first_two_marginal_limit_at_and_just_above_the_mad():
    fabricated = _fabricated(800)
    m = _mad(fabricated, "first_two")
    assert m > _chance_mad(800, 0.999, "first_two")
    tables = _anm01_payments(fabricated)
    base = {"min_n_first_two": 800}
    f, _ = run("ANM01", context(tables, "2025-12-31", {"ANM01": base}))
    assert f.set_index("subject_id").loc["U1", "value"] == pytest.approx(m, abs=1e-12)
    below = {"ANM01": {**base, "first_two_mad": [0.0012, 0.0018, m - 1e-9]}}
    above = {"ANM01": {**base, "first_two_mad": [0.0012, 0.0018, m + 1e-9]}}
    assert _unit_levels(run("ANM01", context(tables, "2025-12-31", below))[0]) == {"U1": "warning"}
    assert _unit_levels(run("ANM01", context(tables, "2025-12-31", above))[0]) == {}


@covers("ANM01", "quantile")
def test_anm01_mad_in_the_nonconformity_band_but_within_chance_is_not_a_finding():
    amounts, m = _near_quantile_amounts()
    # independent chance levels at N = 500: the MAD is above the 99 % quantile, below the 99.9 % one
    assert 0.015 < _chance_mad(500, 0.99) < m < 0.97 * _chance_mad(500, 0.999)
    tables = _anm01_payments(amounts)
    f, a = run("ANM01", context(tables, "2025-12-31"))
    assert f.empty and int(a["assessed"].sum()) == 2  # U1 and its county, both assessed
    f, _ = run("ANM01", context(tables, "2025-12-31", {"ANM01": {"quantile": 0.9}}))
    assert _unit_levels(f) == {"U1": "warning"}
    ev = json.loads(f.set_index("subject_id").loc["U1", "evidence"])
    assert ev["mad_quantile"] == pytest.approx(_chance_mad(500, 0.9), rel=0.05)


@covers("ANM01", "simulations")
def test_anm01_a_single_simulated_draw_is_no_chance_quantile():
    # with one draw the "99.9 % quantile" is one Benford sample's MAD, which is below this data's MAD
    # in 99 % of samples: the finding appears; with the default 10,000 draws it does not
    amounts, m = _near_quantile_amounts()
    assert m > _chance_mad(500, 0.99)
    tables = _anm01_payments(amounts)
    assert run("ANM01", context(tables, "2025-12-31"))[0].empty
    f, _ = run("ANM01", context(tables, "2025-12-31", {"ANM01": {"simulations": 1}}))
    assert _unit_levels(f) == {"U1": "warning"}


@covers("ANM01", "level")
def test_anm01_level_follows_the_parameter():
    f, _ = run("ANM01", context(_anm01_payments(_fabricated(500)), "2025-12-31", {"ANM01": {"level": "alert"}}))
    assert _unit_levels(f) == {"U1": "alert"}


def _stl_robust_z(monthly: pd.Series, period: int = 12) -> pd.Series:
    """Robust z of the residual of a periodic-seasonal STL (statsmodels), median / 1.4826·MAD in numpy."""
    from statsmodels.tsa.seasonal import STL

    x = monthly.to_numpy(dtype="float64")
    resid = STL(x, period=period, seasonal=10 * len(x) + 1, seasonal_deg=0, robust=False).fit().resid
    med = np.median(resid)
    return pd.Series((resid - med) / (1.4826 * np.median(np.abs(resid - med))), index=monthly.index)


def _monthly_totals(tables: dict, unit: str) -> pd.Series:
    p = tables["payments"]
    p = p.loc[p["unit_code"] == unit]
    return p.groupby(p["pay_date"].dt.strftime("%Y-%m"))["amount"].sum()


@covers("ANM02", "warning", "alert")
def test_anm02_thresholds_at_and_just_above_the_spike_robust_z():
    tables = _anm02_tables()
    z = _stl_robust_z(_monthly_totals(tables, "U1"))
    spike = float(z["2025-05"])
    assert spike == z.max() and spike > 5
    f, _ = run("ANM02", context(tables, "2025-12-31"))
    assert f.set_index("subject_id").loc["U1", "value"] == spike  # the same statistic, to the last bit

    def levels(**p: float) -> dict:
        return _findings(run("ANM02", context(tables, "2025-12-31", {"ANM02": p}))[0])

    assert levels(warning=spike, alert=spike + 1) == {("unit", "U1", "2025-05"): "warning"}
    assert levels(warning=spike + 1e-6, alert=spike + 1) == {}
    assert levels(alert=spike) == {("unit", "U1", "2025-05"): "alert"}
    assert levels(alert=spike + 1e-6) == {("unit", "U1", "2025-05"): "warning"}


@covers("ANM02", "min_months")
def test_anm02_min_months_at_its_exact_length():
    full = {"payments": payments(_monthly("U1", "2024-01", 24, seed=5, spikes={"2025-05": 6.0}))}
    short = {"payments": payments(_monthly("U1", "2024-02", 23, seed=5, spikes={"2025-05": 6.0}))}
    f, a = run("ANM02", context(full, "2025-12-31"))
    assert _findings(f) == {("unit", "U1", "2025-05"): "alert"} and int(a["assessed"].sum()) == 24
    f, a = run("ANM02", context(short, "2025-12-31"))
    assert f.empty and int(a["assessed"].sum()) == 0
    f, a = run("ANM02", context(full, "2025-12-31", {"ANM02": {"min_months": 25}}))
    assert f.empty and int(a["assessed"].sum()) == 0
    f, a = run("ANM02", context(short, "2025-12-31", {"ANM02": {"min_months": 23, "period": 11}}))
    assert int(a["assessed"].sum()) == 23  # two periods of 11 fit in 23 months


def test_anm02_min_months_below_two_periods_leaves_the_unit_not_assessed():
    short = {"payments": payments(_monthly("U1", "2024-02", 23, seed=5))}
    f, a = run("ANM02", context(short, "2025-12-31", {"ANM02": {"min_months": 23}}))
    assert f.empty and int(a["assessed"].sum()) == 0


@covers("ANM02", "period")
def test_anm02_period_decides_what_is_season():
    # every December three times the other months: season with period 12, an anomaly with period 6
    rows = []
    for k, per in enumerate(pd.period_range("2023-01", periods=36, freq="M")):
        amount = 100_000.0 * (3.0 if per.month == 12 else 1.0) * (1 + 0.01 * np.sin(k * 1.7))
        rows.append(payment(f"X{k}", f"{per.year}-{per.month:02d}-10", round(amount, 2)))
    tables = {"payments": payments(rows)}
    assert run("ANM02", context(tables, "2025-12-31"))[0].empty
    assert _stl_robust_z(_monthly_totals(tables, "U1")).max() < 3.5
    f, _ = run("ANM02", context(tables, "2025-12-31", {"ANM02": {"period": 6}}))
    z6 = _stl_robust_z(_monthly_totals(tables, "U1"), period=6)
    assert _findings(f) == {("unit", "U1", "2024-12"): "warning"}
    assert f["value"].iloc[0] == pytest.approx(z6["2024-12"]) and 3.5 <= z6["2024-12"] < 5


@covers("ANM02", "direction")
def test_anm02_direction_both_grades_the_dip_by_its_absolute_robust_z():
    tables = _anm02_tables()
    z = _stl_robust_z(_monthly_totals(tables, "U2"))
    assert z["2024-08"] == z.min() and z["2024-08"] <= -5
    up = _findings(run("ANM02", context(tables, "2025-12-31"))[0])
    both, _ = run("ANM02", context(tables, "2025-12-31", {"ANM02": {"direction": "both"}}))
    assert ("unit", "U2", "2024-08") not in up and _findings(both)[("unit", "U2", "2024-08")] == "alert"
    dip = both.loc[(both["subject_id"] == "U2") & (both["period"] == "2024-08"), "value"].iloc[0]
    assert dip == pytest.approx(-z["2024-08"])


def test_anm02_spike_paid_on_as_of_counts_once_the_month_is_complete():
    rows = _monthly("U1", "2023-01", 36, seed=1, spikes={"2025-12": 4.0})
    rows[-1]["pay_date"] = "2025-12-31"
    tables = {"payments": payments(rows)}
    f, a = run("ANM02", context(tables, "2025-12-31"))
    assert _findings(f) == {("unit", "U1", "2025-12"): "alert"} and int(a["assessed"].sum()) == 36
    f, a = run("ANM02", context(tables, "2025-12-30"))  # December not complete: the series ends in November
    assert f.empty and int(a["assessed"].sum()) == 35


def _group_robust_z(tables: dict, digits: int = 3, min_group: int = 30) -> pd.Series:
    """payment_id → robust z of log10(amount) within economic prefix × region, positive amounts, numpy only."""
    p = tables["payments"]
    p = p.loc[p["amount"] > 0]
    region = p["unit_code"].map({"U1": "330521", "U2": "330500", "U3": "330521102"})
    out = {}
    for _, g in p.groupby([p["economic_code"].str[:digits], region]):
        x = np.log10(g["amount"].to_numpy(dtype="float64"))
        med = np.median(x)
        mad = np.median(np.abs(x - med))
        z = (x - med) / (1.4826 * mad) if len(g) >= min_group and mad > 0 else np.zeros(len(g))
        out.update(zip(g["payment_id"], z, strict=True))
    return pd.Series(out)


_Z_ONLY = {"score_threshold": 0.01}  # every isolation score s(x) is above 0.01: the verdict is the z cut-off


@covers("ANM03", "z_threshold")
def test_anm03_z_threshold_just_below_and_just_above_the_robust_z():
    tables = _anm03_tables()
    z = _group_robust_z(tables)
    big = float(z["BIG"])
    assert big == z.max() and big > 10
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": _Z_ONLY}))
    assert flagged(f) == {"BIG": "warning"}
    assert json.loads(f["evidence"].iloc[0])["group_z"] == pytest.approx(big, abs=1e-6)
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": {**_Z_ONLY, "z_threshold": big - 1e-9}}))
    assert flagged(f) == {"BIG": "warning"}
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": {**_Z_ONLY, "z_threshold": big + 1e-9}}))
    assert f.empty


@covers("ANM03", "z_threshold")
def test_anm03_robust_z_exactly_at_the_cut_off_is_not_an_outlier():
    # logs of powers of ten are exact: 10 payments of 100, 11 of 1,000, 9 of 10,000 and one of 10^8 give a
    # median log of 3, a MAD of 1 and z = 5 / 1.4826 for the large payment, to the last bit
    amounts = [100.0] * 10 + [1_000.0] * 11 + [10_000.0] * 9 + [100_000_000.0]
    dates = pd.bdate_range("2025-01-02", periods=len(amounts))
    rows = [payment(f"E{i:02d}", str(d.date()), a, payee_name=f"供应商{i % 7}") for i, (a, d) in
            enumerate(zip(amounts, dates, strict=True))]
    tables = {"payments": payments(rows)}
    z = 5.0 / (1.4826 * 1.0)
    assert _group_robust_z(tables)["E30"] == z
    at = {"ANM03": {**_Z_ONLY, "z_threshold": z}}
    below = {"ANM03": {**_Z_ONLY, "z_threshold": float(np.nextafter(z, 0))}}
    assert run("ANM03", context(tables, "2025-12-31", at))[0].empty
    assert flagged(run("ANM03", context(tables, "2025-12-31", below))[0]) == {"E30": "warning"}


@covers("ANM03", "score_threshold")
def test_anm03_score_threshold_just_below_and_just_above_the_isolation_score():
    tables = _anm03_tables()
    f, _ = run("ANM03", context(tables, "2025-12-31"))
    ev = json.loads(f["evidence"].iloc[0])
    # the combined score is min(s(x), 0.65 · z / 3.5); with z ≈ 15 it is s(x) itself, unrounded
    s = float(f["value"].iloc[0])
    assert 0.65 < s <= 1 and 0.65 * ev["group_z"] / 3.5 > s and s == pytest.approx(ev["iforest"], abs=1e-6)
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": {"score_threshold": float(np.nextafter(s, 0))}}))
    assert flagged(f) == {"BIG": "warning"}
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": {"score_threshold": s}}))
    assert f.empty  # strictly above the cut-off
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": {"score_threshold": s + 1e-5}}))
    assert f.empty


@covers("ANM03", "direction")
def test_anm03_direction_grades_the_high_side_or_both_sides_of_the_group():
    tables = _anm03_tables()
    z = _group_robust_z(tables)
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": _Z_ONLY}))
    assert set(f["subject_id"]) == set(z.index[z > 3.5]) == {"BIG"}
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": {**_Z_ONLY, "direction": "both"}}))
    assert set(f["subject_id"]) == set(z.index[z.abs() > 3.5]) and "TINY" in set(f["subject_id"])


@covers("ANM03", "economic_digits")
def test_anm03_economic_digits_define_the_comparison_group():
    tables = _anm03_tables()
    p = tables["payments"]
    # the large payment is the only 30213 payment: one of 201 in group 302, alone in group 30213
    p.loc[p["payment_id"] == "BIG", "economic_code"] = "30213"
    assert _group_robust_z(tables)["BIG"] > 3.5 and _group_robust_z(tables, digits=5)["BIG"] == 0
    f, _ = run("ANM03", context(tables, "2025-12-31"))
    assert flagged(f) == {"BIG": "warning"}
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": {"economic_digits": 5}}))
    assert f.empty


@covers("ANM03", "min_group_size")
def test_anm03_min_group_size_at_its_exact_count():
    tables = _anm03_tables()
    p = tables["payments"]
    group = p.loc[(p["unit_code"] == "U1") & (p["amount"] > 0)]
    assert len(group) == 201  # 200 ordinary payments of U1 (302 × 德清县) and the large one
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": {"min_group_size": 201}}))
    assert flagged(f) == {"BIG": "warning"}
    f, _ = run("ANM03", context(tables, "2025-12-31", {"ANM03": {"min_group_size": 202}}))
    assert f.empty


@covers("ANM03", "level")
def test_anm03_level_follows_the_parameter():
    f, _ = run("ANM03", context(_anm03_tables(), "2025-12-31", {"ANM03": {"level": "alert"}}))
    assert flagged(f) == {"BIG": "alert"}


def test_anm03_payment_on_as_of_counts_and_refunds_are_never_outliers():
    tables = _anm03_tables()
    f, _ = run("ANM03", context(tables, "2025-06-15"))  # BIG is paid on as_of
    assert flagged(f) == {"BIG": "warning"}
    f, a = run("ANM03", context(tables, "2025-06-14"))
    assert f.empty
    p = tables["payments"]
    p.loc[p["payment_id"] == "BIG", "amount"] = -2_150_000.00  # a reversal
    f, a = run("ANM03", context(tables, "2025-12-31"))
    assert f.empty and int(a["assessed"].sum()) == 401


def _sangong_per_head_z(tables: dict, peers: tuple[str, ...] = tuple(f"D{i}" for i in range(1, 8))) -> pd.Series:
    """unit → robust z of 三公 (30217 here) net payments per head among ``peers``, numpy median and MAD."""
    p = tables["payments"]
    heads = tables["units"].set_index("unit_code")["headcount"].astype(float)
    sg = p.loc[p["economic_code"] == "30217"].groupby("unit_code")["amount"].sum()
    v = np.array([sg.get(u, 0.0) / heads[u] for u in peers])
    med = np.median(v)
    return pd.Series((v - med) / (1.4826 * np.median(np.abs(v - med))), index=list(peers))


@covers("ANM04", "warning")
def test_anm04_warning_at_and_just_above_the_robust_z():
    tables = _anm04_tables()
    z = _sangong_per_head_z(tables)
    d3 = float(z["D3"])
    assert d3 == z.max() and d3 > 100
    f, _ = run("ANM04", context(tables, "2026-06-30"))
    assert f["value"].iloc[0] == pytest.approx(d3, rel=1e-12)
    f, _ = run("ANM04", context(tables, "2026-06-30", {"ANM04": {"warning": d3 - 1e-6}}))
    assert _findings(f) == {("unit", "D3", "2025"): "warning"}
    exact = float(f["value"].iloc[0])  # the same z as ours to 1e-12: at the threshold itself it warns (≥)
    f, _ = run("ANM04", context(tables, "2026-06-30", {"ANM04": {"warning": exact}}))
    assert _findings(f) == {("unit", "D3", "2025"): "warning"}
    f, _ = run("ANM04", context(tables, "2026-06-30", {"ANM04": {"warning": d3 + 1e-6}}))
    assert f.empty


@covers("ANM04", "min_peers")
def test_anm04_min_peers_at_its_exact_count():
    tables = _anm04_tables()
    f, _ = run("ANM04", context(tables, "2026-06-30", {"ANM04": {"min_peers": 7}}))
    assert _findings(f) == {("unit", "D3", "2025"): "warning"}
    f, a = run("ANM04", context(tables, "2026-06-30", {"ANM04": {"min_peers": 8}}))
    assert f.empty and int(a["assessed"].sum()) == 0
    # three institutions of a township are a group of 3: assessed once min_peers allows it
    _, a = run("ANM04", context(tables, "2026-06-30", {"ANM04": {"min_peers": 3}}))
    assert a.set_index("region_code").loc["330521102", "assessed"] == 3


@covers("ANM04", "min_difference")
def test_anm04_min_difference_at_and_just_above_the_distance_from_the_median():
    tables = _anm04_tables()
    # D3 spends 9,000 per head; the median of its seven peers is 1,100: 7,900 from it
    at = {"ANM04": {"min_difference": {"sangong_per_head": 7_900.0}}}
    above = {"ANM04": {"min_difference": {"sangong_per_head": 7_900.01}}}
    assert _findings(run("ANM04", context(tables, "2026-06-30", at))[0]) == {("unit", "D3", "2025"): "warning"}
    f, a = run("ANM04", context(tables, "2026-06-30", above))
    assert f.empty and a.set_index("region_code").loc["330521", "assessed"] == 7


@covers("ANM04", "metrics")
def test_anm04_metrics_compared_are_a_parameter():
    tables = _anm04_tables()
    others = ["cash_share", "individual_share", "december_share"]
    f, a = run("ANM04", context(tables, "2026-06-30", {"ANM04": {"metrics": others}}))
    assert f.empty and a.set_index("region_code").loc["330521", "assessed"] == 7
    f, _ = run("ANM04", context(tables, "2026-06-30", {"ANM04": {"metrics": ["sangong_per_head"]}}))
    assert _findings(f) == {("unit", "D3", "2025"): "warning"}


def test_anm04_payment_on_as_of_counts_in_the_year_to_date():
    tables = _anm04_tables()  # the 三公 payments are dated 2025-05-20
    f, _ = run("ANM04", context(tables, "2025-05-20", {"ANM04": {"metrics": ["sangong_per_head"]}}))
    assert _findings(f) == {("unit", "D3", "2025"): "warning"}
    f, a = run("ANM04", context(tables, "2025-05-19", {"ANM04": {"metrics": ["sangong_per_head"]}}))
    assert f.empty


def _execution_rows(unit: str, year: int, june: float, december: float, budget_amount: float = 1_200_000.0,
                    months: int = 12) -> tuple[list[dict], dict]:
    """Payments reaching cumulative execution ``june`` at the end of June and ``december`` at year end (equal
    monthly amounts within each half), and the unit's budget line of the year."""
    rows = []
    for m in range(1, months + 1):
        share = june / 6 if m <= 6 else (december - june) / 6
        rows.append(payment(f"{unit}-{year}-{m:02d}", f"{year}-{m:02d}-15", round(budget_amount * share, 2),
                            unit=unit))
    return rows, line(year, unit, budget_amount)


def _anm05_history_tables() -> dict:
    """U1, new in 2024, always finishes 25 pp after June; U2 and U3 (2023–2025) double their June rate."""
    history = {
        "U1": {2024: (0.45, 0.70), 2025: (0.46, 0.72)},
        "U2": {2023: (0.40, 0.80), 2024: (0.45, 0.90), 2025: (0.50, 1.00)},
        "U3": {2023: (0.42, 0.84), 2024: (0.48, 0.96), 2025: (0.44, 0.88)},
    }
    rows, lines = [], []
    for unit, years in history.items():
        for year, (june, dec) in years.items():
            r, ln = _execution_rows(unit, year, june, dec)
            rows += r
            lines.append(ln)
        r, ln = _execution_rows(unit, 2026, 0.45, 0.0, months=6)  # 45 % at the end of June 2026
        rows += r
        lines.append(ln)
    return {"payments": payments(rows), "budget": budget(lines)}, history


def _increment_upper(june: float, history: list[tuple[float, float]], interval: float) -> float:
    """Own-history forecast: June rate + mean increment to December, Student-t prediction interval."""
    from scipy import stats

    inc = np.array([d - j for j, d in history])
    m = len(inc)
    return june + inc.mean() + stats.t.ppf(0.5 + interval / 2, m - 1) * inc.std(ddof=1) * np.sqrt(1 + 1 / m)


def _ols_upper(june: float, history: list[tuple[float, float]], interval: float) -> float:
    """Pooled forecast: OLS of December on June, the textbook prediction interval for a new observation."""
    from scipy import stats

    x = np.array([j for j, _ in history])
    y = np.array([d for _, d in history])
    n = len(x)
    slope, intercept = np.polyfit(x, y, 1)
    s2 = ((y - (intercept + slope * x)) ** 2).sum() / (n - 2)
    se = np.sqrt(s2 * (1 + 1 / n + (june - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum()))
    return intercept + slope * june + stats.t.ppf(0.5 + interval / 2, n - 2) * se


def _unit_uppers(f: pd.DataFrame) -> dict[str, float]:
    return dict(zip(f["subject_id"], f["value"], strict=True))


@covers("ANM05", "warning", "alert")
def test_anm05_actual_rate_at_year_end_at_and_just_below_both_thresholds():
    units = typed("units", [{"unit_code": f"U{i}", "name": f"德清县第{i}局", "region_code": "330521"}
                            for i in range(1, 5)])
    totals = {"U1": 900_000.0, "U2": 899_999.90, "U3": 800_000.0, "U4": 799_999.90}
    rows, lines = [], []
    for unit, total in totals.items():
        for m in range(1, 13):
            amount = round(total / 12, 2) if m < 12 else round(total - 11 * round(total / 12, 2), 2)
            day = "31" if m == 12 else "15"  # December's payment on as_of itself
            rows.append(payment(f"{unit}-{m:02d}", f"2026-{m:02d}-{day}", amount, unit=unit))
        lines.append(line(2026, unit, 1_000_000.0))
    rows.append(payment("U1-late", "2027-01-01", -100_000.0, unit="U1", budget_year=2026))  # after as_of
    tables = {"units": units, "payments": payments(rows), "budget": budget(lines)}

    def levels(**p: float) -> dict[str, str]:
        return flagged(run("ANM05", context(tables, "2026-12-31", {"ANM05": p} if p else None))[0])

    assert levels() == {"U2": "warning", "U3": "warning", "U4": "alert"}
    assert levels(warning=0.89999) == {"U3": "warning", "U4": "alert"}
    assert levels(warning=0.90001) == {"U1": "warning", "U2": "warning", "U3": "warning", "U4": "alert"}
    assert levels(alert=0.80001) == {"U2": "warning", "U3": "alert", "U4": "alert"}
    assert levels(alert=0.79999) == {"U2": "warning", "U3": "warning", "U4": "warning"}


@covers("ANM05", "warning", "alert")
def test_anm05_forecast_upper_bound_just_either_side_of_both_thresholds():
    tables = _anm05_tables()
    budget_y = 1_200_000.0

    def cum(unit: str, year: int, month: int) -> float:
        p = tables["payments"]
        p = p.loc[(p["unit_code"] == unit) & (p["pay_date"].dt.year == year) & (p["pay_date"].dt.month <= month)]
        return float(p["amount"].sum()) / budget_y

    history = [(cum("U2", y, 6), cum("U2", y, 12)) for y in (2023, 2024, 2025)]
    upper = _increment_upper(cum("U2", 2026, 6), history, 0.8)
    f, _ = run("ANM05", context(tables, "2026-06-30"))
    assert _unit_uppers(f)["U2"] == pytest.approx(upper, rel=1e-9) and upper < 0.8
    # strictly below: an alert a hair under the upper bound is not crossed, a hair above it is
    assert flagged(run("ANM05", context(tables, "2026-06-30", {"ANM05": {"alert": upper - 1e-6}}))[0]) == {
        "U2": "warning"}
    assert flagged(run("ANM05", context(tables, "2026-06-30", {"ANM05": {"alert": upper + 1e-6}}))[0]) == {
        "U2": "alert"}
    # and the warning likewise, with the alert out of the way
    low = {"alert": 0.1}
    assert flagged(run("ANM05", context(tables, "2026-06-30", {"ANM05": {**low, "warning": upper - 1e-6}}))[0]) == {}
    assert flagged(run("ANM05", context(tables, "2026-06-30", {"ANM05": {**low, "warning": upper + 1e-6}}))[0]) == {
        "U2": "warning"}


@covers("ANM05", "interval")
def test_anm05_interval_coverage_moves_the_upper_bound_across_the_warning():
    tables, history = _anm05_history_tables()
    own_u2 = list(history["U2"].values())
    u80, u50 = _increment_upper(0.45, own_u2, 0.8), _increment_upper(0.45, own_u2, 0.5)
    assert u50 < u80
    warning = (u50 + u80) / 2
    f, _ = run("ANM05", context(tables, "2026-06-30", {"ANM05": {"warning": warning}}))
    assert _unit_uppers(f).get("U2", u80) == pytest.approx(u80, rel=1e-9) and "U2" not in flagged(f)
    f, _ = run("ANM05", context(tables, "2026-06-30", {"ANM05": {"warning": warning, "interval": 0.5}}))
    assert flagged(f)["U2"] == "warning" and _unit_uppers(f)["U2"] == pytest.approx(u50, rel=1e-9)


@covers("ANM05", "min_history_years")
def test_anm05_min_history_years_decides_own_or_pooled_history():
    tables, history = _anm05_history_tables()
    own = list(history["U1"].values())  # two years: June + 25 pp
    pooled = [v for years in history.values() for v in years.values()]  # eight unit-years, all units
    own_upper, pooled_upper = _increment_upper(0.45, own, 0.8), _ols_upper(0.45, pooled, 0.8)
    assert own_upper < 0.8 and pooled_upper >= 0.9
    f, _ = run("ANM05", context(tables, "2026-06-30"))
    assert flagged(f).get("U1") == "alert"
    assert json.loads(f.set_index("subject_id").loc["U1", "evidence"])["history"] == "own history, 2 years"
    assert _unit_uppers(f)["U1"] == pytest.approx(own_upper, rel=1e-9)
    f, a = run("ANM05", context(tables, "2026-06-30", {"ANM05": {"min_history_years": 3}}))
    assert "U1" not in flagged(f) and a["assessed"].sum() == 3
    f, _ = run("ANM05", context(tables, "2026-06-30", {"ANM05": {"min_history_years": 3, "warning": 1.5}}))
    row = f.set_index("subject_id").loc["U1"]
    assert json.loads(row["evidence"])["history"] == "pooled, all units, 8 unit-years"
    assert row["value"] == pytest.approx(pooled_upper, rel=1e-9)
