"""fiscalrisk.frames gives what the plain per-row pandas expression gives (the reference here), on
categoricals and plain text columns with missing values, repeated codes and non-ASCII text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fiscalrisk.frames import keys_in, lookup, per_category, text, text_order

RNG = np.random.default_rng(7)
WORDS = np.array(["330501", " 3305 ", "", "公务接待", "30211", "é", "E", "a b"], dtype=object)


def _column(n: int, categorical: bool) -> pd.Series:
    values = WORDS[RNG.integers(0, len(WORDS), n)].astype(object)
    values[RNG.random(n) < 0.1] = None
    s = pd.Series(values, dtype="str", index=pd.RangeIndex(100, 100 + n))
    return s.astype("category") if categorical else s


@pytest.mark.parametrize("categorical", [True, False])
def test_text_is_astype_str(categorical: bool) -> None:
    s = _column(500, categorical)
    got = text(s)
    assert got.dtype == "str" and got.index.equals(s.index)
    pd.testing.assert_series_equal(got, s.astype("str"))


@pytest.mark.parametrize("categorical", [True, False])
def test_per_category_is_the_test_applied_to_every_row(categorical: bool) -> None:
    s = _column(500, categorical)

    def test(t: pd.Series) -> pd.Series:
        return t.fillna("").str.strip().str.startswith(("33", "公"))

    assert (per_category(s, test) == test(s.astype("str")).to_numpy()).all()
    assert per_category(s, test).sum() > 0


def test_keys_in_is_isin_of_the_joined_text() -> None:
    year = pd.Series(RNG.integers(2024, 2027, 800))
    unit, code = _column(800, True).reset_index(drop=True), _column(800, False).reset_index(drop=True)
    joined = year.astype("str") + "|" + unit.astype("str") + "|" + code.astype("str")
    keys = set(joined.dropna().sample(40, random_state=0))
    expected = joined.isin(keys).to_numpy()
    assert expected.sum() >= 40
    assert (keys_in([year, unit, code], keys) == expected).all()


def test_lookup_is_map() -> None:
    keys = _column(300, True)
    table = pd.Series({"330501": "湖州市本级", "30211": "X", "é": None})
    got = lookup(keys, table)
    pd.testing.assert_series_equal(got, keys.astype("str").map(table).astype("str"), check_names=False)


def test_text_order_is_a_stable_sort_with_missing_last() -> None:
    s = pd.Series(["P10", "P9", None, "P1", "P9", "é", "E"], dtype="str")
    expected = s.sort_values(kind="stable", na_position="last").index.to_numpy()
    assert text_order(s).tolist() == expected.tolist() == [6, 3, 0, 1, 4, 5, 2]
    assert text_order(pd.Series(["A1", "A1", "B"], dtype="str")) is None  # sorted already
