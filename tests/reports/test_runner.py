"""`fiscalrisk report`: papermill over regions, failures kept per region, deterministic outputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import openpyxl
import pytest

from fiscalrisk import cli, runner
from tests.conftest import subtree_findings, top_per_unit
from tests.reports.conftest import BAD_REGION, REGIONS, trivial_template


def test_every_region_gets_its_report_and_a_bad_parameter_fails_alone(report_run):
    out = report_run.out_dir
    assert sorted(report_run.outcomes) == sorted([*REGIONS, BAD_REGION])
    for code in REGIONS:
        assert report_run.outcomes[code].status == "ok", report_run.outcomes[code]
        for name in ("report.ipynb", "report.html", "findings.xlsx"):
            assert (out / code / name).is_file(), (code, name)
    bad = report_run.outcomes[BAD_REGION]
    assert bad.status == "failed"
    assert bad.error_class == "PapermillExecutionError"
    assert bad.error_name == "ParamsError"
    assert "did you mean 'language'" in bad.error_message
    assert bad.attempts == 1  # the notebook's own failure is not retried
    assert report_run.exit_code == 1


def test_manifest_records_status_parameters_inputs_versions_and_kernel(report_run):
    m = json.loads((report_run.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["summary"]["failed"] == [BAD_REGION]
    assert m["regions"][BAD_REGION]["error_class"] == "PapermillExecutionError"
    assert "languag" in m["regions"][BAD_REGION]["error_message"]
    assert m["regions"]["330521"]["status"] == "ok" and m["regions"]["330521"]["duration"] > 0
    assert m["run"]["regions"] == sorted([*REGIONS, BAD_REGION])
    assert m["run"]["region_parameters"] == {BAD_REGION: {"languag": "en"}}
    assert len(m["inputs"]["payments"]["sha256"]) == 64
    env = m["environment"]
    assert env["python"].count(".") == 2 and env["packages"]["papermill"] and env["fiscalrisk"]
    assert m["kernel"]["name"] == "python3"
    assert Path(m["kernel"]["argv"][0]).resolve() == Path(sys.executable).resolve()
    assert m["kernels_used"] and m["kernels_used"][0]["language_version"]


def test_index_lists_every_region_with_score_link_and_failure(report_run):
    page = (report_run.out_dir / "index.html").read_text(encoding="utf-8")
    for code in REGIONS:
        assert f'href="{code}/report.html"' in page
    assert f'href="{BAD_REGION}/report.html"' not in page
    assert "PapermillExecutionError" in page and "languag" in page
    assert "湖州市" in page and "德清县" in page
    assert "<script src=" not in page and "cdn" not in page.lower()


def test_report_covers_every_section_in_the_chosen_language(report_run):
    page = (report_run.out_dir / "330521" / "report.html").read_text(encoding="utf-8")
    for heading in ("风险评分", "主要风险来源", "预算执行与序时进度", "年末执行预测", "三公经费同比", "合同付款进度",
                    "工程进度与支付", "采购风险提示", "用印异常", "PEFA 预算可靠性", "内部控制评价得分",
                    "预警明细及依据", "与同级地区比较"):
        assert heading in page, heading
    assert "德清县" in page


def test_report_html_has_no_code_no_prompts_and_nothing_from_the_network(report_run):
    page = (report_run.out_dir / "330500" / "report.html").read_text(encoding="utf-8")
    assert '<script src="http' not in page
    assert "cdn" not in page.lower()
    assert "<link" not in page or 'href="http' not in page
    assert "validate_parameters" not in page and "report.heading" not in page  # no code
    body = page[page.index("<body"):]
    assert 'class="jp-InputArea' not in body and 'class="jp-InputPrompt' not in body
    assert "jp-OutputPrompt jp-OutputArea-prompt\">Out" not in body and "In&nbsp;[" not in body


def test_executed_notebook_carries_no_timestamps_or_absolute_output_paths(report_run):
    nb = nbformat.read(report_run.out_dir / "330521" / "report.ipynb", as_version=4)
    pm = nb.metadata["papermill"]
    assert "start_time" not in pm and "end_time" not in pm and "duration" not in pm
    assert pm["output_path"] == "report.ipynb"
    assert pm["parameters"]["scan_dir"] == "../scan"
    assert len(nb.cells) > 1
    for cell in nb.cells:
        assert "execution" not in cell.metadata
        assert not {"start_time", "end_time", "duration"} & set(cell.metadata.get("papermill", {}))


def test_findings_workbook_lists_the_subtree_alerts_first(report_run, report_data, scan_dir):
    wb = openpyxl.load_workbook(report_run.out_dir / "330521" / "findings.xlsx", read_only=True)
    assert wb.sheetnames == ["重点预警", "预警清单", "按单位汇总"]
    ws = wb["预警清单"]
    rows = list(ws.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[0] == "等级"
    expected = subtree_findings(scan_dir, report_data, "330521")
    assert len(expected) > 0, "德清县 has findings in the sample scan"
    assert len(body) == len(expected)
    ids = [r[header.index("编号")] for r in body]
    assert sorted(ids) == sorted(f["finding_id"] for f in expected)
    levels = [r[0] for r in body]
    assert levels.count("红色预警") == sum(f["level"] == "alert" for f in expected) > 0
    assert levels.count("黄色预警") == sum(f["level"] == "warning" for f in expected) > 0
    assert levels == sorted(levels, key=lambda v: v != "红色预警")
    by_id = {f["finding_id"]: f for f in expected}
    assert [int(by_id[i]["priority"]) for i in ids] == sorted(int(f["priority"]) for f in expected)


def test_findings_workbook_leads_with_the_top_findings_per_unit(report_run, report_data, scan_dir):
    """The first sheet: each unit's three most urgent warnings and alerts, "另有 N 条" on the unit's last
    row when it has more; worked out here from findings.csv alone."""
    wb = openpyxl.load_workbook(report_run.out_dir / "330500" / "findings.xlsx", read_only=True)
    rows = list(wb["重点预警"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("优先级", "单位", "等级") and "涉及金额（元）" in header and "其余" in header
    units, total = top_per_unit(subtree_findings(scan_dir, report_data, "330500"), per_unit=3)
    assert [r[header.index("编号")] for r in body] == [i for _, ids, _ in units for i in ids]
    more = [r[header.index("其余")] or None for r in body]
    want = []
    for _, ids, n in units:
        want += [None] * (len(ids) - 1) + [f"另有 {n} 条" if n else None]
    assert more == want
    assert any(n for _, _, n in units), "a unit of the sample has more than three findings"
    assert len(body) + sum(n for _, _, n in units) == total


def test_same_inputs_give_byte_identical_outputs(report_run, report_data, scan_dir, tmp_path):
    again = runner.run_reports(report_data, tmp_path / "again", scan_dir=scan_dir, regions=["330502104"],
                               progress=False)
    assert again.exit_code == 0
    for name in ("report.ipynb", "report.html", "findings.xlsx"):
        first = (report_run.out_dir / "330502104" / name).read_bytes()
        assert (again.out_dir / "330502104" / name).read_bytes() == first, name


def test_dead_kernel_is_retried_once_then_reported(report_data, scan_dir, tmp_path):
    template = trivial_template(tmp_path / "dies.ipynb", "import os\nos._exit(1)")
    result = runner.run_reports(report_data, tmp_path / "out", scan_dir=scan_dir, regions=["330521102"],
                                template=template, progress=False)
    o = result.outcomes["330521102"]
    assert (o.status, o.error_class, o.attempts) == ("failed", "DeadKernelError", 2)
    assert result.exit_code == 1


def test_kernel_start_failure_is_retried_with_backoff(report_data, scan_dir, tmp_path, monkeypatch):
    import papermill

    calls = []

    def refuse(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)
    monkeypatch.setattr(runner, "KERNEL_START_BACKOFF", 0.01)
    task = runner.RegionTask(region="330521102", region_dir=str(tmp_path / "r"),
                             template=str(trivial_template(tmp_path / "t.ipynb", "1")), parameters={})
    o = runner.execute_region(task)
    assert (o.status, o.error_class) == ("failed", "KernelStartError")
    assert len(calls) == o.attempts == 1 + runner.KERNEL_START_RETRIES


def test_interrupted_run_leaves_the_previous_output_untouched(report_data, scan_dir, tmp_path, monkeypatch):
    template = trivial_template(tmp_path / "ok.ipynb", "print(region)")
    out = tmp_path / "out"
    first = runner.run_reports(report_data, out, scan_dir=scan_dir, regions=["330521102"], template=template,
                               progress=False)
    assert first.exit_code == 0
    before = (out / "manifest.json").read_bytes()

    def interrupted(task):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "execute_region", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.run_reports(report_data, out, scan_dir=scan_dir, regions=["330521102"], template=template,
                           progress=False)
    assert (out / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


def test_cli_report_runs_and_refuses_unknown_regions(report_data, scan_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_EXTENSIONS", [runner.register])
    template = trivial_template(tmp_path / "ok.ipynb", "print(region, language)")
    args = ["report", "--data", str(report_data), "--scan", str(scan_dir), "--out", str(tmp_path / "o"),
            "--template", str(template), "--language", "en"]
    assert cli.main([*args, "--regions", "330521102", "330521103"]) == 0
    assert (tmp_path / "o" / "330521103" / "report.html").is_file()
    assert "2 of 2 regions done" in capsys.readouterr().out
    assert cli.main([*args, "--regions", "999999"]) == 2
    assert "unknown region code(s) 999999" in capsys.readouterr().err


def test_ensure_kernel_uses_this_interpreter():
    k = runner.ensure_kernel("python3")
    assert k["name"] == "python3"
    assert Path(k["argv"][0]).resolve() == Path(sys.executable).resolve()
