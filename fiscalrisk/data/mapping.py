"""Column-mapping files: how a foreign export becomes the contract's tables without hand edits.

A mapping is a YAML file. Paths are relative to the data directory. Example (abridged)::

    source: Harrogate Borough Council supplier payments 2019/20
    currency: GBP                      # recorded in the manifest; amounts are not converted
    read:                              # how files are read, for every table unless overridden
      encoding: utf-8                  # or gb18030, latin-1, ...; omitted = detected (UTF-8, GB18030)
      # encoding: [utf-8, windows-1252]  # a list: per file, the first that decodes it strictly
      separator: ","
      decimal: "."                     # "," for a decimal comma (106238,88)
      thousands: ","                   # thousands separator removed before parsing, or null
      date_format: "%Y-%m-%d"
      unit_factor: 1                   # money columns are multiplied by it (lakh → yuan: 100000)
    tables:
      payments:
        files:
          - "2019-??.csv"              # globs; many files become one table
          - {path: 2020-03.csv, rename: {"Expenditure Code(T)": "Expenditure Code"}}
        columns:                       # contract column: source expression
          payment_id: "{Transaction No.}-{_file}-{_row}"   # a template over source columns
          pay_date: Payment Date       # a plain source column name
          payee_type: {constant: organization}
          unit_code: {column: Centro, slice: [0, 3]}       # a code split out of another
          year: {filename: "gastos_(\\d{4})"}              # a value taken from the file name
          method: {column: Pay Method, map: {BACS: transfer, CHQ: transfer, CASH: cash}}
          economic_code: {column: Expenditure Code, default: UNCODED}  # empty cells get a value
        rename: {"Expenditure Code(T)": "Expenditure Code"}   # source columns renamed in every file
        drop_blank: true               # rows whose mapped source columns are all empty are dropped
        where:                         # keep only the rows that meet every condition
          - {column: Entity, in: [CABINET OFFICE, CROWN COMMERCIAL SERVICE]}
          - {column: Status, not_equals: VOID}
      units:
        files: ["*.csv"]
        distinct: true                 # one row per key (the first seen)
        columns: {...}
      budget:
        files: ["gastos_*.csv"]
        aggregate: sum                 # rows sharing the table's key are one line: money summed
        columns: {...}
      regions:
        rows:                          # literal rows, for sources without a region table
          - {region_code: HBC, name: Harrogate, level: city}
      contracts: {empty: true}         # the source has no such table: say so explicitly

Special names usable in templates: ``{_file}`` (file name without extension) and ``{_row}`` (row number
as a person counts rows, header = 1). Read options may be set per table (``read:``) or per file entry.
A file may be matched by only one entry of a table's ``files`` (a file matched twice would be counted
twice): narrow the globs, e.g. ``"2022-0[1-36-9].csv"`` beside ``{path: "2022-0[45].csv", ...}``.

Encoding: omitted, each file is detected as UTF-8 (with or without BOM) or GB18030/GBK and refused
otherwise. A name reads every file in it (a UTF-8 BOM is removed). A list such as
``[utf-8, windows-1252]`` is tried in order for each file: the first encoding that decodes the whole file
without error is used, so one mapping reads a series whose months were saved in different encodings.
Put UTF-8 first: Windows-1252 and Latin-1 decode almost any bytes and so only make sense last.

Row filters, per table, applied to each file's rows before the columns are mapped (row numbers in
problems stay those of the file):

- ``drop_blank: true`` drops the rows whose source columns used by ``columns:`` (plain names,
  ``column:``, template fields) are all empty or blank: padding rows such as ``452,,,,,,,`` whose only
  value is an unmapped row counter. Rows with any mapped value are kept and validated as usual.
- ``where:`` a condition, or a list of conditions that must all hold, on source columns (after
  ``rename``); the rows that do not meet them are dropped. A condition is ``{column: NAME, OP: VALUE}``
  with one operator: ``equals: VALUE``, ``not_equals: VALUE``, ``in: [VALUES]``, ``not_in: [VALUES]``.
  Cells and values are compared as text, exactly (case counts), without surrounding blanks; an empty
  cell equals ``""`` (so ``{column: Date, not_equals: ""}`` keeps the rows that have a date). Values
  are text or whole numbers (``2019``); quote what YAML would read as something else (``"yes"``,
  ``"300.50"``), which is refused unquoted. An unknown operator, or a column that is not in a file, is
  an error naming the mapping file and the key.

How many rows the filters dropped, per table, is in ``DataSet.dropped`` and printed by
``fiscalrisk validate``.
"""

