"""The dashboard in a real browser (Debian's Chromium), offline: every non-loopback request aborted.

Each test has a fresh page in its own browser context (the Chromium process is shared), waits for the
state it reads (never a fixed sleep), and compares the figures on the page with counts computed here
from the scan's files (``findings.csv`` and the data's ``regions.csv``, read with the csv module).
"""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.conftest import subtree_findings
from tests.dashboard.conftest import (
    CITY,
    COUNTY,
    OTHER_COUNTY_NAMES,
    Browser,
    ScanEnv,
    Server,
    open_dashboard,
    screenshot_dir,
)

pytestmark = pytest.mark.browser

ERROR_WORDS = ("Traceback", "Error", "Exception")
SOURCE_MARKERS = ("DashboardApp", "import ", "from_env", "fiscalrisk.dashboard")
#: what each tab shows once it is open (zh-CN and en labels)
TAB_CONTENT = {"总览": ".fr-tiles", "Overview": ".fr-tiles", "预警明细": "#fr-alerts", "Alerts": "#fr-alerts",
               "指标说明": ".fr-about", "Indicators": ".fr-about",
               "绩效": "#fr-perf-out-of-step", "Performance": "#fr-perf-out-of-step"}


def _text(page) -> str:
    return page.inner_text("body")


def _tiles(page) -> str:
    return page.inner_text(".fr-tiles")


def _open_tab(page, label: str) -> None:
    """Click a tab and wait until it is the current one and its content is visible."""
    tab = page.get_by_role("tab", name=label)
    tab.click()
    page.wait_for_function("t => t.getAttribute('aria-selected') === 'true'", arg=tab.element_handle(),
                           timeout=30_000)
    page.locator(TAB_CONTENT[label]).first.wait_for(state="visible", timeout=30_000)


def _select(page, index: int, label: str) -> None:
    """Choose the option that starts with ``label`` in the ``index``-th dropdown of the top controls
    (0 region, 1 period: "2025 年", or "2026 年 1–6 月" for the year to date)."""
    select = page.locator(".fr-controls").first.locator("select").nth(index)
    labels = [" ".join(o.split()) for o in select.locator("option").all_inner_texts()]  # no-break spaces
    hits = [i for i, text in enumerate(labels) if text.startswith(label)]
    assert hits, f"no option {label!r} in {labels}"
    select.select_option(index=hits[0])


def _wait_changed(page, selector: str, before: str, timeout: int = 30_000) -> str:
    page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
        arg=[selector, before], timeout=timeout)
    return page.inner_text(selector)


def _as_of_year(env: ScanEnv) -> int:
    return int(json.loads((env.scan / "manifest.json").read_text(encoding="utf-8"))["as_of"][:4])


def _expected(env: ScanEnv, region: str, year: int) -> list[dict[str, str]]:
    """The findings the dashboard shows for ``region`` in budget ``year``: the subtree's warnings and
    alerts whose period lies in that year."""
    return [f for f in subtree_findings(env.scan, env.data, region)
            if f["level"] in ("alert", "warning") and f["period"][:4] == str(year)]


def _wait_table(page, ids: set[str], timeout: int = 30_000) -> None:
    """Wait until the alert table lists exactly the findings ``ids`` (by their data-finding)."""
    page.wait_for_function(
        """want => { const got = [...document.querySelectorAll('#fr-alerts tr[data-finding]')]
                                   .map(r => r.dataset.finding).sort();
                     return JSON.stringify(got) === JSON.stringify(want); }""",
        arg=sorted(ids), timeout=timeout)


def _assert_alert_tile(page, findings: list[dict[str, str]]) -> None:
    alerts = sum(f["level"] == "alert" for f in findings)
    warnings = sum(f["level"] == "warning" for f in findings)
    tile = page.locator("[data-kpi='kpi.open_alerts']")
    assert tile.locator(".fr-value").inner_text().strip() == f"{alerts + warnings:,}"
    note = tile.locator(".fr-note").inner_text()
    assert f"{alerts:,}" in note and f"{warnings:,}" in note, note


