"""Risk indicators, one module per business module, registered in :mod:`.registry`.

Importing this package imports every indicator module explicitly, which registers its indicators in
:data:`fiscalrisk.indicators.registry.REGISTRY`. Find an indicator by its code: ``BUD01`` lives in
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
    REGISTRY,
    IndicatorSpec,
    NotAssessed,
    ScanContext,
    catalogue,
    get,
    indicator,
    run_indicator,
)

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
