"""The performance tables of the contract (performance_targets, performance_progress,
performance_evaluations; shared/spec/performance.md): typing, references and the rules of a measurable
target, each bad value named with its file, row, column, value and what was expected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fiscalrisk.data import check, load

from .conftest import MINIMAL, ROOT, write_tables

TARGETS = (
    "target_id,year,unit_code,project_code,level1,level2,name,direction,target_value,measure_unit,weight\n"
    "T1,2026,002,P1,output,数量指标,改造道路长度,ge,12,公里,\n"
    "T2,2026,002,P1,effect,社会效益指标,群众出行时间缩短,le,15,分钟,2\n"
    "T3,2026,002,P1,satisfaction,满意度指标,群众满意度,ge,90,%,\n"
    "T4,2026,002,P1,effect,可持续影响指标,长效管护机制健全,,,,\n"
    "T5,2026,001,,output,数量指标,部门整体 培训人次,eq,300,人次,\n"
)
PROGRESS = "target_id,report_date,actual_value,note\nT1,2026-03-31,3,一季度\nT1,2026-06-30,6.5,二季度\n"
EVALUATIONS = (
    "evaluation_id,year,unit_code,project_code,kind,evaluation_date,score,grade,conclusion\n"
    "E1,2026,002,P1,ex_ante,2025-11-20,86,良,立项必要\n"
    "E2,2025,001,,self,2026-03-15,92.5,,\n"
)


def _dir(tmp_path: Path, **replace: str) -> Path:
    tables = dict(MINIMAL)
    tables["performance_targets.csv"] = TARGETS
    tables["performance_progress.csv"] = PROGRESS
    tables["performance_evaluations.csv"] = EVALUATIONS
    for name, text in replace.items():
        tables[f"{name}.csv"] = text
    return write_tables(tmp_path / "data", tables)


def _problems(directory: Path) -> pd.DataFrame:
    dataset, problems = check(directory)
    assert dataset is None, "expected the input to be refused"
    return problems


def _only(problems: pd.DataFrame, **match: object) -> pd.Series:
    sel = problems
    for k, v in match.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"expected one problem matching {match} in\n{problems.to_string()}"
    return sel.iloc[0]


def test_the_three_tables_load_typed(tmp_path):
    ds = load(_dir(tmp_path))
    t = ds["performance_targets"]
    assert list(t["target_id"]) == ["T1", "T2", "T3", "T4", "T5"]
    assert t["target_value"].tolist()[:3] == [12.0, 15.0, 90.0] and pd.isna(t["target_value"].iloc[3])
    assert pd.isna(t["project_code"].iloc[4])  # a target of the unit as a whole
    assert ds["performance_progress"]["report_date"].max() == pd.Timestamp("2026-06-30")
    ev = ds["performance_evaluations"]
    assert ev["score"].tolist() == [86.0, 92.5] and ev["kind"].tolist() == ["ex_ante", "self"]


def test_without_the_tables_the_data_still_loads(tmp_path):
    ds = load(write_tables(tmp_path / "d", MINIMAL))
    assert "performance_targets" not in ds.tables


def test_unknown_direction_names_row_value_and_list(tmp_path):
    bad = TARGETS.replace("T2,2026,002,P1,effect,社会效益指标,群众出行时间缩短,le", "T2,2026,002,P1,effect,社会效益指标,群众出行时间缩短,at_most")
    row = _only(_problems(_dir(tmp_path, performance_targets=bad)), column="direction")
    assert (row["file"], row["row"], row["value"]) == ("performance_targets.csv", 3, "at_most")
    assert row["expected"] == "one of ge, le, eq"


def test_unknown_level1_is_refused(tmp_path):
    bad = TARGETS.replace("T3,2026,002,P1,satisfaction", "T3,2026,002,P1,满意度")
    row = _only(_problems(_dir(tmp_path, performance_targets=bad)), column="level1")
    assert row["row"] == 4 and row["value"] == "满意度" and "output, effect, satisfaction, cost" in row["expected"]


def test_negative_target_with_le_is_refused(tmp_path):
    bad = TARGETS.replace("le,15,分钟", "le,-15,分钟")
    row = _only(_problems(_dir(tmp_path, performance_targets=bad)), column="target_value")
    assert (row["row"], row["value"]) == (3, "-15")
    assert "direction le" in row["expected"]


def test_quantitative_target_needs_a_direction_and_ge_a_positive_value(tmp_path):
    bad = TARGETS.replace("output,数量指标,改造道路长度,ge,12", "output,数量指标,改造道路长度,,12")
    bad = bad.replace("满意度指标,群众满意度,ge,90", "满意度指标,群众满意度,ge,0")
    p = _problems(_dir(tmp_path, performance_targets=bad))
    assert _only(p, column="direction")["row"] == 2
    zero = _only(p, column="target_value")
    assert zero["row"] == 4 and "positive target_value for direction ge" in zero["expected"]


def test_score_of_105_and_unknown_kind_are_refused(tmp_path):
    bad = EVALUATIONS.replace("self,2026-03-15,92.5", "self,2026-03-15,105").replace("ex_ante", "prior")
    p = _problems(_dir(tmp_path, performance_evaluations=bad))
    score = _only(p, column="score")
    assert (score["file"], score["row"], score["value"]) == ("performance_evaluations.csv", 3, "105")
    assert score["expected"] == "a value between 0 and 100"
    kind = _only(p, column="kind")
    assert (kind["row"], kind["value"]) == (2, "prior") and kind["expected"] == "one of ex_ante, self, department, finance"


def test_references_to_units_projects_and_targets(tmp_path):
    targets = TARGETS.replace("T5,2026,001,", "T5,2026,009,").replace("T3,2026,002,P1", "T3,2026,002,P9")
    progress = PROGRESS + "T7,2026-06-30,1,\n"
    p = _problems(_dir(tmp_path, performance_targets=targets, performance_progress=progress))
    unit = _only(p, table="performance_targets", column="unit_code")
    assert (unit["row"], unit["value"]) == (6, "009") and "exists in table units" in unit["expected"]
    project = _only(p, table="performance_targets", column="project_code")
    assert (project["row"], project["value"]) == (4, "P9") and "table budget" in project["expected"]
    target = _only(p, table="performance_progress", column="target_id")
    assert (target["row"], target["value"]) == (4, "T7") and "table performance_targets" in target["expected"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fiscalrisk.cli", *args], capture_output=True, text=True, cwd=ROOT)


def test_scan_of_bad_performance_input_exits_2_and_writes_nothing(tmp_path):
    bad = EVALUATIONS.replace("self,2026-03-15,92.5", "self,2026-03-15,105")
    out = tmp_path / "scan"
    res = _cli("scan", str(_dir(tmp_path, performance_evaluations=bad)), "--out", str(out))
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert "performance_evaluations.csv:3: column 'score' value '105': expected a value between 0 and 100" in res.stderr
    assert not out.exists()


MAPPING = ROOT / "mappings" / "performance-export-zh.yaml"
EXPORT = {
    "绩效目标表.csv": (
        "指标编码,预算年度,单位编码,项目编码,一级指标,二级指标,三级指标,指标值符号,指标值,计量单位,分值\n"
        "T1,2026,002,P1,产出指标,数量指标,改造道路长度,≥,12,公里,20\n"
        "T2,2026,002,P1,效益指标,社会效益指标,长效管护机制健全,,,,10\n"
        ",,,,,,,,,,\n"
    ),
    "绩效监控表.csv": "指标编码,监控日期,实际完成值,偏差原因\nT1,2026-06-30,6.5,雨季停工\n",
    "绩效评价表.csv": (
        "评价编号,预算年度,单位编码,项目编码,评价类型,评价日期,评价得分,评价等级,评价结论\n"
        "E1,2026,002,P1,事前绩效评估,2025-11-20,86,良,立项必要\n"
    ),
}


def test_a_bureau_export_with_chinese_headers_loads_through_the_mapping(tmp_path):
    d = write_tables(tmp_path / "export", {**MINIMAL, **EXPORT})
    ds = load(d, mapping=MAPPING)
    t = ds["performance_targets"]
    assert t[["target_id", "level1", "direction"]].astype(object).where(t[["target_id", "level1", "direction"]].notna(), None).values.tolist() == [
        ["T1", "output", "ge"], ["T2", "effect", None]]
    assert ds.dropped["performance_targets"]["blank"] == 1
    assert ds["performance_progress"]["actual_value"].tolist() == [6.5]
    assert ds["performance_evaluations"]["kind"].tolist() == ["ex_ante"]


def test_an_untranslated_kind_from_the_export_is_named(tmp_path):
    export = dict(EXPORT)
    export["绩效评价表.csv"] = export["绩效评价表.csv"].replace("事前绩效评估", "事后评价")
    dataset, problems = check(write_tables(tmp_path / "export", {**MINIMAL, **export}), MAPPING)
    assert dataset is None
    row = _only(problems, column="kind")
    assert (row["file"], row["row"], row["value"]) == ("绩效评价表.csv", 2, "事后评价")


def test_scan_says_how_many_progress_reports_after_as_of_it_ignored(tmp_path):
    progress = PROGRESS + "T1,2026-09-30,11,三季度\n"
    out = tmp_path / "scan"
    res = _cli("scan", str(_dir(tmp_path, performance_progress=progress)), "--out", str(out), "--as-of", "2026-06-30")
    assert res.returncode == 0, res.stderr
    assert "performance_progress: 1 report dated after as_of 2026-06-30 ignored" in res.stdout
    import json

    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["ignored"] == {
        "performance_progress": {"after_as_of": 1}}


BAD_INPUT = {
    # case: (table, the row's text replaced, its replacement, the line expected on stderr)
    "unknown direction": ("performance_targets", "群众出行时间缩短,le,15", "群众出行时间缩短,lt,15",
                          "performance_targets.csv:3: column 'direction' value 'lt': expected one of ge, le, eq"),
    "negative ceiling": ("performance_targets", "le,15,分钟", "le,-15,分钟",
                         "performance_targets.csv:3: column 'target_value' value '-15': expected a target_value "
                         "of at least 0 for direction le"),
    "score of 105": ("performance_evaluations", "self,2026-03-15,92.5", "self,2026-03-15,105",
                     "performance_evaluations.csv:3: column 'score' value '105': expected a value between 0 and 100"),
    "unknown kind": ("performance_evaluations", "E2,2025,001,,self", "E2,2025,001,,自评",
                     "performance_evaluations.csv:3: column 'kind' value '自评': expected one of ex_ante, self, "
                     "department, finance"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_performance_input_exits_2_naming_file_row_column_value_and_expected(case, tmp_path):
    table, old, new, line = BAD_INPUT[case]
    text = {"performance_targets": TARGETS, "performance_evaluations": EVALUATIONS}[table]
    assert old in text
    data = _dir(tmp_path, **{table: text.replace(old, new)})
    for command in (["validate", str(data)], ["scan", str(data), "--out", str(tmp_path / "scan")]):
        res = _cli(*command)
        assert res.returncode == 2, (command, res.stderr)
        assert line in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
    assert not (tmp_path / "scan").exists()
