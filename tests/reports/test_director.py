"""The report's first page for a director: a summary with numbers, contents, and what changed since the
last run; exceptions before 正常 rows, labelled evidence, money axes in 万元.

References are worked out from the scan's findings.csv with the csv module (``subtree_findings``), or
from sets built in the test, not with the product's code.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from pathlib import Path

import pandas as pd

from fiscalrisk.report import regional
from tests.conftest import ROOT, subtree_findings

COUNTY = "330521"


def _summary_items(page: str) -> list[str]:
    block = re.search(r'<ol class="fr-summary">(.*?)</ol>', page, flags=re.S)
    assert block, "the report has a summary list"
    return [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", block.group(1), flags=re.S)]


def _wan(amount: float) -> str:
    if abs(amount) >= 1e8:
        return f"{amount / 1e8:,.2f} 亿元"
    if abs(amount) >= 1e4:
        return f"{amount / 1e4:,.1f} 万元"
    return f"{amount:,.0f} 元"


def test_the_summary_states_the_counts_and_the_money_at_stake(report_run, report_data, scan_dir):
    page = (report_run.out_dir / COUNTY / "report.html").read_text(encoding="utf-8")
    items = _summary_items(page)
    assert len(items) == 5
    findings = subtree_findings(scan_dir, report_data, COUNTY)
    alerts = sum(f["level"] == "alert" for f in findings)
    warnings = sum(f["level"] == "warning" for f in findings)
    assert alerts + warnings > 0, "the county has findings in the sample"
    money = sum(float(f["amount_at_risk"]) for f in findings
                if f["level"] in ("warning", "alert") and f["amount_at_risk"] not in ("", "nan"))
    assert f"红色预警 {alerts:,} 条，黄色预警 {warnings:,} 条，涉及金额 {_wan(money)}" in items[0]
    # a first run into a fresh folder has nothing to compare with, and says how to get a comparison
    assert items[1].startswith("没有上次运行的结果可比")
    # the most urgent finding (priority 1 of the subtree) is named in the fourth sentence
    risky = sorted((f for f in findings if f["level"] in ("warning", "alert")), key=lambda f: int(f["priority"]))
    assert risky[0]["message_zh"].rstrip("。") in items[3]
    assert "序时进度" in items[4]


def _template_sections() -> list[str]:
    nb = json.loads((ROOT / "notebooks" / "regional_report.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    keys = []
    for key, level in re.findall(r'report\.heading\("([^"]+)"(?:\s*,\s*level=(\d))?', code):
        if level in ("", "2") and key not in keys:
            keys.append(key)
    return keys


def test_the_contents_link_every_section_of_the_template_in_order(report_run):
    assert _template_sections() == list(regional.CONTENTS)
    page = (report_run.out_dir / COUNTY / "report.html").read_text(encoding="utf-8")
    toc = re.search(r'<nav class="fr-toc">(.*?)</nav>', page, flags=re.S)
    assert toc
    assert re.findall(r'href="#fr-([\w.]+)"', toc.group(1)) == list(regional.CONTENTS)
    for key in regional.CONTENTS:
        assert f'<h2 id="fr-{key}">' in page, key


def _write_previous(folder: Path, rows: list[dict[str, str]], fields: list[str], as_of: str) -> Path:
    folder.mkdir(parents=True)
    with open(folder / "findings.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    (folder / "manifest.json").write_text(json.dumps({"as_of": as_of}), encoding="utf-8")
    return folder


def test_new_recurring_and_no_longer_raised_findings_against_a_previous_run(report_data, scan_dir, tmp_path):
    findings = subtree_findings(scan_dir, report_data, COUNTY)
    risky = sorted((f for f in findings if f["level"] in ("warning", "alert")), key=lambda f: int(f["priority"]))
    assert len(risky) >= 5
    with open(scan_dir / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        everything = list(reader)
    new_ids = {risky[0]["finding_id"], risky[2]["finding_id"], risky[4]["finding_id"]}
    previous = [r for r in everything if r["finding_id"] not in new_ids]
    gone = []
    for i, template in enumerate(risky[:2]):
        row = dict(template, finding_id=f"GONE{i}", subject_id=f"gone-{i}", message_zh=f"已消除的预警 {i}")
        gone.append(row)
    outside = dict(risky[0], finding_id="ELSEWHERE", region_code="330502")  # not under 德清县: ignored
    note = dict(risky[0], finding_id="ANOTE", level="info")                 # a note is not a risk: ignored
    folder = _write_previous(tmp_path / "prev", previous + gone + [outside, note], fields, "2026-05-31")

    report = regional.RegionalReport(scan_dir, COUNTY, previous_scan=folder)
    c = report.changes
    all_ids = {f["finding_id"] for f in risky}
    assert c.basis == "previous" and c.since == "2026-05-31"
    assert c.new == new_ids
    assert c.recurring == all_ids - new_ids
    assert sorted(c.gone["finding_id"]) == ["GONE0", "GONE1"]
    assert report.changes_text() == (f"与上次运行（数据截至 2026-05-31）相比：新增 3 条，持续 {len(all_ids) - 3:,} 条，"
                                     "不再出现 2 条。")
    top = report.top_findings()
    shown = report._top[0]
    assert list(top["seen"]) == ["新增" if i in new_ids else "持续" for i in shown["finding_id"]]
    assert report.top_findings().equals(top)  # asked twice, the same table
    assert set(report.gone_findings()["message"]) == {"已消除的预警 0", "已消除的预警 1"}
    assert len(report.new_findings()) == 3


def test_a_second_run_into_the_same_folder_compares_with_the_first(report_run, report_data, tmp_path):
    from fiscalrisk.runner import run_reports

    out = tmp_path / "out"
    shutil.copytree(report_run.out_dir, out)
    result = run_reports(None, out, scan_dir=report_run.out_dir / "scan", regions=[COUNTY], progress=False)
    assert result.exit_code == 0
    assert (out / "previous" / "findings.parquet").is_file()
    page = html.unescape((out / COUNTY / "report.html").read_text(encoding="utf-8"))
    items = _summary_items(page)
    findings = subtree_findings(report_run.out_dir / "scan", report_data, COUNTY)
    n = sum(f["level"] in ("warning", "alert") for f in findings)
    assert n > 0
    as_of = json.loads((report_run.out_dir / "scan" / "manifest.json").read_text(encoding="utf-8"))["as_of"]
    assert items[1] == f"与上次运行（数据截至 {as_of}）相比：新增 0 条，持续 {n:,} 条，不再出现 0 条。"


def test_rows_graded_ok_are_counted_not_listed(scan_dir):
    report = regional.RegionalReport(scan_dir, COUNTY)
    frame = pd.DataFrame({"unit_name": ["甲", "乙", "丙", "丁"], "level": ["红色预警", "正常", "正常", "黄色预警"]})
    shown = report.show(frame).data
    assert "甲" in shown and "丁" in shown and "乙" not in shown and "丙" not in shown
    assert "另有 2 项正常，未列出。" in shown
    assert report.show(frame.iloc[[1, 2]]).data == "<p>全部 2 项正常。</p>"
    everything = report.show(frame, exceptions_only=False).to_html()
    assert all(name in everything for name in "甲乙丙丁")


def test_evidence_is_shown_as_labelled_fields_in_the_reports_language():
    evidence = json.dumps({"payment_ids": ["P1", "P2"], "window_days": 7, "sum": 412345.5})
    assert regional._evidence_text(evidence, "zh-CN") == "支付编号：P1, P2；窗口天数：7；合计：412,345.50"
    assert regional._evidence_text(evidence, "en") == "payments: P1, P2; window (days): 7; sum: 412,345.50"
    assert regional._evidence_text(json.dumps({"odd_key": 1}), "zh-CN") == "odd key：1"


def test_money_axes_read_in_wan_yuan_in_chinese_and_millions_in_english():
    from fiscalrisk.report import charts

    df = pd.DataFrame({"category": ["预算"] * 2, "year": [2025, 2026], "value": [2.5e6, 3.0e6]})
    zh = charts.yoy_bar(df, "zh-CN").to_dict()
    axis = zh["encoding"]["y"]["axis"]
    assert axis["labelExpr"] == "format(datum.value / 10000, ',.0f')" and "万元" in zh["encoding"]["y"]["title"]
    en = charts.yoy_bar(df, "en").to_dict()
    assert "1000000" in en["encoding"]["y"]["axis"]["labelExpr"] and "million" in en["encoding"]["y"]["title"]
