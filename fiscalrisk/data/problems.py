"""Errors are data: every problem found in the input, in one table.

Validation never stops at the first problem. Each check adds rows to a :class:`ProblemLog`; at the end
the log becomes one DataFrame (``file, row, column, value, expected``) that a notebook shows as a table
and the command line prints as readable lines. ``row`` is the row number as a person counts rows in the
file: the header is row 1, the first data row is row 2 (the row a spreadsheet shows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["DataError", "ProblemLog", "PROBLEM_COLUMNS", "format_problems"]

PROBLEM_COLUMNS = ["file", "row", "table", "column", "value", "expected"]

# A file with a million bad rows must not produce a million-line report: each (file, column, expected)
# group lists this many rows and then says how many more there are.
MAX_ROWS_PER_PROBLEM = 20


@dataclass
class ProblemLog:
    """Collects problems; cheap to append to from vectorised checks."""

    _frames: list[pd.DataFrame] = field(default_factory=list)

    def add(
        self,
        file: str,
        table: str,
        column: str,
        expected: str,
        rows: object = None,
        values: object = None,
    ) -> None:
        """Record one problem, or one problem on many rows (``rows`` and ``values`` array-like)."""
        if rows is None:
            rows_arr = np.array([pd.NA], dtype=object)
            vals = np.array(["" if values is None else str(values)], dtype=object)
        else:
            rows_arr = np.asarray(rows, dtype=object).ravel()
            if values is None:
                vals = np.full(len(rows_arr), "", dtype=object)
            else:
                vals = np.asarray(values, dtype=object).ravel()
            if len(rows_arr) == 0:
                return
        n = len(rows_arr)
        total = n
        if n > MAX_ROWS_PER_PROBLEM:
            rows_arr, vals = rows_arr[:MAX_ROWS_PER_PROBLEM], vals[:MAX_ROWS_PER_PROBLEM]
        frame = pd.DataFrame(
            {
                "file": file,
                "row": rows_arr,
                "table": table,
                "column": column,
                "value": [_show(v) for v in vals],
                "expected": expected,
            }
        )
        if total > MAX_ROWS_PER_PROBLEM:
            more = pd.DataFrame(
                [
                    {
                        "file": file,
                        "row": pd.NA,
                        "table": table,
                        "column": column,
                        "value": f"... and {total - MAX_ROWS_PER_PROBLEM:,} more rows",
                        "expected": expected,
                    }
                ]
            )
            frame = pd.concat([frame, more], ignore_index=True)
        self._frames.append(frame)

    def __bool__(self) -> bool:
        return bool(self._frames)

    def __len__(self) -> int:
        return sum(len(f) for f in self._frames)

    def frame(self) -> pd.DataFrame:
        if not self._frames:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
        out = pd.concat(self._frames, ignore_index=True)
        out["row"] = out["row"].astype("Int64")
        return out[PROBLEM_COLUMNS]


def _show(value: object, width: int = 60) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    s = str(value)
    return s if len(s) <= width else s[: width - 1] + "…"


def format_problems(problems: pd.DataFrame, limit: int = 200) -> str:
    """Readable lines, one per problem: ``file:row  column  value 'x' — expected ...``."""
    lines = []
    for rec in problems.head(limit).itertuples(index=False):
        where = rec.file if pd.isna(rec.row) else f"{rec.file}:{rec.row}"
        col = f"column '{rec.column}'" if rec.column else "file"
        if rec.value == "" or rec.value is None:
            val = ""
        elif str(rec.value).startswith("... and "):
            val = f" {rec.value}"
        else:
            val = f" value '{rec.value}'"
        lines.append(f"{where}: {col}{val}: expected {rec.expected}")
    if len(problems) > limit:
        lines.append(f"... {len(problems) - limit} more problems not shown")
    return "\n".join(lines)


class DataError(ValueError):
    """The input does not meet the data contract. ``problems`` is the table of every problem."""

    def __init__(self, problems: pd.DataFrame, context: str = "") -> None:
        self.problems = problems
        self.context = context
        n = len(problems)
        head = f"{context}: " if context else ""
        super().__init__(f"{head}{n} problem{'s' if n != 1 else ''} in the input\n" + format_problems(problems))

    def _repr_html_(self) -> str:
        return f"<p><b>{len(self.problems)} problems in the input</b></p>" + self.problems.to_html(index=False)
