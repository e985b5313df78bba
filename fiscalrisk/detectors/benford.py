"""Benford digit tests (ANM01).

Method: Nigrini, M. J. (2012), *Benford's Law: Applications for Forensic Accounting, Auditing, and
Fraud Detection*, Wiley — the first-digit, second-digit, first-two digits, last-two digits and
summation tests, the mean absolute deviation (MAD) with its conformity bands (ch. 7), Pearson's
chi-squared, the Kolmogorov–Smirnov statistic and the per-digit z statistic with continuity
correction.

Digits are taken *exactly* from the decimal amount: amounts are turned into integer minor units
(``round(amount * 10**decimals)``, cents by default) or read from ``decimal.Decimal`` / strings, and
digits are then cut out with integer arithmetic. ``log10`` on floats is never used to find digits,
because ``0.58 * 100 == 57.99999999999999`` and a floor of its logarithm gives the wrong digits.

Which amounts count (Nigrini's conventions, decided here and documented):

* only strictly positive amounts (credits and zero lines are excluded);
* ``first``, ``second``, ``first_two``: every positive amount, digits of its significand, so
  ``0.05`` has first-two digits ``50`` (significand 5.0) and second digit ``0``; ``min_amount``
  reproduces Nigrini's habit of testing amounts >= 10 only;
* ``last_two``: the last two digits of the whole-number part of amounts >= 10 (Nigrini's
  number-invention test; cents are ignored, amounts below 10 have no two whole-number digits);
  the expected distribution is uniform over 00–99 and MAD bands do not apply;
* summation: amounts by first-two digits, each digit pair expected to hold 1/90 of the total.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "BENFORD_TESTS",
    "MAD_BANDS",
    "BenfordResult",
    "anm01_flag",
    "benford_expected",
    "benford_test",
    "digits",
    "duplicate_numbers",
    "mad_quantile",
    "summation_test",
    "to_minor_units",
]

BENFORD_TESTS = ("first", "second", "first_two", "last_two")

#: Nigrini (2012), Table 7.1: MAD upper limits of close / acceptable / marginally acceptable
#: conformity; above the last one the data are in nonconformity.
MAD_BANDS: dict[str, tuple[float, float, float]] = {
    "first": (0.006, 0.012, 0.015),
    "second": (0.008, 0.010, 0.012),
    "first_two": (0.0012, 0.0018, 0.0022),
}

_POW10 = 10 ** np.arange(19, dtype=np.int64)
_TEST_NAMES = {
    "first": "first-digit",
    "second": "second-digit",
    "first_two": "first-two digits",
    "last_two": "last-two digits",
    "summation": "summation",
}


# --------------------------------------------------------------------------------------------------
# exact digits
# --------------------------------------------------------------------------------------------------
_INT64_MAX = int(np.iinfo(np.int64).max)


def _decimal_minor(value: object, scale: Decimal) -> int | None:
    if value is None:
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite():
        return None
    units = int((d * scale).to_integral_value())
    return units if -_INT64_MAX <= units <= _INT64_MAX else None  # beyond int64: not counted


def to_minor_units(amounts: Iterable | np.ndarray | pd.Series, decimals: int = 2) -> np.ndarray:
    """Amounts as integer minor units (cents for ``decimals=2``), exactly.

    Floats are rounded with ``round(amount * 10**decimals)``, which recovers the decimal value of
    any float that was written with at most ``decimals`` decimals (``0.58`` → 58). Objects
    (``Decimal``, strings such as ``"106238,88"``) go through ``decimal.Decimal``. Missing or
    unreadable values, and amounts beyond int64 minor units (about 9.2e16 yuan), become 0, which
    every test excludes.
    """
    arr = amounts.to_numpy() if isinstance(amounts, pd.Series) else np.asarray(amounts)
    if arr.dtype.kind in "iu":
        # amounts beyond int64 minor units are not counted (as for floats below), never wrapped around
        limit = _INT64_MAX // 10**decimals
        big = (arr > limit) | (arr < -limit)  # numpy compares unsigned arrays with negative ints exactly
        return np.where(big, 0, arr).astype(np.int64) * np.int64(10**decimals)
    if arr.dtype.kind == "f":
        scaled = np.rint(arr.astype(np.float64) * 10.0**decimals)
        # NaN, infinities and amounts beyond int64 minor units are not counted
        scaled[~np.isfinite(scaled) | (np.abs(scaled) >= 9.2e18)] = 0.0
        return scaled.astype(np.int64)
    scale = Decimal(10) ** decimals
    out = [_decimal_minor(v, scale) for v in arr.ravel()]
    return np.array([0 if v is None else v for v in out], dtype=np.int64)


def _n_digits(units: np.ndarray) -> np.ndarray:
    """Number of decimal digits of positive integers."""
    return np.searchsorted(_POW10, units, side="right")


def _first_two(u: np.ndarray) -> np.ndarray:
    """The first two significant digits (10–99) of positive integers."""
    nd = _n_digits(u)
    # shift right by (nd - 2) places, or left by one when the value has a single digit (5 cents →
    # significand 5.0 → "50")
    return np.where(nd >= 2, u // _POW10[np.maximum(nd - 2, 0)], u * 10)


def first_two_digits(amounts: Iterable | np.ndarray | pd.Series, decimals: int = 2) -> np.ndarray:
    """The first two significant digits (10–99) of every amount, -1 where an amount is not counted (zero,
    negative, missing): aligned with ``amounts``, so that many groups' digits are cut in one pass."""
    units = to_minor_units(amounts, decimals)
    out = np.full(len(units), -1, dtype=np.int64)
    keep = units > 0
    out[keep] = _first_two(units[keep])
    return out


