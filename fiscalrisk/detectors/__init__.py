"""Statistical detectors (ANM01–ANM05): pure functions on arrays and DataFrames.

* :mod:`.benford` — Nigrini's digit tests (ANM01)
* :mod:`.seasonal` — STL decomposition and robust z of monthly payments (ANM02)
* :mod:`.outliers` — payment-level IsolationForest + group robust z (ANM03)
* :mod:`.peers` — peer-group robust z of unit metrics (ANM04)
* :mod:`.forecast` — year-end execution forecast (ANM05)
* :mod:`.robust` — the robust z shared by them (Iglewicz & Hoaglin 1993)
"""

from .benford import (
    MAD_BANDS,
    BenfordResult,
    anm01_flag,
    benford_expected,
    benford_test,
    digits,
    duplicate_numbers,
    first_two_digits,
    mad_of_counts,
    mad_quantile,
    summation_test,
)
from .forecast import ForecastResult, backtest, backtest_pooled, forecast_year_end
from .outliers import PaymentOutlierDetector, payment_features
from .peers import peer_outliers
from .robust import robust_scale, robust_z
from .seasonal import SeasonalResult, stl_anomalies

__all__ = [
    "MAD_BANDS",
    "BenfordResult",
    "ForecastResult",
    "PaymentOutlierDetector",
    "SeasonalResult",
    "anm01_flag",
    "backtest",
    "backtest_pooled",
    "benford_expected",
    "benford_test",
    "digits",
    "duplicate_numbers",
    "first_two_digits",
    "forecast_year_end",
    "mad_of_counts",
    "mad_quantile",
    "payment_features",
    "peer_outliers",
    "robust_scale",
    "robust_z",
    "stl_anomalies",
    "summation_test",
]
