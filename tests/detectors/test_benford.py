"""Benford digit tests: published reference figures and hand-made cases."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from fiscalrisk.detectors import (
    BenfordResult,
    anm01_flag,
    benford_expected,
    benford_test,
    digits,
    duplicate_numbers,
    mad_quantile,
    summation_test,
)

from ..conftest import real_data

# Published figures for Nigrini's corporate payments data (189,470 invoice payments, 2010).
# README: benford.analysis R package README (github.com/carloscinelli/benford.analysis, README.md,
#   commit 0274d01e), output of `benford(corporate.payment$Amount)` — first-two digits, positive amounts.
# TESTS: benford.analysis tests/testthat/test-benford.R (commit 037cc7b2), amounts >= 10.
PUBLISHED = {
    "n_positive": 185_083,  # README "Number of observations used"
    "mad_first_two": 0.002336614,  # README "Mean Absolute Deviation"
    "chi2_first_two": 32_094.0,  # README "X-squared = 32094, df = 89"
    "largest_deviations": {50: 5938.25, 11: 3331.98, 10: 2811.92, 14: 1043.68, 98: 889.95},  # README
    "n_ge10": 177_763,  # TESTS length(cp)
    "mad_first_ge10": 0.01464,  # TESTS MAD(benford(cp, 1)), tolerance 1e-3
    "mad_first_two_ge10": 0.00243,  # TESTS MAD(benford(cp, 2))
    "summation_top_ge10": [15, 26, 10, 14, 11, 50],  # TESTS suspectsTable(bfd2, "abs.excess.summation")
    "duplicates_ge10": [
        (50.00, 6022),
        (1153.35, 2264),
        (1083.45, 1185),
        (150.00, 1056),
        (988.35, 1018),
        (1159.35, 976),
    ],
}


@pytest.fixture(scope="module")
def corporate() -> pd.Series:
    return pd.read_csv(real_data("us-corporate-payments-nigrini") / "corporate_payment.csv.gz")["Amount"]


def test_corporate_payments_first_two_is_nonconformity_with_published_deviations(
    corporate: pd.Series,
) -> None:
    r = benford_test(corporate, "first_two")
    assert r.n == PUBLISHED["n_positive"]
    assert r.conformity == "nonconformity"
    top = r.largest_deviations(5)
    assert list(top.index) == list(PUBLISHED["largest_deviations"])
    np.testing.assert_allclose(top["absolute_diff"].round(2), list(PUBLISHED["largest_deviations"].values()))
    assert r.mad == pytest.approx(PUBLISHED["mad_first_two"], abs=5e-10)
    # ours 32,100.9 vs the README's 32,094 (0.02%): the MAD and the per-digit deviations agree to
    # the printed precision, so the counts agree; the small gap is not explained by the digits.
    assert r.chi2 == pytest.approx(PUBLISHED["chi2_first_two"], rel=1e-3)
    assert r.df == 89
    statistic, pvalue = r
    assert statistic == r.chi2 and pvalue < 1e-300
    assert anm01_flag(r)
    print(
        f"\ncorporate payments first-two: n={r.n} MAD={r.mad:.9f} (published {PUBLISHED['mad_first_two']}) "
        f"chi2={r.chi2:.1f} (published {PUBLISHED['chi2_first_two']:.0f})"
    )


def test_corporate_payments_amounts_from_ten_match_benford_analysis_tests(corporate: pd.Series) -> None:
    first = benford_test(corporate, "first", min_amount=10)
    two = benford_test(corporate, "first_two", min_amount=10)
    assert first.n == two.n == PUBLISHED["n_ge10"]
    assert first.mad == pytest.approx(PUBLISHED["mad_first_ge10"], rel=1e-3)
    assert two.mad == pytest.approx(PUBLISHED["mad_first_two_ge10"], rel=1e-3)
    summ = summation_test(corporate, min_amount=10)
    top = summ.table["difference"].abs().sort_values(ascending=False).head(6)
    assert list(top.index) == PUBLISHED["summation_top_ge10"]
    dup = duplicate_numbers(corporate, top=6, min_amount=10)
    assert list(zip(dup["amount"], dup["count"], strict=True)) == PUBLISHED["duplicates_ge10"]


def test_exact_benford_counts_give_mad_near_zero() -> None:
    # amounts 10..99 repeated in proportion to Benford's first-two probabilities
    p = benford_expected("first_two")
    counts = np.rint(p.to_numpy() * 1_000_000).astype(int)
    amounts = np.repeat(p.index.to_numpy().astype(float), counts)
    r = benford_test(amounts, "first_two")
    assert r.mad < 1e-6
    assert r.conformity == "close"
    assert r.chi2_pvalue > 0.999
    assert not anm01_flag(r)
    f = benford_test(amounts, "first")
    assert f.mad < 1e-6


def test_digits_come_from_the_decimal_value_not_float_logarithms() -> None:
    # 0.58 * 100 == 57.99999999999999 in floats: a log10/floor extraction reads 57
    assert digits([0.58], "first_two").tolist() == [58]
    assert digits([0.58], "second").tolist() == [8]
    assert digits([0.05], "first_two").tolist() == [50]
    assert digits([0.05], "first").tolist() == [5]
    assert digits([0.05], "second").tolist() == [0]
    assert digits([1153.35, 5.8, 0.01], "first_two").tolist() == [11, 58, 10]
    assert digits([Decimal("0.58"), "1083,45", "7.10"], "first_two").tolist() == [58, 10, 71]
    assert digits([1153.35, 10.99, 9.99, 1200.0], "last_two").tolist() == [53, 10, 0]


def test_negative_zero_and_missing_amounts_are_excluded() -> None:
    r = benford_test([120.0, -130.0, 0.0, np.nan, 0.004, 140.0], "first")
    assert r.n == 2
    assert r.n_excluded == 4
    assert r.table.loc[1, "observed"] == 2
    assert r.table["observed"].sum() == 2


def test_result_is_frozen_and_readable() -> None:
    r = benford_test(np.arange(1, 5001) * 1.37, "first")
    assert isinstance(r, BenfordResult)
    with pytest.raises(AttributeError):
        r.mad = 0.0  # type: ignore[misc]
    assert "MAD" in r.summary() and "first-digit" in r.summary()
    assert "<table" in r._repr_html_()
    assert set(r.table.columns) >= {"observed", "expected", "observed_prop", "expected_prop", "z"}
    assert r.ks_critical == pytest.approx(1.36 / np.sqrt(r.n))
    assert benford_test(np.arange(1, 5001), "last_two").conformity == "not applicable"


def test_z_uses_continuity_correction_only_when_smaller_than_the_difference() -> None:
    r = benford_test([100.0] * 30 + [200.0] * 20, "first")
    t = r.table
    n = r.n
    p = t.loc[1, "expected_prop"]
    diff = abs(t.loc[1, "observed_prop"] - p)
    assert t.loc[1, "z"] == pytest.approx((diff - 1 / (2 * n)) / np.sqrt(p * (1 - p) / n))


def test_mad_quantile_is_deterministic_and_shrinks_with_n() -> None:
    a = mad_quantile(3000, "first_two")
    assert a == mad_quantile(3000, "first_two")
    assert mad_quantile(30000, "first_two") < a < mad_quantile(500, "first_two")
    # interpolation on the log-grid stays close to a direct simulation
    assert mad_quantile(4321, "first_two") == pytest.approx(
        mad_quantile(4321, "first_two", interpolate=False), rel=0.03
    )


def test_small_samples_in_nonconformity_band_are_not_flagged_when_chance_explains_them() -> None:
    rng = np.random.default_rng(1)
    amounts = 10 ** rng.uniform(1, 5, 600)  # Benford-distributed, n = 600
    r = benford_test(np.round(amounts, 2), "first_two")
    assert r.conformity == "nonconformity"  # MAD bands alone would flag Benford data at this n
    assert not anm01_flag(r)


def test_million_amounts_count_as_their_printed_digits() -> None:
    """A million amounts: every count equals a count of the leading digits of the amounts printed in
    cents (an independent string reading). Timings are in benchmarks/detectors.py, not here."""
    x = np.round(np.random.default_rng(0).lognormal(5, 2, 1_000_000), 2)
    x[:3] = [0.0, -12.5, 0.001]  # zero, a refund and a sub-cent amount: never counted
    cents = pd.Series(x[x > 0]).map("{:.2f}".format).str.replace(".", "", regex=False).str.lstrip("0")
    cents = cents[cents != ""]
    pairs = cents.str[:2].str.ljust(2, "0").astype(int)  # 5 cents → "50", as Nigrini reads it
    first_two = benford_test(x, "first_two")
    first = benford_test(x, "first")
    assert first_two.n == first.n == len(cents) and first_two.n_excluded == len(x) - len(cents) >= 3
    np.testing.assert_array_equal(first_two.table["observed"].to_numpy(),
                                  np.bincount(pairs - 10, minlength=90))
    np.testing.assert_array_equal(first.table["observed"].to_numpy(),
                                  np.bincount(pairs // 10 - 1, minlength=9))
    # lognormal amounts spanning many orders of magnitude follow Benford's law closely
    assert first.conformity in ("close", "acceptable")


@pytest.mark.parametrize(
    ("test", "mad", "expected"),
    [
        ("first", 0.0059, "close"),
        ("first", 0.006, "acceptable"),
        ("first", 0.0149, "marginal"),
        ("first", 0.015, "nonconformity"),
        ("second", 0.0099, "acceptable"),
        ("first_two", 0.0012, "acceptable"),
        ("first_two", 0.0022, "nonconformity"),
    ],
)
def test_nigrini_mad_bands_upper_limits_are_exclusive(test: str, mad: float, expected: str) -> None:
    from fiscalrisk.detectors.benford import _conformity

    assert _conformity(test, mad) == expected