def digits(
    amounts: Iterable | np.ndarray | pd.Series,
    test: str = "first_two",
    *,
    decimals: int = 2,
    min_amount: float | None = None,
) -> np.ndarray:
    """The digit (or digit pair) each counted amount contributes to ``test``, as integers.

    Returns one value per *counted* amount (positive, and >= ``min_amount`` if given; for
    ``last_two`` >= 10): first 1–9, second 0–9, first_two 10–99, last_two 0–99.
    """
    if test not in BENFORD_TESTS:
        raise ValueError(f"test must be one of {BENFORD_TESTS}, got {test!r}")
    units = to_minor_units(amounts, decimals)
    scale = np.int64(10**decimals)
    keep = units > 0
    if min_amount is not None:
        keep &= units >= np.int64(round(min_amount * 10**decimals))
    if test == "last_two":
        whole = units[keep] // scale
        return (whole[whole >= 10] % 100).astype(np.int64)
    two = _first_two(units[keep])
    if test == "first_two":
        return two
    if test == "first":
        return two // 10
    return two % 10


def benford_expected(test: str) -> pd.Series:
    """Expected proportions by digit for ``test`` (Benford's law; uniform for last_two)."""
    if test == "first":
        d = np.arange(1, 10)
        p = np.log10(1 + 1 / d)
    elif test == "second":
        d = np.arange(10)
        k = np.arange(1, 10)[:, None]
        p = np.log10(1 + 1 / (10 * k + d[None, :])).sum(axis=0)
    elif test == "first_two":
        d = np.arange(10, 100)
        p = np.log10(1 + 1 / d)
    elif test == "last_two":
        d = np.arange(100)
        p = np.full(100, 0.01)
    else:
        raise ValueError(f"test must be one of {BENFORD_TESTS}, got {test!r}")
    return pd.Series(p, index=pd.Index(d, name="digits"), name="expected_prop")


# --------------------------------------------------------------------------------------------------
# result object
# --------------------------------------------------------------------------------------------------
def _conformity(test: str, mad: float) -> str:
    bands = MAD_BANDS.get(test)
    if bands is None or not np.isfinite(mad):
        return "not applicable"
    close, acceptable, marginal = bands
    # upper limits are exclusive, as in the catalogue ("close < 0.006")
    if mad < close:
        return "close"
    if mad < acceptable:
        return "acceptable"
    if mad < marginal:
        return "marginal"
    return "nonconformity"


