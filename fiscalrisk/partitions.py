"""Scanning a data set one partition of payments at a time, in this process or on a Dask cluster.

A province has tens of millions of payments; every other table (regions, units, budget lines,
contracts…) stays small. A *partitioned* data directory holds the payments by county, in the hive
layout pyarrow and Dask read::

    DATA/regions.parquet, units.parquet, budget.parquet, …     (or .csv: the usual table files)
    DATA/payments/county=330521/part-00000.parquet              (every payment of the units of 330521's
    DATA/payments/county=330522/part-00000.parquet               subtree; a city's own units under
    …                                                            county=<city code>)

The scan runs in two passes:

1. **Per partition** (:func:`scan_partition`): the small tables whole and the partition's payments; the
   indicators whose result for a unit depends only on that unit's own payments (payment rules, the
   year-end surge, monthly anomalies…) run here, and keep the findings of the partition's regions. The
   partition also returns its payments reduced to the few columns the second pass reads (codes as
   categoricals): a tenth of their size.
2. **Over the data set**: the indicators that compare across regions or roll up the tree (payment
   outliers fitted on every payment, peer comparison, the execution-rate rollup, PEFA,
   every indicator that does not read payments) run once on the small tables and the reduced payments;
   then the risk scores.

Peak memory is the largest partition plus the reduced payments, not the whole data set. The findings
are the same as a one-piece scan of the same data: the first pass's indicators see every payment of
each of their units, and the second pass sees every row, in the same order. Partitions run one after
another (``workers=1``), on a local Dask cluster (``workers=N``) or on an existing one
(``scheduler="tcp://HOST:PORT"``). An unpartitioned data directory is split by county by the scan
itself when it runs on Dask.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.errors import UserError

__all__ = ["LOCAL_EXCLUDED", "Partition", "find_partitions", "is_partitioned", "partition_keys",
           "scan_data_dir", "scan_partition"]

#: Payment-reading indicators that are *not* partition-local: their result for a subject depends on
#: payments of other counties (the payment-outlier forest fitted on a sample of every payment, peer
#: groups across the data set, the forecast's peer history, the execution-rate rollup up the tree).
#: They run in the second pass over the reduced payments. (ANM01's Benford tests are per unit and per
#: region of the units' own payments, which one partition holds whole: it is partition-local.)
LOCAL_EXCLUDED: frozenset[str] = frozenset({"ANM03", "ANM04", "ANM05", "BUD01"})

#: The payment columns the second pass reads (net payments per budget line, contracts and projects
#: paid, and the cross-region detectors), besides those of :data:`LOCAL_EXCLUDED`'s declared reads.
_SECOND_PASS_COLUMNS = ("payment_id", "pay_date", "unit_code", "region_code", "function_code", "economic_code",
                        "project_code", "budget_year", "pay_month", "payee_name", "payee_type", "method", "amount",
                        "contract_id")

_KEY = re.compile(r"county=([A-Za-z0-9_-]{1,64})")


class PartitionError(UserError):
    """A partitioned data directory that does not hold together (exit code 2)."""


@dataclass(frozen=True)
class Partition:
    """One partition of payments: its key (a region code) and its files, or its rows."""

    key: str
    files: tuple[str, ...] = ()
    frame: Any = None  # the payments themselves, when the scan split an unpartitioned data set

    @property
    def name(self) -> str:
        return f"payments/county={self.key}"


def is_partitioned(data_dir: str | Path) -> bool:
    """Whether ``data_dir`` holds its payments as ``payments/county=<code>/*.parquet``."""
    return (Path(data_dir) / "payments").is_dir()


def find_partitions(data_dir: str | Path) -> list[Partition]:
    """The partitions of ``data_dir/payments``, sorted by key; a stray entry is a :class:`PartitionError`."""
    root = Path(data_dir) / "payments"
    out: list[Partition] = []
    for entry in sorted(root.iterdir()):
        where = f"{root.name}/{entry.name}"
        if entry.name.startswith("."):
            continue
        m = _KEY.fullmatch(entry.name)
        if not entry.is_dir() or entry.is_symlink() or m is None:
            raise PartitionError(f"{data_dir}: {where}: expected a partition directory county=<region code> "
                                 "holding .parquet files")
        files = sorted(p for p in entry.iterdir() if not p.name.startswith("."))
        bad = [p.name for p in files if p.suffix != ".parquet" or not p.is_file() or p.is_symlink()]
        if bad:
            raise PartitionError(f"{data_dir}: {where}/{bad[0][:80]}: expected only .parquet files in a partition")
        if not files:
            raise PartitionError(f"{data_dir}: {where}: the partition has no .parquet file (expected at least one)")
        out.append(Partition(m.group(1), tuple(str(p) for p in files)))
    if not out:
        raise PartitionError(f"{data_dir}: payments/ holds no partition (expected payments/county=<code>/*.parquet)")
    return out


def partition_keys(units: pd.DataFrame, tree: Any) -> pd.Series:
    """unit_code → the key of the partition its payments belong to: the county above (or at) the
    unit's region; for a unit above county level (a city's or a province's own departments), its region."""
    keys: dict[str, str] = {}
    for region in pd.unique(units["region_code"].astype("str")):
        key = region
        if region in tree:
            for code in reversed(tree.lineage(region)):
                if tree.level(code) == "county":
                    key = code
                    break
        keys[region] = key
    return pd.Series(units["region_code"].astype("str").map(keys).to_numpy(),
                     index=units["unit_code"].astype("str").to_numpy(), dtype="str")


def _check_layout(data_dir: Path, parts: list[Partition], units: pd.DataFrame, tree: Any) -> None:
    """Before any scanning: every partition readable with the same columns, each unit in one partition,
    and in the partition of its county; every county with units has its partition."""
    import pyarrow.parquet as pq

    expected = partition_keys(units, tree)
    first_cols: tuple[str, ...] | None = None
    first_name = ""
    seen: dict[str, str] = {}
    for part in parts:
        if part.key not in tree:
            raise PartitionError(f"{data_dir}: {part.name}: '{part.key}' is not a region of the regions table")
        for f in part.files:
            rel = f"{part.name}/{Path(f).name}"
            try:
                schema = pq.read_schema(f)
            except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's, named
                raise PartitionError(f"{data_dir}: {rel}: cannot be read as Parquet "
                                     f"({type(exc).__name__}: {str(exc)[:120]})") from None
            if "unit_code" not in schema.names:
                raise PartitionError(f"{data_dir}: {rel}: expected the payments column unit_code "
                                     f"(the file has {', '.join(schema.names)[:200]})")
            try:
                col = pq.read_table(f, columns=["unit_code"]).column("unit_code")
            except Exception as exc:  # noqa: BLE001
                raise PartitionError(f"{data_dir}: {rel}: cannot be read as Parquet "
                                     f"({type(exc).__name__}: {str(exc)[:120]})") from None
            cols = tuple(n for n in schema.names if n != "county")
            if first_cols is None:
                first_cols, first_name = cols, rel
            elif cols != first_cols:
                missing = sorted(set(first_cols) - set(cols))
                extra = sorted(set(cols) - set(first_cols))
                raise PartitionError(
                    f"{data_dir}: {rel}: expected the columns of {first_name} ({', '.join(first_cols)}); "
                    + (f"missing {', '.join(missing)}" if missing else "")
                    + ("; " if missing and extra else "") + (f"extra {', '.join(extra)}" if extra else "")
                    + ("" if missing or extra else "in another order"))
            for unit in pd.unique(col.to_pandas().dropna().astype("str")):
                other = seen.setdefault(unit, part.key)
                if other != part.key:
                    raise PartitionError(f"{data_dir}: unit '{unit[:64]}' appears in two partitions: "
                                         f"payments/county={other} and {part.name} (expected one)")
                want = expected.get(unit)
                if want is not None and want != part.key:
                    raise PartitionError(f"{data_dir}: {rel}: unit '{unit[:64]}' belongs to partition "
                                         f"payments/county={want} (the county of its region), not {part.name}")
    have = {p.key for p in parts}
    for key in sorted(set(expected.to_numpy()) - have):
        if tree.level(key) == "county":
            raise PartitionError(f"{data_dir}: payments/county={key} is missing: expected a partition for "
                                 f"every county with units in the units table ({len(have)} partitions found)")


def _read_partition(part: Partition, units: pd.DataFrame, limits: Any) -> pd.DataFrame:
    """The partition's payments, read and validated through the contract like any table file (their
    units checked against every unit of the data set, ``units``)."""
    if part.frame is not None:
        return part.frame
    from fiscalrisk.data.load import read_payments_files

    return read_payments_files([Path(f) for f in part.files], part.name, {"units": units}, limits)


def scan_partition(part: Partition, small: Mapping[str, pd.DataFrame], as_of: pd.Timestamp, base: Any,
                   per_region: Mapping[str, Any], codes: list[str], limits: Any = None,
                   order: str | None = None, all_units: pd.DataFrame | None = None,
                   regions: Any = None) -> tuple[Any, pd.DataFrame, int]:
    """The first pass over one partition: (indicator runs, reduced payments, payment rows read).

    ``small``: every table but payments; ``all_units``: every unit of the data set, which the
    partition's payments are validated against (default: small's); ``regions``: keep only the runs of
    these regions (a ``--region`` scan's subtree; default: every region the partition holds units of)."""
    from fiscalrisk.hierarchy import RegionTree
    from fiscalrisk.indicators import registry
    from fiscalrisk.scan import make_context, run_specs

    pay = _read_partition(part, small["units"] if all_units is None else all_units, limits)
    rows = len(pay)
    units = small["units"]
    unit_codes = set(units["unit_code"].astype("str"))
    pay = pay.loc[pay["unit_code"].astype("str").isin(unit_codes).to_numpy()]  # a --region scan's units
    tables = dict(small)
    tables["payments"] = pay
    tree = RegionTree.from_frame(small["regions"])
    ctx = make_context(tables, as_of, base, tree=tree)
    keep = set(units.loc[units["unit_code"].astype("str").isin(set(pay["unit_code"].astype("str"))),
                         "region_code"].astype("str"))
    if regions is not None:
        keep &= set(map(str, regions))
    specs = [registry.get(c) for c in codes] if keep else []  # outside the subtree: only its reduced payments
    run = run_specs(specs, ctx, per_region, keep=keep)
    reduced = ctx.payments
    cols = [c for c in _second_pass_columns() if c in reduced.columns]
    if order is not None and order in reduced.columns:
        cols.append(order)
    return run, reduced[cols].copy(), rows


def _second_pass_columns() -> tuple[str, ...]:
    """The payment columns of the second pass: its indicators' and the series' (``series.PAYMENT_COLUMNS``:
    the charts and the reference tables, e.g. the personal payees' accounts the dashboard masks)."""
    from fiscalrisk import series
    from fiscalrisk.indicators import registry

    cols = list(_SECOND_PASS_COLUMNS) + [c for c in series.PAYMENT_COLUMNS if c not in _SECOND_PASS_COLUMNS]
    for code in sorted(LOCAL_EXCLUDED):
        for c in registry.get(code).reads.get("payments", ()):
            if c not in cols:
                cols.append(c)
    return tuple(cols)


def _concat_reduced(frames: list[pd.DataFrame], order: str | None) -> pd.DataFrame:
    """The partitions' reduced payments as one frame; categoricals unioned with sorted categories (as a
    one-piece scan builds them), rows in the data set's order."""
    from pandas.api.types import union_categoricals

    frames = [f for f in frames if len(f)] or frames[:1]
    if len(frames) == 1:
        out = frames[0].reset_index(drop=True)
    else:
        cols: dict[str, Any] = {}
        for c in frames[0].columns:
            if isinstance(frames[0][c].dtype, pd.CategoricalDtype):
                cols[c] = pd.Categorical(union_categoricals([f[c] for f in frames], sort_categories=True))
            else:
                cols[c] = pd.concat([f[c] for f in frames], ignore_index=True)
        out = pd.DataFrame(cols)
    if order is not None and order in out.columns:
        out = out.sort_values(order, kind="mergesort", ignore_index=True).drop(columns=[order])
    return out


def split_by_county(payments: pd.DataFrame, units: pd.DataFrame, tree: Any, order: str) -> list[Partition]:
    """An unpartitioned payments table as partitions by county (for a Dask scan); rows keep their order
    number in ``order`` so the second pass sees them in the data set's order."""
    keys = partition_keys(units, tree)
    key = payments["unit_code"].astype("str").map(keys).fillna("_none")
    pay = payments.assign(**{order: np.arange(len(payments), dtype="int64")})
    return [Partition(str(k), frame=pay.loc[(key == k).to_numpy()]) for k in sorted(pd.unique(key))]


def _run_first_pass(parts: list[Partition], small: Mapping[str, pd.DataFrame], as_of: pd.Timestamp, base: Any,
                    per_region: Mapping[str, Any], codes: list[str], limits: Any, order: str | None,
                    workers: int, scheduler: str | None, all_units: pd.DataFrame,
                    regions: Any = None) -> list[tuple[Any, pd.DataFrame, int]]:
    if regions is not None:
        regions = sorted(regions)
    if scheduler is None and workers <= 1:
        return [scan_partition(p, small, as_of, base, per_region, codes, limits, order, all_units, regions)
                for p in parts]
    from distributed import Client, LocalCluster

    def run(client: Any) -> list[tuple[Any, pd.DataFrame, int]]:
        small_f = client.scatter(dict(small), broadcast=True)
        units_f = client.scatter(all_units, broadcast=True)
        futures = [client.submit(scan_partition, p, small_f, as_of, base, per_region, codes, limits, order,
                                 units_f, regions, key=f"fiscalrisk-partition-{p.key}", pure=False) for p in parts]
        return client.gather(futures)

    if scheduler is not None:
        with Client(scheduler, timeout="30s") as client:
            return run(client)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as client:
        return run(client)


def scan_data_dir(data_dir: str | Path, as_of: Any = None, *, region: str | None = None,
                  files: tuple[str, ...] = (), codes: list[str] | None = None, limits: Any = None,
                  workers: int = 1, scheduler: str | None = None, rules: Any = None, jobs: int = 1) -> Any:
    """Scan a data directory partition by partition (see the module docstring): a partitioned one by
    its partitions, an unpartitioned one split by county (only worth it on Dask: ``workers`` > 1 or a
    ``scheduler``). Returns a :class:`fiscalrisk.scan.ScanResult` equal to ``scan(load(data_dir))``'s.
    ``rules``: a published rules version instead of the params files (as for :func:`fiscalrisk.scan.scan`).
    ``jobs``: the second pass's indicators run in that many processes (as ``scan(jobs=)``)."""
    from fiscalrisk.data.load import load
    from fiscalrisk.hierarchy import RegionTree
    from fiscalrisk.params import resolve
    from fiscalrisk.scan import (
        IndicatorRuns,
        _check_scan_wide,
        _sub_context,
        default_as_of,
        finish_scan,
        make_context,
        note_peer_params,
        params_of_every_region,
        region_subtree,
        rules_specs,
        run_specs,
        subset_tables,
    )

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    data_dir = Path(data_dir)
    order: str | None = None
    if is_partitioned(data_dir):
        ds = load(data_dir, limits=limits, exclude=("payments",))
        small = dict(ds.tables)
        full_tree = RegionTree.from_frame(small["regions"])
        parts = find_partitions(data_dir)
        _check_layout(data_dir, parts, small["units"], full_tree)
        as_of_ts = _latest_pay_date(parts, small) if as_of is None else pd.Timestamp(as_of).normalize()
    else:
        ds = load(data_dir, limits=limits)
        small = {k: v for k, v in ds.tables.items() if k != "payments"}
        full_tree = RegionTree.from_frame(small["regions"])
        order = "_row_order"
        parts = split_by_county(ds.tables["payments"], small["units"], full_tree, order) if "payments" in ds.tables else []
        as_of_ts = default_as_of(ds.tables) if as_of is None else pd.Timestamp(as_of).normalize()
    # a --region scan runs as the whole scan does and keeps its subtree (scan.scan's ``region``): every
    # partition is read, since the second pass compares the region with peers elsewhere
    tree = full_tree if region is None else RegionTree.from_frame(
        subset_tables(small, region_subtree(full_tree, region))["regions"])
    all_units = small["units"]
    if rules is not None:
        base = rules.resolve(str(region) if region is not None else None, tree=full_tree)
        per_region = {code: rules.resolve(code, tree=full_tree) for code in tree.codes}
    else:
        base = resolve(str(region) if region is not None else None, tree=full_tree, files=files)
        per_region = {code: resolve(code, tree=full_tree, files=files) for code in tree.codes}
    every_region, fallback = params_of_every_region(full_tree, per_region, base, files=files, rules=rules)
    _check_scan_wide(ds, base, per_region)
    specs = rules_specs(codes, rules, as_of_ts)
    local = [s.code for s in specs if "payments" in s.reads and s.code not in LOCAL_EXCLUDED]
    second = [s for s in specs if s.code not in set(local)]
    inside = set(tree.codes)

    results = _run_first_pass(parts, small, as_of_ts, base, every_region, local, limits, order, workers, scheduler,
                              all_units, None if region is None else inside)
    run = IndicatorRuns()
    reduced: list[pd.DataFrame] = []
    rows = 0
    while results:  # each partition's reduced payments are held once: here, until concatenated
        r, red, n = results.pop(0)
        run.extend(r)
        reduced.append(red)
        rows += n
    run.assessed.append(_unseen_regions(run.assessed, local, tree.codes, per_region))
    tables = dict(small)
    if reduced:
        tables["payments"] = _concat_reduced(reduced, order)
        reduced.clear()
    ctx = make_context(tables, as_of_ts, base, tree=full_tree)
    if reduced:
        ctx.cache["payments"] = tables["payments"]
    run.extend(run_specs(second, ctx, every_region, keep=None if region is None else inside, jobs=jobs))
    if region is not None:
        ctx = _sub_context(ctx, tables, sorted(inside), base)  # PEFA, scores and series of the subtree
    info = _DataInfo(ds, rows, [f"{p.name}/{Path(f).name}" for p in parts for f in p.files])
    result = finish_scan(run, ctx, info, region, base, per_region, specs, started, t0, rules=rules)
    note_peer_params(result, fallback)
    result.manifest["partitions"] = {"count": len(parts), "workers": workers, "scheduler": scheduler,
                                     "split_by_scan": order is not None}
    return result


def _unseen_regions(assessed: list[pd.DataFrame], codes: list[str], regions: list[str],
                    per_region: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The ``assessed`` rows a one-piece scan gives the regions no partition holds units of (e.g. a
    province root): "no subjects", or the indicator's reason when no partition could assess it. None for
    a region where the indicator is switched off (``switched_off``), as in a one-piece scan."""
    from fiscalrisk.findings import ASSESSED_COLUMNS, finalize_assessed
    from fiscalrisk.indicators import registry

    frames = [a for a in assessed if len(a)]
    seen = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(ASSESSED_COLUMNS))
    rows = []
    for code in codes:
        mine = seen.loc[seen["indicator"] == code]
        off = {r for r, p in (per_region or {}).items() if code in set(p.get("switched_off") or ())}
        missing = sorted(set(regions) - set(mine["region_code"].astype("str")) - off)
        if not missing:
            continue
        status = mine["status"].astype("str")
        not_assessed = len(mine) > 0 and (status == "not_assessed").all() and mine["reason"].nunique() == 1
        module = registry.get(code).module
        for region in missing:
            rows.append({"indicator": code, "module": module, "region_code": region,
                         "status": "not_assessed" if not_assessed else "assessed",
                         "assessed": pd.NA if not_assessed else 0, "flagged": pd.NA if not_assessed else 0,
                         "warnings": pd.NA if not_assessed else 0, "alerts": pd.NA if not_assessed else 0,
                         "reason": str(mine["reason"].iloc[0]) if not_assessed else "no subjects"})
    if not rows:
        return pd.DataFrame(columns=list(ASSESSED_COLUMNS))
    return finalize_assessed(pd.DataFrame(rows)[list(ASSESSED_COLUMNS)])


def _latest_pay_date(parts: list[Partition], small: Mapping[str, pd.DataFrame]) -> pd.Timestamp:
    """The default as_of of a partitioned data set: the latest pay_date of any partition."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from fiscalrisk.scan import default_as_of

    latest = None
    for p in parts:
        for f in p.files:
            v = pc.max(pq.read_table(f, columns=["pay_date"]).column("pay_date")).as_py()
            if v is not None and (latest is None or pd.Timestamp(v) > latest):
                latest = pd.Timestamp(v)
    return latest.normalize() if latest is not None else default_as_of(small)


class _DataInfo:
    """What the manifest records of the input: the small tables' fingerprints and the payment rows read
    from every partition (the scan's context holds only their reduced form)."""

    def __init__(self, ds: Any, payment_rows: int, payment_files: list[str]) -> None:
        self.tables = dict(ds.tables)
        self.tables["payments"] = pd.DataFrame(index=pd.RangeIndex(payment_rows))
        self.fingerprints = getattr(ds, "fingerprints", {})
        self.sources = dict(getattr(ds, "sources", {}) or {})
        if payment_files:
            self.sources["payments"] = payment_files
        self.file_fingerprints = getattr(ds, "file_fingerprints", {})
        self.mapping = getattr(ds, "mapping", None)
        self.mapping_sha256 = getattr(ds, "mapping_sha256", None)
