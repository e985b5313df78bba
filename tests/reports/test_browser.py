"""The HTML report and the index in headless Chromium, with every non-local request refused."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from ..conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)"),
]


@pytest.fixture
def browser(chromium):
    """The session's shared Chromium (tests/conftest.py)."""
    return chromium


def _offline_page(browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    refused: list[str] = []

    def route(r):
        u = urlparse(r.request.url)
        if u.scheme == "file" or u.hostname in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return page, refused


def test_report_draws_its_charts_offline_with_chinese_text(browser, report_run):
    page, refused = _offline_page(browser)
    page.goto((report_run.out_dir / "330521" / "report.html").as_uri())
    page.wait_for_load_state("load")
    charts = page.locator('img[src^="data:image/svg+xml"]')
    assert charts.count() >= 4
    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll('img[src^="data:image/svg+xml"]'))
                 .map(i => [i.complete, i.naturalWidth, i.naturalHeight])"""
    )
    assert all(ok and w > 100 and h > 50 for ok, w, h in sizes), sizes
    assert "预算执行与序时进度" in page.inner_text("body")
    assert refused == []
    page.close()


def test_index_sorts_by_score_without_any_network(browser, report_run):
    page, refused = _offline_page(browser)
    page.goto((report_run.out_dir / "index.html").as_uri())
    header = page.locator("th", has_text="风险得分")
    header.click()
    first = page.evaluate("() => Array.from(document.querySelectorAll('#regions tbody tr'))"
                          ".map(r => parseFloat(r.cells[3].dataset.value) || -1)")
    assert first == sorted(first)
    header.click()
    second = page.evaluate("() => Array.from(document.querySelectorAll('#regions tbody tr'))"
                           ".map(r => parseFloat(r.cells[3].dataset.value) || -1)")
    assert second == sorted(second, reverse=True)
    assert refused == []
    page.close()