@dataclass(frozen=True, eq=False)
class BenfordResult:
    """Result of one Benford digit test (Nigrini 2012).

    ``statistic, pvalue = result`` unpacks Pearson's chi-squared and its p-value, as statsmodels'
    test results do.

    Attributes:
        n: amounts counted.
        test: "first", "second", "first_two", "last_two" or "summation".
        mad: mean absolute deviation between observed and expected proportions.
        chi2, chi2_pvalue, df: Pearson's chi-squared on the counts (df = categories − 1).
        ks: largest absolute difference between the observed and expected cumulative proportions.
        ks_critical: 1.36 / sqrt(n), Nigrini's 5% critical value for ``ks``.
        conformity: Nigrini's MAD band, or "not applicable" (last_two, summation).
        table: one row per digit: observed, expected (counts), observed_prop, expected_prop,
            difference (observed − expected counts), z (with continuity correction 1/(2n)).
        n_excluded: amounts not counted (zero, negative, missing, below the minimum).
    """

    n: int
    test: str
    mad: float
    chi2: float
    chi2_pvalue: float
    ks: float
    ks_critical: float
    conformity: str
    table: pd.DataFrame = field(repr=False)
    df: int = 0
    n_excluded: int = 0

    def __iter__(self) -> Iterator[float]:
        return iter((self.chi2, self.chi2_pvalue))

    @property
    def statistic(self) -> float:
        return self.chi2

    @property
    def pvalue(self) -> float:
        return self.chi2_pvalue

    def largest_deviations(self, k: int = 5) -> pd.DataFrame:
        """The ``k`` digits with the largest absolute difference of observed and expected counts."""
        t = self.table.assign(absolute_diff=self.table["difference"].abs())
        return t.sort_values("absolute_diff", ascending=False, kind="stable").head(k)

    def summary(self) -> str:
        lines = [
            f"Benford {_TEST_NAMES.get(self.test, self.test)} test (Nigrini 2012)",
            f"  amounts counted      {self.n:,}  (excluded {self.n_excluded:,})",
            f"  MAD                  {self.mad:.6f}  -> {self.conformity}",
        ]
        if np.isfinite(self.chi2):
            lines.append(f"  chi-squared          {self.chi2:,.2f}  df={self.df}  p={self.chi2_pvalue:.4g}")
        if np.isfinite(self.ks):
            lines.append(f"  KS                   {self.ks:.6f}  (critical 5%: {self.ks_critical:.6f})")
        if self.n:
            top = self.largest_deviations(5)
            pairs = ", ".join(f"{d}: {v:+,.2f}" for d, v in zip(top.index, top["difference"], strict=True))
            lines.append(f"  largest deviations   {pairs}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        head = "<br>".join(html.escape(line) for line in self.summary().splitlines())
        return (
            f"<div><p style='font-family:monospace'>{head}</p>{self.table.to_html(float_format='%.6g')}</div>"
        )


def mad_of_counts(test: str, counts: np.ndarray) -> float:
    """MAD (Nigrini's mean absolute deviation of the observed from the expected proportions) of the
    digit counts of ``test`` (one count per digit, in the order of :func:`benford_expected`)."""
    counts = np.asarray(counts)
    n = counts.sum()
    if n == 0:
        return float("nan")
    return float(np.abs(counts / n - _expected_array(test)).mean())


@functools.lru_cache(maxsize=8)
def _expected_array(test: str) -> np.ndarray:
    out = benford_expected(test).to_numpy()
    out.setflags(write=False)
    return out


def _result_from_counts(test: str, counts: np.ndarray, n_excluded: int) -> BenfordResult:
    exp_prop = benford_expected(test)
    n = int(counts.sum())
    index = exp_prop.index
    observed = pd.Series(counts, index=index, dtype=np.int64)
    expected = exp_prop * n
    if n == 0:
        obs_prop = pd.Series(np.nan, index=index)
        z = pd.Series(np.nan, index=index)
        mad = chi2 = pvalue = ks = ks_crit = float("nan")
    else:
        obs_prop = observed / n
        diff = (obs_prop - exp_prop).abs()
        # Nigrini (2012, eq. 4.2): the continuity correction is used only when smaller than |diff|
        cc = 1.0 / (2 * n)
        num = np.where(diff > cc, diff - cc, diff)
        z = pd.Series(num / np.sqrt(exp_prop * (1 - exp_prop) / n), index=index)
        mad = mad_of_counts(test, counts)
        chi2 = float((((observed - expected) ** 2) / expected).sum())
        pvalue = float(stats.chi2.sf(chi2, len(index) - 1))
        ks = float(np.abs(np.cumsum(obs_prop.to_numpy()) - np.cumsum(exp_prop.to_numpy())).max())
        ks_crit = 1.36 / np.sqrt(n)
    table = pd.DataFrame(
        {
            "observed": observed,
            "expected": expected,
            "observed_prop": obs_prop,
            "expected_prop": exp_prop,
            "difference": observed - expected,
            "z": z,
        }
    )
    return BenfordResult(
        n=n,
        test=test,
        mad=mad,
        chi2=chi2,
        chi2_pvalue=pvalue,
        ks=ks,
        ks_critical=float(ks_crit),
        conformity=_conformity(test, mad),
        table=table,
        df=len(index) - 1,
        n_excluded=n_excluded,
    )


def benford_test(
    amounts: Iterable | np.ndarray | pd.Series,
    test: str = "first_two",
    *,
    decimals: int = 2,
    min_amount: float | None = None,
) -> BenfordResult:
    """Nigrini's digit test ``test`` on ``amounts``.

    Args:
        amounts: money amounts (floats with at most ``decimals`` decimals, ints, ``Decimal`` or
            strings). Zero, negative and missing amounts are excluded.
        test: "first", "second", "first_two" (default, Nigrini's main test) or "last_two".
        decimals: decimals of the minor unit (2 = cents).
        min_amount: count only amounts >= this (Nigrini often tests amounts >= 10).
    """
    if test not in BENFORD_TESTS:
        raise ValueError(f"test must be one of {BENFORD_TESTS}, got {test!r}")
    size = int(np.size(amounts))
    d = digits(amounts, test, decimals=decimals, min_amount=min_amount)
    lo = {"first": 1, "second": 0, "first_two": 10, "last_two": 0}[test]
    k = len(benford_expected(test))
    counts = np.bincount(d - lo, minlength=k)[:k]
    return _result_from_counts(test, counts, size - len(d))


def summation_test(
    amounts: Iterable | np.ndarray | pd.Series,
    *,
    decimals: int = 2,
    min_amount: float | None = None,
) -> BenfordResult:
    """Nigrini's summation test: amounts summed by first-two digits, 1/90 of the total expected each.

    A digit pair with a large excess sum points at a few very large amounts (or many duplicated
    ones). MAD is reported without conformity bands ("not applicable"); chi-squared does not apply
    to sums and is NaN. ``observed``/``expected`` in the table are money sums.
    """
    units = to_minor_units(amounts, decimals)
    keep = units > 0
    if min_amount is not None:
        keep &= units >= np.int64(round(min_amount * 10**decimals))
    two = digits(units[keep], "first_two", decimals=0)
    sums = np.bincount(two - 10, weights=units[keep].astype(np.float64), minlength=90)[:90] / 10**decimals
    total = float(sums.sum())
    index = pd.Index(np.arange(10, 100), name="digits")
    exp_prop = pd.Series(1 / 90, index=index)
    observed = pd.Series(sums, index=index)
    obs_prop = observed / total if total else pd.Series(np.nan, index=index)
    mad = float((obs_prop - exp_prop).abs().mean()) if total else float("nan")
    table = pd.DataFrame(
        {
            "observed": observed,
            "expected": exp_prop * total,
            "observed_prop": obs_prop,
            "expected_prop": exp_prop,
            "difference": observed - exp_prop * total,
            "z": np.nan,
        }
    )
    return BenfordResult(
        n=int(keep.sum()),
        test="summation",
        mad=mad,
        chi2=float("nan"),
        chi2_pvalue=float("nan"),
        ks=float("nan"),
        ks_critical=float("nan"),
        conformity="not applicable",
        table=table,
        df=89,
        n_excluded=int(np.size(units) - keep.sum()),
    )


def duplicate_numbers(
    amounts: Iterable | np.ndarray | pd.Series,
    top: int = 20,
    *,
    decimals: int = 2,
    min_amount: float | None = None,
) -> pd.DataFrame:
    """Nigrini's number duplication test: the most frequent positive amounts.

    Returns columns ``amount``, ``count`` and ``share`` (of counted amounts), most frequent first,
    ties by amount ascending; at most ``top`` rows.
    """
    units = to_minor_units(amounts, decimals)
    keep = units > 0
    if min_amount is not None:
        keep &= units >= np.int64(round(min_amount * 10**decimals))
    values, counts = np.unique(units[keep], return_counts=True)
    order = np.lexsort((values, -counts))[:top]
    n = int(keep.sum())
    return pd.DataFrame(
        {
            "amount": values[order] / 10**decimals,
            "count": counts[order].astype(np.int64),
            "share": counts[order] / n if n else np.nan,
        }
    )


# --------------------------------------------------------------------------------------------------
# MAD under Benford: how large MAD gets by chance for n amounts
# --------------------------------------------------------------------------------------------------
_GRID_STEPS_PER_DECADE = 8
_EXACT_BELOW = 200


@functools.lru_cache(maxsize=4096)
def _simulated_mad_quantile(n: int, test: str, q: float, n_sim: int, seed: int) -> float:
    p = benford_expected(test).to_numpy()
    p = p / p.sum()
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, p, size=n_sim)
    mads = np.abs(counts / n - p).mean(axis=1)
    return float(np.quantile(mads, q))


