"""Payment outlier detector: scikit-learn's estimator checks, features, planted outliers."""

from __future__ import annotations

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
