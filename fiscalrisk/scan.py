"""The scan: run every registered indicator over a data set, and write the scan directory.

``scan(dataset) -> ScanResult`` is the whole flow after loading: build the :class:`ScanContext`
(tables, ``as_of``, parameters, region tree, working-day calendar), run each indicator through the
registry (which grades, writes messages and evidence and gives stable ids), compute the PEFA table and
scores and the risk scores, and the series and reference tables presentation draws
(:mod:`fiscalrisk.series`). ``write_scan(result, out_dir)`` writes the files of the data contract,
section 2, atomically and byte-identically for the same input: everything a report or the dashboard
needs, so that they read the scan directory and nothing else (``docs/scan-directory.md``).
:func:`open_scan` checks a scan directory (complete, of this :data:`SCAN_FORMAT`) before anything
reads it; :func:`read_values`, :func:`read_series` and :func:`read_reference` read its tables.

Parameters per region: when the scan resolves the parameters itself, each region gets its own layered
parameters (defaults → city → county → township). An indicator whose parameters are the same for every
region runs once over the whole data set; one whose parameters differ (e.g. 德清县 sets PAY06's
threshold to 200,000) runs once per group of regions sharing the same parameters, over the units of
those regions only.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk import analyst_hook
from fiscalrisk.cells import escape_frame, unescape_frame
from fiscalrisk.errors import UserError
from fiscalrisk.findings import (
    LEVEL_DTYPE,
    RISK_LEVELS,
    empty_findings,
    finalize_assessed,
    finalize_findings,
    risk_scores,
)
from fiscalrisk.indicators import registry
from fiscalrisk.indicators.outturn import PEFA_COLUMNS, pefa_scores, pefa_table
from fiscalrisk.indicators.registry import ScanContext, measure_and_grade
from fiscalrisk.ruleset import UNPUBLISHED
from fiscalrisk.version import __version__

__all__ = ["ScanResult", "scan", "write_scan", "evaluate", "make_context", "subset_tables", "read_findings",
           "OUTPUT_FILES", "SCAN_FORMAT", "ScanDirError", "open_scan", "scan_file_names", "read_values",
           "read_series", "read_reference", "indicator_codes"]

#: The version of the scan directory's layout, recorded as ``scan_format`` in ``manifest.json``.
#: 1 (no ``scan_format``): findings, assessed, PEFA, scores only; presentation re-ran indicators on the
#: raw data. 2: also ``values/``, ``series/`` and ``reference/``; presentation reads nothing else.
SCAN_FORMAT = 2

OUTPUT_FILES: tuple[str, ...] = (
    "findings.csv",
    "findings.parquet",
    "assessed.csv",
    "pefa.csv",
    "pefa_scores.csv",
    "scores.csv",
    "manifest.json",
)


@dataclass(frozen=True)
class ScanResult:
    """What a scan produces (the scan directory's content, in memory)."""

    findings: pd.DataFrame
    assessed: pd.DataFrame
    pefa: pd.DataFrame
    pefa_scores: pd.DataFrame
    scores: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    #: indicators that failed with an internal error: code → traceback text (they are "not assessed:
    #: internal error in CODE" in ``assessed``; the other indicators ran)
    errors: dict[str, str] = field(default_factory=dict)
    #: indicator code → every non-event subject it measured, graded by the one grader (the indicator's
    #: own result columns plus region_code, value, threshold, level); see ``registry.measure_and_grade``
    values: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: name → the series presentation draws (:func:`fiscalrisk.series.series_tables`)
    series: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: name → the reference tables presentation names things with (:func:`fiscalrisk.series.reference_tables`)
    reference: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __repr__(self) -> str:
        lv = self.findings["level"].astype("str").value_counts()
        return (f"ScanResult(as_of={self.manifest.get('as_of')}, findings={len(self.findings)} "
                f"(alert {int(lv.get('alert', 0))}, warning {int(lv.get('warning', 0))}, "
                f"info {int(lv.get('info', 0))}))")


# --------------------------------------------------------------------------------------------------
# Building the context
# --------------------------------------------------------------------------------------------------


def _tables_of(data: Any) -> dict[str, pd.DataFrame]:
    tables = getattr(data, "tables", data)
    if not isinstance(tables, Mapping):
        raise TypeError("scan: expected a DataSet or a mapping of table name → DataFrame")
    return {str(k): v for k, v in tables.items() if v is not None}


def subset_tables(tables: Mapping[str, pd.DataFrame], region_codes: list[str] | set[str]) -> dict[str, pd.DataFrame]:
    """The tables restricted to the given regions and their units.

    regions and revenue by region_code, every table with a unit_code by the units of those regions,
    project_progress by the projects kept; other tables (calendar) unchanged. A kept region whose parent
    is not kept becomes a root.
    """
    codes = {str(c) for c in region_codes}
    out: dict[str, pd.DataFrame] = {}
    units = tables.get("units")
    unit_codes: set[str] = set()
    if units is not None:
        units = units.loc[units["region_code"].isin(codes)]
        unit_codes = set(units["unit_code"])
    for name, df in tables.items():
        if name == "regions":
            r = df.loc[df["region_code"].isin(codes)].copy()
            if "parent_code" in r:
                r["parent_code"] = r["parent_code"].where(r["parent_code"].isin(codes))
            out[name] = r
        elif name == "units":
            out[name] = units
        elif "unit_code" in df.columns:
            out[name] = df.loc[df["unit_code"].isin(unit_codes)]
        elif name == "revenue" and "region_code" in df.columns:
            out[name] = df.loc[df["region_code"].isin(codes)]
        else:
            out[name] = df
    if "project_progress" in out and "projects" in out:
        pp = out["project_progress"]
        out["project_progress"] = pp.loc[pp["project_code"].isin(set(out["projects"]["project_code"]))]
    return out


def region_subtree(tree: Any, region: str) -> list[str]:
    """The codes of ``region``'s subtree; a region not in the tree is a user error (exit 2)."""
    if str(region) not in tree:
        from fiscalrisk.errors import UserError

        raise UserError(f"region '{str(region)[:80]}' is not in the regions table "
                        f"({len(tree.codes)} regions, e.g. {', '.join(tree.codes[:5])})")
    return tree.subtree(str(region))


def default_as_of(tables: Mapping[str, pd.DataFrame]) -> pd.Timestamp:
    """The latest pay_date; without payments, 31 December of the latest budget year."""
    pay = tables.get("payments")
    if pay is not None and len(pay) and pay["pay_date"].notna().any():
        return pd.Timestamp(pay["pay_date"].max()).normalize()
    budget = tables.get("budget")
    if budget is not None and len(budget) and budget["year"].notna().any():
        return pd.Timestamp(int(budget["year"].max()), 12, 31)
    raise ValueError("scan: cannot choose as_of: no payments and no budget years; pass as_of")


def make_context(
    tables: Mapping[str, pd.DataFrame],
    as_of: Any = None,
    params: Any = None,
    *,
    tree: Any = None,
    calendar: Any = None,
) -> ScanContext:
    """A :class:`ScanContext` for ``tables`` (defaults: as_of = latest pay_date; params = defaults)."""
    from fiscalrisk.calendar import WorkdayCalendar
    from fiscalrisk.hierarchy import RegionTree
    from fiscalrisk.params import Params, resolve

    tables = dict(tables)
    if tree is None and "regions" in tables:
        tree = RegionTree.from_frame(tables["regions"])
    if params is None:
        params = resolve()
    elif isinstance(params, Mapping):
        params = resolve(overrides=params)
    elif not isinstance(params, Params) and not hasattr(params, "indicator"):
        raise TypeError(f"scan: params expected a Params or a dict of overrides; got {type(params).__name__}")
    as_of = default_as_of(tables) if as_of is None else pd.Timestamp(as_of).normalize()
    if calendar is None:
        base = params.get("calendar.base", "cn") if hasattr(params, "get") else "cn"
        calendar = WorkdayCalendar(tables.get("calendar"), base=base)
    return ScanContext(tables=tables, as_of=as_of, params=params, tree=tree, calendar=calendar)


# --------------------------------------------------------------------------------------------------
# Scan
# --------------------------------------------------------------------------------------------------


def _params_key(params: Any, spec: registry.IndicatorSpec) -> str:
    """What an indicator reads of the params: regions with equal keys share one run."""
    return json.dumps(
        {"i": params.indicator(spec.code), "m": params.module(spec.module),
         "s": {name: params.get(name) for name in spec.sections}},
        sort_keys=True, default=str,
    )


def scan(
    dataset_or_tables: Any,
    as_of: Any = None,
    params: Any = None,
    region: str | None = None,
    *,
    files: tuple[str | os.PathLike[str], ...] = (),
    codes: str | list[str] | tuple[str, ...] | None = None,
    rules: Any = None,
    jobs: int = 1,
) -> ScanResult:
    """Scan a data set: every registered indicator (or ``codes``), PEFA, risk scores.

    Parameters
    ----------
    dataset_or_tables:
        A :class:`fiscalrisk.data.DataSet` or a mapping of table name → validated DataFrame.
    as_of:
        The date the scan looks from; default: the latest pay_date.
    params:
        ``None`` (each region's layered params files), a dict of overrides layered on top of them, or a
        resolved :class:`fiscalrisk.params.Params` used for every region as is.
    region:
        Keep only this region's subtree. The indicators still run over the whole data set (each region
        with its own params, as in a whole scan) and the subtree's findings, assessed rows and values are
        kept: peer groups, rollups and data-set-wide models (ANM02–ANM05, BUD01, OUT02, ...) compare a
        county with the same peers as the whole scan does, so a region's findings have the values the
        whole scan gives them. ``as_of`` defaults to the data set's latest pay_date, as in a whole scan.
        PEFA, risk scores, series and reference tables are those of the subtree.
    files:
        Extra params YAML files layered over the region files (``--params``).
    codes:
        Only these indicators: a list of codes, or one string of codes separated by commas or spaces
        (``"BUD01"``, ``"BUD01,PAY06"``).
    rules:
        A :class:`fiscalrisk.ruleset.RuleSet` (a published rules version) giving every region's
        parameters instead of the params files; its retired codes are not run. Not with ``params`` or
        ``files``. The findings and the manifest carry its version (without it: ``unpublished``).
    jobs:
        Run the indicators in this many processes (forked; where the platform cannot fork, one). The
        findings and every table are the same as with one; on two cores a million payments take about
        two thirds of the time (docs/architecture.md).
    """
    from fiscalrisk.hierarchy import RegionTree
    from fiscalrisk.params import Params, resolve

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"scan: jobs must be a whole number ≥ 1, got {jobs!r}")
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    tables = _tables_of(dataset_or_tables)
    for req in ("regions", "units"):
        if req not in tables:
            raise ValueError(f"scan: the table {req!r} is required")
    full_tables = tables
    full_tree = RegionTree.from_frame(tables["regions"])
    as_of_ts = default_as_of(tables) if as_of is None else pd.Timestamp(as_of).normalize()
    specs = rules_specs(codes, rules, as_of_ts)
    if region is not None:
        tables = subset_tables(tables, region_subtree(full_tree, region))
    tree = RegionTree.from_frame(tables["regions"])

    per_region: dict[str, Any] = {}
    if rules is not None:
        if params is not None or files:
            raise ValueError("scan: give rules (a published version) or params/files, not both")
        base = rules.resolve(str(region) if region is not None else None, tree=full_tree)
        per_region = {code: rules.resolve(code, tree=full_tree) for code in tree.codes}
    elif isinstance(params, Params) or (params is not None and not isinstance(params, Mapping)):
        base = params
    else:
        overrides = dict(params) if isinstance(params, Mapping) else None
        root = str(region) if region is not None else None
        base = resolve(root, tree=full_tree, files=files, overrides=overrides)
        per_region = {code: resolve(code, tree=full_tree, files=files, overrides=overrides) for code in tree.codes}
    every_region, fallback = params_of_every_region(full_tree, per_region, base, files=files,
                                                    overrides=dict(params) if isinstance(params, Mapping) else None,
                                                    rules=rules)

    _check_scan_wide(dataset_or_tables, base, per_region)
    ctx = make_context(tables, as_of_ts, base, tree=tree)
    if region is None:
        run = run_specs(specs, ctx, per_region, jobs=jobs)
    else:
        whole = make_context(full_tables, as_of_ts, base, tree=full_tree)
        run = run_specs(specs, whole, every_region, keep=set(tree.codes), jobs=jobs)
    result = finish_scan(run, ctx, dataset_or_tables, region, base, per_region, specs, started, t0, rules=rules)
    note_peer_params(result, fallback)
    return result


