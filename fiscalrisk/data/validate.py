"""Typing and checking the tables, reporting every problem at once (pandera-style lazy validation).

Per file: required columns present; each value parses as its column's type (codes stay strings,
money accepts thousands separators and a decimal comma when the mapping says so, dates must exist on
the calendar); required values present; allowed values; non-zero amounts; ranges.
Per table: duplicated keys. Across tables: references (units → regions, payments → units, ...), and
cycles in the region tree.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .limits import SAFE_CODE, SAFE_CODE_TEXT, InputLimits
from .problems import ProblemLog
from .read import Piece
from .schema import REFERENCES, Column, Table

__all__ = ["type_piece", "check_table", "check_references", "check_region_tree", "check_performance_targets"]

STR = pd.StringDtype(na_value=np.nan)
_TRUE = {"true", "t", "1", "yes", "y", "是", "真"}
_FALSE = {"false", "f", "0", "no", "n", "否", "假"}

_EXPECTED = {
    "code": "a code",
    "text": "a text",
    "int": "a whole number",
    "money": "an amount such as 1234.50 or 1,234.50",
    "number": "a number",
    "date": "a real date written YYYY-MM-DD",
    "timestamp": "a date and time written YYYY-MM-DD HH:MM[:SS]",
    "bool": "true or false (also 1/0, yes/no, 是/否)",
}


def _number_pattern(decimal: str, thousands: str | None) -> re.Pattern[str]:
    d = re.escape(decimal)
    plain = rf"[+-]?(?:\d+(?:{d}\d*)?|{d}\d+)"
    if thousands:
        t = re.escape(thousands)
        grouped = rf"[+-]?\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d*)?"
        return re.compile(rf"^\s*(?:{grouped}|{plain})\s*$")
    return re.compile(rf"^\s*{plain}\s*$")


def _parse_numbers(s: pd.Series, options) -> tuple[pd.Series, pd.Series]:
    """Strings → float64, and the mask of non-empty values that are not numbers in the file's format.

    Vectorised in Arrow (RE2 match, substring replace, cast): a million amounts take a fraction of a
    second. A value is a number only if it matches the file's format exactly (e.g. ``1,234.50`` with
    thousands separators in the right places), so ``12,3x4`` or ``1,23,4`` are reported, not guessed.
    """
    arr = pa.array(s.astype(STR), type=pa.large_string(), from_pandas=True)
    text = pc.utf8_trim_whitespace(arr)
    present = pc.fill_null(pc.not_equal(text, ""), False)
    thousands = options.thousands if options.thousands != options.decimal else None
    ok = pc.fill_null(pc.match_substring_regex(text, _number_pattern(options.decimal, thousands).pattern), False)
    clean = text
    if thousands:
        clean = pc.replace_substring(clean, thousands, "")
    if options.decimal != ".":
        clean = pc.replace_substring(clean, options.decimal, ".")
    clean = pc.replace_substring(clean, "+", "")
    clean = pc.if_else(ok, clean, pa.scalar(None, pa.large_string()))
    values = pd.Series(pc.cast(clean, pa.float64()).to_numpy(zero_copy_only=False), index=s.index, dtype="float64")
    bad = pd.Series(pc.and_(present, pc.invert(ok)).to_numpy(zero_copy_only=False), index=s.index)
    return values, bad


def _type_column(s: pd.Series, col: Column, piece: Piece) -> tuple[pd.Series, pd.Series]:
    """Return the typed column and the mask of values that do not parse."""
    opts = piece.options
    kind = col.type
    if piece.typed and kind in {"money", "number", "int"} and pd.api.types.is_numeric_dtype(s.dtype):
        values = s.astype("float64")
        bad = pd.Series(False, index=s.index)
    elif piece.typed and kind in {"date", "timestamp"} and pd.api.types.is_datetime64_any_dtype(s.dtype):
        values = s  # the resolution stays: 9999-12-31 does not fit nanoseconds (see _implausible)
        if kind == "date":
            values = values.dt.normalize()
        return values, pd.Series(False, index=s.index)
    elif piece.typed and kind == "bool" and pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean"), pd.Series(False, index=s.index)
    elif kind in {"money", "number", "int"}:
        values, bad = _parse_numbers(s, opts)
    else:
        values = None
    if kind in {"money", "number", "int"}:
        factor = piece.factors.get(col.name, 1.0)
        if kind == "money":
            factor *= opts.unit_factor
            values = (values * factor).round(2) if factor != 1.0 else values.round(2)
        elif factor != 1.0:
            values = values * factor
        if kind == "int":
            frac = values.notna() & (values != np.floor(values.fillna(0)))
            bad = bad | frac
            values = values.where(~frac).round().astype("Int64")
        return values, bad
    text = s.astype(STR).str.strip()
    text = text.where(text != "")
    present = text.notna()
    if kind in {"code", "text"}:
        return text, pd.Series(False, index=s.index)
    if kind == "enum":
        return text, present & ~text.isin(col.allowed)
    if kind == "date":
        fmt = opts.date_format or "%Y-%m-%d"
        values = pd.to_datetime(text, format=fmt, errors="coerce")
        return values, present & values.isna()
    if kind == "timestamp":
        if opts.timestamp_format:
            values = pd.to_datetime(text, format=opts.timestamp_format, errors="coerce")
        else:
            values = pd.to_datetime(text, format="ISO8601", errors="coerce")
        return values, present & values.isna()
    if kind == "bool":
        low = text.str.lower()
        values = pd.Series(pd.NA, index=s.index, dtype="boolean")
        values[low.isin(_TRUE).fillna(False).to_numpy()] = True
        values[low.isin(_FALSE).fillna(False).to_numpy()] = False
        return values, present & values.isna()
    raise ValueError(f"unknown column type {kind!r}")


def type_piece(piece: Piece, table: Table, log: ProblemLog, limits: InputLimits | None = None) -> pd.DataFrame | None:
    """Type one file's rows; return the typed frame (with ``_file`` and ``_row``) or None if unusable.

    ``limits`` bounds amounts and dates (default: ``params/defaults.yaml``, section ``input``).
    """
    limits = limits if limits is not None else InputLimits.from_params()
    frame = piece.frame
    missing = [c for c in table.required_columns if c not in frame.columns]
    if missing:
        present = [c for c in frame.columns if c != "_row"]
        for c in missing:
            log.add(
                piece.file,
                table.name,
                c,
                f"a column named '{c}' (required in table {table.name}); the file has: {', '.join(present)}",
                rows=[1],
            )
        return None
    rows = frame["_row"].to_numpy()
    out: dict[str, object] = {}
    for col in table.columns:
        if col.name not in frame.columns:
            continue
        raw = frame[col.name]
        values, bad = _type_column(raw, col, piece)
        bad_np = bad.to_numpy(dtype=bool)
        if bad_np.any():
            expected = _EXPECTED.get(col.type, col.type)
            if col.type == "enum":
                expected = "one of " + ", ".join(col.allowed)
            elif col.type == "date" and piece.options.date_format:
                expected = f"a real date in the format {piece.options.date_format}"
            log.add(piece.file, table.name, col.name, expected, rows=rows[bad_np], values=raw.to_numpy()[bad_np])
        if col.required:
            empty = (values.isna() & ~bad).to_numpy(dtype=bool)
            if empty.any():
                log.add(piece.file, table.name, col.name, "a value (the column is required)", rows=rows[empty], values=None)
        if col.nonzero:
            zero = (values == 0).fillna(False).to_numpy(dtype=bool)
            if zero.any():
                log.add(piece.file, table.name, col.name, "a non-zero amount", rows=rows[zero], values=raw.to_numpy()[zero])
        implausible = np.zeros(len(frame), dtype=bool)
        for expected, outside in _implausible(values, bad, col, limits):
            log.add(piece.file, table.name, col.name, expected, rows=rows[outside], values=raw.to_numpy()[outside])
            implausible |= outside
        if col.min is not None or col.max is not None:
            v = values.astype("float64") if col.type == "int" else values
            low = (v < col.min).fillna(False) if col.min is not None else pd.Series(False, index=v.index)
            high = (v > col.max).fillna(False) if col.max is not None else pd.Series(False, index=v.index)
            out_of = (low | high).to_numpy(dtype=bool)
            if out_of.any():
                rng = _range_text(col)
                log.add(piece.file, table.name, col.name, rng, rows=rows[out_of], values=raw.to_numpy()[out_of])
        if col.type in {"date", "timestamp"}:
            # implausible dates are reported above; nulled, the rest fits nanosecond timestamps
            values = values.where(~implausible).astype("datetime64[ns]")
        out[col.name] = values
    typed = pd.DataFrame(out, index=frame.index)
    typed["_file"] = pd.Series(piece.file, index=frame.index, dtype=STR)
    typed["_row"] = rows
    return typed


def _implausible(values: pd.Series, bad: pd.Series, col: Column, limits: InputLimits) -> list[tuple[str, np.ndarray]]:
    """Values that parse but that no real export holds, as ``(expected, mask)`` pairs.

    Amounts beyond ``input.max_abs_amount`` (a 310-digit amount parses to infinity; 10^17 overflows
    the cent arithmetic of the indicators), dates and years outside ``input.min_year``–``max_year``
    (9999-12-31 overflows nanosecond timestamps; 1900-01-01 makes spurious seasonal alerts), and
    codes that name files and folders but could leave them (``..``, ``/tmp/x``).
    """
    found: list[tuple[str, np.ndarray]] = []
    if col.type == "money":
        limit = float(limits.max_abs_amount)
        over = (values.abs() >= limit).fillna(False).to_numpy(dtype=bool)
        if over.any():
            found.append((f"an amount below {limit:,.0f} in absolute value (params input.max_abs_amount)", over))
    elif col.type in {"date", "timestamp"} or (col.year and col.type == "int"):
        low, high = int(limits.min_year), int(limits.max_year)
        if col.type == "int":
            years = values.astype("float64")
            outside = ((years < low) | (years > high)).fillna(False).to_numpy(dtype=bool)
            what = "a year"
        else:
            outside = ((values < pd.Timestamp(low, 1, 1)) | (values >= pd.Timestamp(high + 1, 1, 1))).fillna(False)
            outside = outside.to_numpy(dtype=bool)
            what = "a date"
        if outside.any():
            found.append((f"{what} from {low} to {high} (params input.min_year and input.max_year)", outside))
    elif col.safe_code:
        text = values.astype(STR)
        unsafe = (text.notna() & ~text.str.fullmatch(SAFE_CODE.pattern).fillna(False) & ~bad).to_numpy(dtype=bool)
        if unsafe.any():
            found.append((SAFE_CODE_TEXT, unsafe))
    return found


def _range_text(col: Column) -> str:
    if col.min is not None and col.max is not None:
        return f"a value between {col.min:g} and {col.max:g}"
    if col.min is not None:
        return f"a value of at least {col.min:g}"
    return f"a value of at most {col.max:g}"


def check_table(frame: pd.DataFrame, table: Table, log: ProblemLog) -> None:
    """Table-level checks: duplicated keys, reported on every row that repeats an earlier row's key."""
    key = [k for k in table.key if k in frame.columns]
    if not key or any(k not in frame.columns for k in table.required_columns if k in table.key):
        return
    if not _has_duplicates(frame, key):
        return  # the common case, decided by one Arrow hash aggregation
    involved = frame.duplicated(subset=key, keep=False).to_numpy()
    sub = frame.loc[involved, [*key, "_file", "_row"]]
    text = sub[key].astype(STR).fillna("")
    keystr = text[key[0]].str.cat([text[k] for k in key[1:]], sep="|") if len(key) > 1 else text[key[0]]
    first = sub.groupby(keystr.to_numpy(), sort=False)["_row"].transform("first").to_numpy()
    first_file = sub.groupby(keystr.to_numpy(), sort=False)["_file"].transform("first").to_numpy()
    is_later = frame.duplicated(subset=key, keep="first").to_numpy()[involved]
    label = " + ".join(key)
    values = np.array(
        [f"{k} (first on {f}:{r})" for k, f, r in zip(keystr.to_numpy()[is_later], first_file[is_later], first[is_later], strict=True)],
        dtype=object,
    )
    files = sub["_file"].to_numpy()[is_later]
    rows = sub["_row"].to_numpy()[is_later]
    for file in pd.unique(files):
        m = files == file
        log.add(str(file), table.name, label, f"a unique {label} (no two rows with the same key)", rows=rows[m], values=values[m])


