"""The analyst's scan that calling the module :mod:`fiscalrisk.scan` runs, named from above.

``fiscalrisk.scan(data)`` is the analyst's scan (:func:`fiscalrisk.api.scan`: findings with names and
their source rows) while ``fiscalrisk.scan`` stays the module of the scan engine (``from fiscalrisk.scan
import write_scan``). The engine sits below the analyst's API, so it never imports it: the package
(``fiscalrisk/__init__.py``, above both, run before any ``fiscalrisk.*`` module) sets the function here
with :func:`set_analyst_scan`, and the callable module calls :func:`analyst_scan`.

This module imports nothing of the package and nothing outside the standard library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["analyst_scan", "set_analyst_scan"]

_ANALYST_SCAN: Callable[..., Any] | None = None


def set_analyst_scan(func: Callable[..., Any]) -> None:
    global _ANALYST_SCAN
    _ANALYST_SCAN = func


def analyst_scan(*args: Any, **kwargs: Any) -> Any:
    if _ANALYST_SCAN is None:  # only when fiscalrisk/__init__.py did not run: an internal error
        raise RuntimeError("no analyst scan is set: import fiscalrisk, whose __init__ sets it")
    return _ANALYST_SCAN(*args, **kwargs)