from __future__ import annotations

import codecs
import difflib
import re
import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from fiscalrisk.safe_yaml import load_yaml_text

from .schema import TABLES

__all__ = [
    "Mapping", "TableMapping", "FileSpec", "ReadOptions", "Condition", "MappingError", "load_mapping", "filter_rows",
]

_READ_KEYS = {"encoding", "separator", "decimal", "thousands", "date_format", "timestamp_format", "unit_factor", "skip_rows"}
_TABLE_KEYS = {"files", "columns", "distinct", "aggregate", "rename", "rows", "empty", "read", "sheet", "drop_blank", "where"}
_TOP_KEYS = {"source", "currency", "read", "tables", "notes", "licence", "license"}
_EXPR_KEYS = {"constant", "column", "slice", "map", "default", "filename", "template", "regex", "factor", "strip"}
#: ``where:`` operators: the one that takes a value, and the one that takes a list of values
_WHERE_ONE = {"equals": True, "not_equals": False}
_WHERE_MANY = {"in": True, "not_in": False}
_WHERE_OPS = set(_WHERE_ONE) | set(_WHERE_MANY)


class MappingError(ValueError):
    """A mapping file is malformed: names the file, the key and what was expected."""


_QUOTE_MAX = 80  # the most characters of a value quoted in a message (as fiscalrisk.params.QUOTE_MAX)


def _q(value: Any) -> str:
    """A value for a message: a string as is, anything else as its repr, cut to 80 characters with "…"."""
    text = value[: _QUOTE_MAX + 1] if isinstance(value, str) else reprlib.repr(value)
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 1] + "…"


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | tuple[str, ...] | None = None  # a tuple: candidates tried in order, per file
    separator: str = ","
    decimal: str = "."
    thousands: str | None = ","
    date_format: str | None = None
    timestamp_format: str | None = None
    unit_factor: float = 1.0
    skip_rows: int = 0

    def updated(self, values: dict[str, Any]) -> ReadOptions:
        merged = {**self.__dict__, **values}
        return ReadOptions(**merged)


@dataclass(frozen=True)
class FileSpec:
    pattern: str
    read: dict[str, Any] = field(default_factory=dict)
    rename: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Condition:
    """One ``where:`` condition: keep the rows whose ``column`` is (``keep=True``) or is not one of ``values``."""

    column: str
    op: str
    values: tuple[str, ...]
    keep: bool


@dataclass(frozen=True)
class TableMapping:
    table: str
    files: tuple[FileSpec, ...] = ()
    columns: dict[str, Any] = field(default_factory=dict)
    distinct: bool = False
    aggregate: str | None = None
    rename: dict[str, str] = field(default_factory=dict)
    rows: tuple[dict[str, Any], ...] = ()
    empty: bool = False
    read: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    drop_blank: bool = False
    where: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Mapping:
    path: Path
    source: str
    currency: str | None
    read: ReadOptions
    tables: dict[str, TableMapping]


