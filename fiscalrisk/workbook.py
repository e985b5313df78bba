"""Workbooks the product writes (findings.xlsx of a report, the dashboard's alert export): byte-identical
for the same frames, text from the data never a formula (:mod:`fiscalrisk.cells`)."""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["ZIP_EPOCH", "write_xlsx"]

#: The time stamped into every member of a workbook (and the workbook's properties).
ZIP_EPOCH = (2000, 1, 1, 0, 0, 0)


def write_xlsx(sheets: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write DataFrames as sheets of one workbook, byte-identical for the same frames.

    openpyxl stamps the creation time into ``docProps/core.xml`` and the zip members: both are
    fixed here. Column widths follow the content (capped), the header row is frozen.
    """
    import pandas as pd
    from openpyxl.utils import get_column_letter

    from fiscalrisk.cells import formulas_to_text, without_control_characters

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    fixed = dt.datetime(*ZIP_EPOCH)
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        writer.book.properties.creator = "fiscalrisk"
        writer.book.properties.created = fixed
        writer.book.properties.modified = fixed
        for name, frame in sheets.items():
            frame = without_control_characters(frame)
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            ws = writer.sheets[name[:31]]
            ws.freeze_panes = "A2"
            for i, col in enumerate(frame.columns, start=1):
                values = [str(col), *(str(v) for v in frame[col].head(200))]
                width = min(60, max(8, *(len(v) * (2 if any(ord(c) > 0x2E80 for c in v) else 1) for v in values)))
                ws.column_dimensions[get_column_letter(i)].width = width + 2
        formulas_to_text(writer.book)  # text from the data stays text (a unit named "=HYPERLINK(...)")
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into "modified", whatever the properties say
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, data)
    tmp.unlink()
    return path
