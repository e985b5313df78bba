from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The one place that resolves the shared folder (the indicator catalogue in spec/, the published data sets
#: in real-data/): the environment variable FISCALRISK_SHARED, else ``../shared`` beside the project.
def shared_folder(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get("FISCALRISK_SHARED") or ROOT.parent / "shared")


SHARED = shared_folder()
REAL_DATA = SHARED / "real-data"
SAMPLE_DIR = ROOT / "data_samples" / "huzhou"

# Debian's Chromium, driven by Playwright (never a downloaded browser). The flags keep it from calling
# Google's services at start, which this offline machine refuses.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

MINIMAL = {
    "regions.csv": "region_code,name,level,parent_code\n330500,湖州市,city,\n330521,德清县,county,330500\n330521102,新市镇,township,330521\n",
    "units.csv": "unit_code,name,region_code,kind,headcount\n001,德清县教育局,330521,department,120\n002,新市镇人民政府,330521102,township_government,40\n",
    "budget.csv": (
        "year,unit_code,function_code,economic_code,project_code,original_amount,adjusted_amount\n"
        '2026,001,2050101,30101,,"1,200,000.00",1300000\n'
        "2026,002,2010301,30201,P1,50000,\n"
    ),
    "payments.csv": (
        "payment_id,pay_date,unit_code,function_code,economic_code,payee_name,payee_type,method,amount\n"
        "P1,2026-03-02,001,2050101,30101,张三,individual,transfer,5000.00\n"
        'P2,2026-03-03,002,2010301,30201,湖州某某有限公司,organization,cash,"1,234.50"\n'
    ),
}


def write_tables(directory: Path, tables: dict[str, str], encoding: str = "utf-8") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (directory / name).write_bytes(text.encode(encoding))
    return directory


@pytest.fixture
def minimal_dir(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "data", MINIMAL)


def in_ci() -> bool:
    """True under CI (``CI=true``), where the shared folder is always laid beside the clone."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def shared_absent(path: Path) -> NoReturn:
    """Stop a test whose shared file or folder ``path`` is absent: under CI a failure naming the path (a
    real-data test must not vanish there); elsewhere a skip with the reason."""
    reason = (f"{path} is absent: the shared folder resolves to {SHARED} "
              f"(FISCALRISK_SHARED, else ../shared beside the project)")
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def shared_path(relative: str) -> Path:
    """``SHARED / relative`` (a file or folder, e.g. ``spec/indicators.md``); see :func:`shared_absent`."""
    path = SHARED / relative
    if not path.exists():
        shared_absent(path)
    return path


def real_data(name: str) -> Path:
    """The published data set ``real-data/<name>`` (a folder); see :func:`shared_absent`."""
    path = REAL_DATA / name
    if not path.is_dir():
        shared_absent(path)
    return path


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not (SAMPLE_DIR / "regions.csv").exists():
        pytest.skip("the committed sample data_samples/huzhou is absent; run `fiscalrisk sample --out data_samples/huzhou`")
    return SAMPLE_DIR


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Chromium for the whole test session: Playwright's sync API runs one instance
    per process at a time, so the dashboard and report browser tests share it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def subtree_findings(scan_dir: Path, data_dir: Path, region: str) -> list[dict[str, str]]:
    """The scan's findings (``findings.csv`` read with the csv module) whose region lies under ``region``
    in the data's ``regions.csv`` (walked by parent_code): the reference for the counts a report, a
    workbook or the dashboard shows for ``region``, computed without the product's code."""
    with open(data_dir / "regions.csv", encoding="utf-8", newline="") as fh:
        parent = {r["region_code"]: r["parent_code"] for r in csv.DictReader(fh)}
    subtree, grew = {region}, True
    while grew:
        more = {code for code, up in parent.items() if up in subtree} - subtree
        subtree |= more
        grew = bool(more)
    with open(scan_dir / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["region_code"] in subtree]


def top_per_unit(findings: list[dict[str, str]], per_unit: int = 3,
                 max_units: int | None = None) -> tuple[list[tuple[str, list[str], int]], int]:
    """The most urgent warnings and alerts of each unit, worked out from ``findings.csv`` rows (as
    :func:`subtree_findings` reads them) without the product's code: a unit's findings by their
    ``priority`` (a region-level finding under its region), units by their first one, the first
    ``max_units`` units. Returns ([(unit, the ids of its first ``per_unit`` findings, how many more)],
    the warnings and alerts counted)."""
    risk = [f for f in findings if f["level"] in ("warning", "alert")]
    by_unit: dict[str, list[dict[str, str]]] = {}
    for f in sorted(risk, key=lambda f: int(f["priority"])):
        by_unit.setdefault(f["unit_code"] or f["region_code"], []).append(f)
    units = sorted(by_unit.items(), key=lambda item: int(item[1][0]["priority"]))[:max_units]
    return [(unit, [f["finding_id"] for f in rows[:per_unit]], max(0, len(rows) - per_unit))
            for unit, rows in units], len(risk)