def params_of_every_region(full_tree: Any, per_region: Mapping[str, Any], base: Any, *,
                           files: tuple[str | os.PathLike[str], ...] = (),
                           overrides: Mapping[str, Any] | None = None,
                           rules: Any = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The params of every region of the data set, for a region scan that runs over the whole data set:
    ``per_region`` (the subtree's, resolved by the caller) and every other region's own.

    A region outside the subtree whose params do not resolve (e.g. the overrides scale a limit below a
    value its file sets) cannot be scanned by a whole scan either: it takes ``base`` (the subtree root's
    params) so that it still lends its rows to peer groups, and ``fallback`` (region → the first line of
    its error) says so; the scan records it in ``manifest["peer_params_fallback"]``. With one params
    object for every region (``per_region`` empty), that object is every region's. With ``rules`` (a
    published version) every region's params are the version's.
    """
    from fiscalrisk.params import ParamsError, resolve

    if not per_region:
        return {}, {}
    every: dict[str, Any] = {}
    fallback: dict[str, str] = {}
    for code in full_tree.codes:
        if code in per_region:
            every[code] = per_region[code]
            continue
        try:
            every[code] = (rules.resolve(code, tree=full_tree) if rules is not None
                           else resolve(code, tree=full_tree, files=files, overrides=overrides))
        except ParamsError as exc:
            every[code] = base
            fallback[code] = (str(exc).splitlines() or [""])[0][:300]
    return every, fallback


def note_peer_params(result: ScanResult, fallback: Mapping[str, str]) -> None:
    """Record in the manifest the regions outside a region scan's subtree whose params did not resolve
    (:func:`params_of_every_region`): their rows were compared with the subtree's under the subtree
    root's params, so a peer-based value may differ from a whole scan's (which these params would refuse)."""
    if fallback:
        result.manifest["peer_params_fallback"] = dict(sorted(fallback.items()))


def indicator_codes(codes: Any) -> list[str]:
    """``codes`` as a list of indicator codes: a list or tuple of codes, or one string of codes separated
    by commas or white space (``"BUD01"``, ``"BUD01, PAY06"``); duplicates dropped, order kept. Every
    code must be registered (``KeyError`` naming close codes otherwise)."""
    if isinstance(codes, str):
        items = [c for c in re.split(r"[\s,]+", codes) if c]
    else:
        items = [str(c).strip() for c in codes]
    if not items:
        raise ValueError("codes: expected at least one indicator code (e.g. 'PAY06'); got none")
    out = list(dict.fromkeys(items))
    for code in out:
        registry.get(code)
    return out


def rules_specs(codes: Any, rules: Any, as_of: pd.Timestamp) -> list[registry.IndicatorSpec]:
    """The indicators a scan runs: ``codes`` (default every registered one; see :func:`indicator_codes`)
    less those ``rules`` retired on or before ``as_of``."""
    specs = registry.specs() if codes is None else [registry.get(c) for c in indicator_codes(codes)]
    retired = set(rules.retired_at(as_of)) if rules is not None else set()
    return [s for s in specs if s.code not in retired]


def _switched_off(params: Any) -> set[str]:
    value = params.get("switched_off") if hasattr(params, "get") else None
    return set(value or ())


@dataclass
class IndicatorRuns:
    """What running indicators over a context gives (before the scan's tables are finalised); the runs
    over several partitions of a data set are merged with :meth:`extend`."""

    findings: list[pd.DataFrame] = field(default_factory=list)
    assessed: list[pd.DataFrame] = field(default_factory=list)
    values: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def extend(self, other: IndicatorRuns) -> None:
        self.findings += other.findings
        self.assessed += other.assessed
        for code, parts in other.values.items():
            self.values.setdefault(code, []).extend(parts)
        for code, t in other.timings.items():
            self.timings[code] = round(self.timings.get(code, 0.0) + t, 3)
        for code, tb in other.errors.items():
            self.errors.setdefault(code, tb)


def run_specs(specs: list[registry.IndicatorSpec], ctx: ScanContext, per_region: Mapping[str, Any],
              keep: set[str] | None = None, *, jobs: int = 1) -> IndicatorRuns:
    """Run ``specs`` over ``ctx``, each once per group of regions sharing its params.

    ``keep``: only the findings, assessed rows and values of these regions are kept (a partition's
    run keeps the regions whose units it holds). ``jobs`` > 1: the indicators run in that many forked
    processes (:func:`_run_in_processes`); each indicator's results are the same as in one process.
    """
    runner = _SpecRunner(ctx, per_region, keep)
    if jobs > 1 and len(specs) > 1 and "fork" in multiprocessing.get_all_start_methods():
        return _run_in_processes(runner, specs, jobs)
    out = IndicatorRuns()
    for spec in specs:
        out.extend(runner.run(spec))
    return out


class _SpecRunner:
    """Runs one indicator over a context, once per group of regions sharing its params (the groups'
    contexts are kept while the next indicator has the same groups)."""

    def __init__(self, ctx: ScanContext, per_region: Mapping[str, Any], keep: set[str] | None) -> None:
        self.ctx, self.per_region, self.keep = ctx, per_region, keep
        self.codes = ctx.tree.codes if ctx.tree is not None else ctx.region_codes
        self.sub_contexts: dict[frozenset[str], ScanContext] = {}

    def kept(self, frame: pd.DataFrame, regions: frozenset[str] | set[str] | None) -> pd.DataFrame:
        if not len(frame):
            return frame
        if regions is not None:
            frame = frame.loc[frame["region_code"].isin(regions)]
        if self.keep is not None:
            frame = frame.loc[frame["region_code"].isin(self.keep)]
        return frame

    def run(self, spec: registry.IndicatorSpec) -> IndicatorRuns:
        ctx, per_region, out = self.ctx, self.per_region, IndicatorRuns()
        t = time.perf_counter()
        # switched off (parameter switched_off): not run in those regions, no assessed rows there either
        active = {c: p for c, p in per_region.items() if spec.code not in _switched_off(p)}
        if (per_region and not active) or (not per_region and spec.code in _switched_off(ctx.params)):
            out.timings[spec.code] = 0.0
            return out
        groups: dict[str, list[str]] = {}
        for code, p in active.items():
            groups.setdefault(_params_key(p, spec), []).append(code)
        if len(groups) <= 1 and len(active) == len(per_region):
            run_ctx = ctx if not per_region else _with_params(ctx, per_region[self.codes[0]])
            runs = [(run_ctx, None)]
        else:
            runs = []
            # only this indicator's groups are kept: the next indicator of the module usually has the same
            # ones, and a province's groups would otherwise hold copies of most of its payments at once
            wanted = {frozenset(members) for members in groups.values()}
            self.sub_contexts = {k: v for k, v in self.sub_contexts.items() if k in wanted}
            for members in groups.values():
                key = frozenset(members)
                if key not in self.sub_contexts:
                    self.sub_contexts[key] = _sub_context(ctx, ctx.tables, members, per_region[members[0]])
                runs.append((_with_params(self.sub_contexts[key], per_region[members[0]]), key))
        for run_ctx, regions in runs:
            f, a, v = _run(spec, run_ctx, out.errors)
            out.findings.append(self.kept(f, regions))
            out.assessed.append(self.kept(a, regions))
            v = self.kept(v, regions)
            if len(v):
                out.values.setdefault(spec.code, []).append(v)
        out.timings[spec.code] = round(time.perf_counter() - t, 3)
        return out


#: the runner the forked processes of :func:`_run_in_processes` inherit (set only while they run)
_FORKED: tuple[_SpecRunner, list[registry.IndicatorSpec]] | None = None


def _run_forked(i: int) -> IndicatorRuns:
    runner, specs = _FORKED  # type: ignore[misc]
    return runner.run(specs[i])


def _run_in_processes(runner: _SpecRunner, specs: list[registry.IndicatorSpec], jobs: int) -> IndicatorRuns:
    """The indicators in ``jobs`` forked processes, one indicator per task, the heaviest (those reading
    payments) first; the results are merged in catalogue order. The context's shared tables (the
    normalised payments, budget, net payments per line) are built before the fork, so the processes
    share them instead of each building its own; a failure there is left for the indicators to report
    (each isolated, as in one process)."""
    global _FORKED
    for name in ("payments", "budget", "net_payments"):
        try:
            getattr(runner.ctx, name)
        except Exception:  # noqa: BLE001, S112 - reported by the indicators that read it
            continue
    order = sorted(range(len(specs)), key=lambda i: ("payments" not in specs[i].reads, i))
    _FORKED = (runner, specs)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            results = dict(zip(order, pool.map(_run_forked, order), strict=True))
    finally:
        _FORKED = None
    out = IndicatorRuns()
    for i in range(len(specs)):
        out.extend(results[i])
    return out


def finish_scan(run: IndicatorRuns, ctx: ScanContext, data: Any, region: str | None, base: Any,
                per_region: Mapping[str, Any], specs: list[registry.IndicatorSpec], started: datetime,
                t0: float, *, rules: Any = None) -> ScanResult:
    """The scan's tables from the indicator runs: findings, assessed, values, PEFA, risk scores,
    manifest (``ctx`` is the context over the whole data set, or its compact form in a partitioned
    scan)."""
    values = {}
    for code, parts in sorted(run.values.items()):
        v = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        values[code] = v.sort_values(["region_code", "subject_id", "period"], kind="mergesort", ignore_index=True)
    all_findings = finalize_findings(run.findings)
    # the rules version every finding was judged by (a published version, or the params files)
    version = rules.version if rules is not None else UNPUBLISHED
    all_findings["rules_version"] = pd.Series(version, index=all_findings.index, dtype="str")
    all_assessed = finalize_assessed(run.assessed)
    pefa = pefa_table(ctx)
    tree_codes = ctx.tree.codes if ctx.tree is not None else ctx.region_codes
    pscores = pefa_scores(pefa, last_year=ctx.year - 1, regions=tree_codes)
    settings = base.scores if hasattr(base, "scores") else {}
    scores = risk_scores(all_findings, ctx.tables["units"], ctx.tables["regions"], settings)
    series_frames, reference_frames = _presentation_tables(ctx, base, per_region)
    timings = {spec.code: run.timings.get(spec.code, 0.0) for spec in specs}
    manifest = _manifest(data, ctx.tables, ctx.as_of, region, base, per_region, specs,
                         all_findings, started, time.perf_counter() - t0, timings)
    manifest["errors"] = {code: _first_line(tb) for code, tb in sorted(run.errors.items())}
    manifest["ignored"] = ignored_rows(ctx.tables, ctx.as_of)
    manifest["rules_version"] = version
    manifest["rules"] = rules.describe() if rules is not None else {"version": UNPUBLISHED}
    return ScanResult(findings=all_findings, assessed=all_assessed, pefa=pefa, pefa_scores=pscores,
                      scores=scores, manifest=manifest, errors=dict(sorted(run.errors.items())), values=values,
                      series=series_frames, reference=reference_frames)


def ignored_rows(tables: Mapping[str, pd.DataFrame], as_of: pd.Timestamp) -> dict[str, dict[str, int]]:
    """Input rows that every indicator leaves out, by table and reason (written into the manifest as
    ``ignored`` and printed by ``fiscalrisk scan``): progress reports dated after ``as_of`` (the latest
    report on or before ``as_of`` counts, shared/spec/performance.md)."""
    from fiscalrisk.indicators.performance import reports_after

    out: dict[str, dict[str, int]] = {}
    n = reports_after(tables.get("performance_progress"), as_of)
    if n:
        out["performance_progress"] = {"after_as_of": n}
    return out


#: Parameters that hold for a whole scan: one data set has one currency and one fiscal year, so a
#: region file may not set them differently from the rest of the scan.
SCAN_WIDE: tuple[str, ...] = ("currency", "threshold_scale", "calendar.fiscal_year_start_month")


def _check_scan_wide(data: Any, base: Any, per_region: Mapping[str, Any]) -> None:
    """Refuse a scan whose regions disagree on :data:`SCAN_WIDE` parameters, or whose data set states a
    currency (its column mapping's ``currency``) other than the params' ``currency``: yuan thresholds
    on pounds flag nearly everything, pound thresholds on yuan nearly nothing."""
    from fiscalrisk.errors import UserError

    if not hasattr(base, "get"):
        return
    for path in SCAN_WIDE:
        values = {code: p.get(path) for code, p in per_region.items() if hasattr(p, "get")}
        if len({json.dumps(v) for v in values.values()}) > 1:
            shown = ", ".join(f"{c}: {v}" for c, v in sorted(values.items())[:6])
            raise UserError(f"parameter '{path}' must be the same for every region of a scan (one data set, "
                            f"one {path.rsplit('.', 1)[-1]}); the regions' params give {shown}")
    stated = getattr(data, "currency", None)
    if stated and str(stated) != str(base.get("currency", "CNY")):
        raise UserError(
            f"the data set states its amounts are {stated} (its mapping's currency) but the params say "
            f"currency {base.get('currency', 'CNY')}: give a params file that sets currency: {stated} and "
            f"its threshold_scale (e.g. mappings/harrogate-params.yaml for GBP)")


def _presentation_tables(ctx: ScanContext, base: Any,
                         per_region: Mapping[str, Any]) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """The series and reference tables of :mod:`fiscalrisk.series`, each region with its own params."""
    from fiscalrisk import series

    return series.series_tables(ctx, per_region), series.reference_tables(ctx, base)


def _first_line(tb: str) -> str:
    """The exception line of a traceback text, cut to 200 characters."""
    last = tb.strip().splitlines()[-1] if tb.strip() else ""
    return last if len(last) <= 200 else last[:199] + "…"


def _run(spec: registry.IndicatorSpec, ctx: ScanContext,
         errors: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run one indicator; an internal error in it never stops the others.

    The failing indicator is "not assessed: internal error in CODE" in ``assessed`` (for the regions of
    ``ctx``), its traceback goes into ``errors`` (the CLI prints it with ``--debug`` and exits 1).
    """
    try:
        return measure_and_grade(spec, ctx, finalized=False)  # the scan finalises all findings at once
    except Exception as e:  # noqa: BLE001 - isolation is the point: one indicator, not the scan
        import traceback

        errors[spec.code] = traceback.format_exc()
        reason = _first_line(f"internal error in {spec.code}: {type(e).__name__}: {e}")
        return empty_findings(), registry.not_assessed(spec, ctx, reason), pd.DataFrame()


def _used_categories(s: pd.Series) -> pd.Series:
    """``s.cat.remove_unused_categories()`` by counting codes (one pass) instead of sorting them."""
    codes = s.cat.codes.to_numpy()
    categories = s.cat.categories
    used = np.bincount(codes[codes >= 0], minlength=len(categories)) > 0
    if used.all():
        return s
    new = (np.cumsum(used) - 1).astype(codes.dtype, copy=False)
    kept = np.where(codes >= 0, new[np.maximum(codes, 0)], -1)
    return pd.Series(pd.Categorical.from_codes(kept, categories=categories[used], ordered=s.cat.ordered),
                     index=s.index, name=s.name)


def _sub_context(ctx: ScanContext, tables: Mapping[str, pd.DataFrame], members: list[str],
                 params: Any) -> ScanContext:
    """The context of a group of regions: their tables, and the whole scan's normalised payments filtered
    to them (filtering the normalised frame, whose codes are categoricals, is far cheaper than building
    it again; it is row-wise, so the result is the same)."""
    has_payments = "payments" in tables and tables["payments"] is not None
    rest = {k: v for k, v in tables.items() if k != "payments"}
    sub = subset_tables(rest, members)
    if has_payments:
        pay = ctx.payments
        pay = pay.loc[pay["region_code"].isin(members).to_numpy()]
        for c in pay.columns:
            if isinstance(pay[c].dtype, pd.CategoricalDtype):
                pay[c] = _used_categories(pay[c])
        # none up to as_of: the raw rows (if any) keep "assessed, no subjects" apart from "empty table"
        sub["payments"] = pay if len(pay) else subset_tables({"units": tables["units"], "payments": tables[
            "payments"]}, members)["payments"]
    out = make_context(sub, ctx.as_of, params, calendar=ctx.calendar)
    if has_payments and len(pay):
        out.cache["payments"] = pay
    return out


def _with_params(ctx: ScanContext, params: Any) -> ScanContext:
    return ctx.with_params(params)


def _param(p: Any, path: str, default: Any) -> Any:
    value = p.get(path, default) if hasattr(p, "get") else default
    return default if value is None else value


def _params_dict(p: Any) -> Any:
    if hasattr(p, "as_dict"):
        return p.as_dict()
    return None


def _manifest(data: Any, tables: Mapping[str, pd.DataFrame], as_of: pd.Timestamp, region: str | None,
              base: Any, per_region: Mapping[str, Any], specs: list[registry.IndicatorSpec],
              findings: pd.DataFrame, started: datetime, seconds: float,
              timings: Mapping[str, float]) -> dict[str, Any]:
    base_dict = _params_dict(base)
    differing = {}
    for code, p in per_region.items():
        d = _params_dict(p)
        if d is not None and d != base_dict:
            differing[code] = d
    fingerprints = getattr(data, "fingerprints", {}) or {}
    sources = getattr(data, "sources", {}) or {}
    file_fps = getattr(data, "file_fingerprints", {}) or {}
    original = _tables_of(data)
    inputs = {}
    for name in sorted(tables):
        entry: dict[str, Any] = {"rows": int(len(original.get(name, tables[name])))}
        if region is not None:
            entry["rows_scanned"] = int(len(tables[name]))
        if name in sources:
            entry["files"] = [Path(str(s)).name for s in sources[name]]
        if name in fingerprints:
            entry["sha256"] = fingerprints[name]
        inputs[name] = entry
    files = {Path(str(k)).name: v for k, v in sorted(file_fps.items())}
    # the whole region tree (not only a --region subtree): the register escalates cases up this tree
    tree = [
        {"region_code": str(r.region_code), "parent_code": "" if pd.isna(r.parent_code) else str(r.parent_code),
         "level": str(r.level), "name": str(getattr(r, "name", "") or "")}
        for r in original["regions"].sort_values("region_code").itertuples()
    ] if {"region_code", "parent_code", "level"} <= set(original["regions"].columns) else []
    finished = datetime.now(UTC)
    lv = findings["level"].astype("str").value_counts()
    return {
        "package": "fiscalrisk",
        "version": __version__,
        "as_of": as_of.strftime("%Y-%m-%d"),
        "region": region,
        # the money and the year the figures are in: amounts and thresholds of findings.csv are in
        # `currency`; the catalogue's yuan thresholds were multiplied by `threshold_scale`
        # (`scaled_thresholds`: stated in yuan, effective in the currency); yearly periods are fiscal
        # years starting in `fiscal_year_start_month`, labelled by the calendar year they start in
        "currency": _param(base, "currency", "CNY"),
        "data_currency": getattr(data, "currency", None),
        "threshold_scale": _param(base, "threshold_scale", 1.0),
        "scaled_thresholds": base.scaled_thresholds if hasattr(base, "scaled_thresholds") else {},
        "fiscal_year_start_month": _param(base, "calendar.fiscal_year_start_month", 1),
        "params": base_dict,
        "params_by_region": differing,
        "inputs": inputs,
        "input_files": files,
        "mapping": getattr(data, "mapping", None),
        "mapping_sha256": getattr(data, "mapping_sha256", None),
        "regions": tree,
        "indicators": [s.code for s in specs],
        "counts": {"findings": int(len(findings)), "alert": int(lv.get("alert", 0)),
                   "warning": int(lv.get("warning", 0)), "info": int(lv.get("info", 0))},
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "seconds_by_indicator": dict(timings),
    }


# --------------------------------------------------------------------------------------------------
# Writing the scan directory
# --------------------------------------------------------------------------------------------------


def _csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV text of a scan table; text from the data never becomes a spreadsheet formula (cells.py)."""
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype("str")
    return escape_frame(out).to_csv(index=False, lineterminator="\n").encode("utf-8")


def _findings_for_file(findings: pd.DataFrame) -> pd.DataFrame:
    """The file boundary: the ordered level becomes plain text here and only here."""
    out = findings.copy()
    out["level"] = out["level"].astype("str")
    return out


def _arrow_ready(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every object column Arrow cannot type as it is (mixed types, dicts, lists) as text.

    Lists and dicts become sorted JSON, other values ``str``; missing values stay missing. Columns
    Arrow reads as they are keep their type.
    """
    import pyarrow as pa

    out = df.reset_index(drop=True)
    for c in out.columns:
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            out[c] = col.astype("str")
            continue
        if col.dtype != object:
            continue
        try:
            typed = pa.array(col, from_pandas=True)
            if pa.types.is_string(typed.type) or pa.types.is_large_string(typed.type):
                out[c] = col.astype("str")  # text held as objects: one dtype, so one file whatever built it
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
            def text(v: Any) -> Any:
                if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT:
                    return None
                if isinstance(v, (dict, list, tuple)):
                    return json.dumps(v, sort_keys=True, ensure_ascii=False, default=str)
                return str(v)

            out[c] = pd.Series([text(v) for v in col], index=out.index, dtype="str")
    out.columns = [str(c) for c in out.columns]
    return out


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _arrow_ready(df).to_parquet(path, index=False, engine="pyarrow", compression="snappy")


def write_scan(result: ScanResult, out_dir: str | os.PathLike[str]) -> Path:
    """Write the scan directory (data contract, section 2; ``docs/scan-directory.md``) atomically.

    The files are written into a hidden sibling directory, which is then renamed onto ``out_dir``: a
    failure leaves either the previous output or nothing, never a half-written directory that looks
    complete. ``manifest.json`` is written last. An existing ``out_dir`` is replaced only if it is empty
    or a previous scan output (it holds a ``manifest.json``); otherwise ``FileExistsError``. The write
    holds the lock ``.<out>.lock`` (another run writing ``out`` stops with a user error naming it),
    restores an output a killed run left in ``.<out>.old-<PID>``, removes leftovers of dead runs, and
    turns a full disk into :class:`fiscalrisk.staging.DiskFullError` (see :mod:`fiscalrisk.staging`).

    The data files are byte-identical for the same input and parameters: rows sorted, no timestamps
    (start and end times live in ``manifest.json`` only). Besides the files of :data:`OUTPUT_FILES`:
    ``values/<CODE>.parquet`` (``result.values``), ``series/<name>.parquet`` and
    ``reference/<name>.parquet``; ``manifest.json`` lists every file with its SHA-256 under ``files``
    and records :data:`SCAN_FORMAT`.
    """
    from fiscalrisk.staging import StagedOutput, safe_child

    out = Path(out_dir)

    def check(out: Path) -> None:
        if out.exists():
            if not out.is_dir():
                raise FileExistsError(f"write_scan: {out} exists and is not a directory")
            if any(out.iterdir()) and not (out / "manifest.json").is_file():
                raise FileExistsError(
                    f"write_scan: {out} is not empty and is not a previous scan output (no manifest.json); "
                    "refusing to overwrite it"
                )

    staged = StagedOutput(out, kind="tmp", check=check)
    tmp = staged.open()
    try:
        findings = _findings_for_file(result.findings)
        (tmp / "findings.csv").write_bytes(_csv_bytes(findings))
        findings.to_parquet(tmp / "findings.parquet", index=False, engine="pyarrow", compression="snappy")
        (tmp / "assessed.csv").write_bytes(_csv_bytes(result.assessed))
        pefa = result.pefa[list(PEFA_COLUMNS)] if len(result.pefa.columns) else result.pefa
        (tmp / "pefa.csv").write_bytes(_csv_bytes(pefa))
        (tmp / "pefa_scores.csv").write_bytes(_csv_bytes(result.pefa_scores))
        (tmp / "scores.csv").write_bytes(_csv_bytes(result.scores))
        names = [name for name in OUTPUT_FILES if name != "manifest.json"]
        for folder, frames in (("values", result.values), ("series", result.series),
                               ("reference", result.reference)):
            for key in sorted(frames):
                # an indicator code or a table name, never text from the data: still checked as a name
                path = safe_child(tmp / folder, key, f"{folder} name").with_suffix(".parquet")
                _write_parquet(frames[key], path)
                names.append(f"{folder}/{path.name}")
        manifest = dict(result.manifest)
        manifest["scan_format"] = SCAN_FORMAT
        manifest["files"] = {name: hashlib.sha256((tmp / name).read_bytes()).hexdigest() for name in names}
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2, default=str) + "\n",
            encoding="utf-8",
        )
        staged.commit()
    except BaseException as exc:
        staged.abort(exc)  # the stage removed, the previous output kept; a full disk becomes a user error
        raise
    return out


