"""The about tab shows each rule's precision from the register (--db), for the region shown."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import CITY, COUNTY, ScanEnv


@pytest.fixture
def env_vars(scan_env: ScanEnv, monkeypatch: pytest.MonkeyPatch) -> ScanEnv:
    monkeypatch.setenv("FISCALRISK_SCAN_DIR", str(scan_env.scan))
    monkeypatch.setenv("FISCALRISK_CACHE_DIR", str(scan_env.cache))
    monkeypatch.delenv("FISCALRISK_CHART_BUNDLE", raising=False)
    return scan_env


def test_the_about_tab_shows_reviewed_findings_and_dismissal_rates_of_the_region(env_vars: ScanEnv, tmp_path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from statsmodels.stats.proportion import proportion_confint

    from fiscalrisk.dashboard import DashboardApp
    from fiscalrisk.register import Register

    url = f"sqlite:///{tmp_path / 'r.db'}"
    reg = Register(url)
    reg.init()
    reg.add_user("wang", "supervisor", region=CITY)
    reg.ingest(env_vars.scan, today="2026-07-01")
    inside = reg.cases(region=COUNTY)
    code = inside["indicator"].value_counts().index[0]  # the county's most frequent rule
    mine = inside.loc[inside["indicator"] == code, "case_id"].tolist()
    assert len(mine) >= 2
    reg.act(mine[0], "dismiss", user="wang", reason="legitimate", today="2026-07-02")
    reg.act(mine[1], "dispatch", user="wang", today="2026-07-02")
    reg.act(mine[1], "confirm", user="wang", today="2026-07-03")
    outside = reg.cases().loc[~reg.cases()["case_id"].isin(inside["case_id"]) & (reg.cases()["indicator"] == code)]
    for cid in outside["case_id"]:  # verdicts outside the county do not count in its about tab
        reg.act(int(cid), "dismiss", user="wang", reason="other", today="2026-07-02")
    monkeypatch.setenv("FISCALRISK_DB", url)
    monkeypatch.setenv("FISCALRISK_REGION", COUNTY)
    monkeypatch.setenv("FISCALRISK_LANG", "en")
    app = DashboardApp.from_env()
    html = app.about.value
    assert app.status.value == ""
    assert "<th>Reviewed</th><th>Dismissed (95% interval)</th>" in html
    low, high = proportion_confint(1, 2, method="wilson")
    row = re.search(rf"<td class='fr-code'>{code}</td>.*?</tr>", html).group(0)
    assert f"<td>2</td><td class='fr-quality'>50% [{low:.0%}–{high:.0%}]</td>" in row
    # a rule without reviewed findings says so
    other = next(c for c in re.findall(r"<td class='fr-code'>(\w+)</td>", html) if c != code)
    other_row = re.search(rf"<td class='fr-code'>{other}</td>.*?</tr>", html).group(0)
    assert other_row.endswith("<td>0</td><td>—</td></tr>")
    reg.engine.dispose()


def test_without_a_register_the_about_tab_has_no_precision_columns(env_vars: ScanEnv,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from fiscalrisk.dashboard import DashboardApp

    monkeypatch.delenv("FISCALRISK_DB", raising=False)
    monkeypatch.setenv("FISCALRISK_REGION", COUNTY)
    monkeypatch.setenv("FISCALRISK_LANG", "en")
    app = DashboardApp.from_env()
    assert "BUD01" in app.about.value and "Reviewed" not in app.about.value
