"""Data behind the managers' dashboard: precomputed once, sliced per region and period on demand.

The dashboard must open in about two seconds on a two-core machine, so nothing heavy happens when a
page loads. The work is split in two:

1. :func:`prepare` runs once, when ``fiscalrisk dashboard`` starts. It checks the scan directory,
   reads the data directory the scan was computed from (``--data``), and writes a handful of small
   tables into a *dashboard cache* (``<scan_dir>/dashboard/``, or a private temporary directory
   when the scan directory is read-only):

   ===================== ===========================================================================
   ``regions.parquet``   the region tree (code, name, name_en, level, parent_code)
   ``units.parquet``     budget units (code, name, name_en, region_code)
   ``monthly.parquet``   per region *subtree* × budget year × month: net payments, 三公 net payments,
                         and the adjusted budget of the year — enough for execution rates, the
                         cumulative curve and 三公 year on year
   ``forecast.parquet``  the year-end execution forecast per region (ANM05's method, 80% interval)
   ``contracts.parquet`` per contract: unit, region, amount, signed/end dates, paid per year
   ``projects.parquet``  per project: unit, region, budget, dates, paid and physical progress per year
   ``personal.parquet``  names and accounts of personal payees (payee_type = individual), so the
                         manager view can mask them wherever they appear in messages and evidence
   ``catalogue.parquet`` the indicator catalogue with the thresholds the scan used
   ``jupyterchart-*.js`` the offline chart bundle (built once instead of in every kernel)
   ``cache.json``        what the cache was built from (scan manifest hash, data files), as_of, params
   ===================== ===========================================================================

   The cache is rebuilt only when the scan or the data files change. Without ``--data`` an existing
   cache is reused; the region tree is never guessed from codes, so a dashboard cannot leak another
   county's rows through a wrong parent.

2. :class:`DashboardData` is what a dashboard kernel holds: the scan outputs and the cache, **cut to
   the subtree of the region the dashboard was started for** at load time — a county dashboard's
   kernel never holds another county's findings, scores or names. Its methods return small frames
   and dicts for the tiles, charts and the alert table, and are cheap enough to run on every widget
   change (a region switch recomputes everything in well under a second).

Personal payees are masked in every text the view returns (:func:`mask_name`, :func:`mask_account`):
张三 → 张*, 6222021234561234 → 6222********1234.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.cells import read_csv as read_scan_csv
from fiscalrisk.report.i18n import MODULES, normalize_lang, t
from fiscalrisk.scan import OUTPUT_FILES as SCAN_FILES  # files a scan directory must hold

__all__ = [
    "SCAN_FILES",
    "CACHE_FILES",
    "ScanDirError",
    "check_scan_dir",
    "cache_is_fresh",
    "build_tables",
    "prepare",
    "mask_name",
    "mask_account",
    "is_personal_name",
    "Masker",
    "DashboardData",
    "Kpis",
]



CACHE_FILES: tuple[str, ...] = (
    "regions.parquet",
    "units.parquet",
    "monthly.parquet",
    "forecast.parquet",
    "contracts.parquet",
    "projects.parquet",
    "personal.parquet",
    "catalogue.parquet",
    "cache.json",
)

CACHE_VERSION = 2
#: The offline JupyterChart bundle, built once per cache (see :func:`fiscalrisk.report.charts.save_offline_bundle`).
BUNDLE_FILE = "jupyterchart-offline.js"
_SANGONG_DEFAULT = ("30212", "30217", "30231", "31013")
_LEVEL_RANK = {"alert": 2, "warning": 1, "ok": 0}


class ScanDirError(ValueError):
    """A scan directory that is missing, incomplete or unreadable; the message says what to do."""


# --------------------------------------------------------------------------------------------------
# Masking of personal payees
# --------------------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """A person's name with every character after the first masked: 张三 → 张*, 张三丰 → 张**.

    Empty text stays empty; a one-character name becomes ``*``.
    """
    text = str(name).strip()
    if not text:
        return text
    if len(text) == 1:
        return "*"
    return text[0] + "*" * (len(text) - 1)


def mask_account(account: str) -> str:
    """A bank account with all but its first and last four digits masked: 6222021234561234 →
    6222********1234. Separators (spaces, dashes) are dropped; accounts of eight digits or fewer keep
    only their last four (``****1234``)."""
    digits = re.sub(r"[\s-]", "", str(account))
    if not digits:
        return digits
    if len(digits) <= 8:
        return "*" * max(len(digits) - 4, 0) + digits[-4:]
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


# Bank card and account numbers (China: 16–19 digits; allow 12+ for passbook accounts), not part of a
# longer number or a decimal.
_ACCOUNT_RE = re.compile(r"(?<![A-Za-z0-9_.\-])\d{12,19}(?![A-Za-z0-9_.])")

# Payee names of payee_type = individual that are not one person: payroll batches (工资统发) and
# similar collective payees are shown as they are.
_COLLECTIVE_RE = re.compile(r"职工|统发|工资|（|\(|公司|单位|中心|政府|委员会|集体|等\d*人")


def is_personal_name(name: str) -> bool:
    """Whether an individual payee's name is a person's name to mask (not a collective payee such as
    "乾元镇人民政府职工（工资统发）")."""
    text = str(name).strip()
    return len(text) >= 2 and not _COLLECTIVE_RE.search(text)


@dataclass(frozen=True)
class Masker:
    """Masks known personal names and any account-like digit run in free text."""

    names: tuple[str, ...] = ()

    @cached_property
    def _names_re(self) -> re.Pattern[str] | None:
        names = sorted({n for n in self.names if len(n) >= 2}, key=lambda n: (-len(n), n))
        if not names:
            return None
        return re.compile("|".join(re.escape(n) for n in names))

    def __call__(self, text: object) -> str:
        if text is None or (isinstance(text, float) and np.isnan(text)):
            return ""
        out = str(text)
        if self._names_re is not None:
            out = self._names_re.sub(lambda m: mask_name(m.group(0)), out)
        return _ACCOUNT_RE.sub(lambda m: mask_account(m.group(0)), out)


# --------------------------------------------------------------------------------------------------
# The scan directory
# --------------------------------------------------------------------------------------------------


def check_scan_dir(scan_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Check that ``scan_dir`` is a complete scan output and return its manifest.

    Raises :class:`ScanDirError` naming the directory and every missing file (a half-written or
    foreign directory is refused, never shown as "no findings").
    """
    path = Path(scan_dir)
    if not path.exists():
        raise ScanDirError(f"scan directory {path} does not exist; run `fiscalrisk scan DATA_DIR --out {path}` first")
    if not path.is_dir():
        raise ScanDirError(f"{path} is not a directory; --scan expects the output directory of `fiscalrisk scan`")
    missing = [name for name in SCAN_FILES if not (path / name).is_file()]
    if missing:
        raise ScanDirError(
            f"scan directory {path} is incomplete: missing {', '.join(missing)} "
            f"(expected {', '.join(SCAN_FILES)}); run `fiscalrisk scan DATA_DIR --out {path}` again"
        )
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScanDirError(f"{path / 'manifest.json'}: not readable JSON ({exc})") from None
    if not isinstance(manifest, dict) or "as_of" not in manifest:
        raise ScanDirError(f"{path / 'manifest.json'}: expected a scan manifest with 'as_of'")
    try:
        pd.Timestamp(manifest["as_of"])
    except (ValueError, TypeError):
        raise ScanDirError(f"{path / 'manifest.json'}: as_of {manifest['as_of']!r} is not a date") from None
    return manifest


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _data_files(data_dir: Path) -> list[list[Any]]:
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in sorted(data_dir.iterdir()) if p.is_file()]


