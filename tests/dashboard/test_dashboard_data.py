"""The dashboard's data layer: scan-directory checks, scope isolation, tiles, masking, the CLI."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd
import pytest

from fiscalrisk.report.dashboard_data import SCAN_FILES, DashboardData, ScanDirError, check_scan_dir
from tests.conftest import subtree_findings, top_per_unit
from tests.dashboard.conftest import CITY, COUNTY, OTHER_COUNTY_NAMES, ScanEnv


def test_missing_scan_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScanDirError, match="does not exist"):
        check_scan_dir(tmp_path / "nowhere")


def test_incomplete_scan_directory_names_the_missing_files(scan_env: ScanEnv, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(scan_env.scan, partial)
    (partial / "scores.csv").unlink()
    (partial / "manifest.json").unlink()
    with pytest.raises(ScanDirError, match="scores.csv, manifest.json"):
        check_scan_dir(partial)


def test_county_data_holds_only_its_subtree(scan_env: ScanEnv) -> None:
    d = DashboardData(scan_env.scan, scan_env.cache, COUNTY)
    assert d.scope[0] == COUNTY
    assert set(d.findings["region_code"]) <= set(d.scope)
    assert set(d.units["region_code"]) <= set(d.scope)
    names = " ".join(d.regions["name"]) + " ".join(d.units["name"]) + " ".join(d.findings["message_zh"])
    for name in OTHER_COUNTY_NAMES:
        assert name not in names
    with pytest.raises(PermissionError):
        d.kpis("330502", 2026)
    assert [code for _, code in d.region_options()][0] == COUNTY


def test_city_tiles_add_up_over_the_tree(scan_env: ScanEnv) -> None:
    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    year = d.years()[-1]
    city = d.kpis(CITY, year)
    counties = [d.kpis(c, year) for c in d.children(CITY)]
    assert 0 < city.execution_rate < 1.5
    assert 0 < city.time_progress <= 1
    own = d.findings_for(CITY, year)
    assert city.alerts + city.warnings == len(own)
    assert sum(k.alerts + k.warnings for k in counties) <= len(own)
    assert city.budget >= sum(k.budget for k in counties)


def test_execution_curve_has_twelve_months_and_a_forecast_for_the_current_year(scan_env: ScanEnv) -> None:
    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    curve = d.execution_curve(CITY, d.as_of.year)
    assert list(curve["month"]) == list(range(1, 13))
    assert curve["executed"].notna().sum() == d.as_of.month
    assert curve["progress"].is_monotonic_increasing and curve["progress"].iloc[-1] == pytest.approx(1.0)
    # the sample has three complete earlier years (2023–2025) before as_of 2026-06-30: a forecast exists
    assert d.as_of.month < 12 and min(d.years()) < d.as_of.year
    assert "forecast" in curve, "the current year has earlier years to forecast from"
    last = d.as_of.month
    fc = curve.set_index("month")["forecast"]
    assert fc.loc[: last - 1].isna().all() and fc.loc[last:].notna().all()
    assert fc.loc[last] == pytest.approx(curve.set_index("month").loc[last, "executed"])
    assert curve["forecast"].iloc[-1] > curve["executed"].dropna().iloc[-1]
    assert {"lower", "upper"} <= set(curve.columns)
    assert (curve["lower"].dropna() <= curve["forecast"].dropna() + 1e-12).all()
    assert (curve["forecast"].dropna() <= curve["upper"].dropna() + 1e-12).all()
    # a complete year is drawn as it was: no forecast
    assert "forecast" not in d.execution_curve(CITY, d.as_of.year - 1)


def test_alert_table_is_masked_and_alerts_come_first(scan_env: ScanEnv) -> None:
    import pandas as pd

    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    rows, total = d.alert_table(CITY, None, "zh-CN", limit=None)
    assert total == len(d.findings)
    levels = list(rows["level"])
    assert levels == sorted(levels, key=lambda v: v != "alert")
    assert len(rows) == total > 0
    personal = pd.read_parquet(scan_env.scan / "reference" / "personal_payees.parquet")
    text = " ".join(rows["message"]) + " ".join(v for ev in rows["evidence"] for _, v in ev)
    assert not [n for n in personal["name"] if n in text]
    # there were names to mask: the scan's own (unmasked) findings of these rows name personal payees,
    # and the table shows them masked
    raw = pd.read_csv(scan_env.scan / "findings.csv", dtype=str, keep_default_na=False).set_index("finding_id")
    raw_text = " ".join(raw.loc[rows["finding_id"], "message_zh"]) + " ".join(raw.loc[rows["finding_id"], "evidence"])
    present = [n for n in personal["name"] if len(n) >= 2 and n in raw_text]
    assert present, "the sample scan names personal payees in its findings"
    for n in present:
        assert n[0] + "*" * (len(n) - 1) in text, f"{n} is not shown masked"
    only = d.alert_table(CITY, None, "en", module="payments", level="alert")[0]
    assert set(only["module"]) <= {"payments"} and set(only["level"]) <= {"alert"}


def test_alert_table_is_in_priority_order_with_the_amount_at_risk(scan_env: ScanEnv) -> None:
    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    rows, total = d.alert_table(CITY, None, "en", limit=None)
    raw = {f["finding_id"]: f for f in subtree_findings(scan_env.scan, scan_env.data, CITY)}
    want = sorted((f for f in raw.values() if f["level"] in ("warning", "alert")), key=lambda f: int(f["priority"]))
    assert rows["finding_id"].tolist() == [f["finding_id"] for f in want] and total == len(want)
    amounts = [float(f["amount_at_risk"]) if f["amount_at_risk"] else None for f in want]
    got = [None if pd.isna(v) else v for v in rows["amount_at_risk"]]
    assert got == amounts and any(a is not None for a in amounts) and any(a is None for a in amounts)


@pytest.mark.parametrize(("region", "per_unit", "max_units"), [(CITY, 1, None), (CITY, 3, 8), (COUNTY, 2, 4)])
def test_top_findings_per_unit_and_how_many_more(scan_env: ScanEnv, region: str, per_unit: int,
                                                 max_units: int | None) -> None:
    """The dashboard's top of the alerts tab against the same cut worked out from findings.csv."""
    d = DashboardData(scan_env.scan, scan_env.cache, region)
    rows, top = d.top_findings(region, None, "zh-CN", per_unit=per_unit, max_units=max_units)
    units, total = top_per_unit(subtree_findings(scan_env.scan, scan_env.data, region), per_unit, max_units)
    assert rows["finding_id"].tolist() == [i for _, ids, _ in units for i in ids]
    assert rows.groupby("group", sort=False)["more"].first().to_dict() == {u: n for u, _, n in units}
    assert top.total == total and top.more == total - len(rows)
    if per_unit == 1:
        assert any(n for _, _, n in units), "some unit has more than one finding"


