"""Payment-level outliers (ANM03): IsolationForest on payment features + a group robust z.

Methods:

* Liu, F. T., Ting, K. M. & Zhou, Z.-H. (2008), "Isolation Forest", *ICDM 2008*, as implemented by
  ``sklearn.ensemble.IsolationForest``. Its anomaly score ``s(x) = 2^(−E[h(x)] / c(n))`` lies in
  (0, 1]: near 1 the point is isolated in few splits (anomalous), at 0.5 and below it is not.
* Iglewicz & Hoaglin (1993) robust z of log(amount) within economic-code prefix × region
  (see :mod:`fiscalrisk.detectors.robust`).

The verdict is explicit: a payment is an outlier when ``s(x) > threshold`` and, when a group robust
z is given, ``|z| > z_threshold``. There is no ``contamination`` rate: fiscal data repeat amounts,
and a percentile cut would silently split ties.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.ensemble import IsolationForest
from sklearn.utils.validation import check_is_fitted, validate_data

from .robust import MAD_TO_SD, MEANAD_TO_SD

__all__ = ["FEATURES", "PaymentOutlierDetector", "payment_features"]

FEATURES = ("log_amount", "payee_frequency", "weekday", "day_of_month", "rel_unit_median")


def _signed_log(a: np.ndarray) -> np.ndarray:
    return np.sign(a) * np.log10(1.0 + np.abs(a))


def _keys(s: pd.Series, prefix: int | None = None) -> np.ndarray:
    """Integer group codes of a text column, missing values grouped with "" (optionally of its first
    ``prefix`` characters): the groups of the text, computed on a categorical's few categories."""
    c = s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("string").astype("category")
    text = pd.Index(c.cat.categories.astype("str"))
    if prefix is not None:
        text = text.str.slice(0, prefix)
    per_category, _ = pd.factorize(np.append(text.to_numpy(dtype=object), ""))
    codes = c.cat.codes.to_numpy()
    return per_category[np.where(codes >= 0, codes, len(text))].astype(np.int64)


def payment_features(
    payments: pd.DataFrame,
    units: pd.DataFrame | None = None,
    *,
    economic_digits: int = 3,
    min_group: int = 20,
) -> tuple[pd.DataFrame, pd.Series]:
    """Features of each payment for :class:`PaymentOutlierDetector`, and the group robust z.

    Args:
        payments: the data contract's payments table (``unit_code``, ``economic_code``,
            ``payee_name``, ``pay_date``, ``amount``; ``region_code`` used when present).
        units: the units table (``unit_code``, ``region_code``), to place payments in regions
            when ``payments`` has no ``region_code``.
        economic_digits: length of the economic-code prefix that defines the comparison group.
        min_group: groups with fewer positive payments are not scored (z = 0: unremarkable).

    Returns:
        ``X`` with columns (same index as ``payments``)
            log_amount       log10(1 + |amount|), signed;
            payee_frequency  log10(1 + payments to this payee by this unit);
            weekday          0 = Monday .. 6 (−1 when the date is missing);
            day_of_month     1..31 (−1 when missing);
            rel_unit_median  log10(amount / the unit's median positive amount for this economic
                             code) (0 when not positive);
        and ``z``: robust z of log10(amount) within economic prefix × region (0 when not assessed).
    """
    p = payments
    amount = p["amount"].astype("float64").to_numpy()
    date = pd.to_datetime(p["pay_date"])
    # groups by integer codes of the text (missing = ""), not by a string per payment
    unit = _keys(p["unit_code"])
    econ = _keys(p["economic_code"])
    payee = _keys(p["payee_name"])

    freq = pd.Series(amount, index=p.index).groupby([unit, payee]).transform("size").to_numpy(dtype=np.float64)

    pos = amount > 0
    log_pos = np.where(pos, np.log10(np.where(pos, amount, 1.0)), np.nan)
    log_s = pd.Series(log_pos, index=p.index)
    unit_med = log_s.groupby([unit, econ]).transform("median").to_numpy()
    rel = np.where(pos & np.isfinite(unit_med), log_pos - unit_med, 0.0)

    X = pd.DataFrame(
        {
            "log_amount": _signed_log(amount),
            "payee_frequency": np.log10(1.0 + freq),
            "weekday": date.dt.day_of_week.fillna(-1).astype("float64").to_numpy(),
            "day_of_month": date.dt.day.fillna(-1).astype("float64").to_numpy(),
            "rel_unit_median": rel,
        },
        index=p.index,
    )

    if "region_code" in p.columns:
        region = _keys(p["region_code"])
    elif units is not None and "region_code" in units.columns:
        mapping = units.drop_duplicates("unit_code").set_index("unit_code")["region_code"].astype("string")
        region = _keys(p["unit_code"].astype("string").map(mapping))
    else:
        region = np.zeros(len(p), dtype=np.int64)
    keys = [_keys(p["economic_code"], prefix=economic_digits), region]
    # robust z within group, vectorised (same rule as robust.robust_z, MAD = 0 → mean-AD fallback)
    grouped = log_s.groupby(keys, dropna=False)
    med = grouped.transform("median")
    dev = (log_s - med).abs()
    by_dev = dev.groupby(keys, dropna=False)
    mad = by_dev.transform("median") * MAD_TO_SD
    mean_ad = by_dev.transform("mean") * MEANAD_TO_SD
    size = grouped.transform("count")
    scale = mad.where(mad > 0, mean_ad)
    z = ((log_s - med) / scale).where((size >= min_group) & (scale > 0), 0.0).fillna(0.0).to_numpy()
    return X, pd.Series(z, index=p.index, name="group_robust_z")


