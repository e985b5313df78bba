"""ANM03's payment features and detector tested value by value against hand-worked small cases.

``payment_features`` is checked column by column on a few payments whose logs are worked out in the
comments (refund, zero, missing date, empty and missing payee, two economic codes), and its group
robust z on groups built from powers of ten, so every median, MAD and mean absolute deviation is a
small number written out by hand: the MAD branch, the mean-AD fallback (MAD = 0), ``min_group`` at its
boundary, the economic prefix, and the three ways of finding a payment's region. The detector is
checked against scikit-learn's own ``IsolationForest`` fitted in the test with the same parameters and
seed, on the estimator API (``get_params``, ``NotFittedError``, fitted attributes, ``fit`` returns
self), its error messages word for word, and its verdict at the exact boundary ``|z| = z_threshold``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError

from fiscalrisk.detectors import PaymentOutlierDetector, payment_features
from fiscalrisk.detectors.outliers import _keys

MAD_SD = 1.4826  # Iglewicz & Hoaglin: 1.4826 · MAD estimates the standard deviation
MEANAD_SD = 1.2533  # sqrt(pi/2): mean absolute deviation → standard deviation (fallback when MAD = 0)


# --------------------------------------------------------------------------------- group codes
def _same_group(k: np.ndarray, i: int, j: int) -> bool:
    return bool(k[i] == k[j])


def test_keys_are_int64_codes_and_missing_text_is_grouped_with_the_empty_string() -> None:
    k = _keys(pd.Series(["b", "a", None, "", "b", pd.NA], dtype=object))
    assert k.dtype == np.int64 and k.shape == (6,)
    # groups: {"b": 0, 4}, {"a": 1}, {"" or missing: 2, 3, 5}
    assert _same_group(k, 0, 4) and _same_group(k, 2, 3) and _same_group(k, 3, 5)
    assert len({k[0], k[1], k[2]}) == 3


def test_keys_of_a_prefix_group_codes_by_their_first_characters() -> None:
    k = _keys(pd.Series(["30201", "30211", "40201", None, "3"]), prefix=3)
    assert k.dtype == np.int64
    # "302" | "302" | "402" | "" | "3": the first two together, the others apart
    assert _same_group(k, 0, 1)
    assert len({k[0], k[2], k[3], k[4]}) == 4


def test_keys_of_a_categorical_group_by_the_text_of_the_categories() -> None:
    c = pd.Series(pd.Categorical(["x", None, "y", "x", ""], categories=["y", "x", "", "unused"]))
    k = _keys(c)
    assert k.dtype == np.int64
    # {"x": 0, 3}, {"y": 2}, {missing or "": 1, 4}
    assert _same_group(k, 0, 3) and _same_group(k, 1, 4)
    assert len({k[0], k[1], k[2]}) == 3
    kp = _keys(pd.Series(pd.Categorical(["30201", "30211", None, "40201"])), prefix=3)
    assert kp.dtype == np.int64 and _same_group(kp, 0, 1) and len({kp[0], kp[2], kp[3]}) == 3


# ----------------------------------------------------------------------- features by hand
def _small() -> pd.DataFrame:
    rows = [  # unit, economic code, payee, date, amount
        ("U1", "30201", "A", "2024-01-31", 99.0),  # Wednesday
        ("U1", "30201", "A", "2024-02-03", 999.0),  # Saturday
        ("U1", "30201", "B", "2024-02-29", 9.0),  # Thursday, last day of a leap February
        ("U1", "30201", "", None, 0.0),  # no date, zero amount
        ("U1", "30201", None, "2024-03-04", -99.0),  # Monday, refund, payee missing
        ("U2", "30201", "A", "2024-03-31", 9999.0),  # Sunday, another unit
        ("U1", "30211", "A", "2024-03-05", 99999.0),  # Tuesday, another economic code
    ]
    df = pd.DataFrame(rows, columns=["unit_code", "economic_code", "payee_name", "pay_date", "amount"])
    df["pay_date"] = pd.to_datetime(df["pay_date"])
    df.index = pd.Index(["p1", "p2", "p3", "p4", "p5", "p6", "p7"], name="payment")
    return df


def test_payment_features_worked_out_by_hand() -> None:
    p = _small()
    X, z = payment_features(p)
    assert list(X.columns) == ["log_amount", "payee_frequency", "weekday", "day_of_month", "rel_unit_median"]
    assert (X.dtypes == np.float64).all()
    assert X.index.equals(p.index) and X.index.name == "payment"
    # log_amount = sign(a) · log10(1 + |a|)
    np.testing.assert_allclose(X["log_amount"], [2.0, 3.0, 1.0, 0.0, -2.0, 4.0, 5.0], rtol=0, atol=1e-12)
    # payee_frequency = log10(1 + payments of this unit to this payee):
    #   U1/A: p1 p2 p7 = 3; U1/B: 1; U1/"" and U1/missing are one payee: p4 p5 = 2; U2/A: 1
    np.testing.assert_allclose(
        X["payee_frequency"], np.log10([4, 4, 2, 3, 3, 2, 4]), rtol=0, atol=1e-12
    )
    # weekday 0 = Monday .. 6 = Sunday, day of month; −1 for the missing date
    np.testing.assert_array_equal(X["weekday"], [2, 5, 3, -1, 0, 6, 1])
    np.testing.assert_array_equal(X["day_of_month"], [31, 3, 29, -1, 4, 31, 5])
    # rel_unit_median: U1 × 30201 has positive amounts 99, 999, 9: median log10(99);
    #   p4 (zero) and p5 (refund) are 0; p6 and p7 are alone in their unit × code: 0
    np.testing.assert_allclose(
        X["rel_unit_median"],
        [0.0, np.log10(999 / 99), np.log10(9 / 99), 0.0, 0.0, 0.0, 0.0],
        rtol=0,
        atol=1e-12,
    )
    # every group is below min_group = 20: no z at all
    assert z.name == "group_robust_z" and z.dtype == np.float64
    assert z.index.equals(p.index)
    np.testing.assert_array_equal(z, np.zeros(7))


# ------------------------------------------------------------------------ group robust z
G1 = [1] * 5 + [2] * 5 + [3] * 5 + [4] * 5  # log10 amounts: median 2.5, |dev| 0.5 ×10, 1.5 ×10: MAD 1
G2 = [2] * 11 + [3] * 9  # median 2, |dev| 0 ×11, 1 ×9: MAD 0, mean |dev| 9/20 = 0.45


def _z_g1(logs: list[int]) -> np.ndarray:
    return (np.array(logs, dtype=float) - 2.5) / (MAD_SD * 1.0)


def _z_g2(logs: list[int]) -> np.ndarray:
    return (np.array(logs, dtype=float) - 2.0) / (MEANAD_SD * 0.45)


def _rows(unit: str, econ: str, logs: list[int], tag: str) -> list[dict]:
    return [
        dict(payment=f"{tag}{i:02d}", unit_code=unit, economic_code=econ, payee_name=f"S{i % 3}",
             pay_date=pd.Timestamp("2024-05-01") + pd.Timedelta(days=i), amount=float(10**k))
        for i, k in enumerate(logs)
    ]


def _two_regions() -> pd.DataFrame:
    """G1 in unit U1 (region R1), G2 in unit U2 (region R2), same economic code; and in U1 a refund
    and a zero payment, which are not assessed and do not count towards the group."""
    rows = _rows("U1", "30201", G1, "a") + _rows("U2", "30201", G2, "b")
    rows.append(dict(payment="refund", unit_code="U1", economic_code="30201", payee_name="S0",
                     pay_date=pd.Timestamp("2024-06-01"), amount=-50.0))
    rows.append(dict(payment="zero", unit_code="U1", economic_code="30201", payee_name="S0",
                     pay_date=pd.Timestamp("2024-06-02"), amount=0.0))
    return pd.DataFrame(rows).set_index("payment")


def _expected_by_region() -> np.ndarray:
    # 20 payments in each region: both groups are scored (size 20 = min_group)
    return np.concatenate([_z_g1(G1), _z_g2(G2), [0.0, 0.0]])


def test_group_z_within_region_from_the_region_column() -> None:
    p = _two_regions()
    p["region_code"] = np.where(p["unit_code"] == "U1", "R1", "R2")
    X, z = payment_features(p)
    assert z.name == "group_robust_z" and z.index.equals(p.index)
    np.testing.assert_allclose(z, _expected_by_region(), rtol=0, atol=1e-12)
    # G2: MAD = 0, so the scale is 1.2533 · 0.45; the 9 payments of 1000 are at 1 / 0.563985
    assert z["b19"] == pytest.approx(1 / 0.563985, rel=1e-9)
    # a group of 20 is below min_group = 21: nothing is scored
    _, z21 = payment_features(p, min_group=21)
    np.testing.assert_array_equal(z21, np.zeros(len(p)))


def test_group_z_within_region_from_the_units_table_first_row_of_a_unit_wins() -> None:
    p = _two_regions()
    units = pd.DataFrame({"unit_code": ["U1", "U1", "U2"], "region_code": ["R1", "R2", "R2"]})
    _, z = payment_features(p, units)
    np.testing.assert_allclose(z, _expected_by_region(), rtol=0, atol=1e-12)
    # a region column in the payments wins over the units table: all in one region here
    _, z_col = payment_features(p.assign(region_code="R9"), units)
    _, z_none = payment_features(p)
    np.testing.assert_allclose(z_col, z_none, rtol=0, atol=0)


def test_group_z_without_regions_pools_the_units() -> None:
    # one group of 40: logs 1 ×5, 2 ×16, 3 ×14, 4 ×5: median 2 (20th and 21st are 2);
    # |dev| 0 ×16, 1 ×19, 2 ×5: MAD 1 (20th and 21st are 1)
    p = _two_regions()
    _, z = payment_features(p)
    logs = np.array(G1 + G2, dtype=float)
    np.testing.assert_allclose(z, np.concatenate([(logs - 2.0) / MAD_SD, [0.0, 0.0]]), rtol=0, atol=1e-12)
    # units table without a region column: the same
    _, z2 = payment_features(p, pd.DataFrame({"unit_code": ["U1", "U2"]}))
    np.testing.assert_array_equal(z2, z)


def test_group_z_by_economic_prefix() -> None:
    # one unit, no region: codes 30201 (logs 1, 2) and 30211 (logs 3, 4) share the prefix "302";
    # 40201 (G2) is another group
    rows = _rows("U1", "30201", G1[:10], "a") + _rows("U1", "30211", G1[10:], "c") + _rows("U1", "40201", G2, "b")
    p = pd.DataFrame(rows).set_index("payment")
    _, z = payment_features(p)
    np.testing.assert_allclose(z, np.concatenate([_z_g1(G1), _z_g2(G2)]), rtol=0, atol=1e-12)
    # 4 digits: 3020 and 3021 hold 10 payments each, below min_group = 20; 4020 is G2 again
    _, z4 = payment_features(p, economic_digits=4)
    np.testing.assert_allclose(z4, np.concatenate([np.zeros(20), _z_g2(G2)]), rtol=0, atol=1e-12)
    # ... and with min_group 10: 3020 has logs 1 ×5, 2 ×5: median 1.5, MAD 0.5 (3021: 3.5, 0.5)
    _, z4_10 = payment_features(p, economic_digits=4, min_group=10)
    first = (np.array(G1[:10], dtype=float) - 1.5) / (MAD_SD * 0.5)
    second = (np.array(G1[10:], dtype=float) - 3.5) / (MAD_SD * 0.5)
    np.testing.assert_allclose(z4_10, np.concatenate([first, second, _z_g2(G2)]), rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------- detector
def _X(n: int = 80, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 3))


def _reference_s(features: np.ndarray, **kw: object) -> np.ndarray:
    """IsolationForest's anomaly score s(x) in (0, 1], from scikit-learn directly."""
    forest = IsolationForest(contamination="auto", **kw).fit(features)
    return -forest.score_samples(features)


