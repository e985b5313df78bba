"""Reading source files into string columns, with where every row came from.

Everything is read as text first (codes such as ``001`` must stay ``001``); typing happens in
:mod:`fiscalrisk.data.validate`, which can then say exactly which row and value did not parse.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .mapping import ReadOptions
from .problems import ProblemLog

__all__ = ["Piece", "read_csv_file", "read_parquet_file", "read_xlsx_file", "detect_encoding", "sha256_bytes"]


@dataclass
class Piece:
    """One source file's rows for one table: strings (or typed Parquet columns) plus ``_row``."""

    file: str  # as shown to the user
    frame: pd.DataFrame
    options: ReadOptions = field(default_factory=ReadOptions)
    typed: bool = False  # True for Parquet: columns may already carry their types
    factors: dict[str, float] = field(default_factory=dict)  # per-column unit factors from a mapping


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data


def _share_gb2312(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that belong to GB2312.

    Real Chinese text is almost entirely GB2312 characters. Bytes of another single-byte encoding
    (Latin-1, Windows-1252) decoded as GB18030 produce mostly characters outside it (a Latin-1 accented
    letter followed by an ASCII letter forms a GBK extension code point), so the share tells them apart.
    """
    sample = [ch for ch in text if ord(ch) > 127]
    if not sample:
        return 1.0
    sample = sample[:20000]
    ok = 0
    for ch in sample:
        try:
            ch.encode("gb2312")
            ok += 1
        except UnicodeEncodeError:
            pass
    return ok / len(sample)


def _utf8_error(data: bytes, start: int = 0, chunk: int = 1 << 22) -> int | None:
    """Offset of the first byte that is not UTF-8, or None; checked in chunks, without a text copy."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for pos in range(start, len(data), chunk):
        try:
            decoder.decode(view[pos : pos + chunk], final=pos + chunk >= len(data))
        except UnicodeDecodeError as exc:
            return pos + exc.start
    return None


def _sniff(data: bytes, head: int = 1 << 16) -> tuple[str | None, str]:
    """Encoding from the file's head: UTF-8 when its first 64 KiB are (the CSV parser then checks the
    rest, value by value); otherwise the whole file goes through :func:`detect_encoding`."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    chunk = data[start : start + head]
    if len(data) > start + head:
        chunk = chunk[: chunk.rfind(b"\n") + 1] or chunk  # whole lines: no character cut in two
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return detect_encoding(data)
    return ("utf-8-sig" if start else "utf-8"), ""


def detect_encoding(data: bytes) -> tuple[str | None, str]:
    """Return ``(encoding, text)`` for UTF-8 (with or without BOM) or GB18030/GBK, else ``(None, reason)``.

    For UTF-8 the text is not materialised (``""``): the bytes are valid and are parsed as they are.

    UTF-8 decoding is strict, so a GBK file never passes as UTF-8. GB18030 accepts almost any byte
    string, so its result is accepted only when it reads as Chinese text (see :func:`_share_gb2312`).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        bad = _utf8_error(data, 3)
        if bad is None:
            return "utf-8-sig", ""
        return None, f"starts with a UTF-8 byte-order mark but byte {bad} is not UTF-8"
    if _utf8_error(data) is None:
        return "utf-8", ""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        return None, f"byte {exc.start} is neither UTF-8 nor GB18030/GBK"
    if _share_gb2312(text) >= 0.9:
        return "gb18030", text
    return None, "neither UTF-8 nor Chinese GB18030/GBK text (it looks like another encoding, e.g. Latin-1)"


def _row_numbers(n: int, skip_rows: int) -> np.ndarray:
    # header = row 1 (after skipped lines), first data row = row 2
    return np.arange(n, dtype=np.int64) + 2 + skip_rows


def read_csv_file(
    path: Path, display: str, table: str, options: ReadOptions, log: ProblemLog, data: bytes | None = None
) -> Piece | None:
    """Read one CSV (optionally gzipped) into strings; problems go to ``log``; ``None`` if unreadable."""
    if data is None:
        data = read_bytes(path)
    if not data.strip():
        log.add(display, table, "", "a header row and data rows (the file is empty)")
        return None
    if options.encoding:
        encoding = options.encoding
        try:
            text = data.decode(options.encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            log.add(display, table, "", f"text in the mapping's encoding '{options.encoding}' ({exc})")
            return None
        if text.startswith("\ufeff"):
            text = text[1:]
    else:
        encoding, text = _sniff(data)
        if encoding is None:
            log.add(display, table, "", f"UTF-8 or GB18030/GBK text: {text}; set 'encoding' in a column mapping")
            return None
    skip = options.skip_rows
    if not text:  # valid UTF-8, not decoded as a whole: the header lines are enough here
        head = data[: 1 << 16]
        text = head.decode("utf-8-sig", errors="ignore")
    lines = text.split("\n", skip + 1)
    if len(lines) <= skip or not lines[skip].strip():
        log.add(display, table, "", "a header row (the file has none)")
        return None
    header = next(csv.reader([lines[skip].rstrip("\r").lstrip("\ufeff")], delimiter=options.separator))
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        log.add(display, table, ", ".join(dup), "distinct column names in the header row", rows=[1 + skip])
        return None
    bad_rows: list[tuple[int, str, int]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_rows.append((row.number, row.text, row.actual_columns))
        return "skip"

    if encoding.replace("_", "-").lower() in {"utf-8", "utf8", "utf-8-sig"}:
        body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    else:
        body = text.encode("utf-8")
    del text, lines
    def parse(body: bytes) -> pa.Table:
        return pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(skip_rows=skip + 1, column_names=header, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=options.separator, invalid_row_handler=on_invalid, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )

    try:
        try:
            table_pa = parse(body)
        except pa.ArrowInvalid as exc:
            # UTF-8 was assumed from the file's head; Arrow checks every value. Past the head the file
            # may turn out to be GBK: detect on the whole file, and read it again if so.
            if options.encoding or "utf8" not in str(exc).lower().replace("-", ""):
                raise
            encoding, text = detect_encoding(data)
            if encoding is None or encoding.startswith("utf"):
                log.add(display, table, "", f"UTF-8 or GB18030/GBK text: {text}; set 'encoding' in a column mapping")
                return None
            bad_rows.clear()
            body = text.encode("utf-8")
            del text
            table_pa = parse(body)
    except pa.ArrowInvalid as exc:
        log.add(display, table, "", f"a well-formed CSV file separated by '{options.separator}' ({exc})")
        return None
    for number, text_row, actual in bad_rows:
        row_no = None if number is None else number + skip  # arrow counts the header as row 1 too
        log.add(display, table, "", f"{len(header)} fields as in the header, found {actual}", rows=[row_no], values=[text_row])
    frame = table_pa.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=np.nan)}.get)
    frame.columns = header
    frame["_row"] = _row_numbers(len(frame), skip)
    if bad_rows:
        # rows skipped by the parser shift the numbering of the rows after them; recount from the text
        frame["_row"] = _recount_rows(len(frame), skip, sorted(r[0] + skip for r in bad_rows if r[0] is not None))
    return Piece(display, frame, options)


