"""The validated input: typed tables with their fingerprints."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["DataSet"]


@dataclass(frozen=True)
class DataSet(Mapping[str, pd.DataFrame]):
    """Validated tables of the data contract, keyed by table name.

    ``fingerprints`` are SHA-256 digests per table (over the bytes of the files it came from), so that
    a report or an export can say exactly which input it was computed from; ``file_fingerprints`` has
    the digest of every file read. Tables are typed as described in ``docs/architecture.md``.
    """

    tables: dict[str, pd.DataFrame]
    fingerprints: dict[str, str] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)
    root: Path | None = None
    mapping: str | None = None
    mapping_sha256: str | None = None
    currency: str | None = None
    file_fingerprints: dict[str, str] = field(default_factory=dict)
    #: per table, rows a column mapping's row filters dropped: ``{"blank": n, "where": m}`` (tables with drops)
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(self._unknown(name)) from None

    def __getattr__(self, name: str) -> pd.DataFrame:
        """A table as an attribute (``ds.payments``); a wrong name says which tables there are."""
        tables = self.__dict__.get("tables")
        if name.startswith("_") or tables is None:  # copy/pickle probing, or not yet initialised
            raise AttributeError(name)
        if name in tables:
            return tables[name]
        raise AttributeError(self._unknown(name))

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.__dict__.get("tables", {})))

    def _unknown(self, name: str) -> str:
        """The message for a table this data set lacks: a close name, or the contract table it did not hold."""
        import difflib

        from fiscalrisk.data.schema import TABLES

        have = sorted(self.tables)
        listed = ", ".join(have) if have else "none"
        if name in TABLES:
            return f"the data set has no table {name!r} (no {name} file was given); its tables: {listed}"
        close = difflib.get_close_matches(str(name), have + sorted(set(TABLES) - set(have)), n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return f"the data set has no table {str(name)[:80]!r}{hint} (its tables: {listed})"

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.tables))

    def __len__(self) -> int:
        return len(self.tables)

    @property
    def row_counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in sorted(self.tables.items())}

    @classmethod
    def from_frames(cls, tables: Mapping[str, pd.DataFrame]) -> DataSet:
        """Wrap already-typed frames (tests, notebooks) without files behind them."""
        return cls(tables=dict(tables))

    def summary(self) -> pd.DataFrame:
        """One row per table: rows, source files, SHA-256 (first 12 hex digits)."""
        return pd.DataFrame(
            [
                {
                    "table": name,
                    "rows": len(self.tables[name]),
                    "files": ", ".join(self.sources.get(name, [])) or "-",
                    "sha256": self.fingerprints.get(name, "")[:12],
                }
                for name in self
            ]
        )

    def manifest(self) -> dict:
        """Input description for manifests: files with SHA-256, tables with row counts."""
        return {
            "root": str(self.root) if self.root else None,
            "mapping": self.mapping,
            "mapping_sha256": self.mapping_sha256,
            "currency": self.currency,
            "files": self.file_fingerprints,
            "tables": {
                name: {
                    "rows": len(self.tables[name]),
                    "sha256": self.fingerprints.get(name),
                    "files": self.sources.get(name, []),
                    **({"rows_dropped": dict(self.dropped[name])} if name in self.dropped else {}),
                }
                for name in self
            },
        }

    def _repr_html_(self) -> str:
        return "<p><b>DataSet</b></p>" + self.summary().to_html(index=False)
