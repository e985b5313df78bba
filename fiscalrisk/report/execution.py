"""A region's budget execution through the year, as the report and the dashboard draw it.

:func:`execution_curve`: the cumulative execution rate month by month, and the straight path from the
last actual month to the scan's year-end forecast (``series/forecast``, the method of ANM05) with its
interval. The time progress (序时进度) beside it comes from :func:`fiscalrisk.params.time_progress`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MONTHS", "execution_curve"]

MONTHS = range(1, 13)


def execution_curve(net_by_month: pd.Series, budget: float, last_month: int,
                    forecast: tuple[float, float, float] | None = None) -> pd.DataFrame:
    """Columns month (1–12), executed, forecast, lower, upper.

    ``executed``: the cumulative net payments over ``budget`` (``net_by_month`` indexed by month; a
    month absent counts 0) up to ``last_month``, NaN after it, and NaN throughout without a budget.
    ``forecast``, ``lower``, ``upper``: straight paths from the executed rate at ``last_month`` to the
    year-end forecast's point and bounds (``forecast``, a NaN bound gives a NaN path), NaN before
    ``last_month``; NaN throughout without a forecast or when ``last_month`` is December.
    """
    out = pd.DataFrame({"month": MONTHS})
    if budget > 0:
        cum = net_by_month.reindex(MONTHS, fill_value=0.0).cumsum() / budget
        out["executed"] = [float(cum[m]) if m <= last_month else np.nan for m in MONTHS]
    else:
        out["executed"] = np.nan
    out["forecast"], out["lower"], out["upper"] = np.nan, np.nan, np.nan
    if forecast is not None and last_month < 12:
        now = float(out["executed"].iloc[last_month - 1])
        steps = np.array([(m - last_month) / (12 - last_month) for m in MONTHS])
        inside = np.array([m >= last_month for m in MONTHS])
        for column, target in zip(("forecast", "lower", "upper"), forecast, strict=True):
            out[column] = np.where(inside, now + steps * (float(target) - now), np.nan)
    return out
