"""Loading a data directory through the contract.

``load(data_dir)`` reads ``<table>.csv`` / ``<table>.csv.gz`` / ``<table>.parquet`` files, or one
``.xlsx`` workbook with a sheet per table; ``load(data_dir, mapping=FILE)`` reads a foreign source
through a column mapping (:mod:`fiscalrisk.data.mapping`). Either way the result is a
:class:`~fiscalrisk.data.dataset.DataSet` of validated, typed tables, or a :class:`DataError` holding
the table of every problem found.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .dataset import DataSet
from .limits import InputLimits
from .mapping import Mapping, MappingError, ReadOptions, apply_columns, filter_rows, load_mapping
from .problems import DataError, ProblemLog
from .read import Piece, file_bytes, read_csv_file, read_parquet_file, read_xlsx_file, sha256_bytes
from .schema import REQUIRED_TABLES, TABLES
from .validate import (
    STR,
    check_performance_targets,
    check_references,
    check_region_tree,
    check_table,
    type_piece,
)

__all__ = ["load", "check", "DataError", "MappingError"]


def load(
    data_dir: str | Path, mapping: str | Path | Mapping | None = None, *, limits: InputLimits | None = None,
    exclude: tuple[str, ...] = (),
) -> DataSet:
    """Load and validate a data directory. Raises :class:`DataError` listing every problem.

    ``limits`` bounds what is read (default: ``params/defaults.yaml``, section ``input``). ``exclude``:
    tables not to read (a partitioned scan reads ``payments`` partition by partition).
    """
    dataset, problems = check(data_dir, mapping, limits=limits, exclude=exclude)
    if dataset is None:
        raise DataError(problems, context=str(data_dir))
    return dataset


def check(
    data_dir: str | Path, mapping: str | Path | Mapping | None = None, *, limits: InputLimits | None = None,
    exclude: tuple[str, ...] = (),
) -> tuple[DataSet | None, pd.DataFrame]:
    """Load and validate; return ``(dataset or None, problems table)`` instead of raising.

    ``limits`` bounds what is read: how far a compressed file may expand, and plausible values
    (default: ``params/defaults.yaml``, section ``input``). A file beyond them is a problem, read no further.
    """
    limits = limits if limits is not None else InputLimits.from_params()
    data_dir = Path(data_dir)
    log = ProblemLog()
    if not data_dir.is_dir():
        log.add(str(data_dir), "", "", "a data directory (it does not exist or is not a directory)")
        return None, log.frame()
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    fingerprints: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    dropped: dict[str, dict[str, int]] = {}
    if mapping is None:
        pieces = _read_directory(data_dir, log, fingerprints, sources, limits)
    else:
        pieces = _read_mapped(data_dir, mapping, log, fingerprints, sources, limits, dropped)
    for name in exclude:
        pieces.pop(name, None)
        sources.pop(name, None)
    for name in REQUIRED_TABLES:
        if name not in pieces:
            log.add(
                str(data_dir),
                name,
                "",
                f"a table '{name}' ({name}.csv, {name}.parquet or a sheet named '{name}'); it is required",
            )
    tables: dict[str, pd.DataFrame] = {}
    for name, plist in list(pieces.items()):
        table = TABLES[name]
        # files are read as their table's turn comes, so that only one table's raw text is in memory
        plist = [p() if callable(p) else p for p in plist]
        if any(p is None for p in plist):
            continue  # a file of this table could not be read; its problems are logged
        typed = [t for p in plist if (t := type_piece(p, table, log, limits=limits)) is not None]
        pieces[name] = []  # the raw text columns are no longer needed: free them before the next table
        if len(typed) < len(plist):
            continue  # a file of this table is unusable; its problems are logged
        frame = pd.concat(typed, ignore_index=True) if len(typed) > 1 else (typed[0] if typed else _empty(table))
        if mapping is not None and name in mapping.tables:
            if mapping.tables[name].distinct:
                frame = frame.drop_duplicates(subset=list(table.key), keep="first").reset_index(drop=True)
            elif mapping.tables[name].aggregate == "sum":
                frame = _sum_by_key(frame, table)
        check_table(frame, table, log)
        tables[name] = frame
    check_references(tables, log)
    if "regions" in tables:
        check_region_tree(tables["regions"], log)
    if "performance_targets" in tables:
        check_performance_targets(tables["performance_targets"], log)
    problems = log.frame()
    if len(problems):
        return None, problems
    clean = {name: _finish(frame, TABLES[name]) for name, frame in tables.items()}
    fp = {name: _combine(fingerprints, sources[name]) for name in clean}
    return (
        DataSet(
            tables=clean,
            fingerprints=fp,
            sources={k: sources[k] for k in clean},
            root=data_dir,
            mapping=None if mapping is None else str(mapping.path),
            mapping_sha256=None if mapping is None else sha256_bytes(Path(mapping.path).read_bytes()),
            currency=None if mapping is None else mapping.currency,
            file_fingerprints=dict(sorted(fingerprints.items())),
            dropped={k: v for k, v in sorted(dropped.items()) if k in clean and any(v.values())},
        ),
        problems,
    )


def _sum_by_key(frame: pd.DataFrame, table) -> pd.DataFrame:
    """Rows sharing the table's key become one row: money summed, other columns from the first row."""
    key = [k for k in table.key if k in frame.columns]
    money = [c.name for c in table.columns if c.type == "money" and c.name in frame.columns and c.name not in key]
    filled = frame.assign(**{k: frame[k].fillna("") for k in key if frame[k].dtype == STR})
    grouped = filled.groupby(key, sort=False, dropna=False)
    out = grouped.first()
    out[money] = grouped[money].sum(min_count=1)
    out = out.reset_index()
    for k in key:
        if out[k].dtype == STR:
            out[k] = out[k].where(out[k] != "")
    return out[frame.columns]


