"""Columns of codes at a million rows: text from categoricals without a Python string per row.

The scan holds the payments' codes and names as categoricals (:attr:`ScanContext.payments`): integer
codes, categories sorted as the text sorts. These helpers turn them into text, test them, or build keys
from them by reading the few categories or distinct combinations, never every row; each gives exactly
what the plain per-row pandas expression in its docstring gives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.core.arrays.string_arrow import ArrowStringArray

__all__ = ["keys_in", "lookup", "per_category", "text", "text_order"]


def text(s: pd.Series) -> pd.Series:
    """``s.astype("str")``; a categorical of text is decoded by Arrow from its codes (a million codes in
    milliseconds, instead of a Python string per row)."""
    if not (isinstance(s.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(s.cat.categories.dtype)):
        return s.astype("str")
    decoded = _decoded(s.cat.codes.to_numpy(), s.cat.categories.to_numpy(dtype=object))
    return pd.Series(decoded, index=s.index, name=s.name)


def _decoded(codes: np.ndarray, values: np.ndarray) -> ArrowStringArray:
    """``values[codes]`` as a ``str`` array (code -1 and None values: missing), decoded by Arrow."""
    dictionary = pa.array(values, type=pa.large_string())
    decoded = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), dictionary).cast(pa.large_string())
    return ArrowStringArray(decoded, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def per_category(s: pd.Series, func: Callable[[pd.Series], Any]) -> np.ndarray:
    """``func`` of ``s`` as text (a Series of ``str`` dtype; missing stays missing), row by row, as an
    array; for a categorical ``func`` reads only its categories and one missing value."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        return np.asarray(func(s.astype("str").reset_index(drop=True)))
    values = pd.Series([*s.cat.categories.astype("str"), np.nan], dtype="str")
    return np.asarray(func(values))[s.cat.codes.to_numpy()]  # code -1 (missing) picks the last


def keys_in(columns: list[pd.Series], keys: set[str], sep: str = "|") -> np.ndarray:
    """Whether ``sep.join`` of each row's text in ``columns`` (equal-length Series; a missing part makes
    the row's key missing) is one of ``keys``: the text is built once per distinct combination."""
    frame = pd.DataFrame({i: c.reset_index(drop=True) for i, c in enumerate(columns)})
    if frame.empty:
        return np.zeros(0, dtype=bool)
    group = frame.groupby(list(frame.columns), observed=True, dropna=False, sort=False).ngroup().to_numpy()
    _, first = np.unique(group, return_index=True)
    firsts = frame.iloc[first]
    joined = text(firsts[0])
    for i in range(1, len(columns)):
        joined = joined + sep + text(firsts[i])
    return joined.isin(keys).to_numpy(dtype=bool)[group]


def lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """``keys.map(table)``, looked up once per distinct key (unit codes repeat on every payment)."""
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    mapped = pd.Series(uniques, dtype="str").map(table)
    return pd.Series(_decoded(codes, mapped.to_numpy(dtype=object, na_value=None)), index=keys.index)


def text_order(s: pd.Series) -> np.ndarray | None:
    """The stable order that sorts ``s`` as text (missing last), or None when it is sorted already: by
    Arrow, without a Python string per row (``s.sort_values(kind="stable")`` of a column of ids makes
    one per row, about 1 GB at 12 million)."""
    arr = pa.array(s.astype("str").array if not isinstance(s.dtype, pd.StringDtype) else s.array)
    if arr.null_count == 0 and (len(arr) < 2 or pc.all(pc.greater_equal(arr[1:], arr[:-1])).as_py()):
        return None
    return pc.array_sort_indices(arr, order="ascending", null_placement="at_end").to_numpy()
