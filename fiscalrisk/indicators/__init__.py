"""Risk indicators, one module per business module, registered in :mod:`.registry`.

Importing this package imports every indicator module explicitly, which registers its indicators in
:data:`fiscalrisk.indicators.registry.REGISTRY`, then registers the registry's catalogue with the
parameter checks (:mod:`fiscalrisk.param_catalogue`). Find an indicator by its code: ``BUD01`` lives in
``budget.py``, ``PAY06`` in ``payments.py``, and so on.
"""

from fiscalrisk.indicators import (  # noqa: F401  (imported for registration)
    anomaly,
    assets,
    budget,
    contracts,
    control,
    outturn,
    payments,
    performance,
    procurement,
    projects,
    seals,
)
from fiscalrisk.indicators.registry import (
    CATALOGUE,
    REGISTRY,
    IndicatorSpec,
    NotAssessed,
    ScanContext,
    catalogue,
    get,
    indicator,
    run_indicator,
)
from fiscalrisk.param_catalogue import register_catalogue

# last: the parameter checks read the declarations of every indicator module imported above
register_catalogue(CATALOGUE)

__all__ = [
    "REGISTRY",
    "IndicatorSpec",
    "NotAssessed",
    "ScanContext",
    "catalogue",
    "get",
    "indicator",
    "run_indicator",
]
