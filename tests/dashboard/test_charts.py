"""Chart builders: pure functions of tidy frames, labelled from the catalogue, renderable offline."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fiscalrisk.report import charts


def _curve() -> pd.DataFrame:
    m = np.arange(1, 13)
    df = pd.DataFrame({"month": m, "progress": m / 12, "executed": np.where(m <= 6, m / 12 * 0.9, np.nan)})
    df["forecast"] = np.where(m >= 6, 0.45 + (m - 6) * 0.08, np.nan)
    df["lower"] = df["forecast"] - 0.05
    df["upper"] = df["forecast"] + 0.05
    return df


def _spec(chart) -> dict:
    return json.loads(chart.to_json())


def _fields(spec: object) -> set[str]:
    found: set[str] = set()
    if isinstance(spec, dict):
        if isinstance(spec.get("field"), str):
            found.add(spec["field"])
        for v in spec.values():
            found |= _fields(v)
    elif isinstance(spec, list):
        for v in spec:
            found |= _fields(v)
    return found


def test_execution_curve_draws_rate_progress_and_forecast_band() -> None:
    spec = _spec(charts.execution_curve(_curve(), "zh-CN"))
    assert {"month", "rate", "series", "lower", "upper"} <= _fields(spec)
    assert spec["config"]["font"] == charts.FONT
    assert "累计预算执行进度与序时进度" in json.dumps(spec, ensure_ascii=False)
    assert "序时进度" in json.dumps(spec["datasets"], ensure_ascii=False)


def test_risk_ranking_keeps_the_top_units_in_order() -> None:
    scores = pd.DataFrame({"name": ["甲局", "乙局", "丙局"], "score": [12.0, 80.0, 0.0], "alerts": [0, 2, 0]})
    spec = _spec(charts.risk_ranking(scores, "en", top=5))
    assert {"name", "score"} <= _fields(spec)
    data = next(iter(spec["datasets"].values()))
    assert [row["name"] for row in data] == ["乙局", "甲局"]  # zero scores are not ranked
    assert spec["title"]["text"] == "Units ranked by risk score"


def test_alert_heatmap_has_a_row_for_every_module() -> None:
    counts = pd.DataFrame({"module": ["payments"], "region_name": ["德清县"], "count": [3], "alerts": [1]})
    spec = _spec(charts.alert_heatmap(counts, "zh-CN"))
    data = next(iter(spec["datasets"].values()))
    assert len(data) == 11  # the ten business modules and budget performance (绩效)
    assert {"收支", "内控", "预算可靠性 (PEFA)", "绩效"} <= {row["module_label"] for row in data}


def test_pefa_scorecard_melts_the_scan_file() -> None:
    pefa = pd.DataFrame({"region_code": ["330500"], "window": ["2023–2025"], "PI-1": ["B"], "2.1": ["A"],
                         "2.2": ["A"], "2.3": ["A"], "PI-2": ["A"], "3.1": ["A"], "3.2": ["D"], "PI-3": ["C+"]})
    spec = _spec(charts.pefa_scorecard(pefa, "zh-CN"))
    data = next(iter(spec["datasets"].values()))
    assert {row["grade"] for row in data} == {"A", "B", "D", "C+"}
    assert {row["letter"] for row in data} == {"A", "B", "C", "D"}


def test_yoy_bar_compares_years() -> None:
    df = pd.DataFrame({"category": ["公务接待"] * 2, "year": [2025, 2026], "value": [100.0, 80.0]})
    spec = _spec(charts.yoy_bar(df, "zh-CN"))
    assert {"year", "value"} <= _fields(spec)


def test_render_offline_gives_svg_with_chinese_text_and_png() -> None:
    chart = charts.execution_curve(_curve(), "zh-CN")
    svg = charts.render_offline(chart, "svg")
    assert svg.lstrip().startswith("<svg") and "累计预算执行进度与序时进度" in svg
    assert "Noto Sans CJK SC" in svg
    png = charts.render_offline(chart, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="fmt"):
        charts.render_offline(chart, "pdf")  # type: ignore[arg-type]


def test_builders_name_missing_columns() -> None:
    with pytest.raises(ValueError, match="executed"):
        charts.execution_curve(pd.DataFrame({"month": [1], "progress": [0.1]}), "zh-CN")


def test_performance_scatter_has_the_diagonal_and_levels_in_their_colours() -> None:
    points = pd.DataFrame({"project_code": ["P1", "P2", "P3"], "unit_name": ["甲局", "乙局", "丙局"],
                           "rate": [0.933, 0.938, 0.96], "completion": [0.30, 0.55, 0.86],
                           "diverge_pp": [63.3, 38.8, 10.0], "level": ["alert", "warning", "ok"]})
    spec = _spec(charts.performance_scatter(points, "zh-CN"))
    assert {"rate", "completion", "project_code", "unit_name", "diverge_pp"} <= _fields(spec)
    diagonal, dots = spec["layer"]
    assert diagonal["mark"]["type"] == "line"
    diag = spec["datasets"][diagonal["data"]["name"]]
    assert [(r["rate"], r["completion"]) for r in diag] == [(0.0, 0.0), (1.0, 1.0)]
    scale = dots["encoding"]["color"]["scale"]
    assert scale["domain"] == ["正常", "黄色预警", "红色预警"]
    assert scale["range"] == [charts.LEVEL_COLORS["ok"], charts.LEVEL_COLORS["warning"], charts.LEVEL_COLORS["alert"]]
    assert [r["project_code"] for r in spec["datasets"][dots["data"]["name"]]] == ["P1", "P2", "P3"]
    text = json.dumps(spec, ensure_ascii=False)
    assert "预算执行与绩效目标完成（双监控）" in text and "钱与事同步" in text
    en = json.dumps(_spec(charts.performance_scatter(points, "en")))
    assert "Budget execution rate" in en and "Output target completion" in en


def test_a_heatmap_with_no_findings_says_so_instead_of_drawing_an_empty_frame() -> None:
    import pandas as pd

    from fiscalrisk.report import charts

    empty = pd.DataFrame(columns=["module", "region_name", "count"])
    for lang, words in (("zh-CN", "本期没有预警"), ("en", "No warnings or alerts in this period")):
        spec = charts.alert_heatmap(empty, lang).to_dict()
        assert spec["mark"]["type"] == "text" and spec["encoding"]["text"]["field"] == "text"
        assert list(spec["datasets"].values())[0] == [{"text": words}]
    zero = pd.DataFrame({"module": ["payments"], "region_name": ["织里镇"], "count": [0]})
    assert charts.alert_heatmap(zero).to_dict()["mark"]["type"] == "text"
