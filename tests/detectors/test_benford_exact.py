"""Benford digit tests, exact: small cases worked out by hand from Nigrini's definitions (2012).

Every field of a result, the names and dtypes of the tables, the boundaries of the MAD bands and of
the amounts counted, the summary and HTML text, and each error message word for word. Expected
proportions are written from Benford's formula (first digit ``log10(1 + 1/d)``, first-two digits
``log10(1 + 1/dd)`` for 10–99, second digit ``Σ_k log10(1 + 1/(10k + d))``) and, where Nigrini prints
them, checked against his table; chi-squared against ``scipy.stats.chisquare``; the chance level of
the MAD against a second, plain implementation of the simulation its docstring fixes (multinomial
draws with ``numpy.random.default_rng(seed)``, log-grid of 8 points per decade).
"""

from __future__ import annotations

import math
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from scipy import stats

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
from fiscalrisk.detectors.benford import (
    _conformity,
    first_two_digits,
    mad_of_counts,
    to_minor_units,
)

BAD_TEST = r"^test must be one of \('first', 'second', 'first_two', 'last_two'\), got 'bogus'$"
COLUMNS = ["observed", "expected", "observed_prop", "expected_prop", "difference", "z"]


def _first(d: int) -> float:
    return math.log10(1 + 1 / d)


# ---------------------------------------------------------------------------------------------------
# expected proportions
# ---------------------------------------------------------------------------------------------------
def test_expected_first_digit_proportions_are_benfords_with_names() -> None:
    e = benford_expected("first")
    assert e.name == "expected_prop" and e.index.name == "digits"
    assert e.index.tolist() == list(range(1, 10))
    # Nigrini (2012), Table 5.1, first digit
    np.testing.assert_allclose(
        e.to_numpy(),
        [0.30103, 0.17609, 0.12494, 0.09691, 0.07918, 0.06695, 0.05799, 0.05115, 0.04576],
        atol=5e-6,
    )


def test_expected_second_digit_proportions_sum_over_first_digits() -> None:
    e = benford_expected("second")
    assert e.name == "expected_prop" and e.index.name == "digits"
    assert e.index.tolist() == list(range(10))
    # P(second = d) = sum over first digits k = 1..9 of log10(1 + 1/(10k + d))
    by_hand = [sum(math.log10(1 + 1 / (10 * k + d)) for k in range(1, 10)) for d in range(10)]
    np.testing.assert_allclose(e.to_numpy(), by_hand, rtol=1e-12)
    # Nigrini (2012), Table 5.1, second digit
    np.testing.assert_allclose(
        e.to_numpy(),
        [0.11968, 0.11389, 0.10882, 0.10433, 0.10031, 0.09668, 0.09337, 0.09035, 0.08757, 0.08500],
        atol=5e-6,
    )
    assert e.sum() == pytest.approx(1.0, abs=1e-12)


def test_expected_first_two_and_last_two_proportions() -> None:
    e = benford_expected("first_two")
    assert e.name == "expected_prop" and e.index.name == "digits"
    assert e.index.tolist() == list(range(10, 100))
    assert e[10] == pytest.approx(math.log10(1.1), rel=1e-12)  # 0.041393
    assert e[99] == pytest.approx(math.log10(100 / 99), rel=1e-12)  # 0.004365
    assert e.sum() == pytest.approx(1.0, abs=1e-12)
    u = benford_expected("last_two")
    assert u.name == "expected_prop" and u.index.name == "digits"
    assert u.index.tolist() == list(range(100))
    assert u.dtype == np.float64
    assert (u.to_numpy() == 0.01).all()


def test_unknown_test_names_are_refused_word_for_word() -> None:
    with pytest.raises(ValueError, match=BAD_TEST):
        benford_expected("bogus")
    with pytest.raises(ValueError, match=BAD_TEST):
        benford_test([1.0], "bogus")
    with pytest.raises(ValueError, match=BAD_TEST):
        digits([1.0], "bogus")
    with pytest.raises(ValueError, match=BAD_TEST):
        mad_quantile(100, "bogus")
    # refused before anything else: also when there is nothing to simulate
    with pytest.raises(ValueError, match=BAD_TEST):
        mad_quantile(0, "bogus")


