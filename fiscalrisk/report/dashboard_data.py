"""Data behind the managers' dashboard: read from the scan directory, sliced per region and period on demand.

The dashboard must open in about two seconds on a two-core machine, so nothing heavy happens when a
page loads, and nothing is computed from raw data at all: everything comes from the scan directory
(scan format 2, ``docs/scan-directory.md``), which the scan wrote once:

===============================  ===================================================================
``reference/regions.parquet``    the region tree (code, name, name_en, level, parent_code)
``reference/units.parquet``      budget units (code, name, name_en, region_code)
``reference/personal_payees``    names and accounts of personal payees (payee_type = individual), so
                                 the manager view can mask them wherever they appear
``reference/catalogue``          the indicator catalogue with the thresholds the scan used
``series/monthly_regions``       per region *subtree* × budget year × month: net payments, 三公 net
                                 payments, and the adjusted budget of the year — enough for execution
                                 rates, the cumulative curve and 三公 year on year
``series/forecast``              the year-end execution forecast per region (ANM05's method, 80 %)
``series/contracts``             per contract: unit, region, amount, signed/end dates, paid per year
``series/projects``              per project: unit, region, budget, dates, paid and physical progress
                                 per year
findings, scores, PEFA scores    the scan's own files
===============================  ===================================================================

1. :func:`prepare` runs once, when ``fiscalrisk dashboard`` starts: it checks the scan directory
   (:func:`fiscalrisk.scan.open_scan`: complete, unaltered, of this scan format — a scan of an older
   fiscalrisk is refused with "run the scan again"), checks ``--data`` when given (the files must be
   those the scan read), and builds the offline chart bundle (``jupyterchart-offline.js``, a
   rendering artefact, not data) into ``<scan_dir>/dashboard/`` (or a private temporary directory
   when the scan directory is read-only), once per Altair / vl-convert version.

2. :class:`DashboardData` is what a dashboard kernel holds: the scan's tables **cut to the subtree of
   the region the dashboard was started for** at load time — a county dashboard's kernel never holds
   another county's findings, scores or names. Its methods return small frames and dicts for the
   tiles, charts and the alert table, and are cheap enough to run on every widget change (a region
   switch recomputes everything in well under a second). Time progress (序时进度) follows each
   region's own parameters as the scan recorded them (长兴县's quarterly targets for 长兴县).

Personal payees are masked in every text the view returns (:func:`mask_name`, :func:`mask_account`):
张三 → 张*, 6222021234561234 → 6222********1234.
"""

from __future__ import annotations

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
from fiscalrisk.report.execution import execution_curve
from fiscalrisk.report.i18n import MODULES, format_evidence_value, normalize_lang, t
from fiscalrisk.scan import OUTPUT_FILES as SCAN_FILES  # files a scan directory must hold
from fiscalrisk.scan import ScanDirError, open_scan, read_reference, read_series, read_values
from fiscalrisk.series import is_personal_name

__all__ = [
    "SCAN_FILES",
    "ScanDirError",
    "check_scan_dir",
    "check_data_dir",
    "prepare",
    "mask_name",
    "mask_account",
    "is_personal_name",
    "Masker",
    "DashboardData",
    "Kpis",
]

#: The offline JupyterChart bundle, built once per Altair / vl-convert version (see
#: :func:`fiscalrisk.report.charts.save_offline_bundle`).
BUNDLE_FILE = "jupyterchart-offline.js"
_LEVEL_RANK = {"alert": 2, "warning": 1, "ok": 0}


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


