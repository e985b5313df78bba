"""A report needs the scan directory and nothing else: no data directory, no indicator run again.

The reference figures here come from the sample's CSV files, read with pandas (not the product's
code); the report is built from a copy of the scan directory with no data directory anywhere.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from fiscalrisk import cli, runner
from fiscalrisk.report import regional


@pytest.fixture
def scan_alone(scan_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the run's scan directory, with loading data and running indicators made to fail."""
    from fiscalrisk import data
    from fiscalrisk.indicators import registry

    def refuse(*args, **kwargs):
        raise AssertionError("a report read raw data or ran an indicator")

    monkeypatch.setattr(data, "load", refuse)
    monkeypatch.setattr(registry.IndicatorSpec, "__call__", refuse)
    monkeypatch.setattr(registry, "measure_and_grade", refuse)
    return Path(shutil.copytree(scan_dir, tmp_path / "elsewhere" / "scan"))


def _raw(report_data: Path) -> dict[str, pd.DataFrame]:
    codes = {"unit_code": str, "region_code": str, "parent_code": str, "economic_code": str, "contract_id": str}
    return {name: pd.read_csv(report_data / f"{name}.csv", dtype=codes)
            for name in ("regions", "units", "payments", "budget", "contracts")}


def _subtree_units(raw: dict[str, pd.DataFrame], region: str) -> set[str]:
    parent = dict(zip(raw["regions"]["region_code"], raw["regions"]["parent_code"], strict=True))
    codes, grew = {region}, True
    while grew:
        more = {c for c, p in parent.items() if p in codes} - codes
        codes |= more
        grew = bool(more)
    u = raw["units"]
    return set(u.loc[u["region_code"].isin(codes), "unit_code"])


def test_report_from_the_scan_directory_alone_matches_the_raw_data(scan_alone: Path, report_data: Path) -> None:
    r = regional.RegionalReport(scan_alone, "330521")  # no data_dir
    raw = _raw(report_data)
    units = _subtree_units(raw, "330521")
    as_of = r.as_of
    pay = raw["payments"]
    pay["pay_date"] = pd.to_datetime(pay["pay_date"])
    pay["budget_year"] = pay["budget_year"].fillna(pay["pay_date"].dt.year)  # as the data contract says
    pay = pay.loc[pay["unit_code"].isin(units) & (pay["pay_date"] <= as_of)]

    assert r.headline()["units"] == len(units)

    # cumulative execution this year: in-year payments to as_of / the year's adjusted budget
    bud = raw["budget"].loc[raw["budget"]["unit_code"].isin(units) & (raw["budget"]["year"] == as_of.year)]
    budget = bud["adjusted_amount"].fillna(bud["original_amount"]).sum()
    in_year = pay.loc[(pay["budget_year"] == as_of.year) & (pay["pay_date"].dt.year == as_of.year), "amount"].sum()
    curve = r.execution_curve().set_index("month")
    assert curve.loc[as_of.month, "executed"] == pytest.approx(in_year / budget, rel=1e-9)
    assert curve.loc[as_of.month + 1:, "executed"].isna().all()
    assert r.year_end_forecast()["executed"].iloc[0] == pytest.approx(in_year / budget, rel=1e-9)

    # 三公 spent this year to date, per unit (the sample's 三公 economic codes, params/defaults.yaml)
    sangong_codes = {"30212", "30217", "30231", "31013"}
    sg = pay.loc[pay["economic_code"].isin(sangong_codes) & (pay["budget_year"] == as_of.year)]
    expected = sg.groupby("unit_code")["amount"].sum()
    table, why = r.sangong()
    assert why == "" and len(table) > 0
    for unit, actual in zip(table["unit_code"], table["actual_ytd"], strict=True):
        assert actual == pytest.approx(expected.get(unit, 0.0), abs=0.005), unit

    # contracts: amount from contracts.csv, net paid to as_of summed from payments.csv
    table, why = r.contract_progress()
    assert why == "" and len(table) > 0
    con = raw["contracts"].set_index("contract_id")
    paid = pay.groupby("contract_id")["amount"].sum()
    for cid, amount, net in zip(table["contract_id"], table["amount"], table["paid"], strict=True):
        assert amount == pytest.approx(con.at[cid, "amount"], abs=0.005), cid
        assert net == pytest.approx(paid.get(cid, 0.0), abs=0.005), cid

    # the other sections read the scan too
    for section in (r.budget_execution, r.forecast_by_unit, r.construction, r.internal_control):
        frame, why = section()
        assert why == "" and len(frame) > 0, section.__name__


def test_city_report_grades_each_region_with_its_own_params(scan_alone: Path) -> None:
    # 长兴县 (330522) measures 序时进度 against quarterly targets (params/330522.yaml): 50 % at the end of
    # June; the city counts days. A city report used to re-run BUD01 with the city's params for every unit.
    r = regional.RegionalReport(scan_alone, "330500")
    table, why = r.budget_execution()
    assert why == ""
    changxing = table["unit_code"].str.startswith("330522")
    assert changxing.any() and (~changxing).any()
    assert table.loc[changxing, "progress"].eq(0.5).all()
    assert table.loc[~changxing, "progress"].round(6).eq(round(181 / 365, 6)).all()
    # and the levels are the findings' levels, unit by unit
    f = r.findings
    f = f.loc[(f["indicator"] == "BUD01") & (f["subject_type"] == "unit")]
    graded = dict(zip(f["subject_id"], f["level"].astype("str"), strict=True))
    from fiscalrisk.report.i18n import level_label

    shown = dict(zip(table["unit_code"], table["level"], strict=True))
    assert graded and {u: level_label(graded.get(u, "ok"), "zh-CN") for u in shown} == shown