# ---------------------------------------------------------------------------------------------------
# minor units and digits
# ---------------------------------------------------------------------------------------------------
def test_to_minor_units_of_ints_floats_and_text() -> None:
    assert to_minor_units([1.5]).tolist() == [150]  # cents by default
    assert to_minor_units([3, 12]).tolist() == [300, 1200]
    assert to_minor_units(np.array([3], dtype=np.uint8), decimals=1).tolist() == [30]
    # ints are multiplied exactly, not through floats (2**53 + 1 has no float)
    assert to_minor_units([2**53 + 1], decimals=0).tolist() == [2**53 + 1]
    assert to_minor_units(pd.Series([0.58, 7.1])).tolist() == [58, 710]
    # NaN, infinities and amounts beyond int64 minor units count as 0 (not counted)
    assert to_minor_units([np.nan, np.inf, -np.inf, 1e17, -1e17]).tolist() == [0, 0, 0, 0, 0]
    # the cut-off is 9.2e18 minor units, itself included
    assert to_minor_units([9.2e16]).tolist() == [0]
    assert to_minor_units([9.1e16]).tolist() == [9_100_000_000_000_000_000]
    # integers beyond int64 minor units are not counted either, never wrapped around to a wrong amount:
    # int64's largest value is 9,223,372,036,854,775,807, so 92,233,720,368,547,758 yuan is the most cents fit
    top = 92_233_720_368_547_758
    assert to_minor_units([top, -top]).tolist() == [top * 100, -top * 100]
    assert to_minor_units([top + 1, -(top + 1)]).tolist() == [0, 0]
    assert to_minor_units(np.array([2**63], dtype=np.uint64), decimals=0).tolist() == [0]
    assert to_minor_units(np.array([2**63 - 1], dtype=np.uint64), decimals=0).tolist() == [2**63 - 1]
    assert to_minor_units(np.array(["1e30", Decimal("-92233720368547759"), str(top)], dtype=object)).tolist() == [
        0, 0, top * 100]
    # the largest amount in minor units either way, given as text, is counted; a cent more is not
    assert to_minor_units(np.array(["92233720368547758.07", "-92233720368547758.07"], dtype=object)).tolist() == [
        2**63 - 1, -(2**63 - 1)]
    assert to_minor_units(np.array(["92233720368547758.08", "-92233720368547758.08"], dtype=object)).tolist() == [0, 0]
    # text and Decimal; unreadable and missing values are 0
    out = to_minor_units(np.array([Decimal("0.58"), "1083,45", " 7.10 ", "abc", None, "nan"], dtype=object))
    assert out.dtype == np.int64
    assert out.tolist() == [58, 108345, 710, 0, 0, 0]
    empty = to_minor_units(np.array([], dtype=object))
    assert empty.dtype == np.int64 and empty.tolist() == []


def test_first_two_digits_are_aligned_with_minus_one_for_amounts_not_counted() -> None:
    out = first_two_digits([0.58, 0.0, -12.0, np.nan, 0.001, 0.01, 1153.35])
    assert out.dtype == np.int64
    # 0.001 is below a cent (0 cents); 0.01 is one cent, significand 1.0 -> "10"
    assert out.tolist() == [58, -1, -1, -1, -1, 10, 11]
    assert first_two_digits([0.001], decimals=3).tolist() == [10]
    assert first_two_digits([]).tolist() == []


def test_digits_default_test_decimals_and_minimum() -> None:
    assert digits([1153.35, 0.05]).tolist() == [11, 50]  # first_two by default
    assert digits([0.001]).tolist() == []  # 0 cents
    assert digits([0.001], decimals=3).tolist() == [10]
    assert digits([0.5], "first", decimals=0).tolist() == []  # rounds to 0 units
    # min_amount only narrows: zero and negative amounts stay out even with a minimum of 0
    assert digits([0.0, -3.0, 5.0, 9.99, 10.0, 20.0], "first", min_amount=0).tolist() == [5, 9, 1, 2]
    assert digits([0.0, -3.0, 5.0, 9.99, 10.0, 20.0], "first", min_amount=10).tolist() == [1, 2]
    assert digits([10.0, 123.0, 19.0, 0.05], "second").tolist() == [0, 2, 9, 0]


