"""The report's closed-loop section (整改跟踪) reads the alert register given with --db."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fiscalrisk import cli
from fiscalrisk.register import Register
from fiscalrisk.register.kpi import kpis


@pytest.fixture(scope="module")
def register_db(scan_dir: Path, tmp_path_factory) -> str:
    """The session's scan ingested, two cases dispatched (one of them long overdue), one dismissed."""
    url = f"sqlite:///{tmp_path_factory.mktemp('register') / 'r.db'}"
    reg = Register(url)
    reg.init()
    reg.add_user("wang", "supervisor", region="330500")
    reg.ingest(scan_dir, today="2026-07-03")
    county = reg.cases(region="330521")
    first, second, third = (int(c) for c in county["case_id"].head(3))
    reg.act(first, "dispatch", user="wang", today="2026-05-01")           # overdue at the scan's 06-30
    reg.act(second, "dispatch", user="wang", today="2026-06-10")
    reg.act(third, "dismiss", user="wang", reason="legitimate", today="2026-06-11")
    reg.engine.dispose()
    return url


def _cells(html: str, after: str) -> str:
    return html[html.index(after):]


def test_the_report_shows_the_registers_kpis_and_overdue_cases(report_data: Path, scan_dir: Path,
                                                              register_db: str, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    code = cli.main(["report", "--data", str(report_data), "--scan", str(scan_dir), "--out", str(out),
                     "--regions", "330521", "--db", register_db])
    assert code == 0
    html = (out / "330521" / "report.html").read_text(encoding="utf-8")
    section = _cells(html, "整改跟踪（闭环）")
    reg = Register(register_db)
    want = kpis(reg, region="330521", as_of="2026-06-30").set_index(["region_code", "scope"])
    overdue = reg.cases(region="330521", overdue=True, today="2026-06-30")
    reg.engine.dispose()
    subtree = want.loc[("330521", "subtree")]
    row = re.search(r"含下级</td>(.*?)</tr>", section, re.S).group(1)
    numbers = [int(x.replace(",", "")) for x in re.findall(r">\s*([\d,]+)\s*<", row)[:5]]
    assert numbers == [subtree["open"], subtree["overdue"], subtree["escalated_in"], subtree["dispatched"],
                       subtree["closed"]]
    assert len(overdue) >= 1
    for cid in overdue["case_id"]:
        assert f">{int(cid)}<" in section.replace(" ", "")
    assert "各规则排除率" in section and "100.0%" in section
    assert "<script" not in section.lower() or "vega" not in section.lower()


def test_without_a_register_the_section_says_so(report_run) -> None:
    html = (report_run.out_dir / "330521" / "report.html").read_text(encoding="utf-8")
    assert "未连接预警台账" in _cells(html, "整改跟踪（闭环）")


def test_a_password_in_the_url_is_refused(report_data: Path, scan_dir: Path, tmp_path: Path, capsys) -> None:
    code = cli.main(["report", "--data", str(report_data), "--scan", str(scan_dir), "--out", str(tmp_path / "o"),
                     "--db", "postgresql+psycopg://u:secret@127.0.0.1:1/x"])
    assert code == 2 and "PGPASSWORD" in capsys.readouterr().err