def test_catalogue_lists_every_indicator_with_source(scan_env: ScanEnv) -> None:
    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    cat = d.catalogue("en")
    assert {"BUD01", "PAY02", "OUT01", "ANM05", "CTL01"} <= set(cat["code"])
    assert (cat["source"].str.len() > 0).all()


def _parser() -> argparse.ArgumentParser:
    from fiscalrisk.dashboard import register

    parser = argparse.ArgumentParser(prog="fiscalrisk")
    register(parser.add_subparsers(dest="command"))
    return parser


def test_register_adds_the_dashboard_subcommand() -> None:
    args = _parser().parse_args(["dashboard", "--scan", "S"])
    assert (args.ip, args.port, args.region, args.data) == ("127.0.0.1", 8866, None, None)
    assert callable(args.func)


def test_evidence_masks_personal_payees(scan_env: ScanEnv) -> None:
    import json

    import pandas as pd

    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    name, account = pd.read_parquet(scan_env.scan / "reference" / "personal_payees.parquet").iloc[0]
    items = dict(d.evidence_items(json.dumps({"payee_name": name, "payee_account": account, "amount": 5000.0},
                                              ensure_ascii=False)))
    # labelled in the dashboard's language (收款人 = payee_name, 收款账号 = payee_account), masked
    assert items["收款人"] == name[0] + "*" * (len(name) - 1)
    assert items["收款账号"] == account[:4] + "*" * (len(account) - 8) + account[-4:]
    assert d.masker(f"向个人“{name}”支付") == f"向个人“{items['收款人']}”支付"


