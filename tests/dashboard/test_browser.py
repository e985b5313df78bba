"""The dashboard in a real browser (Debian's Chromium), offline: every non-loopback request aborted."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.dashboard.conftest import (
    OTHER_COUNTY_NAMES,
    Browser,
    Server,
    open_dashboard,
    screenshot_dir,
)

pytestmark = pytest.mark.browser

ERROR_WORDS = ("Traceback", "Error", "Exception")
SOURCE_MARKERS = ("DashboardApp", "import ", "from_env", "fiscalrisk.dashboard")


def _text(page) -> str:
    return page.inner_text("body")


def _tiles(page) -> str:
    return page.inner_text(".fr-tiles")


def _open_tab(page, label: str) -> None:
    page.get_by_role("tab", name=label).click()
    page.wait_for_timeout(300)


def _select_region(page, name: str) -> None:
    select = page.locator(".fr-controls select").first
    labels = [o.strip() for o in select.locator("option").all_inner_texts()]
    select.select_option(index=labels.index(name))


def _wait_changed(page, selector: str, before: str, timeout: int = 30_000) -> str:
    page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
        arg=[selector, before], timeout=timeout)
    return page.inner_text(selector)


def test_city_dashboard_loads_offline_with_charts_and_no_code(city_page: Browser, tmp_path: Path) -> None:
    page, browser_page = city_page.page, city_page
    page.wait_for_timeout(500)
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
    assert browser_page.blocked == [], f"requests left the machine: {browser_page.blocked}"


def test_alert_table_masks_personal_payees(city_page: Browser, scan_env) -> None:
    import pandas as pd

    page = city_page.page
    _open_tab(page, "预警明细")
    page.wait_for_selector("#fr-alerts")
    for details in page.locator(".fr-table details").all()[:60]:
        details.evaluate("e => e.open = true")
    text = _text(page)
    personal = pd.read_parquet(scan_env.cache / "personal.parquet")
    leaked = [n for n in personal["name"] if len(n) >= 2 and n in text]
    assert leaked == [], f"unmasked personal payees: {leaked[:5]}"
    leaked_accounts = [a for a in personal["account"] if a and a in text]
    assert leaked_accounts == []


def test_switching_region_changes_tiles_and_table(city_page: Browser, tmp_path: Path) -> None:
    page, browser_page = city_page.page, city_page
    _open_tab(page, "预警明细")
    page.wait_for_selector("#fr-alerts")
    table_before = page.inner_text("#fr-alerts")
    _open_tab(page, "总览")
    tiles_before = _tiles(page)

    _select_region(page, "德清县")
    tiles_after = _wait_changed(page, ".fr-tiles", tiles_before)
    assert tiles_after != tiles_before
    # the charts follow the tiles: wait until none of them shows another county any more
    page.wait_for_function(
        "[...document.querySelectorAll('.vega-embed svg')].every(s => !s.textContent.includes('吴兴区'))",
        timeout=30_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshot_dir(tmp_path) / "city-switched-to-deqing.png"), full_page=True)

    _open_tab(page, "预警明细")
    table_after = _wait_changed(page, "#fr-alerts", table_before)
    assert table_after != table_before
    assert "德清县" in page.inner_text(".fr-header")
    page.screenshot(path=str(screenshot_dir(tmp_path) / "city-deqing-alerts.png"), full_page=True)
    assert browser_page.blocked == []


def test_language_switch_changes_labels(city_page: Browser, tmp_path: Path) -> None:
    page, browser_page = city_page.page, city_page
    _open_tab(page, "总览")
    header_before = page.inner_text(".fr-header")
    page.get_by_role("button", name="English").click()
    header = _wait_changed(page, ".fr-header", header_before)
    assert "Fiscal risk dashboard" in header
    page.wait_for_function("document.querySelector('.fr-tiles').innerText.includes('Budget execution')")
    # Charts redraw after the tiles: wait until no Chinese label of the chrome is left.
    page.wait_for_function("!['总览', '预算执行率', '风险评分', '评估年度'].some(w => document.body.innerText.includes(w))",
                           timeout=30_000)
    page.wait_for_timeout(500)
    text = _text(page)
    for label in ("Overview", "Alerts", "Budget execution", "Open alerts", "Risk score", "Region", "Period"):
        assert label in text, label
    for label in ("总览", "预算执行率", "风险评分"):
        assert label not in text, label
    page.screenshot(path=str(screenshot_dir(tmp_path) / "city-overview-en.png"), full_page=True)
    _open_tab(page, "Indicators")
    page.wait_for_timeout(300)
    about = page.inner_text(".fr-about")
    assert "Warning threshold" in about and "BUD01" in about
    page.screenshot(path=str(screenshot_dir(tmp_path) / "city-about-en.png"), full_page=True)
    assert browser_page.blocked == []


def test_county_dashboard_never_shows_another_county(servers: dict[str, Server], browser_page: Browser,
                                                     tmp_path: Path) -> None:
    page = browser_page.page
    open_dashboard(page, servers["county"].url)
    shots = screenshot_dir(tmp_path)
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / "county-overview.png"), full_page=True)
    options = page.locator(".fr-controls select").first.locator("option").all_inner_texts()
    assert [o.strip() for o in options][0] == "德清县"
    seen = [_text(page), page.content()]
    for tab, shot in (("预警明细", "county-alerts.png"), ("指标说明", "county-about.png")):
        _open_tab(page, tab)
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