def _empty(table) -> pd.DataFrame:
    frame = pd.DataFrame({c.name: pd.Series(dtype=STR) for c in table.columns})
    frame["_file"] = pd.Series(dtype=STR)
    frame["_row"] = pd.Series(dtype="int64")
    return frame


def _finish(frame: pd.DataFrame, table) -> pd.DataFrame:
    """Drop provenance columns, put the contract's columns in order, fill contract defaults (budget's
    adjusted_amount; a payment's budget_year is filled by the scan, from the fiscal year of pay_date)."""
    cols = [c for c in table.column_names if c in frame.columns]
    out = frame[cols].reset_index(drop=True)
    if table.name == "budget" and "adjusted_amount" in out.columns:
        # the contract: adjusted_amount defaults to original_amount
        out["adjusted_amount"] = out["adjusted_amount"].fillna(out["original_amount"])
    elif table.name == "budget":
        out["adjusted_amount"] = out["original_amount"]
    # payments.budget_year, when absent, defaults to the *fiscal* year of pay_date, which depends on the
    # scan's params (calendar.fiscal_year_start_month): the scan fills it (ScanContext.payments), not the
    # loader, which does not know the params
    return out[[c for c in table.column_names if c in out.columns]]


def _combine(fingerprints: dict[str, str], files: list[str]) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(f"{f}\0{fingerprints.get(f, '')}\n".encode())
    return h.hexdigest()