def _scan_copy(scan_env: ScanEnv, dest: Path) -> Path:
    """The scan directory alone, somewhere else (no chart bundle, no data directory beside it)."""
    return Path(shutil.copytree(scan_env.scan, dest, ignore=shutil.ignore_patterns("dashboard")))


def test_dashboard_data_from_the_scan_directory_alone_matches_the_raw_data(scan_env: ScanEnv,
                                                                             tmp_path: Path) -> None:
    scan = _scan_copy(scan_env, tmp_path / "elsewhere" / "scan")
    d = DashboardData(scan, root=COUNTY)  # no cache, no data: everything from the scan directory
    year = d.as_of.year
    k = d.kpis(COUNTY, year)

    # the reference figures, from the raw CSV files with pandas (not the product's code)
    regions = pd.read_csv(scan_env.data / "regions.csv", dtype=str)
    units = pd.read_csv(scan_env.data / "units.csv", dtype=str)
    subtree = {COUNTY} | set(regions.loc[regions["parent_code"] == COUNTY, "region_code"])
    mine = set(units.loc[units["region_code"].isin(subtree), "unit_code"])
    pay = pd.read_csv(scan_env.data / "payments.csv", dtype={"unit_code": str, "economic_code": str},
                      parse_dates=["pay_date"])
    pay = pay.loc[pay["unit_code"].isin(mine) & (pay["pay_date"] <= d.as_of)]
    budget_year = pay["budget_year"].fillna(pay["pay_date"].dt.year) if "budget_year" in pay else pay["pay_date"].dt.year
    executed = pay.loc[(budget_year == year) & (pay["pay_date"].dt.year == year), "amount"].sum()
    bud = pd.read_csv(scan_env.data / "budget.csv", dtype={"unit_code": str})
    bud = bud.loc[bud["unit_code"].isin(mine) & (bud["year"] == year)]
    budget = bud["adjusted_amount"].fillna(bud["original_amount"]).sum()
    assert k.executed == pytest.approx(executed, abs=0.05)
    assert k.budget == pytest.approx(budget, abs=0.05)
    assert k.execution_rate == pytest.approx(executed / budget)
    con = pd.read_csv(scan_env.data / "contracts.csv", dtype={"unit_code": str, "contract_id": str},
                      parse_dates=["signed_date", "end_date"])
    con = con.loc[con["unit_code"].isin(mine)]
    running = con.loc[(con["signed_date"] <= min(pd.Timestamp(year, 12, 31), d.as_of))
                      & ~(con["end_date"] < pd.Timestamp(year, 1, 1))]
    assert k.contract_amount == pytest.approx(running["amount"].sum(), abs=0.05)
    expected = subtree_findings(scan_env.scan, scan_env.data, COUNTY)
    assert sorted(d.findings["finding_id"]) == sorted(f["finding_id"] for f in expected) and expected


def test_time_progress_follows_each_regions_own_params(scan_env: ScanEnv) -> None:
    # 长兴县 (330522) measures 序时进度 against quarterly targets (params/330522.yaml): 50 % at the end
    # of June; the city counts days (181 of 365)
    d = DashboardData(scan_env.scan, root=CITY)
    assert d.as_of == pd.Timestamp("2026-06-30")
    assert d.kpis("330522", 2026).time_progress == pytest.approx(0.5)
    assert d.kpis("330522102", 2026).time_progress == pytest.approx(0.5)  # its townships inherit them
    assert d.kpis(CITY, 2026).time_progress == pytest.approx(181 / 365)