def mad_quantile(
    n: int,
    test: str = "first_two",
    q: float = 0.999,
    n_sim: int = 20_000,
    seed: int = 0,
    *,
    interpolate: bool = True,
) -> float:
    """The ``q``-quantile of the MAD of ``n`` amounts drawn from Benford's distribution.

    Nigrini's MAD bands do not depend on ``n``, but the MAD of truly Benford data shrinks like
    1/sqrt(n); for small ``n`` the bands flag conforming data. This gives the chance level: the
    quantile over ``n_sim`` multinomial draws with a fixed ``seed`` (deterministic), cached.

    With ``interpolate`` (default) and ``n`` >= 200, the quantile is simulated on a log-grid of
    ``n`` (8 points per decade) and interpolated linearly in log(n)–log(MAD), where it is almost
    a straight line of slope −1/2; calls for many different ``n`` then cost a few simulations.
    """
    if test not in MAD_BANDS and test != "last_two":
        raise ValueError(f"test must be one of {BENFORD_TESTS}, got {test!r}")
    n = int(n)
    if n <= 0:
        return float("nan")
    if not interpolate or n < _EXACT_BELOW:
        return _simulated_mad_quantile(n, test, float(q), int(n_sim), int(seed))
    pos = np.log10(n) * _GRID_STEPS_PER_DECADE
    lo, hi = int(np.floor(pos)), int(np.ceil(pos))
    n_lo = round(10 ** (lo / _GRID_STEPS_PER_DECADE))
    n_hi = round(10 ** (hi / _GRID_STEPS_PER_DECADE))
    m_lo = _simulated_mad_quantile(n_lo, test, float(q), int(n_sim), int(seed))
    if n_hi == n_lo:
        return m_lo
    m_hi = _simulated_mad_quantile(n_hi, test, float(q), int(n_sim), int(seed))
    w = (np.log(n) - np.log(n_lo)) / (np.log(n_hi) - np.log(n_lo))
    return float(np.exp((1 - w) * np.log(m_lo) + w * np.log(m_hi)))


def anm01_flag(result: BenfordResult, q: float = 0.999) -> bool:
    """ANM01's verdict: MAD in Nigrini's nonconformity band AND above the ``q`` chance quantile."""
    if result.conformity != "nonconformity":
        return False
    return bool(result.mad > mad_quantile(result.n, result.test, q))