def test_parameters_defaults_and_set_params() -> None:
    det = PaymentOutlierDetector()
    assert det.get_params() == dict(
        threshold=0.6, z_threshold=3.5, z_column=None, n_estimators=200, max_samples="auto", random_state=None
    )
    assert det.set_params(threshold=0.7, z_column="z") is det
    assert det.get_params()["threshold"] == 0.7 and det.get_params()["z_column"] == "z"


def test_not_fitted_before_fit() -> None:
    det = PaymentOutlierDetector()
    for method in (det.anomaly_components, det.score_samples, det.decision_function, det.predict):
        with pytest.raises(NotFittedError):
            method(_X())


def test_fit_returns_self_and_passes_its_parameters_to_the_forest() -> None:
    X = _X()
    det = PaymentOutlierDetector(n_estimators=37, max_samples=50, random_state=4)
    assert det.fit(X) is det
    assert det.n_features_in_ == 3 and det.z_index_ is None and det.offset_ == -0.6
    params = det.forest_.get_params()
    assert params["n_estimators"] == 37 and params["max_samples"] == 50 and params["random_state"] == 4
    assert params["contamination"] == "auto"
    comp = det.anomaly_components(X)
    np.testing.assert_allclose(
        comp["iforest"], _reference_s(X, n_estimators=37, max_samples=50, random_state=4), rtol=0, atol=1e-12
    )
    # without z the score is IsolationForest's own score_samples
    np.testing.assert_allclose(det.score_samples(X), -comp["iforest"].to_numpy(), rtol=0, atol=0)


