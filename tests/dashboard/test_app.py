"""The widget app without a browser: every region × period × language redraws without a failure."""

from __future__ import annotations

import re

import pytest
from traitlets import TraitError

from tests.dashboard.conftest import CITY, COUNTY, ScanEnv


@pytest.fixture
def env_vars(scan_env: ScanEnv, monkeypatch: pytest.MonkeyPatch) -> ScanEnv:
    monkeypatch.setenv("FISCALRISK_SCAN_DIR", str(scan_env.scan))
    monkeypatch.setenv("FISCALRISK_CACHE_DIR", str(scan_env.cache))
    monkeypatch.delenv("FISCALRISK_CHART_BUNDLE", raising=False)
    return scan_env


def test_every_selection_redraws_cleanly(env_vars: ScanEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from fiscalrisk.dashboard import DashboardApp

    monkeypatch.setenv("FISCALRISK_REGION", CITY)
    app = DashboardApp.from_env()
    years = app.data.years()
    township = app.data.children(COUNTY)[0]
    # each step changes one control: (language, region, year)
    steps = [("zh-CN", CITY, years[0]), ("zh-CN", COUNTY, years[0]), ("en", COUNTY, years[0]),
             ("en", township, years[0]), ("en", township, years[-1])]
    for lang, code, year in steps:
        app.lang_tb.value = lang
        app.region_dd.value = code
        app.period_dd.value = year
        assert app.status.value == "", (lang, code, year)
        assert "fr-tile" in app.tiles.value and "fr-header" in app.header.value
    assert app.tabs.titles == ("Overview", "Alerts", "Performance", "Closed loop", "Indicators")
    assert "fr-perf-out-of-step" in app.perf_tables.value  # a township's subtree: drawn, if with no project
    assert "fiscalrisk dashboard --db" in app.loop.value  # no register given: the tab says how to get one


def test_the_alerts_tab_leads_with_each_units_most_urgent_findings(env_vars: ScanEnv,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:

    from fiscalrisk.dashboard import DashboardApp
    from tests.conftest import subtree_findings, top_per_unit

    monkeypatch.setenv("FISCALRISK_REGION", CITY)
    app = DashboardApp.from_env()
    app.top_per_unit, app.top_units = 1, 1000  # every unit: some have more than one finding
    raw = subtree_findings(env_vars.scan, env_vars.data, CITY)

    def in_year(y: int) -> list[dict[str, str]]:
        return [f for f in raw if f["period"][:4] == str(y)]

    # a year in which some unit has more than one finding
    year = next(y for y in sorted(app.data.years(), reverse=True) if any(n for _, _, n in top_per_unit(in_year(y), 1)[0]))
    mine = app.data.findings.loc[app.data.findings["year"] == year].sort_values("priority")
    app.data.findings.loc[mine.index[0], "message_zh"] = "<script>alert(1)</script>=HYPERLINK(\"x\")"
    app.period_dd.value = year
    top = app.top.value
    assert top.startswith("<div id='fr-top'")
    units, total = top_per_unit(in_year(year), per_unit=1)
    assert re.findall(r"data-finding='([0-9a-f]+)'", top) == [ids[0] for _, ids, _ in units]
    assert top.count("另有 ") == sum(1 for _, _, n in units if n) + 1  # each unit's, and the note's
    assert any(n for _, _, n in units)
    for _, _, n in units:
        if n:
            assert f"另有 {n:,} 条</td>" in top
    assert f"共 {total:,} 条" in top and f"另有 {total - len(units):,} 条见下表" in top
    assert "<script>" not in top and "&lt;script&gt;alert(1)&lt;/script&gt;" in top
    app.lang_tb.value = "en"
    assert "Most urgent" in app.top.value and f"and {total - len(units):,} more in the table below" in app.top.value


def test_county_app_offers_only_its_subtree(env_vars: ScanEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from fiscalrisk.dashboard import DashboardApp

    monkeypatch.setenv("FISCALRISK_REGION", COUNTY)
    app = DashboardApp.from_env()
    assert [code for _, code in app.region_dd.options] == app.data.scope
    assert app.region_dd.options[0][1] == COUNTY
    with pytest.raises(TraitError, match="Invalid selection"):  # a value outside the options is refused
        app.region_dd.value = CITY
    assert app.region_dd.value == COUNTY


def test_chart_widgets_share_one_bundle_when_served(monkeypatch: pytest.MonkeyPatch) -> None:
    import altair as alt

    from fiscalrisk.dashboard import chart_widget_class

    assert chart_widget_class("") is alt.JupyterChart
    cls = chart_widget_class("jupyterchart-offline.js")
    assert issubclass(cls, alt.JupyterChart)
    assert "files/jupyterchart-offline.js" in cls._esm and len(cls._esm) < 1000


def test_the_closed_loop_tab_shows_the_register_of_the_region_shown(env_vars: ScanEnv, tmp_path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With --db the tab shows the region's KPIs, its overdue cases and dismissal rates; a county sees only
    its own subtree's cases."""
    from fiscalrisk.dashboard import DashboardApp
    from fiscalrisk.register import Register
    from fiscalrisk.register.kpi import kpis

    url = f"sqlite:///{tmp_path / 'r.db'}"
    reg = Register(url)
    reg.init()
    reg.add_user("wang", "supervisor", region=CITY)
    reg.ingest(env_vars.scan, today="2026-07-01")
    inside = reg.cases(region=COUNTY)
    outside = reg.cases().loc[~reg.cases()["case_id"].isin(inside["case_id"])]
    assert len(inside) and len(outside)
    mine, theirs = int(inside["case_id"].iloc[0]), int(outside["case_id"].iloc[0])
    for cid in (mine, theirs):
        reg.act(cid, "dispatch", user="wang", today="2026-01-05")   # long overdue at the scan's date
    reg.act(int(inside["case_id"].iloc[1]), "dismiss", user="wang", reason="legitimate", today="2026-01-06")
    monkeypatch.setenv("FISCALRISK_DB", url)
    monkeypatch.setenv("FISCALRISK_REGION", COUNTY)
    monkeypatch.setenv("FISCALRISK_LANG", "en")
    app = DashboardApp.from_env()
    html = app.loop.value
    assert app.status.value == ""
    overdue = html[html.index("Overdue and escalated cases"):html.index("Dismissal rate per rule")]
    assert f"<tr><td>{mine}</td>" in overdue and f"<tr><td>{theirs}</td>" not in overdue
    want = kpis(reg, region=COUNTY, as_of=app.data.as_of.date()).set_index(["region_code", "scope"])
    own = want.loc[(COUNTY, "own")]
    assert f"<td>own units</td><td>{int(own['open'])}</td><td>{int(own['overdue'])}</td>" in html
    assert "Dismissal rate per rule" in html and "100.0%" in html
    reg.engine.dispose()


def test_the_performance_tab_escapes_text_from_the_data(env_vars: ScanEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """A target name or unit name from the data is text on the 绩效 tab, never markup."""
    import pandas as pd

    from fiscalrisk.dashboard import DashboardApp
    from fiscalrisk.report.dashboard_data import DashboardData

    evil = "<img src=x onerror=alert(1)>道路"
    real = DashboardData.performance

    def performance(self, region, lang="zh-CN"):
        out = real(self, region, lang)
        out["missed"] = pd.DataFrame({"target_id": ["T1"], "name": [evil], "project_code": ["P<b>1</b>"],
                                      "unit_name": [evil], "completion": [0.5], "level": ["alert"]})
        return out

    monkeypatch.setattr(DashboardData, "performance", performance)
    monkeypatch.setenv("FISCALRISK_REGION", CITY)
    app = DashboardApp.from_env()
    html = app.perf_tables.value
    assert "<img src=x" not in html and "<b>1</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;道路" in html and "P&lt;b&gt;1&lt;/b&gt;" in html
    assert "50.0%" in html and "fr-badge alert" in html