def check_scan_dir(scan_dir: str | os.PathLike[str], *, verify: bool = True) -> dict[str, Any]:
    """Check that ``scan_dir`` is a complete scan output of this scan format and return its manifest.

    Raises :class:`ScanDirError` (a user error) naming the directory and every missing file (a
    half-written or foreign directory is refused, never shown as "no findings"), a changed file (with
    ``verify``), or a scan written by an older fiscalrisk (run the scan again); see
    :func:`fiscalrisk.scan.open_scan`.
    """
    return open_scan(scan_dir, verify=verify)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_data_dir(manifest: Mapping[str, Any], data_dir: str | os.PathLike[str] | None, *, dataset: Any = None,
                   scan_dir: str | os.PathLike[str] = "the scan") -> None:
    """Refuse a data directory that is not the one the scan read.

    Every input file the manifest records (``input_files``: name → SHA-256) that ``data_dir`` holds must
    have the same bytes, and none may be missing; with ``dataset`` (the directory already loaded) its
    table fingerprints are compared with ``inputs`` instead. Nothing else is read from the data: the
    dashboard shows the scan directory only.
    """
    data = Path(data_dir) if data_dir is not None else None
    if data is not None and not data.is_dir():
        raise ScanDirError(f"data directory {data} does not exist or is not a directory")
    if dataset is not None:
        fingerprints = getattr(dataset, "fingerprints", {}) or {}
        inputs = manifest.get("inputs") or {}
        differs = sorted(name for name, entry in inputs.items()
                         if isinstance(entry, dict) and entry.get("sha256") and fingerprints.get(name)
                         and entry["sha256"] != fingerprints[name])
    elif data is not None:
        from fiscalrisk.staging import UnsafeNameError, check_code

        differs = []
        for name, sha in sorted((manifest.get("input_files") or {}).items()):
            stem, dot, ext = str(name).partition(".")
            try:  # a name from the manifest never becomes a path out of the data directory
                check_code(stem, "input file")
            except UnsafeNameError:
                differs.append(str(name)[:80])
                continue
            path = data / f"{stem}{dot}{ext}"
            if not path.is_file() or "/" in ext or _sha256(path) != sha:
                differs.append(str(name))
    if differs:
        raise ScanDirError(
            f"{data or 'the data'} is not the data the scan in {scan_dir} was computed from: {', '.join(differs)} differ(s) "
            "(SHA-256 in manifest.json); scan it again or pass the right --data (or no --data: the scan "
            "directory holds everything the dashboard shows)"
        )


def default_cache_dir(scan_dir: str | os.PathLike[str]) -> Path:
    """``<scan_dir>/dashboard`` when the scan directory is writable, else a private temporary directory."""
    scan = Path(scan_dir)
    if os.access(scan, os.W_OK):
        return scan / "dashboard"
    return Path(tempfile.mkdtemp(prefix="fiscalrisk-dashboard-"))


def prepare(
    scan_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
    dataset: Any = None,
) -> Path:
    """Check the scan directory (and ``data_dir`` when given), build the chart bundle; return its directory.

    The scan directory is all the dashboard reads; ``data_dir`` (``--data``) is optional and only
    checked to be the data the scan read (:func:`check_data_dir`; ``dataset`` is that directory already
    loaded). The offline chart bundle is built into ``cache_dir`` (default :func:`default_cache_dir`)
    unless one for the installed Altair and vl-convert is there (``force`` rebuilds it). Raises
    :class:`ScanDirError` for a bad or old scan directory, or data that is not the scan's.
    """
    from fiscalrisk.report.charts import _bundle_key, save_offline_bundle

    scan = Path(scan_dir)
    manifest = check_scan_dir(scan)
    if data_dir is not None or dataset is not None:
        check_data_dir(manifest, data_dir, dataset=dataset, scan_dir=scan)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir(scan)
    bundle = cache / BUNDLE_FILE
    key = bundle.with_suffix(".key")
    fresh = bundle.is_file() and key.is_file() and key.read_text(encoding="utf-8") == _bundle_key()
    if force or not fresh:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=cache))
        try:
            save_offline_bundle(tmp / BUNDLE_FILE)
            # the bundle first, its key last: a bundle without a matching key is never taken as built
            os.replace(tmp / BUNDLE_FILE, bundle)
            os.replace((tmp / BUNDLE_FILE).with_suffix(".key"), key)
        finally:
            for path in tmp.glob("*"):
                path.unlink(missing_ok=True)
            tmp.rmdir()
    return cache