def test_city_dashboard_loads_offline_with_charts_and_no_code(city_page: Browser, scan_env: ScanEnv,
                                                              tmp_path: Path) -> None:
    page, browser_page = city_page.page, city_page
    shots = screenshot_dir(tmp_path)
    page.screenshot(path=str(shots / "city-overview-zh.png"), full_page=True)

    assert page.locator(".vega-embed").count() >= 2
    text = _text(page)
    for word in ERROR_WORDS:
        assert word not in text, f"{word!r} on the page"
    for marker in SOURCE_MARKERS:
        assert marker not in text, f"source code ({marker!r}) on the page"
    assert page.locator(".jp-InputArea:visible, .jp-CodeMirrorEditor:visible").count() == 0
    assert "财政风险防控驾驶舱" in text and "预算执行率" in text and "序时进度" in text
    # the open-alerts tile counts the scan's findings of the city's subtree in the current year
    findings = _expected(scan_env, CITY, _as_of_year(scan_env))
    assert findings, "the sample scan has findings in the current year"
    _assert_alert_tile(page, findings)
    assert browser_page.blocked == [], f"requests left the machine: {browser_page.blocked}"


def test_alert_table_masks_personal_payees(city_page: Browser, scan_env: ScanEnv) -> None:
    page = city_page.page
    personal = pd.read_parquet(scan_env.scan / "reference" / "personal_payees.parquet")
    names = [n for n in personal["name"] if len(n) >= 2]
    # the year whose findings name the most people: the table must have names to mask
    raw = subtree_findings(scan_env.scan, scan_env.data, CITY)
    named = {}
    for f in raw:
        for n in names:
            if n in f["message_zh"] or n in f["evidence"]:
                named.setdefault(f["period"][:4], set()).add(n)
    assert named, "the sample scan names personal payees in some findings"
    year = max(named, key=lambda y: (len(named[y]), y))

    _open_tab(page, "预警明细")
    before = page.inner_text("#fr-alerts")
    _select(page, 1, f"{year} 年")
    expected = _expected(scan_env, CITY, int(year))
    assert len(expected) <= 200, "the whole year is on one page of the table"
    if int(year) != _as_of_year(scan_env):
        _wait_changed(page, "#fr-alerts", before)
    _wait_table(page, {f["finding_id"] for f in expected})
    rows = page.locator("#fr-alerts tr[data-finding]")
    assert rows.count() == len(expected) > 0
    page.evaluate("() => document.querySelectorAll('#fr-alerts details').forEach(d => { d.open = true; })")
    text = page.inner_text("#fr-alerts")

    present = named[year]  # personal names in the unmasked findings this table shows
    assert present
    leaked = [n for n in present if n in text]
    assert leaked == [], f"unmasked personal payees: {leaked[:5]}"
    for n in present:
        assert n[0] + "*" * (len(n) - 1) in text, f"{n} is not shown masked"
    leaked_all = [n for n in names if n in _text(page)]
    assert leaked_all == [], f"unmasked personal payees: {leaked_all[:5]}"
    leaked_accounts = [a for a in personal["account"] if a and a in _text(page)]
    assert leaked_accounts == []


def test_switching_region_changes_tiles_and_table(city_page: Browser, scan_env: ScanEnv, tmp_path: Path) -> None:
    page, browser_page = city_page.page, city_page
    year = _as_of_year(scan_env)
    city, county = _expected(scan_env, CITY, year), _expected(scan_env, COUNTY, year)
    assert len(city) > len(county) > 0
    _open_tab(page, "预警明细")
    _wait_table(page, {f["finding_id"] for f in city})
    _open_tab(page, "总览")
    tiles_before = _tiles(page)

    _select(page, 0, "德清县")
    tiles_after = _wait_changed(page, ".fr-tiles", tiles_before)
    assert tiles_after != tiles_before
    _assert_alert_tile(page, county)
    # the charts follow the tiles: wait until none of them shows another county any more
    page.wait_for_function(
        "[...document.querySelectorAll('.vega-embed svg')].every(s => !s.textContent.includes('吴兴区'))",
        timeout=30_000)
    page.screenshot(path=str(screenshot_dir(tmp_path) / "city-switched-to-deqing.png"), full_page=True)

    _open_tab(page, "预警明细")
    _wait_table(page, {f["finding_id"] for f in county})
    assert page.locator("#fr-alerts tr[data-finding]").count() == len(county)
    assert "德清县" in page.inner_text(".fr-header")
    page.screenshot(path=str(screenshot_dir(tmp_path) / "city-deqing-alerts.png"), full_page=True)
    assert browser_page.blocked == []


