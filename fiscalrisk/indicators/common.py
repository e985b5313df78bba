"""Small helpers shared by the indicator modules."""

from __future__ import annotations

import pandas as pd

from fiscalrisk.frames import per_category

__all__ = ["blank", "money", "empty_result"]


def blank(s: pd.Series) -> pd.Series:
    """True where a code or text is missing or only whitespace."""
    return pd.Series(per_category(s, lambda t: t.isna() | t.str.strip().eq("")), index=s.index)


def money(x: float) -> float:
    """An amount rounded to cents, as a plain float (for evidence and messages)."""
    return round(float(x), 2)


def empty_result(*extra: str) -> pd.DataFrame:
    """An indicator result with no subjects: the registry's columns plus ``extra`` message columns."""
    cols = ["subject_id", "unit_code", "period", "value", "evidence", *extra]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols}).astype({"value": float})
