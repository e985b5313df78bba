"""Which indicator parameters the boundary tests exercise: ``@covers("PAY06", "threshold", ...)``.

A boundary test names the declared parameters (``IndicatorSpec.params``) whose value it moves across
a level change: at, just below and just above a threshold, a window at its exact length, an exclusion
with a case where it changes the result. ``tests/indicators/test_boundary_contract.py`` checks that
every declared parameter of every registered indicator is covered by at least one such test, or is
listed in ``UNCOVERED`` with the reason it cannot change a level.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: (indicator code, parameter name) → names of the tests that cover it
COVERED: dict[tuple[str, str], list[str]] = {}


def covers(code: str, *names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Record that the decorated test moves each of ``names`` of indicator ``code`` across a level."""
    if not names:
        raise ValueError("covers: name at least one parameter")

    def mark(test: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            COVERED.setdefault((code, name), []).append(f"{test.__module__}.{test.__name__}")
        return test

    return mark
