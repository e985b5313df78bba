"""Peer-group robust z and the shared robust scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fiscalrisk.detectors import peer_outliers, robust_scale, robust_z


def _frame() -> pd.DataFrame:
    rows = []
    for i in range(8):
        rows.append(
            {
                "unit_code": f"A{i}",
                "year": 2024,
                "peer_group": "township",
                "execution_rate": [0.91, 0.93, 0.95, 0.92, 0.94, 0.96, 0.90, 0.55][i],
                "cash_share": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.01, 0.30][i],
            }
        )
    for i in range(3):
        rows.append(
            {
                "unit_code": f"B{i}",
                "year": 2024,
                "peer_group": "county",
                "execution_rate": 0.9,
                "cash_share": 0.1,
            }
        )
    return pd.DataFrame(rows)


def test_robust_z_is_median_and_1_4826_mad_within_peer_group() -> None:
    out = peer_outliers(_frame(), metrics=["execution_rate"], min_peers=5)
    assert list(out.columns[:8]) == [
        "unit_code",
        "year",
        "metric",
        "value",
        "peer_group",
        "peer_n",
        "peer_median",
        "peer_scale",
    ]
    t = out[out["peer_group"] == "township"].set_index("unit_code")
    v = _frame().set_index("unit_code").loc[t.index, "execution_rate"]
    med = v.median()
    mad = (v - med).abs().median()
    np.testing.assert_allclose(t["robust_z"], (v - med) / (1.4826 * mad))
    assert t["robust_z"].abs().idxmax() == "A7" and t.loc["A7", "robust_z"] < -3.5
    assert (t["peer_n"] == 8).all()


def test_small_peer_groups_are_not_assessed() -> None:
    out = peer_outliers(_frame(), metrics=["execution_rate"], min_peers=5)
    county = out[out["peer_group"] == "county"]
    assert county["robust_z"].isna().all()
    assert (county["scale_method"] == "not assessed").all()


def test_zero_mad_falls_back_to_mean_absolute_deviation() -> None:
    out = peer_outliers(_frame(), metrics=["cash_share"], min_peers=5)
    t = out[out["peer_group"] == "township"].set_index("unit_code")
    assert (t["scale_method"] == "meanad").all()
    v = _frame().set_index("unit_code").loc[t.index, "cash_share"]
    scale = 1.2533 * (v - 0.0).abs().mean()
    assert t.loc["A7", "robust_z"] == pytest.approx(0.30 / scale)
    assert t.loc["A0", "robust_z"] == 0.0


def test_all_equal_values_give_zero_z() -> None:
    med, scale, method = robust_scale(np.array([2.0, 2.0, 2.0]))
    assert (med, scale, method) == (2.0, 0.0, "none")
    np.testing.assert_array_equal(robust_z(np.array([2.0, 2.0, np.nan])), [0.0, 0.0, np.nan])


def test_default_metrics_are_the_numeric_columns_and_output_is_sorted() -> None:
    out = peer_outliers(_frame())
    assert set(out["metric"]) == {"execution_rate", "cash_share"}
    assert out.equals(out.sort_values(["metric", "year", "peer_group", "unit_code"]).reset_index(drop=True))
