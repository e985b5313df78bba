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
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .limits import InputLimits
from .mapping import ReadOptions
from .problems import ProblemLog

__all__ = [
    "Piece",
    "InputTooLarge",
    "read_csv_file",
    "read_parquet_file",
    "read_xlsx_file",
    "detect_encoding",
    "gunzip",
    "file_bytes",
    "sha256_bytes",
]

#: The compression ratio is enforced only once a file has expanded past this many bytes: a small, very
#: repetitive file (a few lines padded with blanks) is not a decompression bomb.
RATIO_SLACK_BYTES = 8 * 1024**2
_CHUNK = 1 << 20  # decompressed bytes produced per step


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


class InputTooLarge(ValueError):
    """A file expands beyond the :class:`InputLimits`; ``found`` says how far, for the problem table."""

    def __init__(self, found: str) -> None:
        super().__init__(found)
        self.found = found


def limit_text(limits: InputLimits) -> str:
    """The ``expected`` of a problem for a file that expands too far: both limits and their params."""
    return (
        f"a compressed file expanding to at most {limits.max_uncompressed_bytes:,} bytes / ratio "
        f"{limits.max_compression_ratio:g} (params input.max_uncompressed_bytes / input.max_compression_ratio)"
    )


def _expansion_cap(compressed: int, limits: InputLimits) -> int:
    """The most ``compressed`` bytes may expand to: the byte limit, and the ratio beyond the slack."""
    by_ratio = max(RATIO_SLACK_BYTES, int(limits.max_compression_ratio * compressed))
    return min(int(limits.max_uncompressed_bytes), by_ratio)


def gunzip(raw: bytes, limits: InputLimits) -> bytes:
    """Decompress gzip bytes as a stream, stopping as soon as the output passes the limits.

    At most the allowed size plus one byte is ever held: a decompression bomb raises
    :class:`InputTooLarge` without being expanded further. Damaged data raises ``OSError``/``EOFError``.
    """
    cap = _expansion_cap(len(raw), limits)
    chunks: list[bytes] = []
    total = 0
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
        while chunk := stream.read(min(_CHUNK, cap + 1 - total)):
            total += len(chunk)
            if total > cap:
                chunks.clear()
                raise InputTooLarge(f"expands past {cap:,} bytes from {len(raw):,}")
            chunks.append(chunk)
    return b"".join(chunks)


def file_bytes(
    path: Path, display: str, table: str, log: ProblemLog, limits: InputLimits, raw: bytes | None = None
) -> bytes | None:
    """The bytes of a text file, gunzipped within ``limits`` when it ends in ``.gz``.

    ``raw`` is the file as read from disk, if the caller has it already. A file that expands too far or
    is not readable gzip is a logged problem and gives None.
    """
    if raw is None:
        raw = path.read_bytes()
    if path.suffix != ".gz":
        return raw
    try:
        return gunzip(raw, limits)
    except InputTooLarge as exc:
        log.add(display, table, "", limit_text(limits), values=exc.found)
    except (OSError, EOFError, zlib.error) as exc:
        log.add(display, table, "", f"a readable gzip file ({exc.__class__.__name__}: {exc})")
    return None