def test_last_two_digits_are_cut_from_the_whole_number_exactly() -> None:
    # 2**53 + 1 = 9007199254740993: ends in 93, which float division loses
    assert digits([2**53 + 1], "last_two").tolist() == [93]
    assert digits([99.0, 100.0, 9.99, 1234.56], "last_two").tolist() == [99, 0, 34]


# ---------------------------------------------------------------------------------------------------
# a digit test worked out by hand
# ---------------------------------------------------------------------------------------------------
# cents 150, 1200, 1999, 200, 3 -> first digits 1, 1, 1, 2, 3; -4 and 0 excluded
HAND = [1.5, 12.0, 19.99, 2.0, 0.03, -4.0, 0.0]
HAND_COUNTS = [3, 1, 1, 0, 0, 0, 0, 0, 0]


def test_first_digit_test_by_hand_every_field() -> None:
    r = benford_test(HAND, "first")
    p = np.array([_first(d) for d in range(1, 10)])
    obs = np.array(HAND_COUNTS)
    assert r.n == 5 and r.n_excluded == 2 and r.test == "first" and r.df == 8
    # MAD = mean |observed proportion - expected|
    mad = np.mean(np.abs(obs / 5 - p))
    assert r.mad == pytest.approx(mad, rel=1e-12)
    assert r.mad > 0.015 and r.conformity == "nonconformity"
    ref = stats.chisquare(obs, f_exp=5 * p)  # df = 9 - 1
    assert r.chi2 == pytest.approx(ref.statistic, rel=1e-12)
    assert r.chi2_pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert (r.statistic, r.pvalue) == (r.chi2, r.chi2_pvalue)
    # cumulative observed 0.6, 0.8, 1.0, 1, ... against log10(d + 1): largest gap at d = 3
    assert r.ks == pytest.approx(1 - math.log10(4), rel=1e-12)
    assert r.ks_critical == pytest.approx(1.36 / math.sqrt(5), rel=1e-12)
    t = r.table
    assert list(t.columns) == COLUMNS
    assert t.index.name == "digits" and t.index.tolist() == list(range(1, 10))
    assert t["observed"].dtype == np.int64 and t["observed"].tolist() == HAND_COUNTS
    np.testing.assert_allclose(t["expected"], 5 * p, rtol=1e-12)
    np.testing.assert_allclose(t["observed_prop"], obs / 5, rtol=1e-12)
    np.testing.assert_allclose(t["expected_prop"], p, rtol=1e-12)
    np.testing.assert_allclose(t["difference"], obs - 5 * p, rtol=1e-12)
    # z: continuity correction 1/(2n) = 0.1 taken off |diff| only where |diff| > 0.1
    se = np.sqrt(p * (1 - p) / 5)
    assert t.loc[1, "z"] == pytest.approx((0.6 - p[0] - 0.1) / se[0], rel=1e-12)  # |diff| 0.299
    assert t.loc[4, "z"] == pytest.approx(p[3] / se[3], rel=1e-12)  # |diff| 0.0969 < 0.1: none


def test_first_digit_summary_and_html_word_for_word() -> None:
    r = benford_test(HAND, "first")
    p = np.array([_first(d) for d in range(1, 10)])
    ref = stats.chisquare(np.array(HAND_COUNTS), f_exp=5 * p)
    mad = np.mean(np.abs(np.array(HAND_COUNTS) / 5 - p))
    # differences 3 - 5·log10 2 = +1.49, -5·log10(5/4) = -0.48, -0.40, 1 - 5·log10(4/3) = +0.38, -0.33
    expected = "\n".join(
        [
            "Benford first-digit test (Nigrini 2012)",
            "  amounts counted      5  (excluded 2)",
            f"  MAD                  {mad:.6f}  -> nonconformity",
            f"  chi-squared          {ref.statistic:,.2f}  df=8  p={ref.pvalue:.4g}",
            f"  KS                   {1 - math.log10(4):.6f}  (critical 5%: {1.36 / math.sqrt(5):.6f})",
            "  largest deviations   1: +1.49, 4: -0.48, 5: -0.40, 3: +0.38, 6: -0.33",
        ]
    )
    assert r.summary() == expected
    assert str(r) == expected
    h = r._repr_html_()
    head = "<br>".join(line.replace(">", "&gt;") for line in expected.split("\n"))
    assert (
        h == f"<div><p style='font-family:monospace'>{head}</p>{r.table.to_html(float_format='%.6g')}</div>"
    )
    assert "-&gt; nonconformity<br>  chi-squared" in h
    assert "<td>0.30103</td>" in h  # expected_prop of 1 with 6 significant digits