class PaymentOutlierDetector(OutlierMixin, BaseEstimator):
    """Payment outlier scorer: IsolationForest (Liu et al. 2008) combined with a group robust z.

    ``score_samples`` (higher = more normal, as in scikit-learn) is ``−a(x)`` with the combined
    anomaly score ``a(x) = min(s(x), threshold · |z| / z_threshold)``: ``s(x)`` the IsolationForest
    anomaly score of the feature columns, ``z`` the column ``z_column`` of ``X`` (the robust z of
    log amount within its group). ``offset_ = −threshold``, so ``decision_function < 0`` — and
    ``predict == −1`` — exactly when ``s(x) > threshold`` and ``|z| > z_threshold``. Without
    ``z_column`` the score is IsolationForest's own ``score_samples``.

    Parameters:
        threshold: cut-off on the IsolationForest anomaly score s(x) in (0, 1); Liu et al. read
            s well above 0.5 as anomalous.
        z_threshold: cut-off on |group robust z| (Iglewicz & Hoaglin: 3.5).
        z_column: position (int) or name (str, with DataFrame input) of the group robust z
            column; excluded from the forest's features. None: no z.
        n_estimators, max_samples, random_state: passed to IsolationForest.
    """

    def __init__(
        self,
        threshold: float = 0.6,
        z_threshold: float = 3.5,
        z_column: int | str | None = None,
        n_estimators: int = 200,
        max_samples: int | float | str = "auto",
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.threshold = threshold
        self.z_threshold = z_threshold
        self.z_column = z_column
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.random_state = random_state

    def _z_index(self, n_features: int) -> int | None:
        if self.z_column is None:
            return None
        if isinstance(self.z_column, str):
            names = list(getattr(self, "feature_names_in_", []))
            if self.z_column not in names:
                raise ValueError(f"z_column {self.z_column!r} is not a column of X (columns: {names})")
            return names.index(self.z_column)
        if not isinstance(self.z_column, numbers.Integral) or not -n_features <= self.z_column < n_features:
            raise ValueError(f"z_column must be a column position below {n_features}, got {self.z_column!r}")
        return int(self.z_column) % n_features

    def _split(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        zi = self._z_index(X.shape[1])
        if zi is None:
            return X, None
        return np.delete(X, zi, axis=1), X[:, zi]

    def fit(self, X: ArrayLike, y: object = None) -> PaymentOutlierDetector:
        """Fit the forest on the feature columns of ``X`` (``y`` is ignored)."""
        X = validate_data(self, X, dtype=np.float64)
        if not 0.0 < float(self.threshold) < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {self.threshold!r}")
        if not float(self.z_threshold) > 0.0:
            raise ValueError(f"z_threshold must be > 0, got {self.z_threshold!r}")
        self.z_index_ = self._z_index(X.shape[1])
        features, _ = self._split(X)
        if features.shape[1] == 0:
            raise ValueError(
                f"X has {X.shape[1]} feature(s): it needs at least one feature column besides z_column"
            )
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            contamination="auto",
            random_state=self.random_state,
        ).fit(features)
        self.offset_ = -float(self.threshold)
        return self

    def anomaly_components(self, X: ArrayLike) -> pd.DataFrame:
        """The two parts of the score: ``iforest`` s(x) in (0, 1] and ``abs_z`` (NaN without z)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        features, z = self._split(X)
        s = -self.forest_.score_samples(features)
        abs_z = np.abs(z) if z is not None else np.full(len(s), np.nan)
        return pd.DataFrame({"iforest": s, "abs_z": abs_z})

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """Combined normality score: −min(s(x), threshold · |z| / z_threshold); higher = more normal."""
        comp = self.anomaly_components(X)
        a = comp["iforest"].to_numpy()
        if self.z_index_ is not None:
            a = np.minimum(a, float(self.threshold) * comp["abs_z"].to_numpy() / float(self.z_threshold))
        return -a.astype(np.float64)

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """``score_samples − offset_``: negative for outliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X: ArrayLike) -> np.ndarray:
        """−1 for outliers, 1 for inliers."""
        return np.where(self.decision_function(X) < 0, -1, 1).astype(np.int64)
