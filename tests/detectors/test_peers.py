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


# ---- every column of the result, worked out by hand ------------------------------------------------


def _group(values: list[float], group: str = "township", year: int = 2024) -> list[dict]:
    return [{"unit_code": f"{group[0].upper()}{i}", "year": year, "peer_group": group, "rate": v}
            for i, v in enumerate(values)]


def test_robust_z_of_a_worked_example() -> None:
    # median 3; absolute deviations 2, 1, 0, 1, 97 → MAD 1 → scale 1.4826
    z = robust_z(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    np.testing.assert_allclose(z, [-2 / 1.4826, -1 / 1.4826, 0.0, 1 / 1.4826, 97 / 1.4826])
    assert robust_scale(np.array([1.0, 2.0, 3.0, 4.0, 100.0, np.nan])) == (3.0, 1.4826, "mad")


def test_robust_z_reads_decimal_amounts_as_numbers() -> None:
    from decimal import Decimal

    z = robust_z([Decimal("1.00"), Decimal("2.00"), Decimal("3.00"), Decimal("4.00"), Decimal("100.00")])
    assert z.dtype == np.float64
    np.testing.assert_allclose(z, [-2 / 1.4826, -1 / 1.4826, 0.0, 1 / 1.4826, 97 / 1.4826])


def test_every_column_of_an_assessed_group() -> None:
    # values 10, 11, 12, 13, 30: median 12; deviations 2, 1, 0, 1, 18 → MAD 1 → scale 1.4826
    out = peer_outliers(pd.DataFrame(_group([13.0, 10.0, 30.0, 12.0, 11.0])), metrics=["rate"])
    assert list(out.columns) == ["unit_code", "year", "metric", "value", "peer_group", "peer_n",
                                 "peer_median", "peer_scale", "scale_method", "robust_z"]
    assert list(out.index) == [0, 1, 2, 3, 4]
    assert out["unit_code"].tolist() == ["T0", "T1", "T2", "T3", "T4"]
    assert out["value"].tolist() == [13.0, 10.0, 30.0, 12.0, 11.0]
    assert out["peer_n"].dtype == np.int64 and (out["peer_n"] == 5).all()
    assert (out["peer_median"] == 12.0).all() and (out["peer_scale"] == 1.4826).all()
    assert (out["scale_method"] == "mad").all() and (out["metric"] == "rate").all()
    np.testing.assert_allclose(out["robust_z"], [1 / 1.4826, -2 / 1.4826, 18 / 1.4826, 0.0, -1 / 1.4826])
    for col in ("value", "peer_median", "peer_scale", "robust_z"):
        assert out[col].dtype == np.float64, col


def test_a_group_of_exactly_min_peers_is_assessed_and_one_fewer_is_not() -> None:
    five = peer_outliers(pd.DataFrame(_group([10.0, 11.0, 12.0, 13.0, 30.0])), metrics="rate")
    assert five["robust_z"].notna().all() and (five["scale_method"] == "mad").all()  # default min_peers 5
    four = peer_outliers(pd.DataFrame(_group([10.0, 11.0, 12.0, 30.0])), metrics="rate")
    assert four["robust_z"].isna().all() and four["peer_scale"].isna().all()
    assert four["peer_scale"].dtype == np.float64 and four["robust_z"].dtype == np.float64
    assert (four["scale_method"] == "not assessed").all()
    assert (four["peer_median"] == 11.5).all() and (four["peer_n"] == 4).all()  # described, if not scored


def test_a_group_whose_values_are_all_equal_scores_zero() -> None:
    out = peer_outliers(pd.DataFrame(_group([0.4] * 6)), metrics=["rate"])
    assert (out["scale_method"] == "none").all() and (out["peer_scale"] == 0.0).all()
    assert (out["robust_z"] == 0.0).all() and out["robust_z"].dtype == np.float64


def test_a_metric_named_as_text_is_read_as_numbers_and_non_numbers_are_left_out() -> None:
    rows = _group([10.0, 11.0, 12.0, 13.0, 30.0])
    for r in rows:
        r["rate"] = str(r["rate"])
    rows[4]["rate"] = "n/a"  # not a number: no row, and the group has four units
    out = peer_outliers(pd.DataFrame(rows), metrics="rate", min_peers=4)
    assert out["value"].tolist() == [10.0, 11.0, 12.0, 13.0] and out["value"].dtype == np.float64
    assert (out["peer_n"] == 4).all() and (out["peer_median"] == 11.5).all()


def test_default_metrics_leave_out_text_columns_even_when_they_hold_digits() -> None:
    frame = pd.DataFrame(_group([10.0, 11.0, 12.0, 13.0, 30.0]))
    frame["region_code"] = "330502"  # text that reads as a number
    frame["staff"] = [3, 4, 5, 6, 7]  # an integer metric
    out = peer_outliers(frame)
    assert sorted(out["metric"].unique()) == ["rate", "staff"]


def test_a_single_metric_name_is_one_metric() -> None:
    frame = pd.DataFrame(_group([10.0, 11.0, 12.0, 13.0, 30.0]))
    frame["other"] = 1.0
    assert peer_outliers(frame, metrics="rate")["metric"].unique().tolist() == ["rate"]


def test_units_without_a_peer_group_are_compared_with_one_another() -> None:
    rows = _group([10.0, 11.0, 12.0, 13.0, 30.0])
    for r in rows:
        r["peer_group"] = None
    out = peer_outliers(pd.DataFrame(rows), metrics="rate")
    assert len(out) == 5 and out["peer_group"].isna().all() and (out["peer_n"] == 5).all()
    assert out["robust_z"].notna().all()


def test_no_value_anywhere_gives_an_empty_table_with_the_columns() -> None:
    frame = pd.DataFrame(_group([np.nan, np.inf, np.nan]))
    out = peer_outliers(frame, metrics="rate")
    assert out.empty and list(out.columns) == ["unit_code", "year", "metric", "value", "peer_group",
                                               "peer_n", "peer_median", "peer_scale", "scale_method",
                                               "robust_z"]
    assert (out.dtypes == np.float64).all()


def test_a_missing_column_is_named() -> None:
    frame = pd.DataFrame(_group([10.0, 11.0, 12.0])).drop(columns=["peer_group"])
    with pytest.raises(ValueError, match=r"metrics frame lacks column\(s\) \['peer_group', 'nope'\]"):
        peer_outliers(frame, metrics=["rate", "nope"])


def test_robust_scale_of_nothing_and_of_one_value() -> None:
    for empty in (np.array([]), np.array([np.nan, np.inf, -np.inf])):
        med, scale, method = robust_scale(empty)
        assert np.isnan(med) and np.isnan(scale) and method == "none"
    assert robust_scale(np.array([7.5])) == (7.5, 0.0, "none")  # one value: nothing to scale by
    assert robust_scale(np.array([1.0, 1.0, 1.0, 4.0])) == (1.0, 1.2533 * 0.75, "meanad")


def test_robust_scale_reads_decimal_amounts_as_numbers() -> None:
    from decimal import Decimal

    assert robust_scale([Decimal("1"), Decimal("2"), Decimal("3"), Decimal("4"), Decimal("100")]) == (
        3.0, 1.4826, "mad")


def test_a_missing_key_column_is_named_when_the_metrics_are_found_by_type() -> None:
    frame = pd.DataFrame(_group([10.0, 11.0, 12.0])).drop(columns=["year"])
    with pytest.raises(ValueError, match=r"metrics frame lacks column\(s\) \['year'\]"):
        peer_outliers(frame)


def test_rows_are_numbered_from_zero_in_their_sorted_order() -> None:
    rows = list(reversed(_group([10.0, 11.0, 12.0, 13.0, 30.0])))  # T4 first
    out = peer_outliers(pd.DataFrame(rows), metrics=["rate"])
    assert out.index.tolist() == [0, 1, 2, 3, 4] and out["unit_code"].tolist() == ["T0", "T1", "T2", "T3", "T4"]
