"""What :mod:`fiscalrisk.params` knows of the indicators: the indicator catalogue, registered from above.

The parameters are checked against what the indicators declare (``@indicator(params=..., check=...,
money=...)``): the codes, each parameter's constraint, each indicator's cross-parameter ``check``, the
direction of its thresholds and the money parameters that ``threshold_scale`` converts. The indicators
sit in a layer above the parameters and read them, so the parameters never import the indicators: the
indicators register a :class:`Catalogue` here (:mod:`fiscalrisk.indicators`, once every indicator module
is imported), and the package (``fiscalrisk/__init__.py``, above both) names the :func:`set_loader` that
imports them when a check needs the catalogue and none is registered yet. Resolving the bare defaults
needs none, and imports no indicator.

This module imports nothing of the package and nothing outside the standard library: ``import
fiscalrisk`` imports it and stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

__all__ = ["Catalogue", "CatalogueMissing", "Constraint", "catalogue", "register_catalogue", "registered",
           "set_loader"]


class Constraint(Protocol):
    """The values a declared parameter takes (:class:`fiscalrisk.indicators.constraints.Constraint`);
    ``str()`` says them as a problem's "expected ..."."""

    def is_satisfied_by(self, value: Any) -> bool: ...


#: An indicator's cross-parameter check of its resolved parameters: ``(keys, expected, given)`` problems
Check = Callable[[Mapping[str, Any]], Iterable[tuple[Sequence[str], str, str]]]


class Catalogue(Protocol):
    """What the parameter checks read of the registered indicators."""

    def codes(self) -> list[str]:
        """Every registered indicator code, sorted."""
        ...

    def direction(self, code: str) -> str:
        """How the thresholds of ``code`` are ordered: ``higher`` (also for an unknown code), ``lower`` or
        ``band``."""
        ...

    def constraint(self, code: str, name: str) -> Constraint | None:
        """The constraint declared for parameter ``name`` of indicator ``code`` (None: none declared, or an
        unknown code)."""
        ...

    def check(self, code: str) -> Check | None:
        """The cross-parameter check declared by indicator ``code`` (None: none, or an unknown code)."""
        ...

    def money_paths(self) -> list[str]:
        """Dotted params paths of every money parameter (indicators and modules), sorted."""
        ...


class CatalogueMissing(RuntimeError):
    """A parameter check needs the indicator catalogue and none is registered (an internal error)."""


_catalogue: Catalogue | None = None
_loader: Callable[[], object] | None = None


def register_catalogue(catalogue: Catalogue) -> None:
    """Make ``catalogue`` the one the parameter checks read (replacing any registered before)."""
    global _catalogue
    _catalogue = catalogue


def set_loader(loader: Callable[[], object] | None) -> None:
    """``loader()`` registers the catalogue (it imports the indicators); called the first time a check needs
    the catalogue and none is registered."""
    global _loader
    _loader = loader


def registered() -> bool:
    """Whether a catalogue is registered: the indicators are loaded."""
    return _catalogue is not None


def catalogue() -> Catalogue:
    """The registered catalogue, loaded first if need be; :class:`CatalogueMissing` if there is none."""
    if _catalogue is None and _loader is not None:
        _loader()
    if _catalogue is None:
        raise CatalogueMissing(
            "internal error: the parameters need the indicator catalogue (declared constraints, checks, money "
            "parameters) and none is registered; import fiscalrisk.indicators, which registers it"
        )
    return _catalogue