def default_cache_dir(scan_dir: str | os.PathLike[str]) -> Path:
    """``<scan_dir>/dashboard`` when the scan directory is writable, else a private temporary directory."""
    scan = Path(scan_dir)
    if os.access(scan, os.W_OK):
        return scan / "dashboard"
    return Path(tempfile.mkdtemp(prefix="fiscalrisk-dashboard-"))


def cache_is_fresh(cache_dir: Path, scan_dir: Path, data_dir: Path | None) -> bool:
    """Whether ``cache_dir`` was built from this scan (and these data files, when ``data_dir`` is given)."""
    meta_path = cache_dir / "cache.json"
    if not all((cache_dir / f).is_file() for f in CACHE_FILES):
        return False
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if meta.get("version") != CACHE_VERSION or meta.get("manifest_sha256") != _sha256(scan_dir / "manifest.json"):
        return False
    return data_dir is None or meta.get("data_files") == _data_files(data_dir)


# --------------------------------------------------------------------------------------------------
# Precomputation (runs once, when the dashboard starts)
# --------------------------------------------------------------------------------------------------


def _str(s: pd.Series) -> pd.Series:
    return s.astype("str").fillna("").str.strip().replace({"nan": "", "<NA>": "", "None": ""})


def _subtree_pairs(regions: pd.DataFrame) -> pd.DataFrame:
    """(region_code, ancestor_code) for every region and each ancestor *and itself*."""
    parent = dict(zip(regions["region_code"], regions["parent_code"], strict=True))
    rows = []
    for code in regions["region_code"]:
        node: str | None = code
        seen: set[str] = set()
        while node and node not in seen:
            rows.append((code, node))
            seen.add(node)
            node = parent.get(node) or None
    return pd.DataFrame(rows, columns=["region_code", "ancestor_code"])