def test_cli_report_from_the_scan_directory_alone(scan_alone: Path, tmp_path: Path, monkeypatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "_EXTENSIONS", [runner.register])
    out = tmp_path / "reports"
    assert cli.main(["report", "--scan", str(scan_alone), "--out", str(out), "--regions", "330521102"]) == 0
    assert "1 of 1 regions done" in capsys.readouterr().out
    page = (out / "330521102" / "report.html").read_text(encoding="utf-8")
    for heading in ("预算执行与序时进度", "年末执行预测", "三公经费同比", "合同付款进度"):
        assert heading in page, heading
    assert (out / "330521102" / "findings.xlsx").is_file()
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["run"]["data_dir"] is None and m["run"]["scan_reused_from"] == str(scan_alone.resolve())
    # the run's scan copy holds the listed files (values, series, reference), not anything else
    copied = json.loads((out / "scan" / "manifest.json").read_text(encoding="utf-8"))
    assert all((out / "scan" / name).is_file() for name in copied["files"])


def test_cli_report_refuses_a_scan_directory_of_an_older_format(scan_alone: Path, tmp_path: Path, monkeypatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "_EXTENSIONS", [runner.register])
    manifest = json.loads((scan_alone / "manifest.json").read_text(encoding="utf-8"))
    del manifest["scan_format"]  # what a scan of an earlier fiscalrisk wrote
    (scan_alone / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    out = tmp_path / "reports"
    assert cli.main(["report", "--scan", str(scan_alone), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert "older fiscalrisk" in err and "fiscalrisk scan DATA_DIR --out" in err
    assert not out.exists()


def test_cli_report_needs_a_scan_or_data(tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "_EXTENSIONS", [runner.register])
    assert cli.main(["report", "--out", str(tmp_path / "o")]) == 2
    assert "--scan" in capsys.readouterr().err


def test_the_report_states_the_scans_currency_scale_and_fiscal_year(report_data: Path, tmp_path: Path) -> None:
    """A scan of pounds with an April year (as for the UK exports) says so in the report's scope line;
    a scan in yuan says 元 and nothing about the year."""
    from fiscalrisk.data import load
    from fiscalrisk.scan import scan, write_scan

    ds = load(report_data)
    gbp = write_scan(scan(ds, region="330521", params={"currency": "GBP", "threshold_scale": 0.11,
                                                       "calendar": {"fiscal_year_start_month": 4}}), tmp_path / "gbp")
    en = regional.RegionalReport(gbp, "330521", language="en").headline()["money"]
    zh = regional.RegionalReport(gbp, "330521").headline()["money"]
    assert en == "Amounts in GBP (money thresholds converted at 0.11 GBP per yuan); the fiscal year starts on 1 April."
    assert zh == "金额单位：GBP（金额阈值按 0.11 折算为 GBP）；财政年度自每年 4 月 1 日起。"
    cny = write_scan(scan(ds), tmp_path / "cny")
    assert regional.RegionalReport(cny, "330500").headline()["money"] == "金额单位：元。"


def test_performance_section_reads_the_graded_values_of_the_scan(scan_alone: Path) -> None:
    """The 绩效 section: the scatter's points are values/PRF03 of the subtree, the tables are PRF03's
    largest gaps, last year's PRF04 findings and PRF05's self-evaluations (alerts first)."""
    from fiscalrisk.scan import read_findings, read_values

    r = regional.RegionalReport(scan_alone, "330500")
    points, why = r.performance_points()
    prf03 = read_values(scan_alone, "PRF03")
    assert why == "" and len(points) == len(prf03) > 0
    assert set(points.columns) >= {"project_code", "rate", "completion", "level"}
    worst = prf03.sort_values("value", ascending=False).iloc[0]
    table, _ = r.performance_out_of_step()
    assert table.iloc[0]["project_code"] == worst["subject_id"] and table.iloc[0]["level"] == "红色预警"
    assert abs(table.iloc[0]["diverge_pp"] - (worst["rate"] - worst["completion"]) * 100) < 1e-9
    findings = read_findings(scan_alone)
    last = str(r.as_of.year - 1)
    missed, _ = r.targets_missed()
    assert sorted(missed["target_id"]) == sorted(
        findings.loc[(findings["indicator"] == "PRF04") & (findings["period"] == last), "subject_id"])
    selfs, _ = r.self_evaluations()
    flagged = findings.loc[findings["indicator"] == "PRF05"]
    assert list(selfs["project_code"].head(len(flagged))) == list(
        flagged.sort_values(["level", "value"], ascending=[False, False])["subject_id"])
    county = regional.RegionalReport(scan_alone, "330521").performance_points()[0]
    assert set(county["project_code"]) < set(points["project_code"])
