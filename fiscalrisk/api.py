"""The analyst's API: ``fiscalrisk.load``, ``fiscalrisk.scan``, ``fiscalrisk.catalogue``.

::

    import fiscalrisk

    ds = fiscalrisk.load("data_samples/huzhou")          # validated tables: ds.payments, ds.budget, ...
    res = fiscalrisk.scan(ds, codes="PAY06")              # a code, "PAY06,BUD01", or a list
    res.findings[["indicator_name_en", "region_name", "unit_name", "value", "threshold"]]
    res.source_rows(res.findings["finding_id"].iloc[0])   # the input rows behind one finding
    fiscalrisk.catalogue()                                # every indicator: names, thresholds, why

:func:`scan` returns an :class:`Analysis`: the scan's tables as :class:`fiscalrisk.scan.ScanResult` has
them, with the findings named (unit, region and indicator names joined from the units, regions and
indicator tables; the scan directory's ``findings.csv`` keeps the data contract's columns), and
:meth:`Analysis.source_rows`. :func:`measure` grades every subject of one indicator, each region with
its own parameters (the drill-down of ``notebooks/explore.ipynb``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["Analysis", "SourceRows", "SOURCE_KEYS", "catalogue", "load", "measure", "scan"]

#: The table and key column of each subject type whose subject is one input row.
SUBJECT_ROWS: dict[str, tuple[str, str]] = {
    "payment": ("payments", "payment_id"),
    "contract": ("contracts", "contract_id"),
    "procurement": ("procurement", "procurement_id"),
    "project": ("projects", "project_code"),
    "asset": ("assets", "asset_id"),
    "seal_event": ("seal_events", "event_id"),
}

#: Evidence keys that name input rows: key → (table, key column). A key holds one id or a list of ids;
#: ``above_decentralised_limit`` (PRC04) maps procurement ids to their figures.
SOURCE_KEYS: dict[str, tuple[str, str]] = {
    "payment_id": ("payments", "payment_id"),
    "payment_ids": ("payments", "payment_id"),
    "contract_id": ("contracts", "contract_id"),
    "procurement_id": ("procurement", "procurement_id"),
    "procurement_ids": ("procurement", "procurement_id"),
    "single_source_ids": ("procurement", "procurement_id"),
    "above_decentralised_limit": ("procurement", "procurement_id"),
    "project_code": ("projects", "project_code"),
    "event_id": ("seal_events", "event_id"),
    "idle_asset_ids": ("assets", "asset_id"),
}

#: Evidence keys that hold examples of rows (ANM02's largest payments of the month), not the rows
#: the value was computed from.
_EXAMPLES = frozenset({"largest_payments"})

#: The column that places a row of a table in time, for the slices of unit and region findings.
_TIME = {"payments": "pay_date", "budget": "year", "ic_checklist": "year", "revenue": "year",
         "procurement": "notice_date", "contracts": "signed_date", "seal_events": "used_at",
         "project_progress": "report_date"}


def load(data_dir: str | os.PathLike[str], mapping: Any = None, **kwargs: Any) -> Any:
    """Load and validate a data directory (:func:`fiscalrisk.data.load`): a :class:`DataSet` whose tables
    are also attributes (``ds.payments``). Every problem of the input at once in a ``DataError``."""
    from fiscalrisk.data import load as load_data

    return load_data(data_dir, mapping, **kwargs)


def catalogue(params: Any = None) -> pd.DataFrame:
    """The indicator catalogue (:func:`fiscalrisk.indicators.registry.catalogue`): code, module,
    name_zh, name_en, subject type, thresholds, tables read, parameters, source, why it is a risk."""
    from fiscalrisk.indicators import registry

    return registry.catalogue(params)


def scan(data: Any, as_of: Any = None, params: Any = None, region: str | None = None, *,
         files: tuple[str | os.PathLike[str], ...] = (), codes: Any = None) -> Analysis:
    """Scan a data set (a :class:`DataSet`, a mapping of tables, or a data directory's path).

    The arguments are :func:`fiscalrisk.scan.scan`'s: ``codes`` a code, a string of codes separated by
    commas or spaces, or a list; ``region`` keeps one region's subtree, whose findings then have the
    values the whole scan gives them (peer groups come from the whole data set).
    """
    from fiscalrisk.scan import scan as run_scan

    if isinstance(data, (str, os.PathLike)):
        data = load(data)
    result = run_scan(data, as_of, params, region, files=files, codes=codes)
    tables = dict(getattr(data, "tables", data))
    return Analysis(result=result, tables=tables)


@dataclass(frozen=True)
class SourceRows(Mapping[str, pd.DataFrame]):
    """The input rows behind one finding: table name → rows, and how they were chosen.

    ``exact`` is true when the rows are the ones the finding names (its subject's row and the ids in its
    evidence); false when the finding is a statistic over a unit or a region (a Benford test, a score,
    a PEFA ratio) and the rows are the slice of the tables the indicator reads for that unit or region
    and period: ``note`` says so.
    """

    finding_id: str
    indicator: str
    tables: dict[str, pd.DataFrame]
    exact: bool
    note: str

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    @property
    def rows(self) -> int:
        """Rows in all the tables."""
        return int(sum(len(t) for t in self.tables.values()))

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}: {len(t)}" for name, t in self.tables.items())
        return f"SourceRows({self.finding_id} {self.indicator}: {parts or 'no rows'}; {self.note})"

    def _repr_html_(self) -> str:
        import html

        out = [f"<p><b>{html.escape(self.indicator)}</b> {html.escape(self.finding_id)}: {html.escape(self.note)}</p>"]
        for name, t in self.tables.items():
            out.append(f"<p><b>{html.escape(name)}</b> ({len(t)} rows)</p>" + t.head(50).to_html(index=False))
        return "".join(out)


@dataclass(frozen=True)
class Analysis:
    """A scan's result for an analyst: :class:`fiscalrisk.scan.ScanResult`'s tables (``assessed``,
    ``pefa``, ``scores``, ``values``, ``manifest``, ... as attributes), ``findings`` with names, and the
    rows behind each finding (:meth:`source_rows`). ``write(out)`` writes the scan directory."""

    result: Any
    tables: dict[str, pd.DataFrame] = field(repr=False)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.__dict__["result"], name)

    def __repr__(self) -> str:
        return repr(self.result).replace("ScanResult(", "Analysis(", 1)

    @property
    def findings(self) -> pd.DataFrame:
        """The findings with ``indicator_name_zh``, ``indicator_name_en``, ``region_name`` and
        ``unit_name`` (a region-level finding has no unit: its unit name is empty)."""
        cached = self.__dict__.get("_named")
        if cached is None:
            cached = name_findings(self.result.findings, self.tables)
            object.__setattr__(self, "_named", cached)
        return cached

    def finding(self, finding_id: str) -> pd.Series:
        """One finding by its id (``KeyError`` when the scan has none of that id)."""
        f = self.result.findings
        hit = f.loc[f["finding_id"] == str(finding_id)]
        if not len(hit):
            raise KeyError(f"no finding {str(finding_id)[:40]!r} in this scan ({len(f)} findings)")
        return self.findings.loc[hit.index[0]]

    def source_rows(self, finding_id: str) -> SourceRows:
        """The input rows behind one finding (see :func:`source_rows`)."""
        return source_rows(self.finding(finding_id), self.tables)

    def write(self, out_dir: str | os.PathLike[str]) -> Any:
        """Write the scan directory (:func:`fiscalrisk.scan.write_scan`; the data contract's columns)."""
        from fiscalrisk.scan import write_scan

        return write_scan(self.result, out_dir)


def name_findings(findings: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """``findings`` with the names of their indicator (zh, en), region and unit, after ``indicator`` and
    ``unit_code``; the level stays the ordered categorical."""
    from fiscalrisk.indicators import registry

    out = findings.copy()
    specs = {s.code: s for s in registry.specs()}
    codes = out["indicator"].astype("str")
    zh = codes.map({c: s.name_zh for c, s in specs.items()}).fillna("")
    en = codes.map({c: s.name_en for c, s in specs.items()}).fillna("")
    at = list(out.columns).index("indicator") + 1
    out.insert(at, "indicator_name_en", en.to_numpy())
    out.insert(at, "indicator_name_zh", zh.to_numpy())
    regions = tables.get("regions")
    units = tables.get("units")
    rname = (regions.drop_duplicates("region_code").set_index("region_code")["name"].astype("str")
             if regions is not None and "name" in regions else pd.Series(dtype="str"))
    uname = (units.drop_duplicates("unit_code").set_index("unit_code")["name"].astype("str")
             if units is not None and "name" in units else pd.Series(dtype="str"))
    out.insert(list(out.columns).index("region_code") + 1, "region_name",
               out["region_code"].astype("str").map(rname).fillna("").to_numpy())
    out.insert(list(out.columns).index("unit_code") + 1, "unit_name",
               out["unit_code"].astype("str").map(uname).fillna("").to_numpy())
    return out


# --------------------------------------------------------------------------------------------------
# The rows behind a finding
# --------------------------------------------------------------------------------------------------


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [str(k) for k in value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and not isinstance(v, (list, dict))]
    return [str(value)] if str(value) else []


def evidence_ids(evidence: Mapping[str, Any]) -> dict[tuple[str, str], list[str]]:
    """The input rows an evidence names: (table, key column) → ids, from the keys of
    :data:`SOURCE_KEYS` at any depth (AST01 lists idle assets per category)."""
    found: dict[tuple[str, str], list[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                if k in _EXAMPLES:
                    continue
                if k in SOURCE_KEYS:
                    new = [i for i in _ids(v) if i]
                    if new:
                        ids = found.setdefault(SOURCE_KEYS[k], [])
                        ids += [i for i in new if i not in ids]
                if isinstance(v, (Mapping, list)):
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(evidence)
    return found


def _in_period(frame: pd.DataFrame, table: str, period: str) -> pd.DataFrame:
    """The rows of ``frame`` in ``period`` (``YYYY`` or ``YYYY-MM``; other periods: every row)."""
    col = _TIME.get(table)
    if col is None or col not in frame.columns or not period or not period[:4].isdigit():
        return frame
    year = int(period[:4])
    s = frame[col]
    if pd.api.types.is_numeric_dtype(s):
        return frame.loc[s == year]
    dates = pd.to_datetime(s, errors="coerce")
    mask = dates.dt.year == year
    if len(period) == 7 and period[5:].isdigit():
        mask &= dates.dt.month == int(period[5:])
    return frame.loc[mask.to_numpy()]


def _budget_line_rows(tables: Mapping[str, pd.DataFrame], line: str) -> dict[str, pd.DataFrame]:
    """A budget line's rows (``year|unit|function|economic|project``, :func:`registry.line_id`) and the
    payments charged to it (the same id from their ``budget_year``)."""
    from fiscalrisk.indicators.registry import line_id

    out: dict[str, pd.DataFrame] = {}
    for table, year_col in (("budget", "year"), ("payments", "budget_year")):
        frame = tables.get(table)
        if frame is not None and year_col in frame.columns:
            out[table] = frame.loc[(line_id(frame, year_col) == line).to_numpy()]
    return out


def source_rows(finding: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> SourceRows:
    """The input rows behind ``finding`` (a row of the findings table).

    * the subject's own row when the subject is one input row (a payment, contract, procurement,
      project, asset or seal event: :data:`SUBJECT_ROWS`), and every row whose id the evidence names
      (:data:`SOURCE_KEYS`: a split's payments, a contract's payments, a unit's single-source
      procurements, ...): *exact*;
    * a budget line: its budget rows and the payments charged to it: *exact*;
    * a unit or a region measured as a whole (a Benford test, a forecast, a score, a PEFA ratio): the
      rows of the tables the indicator reads, of that unit (of the region's own units, or its revenue
      rows) and of the finding's period: a *slice*, and the note says so.
    """
    from fiscalrisk.indicators import registry

    code = str(finding["indicator"])
    spec = registry.get(code)
    raw = finding.get("evidence")
    evidence = json.loads(raw) if isinstance(raw, str) and raw else (raw if isinstance(raw, Mapping) else {})
    st, sid = str(finding["subject_type"]), str(finding["subject_id"])
    period = str(finding.get("period") or "")
    wanted: dict[tuple[str, str], list[str]] = {}
    if st in SUBJECT_ROWS:
        wanted[SUBJECT_ROWS[st]] = [sid]
    for key, ids in evidence_ids(evidence).items():
        have = wanted.setdefault(key, [])
        have += [i for i in ids if i not in have]
    out: dict[str, pd.DataFrame] = {}
    exact = True
    if st == "budget_line":
        out.update(_budget_line_rows(tables, sid))
        note = "the budget line's rows and the payments charged to it"
    elif st in ("unit", "region", "vendor") and not wanted:
        exact = False
        if st == "unit":
            owner, scope = "unit_code", {sid}
            whose = f"unit {sid}"
        elif st == "region":
            units = tables.get("units")
            owner = "unit_code"
            scope = set(units.loc[units["region_code"].astype("str") == sid, "unit_code"].astype("str")) \
                if units is not None else set()
            whose = f"region {sid} (its own units' rows, or its rows by region_code)"
        else:
            owner, scope, whose = "payee_name", {sid}, f"payee {sid}"
        for table in spec.reads:
            frame = tables.get(table)
            if frame is None or table in ("units", "regions"):
                continue
            if st == "region" and "region_code" in frame.columns:
                rows = frame.loc[(frame["region_code"].astype("str") == sid).to_numpy()]
            elif owner in frame.columns:
                rows = frame.loc[frame[owner].astype("str").isin(scope).to_numpy()]
            else:
                continue
            years = evidence.get("years") if isinstance(evidence.get("years"), list) else None
            out[table] = (pd.concat([_in_period(rows, table, str(y)) for y in years]) if years
                          else _in_period(rows, table, period))
        what = "PEFA ratio" if spec.module == "outturn" else "measure"
        note = (f"a {what} over {whose}, not over named rows: the rows of "
                f"{', '.join(out) or 'no table'} the indicator reads for it in period {period or '-'}"
                + (f" (years {', '.join(map(str, evidence['years']))})" if isinstance(evidence.get("years"), list)
                   else ""))
    else:
        note = "the finding's subject and the rows its evidence names"
    for (table, key), ids in wanted.items():
        frame = tables.get(table)
        if frame is None or key not in frame.columns:
            continue
        rows = frame.loc[frame[key].astype("str").isin(set(ids)).to_numpy()]
        if table in out:
            rows = pd.concat([out[table], rows]).drop_duplicates()
        out[table] = rows
    if "projects" in out and len(out["projects"]) and st == "project" and "project_progress" in tables:
        pp = tables["project_progress"]
        out["project_progress"] = pp.loc[pp["project_code"].astype("str").isin({sid}).to_numpy()]
    if st == "unit" and wanted and exact:
        note = f"the rows the evidence names for unit {sid}"
    return SourceRows(finding_id=str(finding["finding_id"]), indicator=code,
                      tables={k: v.reset_index(drop=True) for k, v in out.items()}, exact=exact, note=note)


# --------------------------------------------------------------------------------------------------
# One indicator, every subject, each region with its own params
# --------------------------------------------------------------------------------------------------


def measure(data: Any, code: str, as_of: Any = None, params: Any = None, region: str | None = None, *,
            files: tuple[str | os.PathLike[str], ...] = ()) -> pd.DataFrame:
    """Every subject indicator ``code`` assesses, graded as the scan grades it: each region with its own
    layered parameters (德清县 330521's PAY06 threshold is 200,000, the city's 300,000), over the whole
    data set (peer groups as in the scan); ``region`` keeps that region's subtree.

    Columns: the indicator's own result columns with ``region_code``, ``value``, ``threshold``,
    ``level`` (ok / info / warning / alert) and ``region_name``; warnings and alerts are the scan's
    findings of that indicator (the same subjects).
    """
    from fiscalrisk.hierarchy import RegionTree
    from fiscalrisk.indicators import registry
    from fiscalrisk.params import Params, resolve
    from fiscalrisk.scan import (
        _params_key,
        _sub_context,
        _tables_of,
        default_as_of,
        make_context,
        region_subtree,
    )

    if isinstance(data, (str, os.PathLike)):
        data = load(data)
    tables = _tables_of(data)
    tree = RegionTree.from_frame(tables["regions"])
    spec = registry.get(code)
    as_of_ts = default_as_of(tables) if as_of is None else pd.Timestamp(as_of).normalize()
    per_region: dict[str, Any] = {}
    if isinstance(params, Params):
        base = params
    else:
        overrides = dict(params) if isinstance(params, Mapping) else None
        base = resolve(None, tree=tree, files=files, overrides=overrides)
        per_region = {c: resolve(c, tree=tree, files=files, overrides=overrides) for c in tree.codes}
    ctx = make_context(tables, as_of_ts, base, tree=tree)
    groups: dict[str, list[str]] = {}
    for c, p in per_region.items():
        groups.setdefault(_params_key(p, spec), []).append(c)
    runs = ([(ctx if not per_region else ctx.with_params(per_region[tree.codes[0]]), None)] if len(groups) <= 1
            else [(_sub_context(ctx, tables, members, per_region[members[0]]).with_params(per_region[members[0]]),
                   set(members)) for members in groups.values()])
    frames = []
    for run_ctx, members in runs:
        _, _, v = registry.measure_and_grade(spec, run_ctx, events=True)
        if len(v) and members is not None:
            v = v.loc[v["region_code"].isin(members)]
        if len(v):
            frames.append(v)
    if not frames:
        return pd.DataFrame(columns=["indicator", "subject_id", "region_code", "period", "value", "threshold",
                                     "level", "region_name"])
    out = pd.concat(frames, ignore_index=True)
    if region is not None:
        out = out.loc[out["region_code"].isin(set(region_subtree(tree, region)))]
    out["region_name"] = out["region_code"].map(ctx.region_name).fillna("")
    return out.sort_values(["region_code", "subject_id", "period"], kind="mergesort", ignore_index=True)