# --------------------------------------------------------------------------------------------------
# Evaluation against labelled cases
# --------------------------------------------------------------------------------------------------


def evaluate(findings: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Recall and precision per indicator against labelled cases (e.g. the sample's ``labels.csv``).

    A finding matches a label on (indicator, subject_type, subject_id); periods are ignored and each
    subject counts once. Only warnings and alerts count as found: an ``info`` note is not a finding of
    risk, so a note on a labelled subject is no true positive. Columns: indicator, labelled, found, true_positives, recall (tp / labelled),
    precision (tp / found); NaN where the denominator is 0. Indicators with labels or findings appear.
    """
    key = ["indicator", "subject_type", "subject_id"]
    lab = labels[key].astype("str").drop_duplicates()
    fnd = findings.loc[findings["level"].astype("str").isin(RISK_LEVELS), key].astype("str")
    fnd = fnd.drop_duplicates()
    tp = lab.merge(fnd, on=key, how="inner")
    codes = sorted(set(lab["indicator"]) | set(fnd["indicator"]))
    out = pd.DataFrame({"indicator": codes})
    out["labelled"] = out["indicator"].map(lab["indicator"].value_counts()).fillna(0).astype("int64")
    out["found"] = out["indicator"].map(fnd["indicator"].value_counts()).fillna(0).astype("int64")
    out["true_positives"] = out["indicator"].map(tp["indicator"].value_counts()).fillna(0).astype("int64")
    out["recall"] = out["true_positives"] / out["labelled"].where(out["labelled"] > 0)
    out["precision"] = out["true_positives"] / out["found"].where(out["found"] > 0)
    return out


def read_findings(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read ``findings.parquet`` (or ``findings.csv``) back with ``level`` as the ordered categorical.

    A scan written before ``value_unit``, ``amount_at_risk`` and ``priority`` existed reads with the
    catalogue's units, ``amount_at_risk`` NaN and ``priority`` ranked here (level, then period, then id: :func:`fiscalrisk.findings.priority_ranks`).
    """
    from fiscalrisk.findings import priority_ranks

    path = Path(path)
    if path.is_dir():
        path = path / "findings.parquet"
    if path.suffix == ".parquet":
        df = pd.read_parquet(path)
    else:
        df = unescape_frame(pd.read_csv(path, dtype="str", keep_default_na=False))
        for c in ("value", "threshold", "amount_at_risk", "priority"):
            if c in df.columns:
                df[c] = pd.to_numeric(df[c], errors="coerce")
    df["level"] = df["level"].astype("str").astype(LEVEL_DTYPE)
    if "amount_at_risk" not in df.columns:
        df["amount_at_risk"] = float("nan")
    if "value_unit" not in df.columns:  # written before units were declared: from the catalogue
        from fiscalrisk.indicators import registry

        units = {spec.code: spec.value_unit for spec in registry.specs()}
        df.insert(list(df.columns).index("evidence") + 1 if "evidence" in df.columns else len(df.columns),
                  "value_unit", df["indicator"].map(units).fillna(""))
    if "rules_version" not in df.columns:  # a scan written before rules versions: the params files
        df["rules_version"] = UNPUBLISHED
    if "priority" not in df.columns or df["priority"].isna().any():
        df["priority"] = priority_ranks(df)
    df["priority"] = df["priority"].astype("int64")
    return df


# --------------------------------------------------------------------------------------------------
# Reading the scan directory
# --------------------------------------------------------------------------------------------------

# The files a scan directory may list besides OUTPUT_FILES: one folder level, a code-like stem.
_LISTED = re.compile(r"(values|series|reference)/[A-Za-z0-9_-]{1,64}\.parquet")


class ScanDirError(UserError, ValueError):
    """A scan directory that is missing, incomplete, altered or of another format; the message says
    what to do (a user error: the commands exit 2 with it, no traceback)."""


def scan_file_names(manifest: Mapping[str, Any]) -> list[str]:
    """The data files ``manifest.json`` lists (``files``), checked to be names a scan writes.

    A name from the manifest never becomes a path outside the scan directory: only the names of
    :data:`OUTPUT_FILES` and ``values/``, ``series/``, ``reference/`` + ``<code>.parquet`` are accepted.
    """
    files = manifest.get("files") if isinstance(manifest, Mapping) else None
    if not isinstance(files, Mapping):
        raise ScanDirError("manifest.json lists no files (not the manifest of a fiscalrisk scan)")
    names = []
    for name in files:
        if not isinstance(name, str) or not (name in OUTPUT_FILES or _LISTED.fullmatch(name)):
            raise ScanDirError(f"manifest.json lists {str(name)[:80]!r}, which is not a file a scan writes")
        names.append(name)
    return sorted(names)


def open_scan(scan_dir: str | os.PathLike[str], *, verify: bool = True) -> dict[str, Any]:
    """Check that ``scan_dir`` is a complete scan directory of this format; return its manifest.

    Refused with :class:`ScanDirError`, naming the directory: a path that is not a directory, missing
    files (every one named), an unreadable manifest, a scan written by an older fiscalrisk (no
    ``scan_format``, or a lower one: run the scan again) or a newer one, and — with ``verify`` — a file
    whose SHA-256 differs from the manifest's (changed after the scan wrote it).
    """
    from fiscalrisk import series

    path = Path(scan_dir)
    again = f"run `fiscalrisk scan DATA_DIR --out {path}` again"
    if not path.exists():
        raise ScanDirError(f"scan directory {path} does not exist; run `fiscalrisk scan DATA_DIR --out {path}` first")
    if not path.is_dir():
        raise ScanDirError(f"{path} is not a directory; expected the output directory of `fiscalrisk scan`")
    missing = [name for name in OUTPUT_FILES if not (path / name).is_file()]
    if missing:
        raise ScanDirError(f"scan directory {path} is incomplete: missing {', '.join(missing)} "
                           f"(expected {', '.join(OUTPUT_FILES)}); {again}")
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScanDirError(f"{path / 'manifest.json'}: not readable JSON ({exc}); {again}") from None
    if not isinstance(manifest, dict) or "as_of" not in manifest:
        raise ScanDirError(f"{path / 'manifest.json'}: expected a scan manifest with 'as_of'; {again}")
    fmt = manifest.get("scan_format")
    if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < SCAN_FORMAT:
        shown = 1 if fmt is None else fmt
        raise ScanDirError(
            f"scan directory {path} was written by an older fiscalrisk (scan format {str(shown)[:20]}; this version "
            f"reads format {SCAN_FORMAT}, which also holds the graded values and series reports and the dashboard "
            f"read): {again}")
    if fmt > SCAN_FORMAT:
        raise ScanDirError(f"scan directory {path} has scan format {fmt}, newer than this fiscalrisk reads "
                           f"({SCAN_FORMAT}): use the fiscalrisk that wrote it, or {again}")
    try:
        pd.Timestamp(manifest["as_of"])
    except (ValueError, TypeError):
        raise ScanDirError(f"{path / 'manifest.json'}: as_of {manifest['as_of']!r} is not a date") from None
    try:
        names = scan_file_names(manifest)
    except ScanDirError as exc:
        raise ScanDirError(f"{path}: {exc}; {again}") from None
    required = [f"{folder}/{n}.parquet" for folder, group in (("series", series.SERIES),
                                                                ("reference", series.REFERENCE)) for n in group]
    unlisted = [n for n in required if n not in names]
    absent = [n for n in names if not (path / n).is_file()]
    if unlisted or absent:
        raise ScanDirError(f"scan directory {path} is incomplete: missing {', '.join(absent + unlisted)}; {again}")
    if verify:
        files = manifest["files"]
        changed = [n for n in names if hashlib.sha256((path / n).read_bytes()).hexdigest() != files[n]]
        if changed:
            raise ScanDirError(f"scan directory {path}: {', '.join(changed)} changed after the scan wrote it "
                               f"(SHA-256 differs from manifest.json); {again}")
    return manifest


def read_values(scan_dir: str | os.PathLike[str], code: str, region_codes: Any = None) -> pd.DataFrame:
    """The graded values of indicator ``code`` (``values/<code>.parquet``), of ``region_codes`` only when
    given; an empty frame when the indicator has none (not assessed, event subjects, nothing measured)."""
    from fiscalrisk.staging import UnsafeNameError, safe_child

    try:
        path = safe_child(Path(scan_dir) / "values", code, "indicator code").with_suffix(".parquet")
    except UnsafeNameError:
        return pd.DataFrame()
    if not path.is_file():
        return pd.DataFrame()
    v = pd.read_parquet(path)
    if region_codes is not None:
        v = v.loc[v["region_code"].isin(set(map(str, region_codes)))]
    return v.reset_index(drop=True)


def _read_listed(scan_dir: str | os.PathLike[str], folder: str, name: str) -> pd.DataFrame:
    from fiscalrisk.staging import safe_child

    path = safe_child(Path(scan_dir) / folder, name, f"{folder} name").with_suffix(".parquet")
    if not path.is_file():
        raise ScanDirError(f"{path} is missing; run `fiscalrisk scan DATA_DIR --out {scan_dir}` again")
    return pd.read_parquet(path)


def read_series(scan_dir: str | os.PathLike[str], name: str) -> pd.DataFrame:
    """A series table of the scan directory (``series/<name>.parquet``; see :mod:`fiscalrisk.series`)."""
    return _read_listed(scan_dir, "series", name)


def read_reference(scan_dir: str | os.PathLike[str], name: str) -> pd.DataFrame:
    """A reference table of the scan directory (``reference/<name>.parquet``; see :mod:`fiscalrisk.series`)."""
    return _read_listed(scan_dir, "reference", name)


class _CallableModule(type(json)):  # types.ModuleType
    """This module, callable: ``fiscalrisk.scan(data, ...)`` is the analyst's scan
    (:func:`fiscalrisk.api.scan`, findings with names and their source rows), while ``fiscalrisk.scan``
    stays this module for ``from fiscalrisk.scan import write_scan``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return analyst_hook.analyst_scan(*args, **kwargs)  # fiscalrisk.api.scan, named by the package


import sys as _sys  # noqa: E402

_sys.modules[__name__].__class__ = _CallableModule