def test_default_forest_is_200_trees() -> None:
    X = _X(300)
    det = PaymentOutlierDetector(random_state=0).fit(X)
    assert det.forest_.n_estimators == 200 and det.forest_.max_samples == "auto"
    np.testing.assert_allclose(
        det.anomaly_components(X)["iforest"], _reference_s(X, n_estimators=200, random_state=0), rtol=0, atol=1e-12
    )


def test_anomaly_components_columns_without_z() -> None:
    X = _X()
    comp = PaymentOutlierDetector(n_estimators=20, random_state=0).fit(X).anomaly_components(X)
    assert list(comp.columns) == ["iforest", "abs_z"]
    assert comp.index.equals(pd.RangeIndex(len(X)))
    assert comp["iforest"].dtype == np.float64 and comp["abs_z"].dtype == np.float64
    assert comp["abs_z"].isna().all()


def test_negative_z_column_position_and_the_combined_score() -> None:
    X = _X()
    det = PaymentOutlierDetector(threshold=0.55, z_threshold=2.0, z_column=-3, n_estimators=30, random_state=2)
    det.fit(X)
    assert det.z_index_ == 0 and det.offset_ == -0.55
    comp = det.anomaly_components(X)
    s = _reference_s(X[:, 1:], n_estimators=30, random_state=2)
    np.testing.assert_allclose(comp["iforest"], s, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(comp["abs_z"], np.abs(X[:, 0]))
    a = np.minimum(s, 0.55 * np.abs(X[:, 0]) / 2.0)
    np.testing.assert_allclose(det.score_samples(X), -a, rtol=0, atol=1e-12)
    np.testing.assert_allclose(det.decision_function(X), -a + 0.55, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(det.predict(X), np.where((s > 0.55) & (np.abs(X[:, 0]) > 2.0), -1, 1))


def test_integer_and_text_input_are_read_as_float64() -> None:
    rng = np.random.default_rng(3)
    Xi = rng.integers(-9, 10, size=(60, 3))
    det = PaymentOutlierDetector(z_column=2, n_estimators=20, random_state=0).fit(Xi)
    comp = det.anomaly_components(Xi)
    assert comp["iforest"].dtype == np.float64 and comp["abs_z"].dtype == np.float64
    np.testing.assert_array_equal(comp["abs_z"], np.abs(Xi[:, 2]).astype(float))
    assert det.score_samples(Xi).dtype == np.float64 and det.predict(Xi).dtype == np.int64
    # numbers as text (a CSV read without conversion) are converted, in fit and in scoring alike
    Xt = np.round(rng.normal(size=(40, 3)), 3)
    ref = PaymentOutlierDetector(z_column=0, n_estimators=20, random_state=0).fit(Xt).anomaly_components(Xt)
    det_t = PaymentOutlierDetector(z_column=0, n_estimators=20, random_state=0).fit(Xt.astype(str))
    pd.testing.assert_frame_equal(det_t.anomaly_components(Xt.astype(str)), ref)


def test_verdict_at_the_exact_boundary_abs_z_equal_to_z_threshold() -> None:
    # threshold 0.25, z_threshold 2: a(x) = min(s, 0.25 · |z| / 2); at |z| = 2 exactly a = 0.25 (binary
    # fractions: exact), so decision_function is exactly 0 and the payment is not an outlier (|z| > 2 is false)
    X = _X(64, seed=5)
    X[:, 2] = 0.0
    X[0, 2], X[1, 2], X[2, 2] = 2.0, -2.0, 2.5
    det = PaymentOutlierDetector(threshold=0.25, z_threshold=2.0, z_column=2, n_estimators=40, random_state=1)
    det.fit(X)
    s = _reference_s(X[:, :2], n_estimators=40, random_state=1)
    assert (s[:3] > 0.25).all()  # the forest alone would flag them
    d = det.decision_function(X)
    assert d[0] == 0.0 and d[1] == 0.0 and d[2] < 0
    pred = det.predict(X)
    assert pred[0] == 1 and pred[1] == 1 and pred[2] == -1
    assert (pred[3:] == 1).all()  # z = 0: never an outlier


def test_thresholds_at_their_boundaries_with_the_exact_messages() -> None:
    X = _X()
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match=re.escape(f"threshold must be in (0, 1), got {bad!r}")):
            PaymentOutlierDetector(threshold=bad).fit(X)
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match=re.escape(f"z_threshold must be > 0, got {bad!r}")):
            PaymentOutlierDetector(z_threshold=bad).fit(X)
    # just inside: accepted
    PaymentOutlierDetector(threshold=0.01, z_threshold=0.5, n_estimators=5).fit(X)
    PaymentOutlierDetector(threshold=0.99, z_threshold=1e-6, n_estimators=5).fit(X)