def _table_name(path: Path) -> str | None:
    name = path.name
    for suffix in (".csv.gz", ".csv", ".parquet"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if stem in TABLES else None
    return None


def _read_directory(
    data_dir: Path, log: ProblemLog, fingerprints: dict[str, str], sources: dict[str, list[str]], limits: InputLimits
) -> dict[str, list]:
    """Table name → its file readers (called when the table's turn comes) or read pieces (xlsx)."""
    pieces: dict[str, list] = {}
    books = sorted(p for p in data_dir.glob("*.xlsx") if not p.name.startswith("~$"))
    files = sorted(p for p in data_dir.iterdir() if p.is_file() and _table_name(p))
    if books and files:
        log.add(str(data_dir), "", "", "either table files (.csv/.parquet) or one .xlsx workbook, not both")
        return pieces
    if len(books) > 1:
        log.add(str(data_dir), "", "", f"one .xlsx workbook, found {len(books)}: {', '.join(b.name for b in books)}")
        return pieces
    if books:
        data = books[0].read_bytes()
        fingerprints[books[0].name] = sha256_bytes(data)
        for sheet, piece in read_xlsx_file(books[0], data, log, limits=limits).items():
            if sheet in TABLES:
                pieces[sheet] = [piece]
                sources[sheet] = [books[0].name]
        return pieces
    seen: dict[str, Path] = {}
    if (data_dir / "payments").is_dir() and not any(_table_name(p) == "payments" for p in files):
        # payments partitioned by county (payments/county=<code>/*.parquet), read in one piece here
        parts = sorted(p for p in (data_dir / "payments").glob("county=*/*.parquet") if p.is_file())
        sources["payments"] = [str(p.relative_to(data_dir)) for p in parts]
        pieces["payments"] = [_reader(p, "payments", log, fingerprints, limits, str(p.relative_to(data_dir)))
                              for p in parts]
        if not parts:
            log.add("payments/", "payments", "", "payments/county=<region code>/*.parquet partition files")
    for path in files:
        name = _table_name(path)
        assert name is not None
        if name in seen:
            log.add(path.name, name, "", f"one file for table '{name}', found {seen[name].name} and {path.name}")
            continue
        seen[name] = path
        sources[name] = [path.name]
        pieces[name] = [_reader(path, name, log, fingerprints, limits)]
    return pieces


def _reader(path: Path, table: str, log: ProblemLog, fingerprints: dict[str, str], limits: InputLimits,
            display: str | None = None):
    """A deferred read of one table file; its fingerprint is taken from the same bytes."""
    display = display or path.name

    def read() -> Piece | None:  # None marks a file that could not be read
        raw = path.read_bytes()
        fingerprints[display] = sha256_bytes(raw)
        if path.suffix == ".parquet":
            del raw
            return read_parquet_file(path, display, table, log, limits=limits)
        data = file_bytes(path, display, table, log, limits, raw=raw)  # a .gz within the limits
        del raw
        if data is None:
            return None
        return read_csv_file(path, display, table, ReadOptions(), log, data=data, limits=limits)

    return read


def read_payments_files(paths: list[Path], display: str, small: dict[str, pd.DataFrame],
                        limits: InputLimits | None = None) -> pd.DataFrame:
    """One partition's payment files, read and validated like any table file (types, values, and
    references to the already loaded ``small`` tables); a :class:`DataError` lists every problem."""
    limits = limits if limits is not None else InputLimits.from_params()
    log = ProblemLog()
    fingerprints: dict[str, str] = {}
    table = TABLES["payments"]
    typed = []
    for path in paths:
        piece = _reader(path, "payments", log, fingerprints, limits, f"{display}/{path.name}")()
        if piece is None:
            continue
        t = type_piece(piece, table, log, limits=limits)
        if t is not None:
            typed.append(t)
    if len(typed) == len(paths):
        frame = pd.concat(typed, ignore_index=True) if len(typed) > 1 else (typed[0] if typed else _empty(table))
        check_table(frame, table, log)
        check_references({"payments": frame, "units": small["units"]}, log)
    problems = log.frame()
    if len(problems):
        raise DataError(problems, context=display)
    return _finish(frame, table)


def _read_mapped(
    data_dir: Path,
    mapping: Mapping,
    log: ProblemLog,
    fingerprints: dict[str, str],
    sources: dict[str, list[str]],
    limits: InputLimits,
    dropped: dict[str, dict[str, int]],
) -> dict[str, list[Piece | None]]:
    """Table name → one piece per file matched by the mapping (None for a file that could not be read).

    ``dropped`` receives, per table, how many rows the row filters dropped (``blank``, ``where``).
    """
    pieces: dict[str, list[Piece | None]] = {}
    cache: dict[tuple, Piece | None] = {}
    for name, tm in sorted(mapping.tables.items()):
        table_opts = mapping.read.updated(tm.read)
        if tm.empty:
            pieces[name] = []
            sources[name] = []
            continue
        if tm.rows:
            frame = pd.DataFrame([{k: "" if v is None else str(v) for k, v in row.items()} for row in tm.rows]).astype(STR)
            frame["_row"] = np.arange(len(frame), dtype=np.int64) + 1
            display = f"{mapping.path.name}[tables.{name}.rows]"
            fingerprints[display] = sha256_bytes(json.dumps(list(tm.rows), sort_keys=True, ensure_ascii=False, default=str).encode())
            sources[name] = [display]
            pieces[name] = [Piece(display, frame, table_opts)]
            continue
        plist: list[Piece | None] = []
        sources[name] = []
        counts = dropped.setdefault(name, {"blank": 0, "where": 0})
        matched_by: dict[Path, str] = {}
        for spec in tm.files:
            matched = sorted(data_dir.glob(spec.pattern))
            if not matched:
                log.add(f"{data_dir}/{spec.pattern}", name, "", f"files matching '{spec.pattern}' (from {mapping.path.name})")
                continue
            for path in matched:
                if path in matched_by:
                    # read twice, its rows would be counted twice (ids built from _file and _row stay unique)
                    log.add(
                        str(path.relative_to(data_dir)),
                        name,
                        "",
                        f"a file matched by one entry of tables.{name}.files in {mapping.path.name}; "
                        f"it matches both '{matched_by[path]}' and '{spec.pattern}' (narrow the globs)",
                    )
                    plist.append(None)
                    continue
                matched_by[path] = spec.pattern
                opts = table_opts.updated(spec.read)
                rel = str(path.relative_to(data_dir))
                rename = {**tm.rename, **spec.rename}
                key = (rel, opts, tuple(sorted(rename.items())))
                if key not in cache:
                    if path.suffix == ".parquet":
                        raw = read_parquet_file(path, rel, name, log, limits=limits)
                    else:
                        raw = read_csv_file(path, rel, name, opts, log, limits=limits)
                    if raw is not None and rename:
                        raw.frame = raw.frame.rename(columns=rename)
                    cache[key] = raw
                    fingerprints[rel] = sha256_bytes(path.read_bytes())
                raw = cache[key]
                sources[name].append(rel)
                if raw is None:
                    plist.append(None)
                    continue
                stem = path.name.split(".")[0]
                where = f"{mapping.path.name}: tables.{name} ({rel})"
                try:
                    rows, blank, unmet = filter_rows(raw.frame, tm, where)
                    counts["blank"] += blank
                    counts["where"] += unmet
                    frame, factors = apply_columns(rows, tm.columns, stem, where)
                except MappingError as exc:
                    log.add(rel, name, "", str(exc))
                    plist.append(None)
                    continue
                plist.append(Piece(rel, frame, opts, typed=raw.typed, factors=factors))
        pieces[name] = plist
    return pieces