def test_language_switch_changes_labels(city_page: Browser, scan_env: ScanEnv, tmp_path: Path) -> None:
    page, browser_page = city_page.page, city_page
    header_before = page.inner_text(".fr-header")
    page.get_by_role("button", name="English").click()
    header = _wait_changed(page, ".fr-header", header_before)
    assert "Fiscal risk dashboard" in header
    english = ["Overview", "Alerts", "Budget execution", "Open alerts", "Risk score", "Region", "Period"]
    chinese = ["总览", "预算执行率", "风险评分", "评估年度"]
    # tiles, then charts redraw: wait until every English label is there and no Chinese one is left
    page.wait_for_function(
        """([en, zh]) => { const t = document.body.innerText;
                           return en.every(w => t.includes(w)) && !zh.some(w => t.includes(w)); }""",
        arg=[english, chinese], timeout=30_000)
    text = _text(page)
    for label in english:
        assert label in text, label
    for label in chinese:
        assert label not in text, label
    findings = _expected(scan_env, CITY, _as_of_year(scan_env))
    alerts = sum(f["level"] == "alert" for f in findings)
    assert f"{alerts:,} alerts" in page.locator("[data-kpi='kpi.open_alerts'] .fr-note").inner_text()
    page.screenshot(path=str(screenshot_dir(tmp_path) / "city-overview-en.png"), full_page=True)
    _open_tab(page, "Indicators")
    page.wait_for_function("document.querySelector('.fr-about').innerText.includes('Warning threshold')",
                           timeout=30_000)
    about = page.inner_text(".fr-about")
    assert "Warning threshold" in about and "BUD01" in about
    page.screenshot(path=str(screenshot_dir(tmp_path) / "city-about-en.png"), full_page=True)
    assert browser_page.blocked == []


def test_performance_tab_draws_the_projects_against_the_diagonal(city_page: Browser, scan_env: ScanEnv,
                                                                 tmp_path: Path) -> None:
    """The 绩效 tab: one point per project the scan graded for PRF03 (values/PRF03), the alerts first in
    the table of projects out of step, last year's missed targets; then a county through the selector."""
    from fiscalrisk.scan import read_values

    page = city_page.page
    _open_tab(page, "绩效")
    prf03 = read_values(scan_env.scan, "PRF03")
    assert len(prf03) > 0, "the sample scan grades PRF03"
    # the scatter: as many circles as graded projects (the diagonal is a line, not a circle)
    page.wait_for_function(
        "n => [...document.querySelectorAll('.fr-performance .vega-embed svg')]"
        ".some(s => s.querySelectorAll('.mark-symbol.role-mark path').length === n)", arg=len(prf03), timeout=30_000)
    rows = page.locator("#fr-perf-out-of-step tbody tr")
    assert rows.count() == min(len(prf03), 12)
    worst = prf03.sort_values("value", ascending=False).iloc[0]
    first = rows.first.inner_text()
    assert worst["subject_id"] in first and "红色预警" in first
    missed = page.inner_text("#fr-perf-missed")
    assert f"{_as_of_year(scan_env) - 1}年未完成的绩效目标" in missed
    page.screenshot(path=str(screenshot_dir(tmp_path) / "city-performance.png"), full_page=True)
    before = page.inner_text("#fr-perf-out-of-step")
    _select(page, 0, "德清县")
    after = _wait_changed(page, "#fr-perf-out-of-step", before)
    county = set(prf03.loc[prf03["region_code"].str.startswith(COUNTY), "subject_id"])
    assert county and all(code in after for code in county)
    assert not any(code in after for code in set(prf03["subject_id"]) - county)
    for word in ERROR_WORDS:
        assert word not in _text(page)
    assert city_page.blocked == []


