"""Shared helpers of the plants: planted payments from tables of cases, and marking background rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder

#: One planted payment: (unit, date, economic code, payee, amount, note, extra columns). An empty note
#: plants the payment without a label (the earlier payments of a split, a duplicate's first payment).
Payment = tuple[str, str, str, str, float, str, Mapping[str, Any]]


def plant_payment_rows(b: _Builder, code: str, cases: Iterable[Payment], **common: Any) -> None:
    """Plant each payment of ``cases``, labelled ``code`` with its note; ``common`` goes to every row
    (``ptype``, ``method`` or extra columns), a case's own extra columns after it."""
    for unit, day, econ, payee, amount, note, extra in cases:
        b.pp(unit, day, econ, payee, amount, tags=((code, note),) if note else (), **(common | dict(extra)))


def mark(pay: pd.DataFrame, mask: np.ndarray, tag: str, **set_: object) -> None:
    """Change the first background payment selected by ``mask`` and label it with ``tag`` (CODE:note)."""
    j = np.flatnonzero(mask)[0]
    for k, v in set_.items():
        pay.iat[j, pay.columns.get_loc(k)] = v
    pay.iat[j, pay.columns.get_loc("_tags")] = tag
