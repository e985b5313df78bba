"""The dashboard on a phone (390 × 844), in Chromium.

Offline (every non-loopback request aborted); the rows expected are counted from the scan's
findings.csv with the csv module. Screenshots go to ``$FISCALRISK_SCREENSHOTS`` when set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.conftest import CITY, Browser, ScanEnv, screenshot_dir
from tests.dashboard.test_browser import _as_of_year, _expected, _open_tab, _wait_table

pytestmark = pytest.mark.browser

WIDTH = 390

#: every element wider than the screen or starting outside it (visible ones only)
OUTSIDE = """w => [...document.querySelectorAll('.fr-app *')]
    .filter(e => e.offsetParent !== null && e.getClientRects().length)
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.left < -1 || r.right > w + 1); })
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
    assert page.evaluate(OUTSIDE, WIDTH) == []


def test_the_overview_fits_a_phone_and_every_control_is_reachable(phone_page: Browser, tmp_path: Path) -> None:
    page = phone_page.page
    page.screenshot(path=str(screenshot_dir(tmp_path) / "phone-overview.png"), full_page=True)
    _no_horizontal_scroll(page)
    controls = [page.get_by_role("button", name="English"), page.get_by_role("button", name="中文"),
                page.locator(".fr-controls select").nth(0), page.locator(".fr-controls select").nth(1),
                *[page.get_by_role("tab", name=n) for n in ("总览", "预警明细", "整改跟踪", "指标说明")]]
    for control in controls:
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    # the charts of the open tab are drawn inside their cards
    charts = page.locator(".vega-embed svg:visible").all()
    assert len(charts) >= 2
    for svg in charts:
        box = svg.bounding_box()
        assert box and box["width"] > 100 and box["x"] + box["width"] <= WIDTH
    assert phone_page.blocked == []


def test_alerts_are_cards_on_a_phone(phone_page: Browser, scan_env: ScanEnv, tmp_path: Path) -> None:
    page = phone_page.page
    _open_tab(page, "预警明细")
    findings = _expected(scan_env, CITY, _as_of_year(scan_env))
    _wait_table(page, {f["finding_id"] for f in findings})
    _no_horizontal_scroll(page)
    row = page.locator("#fr-alerts tr[data-finding]").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    assert page.locator("#fr-alerts thead").evaluate("h => getComputedStyle(h).display") == "none"
    # each figure keeps its label on the card
    unit = row.locator("td[data-label='单位']")
    assert unit.evaluate("c => getComputedStyle(c, '::before').content").strip('"') == "单位："
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir(tmp_path) / "phone-alerts.png"))
    assert phone_page.blocked == []
