"""The widget app without a browser: every region × period × language redraws without a failure."""

from __future__ import annotations

import pytest

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
    assert app.tabs.titles == ("Overview", "Alerts", "Indicators")


def test_county_app_offers_only_its_subtree(env_vars: ScanEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from fiscalrisk.dashboard import DashboardApp

    monkeypatch.setenv("FISCALRISK_REGION", COUNTY)
    app = DashboardApp.from_env()
    assert [code for _, code in app.region_dd.options] == app.data.scope
    assert app.region_dd.options[0][1] == COUNTY
    with pytest.raises(Exception):  # noqa: B017 - traitlets refuses a value outside the options
        app.region_dd.value = CITY


def test_chart_widgets_share_one_bundle_when_served(monkeypatch: pytest.MonkeyPatch) -> None:
    import altair as alt

    from fiscalrisk.dashboard import chart_widget_class

    assert chart_widget_class("") is alt.JupyterChart
    cls = chart_widget_class("jupyterchart-offline.js")
    assert issubclass(cls, alt.JupyterChart)
    assert "files/jupyterchart-offline.js" in cls._esm and len(cls._esm) < 1000
