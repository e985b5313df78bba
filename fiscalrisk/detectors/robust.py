"""Robust z-scores (Iglewicz & Hoaglin 1993).

The modified z-score of Iglewicz & Hoaglin, *How to Detect and Handle Outliers* (ASQC, 1993):
``(x − median) / (1.4826 · MAD)``, MAD the median absolute deviation from the median; 1.4826 makes
``1.4826 · MAD`` estimate the standard deviation of normal data (equivalently ``0.6745 · (x − median)
/ MAD``). Iglewicz & Hoaglin suggest |z| > 3.5 as a potential outlier.

When more than half of the values are equal, MAD is 0 and the score is undefined. Decision (used by
every detector here): fall back to the mean absolute deviation from the median times 1.2533
(sqrt(pi/2), which makes it estimate the standard deviation of normal data), as IBM SPSS and
several audit tools do; if that is 0 too, all values are equal and every z is 0. The scale used is
reported (``"mad"``, ``"meanad"`` or ``"none"``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAD_TO_SD", "MEANAD_TO_SD", "robust_scale", "robust_z"]

MAD_TO_SD = 1.4826
MEANAD_TO_SD = 1.2533


def robust_scale(values: np.ndarray) -> tuple[float, float, str]:
    """(median, scale, method) of the finite ``values``; method is "mad", "meanad" or "none"."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), "none"
    med = float(np.median(x))
    dev = np.abs(x - med)
    mad = float(np.median(dev))
    if mad > 0:
        return med, MAD_TO_SD * mad, "mad"
    mean_ad = float(dev.mean())
    if mean_ad > 0:
        return med, MEANAD_TO_SD * mean_ad, "meanad"
    return med, 0.0, "none"


def robust_z(values: np.ndarray) -> np.ndarray:
    """Modified z-scores of ``values`` (NaN stays NaN; all equal values give 0)."""
    x = np.asarray(values, dtype=np.float64)
    med, scale, method = robust_scale(x)
    if method == "none":
        return np.where(np.isfinite(x), 0.0, np.nan)
    return (x - med) / scale