def test_cli_refuses_a_scan_directory_of_an_older_format(scan_env: ScanEnv, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from fiscalrisk.dashboard import main

    scan = _scan_copy(scan_env, tmp_path / "old")
    manifest = json.loads((scan / "manifest.json").read_text(encoding="utf-8"))
    del manifest["scan_format"]  # what a scan of an earlier fiscalrisk wrote
    (scan / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["--scan", str(scan)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert "older fiscalrisk" in err and f"fiscalrisk scan DATA_DIR --out {scan}" in err


def test_cli_refuses_data_that_is_not_the_scans(scan_env: ScanEnv, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from fiscalrisk.dashboard import main

    data = Path(shutil.copytree(scan_env.data, tmp_path / "data"))
    with open(data / "payments.csv", "a", encoding="utf-8") as f:
        f.write("\n")
    assert main(["--scan", str(scan_env.scan), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "payments.csv" in err and "is not the data the scan" in err


@pytest.mark.parametrize("remove", [None, "findings.parquet"])
def test_cli_refuses_a_bad_scan_directory_with_exit_2(tmp_path: Path, scan_env: ScanEnv, remove: str | None,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from fiscalrisk.dashboard import main

    scan = tmp_path / "scan"
    if remove:
        scan.mkdir()
        for name in SCAN_FILES:
            if name != remove:
                shutil.copy(scan_env.scan / name, scan / name)
    assert main(["--scan", str(scan)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(scan) in err and "Traceback" not in err
    if remove:
        assert remove in err


def test_cli_refuses_an_unknown_region(scan_env: ScanEnv, capsys: pytest.CaptureFixture[str]) -> None:
    from fiscalrisk.dashboard import main

    assert main(["--scan", str(scan_env.scan), "--region", "999999"]) == 2
    assert "999999" in capsys.readouterr().err


def test_cli_refuses_a_port_in_use(scan_env: ScanEnv, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from fiscalrisk.dashboard import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--scan", str(scan_env.scan), "--port", str(port)]) == 2
    assert "already in use" in capsys.readouterr().err


def _risk_findings(scan_env: ScanEnv, region: str) -> list[dict[str, str]]:
    return [f for f in subtree_findings(scan_env.scan, scan_env.data, region) if f["level"] in ("warning", "alert")]


def test_alert_table_search_keeps_the_rows_holding_every_word(scan_env: ScanEnv) -> None:
    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    want = _risk_findings(scan_env, CITY)
    code = "PAY07"
    by_code = {f["finding_id"] for f in want if f["indicator"] == code}
    assert by_code, "the sample has PAY07 findings"
    rows, total = d.alert_table(CITY, None, "zh-CN", limit=None, search=code.lower())
    assert set(rows["finding_id"]) == by_code and total == len(by_code)
    # two words: the indicator and one unit's name, both must appear
    units = pd.read_csv(scan_env.data / "units.csv", dtype=str).set_index("unit_code")["name"]
    unit = next(f["unit_code"] for f in want if f["indicator"] == code and f["unit_code"])
    both = {f["finding_id"] for f in want if f["indicator"] == code and f["unit_code"] == unit}
    rows, _ = d.alert_table(CITY, None, "zh-CN", limit=None, search=f"  {code} {units[unit]} ")
    assert set(rows["finding_id"]) >= both and set(rows["finding_id"]) <= by_code
    assert d.alert_table(CITY, None, "zh-CN", limit=None, search="没有这样的文字xyz")[1] == 0


def test_alert_table_sorts_by_amount_unit_indicator_and_period(scan_env: ScanEnv) -> None:
    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    want = _risk_findings(scan_env, CITY)
    rows, _ = d.alert_table(CITY, None, "en", limit=None, sort="amount")
    amounts = [float(f["amount_at_risk"]) for f in want if f["amount_at_risk"]]
    got = [v for v in rows["amount_at_risk"] if not pd.isna(v)]
    assert got == sorted(amounts, reverse=True)
    assert rows["amount_at_risk"].isna().sum() == sum(1 for f in want if not f["amount_at_risk"])
    assert rows["amount_at_risk"].tail(1).isna().all()  # no amount: last
    rows, _ = d.alert_table(CITY, None, "en", limit=None, sort="indicator")
    assert rows["indicator"].tolist() == sorted(f["indicator"] for f in want)
    rows, _ = d.alert_table(CITY, None, "en", limit=None, sort="period")
    assert rows["period"].tolist() == sorted((f["period"] for f in want), reverse=True)
    with pytest.raises(ValueError, match="sort: expected one of"):
        d.alert_table(CITY, None, "en", sort="colour")


def test_the_alert_workbook_holds_every_row_of_the_table_as_shown(scan_env: ScanEnv, tmp_path: Path) -> None:
    import io

    import openpyxl

    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    want = [f for f in _risk_findings(scan_env, CITY) if f["module"] == "payments"]
    want.sort(key=lambda f: int(f["priority"]))
    data = d.alert_workbook(CITY, None, "zh-CN", module="payments")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[wb.sheetnames[0]]
    rows = list(ws.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("优先级", "finding_id", "等级")
    assert len(want) > 0
    assert [r[1] for r in body] == [f["finding_id"] for f in want]  # every row, in the table's order
    personal = pd.read_parquet(scan_env.scan / "reference" / "personal_payees.parquet")
    text = " ".join(str(c) for r in body for c in r if c is not None)
    assert not [n for n in personal["name"] if len(n) >= 2 and n in text], "the export is masked like the page"


def test_the_about_tab_shows_each_regions_own_thresholds(scan_env: ScanEnv) -> None:
    import yaml

    from tests.conftest import ROOT

    own = yaml.safe_load((ROOT / "params" / "330521.yaml").read_text(encoding="utf-8"))["indicators"]["PAY06"]
    city = yaml.safe_load((ROOT / "params" / "defaults.yaml").read_text(encoding="utf-8"))["indicators"]["PAY06"]
    assert own["threshold"] != city["threshold"]
    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    county = d.catalogue("zh-CN", COUNTY).set_index("code")
    assert county.loc["PAY06", "local"] == f"threshold = {own['threshold']:,}（{city['threshold']:,}）"
    whole = d.catalogue("zh-CN", CITY).set_index("code")
    assert whole.loc["PAY06", "local"] == ""
    assert (county["warning"] == whole["warning"]).all()  # 德清县 changes a parameter, no level threshold


def test_performance_tab_data_is_the_scans_graded_values_of_the_subtree(scan_env: ScanEnv) -> None:
    """The 绩效 tab reads values/PRF03–05 of the region's subtree as the scan graded them: its levels are
    those of the findings (no indicator computed again)."""
    from fiscalrisk.scan import read_findings, read_values

    d = DashboardData(scan_env.scan, scan_env.cache, CITY)
    city = d.performance(CITY)
    prf03 = read_values(scan_env.scan, "PRF03")
    assert len(city["points"]) == len(prf03) > 0
    county = d.performance(COUNTY)
    assert set(county["points"]["project_code"]) == set(
        prf03.loc[prf03["region_code"].isin(d.subtree(COUNTY)), "subject_id"])
    findings = read_findings(scan_env.scan)
    flagged = findings.loc[findings["indicator"] == "PRF03"].set_index("subject_id")["level"].astype(str)
    shown = city["points"].loc[city["points"]["level"] != "ok"].set_index("project_code")["level"]
    assert shown.sort_index().to_dict() == flagged.sort_index().to_dict()
    assert city["points"]["diverge_pp"].is_monotonic_decreasing  # most out of step first
    # last year's missed targets: PRF04 findings of the year before as_of's
    last = str(d.as_of.year - 1)
    missed = findings.loc[(findings["indicator"] == "PRF04") & (findings["period"] == last), "subject_id"]
    assert sorted(city["missed"]["target_id"]) == sorted(missed)
    # self-evaluations: the flagged first, each with the reported and the computed score
    se = city["self_eval"]
    assert list(se["level"].head(2)) == ["alert", "warning"]
    assert (se["score_gap"] - (se["reported"] - se["computed"])).abs().max() < 1e-9
    with pytest.raises(PermissionError):
        DashboardData(scan_env.scan, scan_env.cache, COUNTY).performance("330522")
