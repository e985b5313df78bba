"""Synthetic Huzhou-like fiscal data with planted, labelled risk cases.

The sample imitates what the Huzhou (湖州市, Zhejiang) finance bureau would hand to fiscalrisk: the
city → county → township tree, about 150 budget units, four budget years (2023–2025 completed, 2026
up to 30 June), treasury payment lines, contracts, procurement, construction projects, assets, the
e-seal log, revenue and the internal-control checklist (``shared/spec/data-contract.md``).

Everything is drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same tables and,
through :func:`write`, byte-identical files. The current date is never read.

The background is built to be *clean* under the default thresholds of the indicator catalogue
(``shared/spec/indicators.md``) and the local limits in ``params/``: payments fall on working days,
amounts are log-uniform over several decades (so their leading digits follow Benford's law), recurring
payments are stratified across units for the same reason, unit spending follows one seasonal profile with a moderate
December peak, recurring payments are sized or spaced so that they never look like split payments,
contracts are procured before they are signed and paid in step with their term, and so on. On top of
it, clear cases of every indicator are planted and listed in ``labels`` (indicator, subject_type,
subject_id, note): the ground truth a scan is measured against.

Some planted cases necessarily show up in more than one indicator (a December surge is also an
outlying month and an outlying December share among peers); those secondary effects are labelled
too, with a note saying so (for example the region-level Benford test of the two regions that hold
the units with fabricated amounts). Deliberate background signals that are *not* labelled:

- duplicate payments reversed by a refund (:meth:`~fiscalrisk.samples.background.Background.refunds`): a correct PAY07 must not flag them;
- peer comparison (ANM04): units that run construction programmes (住建, 交通, 水利) and the finance
  bureaus that disburse the contingency reserve pay proportionally less to individuals and, in 2026,
  execute faster than their peers; a peer test may list them for review, which is what it is for;
- monthly STL residuals (ANM02): on 42 months a robust z of STL residuals exceeds 3.5 for a large
  share of purely Gaussian series, so a detector needs a residual scale that accounts for that;
  the background itself has no spikes beyond planned contract and project instalments.

Sizes (``fiscalrisk sample --size``):

- ``small`` (default): Huzhou, 16 regions, 150 units, about 50,000 payments; CSV files, a few MB.
- ``full``: the same city with about 1.2 million payments (discretionary payments 100x denser,
  seal events 15x); CSV.
- ``province``: a province root (浙江省 330000) over ten Huzhou-like cities of size ``full``
  (50 counties, 100 townships, 1,500 units, about 12 million payments), written city by city as
  Parquet with payments partitioned by county (``payments/county=<code>/part-<NNNNN>.parquet``);
  see :mod:`fiscalrisk.samples.province` for the layout.
- ``province-small``: the same layout with three cities of size ``small`` (15 counties, 450 units,
  about 140,000 payments), for tests.

Layout of the package:

- :mod:`~fiscalrisk.samples.reference`: sizes and dates, the region tree, units, classifications, payee
  names, the local limits (read from the region params);
- :mod:`~fiscalrisk.samples.workdays`: the working-day calendar;
- :mod:`~fiscalrisk.samples.background`: the background payments and the budget plan;
- :mod:`~fiscalrisk.samples.documents`: contracts, procurements and projects;
- :mod:`~fiscalrisk.samples.tables`: assets, e-seal events, checklist, revenue and budget;
- :mod:`~fiscalrisk.samples.plants`: the planted cases, one function per indicator code;
- :mod:`~fiscalrisk.samples.builder`: the builder that runs them all on one random stream;
- :mod:`~fiscalrisk.samples.performance`: the budget performance tables (their own stream);
- :mod:`~fiscalrisk.samples.output`: conforming and rendering tables for the files;
- :mod:`~fiscalrisk.samples.province`: the province sizes, written city by city as Parquet.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from fiscalrisk.data.schema import TABLES
from fiscalrisk.samples.builder import _Builder
from fiscalrisk.samples.output import _SORT_KEYS, MARKER, _format, _is_previous_sample
from fiscalrisk.samples.output import _conform as _conform  # read from here by the tests
from fiscalrisk.samples.reference import ALL_SIZES, AS_OF, PROVINCE_SIZES, SIZES, YEARS
from fiscalrisk.samples.reference import COMPLETED_YEARS as COMPLETED_YEARS

__all__ = ["ALL_SIZES", "SIZES", "PROVINCE_SIZES", "AS_OF", "YEARS", "generate", "write"]

def generate(seed: int = 0, size: str = "small") -> dict[str, pd.DataFrame]:
    """Generate every table of the data contract plus ``labels`` (the planted cases).

    ``size`` is a key of :data:`SIZES`: ``"small"`` (about 50,000 payments, a few MB) or ``"full"``
    (over a million payments, for scale runs). Deterministic in ``seed``; independent of the clock.
    The province sizes (:data:`PROVINCE_SIZES`) are too large to hold in memory: :func:`write` them.
    """
    if size in PROVINCE_SIZES:
        raise ValueError(f"size {size!r} is written city by city: use write(out_dir, size={size!r})")
    return _Builder(seed, size).run()


# ---------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------


def write(out_dir: str | os.PathLike[str], seed: int = 0, size: str = "small") -> dict[str, Path]:
    """Generate a sample and write one ``<table>.csv`` per table plus ``labels.csv`` into ``out_dir``.

    For a province size (``province``, ``province-small``) the sample is written city by city as
    Parquet by :func:`fiscalrisk.samples.province.write` instead (payments partitioned by county; the
    ``payments`` entry of the result is the ``payments/`` folder).

    Files are UTF-8 with a header, rows sorted by the table's key, and byte-identical for the same
    seed and size. The directory is written next to its destination and renamed into place, so a
    failed run leaves nothing half-written. An existing ``out_dir`` is replaced only if it is empty
    or a previous sample (it contains ``labels.csv`` and only sample files); anything else raises
    :class:`FileExistsError` and is left untouched. The write is staged by :mod:`fiscalrisk.staging`
    (lock ``.<out>.lock``, recovery of a killed swap, leftovers of dead runs removed, including the
    ``.<out>.XXXXXXXX`` staging folders of older versions; a full disk becomes a user error).
    """
    from fiscalrisk.staging import StagedOutput

    if size in PROVINCE_SIZES:
        from fiscalrisk.samples import province

        manifest = province.write(out_dir, seed=seed, size=size)
        out = Path(out_dir)
        return {name: out / (f"{name}.csv" if name == "labels" else name if name == "payments" else f"{name}.parquet")
                for name in manifest["counts"]}
    out = Path(out_dir)

    def check(out: Path) -> None:
        if out.exists():
            if not out.is_dir():
                raise FileExistsError(f"{out} exists and is not a directory")
            if any(out.iterdir()) and not _is_previous_sample(out):
                raise FileExistsError(
                    f"{out} is not empty and does not hold a previous sample ({MARKER} missing "
                    "or other files present); refusing to overwrite it"
                )

    def earlier_stage(folder: Path) -> bool:
        """A staging folder of an older version (tempfile.mkdtemp): sample CSV files only."""
        allowed = {f"{t}.csv" for t in TABLES} | {MARKER}
        return all(p.name in allowed and p.is_file() and not p.is_symlink() for p in folder.iterdir())

    check(out)  # before generating (a full sample takes minutes); again under the lock
    tables = generate(seed=seed, size=size)
    staged = StagedOutput(out, kind="tmp", check=check, legacy=earlier_stage)
    tmp = staged.open()
    try:
        written: dict[str, Path] = {}
        for name in sorted(tables):
            df = tables[name]
            keys = _SORT_KEYS.get(name) or (TABLES[name].key if name in TABLES else ())
            if keys:
                df = df.sort_values(list(keys), kind="stable")
            text = _format(name, df.reset_index(drop=True))
            text.to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
            written[name] = out / f"{name}.csv"
        staged.commit()
    except BaseException as exc:
        staged.abort(exc)  # the stage removed, the previous sample kept; a full disk becomes a user error
        raise
    return written