def _has_duplicates(frame: pd.DataFrame, key: list[str]) -> bool:
    if len(key) == 1:
        # sort, then compare neighbours: lighter than a hash table over a million ids
        values = pa.chunked_array(pa.array(frame[key[0]].array))
        ordered = values.take(pc.sort_indices(values))
        if len(ordered) < 2:
            return False
        same = pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))
        return bool(pc.any(same).as_py()) or ordered.null_count > 1
    keys = pa.Table.from_pandas(frame[key], preserve_index=False)
    return keys.group_by(key).aggregate([]).num_rows < len(frame)


def check_references(tables: dict[str, pd.DataFrame], log: ProblemLog) -> None:
    """Values that must exist in another table (a unit's region, a payment's unit, ...)."""
    for ref in REFERENCES:
        if ref.table not in tables or ref.target_table not in tables:
            continue
        src, dst = tables[ref.table], tables[ref.target_table]
        if ref.column not in src.columns or ref.target_column not in dst.columns:
            continue
        values = src[ref.column]
        known = pd.Index(dst[ref.target_column].dropna().unique())
        bad = (values.notna() & ~values.isin(known)).to_numpy(dtype=bool)
        if bad.any():
            sub = src.loc[bad]
            for file, grp in sub.groupby("_file", sort=False):
                log.add(
                    str(file),
                    ref.table,
                    ref.column,
                    f"a {ref.target_column} that exists in table {ref.target_table}",
                    rows=grp["_row"].to_numpy(),
                    values=grp[ref.column].to_numpy(),
                )