def test_summary_of_thousands_and_of_an_unnamed_test() -> None:
    table = pd.DataFrame({"difference": [2.5, -1234.5]}, index=pd.Index([7, 8], name="digits"))
    r = BenfordResult(
        n=12345,
        test="custom",
        mad=0.5,
        chi2=float("nan"),
        chi2_pvalue=float("nan"),
        ks=float("nan"),
        ks_critical=float("nan"),
        conformity="x<y",
        table=table,
        df=1,
        n_excluded=1000,
    )
    assert r.summary() == (
        "Benford custom test (Nigrini 2012)\n"
        "  amounts counted      12,345  (excluded 1,000)\n"
        "  MAD                  0.500000  -> x<y\n"
        "  largest deviations   8: -1,234.50, 7: +2.50"
    )
    assert "-&gt; x&lt;y<br>" in r._repr_html_()


def test_html_table_uses_six_significant_digits_lower_case() -> None:
    table = pd.DataFrame({"difference": [1.5e-7], "z": [1234567.0]})
    r = BenfordResult(
        n=1,
        test="first",
        mad=0.0,
        chi2=1.0,
        chi2_pvalue=0.5,
        ks=0.0,
        ks_critical=1.36,
        conformity="close",
        table=table,
    )
    h = r._repr_html_()
    assert "<td>1.5e-07</td>" in h and "<td>1.23457e+06</td>" in h
    assert r.df == 0 and r.n_excluded == 0  # defaults


def test_largest_deviations_default_five_ties_in_digit_order() -> None:
    # last-two digits 0..99: every third digit three times, the rest once; n = 34·3 + 66 = 168,
    # expected 1.68 each: |3 - 1.68| = 1.32 > |1 - 1.68| = 0.68, 34 ties at the top
    counts = [3 if d % 3 == 0 else 1 for d in range(100)]
    amounts = [float(100 + d) for d in range(100) for _ in range(counts[d])]
    r = benford_test(amounts, "last_two")
    assert r.n == 168
    top = r.largest_deviations()
    assert top.index.tolist() == [0, 3, 6, 9, 12]
    np.testing.assert_allclose(top["absolute_diff"], [1.32] * 5, rtol=1e-12)
    assert r.largest_deviations(7).index.tolist() == [0, 3, 6, 9, 12, 15, 18]
    assert r.summary().endswith("  largest deviations   0: +1.32, 3: +1.32, 6: +1.32, 9: +1.32, 12: +1.32")


def test_continuity_correction_is_not_taken_when_equal_to_the_difference() -> None:
    # last two digits 00..49 once each, n = 50: |diff| = 0.02 - 0.01 = 0.01 or 0.01 - 0 = 0.01,
    # and 1/(2n) = 0.01: not smaller, so no correction (Nigrini eq. 4.2)
    r = benford_test([float(100 + d) for d in range(50)], "last_two")
    assert r.n == 50 and r.df == 99
    np.testing.assert_allclose(r.table["z"], 0.01 / math.sqrt(0.01 * 0.99 / 50), rtol=1e-12)
    ref = stats.chisquare(np.array([1] * 50 + [0] * 50), f_exp=[0.5] * 100)
    assert r.chi2 == pytest.approx(ref.statistic) and r.chi2_pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert r.conformity == "not applicable"