@pytest.mark.parametrize("bad", [3, -4, 7, 1.0])
def test_z_column_position_out_of_range(bad: object) -> None:
    msg = f"z_column must be a column position below 3, got {bad!r}"
    with pytest.raises(ValueError, match=re.escape(msg)):
        PaymentOutlierDetector(z_column=bad).fit(_X())


def test_z_column_name() -> None:
    X = _X()
    with pytest.raises(ValueError, match=re.escape("z_column 'z' is not a column of X (columns: [])")):
        PaymentOutlierDetector(z_column="z").fit(X)
    df = pd.DataFrame(X, columns=["a", "z", "b"])
    with pytest.raises(ValueError, match=re.escape("z_column 'q' is not a column of X (columns: ['a', 'z', 'b'])")):
        PaymentOutlierDetector(z_column="q").fit(df)
    det = PaymentOutlierDetector(z_column="z", n_estimators=10, random_state=0).fit(df)
    assert det.z_index_ == 1
    np.testing.assert_array_equal(det.anomaly_components(df)["abs_z"], np.abs(X[:, 1]))


def test_z_column_alone_is_not_enough() -> None:
    with pytest.raises(ValueError, match=re.escape("X has 1 feature(s): it needs at least one feature column besides z_column")):
        PaymentOutlierDetector(z_column=0).fit(_X()[:, :1])
