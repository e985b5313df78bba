"""Declared parameters of an indicator: what each one means and which values it takes.

An indicator declares every parameter once, in its ``@indicator(params=...)``::

    params={
        "threshold": Param("T, the approval limit (yuan)", Interval(Real, 0, None, closed="neither")),
        "near_share": Param("a payment in [near_share × T, T) is just below the limit", SHARE),
        "level": Param("level of a finding", LEVEL),
    }

The values and their sources live only in ``params/defaults.yaml`` (``indicators.<CODE>``).
:mod:`fiscalrisk.params` checks every value a params layer sets against the declared constraint (its
type is that of the default) and reports a value outside it as ``expected <str(constraint)>``; a check
that involves several parameters of one indicator is the indicator's ``check=`` callable, which yields
:class:`Problem` s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, NamedTuple

__all__ = [
    "Band",
    "Constraint",
    "Integral",
    "Interval",
    "LEVEL",
    "ListOf",
    "MappingOf",
    "Options",
    "Param",
    "Problem",
    "Real",
    "SHARE",
    "Strings",
    "TimeOfDay",
    "NON_NEGATIVE",
    "COUNT",
    "Check",
]


def _number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _show(x: float) -> str:
    return f"{x:g}"


class Constraint:
    """The values a parameter takes; ``str()`` is the ``expected …`` of a problem."""

    def is_satisfied_by(self, value: Any) -> bool:
        raise NotImplementedError

    def __str__(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Interval(Constraint):
    """A number of ``type`` (``Real`` or ``Integral``) between ``left`` and ``right`` (None: unbounded);
    ``closed`` says which bounds are allowed: ``both``, ``left``, ``right`` or ``neither``."""

    type: type
    left: float | None
    right: float | None
    closed: str = "both"

    def __post_init__(self) -> None:
        if self.type not in (Real, Integral):
            raise ValueError(f"Interval type must be Real or Integral, got {self.type!r}")
        if self.closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Interval closed must be both, left, right or neither, got {self.closed!r}")

    def is_satisfied_by(self, value: Any) -> bool:
        if not _number(value):
            return False
        if value != value:  # NaN lies in no interval (it compares false with both bounds)
            return False
        if self.type is Integral and not (isinstance(value, Integral) or float(value).is_integer()):
            return False
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        noun = "a whole number" if self.type is Integral else "a number"
        lo, hi = self.left, self.right
        if self.type is Real and lo == 0 and hi == 1 and self.closed == "both":
            return "a share between 0 and 1"
        if lo is not None and hi is not None and self.closed == "both":
            return f"{noun} from {_show(lo)} to {_show(hi)}"
        parts = []
        if lo is not None:
            parts.append(f"{'≥' if self.closed in ('both', 'left') else '>'} {_show(lo)}")
        if hi is not None:
            parts.append(f"{'≤' if self.closed in ('both', 'right') else '<'} {_show(hi)}")
        return f"{noun} {' and '.join(parts)}" if parts else noun


class Options(Constraint):
    """One of the given values (text), in the order given: ``Options("up", "both")``."""

    def __init__(self, *options: str) -> None:
        self.options: tuple[str, ...] = tuple(options)

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.options

    def __str__(self) -> str:
        return f"one of {', '.join(self.options)}"

    def __repr__(self) -> str:
        return f"Options{self.options!r}"


class TimeOfDay(Constraint):
    """A time of day ``HH:MM`` (00:00–23:59)."""

    _HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, str) and bool(self._HHMM.match(value))

    def __str__(self) -> str:
        return "a time of day HH:MM"

    def __repr__(self) -> str:
        return "TimeOfDay()"


class Band(Constraint):
    """A band ``[low, high]`` of two numbers with low ≤ high (an ``outside`` grade's threshold)."""

    def is_satisfied_by(self, value: Any) -> bool:
        return (isinstance(value, list) and len(value) == 2 and all(_number(x) for x in value)
                and value[0] <= value[1])

    def __str__(self) -> str:
        return "a band [low, high] with low ≤ high"

    def __repr__(self) -> str:
        return "Band()"


class Strings(Constraint):
    """A list of text values (codes, names); the type check of a params layer already asks for strings."""

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(x, str) for x in value)

    def __str__(self) -> str:
        return "a list of strings"

    def __repr__(self) -> str:
        return "Strings()"


@dataclass(frozen=True)
class ListOf(Constraint):
    """A list whose every item satisfies ``item``."""

    item: Constraint

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, list) and all(self.item.is_satisfied_by(x) for x in value)

    def __str__(self) -> str:
        return f"a list whose items are each {self.item}"


@dataclass(frozen=True)
class MappingOf(Constraint):
    """A mapping whose every value satisfies ``value`` (its keys are those of the default)."""

    value: Constraint

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, Mapping) and all(self.value.is_satisfied_by(v) for v in value.values())

    def __str__(self) -> str:
        return f"a mapping whose values are each {self.value}"


#: the level of a finding
LEVEL = Options("warning", "alert")
#: a share or probability
SHARE = Interval(Real, 0, 1, closed="both")
#: an amount, a threshold, a number of days: any number ≥ 0
NON_NEGATIVE = Interval(Real, 0, None, closed="left")
#: a whole number ≥ 0 (a count, days, months)
COUNT = Interval(Integral, 0, None, closed="left")


@dataclass(frozen=True)
class Param:
    """One declared parameter: what it means (``description``) and the values it takes (``constraint``)."""

    description: str
    constraint: Constraint

    def __str__(self) -> str:
        return self.description


class Problem(NamedTuple):
    """A problem found by an indicator's ``check``: the parameters involved (the first one is named in
    the message; all of them name the files that set them), what was expected and what was given."""

    keys: tuple[str, ...]
    expected: str
    given: str


#: an indicator's cross-parameter check: its resolved parameters → the problems found
Check = Callable[[Mapping[str, Any]], Iterable[Problem]]
