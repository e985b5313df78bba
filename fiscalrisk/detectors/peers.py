"""Peer-group outliers (ANM04): a unit's yearly metrics against units of the same kind.

Method: the robust z of Iglewicz & Hoaglin (1993), ``(value − peer median) / (1.4826 · MAD)``
within each peer group × year × metric; |z| >= 3.5 is their "potential outlier" line. When MAD is 0
(more than half the peers share one value, common for shares that are 0) the scale falls back to
1.2533 × the mean absolute deviation from the median (see :mod:`fiscalrisk.detectors.robust`);
when every peer has the same value the z is 0. ``scale_method`` records which scale was used.

Each unit is compared with a group that includes itself (the median and MAD are robust to the one
value being assessed); groups with fewer than ``min_peers`` units with a value are not assessed
(``robust_z`` NaN), because a median of three units says little about what is normal.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .robust import robust_scale

__all__ = ["PEER_COLUMNS", "peer_outliers"]

PEER_COLUMNS = [
    "unit_code",
    "year",
    "metric",
    "value",
    "peer_group",
    "peer_n",
    "peer_median",
    "peer_scale",
    "scale_method",
    "robust_z",
]


def peer_outliers(
    frame: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    min_peers: int = 5,
) -> pd.DataFrame:
    """Robust z of each unit's metric within its peer group and year, as a long table.

    Args:
        frame: one row per unit × year with ``unit_code``, ``year``, ``peer_group`` and the
            metric columns (e.g. 三公 per head, execution rate, cash share, December share).
        metrics: the metric columns to assess (default: every numeric column other than
            ``year``).
        min_peers: least number of units with a value in the group × year to assess it.

    Returns:
        Columns ``unit_code, year, metric, value, peer_group, peer_n, peer_median, peer_scale,
        scale_method, robust_z``, one row per unit × year × metric with a value, sorted by
        metric, year, peer_group, unit_code. ``robust_z`` is NaN (``scale_method``
        "not assessed") for groups smaller than ``min_peers``.
    """
    if isinstance(metrics, str):
        metrics = [metrics]
    keys = ["unit_code", "year", "peer_group"]
    cols = list(metrics or [])
    missing = [c for c in [*keys, *cols] if c not in frame.columns]
    if missing:
        raise ValueError(f"metrics frame lacks column(s) {missing}")
    if not cols:
        others = frame.drop(columns=keys)
        cols = [c for c in others.columns if pd.api.types.is_numeric_dtype(others[c])]
    long = frame.melt(id_vars=keys, value_vars=cols, var_name="metric", value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype("float64")
    long = long[np.isfinite(long["value"])]
    parts = []
    for _key, g in long.groupby(["metric", "year", "peer_group"], sort=True, dropna=False):
        g = g.sort_values("unit_code", kind="stable").copy()
        n = len(g)
        med, scale, method = robust_scale(g["value"].to_numpy())
        g["peer_n"] = n
        g["peer_median"] = med
        if n < min_peers:
            g["peer_scale"] = np.nan
            g["scale_method"] = "not assessed"
            g["robust_z"] = np.nan
        else:
            g["peer_scale"] = scale
            g["scale_method"] = method
            g["robust_z"] = 0.0 if method == "none" else (g["value"] - med) / scale
        parts.append(g)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in PEER_COLUMNS})
    return pd.concat(parts, ignore_index=True)[PEER_COLUMNS]