def test_county_dashboard_never_shows_another_county(servers: dict[str, Server], browser_page: Browser,
                                                     scan_env: ScanEnv, tmp_path: Path) -> None:
    page = browser_page.page
    # started from the scan directory alone: no data directory behind this dashboard
    assert "--data" not in servers["county"].proc.args
    open_dashboard(page, servers["county"].url)
    shots = screenshot_dir(tmp_path)
    page.screenshot(path=str(shots / "county-overview.png"), full_page=True)
    options = page.locator(".fr-controls select").first.locator("option").all_inner_texts()
    assert [o.strip() for o in options][0] == "德清县"
    county = _expected(scan_env, COUNTY, _as_of_year(scan_env))
    _assert_alert_tile(page, county)
    seen = [_text(page), page.content()]
    for tab, shot in (("预警明细", "county-alerts.png"), ("指标说明", "county-about.png")):
        _open_tab(page, tab)
        if tab == "预警明细":
            _wait_table(page, {f["finding_id"] for f in county})
        seen.append(_text(page))
        page.screenshot(path=str(shots / shot), full_page=True)
    page.get_by_role("button", name="English").click()
    page.wait_for_function("document.querySelector('.fr-header').innerText.includes('Fiscal risk')")
    seen.append(_text(page))
    everything = "\n".join(seen)
    for name in OTHER_COUNTY_NAMES:
        assert name not in everything, f"{name} appears on the 德清县 dashboard"
    assert browser_page.blocked == []


def test_request_without_token_is_refused(servers: dict[str, Server]) -> None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(servers["city"].base, timeout=30)
    assert info.value.code in (302, 403)
    if info.value.code == 302:
        assert "login" in info.value.headers.get("Location", "")
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(servers["city"].base + "?token=wrong", timeout=30)
    assert info.value.code in (302, 403)


def test_server_binds_loopback_only(servers: dict[str, Server]) -> None:
    assert servers["city"].base.startswith("http://127.0.0.1:")


def test_every_period_counts_the_findings_of_the_report_and_the_score_says_its_period(
        city_page: Browser, scan_env: ScanEnv) -> None:
    page = city_page.page
    score_note = page.locator("[data-kpi='kpi.risk_score'] .fr-note").inner_text()
    assert "各单位评分" in score_note and "全部期间" in score_note  # a single year is shown: the score says so
    before = _tiles(page)
    _select(page, 1, "全部期间")
    _wait_changed(page, ".fr-tiles", before)
    every = [f for f in subtree_findings(scan_env.scan, scan_env.data, CITY) if f["level"] in ("alert", "warning")]
    assert len(every) > len(_expected(scan_env, CITY, _as_of_year(scan_env)))  # earlier years add findings
    _assert_alert_tile(page, every)
    assert "全部期间" in page.inner_text(".fr-header")
    assert city_page.blocked == []


def test_search_narrows_the_table_and_export_downloads_what_is_shown(city_page: Browser, scan_env: ScanEnv,
                                                                     tmp_path: Path) -> None:
    page = city_page.page
    _open_tab(page, "预警明细")
    findings = _expected(scan_env, CITY, _as_of_year(scan_env))
    _wait_table(page, {f["finding_id"] for f in findings})
    codes = sorted({f["indicator"] for f in findings})
    code = max(codes, key=lambda c: sum(f["indicator"] == c for f in findings))  # the commonest this year
    want = sorted((f for f in findings if f["indicator"] == code), key=lambda f: int(f["priority"]))
    assert 0 < len(want) < len(findings)
    search = page.get_by_placeholder("单位、指标、说明中的文字")
    search.fill(code.lower())
    search.press("Enter")
    _wait_table(page, {f["finding_id"] for f in want})
    page.get_by_role("button", name="导出 Excel").click()
    link = page.locator("a#fr-export")
    link.wait_for(state="visible", timeout=30_000)
    href = link.get_attribute("href")
    assert href.startswith("data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,")
    assert link.get_attribute("download") == f"alerts-{CITY}-{_as_of_year(scan_env)}.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(base64.b64decode(href.split(",", 1)[1])))
    rows = list(wb[wb.sheetnames[0]].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [f["finding_id"] for f in want]
    page.screenshot(path=str(screenshot_dir(tmp_path) / "city-alerts-search.png"), full_page=True)
    assert city_page.blocked == []
