"""Payment outlier detector: scikit-learn's estimator checks, features, planted outliers."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from fiscalrisk.detectors import PaymentOutlierDetector, payment_features


# Every check applies and passes, with and without the robust z column. (check_array_api_input
# skips itself unless SCIPY_ARRAY_API=1: the detector wraps IsolationForest, which has no array
# API support.)
@parametrize_with_checks(
    [PaymentOutlierDetector(n_estimators=25), PaymentOutlierDetector(n_estimators=25, z_column=0)]
)
def test_scikit_learn_estimator_checks(estimator: PaymentOutlierDetector, check: Callable) -> None:
    check(estimator)


def _payments(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = rng.choice(["U1", "U2", "U3"], n)
    econ = rng.choice(["30201", "30211", "30905"], n)
    payee = rng.choice([f"Supplier {i}" for i in range(40)], n)
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 250, n), unit="D")
    dates = pd.DatetimeIndex([d if d.weekday() < 5 else d - pd.Timedelta(days=2) for d in dates])
    amount = np.round(np.exp(rng.normal(8, 0.5, n)), 2)
    df = pd.DataFrame(
        {"unit_code": units, "economic_code": econ, "payee_name": payee, "pay_date": dates, "amount": amount}
    )
    # planted: a huge one-off payment to a new payee on a Sunday
    df.loc[n] = ["U1", "30201", "Unknown Co", pd.Timestamp("2024-03-10"), 2_500_000.00]
    return df


def test_payment_features_have_the_documented_columns_and_group_z() -> None:
    p = _payments()
    units = pd.DataFrame({"unit_code": ["U1", "U2", "U3"], "region_code": ["R1", "R1", "R2"]})
    X, z = payment_features(p, units)
    assert list(X.columns) == ["log_amount", "payee_frequency", "weekday", "day_of_month", "rel_unit_median"]
    assert X.index.equals(p.index) and z.index.equals(p.index)
    assert np.isfinite(X.to_numpy()).all()
    assert X.loc[600, "weekday"] == 6 and X.loc[600, "day_of_month"] == 10
    assert X.loc[600, "payee_frequency"] == pytest.approx(np.log10(2))
    assert z.idxmax() == 600 and z[600] > 5
    # z is a robust z within economic prefix (302 / 309) × region
    g = (p["economic_code"].str[:3] == "309") & p["unit_code"].isin(["U1", "U2"])
    logs = np.log10(p.loc[g, "amount"])
    med = logs.median()
    np.testing.assert_allclose(z[g], (logs - med) / (1.4826 * (logs - med).abs().median()))


def test_planted_payment_is_the_only_outlier_and_the_verdict_matches_the_thresholds() -> None:
    X, z = payment_features(_payments())
    Xz = X.assign(group_robust_z=z)
    det = PaymentOutlierDetector(threshold=0.6, z_threshold=3.5, z_column="group_robust_z", random_state=0)
    pred = det.fit(Xz).predict(Xz)
    assert list(np.flatnonzero(pred == -1)) == [600]
    assert det.offset_ == -0.6
    comp = det.anomaly_components(Xz)
    expected_outlier = (comp["iforest"] > 0.6) & (comp["abs_z"] > 3.5)
    np.testing.assert_array_equal(pred == -1, expected_outlier.to_numpy())
    np.testing.assert_allclose(det.decision_function(Xz), det.score_samples(Xz) + 0.6)


def test_same_random_state_gives_the_same_scores() -> None:
    X, z = payment_features(_payments())
    a = PaymentOutlierDetector(random_state=3).fit(X).score_samples(X)
    b = PaymentOutlierDetector(random_state=3).fit(X).score_samples(X)
    np.testing.assert_array_equal(a, b)


def test_invalid_thresholds_are_refused() -> None:
    X = np.random.default_rng(0).normal(size=(50, 3))
    with pytest.raises(ValueError, match="threshold"):
        PaymentOutlierDetector(threshold=1.5).fit(X)
    with pytest.raises(ValueError, match="z_column"):
        PaymentOutlierDetector(z_column=7).fit(X)


# --------------------------------------------------------------------- ANM03 against a reference
# The indicator's verdict recomputed here from its documented definition, without the product's
# feature or detector code: features and the group robust z written out with numpy, and scikit-learn's
# IsolationForest fitted with the catalogue's defaults (200 trees of 256 payments, seed 0).
_REGION = {"U1": "330521", "U2": "330500", "U3": "330521102"}  # tests/indicators/_tables.units()


def _anm03_tables() -> dict[str, pd.DataFrame]:
    from tests.indicators._tables import payment, payments

    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2025-01-02", "2025-11-28")
    rows = []
    for i in range(600):
        unit = ("U1", "U2")[i % 2]
        rows.append(payment(f"P{i:04d}", str(dates[(i * 7) % len(dates)].date()),
                            round(float(np.exp(rng.normal(8.5, 0.4))), 2), unit=unit,
                            payee_name=f"湖州供应商{i % 25}有限公司"))
    for i in range(25):  # a group of 26 payments: below min_group_size 30, never scored
        rows.append(payment(f"S{i:03d}", str(dates[i * 3].date()), round(float(np.exp(rng.normal(8.5, 0.4))), 2),
                            unit="U3", payee_name="乾元镇供应商"))
    rows += [
        payment("BIG", "2025-06-15", 2_150_000.00, unit="U1", payee_name="湖州某某新设有限公司"),  # a Sunday
        payment("TINY", "2025-06-14", 0.85, unit="U2", payee_name="湖州某某小额有限公司"),
        payment("HUGE", "2025-06-16", 5_000_000.00, unit="U3", payee_name="乾元镇供应商"),  # small group
        payment("RFND", "2025-06-17", -3_000.00, unit="U1"),  # refunds are not assessed
    ]
    return {"payments": payments(rows)}


def _reference_anm03(pay: pd.DataFrame, direction: str) -> tuple[set[str], dict[str, float]]:
    p = pay.loc[pay["amount"] > 0].sort_values("payment_id").reset_index(drop=True)
    a = p["amount"].to_numpy(dtype=float)
    log_a = np.log10(a)
    unit, econ, payee = p["unit_code"].to_numpy(), p["economic_code"].to_numpy(), p["payee_name"].to_numpy()
    n = len(p)
    freq = np.array([np.sum((unit == unit[i]) & (payee == payee[i])) for i in range(n)], dtype=float)
    unit_median = np.array([np.median(log_a[(unit == unit[i]) & (econ == econ[i])]) for i in range(n)])
    features = np.column_stack([
        np.log10(1 + a),  # log_amount
        np.log10(1 + freq),  # payee_frequency
        p["pay_date"].dt.day_of_week.to_numpy(dtype=float),
        p["pay_date"].dt.day.to_numpy(dtype=float),
        log_a - unit_median,  # rel_unit_median
    ])
    group = np.array([f"{e[:3]}|{_REGION[u]}" for e, u in zip(econ, unit, strict=True)])
    z = np.zeros(n)
    for g in set(group):
        members = group == g
        if members.sum() < 30:  # min_group_size
            continue
        med = np.median(log_a[members])
        mad = np.median(np.abs(log_a[members] - med))
        z[members] = (log_a[members] - med) / (1.4826 * mad)
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(n_estimators=200, max_samples=256, contamination="auto", random_state=0)
    s = -forest.fit(features).score_samples(features)
    far = z > 3.5 if direction == "up" else np.abs(z) > 3.5
    ids = p["payment_id"].to_numpy()
    return set(ids[far & (s > 0.65)]), dict(zip(ids, z, strict=True))


@pytest.mark.parametrize("direction", ["up", "both"])
def test_anm03_verdict_matches_a_reference_forest_and_robust_z(direction: str) -> None:
    from tests.indicators._tables import context, run

    tables = _anm03_tables()
    expected, z = _reference_anm03(tables["payments"], direction)
    # hand-checked anchors: the planted payment is in, the small group never is
    assert "BIG" in expected and "HUGE" not in expected and z["HUGE"] == 0.0
    assert ("TINY" in expected) == (direction == "both")
    f, assessed = run("ANM03", context(tables, "2025-12-31", {"ANM03": {"direction": direction}}))
    assert set(f["subject_id"]) == expected
    assert int(assessed["assessed"].sum()) == len(tables["payments"]) - 1  # every positive payment
    for sid, evidence in zip(f["subject_id"], f["evidence"], strict=True):
        assert json.loads(evidence)["group_z"] == pytest.approx(z[sid], rel=1e-3), sid
