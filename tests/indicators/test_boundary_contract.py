"""The boundary-test contract: every declared parameter of every indicator is moved across a level.

Each boundary test names the parameters it moves with ``@covers(CODE, *params)`` (``_coverage.py``).
Here every ``tests/indicators/test_*.py`` module is imported (so their decorators run even when this file
is run alone), then:

* every parameter declared by a registered indicator (``spec.params``) is covered by some test, unless it
  is listed in :data:`UNCOVERED` with the reason it cannot be moved across a level by a fixture;
* no ``@covers`` names an indicator or a parameter that does not exist (a typo would otherwise count as
  coverage of nothing);
* every :data:`UNCOVERED` entry is a declared parameter that no test covers (no stale excuses).

The per-module test is parametrised by module, so one module's state can be checked on its own, e.g.
``pytest tests/indicators/test_boundary_contract.py -k "procurement or projects"``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from fiscalrisk.indicators.registry import specs

from . import _coverage

#: (code, parameter) → why no fixture can move it across a level. Short, and each reason a sentence.
UNCOVERED: dict[tuple[str, str], str] = {
    ("ANM01", "seed"): (
        "It seeds the simulation of the chance quantile and moves that quantile only within its Monte-Carlo "
        "error, a gap no hand-made fixture can be placed in reliably."
    ),
    ("ANM03", "seed"): (
        "It is the IsolationForest random_state: it moves s(x) only by the forest's sampling noise, which a "
        "fixture cannot target without testing the noise rather than the rule."
    ),
    ("ANM03", "n_estimators"): (
        "The number of trees only narrows the sampling noise of s(x); the verdict on a real outlier does not "
        "depend on it, and a fixture whose verdict flips with it would test the noise."
    ),
    ("BUD02", "report_months"): (
        "It only sets the months whose share is reported beside the graded December share (nov_dec_share in "
        "the message and evidence); test_bud02_report_months_are_reported_not_graded shows it moves no level."
    ),
}

_HERE = Path(__file__).resolve().parent


def _import_test_modules() -> dict[str, str]:
    """Import every test module of this folder (running its ``@covers``); module → import error."""
    errors: dict[str, str] = {}
    for path in sorted(_HERE.glob("test_*.py")):
        if path.stem == Path(__file__).stem:
            continue
        try:
            importlib.import_module(f"{__package__}.{path.stem}")
        except Exception as e:  # noqa: BLE001  (reported by the test below)
            errors[path.stem] = f"{type(e).__name__}: {e}"
    return errors


@pytest.fixture(scope="module")
def import_errors() -> dict[str, str]:
    return _import_test_modules()


def _declared() -> set[tuple[str, str]]:
    return {(s.code, name) for s in specs() for name in s.params}


def _modules() -> list[str]:
    return sorted({s.module for s in specs()})


def test_every_test_module_imports(import_errors: dict[str, str]) -> None:
    assert not import_errors, "test modules that do not import: " + "; ".join(
        f"{m}: {e}" for m, e in import_errors.items())


@pytest.mark.parametrize("module", _modules())
def test_every_declared_parameter_is_covered(module: str, import_errors: dict[str, str]) -> None:
    missing = [
        (s.code, name)
        for s in specs(module)
        for name in s.params
        if (s.code, name) not in _coverage.COVERED and (s.code, name) not in UNCOVERED
    ]
    assert not missing, (
        f"{len(missing)} declared parameter(s) of the {module} indicators are moved across a level by no "
        "boundary test (add one with @covers, or list the pair in UNCOVERED with the reason): "
        + ", ".join(f"{c}.{p}" for c, p in missing)
    )


def test_covers_names_only_declared_indicators_and_parameters(import_errors: dict[str, str]) -> None:
    declared = _declared()
    codes = {c for c, _ in declared}
    unknown = {pair: tests for pair, tests in _coverage.COVERED.items() if pair not in declared}
    assert not unknown, "@covers names what no indicator declares: " + "; ".join(
        f"{c}.{p} ({'unknown indicator' if c not in codes else 'unknown parameter'}) in {', '.join(tests)}"
        for (c, p), tests in sorted(unknown.items())
    )


def test_uncovered_entries_are_declared_uncovered_and_explained(import_errors: dict[str, str]) -> None:
    declared = _declared()
    assert not [pair for pair in UNCOVERED if pair not in declared], "UNCOVERED lists undeclared parameters"
    stale = [pair for pair in UNCOVERED if pair in _coverage.COVERED]
    assert not stale, "UNCOVERED lists parameters a test now covers (remove them): " + ", ".join(
        f"{c}.{p}" for c, p in stale)
    assert all(reason.strip().endswith(".") and len(reason) > 20 for reason in UNCOVERED.values())