def check_region_tree(regions: pd.DataFrame, log: ProblemLog) -> None:
    """Cycles in the parent chain (a region that is its own ancestor) and a tree with no root."""
    from ..hierarchy import find_cycles

    if "parent_code" not in regions.columns:
        return
    file = str(regions["_file"].iloc[0]) if len(regions) else "regions"
    rows = dict(zip(regions["region_code"], regions["_row"], strict=False))
    for cycle in find_cycles(regions):
        chain = " → ".join([*cycle, cycle[0]])
        log.add(
            file,
            "regions",
            "parent_code",
            f"a region tree without cycles (found the cycle {chain})",
            rows=sorted(rows.get(c) for c in cycle if c in rows),
            values=[regions.loc[regions["region_code"] == c, "parent_code"].iloc[0] for c in sorted(cycle, key=lambda c: rows.get(c, 0))],
        )
    if len(regions) and regions["parent_code"].notna().all():
        log.add(file, "regions", "parent_code", "at least one root region (a region with an empty parent_code)")


def check_performance_targets(targets: pd.DataFrame, log: ProblemLog) -> None:
    """Targets whose value cannot be measured against (``shared/spec/performance.md``, completion).

    A quantitative target (a ``target_value``) needs a ``direction``; completion is actual / target for
    ``ge`` (a target ≤ 0 divides by zero or reverses the meaning), 1 when actual ≤ target for ``le`` (a
    negative ceiling on a count, an amount or a rate is a typing error), and relative to |target| for
    ``eq`` (a target of 0 has no relative distance).
    """
    if "target_value" not in targets.columns or targets.empty:
        return
    value = targets["target_value"]
    direction = targets["direction"] if "direction" in targets.columns else pd.Series(np.nan, index=targets.index)
    has_value = value.notna()
    rules = (
        ("direction", has_value & direction.isna(),
         "a direction (ge, le or eq) for a target with a target_value", "direction"),
        ("target_value", has_value & (direction == "ge").fillna(False) & (value <= 0),
         "a positive target_value for direction ge (completion = actual / target)", "target_value"),
        ("target_value", has_value & (direction == "le").fillna(False) & (value < 0),
         "a target_value of at least 0 for direction le (an upper limit below zero makes no sense)", "target_value"),
        ("target_value", has_value & (direction == "eq").fillna(False) & (value == 0),
         "a non-zero target_value for direction eq (completion = 1 − |actual − target| / |target|)", "target_value"),
    )
    for column, mask, expected, shown in rules:
        bad = mask.fillna(False).to_numpy(dtype=bool)
        if not bad.any():
            continue
        sub = targets.loc[bad]
        # the value as a person wrote it: 12, not 12.0
        shown_values = np.array([f"{v:g}" if isinstance(v, float) else ("" if v is None or v != v else str(v))
                                 for v in sub[shown].astype("object")], dtype=object)
        for file, grp in sub.assign(_shown=shown_values).groupby("_file", sort=False):
            log.add(str(file), "performance_targets", column, expected, rows=grp["_row"].to_numpy(),
                    values=grp["_shown"].to_numpy())
