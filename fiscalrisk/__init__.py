"""fiscalrisk: risk analysis and monitoring for local public finance.

The flow, in one line: load (:mod:`fiscalrisk.data`, the data contract) → scan (indicators and
detectors) → findings → risk scores → reports, dashboard, exports.

The analyst's API (:mod:`fiscalrisk.api`)::

    import fiscalrisk

    ds = fiscalrisk.load("data_samples/huzhou")    # tables as attributes: ds.payments, ds.budget
    res = fiscalrisk.scan(ds)                       # findings with unit, region and indicator names
    res.source_rows(res.findings["finding_id"].iloc[0])
    fiscalrisk.catalogue()

``fiscalrisk.scan`` is also the module :mod:`fiscalrisk.scan` (``from fiscalrisk.scan import write_scan``
keeps working); calling it runs :func:`fiscalrisk.api.scan`.
"""

from typing import Any

from fiscalrisk import analyst_hook as _analyst_hook
from fiscalrisk import param_catalogue as _param_catalogue
from fiscalrisk.version import __version__

__all__ = ["load", "scan", "catalogue", "measure", "__version__"]

_API = ("load", "catalogue", "measure", "Analysis", "SourceRows")


def __getattr__(name: str) -> Any:
    # Imported when first used: `import fiscalrisk` stays cheap (no pandas) for the CLI's start.
    if name == "scan":
        import importlib

        return importlib.import_module("fiscalrisk.scan")
    if name in _API:
        from fiscalrisk import api

        return getattr(api, name)
    raise AttributeError(f"module 'fiscalrisk' has no attribute {name!r}")


def _load_indicators() -> None:
    """Import the indicators, which register their catalogue for the parameter checks: a params layer that
    sets an indicator's parameter is checked against its declaration wherever ``resolve`` is called."""
    import importlib

    importlib.import_module("fiscalrisk.indicators")


_param_catalogue.set_loader(_load_indicators)


def _analyst_scan(*args: Any, **kwargs: Any) -> Any:
    """What calling the module ``fiscalrisk.scan`` runs: :func:`fiscalrisk.api.scan`."""
    from fiscalrisk.api import scan

    return scan(*args, **kwargs)


_analyst_hook.set_analyst_scan(_analyst_scan)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API) | {"scan"})
