"""The sample as files: tables conformed to the data contract, rendered as the strings of the CSV
contract, and the test that tells a previous sample (replaceable) from anything else."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from fiscalrisk.data.schema import TABLES


def _conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Columns of the contract in contract order, with the dtypes validated tables carry."""
    table = TABLES[name]
    out = pd.DataFrame(index=df.index)
    for col in table.columns:
        s = df[col.name] if col.name in df else pd.Series(pd.NA, index=df.index)
        if col.type in ("code", "text", "enum"):
            if s.isna().any():
                s = s.astype(object).where(s.notna(), "")
            if not pd.api.types.is_string_dtype(s):
                s = s.astype(str)
        elif col.type == "int":
            s = pd.to_numeric(s, errors="coerce").round().astype("Int64")
        elif col.type in ("money", "number"):
            s = pd.to_numeric(s, errors="coerce").astype(float).round(2)
        elif col.type in ("date", "timestamp"):
            s = pd.to_datetime(s)
            if col.type == "date":
                s = s.dt.normalize()
        elif col.type == "bool":
            s = s.astype("boolean")
        out[col.name] = s.to_numpy() if col.type not in ("int", "bool") else s.array
    return out.reset_index(drop=True)


#: The file that marks a directory as a generated sample (and therefore replaceable by :func:`write`).
MARKER = "labels.csv"

# the layout of a province sample (fiscalrisk.samples.province): tables as Parquet, payments partitioned by county
_PARTS = "payments"
_EXTRA_FILES = ("README.txt", "manifest.json")
_PART_NAME = re.compile(r"part-\d{5}\.parquet")
_PARTITION_NAME = re.compile(r"county=\d{6}")

_SORT_KEYS: dict[str, tuple[str, ...]] = {
    "payments": ("pay_date", "payment_id"),
    "seal_events": ("used_at", "event_id"),
    "labels": ("indicator", "subject_type", "subject_id"),
}


def _format(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Render a table as the strings of the CSV contract: money with two decimals, ISO dates,
    ``YYYY-MM-DD HH:MM`` timestamps, ``true``/``false``, empty for missing."""
    if name == "labels":
        return df.astype(str)
    out = pd.DataFrame(index=df.index)
    for col in TABLES[name].columns:
        s = df[col.name]
        if col.type == "money":
            txt = np.char.mod("%.2f", np.nan_to_num(s.to_numpy(dtype=float)))
            out[col.name] = np.where(s.isna(), "", txt)
            out[col.name] = out[col.name].replace("-0.00", "0.00")
        elif col.type == "number":
            txt = np.char.mod("%.1f", np.nan_to_num(s.to_numpy(dtype=float)))
            out[col.name] = np.where(s.isna(), "", txt)
        elif col.type == "int":
            out[col.name] = s.astype("Int64").astype(str).replace("<NA>", "")
        elif col.type == "date":
            out[col.name] = s.dt.strftime("%Y-%m-%d").fillna("")
        elif col.type == "timestamp":
            out[col.name] = s.dt.strftime("%Y-%m-%d %H:%M").fillna("")
        elif col.type == "bool":
            out[col.name] = np.where(s.astype(bool), "true", "false")
        else:
            out[col.name] = s.fillna("").astype(str)
    return out


def _is_previous_sample(path: Path) -> bool:
    """A directory we may replace: it holds the marker and nothing but sample CSV files, or it is a
    province sample (:func:`is_previous_province_sample`)."""
    names = {p.name for p in path.iterdir()}
    allowed = {f"{t}.csv" for t in TABLES} | {MARKER}
    if MARKER in names and names <= allowed and all((path / n).is_file() for n in names):
        return True
    return is_previous_province_sample(path)


def is_previous_province_sample(path: Path) -> bool:
    """A directory holding a province sample (the layout above) and nothing else."""
    allowed = {f"{t}.parquet" for t in TABLES} | {"labels.csv", *_EXTRA_FILES}
    names = {p.name for p in path.iterdir()}
    if "labels.csv" not in names or _PARTS not in names:
        return False
    for p in path.iterdir():
        if p.name == _PARTS:
            if p.is_symlink() or not p.is_dir():
                return False
            for part in p.iterdir():
                if part.is_symlink() or not part.is_dir() or not _PARTITION_NAME.fullmatch(part.name):
                    return False
                for f in part.iterdir():
                    if f.is_symlink() or not f.is_file() or not _PART_NAME.fullmatch(f.name):
                        return False
        elif p.name not in allowed or p.is_symlink() or not p.is_file():
            return False
    return True