def _net_payments(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    pay = tables.get("payments")
    if pay is None or pay.empty:
        return pd.DataFrame(columns=["unit_code", "economic_code", "project_code", "contract_id", "pay_date",
                                     "budget_year", "amount", "payee_type", "payee_name", "payee_account"])
    p = pay.copy()
    p["pay_date"] = pd.to_datetime(p["pay_date"])
    if "budget_year" in p.columns:
        p["budget_year"] = pd.to_numeric(p["budget_year"], errors="coerce").fillna(p["pay_date"].dt.year)
    else:
        p["budget_year"] = p["pay_date"].dt.year
    p["budget_year"] = p["budget_year"].astype("int64")
    for c in ("unit_code", "economic_code", "project_code", "contract_id", "payee_type", "payee_name", "payee_account"):
        p[c] = _str(p[c]) if c in p.columns else ""
    p["amount"] = pd.to_numeric(p["amount"], errors="coerce").fillna(0.0)
    return p


def build_tables(
    tables: Mapping[str, pd.DataFrame],
    *,
    as_of: str | dt.date | pd.Timestamp,
    params: Mapping[str, Any] | None = None,
) -> dict[str, pd.DataFrame]:
    """The dashboard's small tables from the validated input tables (see the module docstring).

    ``as_of`` is the scan's date: payments after it are ignored, so the dashboard shows what the scan
    saw. ``params`` is the resolved params mapping of the scan (for the 三公 economic codes).
    """
    as_of_ts = pd.Timestamp(as_of).normalize()
    params = dict(params or {})
    regions = tables["regions"].copy()
    regions["region_code"] = _str(regions["region_code"])
    regions["parent_code"] = _str(regions["parent_code"]) if "parent_code" in regions else ""
    regions["name"] = _str(regions["name"]) if "name" in regions else regions["region_code"]
    regions["name_en"] = _str(regions["name_en"]) if "name_en" in regions else ""
    regions["level"] = _str(regions["level"]) if "level" in regions else ""
    regions = regions[["region_code", "name", "name_en", "level", "parent_code"]].sort_values("region_code",
                                                                                             ignore_index=True)
    units = tables["units"].copy()
    for c in ("unit_code", "name", "region_code"):
        units[c] = _str(units[c])
    units["name_en"] = _str(units["name_en"]) if "name_en" in units else ""
    units = units[["unit_code", "name", "name_en", "region_code"]].drop_duplicates("unit_code")
    units = units.sort_values("unit_code", ignore_index=True)
    unit_region = units.set_index("unit_code")["region_code"]
    pairs = _subtree_pairs(regions)

    pay = _net_payments(tables)
    pay = pay.loc[pay["pay_date"] <= as_of_ts]
    pay["region_code"] = pay["unit_code"].map(unit_region).fillna("")

    # -- monthly execution per region subtree ------------------------------------------------------
    budget_mod = (params.get("modules") or {}).get("budget") or {}
    sangong = tuple(str(c) for c in budget_mod.get("sangong_economic_codes", _SANGONG_DEFAULT))
    in_year = pay.loc[pay["pay_date"].dt.year == pay["budget_year"]].copy()
    in_year["month"] = in_year["pay_date"].dt.month.astype("int64")
    in_year["sangong"] = np.where(in_year["economic_code"].isin(sangong), in_year["amount"], 0.0)
    by_region = (in_year.groupby(["region_code", "budget_year", "month"], sort=True)[["amount", "sangong"]].sum()
                 .reset_index().rename(columns={"budget_year": "year", "amount": "net"}))
    by_region = by_region.merge(pairs, on="region_code").groupby(["ancestor_code", "year", "month"], sort=True)[
        ["net", "sangong"]].sum().reset_index().rename(columns={"ancestor_code": "region_code"})

    bud = tables["budget"].copy()
    bud["unit_code"] = _str(bud["unit_code"])
    orig = pd.to_numeric(bud["original_amount"], errors="coerce").fillna(0.0)
    adj = pd.to_numeric(bud["adjusted_amount"], errors="coerce") if "adjusted_amount" in bud else orig
    bud["budget"] = adj.fillna(orig)
    bud["year"] = pd.to_numeric(bud["year"], errors="coerce").astype("int64")
    bud["region_code"] = bud["unit_code"].map(unit_region).fillna("")
    budget = (bud.groupby(["region_code", "year"])["budget"].sum().reset_index().merge(pairs, on="region_code")
              .groupby(["ancestor_code", "year"])["budget"].sum().reset_index()
              .rename(columns={"ancestor_code": "region_code"}))
    years = sorted(set(budget["year"]) | set(by_region["year"]))
    years = [y for y in years if y <= as_of_ts.year]
    grid = pd.MultiIndex.from_product([regions["region_code"], years, range(1, 13)],
                                      names=["region_code", "year", "month"]).to_frame(index=False)
    monthly = grid.merge(by_region, on=["region_code", "year", "month"], how="left")
    monthly = monthly.merge(budget, on=["region_code", "year"], how="left")
    monthly[["net", "sangong", "budget"]] = monthly[["net", "sangong", "budget"]].fillna(0.0)
    monthly["year"] = monthly["year"].astype("int64")
    monthly["month"] = monthly["month"].astype("int64")

    # -- contracts: amount and payments per year ---------------------------------------------------
    con = tables.get("contracts")
    if con is not None and not con.empty:
        c = con.copy()
        c["contract_id"] = _str(c["contract_id"])
        c["unit_code"] = _str(c["unit_code"])
        c["region_code"] = c["unit_code"].map(unit_region).fillna("")
        c["amount"] = pd.to_numeric(c["amount"], errors="coerce").fillna(0.0)
        c["signed_date"] = pd.to_datetime(c["signed_date"], errors="coerce")
        c["end_date"] = pd.to_datetime(c["end_date"], errors="coerce")
        paid = pay.loc[pay["contract_id"] != ""].assign(year=lambda d: d["pay_date"].dt.year)
        paid = paid.groupby(["contract_id", "year"])["amount"].sum().unstack(fill_value=0.0)
        contracts = c[["contract_id", "unit_code", "region_code", "amount", "signed_date", "end_date"]]
        for y in years:
            col = paid[y] if y in paid.columns else pd.Series(dtype="float64")
            contracts[f"paid_{y}"] = contracts["contract_id"].map(col).fillna(0.0)
    else:
        contracts = pd.DataFrame(columns=["contract_id", "unit_code", "region_code", "amount", "signed_date", "end_date"])

    # -- projects: paid and physical progress per year --------------------------------------------
    prj = tables.get("projects")
    if prj is not None and not prj.empty:
        pj = prj.copy()
        pj["project_code"] = _str(pj["project_code"])
        pj["unit_code"] = _str(pj["unit_code"])
        pj["region_code"] = pj["unit_code"].map(unit_region).fillna("")
        pj["budget_amount"] = pd.to_numeric(pj["budget_amount"], errors="coerce").fillna(0.0)
        pj["start_date"] = pd.to_datetime(pj["start_date"], errors="coerce")
        pj["planned_end_date"] = pd.to_datetime(pj["planned_end_date"], errors="coerce")
        # A payment counts for a project through its project_code, or through its contract's project.
        con_project = {}
        if con is not None and "project_code" in con.columns:
            con_project = dict(zip(_str(con["contract_id"]), _str(con["project_code"]), strict=True))
        pcode = pay["project_code"].where(pay["project_code"] != "", pay["contract_id"].map(con_project).fillna(""))
        ppaid = pay.assign(project=pcode, year=pay["pay_date"].dt.year)
        ppaid = ppaid.loc[ppaid["project"].isin(set(pj["project_code"]))]
        ppaid = ppaid.groupby(["project", "year"])["amount"].sum().unstack(fill_value=0.0)
        prog = tables.get("project_progress")
        projects = pj[["project_code", "unit_code", "region_code", "budget_amount", "start_date", "planned_end_date"]]
        for y in years:
            col = ppaid[y] if y in ppaid.columns else pd.Series(dtype="float64")
            projects[f"paid_{y}"] = projects["project_code"].map(col).fillna(0.0)
            if prog is not None and not prog.empty:
                pr = prog.copy()
                pr["project_code"] = _str(pr["project_code"])
                pr["report_date"] = pd.to_datetime(pr["report_date"], errors="coerce")
                cut = min(pd.Timestamp(year=y, month=12, day=31), as_of_ts)
                latest = (pr.loc[pr["report_date"] <= cut].sort_values("report_date")
                          .groupby("project_code")["physical_progress"].last())
                projects[f"physical_{y}"] = projects["project_code"].map(pd.to_numeric(latest, errors="coerce"))
            else:
                projects[f"physical_{y}"] = np.nan
    else:
        projects = pd.DataFrame(columns=["project_code", "unit_code", "region_code", "budget_amount", "start_date",
                                         "planned_end_date"])

    # -- personal payees (for masking) -------------------------------------------------------------
    indiv = pay.loc[pay["payee_type"] == "individual", ["payee_name", "payee_account"]]
    indiv = indiv.loc[indiv["payee_name"].map(is_personal_name)]
    personal = indiv.drop_duplicates().sort_values(["payee_name", "payee_account"], ignore_index=True)
    personal.columns = ["name", "account"]

    return {
        "regions": regions,
        "units": units,
        "monthly": monthly,
        "forecast": forecast_table(monthly, as_of_ts),
        "contracts": contracts.reset_index(drop=True),
        "projects": projects.reset_index(drop=True),
        "personal": personal,
    }


def _cumulative_rates(monthly: pd.DataFrame, region: str, year: int) -> pd.Series | None:
    m = monthly.loc[(monthly["region_code"] == region) & (monthly["year"] == year)]
    budget = float(m["budget"].iloc[0]) if len(m) else 0.0
    if budget <= 0:
        return None
    return m.set_index("month")["net"].reindex(range(1, 13), fill_value=0.0).cumsum() / budget


def forecast_table(monthly: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Year-end execution forecast of every region subtree for the budget year of ``as_of``.

    ANM05's method (:func:`fiscalrisk.detectors.forecast.forecast_year_end`, 80% prediction
    interval) on the region's own cumulative execution of earlier years. Columns: region_code, year,
    month (the last actual month), current, point, lower, upper, method. Empty when as_of is in
    December (the year is complete) or no earlier year exists.
    """
    cols = ["region_code", "year", "month", "current", "point", "lower", "upper", "method"]
    year, last = int(as_of.year), int(as_of.month)
    if last >= 12 or monthly.empty:
        return pd.DataFrame(columns=cols)
    from fiscalrisk.detectors.forecast import forecast_year_end

    rows = []
    earlier = sorted(y for y in monthly["year"].unique() if y < year)
    for region in sorted(monthly["region_code"].unique()):
        cum = _cumulative_rates(monthly, region, year)
        if cum is None:
            continue
        hist = {y: c.to_numpy() for y in earlier if (c := _cumulative_rates(monthly, region, y)) is not None}
        if not hist:
            continue
        history = pd.DataFrame.from_dict(hist, orient="index", columns=list(range(1, 13)))
        r = forecast_year_end(cum.loc[1:last], history, interval=0.8)
        rows.append((region, year, last, float(cum[last]), r.point, r.lower, r.upper, r.method))
    return pd.DataFrame(rows, columns=cols)


def _catalogue(params: Mapping[str, Any] | None) -> pd.DataFrame:
    import fiscalrisk.scan  # noqa: F401  (registers every indicator and detector)
    from fiscalrisk.indicators.registry import catalogue
    from fiscalrisk.params import Params

    p = Params(dict(params)) if params else None
    return catalogue(p)


def prepare(
    scan_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    dataset: Any = None,
) -> Path:
    """Check the scan directory and build (or reuse) the dashboard cache; return the cache directory.

    ``data_dir`` is the directory the scan read; required the first time (the cache is built from
    it), optional afterwards; ``dataset`` is that directory already loaded (:func:`fiscalrisk.data.load`),
    to skip reading it again. Raises :class:`ScanDirError` for a bad scan directory or a missing
    data directory, :class:`fiscalrisk.data.DataError` for invalid data.
    """
    scan = Path(scan_dir)
    manifest = check_scan_dir(scan)
    data = Path(data_dir) if data_dir is not None else None
    if data is not None and not data.is_dir():
        raise ScanDirError(f"data directory {data} does not exist or is not a directory")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir(scan)
    if not force and cache_is_fresh(cache, scan, data):
        return cache
    if data is None:
        raise ScanDirError(
            f"{scan} has no dashboard tables for this scan yet; pass --data DATA_DIR (the directory the scan "
            "read) once to build them"
        )
    if dataset is None:
        from fiscalrisk.data import load

        dataset = load(data)
    tables = dataset.tables if hasattr(dataset, "tables") else dict(dataset)
    inputs = manifest.get("inputs") or {}
    fingerprints = getattr(dataset, "fingerprints", {}) or {}
    differs = sorted(name for name, entry in inputs.items()
                     if isinstance(entry, dict) and entry.get("sha256") and fingerprints.get(name)
                     and entry["sha256"] != fingerprints[name])
    if differs:
        raise ScanDirError(
            f"{data} is not the data the scan in {scan} was computed from: {', '.join(differs)} differ(s) "
            "(SHA-256 in manifest.json); scan it again or pass the right --data"
        )
    params = manifest.get("params") or {}
    built = build_tables(tables, as_of=manifest["as_of"], params=params)
    built["catalogue"] = _catalogue(params)
    from fiscalrisk.report.charts import save_offline_bundle
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=cache))
    try:
        for name, frame in built.items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        meta = {
            "version": CACHE_VERSION,
            "manifest_sha256": _sha256(scan / "manifest.json"),
            "data_dir": str(data.resolve()),
            "data_files": _data_files(data),
            "as_of": manifest["as_of"],
            "time_progress": (params.get("time_progress") if isinstance(params, dict) else None) or {},
        }
        save_offline_bundle(tmp / BUNDLE_FILE)
        (tmp / "cache.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        # cache.json last: a cache without it is never taken for complete.
        for path in sorted(tmp.iterdir(), key=lambda p: p.name == "cache.json"):
            os.replace(path, cache / path.name)
    finally:
        for path in tmp.glob("*"):
            path.unlink(missing_ok=True)
        tmp.rmdir()
    return cache


# --------------------------------------------------------------------------------------------------
# The view model a dashboard kernel holds
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpis:
    """The figures of the KPI tiles for one region (subtree) and one budget year.

    Ratios are fractions (0.43 = 43%); NaN where the data has nothing to say (no budget, no
    contracts, ...). ``month`` is the last month the figures include (12 for a completed year).
    """

    region_code: str
    year: int
    month: int
    executed: float
    budget: float
    execution_rate: float
    time_progress: float
    alerts: int
    warnings: int
    sangong: float
    sangong_previous: float
    sangong_change: float
    contract_amount: float
    contract_paid: float
    contract_paid_share: float
    project_budget: float
    project_paid: float
    project_paid_share: float
    project_physical: float
    risk_score: float
    risk_top: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _time_progress(day: pd.Timestamp, year: int, tp: Mapping[str, Any]) -> float:
    try:
        from fiscalrisk.params import time_progress

        return float(time_progress(day, {"time_progress": dict(tp)} if tp else None, budget_year=year))
    except Exception:  # the calendar share is the catalogue's default method
        if day.year > year:
            return 1.0
        if day.year < year:
            return 0.0
        return day.day_of_year / (366 if pd.Timestamp(year=year, month=12, day=31).day_of_year == 366 else 365)


class DashboardData:
    """Scan outputs and dashboard cache, restricted to one region's subtree.

    ``root`` is the region the dashboard was started for (default: the root of the tree). Every
    method takes a region code that must lie in that subtree; anything else raises
    :class:`PermissionError`, so a county dashboard cannot be talked into showing a neighbour.
    """

    def __init__(self, scan_dir: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None,
                 root: str | None = None) -> None:
        self.scan_dir = Path(scan_dir)
        self.manifest = check_scan_dir(self.scan_dir)
        cache = Path(cache_dir) if cache_dir else self.scan_dir / "dashboard"
        missing = [f for f in CACHE_FILES if not (cache / f).is_file()]
        if missing:
            raise ScanDirError(f"dashboard tables missing in {cache}: {', '.join(missing)}; start the dashboard with "
                               "`fiscalrisk dashboard --scan SCAN_DIR --data DATA_DIR`")
        self.cache_dir = cache
        self.meta = json.loads((cache / "cache.json").read_text(encoding="utf-8"))
        self.as_of = pd.Timestamp(self.manifest["as_of"]).normalize()
        regions = pd.read_parquet(cache / "regions.parquet")
        roots = sorted(regions.loc[regions["parent_code"] == "", "region_code"])
        self.root = str(root) if root else (roots[0] if roots else "")
        if self.root not in set(regions["region_code"]):
            raise ScanDirError(f"region {self.root!r} is not in the scan's region tree "
                               f"(roots: {', '.join(roots) or 'none'})")
        self._children_all: dict[str, list[str]] = {}
        for code, par in zip(regions["region_code"], regions["parent_code"], strict=True):
            if par:
                self._children_all.setdefault(par, []).append(code)
        self.scope: list[str] = self._subtree_codes(self.root)
        scope = set(self.scope)
        self.regions = regions.loc[regions["region_code"].isin(scope)].set_index("region_code", drop=False)
        units = pd.read_parquet(cache / "units.parquet")
        self.units = units.loc[units["region_code"].isin(scope)].set_index("unit_code", drop=False)
        self.monthly = pd.read_parquet(cache / "monthly.parquet").query("region_code in @scope")
        self.forecasts = pd.read_parquet(cache / "forecast.parquet").query("region_code in @scope")
        self.contracts = pd.read_parquet(cache / "contracts.parquet").query("region_code in @scope")
        self.projects = pd.read_parquet(cache / "projects.parquet").query("region_code in @scope")
        personal = pd.read_parquet(cache / "personal.parquet")
        self._catalogue = pd.read_parquet(cache / "catalogue.parquet")
        self.findings = self._read_findings(scope)
        # Personal names also come from the evidence of payment-to-individual findings (PAY02), so
        # masking holds even when a payee is missing from the personal table.
        self.masker = Masker(tuple(sorted(set(personal["name"]) | self._evidence_names())))
        self.masked_accounts = tuple(personal["account"])
        scores = read_scan_csv(self.scan_dir / "scores.csv", dtype={"subject_id": "str", "region_code": "str"},
                             keep_default_na=False)
        scores["score"] = pd.to_numeric(scores["score"], errors="coerce")
        self.scores = scores.loc[scores["region_code"].astype("str").isin(scope)
                                 | scores["subject_id"].astype("str").isin(scope)].reset_index(drop=True)
        pefa = read_scan_csv(self.scan_dir / "pefa_scores.csv", dtype="str", keep_default_na=False)
        self.pefa_scores = pefa.loc[pefa["region_code"].isin(scope)].reset_index(drop=True)

    # -- structure ---------------------------------------------------------------------------------

    def _subtree_codes(self, code: str) -> list[str]:
        out, stack = [], [code]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(sorted(self._children_all.get(node, []), reverse=True))
        return out

    def _check(self, region: str) -> str:
        region = str(region)
        if region not in self.regions.index:
            raise PermissionError(f"region {region!r} is outside this dashboard's scope ({self.root} and below)")
        return region

    def children(self, region: str) -> list[str]:
        """Direct subordinate regions of ``region`` (within scope), sorted by code."""
        return sorted(c for c in self._children_all.get(self._check(region), []) if c in self.regions.index)

    def subtree(self, region: str) -> list[str]:
        """``region`` and every region below it."""
        return self._subtree_codes(self._check(region))

    def region_name(self, region: str, lang: str = "zh-CN") -> str:
        row = self.regions.loc[self._check(region)]
        return str(row["name_en"] or row["name"]) if normalize_lang(lang) == "en" else str(row["name"])

    def unit_name(self, unit: str, lang: str = "zh-CN") -> str:
        if unit not in self.units.index:
            return unit
        row = self.units.loc[unit]
        return str(row["name_en"] or row["name"]) if normalize_lang(lang) == "en" else str(row["name"])

    def region_options(self, lang: str = "zh-CN") -> list[tuple[str, str]]:
        """(label, code) pairs for the region selector: the root and its subtree, indented by depth."""
        depth = {self.root: 0}
        out = []
        for code in self.scope:
            for child in self._children_all.get(code, []):
                depth[child] = depth[code] + 1
            out.append(("\u2003" * depth[code] + self.region_name(code, lang), code))
        return out

    def years(self) -> list[int]:
        """Budget years the dashboard can show, latest last (never after the scan's as_of)."""
        ys = set(self.monthly["year"].astype("int64"))
        if not ys:
            ys = {self.as_of.year}
        return sorted(y for y in ys if y <= self.as_of.year)

    def last_month(self, year: int) -> int:
        """The last month of ``year`` the figures include: as_of's month for the current year, else 12."""
        return int(self.as_of.month) if int(year) == self.as_of.year else 12

    def period_label(self, year: int, lang: str = "zh-CN") -> str:
        year = int(year)
        if year == self.as_of.year and self.as_of.month < 12:
            return t("app.period.ytd", lang, year=year, month=self.as_of.month)
        return t("app.period.year", lang, year=year)

    # -- findings ----------------------------------------------------------------------------------

    def _read_findings(self, scope: set[str]) -> pd.DataFrame:
        path = self.scan_dir / "findings.parquet"
        try:
            f = pd.read_parquet(path)
        except Exception:  # parquet engine missing or file unreadable: the CSV twin has the same rows
            f = read_scan_csv(self.scan_dir / "findings.csv", dtype="str", keep_default_na=False)
        for c in ("finding_id", "indicator", "module", "region_code", "unit_code", "subject_type", "subject_id",
                  "period", "message_zh", "message_en", "evidence"):
            f[c] = _str(f[c]) if c in f.columns else ""
        f["level"] = f["level"].astype("str")
        f["value"] = pd.to_numeric(f["value"], errors="coerce")
        f["threshold"] = pd.to_numeric(f["threshold"], errors="coerce")
        f = f.loc[f["region_code"].isin(scope) & f["level"].isin(["warning", "alert"])].reset_index(drop=True)
        f["year"] = pd.to_numeric(f["period"].str[:4], errors="coerce").astype("Int64")
        f["rank"] = f["level"].map(_LEVEL_RANK).astype("int64")
        return f

    def _evidence_names(self) -> set[str]:
        names: set[str] = set()
        for text in self.findings.loc[self.findings["indicator"] == "PAY02", "evidence"]:
            try:
                ev = json.loads(text)
            except ValueError:
                continue
            for key in ("payee_name", "payee"):
                v = ev.get(key) if isinstance(ev, dict) else None
                if isinstance(v, str) and is_personal_name(v):
                    names.add(v.strip())
        return names

    def findings_for(self, region: str, year: int | None = None, *, module: str | None = None,
                     level: str | None = None) -> pd.DataFrame:
        """Findings of ``region``'s subtree, optionally of one budget year, module and level."""
        codes = set(self.subtree(region))
        f = self.findings
        mask = f["region_code"].isin(codes)
        if year is not None:
            mask &= f["year"] == int(year)
        if module:
            mask &= f["module"] == module
        if level:
            mask &= f["level"] == level
        return f.loc[mask]

    # -- KPI tiles ---------------------------------------------------------------------------------

    def _months(self, region: str, year: int) -> pd.DataFrame:
        m = self.monthly
        return m.loc[(m["region_code"] == region) & (m["year"] == int(year))].sort_values("month")

    def kpis(self, region: str, year: int) -> Kpis:
        """The tile figures for ``region`` (its whole subtree) in budget ``year``."""
        region, year = self._check(region), int(year)
        last = self.last_month(year)
        months = self._months(region, year)
        budget = float(months["budget"].iloc[0]) if len(months) else 0.0
        executed = float(months.loc[months["month"] <= last, "net"].sum())
        tp = _time_progress(self.as_of, year, self.meta.get("time_progress") or {})
        sangong = float(months.loc[months["month"] <= last, "sangong"].sum())
        prev = self._months(region, year - 1)
        sangong_prev = float(prev.loc[prev["month"] <= last, "sangong"].sum()) if len(prev) else float("nan")
        change = (sangong / sangong_prev - 1.0) if sangong_prev and sangong_prev == sangong_prev else float("nan")
        f = self.findings_for(region, year)
        levels = f["level"].value_counts()

        codes = set(self.subtree(region))
        start, end = pd.Timestamp(year=year, month=1, day=1), min(pd.Timestamp(year=year, month=12, day=31), self.as_of)
        c = self.contracts.loc[self.contracts["region_code"].isin(codes)]
        if len(c):
            c = c.loc[(c["signed_date"] <= end) & ~(c["end_date"] < start)]
        paid_cols = [f"paid_{y}" for y in range(year - 50, year + 1) if f"paid_{y}" in c.columns]
        c_amount = float(c["amount"].sum()) if len(c) else 0.0
        c_paid = float(c[paid_cols].to_numpy().sum()) if len(c) and paid_cols else 0.0

        p = self.projects.loc[self.projects["region_code"].isin(codes)]
        if len(p):
            p = p.loc[(p["start_date"] <= end)]
        ppaid_cols = [f"paid_{y}" for y in range(year - 50, year + 1) if f"paid_{y}" in p.columns]
        p_budget = float(p["budget_amount"].sum()) if len(p) else 0.0
        p_paid = float(p[ppaid_cols].to_numpy().sum()) if len(p) and ppaid_cols else 0.0
        phys_col = f"physical_{year}"
        if len(p) and phys_col in p.columns and p_budget > 0:
            w = p["budget_amount"]
            phys = float((p[phys_col].fillna(0.0) / 100.0 * w).sum() / w.sum())
        else:
            phys = float("nan")

        s = self.scores
        row = s.loc[(s["subject_type"] == "region") & (s["subject_id"].astype("str") == region)
                    & (s["scope"] == "subtree")]
        score = float(row["score"].iloc[0]) if len(row) else float("nan")
        top = str(row["top_indicators"].iloc[0]) if len(row) and "top_indicators" in row else ""
        return Kpis(
            region_code=region, year=year, month=last, executed=executed, budget=budget,
            execution_rate=executed / budget if budget > 0 else float("nan"), time_progress=tp,
            alerts=int(levels.get("alert", 0)), warnings=int(levels.get("warning", 0)),
            sangong=sangong, sangong_previous=sangong_prev, sangong_change=change,
            contract_amount=c_amount, contract_paid=c_paid,
            contract_paid_share=c_paid / c_amount if c_amount > 0 else float("nan"),
            project_budget=p_budget, project_paid=p_paid,
            project_paid_share=p_paid / p_budget if p_budget > 0 else float("nan"),
            project_physical=phys, risk_score=score, risk_top=top if top != "nan" else "",
        )

    # -- chart data --------------------------------------------------------------------------------

    def execution_curve(self, region: str, year: int) -> pd.DataFrame:
        """Month, cumulative execution rate, 序时进度 and (current year) the forecast path with its band.

        The forecast (precomputed by :func:`forecast_table`, ANM05's method on the region's own
        earlier years) is drawn from the last actual month to December.
        """
        region, year = self._check(region), int(year)
        last = self.last_month(year)
        months = self._months(region, year)
        out = pd.DataFrame({"month": range(1, 13)})
        budget = float(months["budget"].iloc[0]) if len(months) else 0.0
        tp = self.meta.get("time_progress") or {}
        out["progress"] = [
            _time_progress(min(pd.Timestamp(year=year, month=m, day=1) + pd.offsets.MonthEnd(0),
                               pd.Timestamp(year=year, month=12, day=31)), year, tp)
            for m in range(1, 13)
        ]
        if budget <= 0:
            out["executed"] = np.nan
            return out
        cum = months.set_index("month")["net"].reindex(range(1, 13), fill_value=0.0).cumsum() / budget
        out["executed"] = [float(cum[m]) if m <= last else np.nan for m in range(1, 13)]
        if last < 12:
            fc = self._forecast(region, year, cum.loc[1:last])
            if fc is not None:
                point, lower, upper = fc
                now = float(cum[last])
                steps = np.array([(m - last) / (12 - last) for m in range(1, 13)])
                inside = np.array([m >= last for m in range(1, 13)])
                out["forecast"] = np.where(inside, now + steps * (point - now), np.nan)
                if lower == lower and upper == upper:
                    out["lower"] = np.where(inside, now + steps * (lower - now), np.nan)
                    out["upper"] = np.where(inside, now + steps * (upper - now), np.nan)
        return out

    def _forecast(self, region: str, year: int, cum: pd.Series) -> tuple[float, float, float] | None:
        f = self.forecasts
        hit = f.loc[(f["region_code"] == region) & (f["year"] == year)]
        if hit.empty:
            return None
        point, lower, upper = (float(hit[c].iloc[0]) for c in ("point", "lower", "upper"))
        return None if point != point else (point, lower, upper)

    def ranking(self, region: str, lang: str = "zh-CN") -> pd.DataFrame:
        """Units of ``region``'s subtree with their risk score (scan's ``scores.csv``), highest first."""
        codes = set(self.subtree(region))
        s = self.scores
        u = s.loc[(s["subject_type"] == "unit") & s["region_code"].astype("str").isin(codes)].copy()
        u["name"] = [self.unit_name(c, lang) for c in u["subject_id"].astype("str")]
        u["region_name"] = [self.region_name(r, lang) for r in u["region_code"].astype("str")]
        for c in ("alerts", "warnings"):
            if c in u.columns:
                u[c] = pd.to_numeric(u[c], errors="coerce").fillna(0).astype("int64")
        return u.sort_values(["score", "name"], ascending=[False, True], ignore_index=True)

    def heatmap(self, region: str, year: int | None, lang: str = "zh-CN") -> pd.DataFrame:
        """Findings per module × column region: the region's own units, then each direct child's subtree."""
        region = self._check(region)
        f = self.findings_for(region, year)
        cols: list[tuple[str, set[str]]] = []
        kids = self.children(region)
        own_label = (t("app.own_level", lang, region=self.region_name(region, lang)) if kids
                     else self.region_name(region, lang))
        cols.append((own_label, {region}))
        for k in kids:
            cols.append((self.region_name(k, lang), set(self.subtree(k))))
        rows = []
        for label, codes in cols:
            part = f.loc[f["region_code"].isin(codes)]
            for module in MODULES:
                pm = part.loc[part["module"] == module]
                rows.append({"module": module, "region_name": label, "count": len(pm),
                             "alerts": int((pm["level"] == "alert").sum()),
                             "warnings": int((pm["level"] == "warning").sum())})
        return pd.DataFrame(rows)

    def pefa(self, region: str, lang: str = "zh-CN") -> pd.DataFrame:
        """PEFA letter grades of ``region`` and its direct subordinate regions, with display names."""
        codes = [self._check(region), *self.children(region)]
        p = self.pefa_scores.loc[self.pefa_scores["region_code"].isin(codes)].copy()
        order = {c: i for i, c in enumerate(codes)}
        p = p.sort_values("region_code", key=lambda s: s.map(order), ignore_index=True)
        p["region_name"] = [self.region_name(c, lang) for c in p["region_code"]]
        return p

    # -- alert table ---------------------------------------------------------------------------------

    def alert_table(self, region: str, year: int | None, lang: str = "zh-CN", *, module: str | None = None,
                    level: str | None = None, limit: int | None = 200) -> tuple[pd.DataFrame, int]:
        """Findings for the table, masked, alerts first; returns (rows, total before ``limit``).

        Columns: finding_id, level, module, indicator, indicator_name, region, unit, period, value,
        threshold, message, evidence (a list of (key, text) pairs, masked).
        """
        lang = normalize_lang(lang)
        f = self.findings_for(region, year, module=module, level=level)
        f = f.sort_values(["rank", "indicator", "region_code", "unit_code", "period", "finding_id"],
                          ascending=[False, True, True, True, False, True])
        total = len(f)
        if limit is not None:
            f = f.head(limit)
        names = self._catalogue.set_index("code")
        name_col = "name_zh" if lang == "zh-CN" else "name_en"
        msg_col = "message_zh" if lang == "zh-CN" else "message_en"
        out = pd.DataFrame({
            "finding_id": f["finding_id"].to_numpy(),
            "level": f["level"].to_numpy(),
            "module": f["module"].to_numpy(),
            "indicator": f["indicator"].to_numpy(),
            "indicator_name": [str(names.at[c, name_col]) if c in names.index else c for c in f["indicator"]],
            "region": [self.region_name(r, lang) if r in self.regions.index else r for r in f["region_code"]],
            "unit": [self.unit_name(u, lang) if u else "" for u in f["unit_code"]],
            "period": f["period"].to_numpy(),
            "value": f["value"].to_numpy(),
            "threshold": f["threshold"].to_numpy(),
            "message": [self.masker(m) for m in f[msg_col]],
            "evidence": [self.evidence_items(e) for e in f["evidence"]],
        })
        return out, total

    def evidence_items(self, evidence: str) -> list[tuple[str, str]]:
        """The evidence JSON as (key, masked text) pairs; long id lists are shortened."""
        try:
            ev = json.loads(evidence) if evidence else {}
        except ValueError:
            return [("", self.masker(evidence))]
        if not isinstance(ev, dict):
            return [("", self.masker(json.dumps(ev, ensure_ascii=False)))]
        items = []
        for key, value in ev.items():
            if value is None or value == "" or value == []:
                continue
            if isinstance(value, list):
                shown = "; ".join(map(_fmt, value[:8])) + (f" … (+{len(value) - 8})" if len(value) > 8 else "")
            elif isinstance(value, dict):
                shown = _fmt(value)
            else:
                shown = _fmt(value)
            if key in ("payee_name", "payee") and isinstance(value, str) and self._is_personal(value):
                shown = mask_name(value)
            if key in ("payee_account", "account") and isinstance(value, str | int):
                shown = mask_account(str(value))
            items.append((str(key), self.masker(shown)))
        return items

    def _is_personal(self, name: str) -> bool:
        return self.masker(name) != name

    # -- about -----------------------------------------------------------------------------------------

    def catalogue(self, lang: str = "zh-CN") -> pd.DataFrame:
        """The indicator catalogue (registry ``catalogue()`` with the scan's thresholds), for the about tab."""
        lang = normalize_lang(lang)
        c = self._catalogue
        zh = lang == "zh-CN"
        return pd.DataFrame({
            "code": c["code"],
            "module": c["module"],
            "name": c["name_zh" if zh else "name_en"],
            "subject_type": c["subject_type"],
            "warning": c["warning"],
            "alert": c["alert"],
            "source": c["source"],
            "why": c["why_zh" if zh else "why_en"],
        })

    # -- convenience ---------------------------------------------------------------------------------

    def indicator_name(self, code: str, lang: str = "zh-CN") -> str:
        """The catalogue name of an indicator code in ``lang`` (the code itself when unknown)."""
        c = self._catalogue
        hit = c.loc[c["code"] == code]
        if hit.empty:
            return code
        return str(hit["name_zh" if normalize_lang(lang) == "zh-CN" else "name_en"].iloc[0])

    def modules_present(self) -> list[str]:
        present = set(self.findings["module"])
        return [m for m in MODULES if m in present]

    def names_outside_scope(self) -> list[str]:
        """Names of regions outside this dashboard's scope (for tests of isolation)."""
        regions = pd.read_parquet(self.cache_dir / "regions.parquet")
        return sorted(regions.loc[~regions["region_code"].isin(set(self.scope)), "name"])


def _fmt(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_fmt(x)}" for k, x in list(v.items())[:8])
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v[:5]) + (" …" if len(v) > 5 else "") + "]"
    if isinstance(v, float):
        if v != v:
            return "—"
        if abs(v) >= 1000:
            return f"{v:,.2f}"
        return f"{v:.4g}"
    if isinstance(v, int) and not isinstance(v, bool) and 10000 <= abs(v) < 10**11:
        return f"{v:,}"
    return str(v)