def test_second_digit_counts_start_at_zero() -> None:
    # second digits of 10, 11, 0.05 (5.0), 123, 19: 0, 1, 0, 2, 9
    r = benford_test([10.0, 11.0, 0.05, 123.0, 19.0], "second")
    assert r.table["observed"].tolist() == [2, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    assert r.table.index.tolist() == list(range(10))


def test_default_test_is_first_two_and_decimals_are_passed_on() -> None:
    r = benford_test([0.58, 12.0])
    assert r.test == "first_two" and r.n == 2
    assert r.table.loc[58, "observed"] == 1 and r.table.loc[12, "observed"] == 1
    # 0.5 is no whole unit: with decimals=0 it rounds to 0 and is not counted
    r0 = benford_test([0.5, 7.0], "first", decimals=0)
    assert r0.n == 1 and r0.n_excluded == 1 and r0.table.loc[7, "observed"] == 1


def test_one_amount() -> None:
    # digit 5 once: |1 - p5| + Σ_{d≠5} p_d = 2(1 - p5), over 9 digits
    r = benford_test([5.0], "first")
    p5 = _first(5)
    assert r.n == 1 and r.mad == pytest.approx(2 * (1 - p5) / 9, rel=1e-12)
    assert r.table["observed_prop"].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert r.ks_critical == pytest.approx(1.36)
    assert np.isfinite(r.chi2) and np.isfinite(r.table["z"]).all()


def test_nothing_counted_gives_nan_statistics_and_a_full_table() -> None:
    r = benford_test([0.0, -1.0, np.nan], "first_two")
    assert r.n == 0 and r.n_excluded == 3 and r.df == 89 and r.test == "first_two"
    for v in (r.mad, r.chi2, r.chi2_pvalue, r.ks, r.ks_critical):
        assert isinstance(v, float) and math.isnan(v)
    assert r.conformity == "not applicable"
    t = r.table
    assert list(t.columns) == COLUMNS and t.index.tolist() == list(range(10, 100))
    assert t["observed"].dtype == np.int64 and (t["observed"] == 0).all()
    assert (t["expected"] == 0).all()
    for c in ("observed_prop", "z"):
        assert t[c].dtype == np.float64 and t[c].isna().all()
    assert r.summary() == (
        "Benford first-two digits test (Nigrini 2012)\n"
        "  amounts counted      0  (excluded 3)\n"
        "  MAD                  nan  -> not applicable"
    )
    assert benford_test([], "first").n == 0


def test_mad_of_counts_by_hand() -> None:
    # one amount with first digit 1: (1 - p1 + Σ_{d>1} p_d) / 9 = 2(1 - log10 2) / 9
    assert mad_of_counts("first", [1, 0, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(
        2 * (1 - math.log10(2)) / 9, rel=1e-12
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0/0
        assert math.isnan(mad_of_counts("first", [0] * 9))


@pytest.mark.parametrize(
    ("test", "mad", "expected"),
    [
        ("first", 0.012, "marginal"),
        ("first", 0.0119, "acceptable"),
        ("second", 0.010, "marginal"),
        ("first_two", 0.0018, "marginal"),
        ("first", float("nan"), "not applicable"),
        ("last_two", 0.0, "not applicable"),
    ],
)
def test_acceptable_upper_limit_is_exclusive(test: str, mad: float, expected: str) -> None:
    assert _conformity(test, mad) == expected


# ---------------------------------------------------------------------------------------------------
# summation test
# ---------------------------------------------------------------------------------------------------
def test_summation_test_by_hand_every_field() -> None:
    # cents 1000, 1500, 1050, 9900, 5, 1 -> first-two 10, 15, 10, 99, 50, 10;
    # -3, 0, NaN and 0.001 (0 cents) are excluded
    r = summation_test([10.0, 15.0, 10.5, 99.0, 0.05, 0.01, -3.0, 0.0, np.nan, 0.001])
    sums = {10: 20.51, 15: 15.0, 50: 0.05, 99: 99.0}
    total = 134.56
    assert r.n == 6 and r.n_excluded == 4 and r.test == "summation" and r.df == 89
    assert r.conformity == "not applicable"
    for v in (r.chi2, r.chi2_pvalue, r.ks, r.ks_critical):
        assert isinstance(v, float) and math.isnan(v)
    t = r.table
    assert list(t.columns) == COLUMNS
    assert t.index.name == "digits" and t.index.tolist() == list(range(10, 100))
    observed = np.array([sums.get(d, 0.0) for d in range(10, 100)])
    np.testing.assert_allclose(t["observed"], observed, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t["expected"], total / 90, rtol=1e-12)
    np.testing.assert_allclose(t["observed_prop"], observed / total, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t["expected_prop"], 1 / 90, rtol=1e-12)
    np.testing.assert_allclose(t["difference"], observed - total / 90, rtol=1e-12)
    assert t["z"].isna().all()
    assert r.mad == pytest.approx(np.mean(np.abs(observed / total - 1 / 90)), rel=1e-12)
    assert r.summary().splitlines()[0] == "Benford summation test (Nigrini 2012)"
    assert "chi-squared" not in r.summary() and "KS" not in r.summary()


def test_summation_test_without_high_digits_and_with_a_minimum() -> None:
    # nothing at 99 (the sums still cover 10..99); minimum 10 keeps 10.00 and 20.00 only
    r = summation_test([9.99, 10.0, 20.0, 5.0, 0.0, -20.0], min_amount=10)
    assert r.n == 2 and r.n_excluded == 4
    assert r.table.loc[10, "observed"] == 10.0 and r.table.loc[20, "observed"] == 20.0
    assert r.table["observed"].sum() == 30.0 and len(r.table) == 90
    z = summation_test([0.0, -20.0, 5.0], min_amount=0)  # a minimum of 0 keeps zero out
    assert z.n == 1 and z.table.loc[50, "observed"] == 5.0


def test_summation_test_decimals_and_very_large_amounts() -> None:
    # whole units: 0.4 rounds to 0 and is not counted
    r = summation_test([0.4, 12.0], decimals=0)
    assert r.n == 1 and r.table.loc[12, "observed"] == 12.0
    # 4.5e16 is 4.5e18 cents, within int64: counted under 45 without overflow
    big = summation_test([4.5e16, 1.0])
    assert big.n == 2 and big.table.loc[45, "observed"] == 4.5e16 and big.table.loc[10, "observed"] == 1.0


def test_summation_test_of_nothing() -> None:
    r = summation_test([0.0, -5.0])
    assert r.n == 0 and r.n_excluded == 2 and math.isnan(r.mad)
    t = r.table
    assert t.index.tolist() == list(range(10, 100))
    assert t["observed_prop"].dtype == np.float64 and t["observed_prop"].isna().all()
    assert (t["observed"] == 0).all() and (t["expected"] == 0).all()


# ---------------------------------------------------------------------------------------------------
# duplicate numbers
# ---------------------------------------------------------------------------------------------------
def test_duplicate_numbers_by_hand() -> None:
    amounts = [50.0, 0.01, 50.0, 12.5, 0.0, 0.0, 0.0, -50.0, -50.0, -50.0, 12.5, 50.0, 7.0, 0.001]
    d = duplicate_numbers(amounts)
    # counted: 50 x3, 12.5 x2, 0.01, 7 (n = 7); ties by amount ascending
    assert list(d.columns) == ["amount", "count", "share"]
    assert d["amount"].tolist() == [50.0, 12.5, 0.01, 7.0]
    assert d["count"].dtype == np.int64 and d["count"].tolist() == [3, 2, 1, 1]
    np.testing.assert_allclose(d["share"], [3 / 7, 2 / 7, 1 / 7, 1 / 7], rtol=1e-12)
    assert duplicate_numbers([0.001, 0.001], decimals=3)["amount"].tolist() == [0.001]


def test_duplicate_numbers_minimum_and_top() -> None:
    amounts = [9.99, 10.0, 10.0, 12.0, 5.0, 0.0, -20.0, 20.0]
    d = duplicate_numbers(amounts, min_amount=10)
    assert d["amount"].tolist() == [10.0, 12.0, 20.0] and d["count"].tolist() == [2, 1, 1]
    np.testing.assert_allclose(d["share"], [0.5, 0.25, 0.25], rtol=1e-12)
    z = duplicate_numbers(amounts, min_amount=0)  # zero and the refund stay out
    assert z["amount"].tolist() == [10.0, 5.0, 9.99, 12.0, 20.0]
    many = duplicate_numbers([float(v) for v in range(1, 26)])
    assert len(many) == 20 and many["amount"].tolist() == [float(v) for v in range(1, 21)]
    assert len(duplicate_numbers([0.0, -1.0])) == 0


# ---------------------------------------------------------------------------------------------------
# MAD chance level: a second plain implementation of the documented simulation
# ---------------------------------------------------------------------------------------------------
def _ref_quantile(n: int, p: np.ndarray, q: float = 0.999, n_sim: int = 20_000, seed: int = 0) -> float:
    p = p / p.sum()
    counts = np.random.default_rng(seed).multinomial(n, p, size=n_sim)
    return float(np.quantile(np.abs(counts / n - p).mean(axis=1), q))


P_FIRST_TWO = np.log10(1 + 1 / np.arange(10, 100))


def _ref_interpolated(n: int, n_lo: int, n_hi: int) -> float:
    m_lo, m_hi = _ref_quantile(n_lo, P_FIRST_TWO), _ref_quantile(n_hi, P_FIRST_TWO)
    w = (math.log(n) - math.log(n_lo)) / (math.log(n_hi) - math.log(n_lo))
    return math.exp((1 - w) * math.log(m_lo) + w * math.log(m_hi))


def test_mad_quantile_below_200_is_simulated_at_n() -> None:
    assert mad_quantile(150) == pytest.approx(_ref_quantile(150, P_FIRST_TWO), rel=1e-12)
    assert mad_quantile(150, "first", q=0.5, n_sim=500, seed=3) == pytest.approx(
        _ref_quantile(150, np.log10(1 + 1 / np.arange(1, 10)), 0.5, 500, 3), rel=1e-12
    )


def test_mad_quantile_without_interpolation_is_simulated_at_n() -> None:
    assert mad_quantile(5000, interpolate=False) == pytest.approx(_ref_quantile(5000, P_FIRST_TWO), rel=1e-12)


def test_mad_quantile_interpolates_on_the_log_grid() -> None:
    # log10(5000)·8 = 29.59: grid points round(10**(29/8)) = 4217 and round(10**(30/8)) = 5623
    assert mad_quantile(5000) == pytest.approx(_ref_interpolated(5000, 4217, 5623), rel=1e-12)
    # log10(200)·8 = 18.41: 200 is already on the grid path, between 178 and 237
    assert mad_quantile(200) == pytest.approx(_ref_interpolated(200, 178, 237), rel=1e-12)
    # log10(1000)·8 = 24 exactly: a grid point, simulated as is
    assert mad_quantile(1000) == pytest.approx(_ref_quantile(1000, P_FIRST_TWO), rel=1e-12)


def test_mad_quantile_of_one_amount_by_hand() -> None:
    # one amount: MAD = 2(1 - p_d)/9 for its digit d; the largest is d = 9 (drawn ~900 times in
    # 20,000), the smallest d = 1, so the 0.999 and 0 quantiles are exact
    assert mad_quantile(1, "first") == pytest.approx(2 * (1 - math.log10(10 / 9)) / 9, rel=1e-12)
    assert mad_quantile(1, "first", q=0.0) == pytest.approx(2 * (1 - math.log10(2)) / 9, rel=1e-12)
    # last-two digits are allowed: one amount, MAD = (0.99 + 99·0.01)/100
    assert mad_quantile(1, "last_two") == pytest.approx(0.0198, rel=1e-12)


def test_mad_quantile_of_no_amounts_is_nan_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(mad_quantile(0))
        assert math.isnan(mad_quantile(-3, "first"))


def test_anm01_flag_uses_its_quantile_and_a_strict_excess() -> None:
    n = 1000
    m50, m999 = mad_quantile(n, "first_two", 0.5), mad_quantile(n, "first_two", 0.999)
    assert 0.0022 < m50 < m999

    def result(mad: float, conformity: str = "nonconformity") -> BenfordResult:
        return BenfordResult(
            n=n,
            test="first_two",
            mad=mad,
            chi2=0.0,
            chi2_pvalue=1.0,
            ks=0.0,
            ks_critical=0.0,
            conformity=conformity,
            table=pd.DataFrame(),
        )

    between = result((m50 + m999) / 2)
    assert anm01_flag(between, q=0.5) is True
    assert anm01_flag(between) is False
    assert anm01_flag(result(m999)) is False  # at the chance level: not above it
    assert anm01_flag(result(m999 * 1.01)) is True
    assert anm01_flag(result(1.0, "marginal")) is False
