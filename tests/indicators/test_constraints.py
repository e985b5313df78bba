"""The declared parameter constraints: which values each takes, and the words a user reads when a value is
outside it (``expected <str(constraint)>``)."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest

from fiscalrisk.indicators.constraints import (
    COUNT,
    LEVEL,
    NON_NEGATIVE,
    SHARE,
    Band,
    Integral,
    Interval,
    ListOf,
    MappingOf,
    Options,
    Param,
    Problem,
    Real,
    Strings,
    TimeOfDay,
)

NAN = float("nan")
INF = float("inf")


# --- Interval: declaration -------------------------------------------------------------------------


@pytest.mark.parametrize("closed", ["both", "left", "right", "neither"])
@pytest.mark.parametrize("kind", [Real, Integral])
def test_every_type_and_closed_word_is_a_valid_declaration(kind: type, closed: str) -> None:
    assert Interval(kind, 0, 1, closed=closed).closed == closed


def test_the_default_interval_is_closed_on_both_sides() -> None:
    assert Interval(Real, 0, 1).closed == "both"


@pytest.mark.parametrize("kind", [int, float, str, object])
def test_an_interval_of_another_type_is_a_declaration_error(kind: type) -> None:
    with pytest.raises(ValueError, match=re.escape(f"Interval type must be Real or Integral, got {kind!r}")):
        Interval(kind, 0, 1)


@pytest.mark.parametrize("closed", ["Both", "BOTH", "open", "", "NEITHER"])
def test_an_unknown_closed_word_is_a_declaration_error(closed: str) -> None:
    with pytest.raises(ValueError, match=re.escape(
            f"Interval closed must be both, left, right or neither, got {closed!r}")):
        Interval(Real, 0, 1, closed=closed)


# --- Interval: values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("closed", "at_left", "at_right"),
    [("both", True, True), ("left", True, False), ("right", False, True), ("neither", False, False)],
)
def test_the_closed_word_decides_whether_each_bound_is_allowed(closed: str, at_left: bool, at_right: bool) -> None:
    c = Interval(Real, 0, 10, closed=closed)
    assert c.is_satisfied_by(0) is at_left
    assert c.is_satisfied_by(10) is at_right
    assert c.is_satisfied_by(0.001) is True  # just inside
    assert c.is_satisfied_by(9.999) is True
    assert c.is_satisfied_by(-0.001) is False  # just outside
    assert c.is_satisfied_by(10.001) is False


@pytest.mark.parametrize("closed", ["both", "left", "right", "neither"])
def test_a_missing_bound_is_unbounded_on_that_side(closed: str) -> None:
    assert Interval(Real, None, 0, closed=closed).is_satisfied_by(-1e300) is True
    assert Interval(Real, 0, None, closed=closed).is_satisfied_by(1e300) is True
    assert Interval(Real, None, None, closed=closed).is_satisfied_by(-5) is True


def test_only_numbers_satisfy_an_interval_never_bool_text_or_none() -> None:
    free = Interval(Real, None, None)
    for value in ("1", "0.5", None, [1], True, False):
        assert free.is_satisfied_by(value) is False, value
    assert SHARE.is_satisfied_by(True) is False  # True == 1 as a number, but a switch is no share


def test_numbers_of_any_real_kind_satisfy_a_real_interval() -> None:
    assert SHARE.is_satisfied_by(Decimal("0.5")) is False  # Decimal is no numbers.Real
    for value in (1, 0.5, Fraction(1, 2)):
        assert SHARE.is_satisfied_by(value) is True, value


def test_a_whole_number_interval_takes_integral_values_only() -> None:
    assert COUNT.is_satisfied_by(3) is True
    assert COUNT.is_satisfied_by(3.0) is True  # YAML 3.0 is a whole number
    assert COUNT.is_satisfied_by(2.5) is False
    assert COUNT.is_satisfied_by(0) is True
    assert COUNT.is_satisfied_by(-1) is False
    assert COUNT.is_satisfied_by(10**400) is True  # too large for a float, still whole


def test_nan_satisfies_no_interval_and_an_infinite_count_is_no_whole_number() -> None:
    # NaN compares false with both bounds, so it used to pass SHARE; a whole-number check used to raise
    for c in (SHARE, NON_NEGATIVE, COUNT, Interval(Real, None, None)):
        assert c.is_satisfied_by(NAN) is False, c
    assert COUNT.is_satisfied_by(INF) is False
    assert NON_NEGATIVE.is_satisfied_by(INF) is True


# --- Interval: words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "words"),
    [
        (SHARE, "a share between 0 and 1"),
        (Interval(Integral, 0, 1), "a whole number from 0 to 1"),
        (Interval(Real, 0, 1, closed="left"), "a number ≥ 0 and < 1"),
        (Interval(Real, 0.5, 2.5), "a number from 0.5 to 2.5"),
        (Interval(Integral, 1, 12), "a whole number from 1 to 12"),
        (NON_NEGATIVE, "a number ≥ 0"),
        (COUNT, "a whole number ≥ 0"),
        (Interval(Real, 0, None, closed="both"), "a number ≥ 0"),
        (Interval(Real, 0, None, closed="neither"), "a number > 0"),
        (Interval(Real, 0, None, closed="right"), "a number > 0"),
        (Interval(Real, None, 1, closed="both"), "a number ≤ 1"),
        (Interval(Real, None, 1, closed="right"), "a number ≤ 1"),
        (Interval(Real, None, 1, closed="left"), "a number < 1"),
        (Interval(Real, None, 1, closed="neither"), "a number < 1"),
        (Interval(Real, 0, 5, closed="neither"), "a number > 0 and < 5"),
        (Interval(Real, 0, 5, closed="right"), "a number > 0 and ≤ 5"),
        (Interval(Integral, 1, 5, closed="left"), "a whole number ≥ 1 and < 5"),
        (Interval(Real, 1000000, None), "a number ≥ 1e+06"),
        (Interval(Real, None, None), "a number"),
        (Interval(Integral, None, None, closed="neither"), "a whole number"),
    ],
)
def test_an_interval_reads_as_the_words_of_its_error_message(constraint: Interval, words: str) -> None:
    assert str(constraint) == words


# --- the other constraints --------------------------------------------------------------------------


def test_options_take_their_text_values_only_in_the_order_given() -> None:
    c = Options("up", "both")
    assert c.options == ("up", "both")
    assert c.is_satisfied_by("up") and c.is_satisfied_by("both")
    for value in ("UP", "down", "", None, 1, ["up"]):
        assert c.is_satisfied_by(value) is False, value
    assert str(c) == "one of up, both"
    assert repr(c) == "Options('up', 'both')"
    assert str(LEVEL) == "one of warning, alert"


def test_a_time_of_day_is_hh_mm_from_00_00_to_23_59() -> None:
    c = TimeOfDay()
    for value in ("00:00", "09:30", "19:59", "23:59"):
        assert c.is_satisfied_by(value) is True, value
    for value in ("24:00", "23:60", "9:30", "09:30:00", "0930", " 09:30", "", None, 930):
        assert c.is_satisfied_by(value) is False, value
    assert str(c) == "a time of day HH:MM"
    assert repr(c) == "TimeOfDay()"


def test_a_band_is_two_numbers_low_first() -> None:
    c = Band()
    assert c.is_satisfied_by([0.9, 1.1]) is True
    assert c.is_satisfied_by([1, 1]) is True  # low = high: an empty-width band is still a band
    assert c.is_satisfied_by([1.1, 0.9]) is False
    for value in ([1], [1, 2, 3], (1, 2), ["a", "b"], [True, 2], [None, 1], "1,2", None):
        assert c.is_satisfied_by(value) is False, value
    assert str(c) == "a band [low, high] with low ≤ high"
    assert repr(c) == "Band()"


def test_strings_are_a_list_of_text() -> None:
    c = Strings()
    assert c.is_satisfied_by([]) is True
    assert c.is_satisfied_by(["301", "303"]) is True
    for value in ([301], ["301", 303], "301", ("301",), None, 301):
        assert c.is_satisfied_by(value) is False, value
    assert str(c) == "a list of strings"
    assert repr(c) == "Strings()"


def test_list_of_checks_every_item() -> None:
    c = ListOf(TimeOfDay())
    assert c.is_satisfied_by([]) is True
    assert c.is_satisfied_by(["09:00", "17:30"]) is True
    assert c.is_satisfied_by(["09:00", "25:00"]) is False
    assert c.is_satisfied_by("09:00") is False
    assert str(c) == "a list whose items are each a time of day HH:MM"


def test_mapping_of_checks_every_value() -> None:
    c = MappingOf(SHARE)
    assert c.is_satisfied_by({}) is True
    assert c.is_satisfied_by({"a": 0.2, "b": 1}) is True
    assert c.is_satisfied_by({"a": 0.2, "b": 1.5}) is False
    for value in ([0.2], 0.2, "a", None):
        assert c.is_satisfied_by(value) is False, value
    assert str(c) == "a mapping whose values are each a share between 0 and 1"


def test_a_param_reads_as_its_description_and_a_problem_names_its_fields() -> None:
    p = Param("T, the approval limit (yuan)", NON_NEGATIVE)
    assert str(p) == "T, the approval limit (yuan)"
    assert p.constraint is NON_NEGATIVE
    problem = Problem(("warning", "alert"), "alert ≥ warning", "0.5 < 0.8")
    assert (problem.keys, problem.expected, problem.given) == (("warning", "alert"), "alert ≥ warning", "0.5 < 0.8")
