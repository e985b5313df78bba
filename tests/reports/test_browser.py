"""The HTML report and the index in headless Chromium, with every non-local request refused.

Each test opens its own browser context (the Chromium process is shared, tests/conftest.py), waits
for what it reads rather than sleeping, and compares the figures on the page with counts computed here
from the scan's files.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from ..conftest import CHROMIUM, subtree_findings
from .conftest import REGIONS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)"),
]

COUNTY = "330521"


@pytest.fixture
def offline_page(chromium) -> Iterator[tuple[object, list[str]]]:
    """A page in a fresh browser context whose non-local requests are refused and recorded."""
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    refused: list[str] = []

    def route(r):
        u = urlparse(r.request.url)
        if u.scheme == "file" or u.hostname in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        yield page, refused
    finally:
        context.close()


def _levels(findings: list[dict[str, str]]) -> tuple[int, int]:
    levels = Counter(f["level"] for f in findings)
    return levels["alert"], levels["warning"]


def test_report_draws_its_charts_offline_with_chinese_text(offline_page, report_run, report_data, scan_dir):
    page, refused = offline_page
    page.goto((report_run.out_dir / COUNTY / "report.html").as_uri())
    page.wait_for_load_state("load")
    charts = page.locator('img[src^="data:image/svg+xml"]')
    assert charts.count() >= 4
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('img[src^="data:image/svg+xml"]')).every(i => i.complete)""")
    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll('img[src^="data:image/svg+xml"]'))
                 .map(i => [i.complete, i.naturalWidth, i.naturalHeight])"""
    )
    assert all(ok and w > 100 and h > 50 for ok, w, h in sizes), sizes
    text = page.inner_text("body")
    assert "预算执行与序时进度" in text

    # the counts the report states are those of the scan's findings in 德清县's subtree
    findings = subtree_findings(scan_dir, report_data, COUNTY)
    alerts, warnings = _levels(findings)
    assert alerts > 0 and warnings > 0
    m = re.search(r"红色预警\s*(\d+)\s*条，黄色预警\s*(\d+)\s*条", text)
    assert m, "the report states its alert and warning counts"
    assert (int(m.group(1)), int(m.group(2))) == (alerts, warnings)
    # and each row of the table of risk sources counts that indicator's findings
    rows = page.evaluate(
        """() => Array.from(document.querySelectorAll('table')).filter(t => {
                 const h = Array.from(t.querySelectorAll('thead th')).map(th => th.innerText.trim());
                 return h[0] === '指标' && h.includes('红色预警') && h.includes('黄色预警');
               }).flatMap(t => {
                 const h = Array.from(t.querySelectorAll('thead th')).map(th => th.innerText.trim());
                 return Array.from(t.querySelectorAll('tbody tr')).map(r => {
                   const c = Array.from(r.cells).map(td => td.innerText.trim());
                   return [c[0], c[h.indexOf('红色预警')], c[h.indexOf('黄色预警')]];
                 });
               })"""
    )
    per_indicator = {code: _levels([f for f in findings if f["indicator"] == code])
                     for code in {f["indicator"] for f in findings}}
    assert len(rows) > 0, "the report lists its main risk sources"
    for code, a, w in rows:
        assert (int(a), int(w)) == per_indicator[code], code
    if len(rows) < len(per_indicator):  # a top-N table: the largest sources are listed
        assert sum(int(a) for _, a, _ in rows) <= alerts
    else:
        assert {code for code, _, _ in rows} == set(per_indicator)
    assert refused == []


def test_index_sorts_by_score_without_any_network(offline_page, report_run, report_data, scan_dir):
    page, refused = offline_page
    page.goto((report_run.out_dir / "index.html").as_uri())
    page.wait_for_selector("#regions tbody tr")
    cells = page.evaluate("() => Array.from(document.querySelectorAll('#regions tbody tr'))"
                          ".map(r => Array.from(r.cells).map(c => c.innerText.trim()))")
    assert len(cells) > 0
    headers = [h.strip() for h in page.locator("#regions thead th").all_inner_texts()]
    col = {name: headers.index(name) for name in ("区划代码", "红色预警", "黄色预警")}
    score_col = next(i for i, h in enumerate(headers) if h.startswith("风险得分"))
    with open(scan_dir / "scores.csv", encoding="utf-8-sig", newline="") as fh:
        subtree_score = {r["subject_id"]: float(r["score"]) for r in csv.DictReader(fh)
                         if r["subject_type"] == "region" and r["scope"] == "subtree"}
    shown = {r[col["区划代码"]]: r for r in cells}
    assert set(REGIONS) <= set(shown)
    for code in REGIONS:
        r = shown[code]
        alerts, warnings = _levels(subtree_findings(scan_dir, report_data, code))
        assert (int(r[col["红色预警"]]), int(r[col["黄色预警"]])) == (alerts, warnings), code
        assert float(r[score_col]) == pytest.approx(subtree_score[code], abs=0.051), code  # shown to 0.1

    header = page.locator("th", has_text="风险得分")
    order = ("() => Array.from(document.querySelectorAll('#regions tbody tr'))"
             ".map(r => parseFloat(r.cells[3].dataset.value) || -1)")
    header.click()
    page.wait_for_function("() => document.querySelector('th[aria-sort]') !== null")
    first = page.evaluate(order)
    assert first == sorted(first) and len(first) == len(cells)
    header.click()
    page.wait_for_function("() => document.querySelector('th[aria-sort=\"descending\"]') !== null")
    second = page.evaluate(order)
    assert second == sorted(second, reverse=True)
    assert refused == []


def test_report_performance_section_shows_the_scatter_and_the_projects_out_of_step(offline_page, report_run,
                                                                                 scan_dir):
    """The 绩效 section of the city's report, read in the browser: its scatter is drawn (an SVG image
    right after the heading), and its table's first project is the scan's largest PRF03 gap."""
    from fiscalrisk.scan import read_values

    page, refused = offline_page
    page.goto((report_run.out_dir / "330500" / "report.html").as_uri())
    page.wait_for_load_state("load")
    heading = page.get_by_role("heading", name="预算绩效：钱与事是否同步")  # not its link in the contents
    heading.wait_for(state="visible")
    size = page.evaluate(
        """() => { const hs = [...document.querySelectorAll('h2')];
                   const i = hs.findIndex(e => e.innerText.includes('预算绩效')), h = hs[i], next = hs[i + 1];
                   const after = n => h.compareDocumentPosition(n) & Node.DOCUMENT_POSITION_FOLLOWING;
                   const before = n => !next || (n.compareDocumentPosition(next) & Node.DOCUMENT_POSITION_FOLLOWING);
                   const img = [...document.querySelectorAll('img[src^="data:image/svg+xml"]')]
                                 .find(m => after(m) && before(m));
                   return img ? [img.complete, img.naturalWidth, img.naturalHeight] : null; }""")
    assert size and size[0] and size[1] > 200 and size[2] > 200, size
    prf03 = read_values(scan_dir, "PRF03")
    worst = prf03.sort_values("value", ascending=False).iloc[0]
    first = page.evaluate(
        """() => { const t = [...document.querySelectorAll('table')].find(t =>
                     [...t.querySelectorAll('thead th')].some(th => th.innerText.includes('钱与事偏差')));
                   return t ? t.querySelector('tbody tr').innerText : ''; }""")
    assert worst["subject_id"] in first and "红色预警" in first and f"{worst['value']:+.1f}" in first
    assert refused == []
