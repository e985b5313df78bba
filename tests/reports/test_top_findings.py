"""The report leads with the most urgent findings of each unit and says how many more there are.

The reference is worked out from the scan's findings.csv with the csv module (``top_per_unit``), not
with the product's code; the report's HTML is read as text.
"""

from __future__ import annotations

import html
import re

from tests.conftest import subtree_findings, top_per_unit


def _section_table(page: str, heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading`` in an HTML page."""
    start = page.index(heading)
    table = page[page.index("<table", start):page.index("</table>", start)]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    return [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S)] for r in rows]


def test_the_city_report_leads_with_each_units_most_urgent_findings(report_run, report_data, scan_dir):
    page = (report_run.out_dir / "330500" / "report.html").read_text(encoding="utf-8")
    heading = '<h2 id="fr-top">优先处理的预警（各单位前 3 条，按优先级）</h2>'
    assert heading in page
    # it comes right after the summary and the score, before the drivers and every other section
    order = [page.index(f'<h2 id="fr-{key}">') for key in ("summary", "headline", "top", "drivers", "alerts")]
    assert order == sorted(order)
    rows = _section_table(page, heading)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["优先级", "单位", "等级"] and header[-1] == "其余"
    findings = subtree_findings(scan_dir, report_data, "330500")
    units, total = top_per_unit(findings, per_unit=3, max_units=20)
    priority = {f["finding_id"]: f["priority"] for f in findings}
    assert [r[0] for r in body] == [priority[i] for _, ids, _ in units for i in ids]
    more = []
    for _, ids, n in units:
        more += [""] * (len(ids) - 1) + [f"另有 {n} 条" if n else ""]
    assert [r[-1] for r in body] == more
    shown = len(body)
    assert shown == sum(len(ids) for _, ids, _ in units)
    units_all, _ = top_per_unit(findings, per_unit=3)
    note = (f"共 {total:,} 条预警，涉及 {len(units_all):,} 个单位；上表列出其中 {len(units):,} 个单位的 {shown:,} 条，"
            f"另有 {total - shown:,} 条")
    assert note in html.unescape(page)


def test_the_english_report_says_and_n_more(report_data, scan_dir, tmp_path):
    from fiscalrisk.report.regional import RegionalReport

    report = RegionalReport(scan_dir, "330521", language="en", top_n=2)
    top = report.top_findings()
    units, total = top_per_unit(subtree_findings(scan_dir, report_data, "330521"), per_unit=3, max_units=2)
    assert len(top) == sum(len(ids) for _, ids, _ in units)
    shown = len(top)
    text = report.text("top.note", **report.top_counts())
    assert f"the table lists {shown} of them" in text and f"and {total - shown} more" in text
    assert report.text("top", per_unit=3) == "Most urgent findings (the first 3 of each unit, by priority)"