def _suggest(word: str, choices: set[str] | list[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_keys(d: dict, allowed: set[str], where: str, path: Path) -> None:
    for key in d:
        if key not in allowed:
            raise MappingError(
                f"{path}: unknown key '{_q(key)}' in {_q(where)}{_suggest(str(key)[:200], allowed)}; "
                f"expected one of {', '.join(sorted(allowed))}"
            )


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file. Raises :class:`MappingError` naming the file and key."""
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"{path}: mapping file not found")

    try:
        doc = load_yaml_text(path.read_text(encoding="utf-8"), "mapping") or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "somewhere"
        problem = str(exc.problem or exc)[:200]
        if problem.endswith("anchors/aliases"):
            raise MappingError(f"{path}: {at}: {problem}") from None
        raise MappingError(f"{path}: not valid YAML at {at}: {problem}") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {str(exc)[:200]}") from None
    except (ValueError, RecursionError) as exc:  # undecodable text, an integer of thousands of digits, ...
        raise MappingError(f"{path}: not readable as UTF-8 YAML: {_q(str(exc))}") from None
    if not isinstance(doc, dict):
        raise MappingError(f"{path}: expected a mapping of keys at the top level")
    _check_keys(doc, _TOP_KEYS, "the top level", path)
    read = _read_options(doc.get("read"), "read", path)
    tables: dict[str, TableMapping] = {}
    for name, spec in (doc.get("tables") or {}).items():
        if name not in TABLES:
            raise MappingError(f"{path}: unknown table '{_q(name)}' under tables{_suggest(str(name)[:200], set(TABLES))}")
        spec = spec or {}
        if not isinstance(spec, dict):
            raise MappingError(f"{path}: tables.{name}: expected a mapping of keys, got {_q(spec)}")
        _check_keys(spec, _TABLE_KEYS, f"tables.{name}", path)
        table_read = _read_options(spec.get("read"), f"tables.{name}.read", path)
        known_cols = set(TABLES[name].column_names)
        for col, expr in (spec.get("columns") or {}).items():
            if col not in known_cols:
                raise MappingError(
                    f"{path}: tables.{name}.columns: '{_q(col)}' is not a column of table {name}"
                    f"{_suggest(str(col)[:200], known_cols)}"
                )
            if isinstance(expr, dict):
                _check_keys(expr, _EXPR_KEYS, f"tables.{name}.columns.{col}", path)
        files = []
        for entry in spec.get("files") or []:
            if isinstance(entry, str):
                files.append(FileSpec(entry))
            elif isinstance(entry, dict) and "path" in entry:
                extra = {k: v for k, v in entry.items() if k not in {"path", "rename"}}
                extra = _read_options(extra, f"tables.{name}.files ({_q(entry['path'])})", path)
                files.append(FileSpec(entry["path"], extra, dict(entry.get("rename") or {})))
            else:
                raise MappingError(f"{path}: tables.{name}.files: expected a glob or {{path: ..., ...}}, got {_q(entry)}")
        if not files and not spec.get("rows") and not spec.get("empty"):
            raise MappingError(f"{path}: tables.{name}: expected 'files', 'rows' or 'empty: true'")
        tables[name] = TableMapping(
            table=name,
            files=tuple(files),
            columns=dict(spec.get("columns") or {}),
            distinct=bool(spec.get("distinct", False)),
            aggregate=_aggregate(spec.get("aggregate"), path, name),
            rename=dict(spec.get("rename") or {}),
            rows=tuple(spec.get("rows") or ()),
            empty=bool(spec.get("empty", False)),
            read=table_read,
            sheet=spec.get("sheet"),
            drop_blank=_flag(spec.get("drop_blank", False), f"tables.{name}.drop_blank", path),
            where=_conditions(spec.get("where"), f"tables.{name}.where", path),
        )
    return Mapping(path, str(doc.get("source", path.stem)), doc.get("currency"), ReadOptions().updated(read), tables)


def _read_options(values: Any, where: str, path: Path) -> dict[str, Any]:
    """Check a ``read:`` block (or a file entry's read options); an encoding list becomes a tuple."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise MappingError(f"{path}: {where}: expected a mapping of read options, got {_q(values)}")
    _check_keys(values, _READ_KEYS, where, path)
    out = dict(values)
    if "encoding" in out and out["encoding"] is not None:
        enc = out["encoding"]
        names = list(enc) if isinstance(enc, list) else [enc]
        if not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise MappingError(f"{path}: {where}.encoding: expected an encoding name or a list of them, got {_q(enc)}")
        for n in names:
            try:
                info = codecs.lookup(n)
            except LookupError:
                raise MappingError(f"{path}: {where}.encoding: unknown encoding '{_q(n)}'") from None
            if not getattr(info, "_is_text_encoding", True):  # zlib, base64, rot13: bytes-to-bytes codecs
                raise MappingError(f"{path}: {where}.encoding: '{_q(n)}' is not a text encoding")
        out["encoding"] = tuple(names) if isinstance(enc, list) else enc
    return out


def _flag(value: Any, where: str, path: Path) -> bool:
    if not isinstance(value, bool):
        raise MappingError(f"{path}: {where}: expected true or false, got {_q(repr(value))}")
    return value


def _condition_value(value: Any, where: str, path: Path) -> str:
    """A ``where:`` value as the text it is compared with: text, or a whole number (``2019``)."""
    if isinstance(value, bool) or isinstance(value, float) or not isinstance(value, (str, int)) and value is not None:
        hint = ""
        if isinstance(value, bool):
            hint = " (YAML reads yes/no/on/off as true/false: quote it)"
        elif isinstance(value, float):
            hint = " (YAML reads 300.50 as the number 300.5: quote it as the file writes it, '300.50')"
        raise MappingError(f"{path}: {where}: expected a text value, got {_q(repr(value))}{hint}")
    return "" if value is None else str(value).strip()


def _conditions(spec: Any, where: str, path: Path) -> tuple[Condition, ...]:
    """Check ``where:``: a condition ``{column: NAME, OP: VALUE}`` or a list of them (all must hold)."""
    if spec is None:
        return ()
    items = spec if isinstance(spec, list) else [spec]
    out = []
    for i, item in enumerate(items):
        at = f"{where}[{i}]" if isinstance(spec, list) else where
        if not isinstance(item, dict):
            raise MappingError(f"{path}: {at}: expected {{column: NAME, OP: VALUE}}, got {_q(item)}")
        for key in item:
            if key != "column" and key not in _WHERE_OPS:
                raise MappingError(
                    f"{path}: unknown operator '{_q(key)}' in {at}{_suggest(str(key)[:200], _WHERE_OPS | {'column'})}; "
                    f"expected column and one of {', '.join(sorted(_WHERE_OPS))}"
                )
        column = item.get("column")
        if not isinstance(column, str) or not column.strip():
            raise MappingError(f"{path}: {at}: expected 'column: NAME' (a source column), got {_q(item)}")
        ops = [k for k in item if k in _WHERE_OPS]
        if len(ops) != 1:
            raise MappingError(
                f"{path}: {at}: expected exactly one operator of {', '.join(sorted(_WHERE_OPS))}, "
                f"got {', '.join(ops) if ops else 'none'}"
            )
        op = ops[0]
        value = item[op]
        if op in _WHERE_MANY:
            if not isinstance(value, list) or not value:
                raise MappingError(f"{path}: {at}.{op}: expected a list of values, got {_q(repr(value))}")
            values = tuple(_condition_value(v, f"{at}.{op}", path) for v in value)
            keep = _WHERE_MANY[op]
        else:
            if isinstance(value, list):
                raise MappingError(f"{path}: {at}.{op}: expected one value, got a list (use 'in' or 'not_in')")
            values = (_condition_value(value, f"{at}.{op}", path),)
            keep = _WHERE_ONE[op]
        out.append(Condition(column.strip(), op, values, keep))
    return tuple(out)


def _aggregate(value: Any, path: Path, table: str) -> str | None:
    if value in (None, False):
        return None
    if value != "sum":
        raise MappingError(f"{path}: tables.{table}.aggregate: expected 'sum', got {_q(repr(value))}")
    return "sum"


_TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


def apply_columns(
    raw: pd.DataFrame, columns: dict[str, Any], file_stem: str, where: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Evaluate a table mapping's column expressions on one source file's raw string frame.

    ``raw`` holds the file's columns as strings plus ``_row``. Returns the contract columns (strings)
    plus ``_row``, and the per-column unit factors (``factor:``) to apply after parsing numbers.
    A source column that is missing raises :class:`MappingError` naming it.
    """
    out = {"_row": raw["_row"].to_numpy()}
    n = len(raw)
    factors = {}
    for target, expr in columns.items():
        out[target] = _evaluate(raw, expr, file_stem, n, where, target)
        if isinstance(expr, dict) and "factor" in expr:
            factors[target] = float(expr["factor"])
    return pd.DataFrame(out, index=raw.index), factors


def source_columns(columns: dict[str, Any]) -> list[str]:
    """The source columns a table's ``columns:`` expressions read (not constants, file names, ``_row``)."""
    names: list[str] = []

    def fields(template: str) -> None:
        names.extend(f for f in _TEMPLATE_FIELD.findall(template) if f not in {"_file", "_row"})

    for expr in columns.values():
        if isinstance(expr, str):
            if "{" in expr:
                fields(expr)
            elif expr != "_row":
                names.append(expr)
        elif isinstance(expr, dict) and not ({"constant", "filename"} & set(expr)):
            if "template" in expr:
                fields(str(expr["template"]))
            elif "column" in expr and expr["column"] != "_row":
                names.append(str(expr["column"]))
    return list(dict.fromkeys(names))


def _as_text(s: pd.Series) -> pd.Series:
    """Cells as stripped text, an empty or missing cell as ""."""
    return s.astype("str").where(s.notna(), "").str.strip()


def filter_rows(raw: pd.DataFrame, table: TableMapping, where: str) -> tuple[pd.DataFrame, int, int]:
    """The rows of one source file that a table keeps: ``(rows, dropped as blank, dropped by where)``.

    ``drop_blank``: rows whose mapped source columns are all empty go; then rows that do not meet every
    ``where:`` condition. A condition's column that is not in the file raises :class:`MappingError`.
    """
    keep = np.ones(len(raw), dtype=bool)
    blank = 0
    if table.drop_blank:
        used = [c for c in source_columns(table.columns) if c in raw.columns]
        if used:
            empty = np.ones(len(raw), dtype=bool)
            for c in used:
                empty &= (_as_text(raw[c]) == "").to_numpy(dtype=bool)
            keep &= ~empty
            blank = int(empty.sum())
    for i, cond in enumerate(table.where):
        label = f"where[{i}]" if len(table.where) > 1 else "where"
        cells = _as_text(_source(raw, cond.column, where, label, use=f"in {label}"))
        hit = cells.isin(cond.values).to_numpy(dtype=bool)
        keep &= hit if cond.keep else ~hit
    dropped_where = int(len(raw) - blank - keep.sum())
    if keep.all():
        return raw, 0, 0
    return raw.loc[keep], blank, dropped_where


def _source(raw: pd.DataFrame, name: str, where: str, target: str, use: str | None = None) -> pd.Series:
    if name == "_row":
        return raw["_row"].astype(str)
    if name not in raw.columns:
        cols = [str(c) for c in raw.columns if c != "_row"]
        shown = ", ".join(_q(c) for c in cols[:40]) + (f", ... ({len(cols) - 40} more)" if len(cols) > 40 else "")
        raise MappingError(
            f"{where}: column '{_q(name)}' ({use or f'mapped to {target!r}'}) is not in the file"
            f"{_suggest(str(name)[:200], cols)}; the file has: {shown}"
        )
    return raw[name]


def _evaluate(raw: pd.DataFrame, expr: Any, stem: str, n: int, where: str, target: str) -> pd.Series:
    if isinstance(expr, str):
        if "{" in expr:
            return _template(raw, expr, stem, n, where, target)
        return _source(raw, expr, where, target)
    if not isinstance(expr, dict):
        return pd.Series(np.full(n, "" if expr is None else str(expr), dtype=object), index=raw.index, dtype="str")
    if "constant" in expr:
        value = expr["constant"]
        value = "" if value is None else str(value)
        return pd.Series(np.full(n, value, dtype=object), index=raw.index, dtype="str")
    if "filename" in expr:
        m = re.search(expr["filename"], stem)
        if not m:
            raise MappingError(f"{where}: file name '{_q(stem)}' does not match {_q(repr(expr['filename']))} (for '{target}')")
        value = m.group(1) if m.groups() else m.group(0)
        return pd.Series(np.full(n, value, dtype=object), index=raw.index, dtype="str")
    if "template" in expr:
        s = _template(raw, expr["template"], stem, n, where, target)
    elif "column" in expr:
        s = _source(raw, expr["column"], where, target)
    else:
        raise MappingError(f"{where}: '{target}': expected one of constant, column, template, filename")
    s = s.astype("str")
    if expr.get("strip", True):
        s = s.str.strip()
    if "regex" in expr:
        s = s.str.extract(expr["regex"], expand=False).astype("str")
    if "slice" in expr:
        start, stop = (list(expr["slice"]) + [None])[:2]
        s = s.str.slice(start, stop)
    if "map" in expr:
        table = {str(k): str(v) for k, v in expr["map"].items()}
        mapped = s.map(table)
        if "default" in expr:
            mapped = mapped.fillna(str(expr["default"]))
        else:
            mapped = mapped.fillna(s)  # unmapped values pass through and meet validation
        s = mapped.astype("str")
    if "default" in expr and "map" not in expr:
        s = s.where(s.notna() & (s != ""), str(expr["default"]))
    return s


def _template(raw: pd.DataFrame, template: str, stem: str, n: int, where: str, target: str) -> pd.Series:
    parts = _TEMPLATE_FIELD.split(template)
    # parts alternate literal, field, literal, field, ...
    result = pd.Series(np.full(n, "", dtype=object), index=raw.index, dtype="str")
    for i, part in enumerate(parts):
        if i % 2 == 0:
            if part:
                result = result + part
        elif part == "_file":
            result = result + stem
        else:
            result = result + _source(raw, part, where, target).fillna("").astype("str").str.strip()
    return result