def read_bytes(path: Path, limits: InputLimits | None = None) -> bytes:
    """The file's bytes, gunzipped within ``limits`` (default: params ``input``) if it ends in ``.gz``."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gunzip(data, limits if limits is not None else InputLimits.from_params())
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


def _is_utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name in {"utf-8", "utf-8-sig"}
    except LookupError:
        return False


def declared_encoding(data: bytes, candidates: str | tuple[str, ...]) -> tuple[str | None, str]:
    """``(encoding, text)`` for the first of a mapping's ``candidates`` that decodes ``data`` strictly.

    UTF-8 is checked without materialising the text (``""``, as :func:`detect_encoding`) and a UTF-8 BOM
    gives ``utf-8-sig``; another encoding's text has a leading BOM character removed. When none decodes
    the file: ``(None, reason)`` naming the first undecodable byte for each candidate.
    """
    names = (candidates,) if isinstance(candidates, str) else tuple(candidates)
    reasons = []
    for name in names:
        if _is_utf8(name):
            start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
            bad = _utf8_error(data, start)
            if bad is None:
                return ("utf-8-sig" if start else "utf-8"), ""
            reasons.append(f"byte {bad} is not {name}")
            continue
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            reasons.append(f"byte {exc.start} is not {name}")
            continue
        except LookupError:
            reasons.append(f"'{name}' is not an encoding")
            continue
        return name, text[1:] if text.startswith("\ufeff") else text
    return None, "; ".join(reasons)


_ENCODING_HINT = "set 'encoding' in a column mapping (a name, or a list such as [utf-8, windows-1252] tried per file)"


def _row_numbers(n: int, skip_rows: int) -> np.ndarray:
    # header = row 1 (after skipped lines), first data row = row 2
    return np.arange(n, dtype=np.int64) + 2 + skip_rows


def read_csv_file(
    path: Path,
    display: str,
    table: str,
    options: ReadOptions,
    log: ProblemLog,
    data: bytes | None = None,
    *,
    limits: InputLimits | None = None,
) -> Piece | None:
    """Read one CSV (optionally gzipped) into strings; problems go to ``log``; ``None`` if unreadable.

    ``data``: the file's (decompressed) bytes if already read; otherwise the file is read, a ``.gz``
    within ``limits`` (default: params ``input``).
    """
    if data is None:
        data = file_bytes(path, display, table, log, limits if limits is not None else InputLimits.from_params())
        if data is None:
            return None
    if not data.strip():
        log.add(display, table, "", "a header row and data rows (the file is empty)")
        return None
    if options.encoding:
        encoding, text = declared_encoding(data, options.encoding)
        if encoding is None:
            names = (options.encoding,) if isinstance(options.encoding, str) else options.encoding
            which = f"the mapping's encoding '{names[0]}'" if len(names) == 1 else (
                "one of the mapping's encodings " + ", ".join(f"'{n}'" for n in names))
            log.add(display, table, "", f"text in {which} ({text})")
            return None
    else:
        encoding, text = _sniff(data)
        if encoding is None:
            log.add(display, table, "", f"UTF-8 or GB18030/GBK text: {text}; {_ENCODING_HINT}")
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
                log.add(display, table, "", f"UTF-8 or GB18030/GBK text: {text}; {_ENCODING_HINT}")
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


def _parquet_size(path: Path) -> tuple[int, int, int]:
    """``(bytes once read, rows, columns)`` of a Parquet file, from its metadata alone.

    The bytes are the row groups' uncompressed size, and at least 8 bytes a value: run-length and
    dictionary encodings store a column of one repeated value in a few bytes, whatever its length.
    """
    meta = pq.ParquetFile(path).metadata
    stored = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    return max(stored, meta.num_rows * meta.num_columns * 8), meta.num_rows, meta.num_columns


def read_parquet_file(
    path: Path, display: str, table: str, log: ProblemLog, *, limits: InputLimits | None = None
) -> Piece | None:
    """Read one Parquet file, once its metadata shows it fits ``limits`` (default: params ``input``)."""
    limits = limits if limits is not None else InputLimits.from_params()
    try:
        size, rows, cols = _parquet_size(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input file
        log.add(display, table, "", f"a readable Parquet file ({exc.__class__.__name__}: {exc})")
        return None
    if size > limits.max_uncompressed_bytes:
        log.add(
            display,
            table,
            "",
            f"a Parquet file of at most {limits.max_uncompressed_bytes:,} bytes once read "
            "(params input.max_uncompressed_bytes)",
            values=f"{size:,} bytes ({rows:,} rows × {cols} columns)",
        )
        return None
    try:
        frame = pq.read_table(path).to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=np.nan)}.get)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input file
        log.add(display, table, "", f"a readable Parquet file ({exc.__class__.__name__}: {exc})")
        return None
    frame["_row"] = np.arange(len(frame), dtype=np.int64) + 1  # Parquet has no header row
    return Piece(display, frame, ReadOptions(thousands=None), typed=True)


def check_zip(data: bytes, limits: InputLimits) -> None:
    """Raise :class:`InputTooLarge` if the zip archive ``data`` (an .xlsx) would expand beyond ``limits``.

    Only the central directory is read. The members' declared sizes bound what is read from them (a
    member that inflates past its declared size fails its check), so their sum is what opening costs.
    A damaged archive passes here and is reported by the reader.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return
    total = sum(m.file_size for m in members)
    cap = _expansion_cap(len(data), limits)
    if total > cap:
        raise InputTooLarge(f"expands to {total:,} bytes from {len(data):,}")
    for m in members:
        if m.file_size > RATIO_SLACK_BYTES and m.file_size > limits.max_compression_ratio * max(m.compress_size, 1):
            raise InputTooLarge(f"{m.filename[:20]} expands {m.file_size / max(m.compress_size, 1):,.0f}×")


def read_xlsx_file(path: Path, data: bytes, log: ProblemLog, *, limits: InputLimits | None = None) -> dict[str, Piece]:
    """Every sheet of a workbook, as text, keyed by sheet name; refused unopened if it expands too far."""
    limits = limits if limits is not None else InputLimits.from_params()
    try:
        check_zip(data, limits)
    except InputTooLarge as exc:
        log.add(path.name, "", "", limit_text(limits), values=exc.found)
        return {}
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