def _str(s: pd.Series) -> pd.Series:
    return s.astype("str").fillna("").str.strip().replace({"nan": "", "<NA>": "", "None": ""})


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
    """The scan directory's tables, restricted to one region's subtree.

    ``root`` is the region the dashboard was started for (default: the root of the tree). Every
    method takes a region code that must lie in that subtree; anything else raises
    :class:`PermissionError`, so a county dashboard cannot be talked into showing a neighbour.
    ``cache_dir`` is where :func:`prepare` put the offline chart bundle (default
    ``<scan_dir>/dashboard``; without one the kernel builds it); no data is read from it.
    """

    def __init__(self, scan_dir: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None,
                 root: str | None = None) -> None:
        self.scan_dir = Path(scan_dir)
        # complete and of this format; the files' SHA-256 were checked once when the server started
        self.manifest = check_scan_dir(self.scan_dir, verify=False)
        self.cache_dir = Path(cache_dir) if cache_dir else self.scan_dir / "dashboard"
        self.as_of = pd.Timestamp(self.manifest["as_of"]).normalize()
        regions = read_reference(self.scan_dir, "regions")
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
        units = read_reference(self.scan_dir, "units")
        self.units = units.loc[units["region_code"].isin(scope)].set_index("unit_code", drop=False)

        def series(name: str) -> pd.DataFrame:
            frame = read_series(self.scan_dir, name)
            return frame.loc[frame["region_code"].isin(scope)].reset_index(drop=True)

        self.monthly = series("monthly_regions")
        self.forecasts = series("forecast")
        self.contracts = series("contracts")
        self.projects = series("projects")
        personal = read_reference(self.scan_dir, "personal_payees")
        self._catalogue = read_reference(self.scan_dir, "catalogue")
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

    #: the performance indicators the 绩效 tab reads: the scatter (PRF03), missed targets (PRF04) and
    #: self-evaluations (PRF05), as the scan graded them (``values/<CODE>.parquet``)
    PERFORMANCE_CODES: tuple[str, ...] = ("PRF03", "PRF04", "PRF05")

    @cached_property
    def _performance_values(self) -> dict[str, pd.DataFrame]:
        return {code: read_values(self.scan_dir, code, self.scope) for code in self.PERFORMANCE_CODES}

    def performance(self, region: str, lang: str = "zh-CN") -> dict[str, Any]:
        """The 绩效 tab of ``region``'s subtree: ``points`` (per project of the current year: project_code,
        unit_name, rate, completion, diverge_pp, level), ``missed`` (targets of last year with a warning or
        alert: target_id, name, project_code, unit_name, completion, level), ``self_eval`` (project_code,
        unit_name, year, grade, reported, computed, score_gap, level), ``year`` (of the points) and
        ``last_year``. Frames are empty when the scan assessed nothing there."""
        self._check(region)
        codes = set(self.subtree(region))
        vals = {code: v.loc[v["region_code"].isin(codes)] if len(v) else v
                for code, v in self._performance_values.items()}
        order = {"alert": 0, "warning": 1, "info": 2, "ok": 3}

        def unit_names(s: pd.Series) -> list[str]:
            return [self.unit_name(str(u), lang) for u in s]

        v = vals["PRF03"]
        points = pd.DataFrame(columns=["project_code", "unit_name", "rate", "completion", "diverge_pp", "level"])
        if len(v):
            points = pd.DataFrame({"project_code": v["subject_id"].astype(str), "unit_name": unit_names(v["unit_code"]),
                                   "rate": pd.to_numeric(v["rate"], errors="coerce"),
                                   "completion": pd.to_numeric(v["completion"], errors="coerce"),
                                   "diverge_pp": pd.to_numeric(v["value"], errors="coerce"),
                                   "level": v["level"].astype(str)})
            points = points.sort_values(["diverge_pp", "project_code"], ascending=[False, True], kind="mergesort",
                                        ignore_index=True)
        last_year = self.as_of.year - 1
        v = vals["PRF04"]
        missed = pd.DataFrame(columns=["target_id", "name", "project_code", "unit_name", "completion", "level"])
        if len(v):
            v = v.loc[(v["period"].astype(str) == str(last_year)) & v["level"].isin(["warning", "alert"])]
            missed = pd.DataFrame({"target_id": v["subject_id"].astype(str), "name": v["name"].astype(str),
                                   "project_code": v["project_code"].astype(str), "unit_name": unit_names(v["unit_code"]),
                                   "completion": pd.to_numeric(v["value"], errors="coerce"),
                                   "level": v["level"].astype(str)})
            missed = missed.sort_values(["completion", "target_id"], kind="mergesort", na_position="first",
                                        ignore_index=True)
        v = vals["PRF05"]
        self_eval = pd.DataFrame(columns=["project_code", "unit_name", "year", "grade", "reported", "computed",
                                          "score_gap", "level"])
        if len(v):
            self_eval = pd.DataFrame({"project_code": v["subject_id"].astype(str), "unit_name": unit_names(v["unit_code"]),
                                      "year": v["period"].astype(str), "grade": v["grade"].astype(str),
                                      "reported": pd.to_numeric(v["reported"], errors="coerce"),
                                      "computed": pd.to_numeric(v["computed"], errors="coerce"),
                                      "score_gap": pd.to_numeric(v["value"], errors="coerce"),
                                      "level": v["level"].astype(str)})
            self_eval["_o"] = self_eval["level"].map(order).fillna(9)
            self_eval = self_eval.sort_values(["_o", "score_gap", "project_code"], ascending=[True, False, True],
                                              kind="mergesort", na_position="last",
                                              ignore_index=True).drop(columns="_o")
        year = int(vals["PRF03"]["period"].astype(int).max()) if len(vals["PRF03"]) else self.as_of.year
        return {"points": points, "missed": missed, "self_eval": self_eval, "year": year, "last_year": last_year,
                "assessed": any(len(x) for x in self._performance_values.values())}

    def time_progress_settings(self, region: str) -> dict[str, Any]:
        """The ``time_progress`` parameters the scan used for ``region`` (its own layered params, e.g.
        长兴县's quarterly targets; the scan's base params where the region has none of its own)."""
        own = (self.manifest.get("params_by_region") or {}).get(str(region))
        params = own if isinstance(own, Mapping) else (self.manifest.get("params") or {})
        tp = params.get("time_progress") if isinstance(params, Mapping) else None
        return dict(tp) if isinstance(tp, Mapping) else {}

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
        if "value_unit" in f.columns:
            f["value_unit"] = _str(f["value_unit"])
        else:  # a scan written before units were declared: the catalogue's units
            from fiscalrisk.indicators import registry

            f["value_unit"] = f["indicator"].map({s.code: s.value_unit for s in registry.specs()}).fillna("")
        for c in ("value", "threshold", "amount_at_risk", "priority"):
            f[c] = pd.to_numeric(f[c], errors="coerce") if c in f.columns else float("nan")
        if f["priority"].isna().any():  # a scan written before the priority column: rank it here, scan-wide
            from fiscalrisk.findings import priority_ranks

            f["priority"] = priority_ranks(f)
        f["priority"] = f["priority"].astype("int64")
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

    def kpis(self, region: str, year: int, *, all_periods: bool = False) -> Kpis:
        """The tile figures for ``region`` (its whole subtree) in budget ``year``; with ``all_periods``
        the warnings and alerts of every period (the money figures stay ``year``'s): the counts of the
        report and of the scan's findings for the same region."""
        region, year = self._check(region), int(year)
        last = self.last_month(year)
        months = self._months(region, year)
        budget = float(months["budget"].iloc[0]) if len(months) else 0.0
        executed = float(months.loc[months["month"] <= last, "net"].sum())
        tp = _time_progress(self.as_of, year, self.time_progress_settings(region))
        sangong = float(months.loc[months["month"] <= last, "sangong"].sum())
        prev = self._months(region, year - 1)
        sangong_prev = float(prev.loc[prev["month"] <= last, "sangong"].sum()) if len(prev) else float("nan")
        change = (sangong / sangong_prev - 1.0) if sangong_prev and sangong_prev == sangong_prev else float("nan")
        f = self.findings_for(region, None if all_periods else year)
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
        tp = self.time_progress_settings(region)
        out["progress"] = [
            _time_progress(min(pd.Timestamp(year=year, month=m, day=1) + pd.offsets.MonthEnd(0),
                               pd.Timestamp(year=year, month=12, day=31)), year, tp)
            for m in range(1, 13)
        ]
        if budget <= 0:
            out["executed"] = np.nan
            return out
        fc = self._forecast(region, year) if last < 12 else None
        curve = execution_curve(months.set_index("month")["net"], budget, last, fc)
        out["executed"] = curve["executed"]
        if fc is not None:
            out["forecast"] = curve["forecast"]
            if fc[1] == fc[1] and fc[2] == fc[2]:
                out[["lower", "upper"]] = curve[["lower", "upper"]]
        return out

    def _forecast(self, region: str, year: int) -> tuple[float, float, float] | None:
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

    def top_findings(self, region: str, year: int | None, lang: str = "zh-CN", *, module: str | None = None,
                     level: str | None = None, per_unit: int = 3, max_units: int | None = 10) -> tuple[pd.DataFrame, Any]:
        """The ``per_unit`` most urgent findings of each unit of ``region``'s subtree (by ``priority``),
        for the top of the alerts tab: the ``max_units`` units whose most urgent finding ranks first.

        Returns (rows, :class:`fiscalrisk.findings.TopFindings`). Columns: finding_id, priority, level,
        indicator, indicator_name, unit (the unit's name; the region's for a region-level finding),
        period, amount_at_risk, message (masked), more (that unit's findings not shown; on every row of
        the unit), group (the unit code, or the region code of a region-level finding).
        """
        from fiscalrisk.findings import top_findings

        lang = normalize_lang(lang)
        f = self.findings_for(region, year, module=module, level=level)
        top = top_findings(f, per_unit=per_unit, max_units=max_units)
        r = top.rows
        names = self._catalogue.set_index("code")
        name_col = "name_zh" if lang == "zh-CN" else "name_en"
        msg_col = "message_zh" if lang == "zh-CN" else "message_en"
        out = pd.DataFrame({
            "finding_id": r["finding_id"].astype("str").to_numpy(),
            "priority": r["priority"].astype("int64").to_numpy(),
            "level": r["level"].astype("str").to_numpy(),
            "indicator": r["indicator"].astype("str").to_numpy(),
            "indicator_name": [str(names.at[c, name_col]) if c in names.index else c for c in r["indicator"]],
            "unit": [self.unit_name(u, lang) if u else
                     (self.region_name(g, lang) if g in self.regions.index else g)
                     for u, g in zip(r["unit_code"].astype("str"), r["group"].astype("str"), strict=True)],
            "period": r["period"].astype("str").to_numpy(),
            "amount_at_risk": r["amount_at_risk"].astype("float64").to_numpy(),
            "message": [self.masker(m) for m in r[msg_col]],
            "more": r["more"].astype("int64").to_numpy(),
            "group": r["group"].astype("str").to_numpy(),
        })
        return out, top

    #: orders of the alert table: name → (columns, ascending)
    SORTS: dict[str, tuple[list[str], list[bool]]] = {
        "priority": (["priority", "finding_id"], [True, True]),
        "amount": (["amount_at_risk", "priority"], [False, True]),
        "unit": (["unit", "priority"], [True, True]),
        "indicator": (["indicator", "priority"], [True, True]),
        "period": (["period", "priority"], [False, True]),
    }

    def alert_table(self, region: str, year: int | None, lang: str = "zh-CN", *, module: str | None = None,
                    level: str | None = None, limit: int | None = 200, search: str | None = None,
                    sort: str = "priority") -> tuple[pd.DataFrame, int]:
        """Findings for the table, masked, in the order ``sort`` (:data:`SORTS`; default by priority:
        alerts first, then the larger amount at risk); returns (rows, total before ``limit``).

        ``search``: only the rows where every word of it appears (case-insensitive) in the indicator,
        its name, the region, the unit, the period or the (masked) message: what is searched is what
        is shown, so a masked name cannot be found by its full spelling.

        Columns: finding_id, priority, level, module, indicator, indicator_name, region, unit, period,
        value, threshold, value_unit, amount_at_risk, message, evidence (a list of (label, text) pairs,
        masked).
        """
        lang = normalize_lang(lang)
        if sort not in self.SORTS:
            raise ValueError(f"sort: expected one of {', '.join(self.SORTS)}; got {sort!r}")
        f = self.findings_for(region, year, module=module, level=level)
        names = self._catalogue.set_index("code")
        name_col = "name_zh" if lang == "zh-CN" else "name_en"
        msg_col = "message_zh" if lang == "zh-CN" else "message_en"
        out = pd.DataFrame({
            "finding_id": f["finding_id"].to_numpy(),
            "priority": f["priority"].astype("int64").to_numpy(),
            "level": f["level"].to_numpy(),
            "module": f["module"].to_numpy(),
            "indicator": f["indicator"].to_numpy(),
            "indicator_name": [str(names.at[c, name_col]) if c in names.index else c for c in f["indicator"]],
            "region": [self.region_name(r, lang) if r in self.regions.index else r for r in f["region_code"]],
            "unit": [self.unit_name(u, lang) if u else "" for u in f["unit_code"]],
            "period": f["period"].to_numpy(),
            "value": f["value"].to_numpy(),
            "threshold": f["threshold"].to_numpy(),
            "value_unit": f["value_unit"].to_numpy(),
            "amount_at_risk": f["amount_at_risk"].to_numpy(),
        })
        # messages are masked only where they are read: every row for a search, else the rows shown
        messages = dict(zip(f["finding_id"], f[msg_col], strict=True))
        words = [w.casefold() for w in (search or "").split()]
        if words and len(out):
            out["message"] = [self.masker(messages[i]) for i in out["finding_id"]]
            text = (out["indicator"].astype(str) + " " + out["indicator_name"] + " " + out["region"] + " "
                    + out["unit"] + " " + out["period"].astype(str) + " " + out["message"]).str.casefold()
            hit = pd.Series(True, index=out.index)
            for word in words:
                hit &= text.str.contains(word, regex=False)
            out = out.loc[hit]
        columns, ascending = self.SORTS[sort]
        out = out.sort_values(columns, ascending=ascending, kind="mergesort", na_position="last")
        total = len(out)
        if limit is not None:
            out = out.head(limit)
        out = out.reset_index(drop=True)
        if "message" not in out:
            out["message"] = [self.masker(messages[i]) for i in out["finding_id"]]
        evidence = dict(zip(f["finding_id"], f["evidence"], strict=True))
        out["evidence"] = [self.evidence_items(evidence[i], lang) for i in out["finding_id"]]
        return out, total

    def alert_workbook(self, region: str, year: int | None, lang: str = "zh-CN", **filters: Any) -> bytes:
        """The alert table as shown (same filters, search and order, every row, masked) as an .xlsx file;
        text from the data never becomes a formula (:func:`fiscalrisk.workbook.write_xlsx`)."""
        from fiscalrisk.report.i18n import format_value, level_label, module_label, t
        from fiscalrisk.workbook import write_xlsx

        lang = normalize_lang(lang)
        rows, _ = self.alert_table(region, year, lang, limit=None, **filters)
        sheet = pd.DataFrame({
            t("table.priority", lang): rows["priority"],
            "finding_id": rows["finding_id"],
            t("table.level", lang): [level_label(v, lang) for v in rows["level"]],
            t("table.module", lang): [module_label(v, lang) for v in rows["module"]],
            t("table.indicator", lang): rows["indicator"],
            t("table.indicator_name", lang): rows["indicator_name"],
            t("table.unit", lang): [u or r for u, r in zip(rows["unit"], rows["region"], strict=True)],
            t("table.period", lang): rows["period"],
            t("table.value", lang): [format_value(v, u, lang) for v, u in zip(rows["value"], rows["value_unit"], strict=True)],
            t("table.threshold", lang): [format_value(v, u, lang)
                                         for v, u in zip(rows["threshold"], rows["value_unit"], strict=True)],
            t("table.amount_at_risk", lang): rows["amount_at_risk"],
            t("table.message", lang): rows["message"],
            t("table.evidence", lang): ["; ".join(f"{k}: {v}" for k, v in ev) for ev in rows["evidence"]],
        })
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "alerts.xlsx"
            write_xlsx({t("tab.alerts", lang)[:31]: sheet}, path)
            return path.read_bytes()

    def evidence_items(self, evidence: str, lang: str = "zh-CN") -> list[tuple[str, str]]:
        """The evidence JSON as (label, masked text) pairs in ``lang``; long id lists are shortened."""
        from fiscalrisk.report.i18n import evidence_label

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
                shown = "; ".join(map(format_evidence_value, value[:8])) + (f" … (+{len(value) - 8})" if len(value) > 8 else "")
            else:
                shown = format_evidence_value(value)
            if key in ("payee_name", "payee") and isinstance(value, str) and self._is_personal(value):
                shown = mask_name(value)
            if key in ("payee_account", "account") and isinstance(value, str | int):
                shown = mask_account(str(value))
            items.append((evidence_label(str(key), lang), self.masker(shown)))
        return items

    def _is_personal(self, name: str) -> bool:
        return self.masker(name) != name

    # -- about -----------------------------------------------------------------------------------------

    def catalogue(self, lang: str = "zh-CN", region: str | None = None) -> pd.DataFrame:
        """The indicator catalogue for the about tab, with ``region``'s own thresholds (the params the scan
        graded it with: 德清县's PAY06 threshold of 200,000, not the city's 300,000).

        ``warning`` / ``alert``: the region's thresholds; ``local``: the region's parameters that differ
        from the scan's base params, as "name = value (base value)" (empty when none do).
        """
        from fiscalrisk.indicators.registry import _threshold_text

        lang = normalize_lang(lang)
        c = self._catalogue
        zh = lang == "zh-CN"
        base = (self.manifest.get("params") or {}).get("indicators") or {}
        own = ((self.manifest.get("params_by_region") or {}).get(str(region)) or {}).get("indicators") \
            if region is not None else None
        own = own or base
        warning, alert, local = [], [], []
        for code, w, a in zip(c["code"], c["warning"], c["alert"], strict=True):
            mine, theirs = own.get(code) or {}, base.get(code) or {}
            warning.append(_threshold_text(mine["warning"]) if "warning" in mine else w)
            alert.append(_threshold_text(mine["alert"]) if "alert" in mine else a)
            diff = [f"{k} = {_param_text(v)}（{_param_text(theirs.get(k))}）" if zh else
                    f"{k} = {_param_text(v)} ({_param_text(theirs.get(k))})"
                    for k, v in sorted(mine.items()) if theirs.get(k) != v]
            local.append("; ".join(diff))
        return pd.DataFrame({
            "code": c["code"],
            "module": c["module"],
            "name": c["name_zh" if zh else "name_en"],
            "subject_type": c["subject_type"],
            "warning": warning,
            "alert": alert,
            "local": local,
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
        regions = read_reference(self.scan_dir, "regions")
        return sorted(regions.loc[~regions["region_code"].isin(set(self.scope)), "name"])


def _param_text(v: Any) -> str:
    """A parameter's value as the about tab shows it (200,000; 0.8; [301, 303]; — for none)."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int | float):
        return f"{v:,.0f}" if float(v).is_integer() and abs(v) >= 1000 else f"{v:g}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_param_text(x) for x in v) + "]"
    return str(v)
