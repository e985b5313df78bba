"""Text from the data never becomes a formula in a CSV file or a workbook the product writes.

A unit named ``=HYPERLINK("http://x", "click")`` or ``=cmd|' /C calc'!A0`` is text in the bureau's
export; a spreadsheet that opens findings.csv or findings.xlsx would run it as a formula ("CSV
injection", OWASP). So:

- **CSV**: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets the
  OWASP prefix, a single quote (``'=HYPERLINK(...)``), which spreadsheets show and do not evaluate. A
  cell that already starts with quotes followed by one of those characters gets one more quote, so
  :func:`unescape_frame` gives back exactly what was written: the product's own readers of its CSV
  files (reports, dashboard, verify) see the data's text unchanged.
- **xlsx**: openpyxl stores any string starting with ``=`` as a formula; :func:`formulas_to_text` turns
  every such cell of a workbook back into a string cell. Numbers stay numbers in both.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["TRIGGERS", "escape_text", "unescape_text", "escape_frame", "unescape_frame", "read_csv",
           "formulas_to_text", "without_control_characters"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = re.compile(r"^'*[=+\-@\t\r]")
_QUOTED = re.compile(r"^'+[=+\-@\t\r]")
#: the characters openpyxl refuses in a cell (its ILLEGAL_CHARACTERS_RE), in a form Arrow's RE2 reads too
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def escape_text(value: Any) -> Any:
    """``value`` with the OWASP prefix if it is text a spreadsheet would evaluate; others unchanged."""
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def unescape_text(value: Any) -> Any:
    """The inverse of :func:`escape_text`."""
    if isinstance(value, str) and _QUOTED.match(value):
        return value[1:]
    return value


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns
            if pd.api.types.is_object_dtype(df[c].dtype) or pd.api.types.is_string_dtype(df[c].dtype)
            or isinstance(df[c].dtype, pd.CategoricalDtype)]


def _apply(df: pd.DataFrame, pattern: re.Pattern[str], fix: Any) -> pd.DataFrame:
    out = df.copy()
    for c in _text_columns(out):
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype("object")
        text = col.astype("string")
        hit = text.str.contains(pattern.pattern, regex=True).fillna(False).to_numpy(dtype=bool)
        if hit.any():
            fixed = col.astype("object").copy()
            fixed[hit] = [fix(v) for v in fixed[hit]]
            out[c] = fixed.astype(col.dtype) if pd.api.types.is_string_dtype(col.dtype) else fixed
    return out


def escape_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells are safe to open in a spreadsheet (see the module)."""
    return _apply(df, _NEEDS_QUOTE, escape_text)


def unescape_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with the prefix of :func:`escape_frame` removed."""
    return _apply(df, _QUOTED, unescape_text)


def read_csv(path: Any, **kwargs: Any) -> pd.DataFrame:
    """``pandas.read_csv`` of a CSV file the product wrote, with its text cells as the data had them."""
    return unescape_frame(pd.read_csv(path, **kwargs))


def formulas_to_text(workbook: Any) -> int:
    """Turn every formula cell of an openpyxl workbook into a text cell; returns how many there were.

    The product writes no formulas of its own, so a formula cell can only be text from the data.
    """
    n = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    n += 1
    return n


def without_control_characters(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` without the control characters a workbook cannot hold (openpyxl refuses them)."""
    return _apply(df, _CONTROL, lambda v: _CONTROL.sub("", v) if isinstance(v, str) else v)
