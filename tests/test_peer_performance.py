"""A real published performance table read through a mapping: two project self-evaluation tables
(项目支出绩效自评表 2022) of 池州市贵池区棠溪镇, transcribed row by row (tests/data/tangxi-2022-selfeval/
SOURCE.txt). The bureau scored each quantitative indicator; the completion fiscalrisk computes from the
same target and actual, times the indicator's points, must give the points the bureau awarded."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from fiscalrisk.data import load
from fiscalrisk.indicators.performance import completion
from fiscalrisk.indicators.registry import run_indicator
from fiscalrisk.scan import make_context

from .conftest import ROOT

DATA = Path(__file__).resolve().parent / "data" / "tangxi-2022-selfeval"
MAPPING = ROOT / "mappings" / "tangxi-2022-selfeval.yaml"


def _published() -> list[dict[str, str]]:
    with open(DATA / "自评表.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_published_tables_load_through_the_mapping():
    ds = load(DATA, mapping=MAPPING)
    t = ds["performance_targets"].set_index("target_id")
    assert len(t) == len(_published()) == 17
    assert (t.loc["219001-WTYW-1", "direction"], t.loc["219001-WTYW-1", "target_value"],
            t.loc["219001-WTYW-1", "measure_unit"]) == ("ge", 50.0, "个")
    assert (t.loc["219001-CJBZ-6", "direction"], t.loc["219001-CJBZ-6", "target_value"]) == ("le", 202.6)
    assert (t.loc["219001-CJBZ-2", "direction"], t.loc["219001-CJBZ-2", "target_value"]) == ("eq", 42.0)
    qualitative = t.loc[t["target_value"].isna()]
    assert len(qualitative) == 11 and qualitative["direction"].isna().all()
    b = ds["budget"].set_index("project_code")
    assert b.loc["219001-CJBZ", "original_amount"] == 2_026_400.0  # 202.64 万元
    assert b.loc["219001-CJBZ", "adjusted_amount"] == 1_329_120.0


def test_completion_times_points_gives_the_points_the_bureau_awarded():
    ds = load(DATA, mapping=MAPPING)
    t = ds["performance_targets"].set_index("target_id")
    actual = ds["performance_progress"].set_index("target_id")["actual_value"]
    rows = [r for r in _published() if r["实际完成值"] != "达成预期指标"]
    ids = [f"{r['项目编码']}-{r['序号']}" for r in rows]
    got = completion(t.loc[ids, "direction"], t.loc[ids, "target_value"], actual.loc[ids]) * np.array(
        [float(r["分值"]) for r in rows])
    awarded = np.array([float(r["得分"]) for r in rows])
    np.testing.assert_allclose(got, awarded)
    # the cost ceiling was set on the initial budget (202.6 万元); the year spent 132.9: reached
    assert completion(["le"], [202.6], [132.9])[0] == 1.0


def test_prf04_finds_no_missed_target_and_prf02_no_incomplete_targets_in_the_published_year():
    ds = load(DATA, mapping=MAPPING)
    ctx = make_context(ds.tables, pd.Timestamp("2023-06-30"))
    findings, assessed = run_indicator("PRF04", ctx)
    assert findings.empty and int(assessed["assessed"].sum()) == 6
    findings, assessed = run_indicator("PRF02", ctx)
    assert findings.empty and int(assessed["assessed"].sum()) == 2