def _recount_rows(n: int, skip: int, skipped: list[int]) -> np.ndarray:
    rows = []
    row = 2 + skip
    skipped_set = set(skipped)
    while len(rows) < n:
        if row not in skipped_set:
            rows.append(row)
        row += 1
    return np.asarray(rows, dtype=np.int64)


def read_parquet_file(path: Path, display: str, table: str, log: ProblemLog) -> Piece | None:
    try:
        frame = pq.read_table(path).to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=np.nan)}.get)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input file
        log.add(display, table, "", f"a readable Parquet file ({exc.__class__.__name__}: {exc})")
        return None
    frame["_row"] = np.arange(len(frame), dtype=np.int64) + 1  # Parquet has no header row
    return Piece(display, frame, ReadOptions(thousands=None), typed=True)


def read_xlsx_file(path: Path, data: bytes, log: ProblemLog) -> dict[str, Piece]:
    """Every sheet of a workbook, as text, keyed by sheet name."""
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str, header=0, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001
        log.add(path.name, "", "", f"a readable .xlsx workbook ({exc.__class__.__name__}: {exc})")
        return {}
    pieces = {}
    for name, frame in sheets.items():
        frame = frame.astype(pd.StringDtype(na_value=np.nan))
        frame.columns = [str(c).strip() for c in frame.columns]
        # Excel stores dates as numbers; openpyxl gives datetimes that str() renders with a midnight time
        for col in frame.columns:
            s = frame[col]
            midnight = s.str.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00:00", na=False)
            if midnight.any():
                frame[col] = s.where(~midnight, s.str.slice(0, 10))
        frame["_row"] = _row_numbers(len(frame), 0)
        pieces[str(name).strip()] = Piece(f"{path.name}[{name}]", frame, ReadOptions())
    return pieces
