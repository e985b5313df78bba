"""The scan: outputs, byte-identical reruns, atomic writes, not-assessed reasons, per-region params."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from fiscalrisk.findings import LEVEL_DTYPE
from fiscalrisk.scan import OUTPUT_FILES, evaluate, read_findings, scan, write_scan

from .indicators._tables import budget, line, payment, payments, regions, units

DATA_FILES = [f for f in OUTPUT_FILES if f != "manifest.json"]


def _tables() -> dict[str, pd.DataFrame]:
    pay = payments([
        payment("P1", "2026-06-12", 320000.0, payee_type="own_account"),
        payment("P2", "2026-06-15", 320000.0, payee_type="own_account"),
        payment("P3", "2026-06-28", 5000.0, unit="U2"),
        payment("P4", "2026-03-01", 110000.0, unit="U1", payee_name="甲公司"),
        payment("P5", "2026-03-05", 110000.0, unit="U1", payee_name="甲公司", economic_code="30202"),
        payment("P6", "2026-03-09", 95000.0, unit="U1", payee_name="甲公司", economic_code="30202"),
        payment("Q4", "2026-03-01", 110000.0, unit="U2", payee_name="甲公司"),
        payment("Q5", "2026-03-06", 110000.0, unit="U2", payee_name="甲公司"),
    ])
    bud = budget([line(2026, "U1", 4_000_000.0), line(2026, "U2", 500_000.0),
                  line(2026, "U1", 400_000.0, economic="30202")])
    return {"regions": regions(), "units": units(), "budget": bud, "payments": pay}


def test_scan_returns_every_output_and_defaults_as_of_to_the_latest_payment() -> None:
    r = scan(_tables())
    assert r.manifest["as_of"] == "2026-06-28"
    assert r.findings["level"].dtype == LEVEL_DTYPE
    assert {"PAY01", "BUD01"} <= set(r.findings["indicator"])
    assert set(r.assessed["indicator"]) >= {"BUD01", "PAY01", "OUT05"}
    assert list(r.pefa_scores.columns) == ["region_code", "window", "PI-1", "2.1", "2.2", "2.3", "PI-2", "3.1",
                                           "3.2", "PI-3"]
    assert set(r.scores["scope"]) == {"unit", "own", "subtree"}


def test_county_params_apply_to_the_county_units_only() -> None:
    # 德清县 (330521) lowers PAY06's threshold to 200,000 in params/330521.yaml; the city keeps 300,000.
    # P5 + P6 (same code) = 205,000 ≥ 200,000 in Deqing; Q4 + Q5 = 220,000 < 300,000 in the city.
    r = scan(_tables())
    pay06 = r.findings.loc[r.findings["indicator"] == "PAY06"]
    assert pay06["subject_id"].tolist() == ["P6"]
    assert pay06["threshold"].tolist() == [200000.0]
    assert r.manifest["params_by_region"]  # the county's parameters are recorded


def test_outputs_are_byte_identical_across_runs(tmp_path: Path) -> None:
    a = write_scan(scan(_tables()), tmp_path / "a")
    b = write_scan(scan(_tables()), tmp_path / "b")
    for name in DATA_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ma, mb = (json.loads((d / "manifest.json").read_text(encoding="utf-8")) for d in (a, b))
    assert ma["files"] == mb["files"]
    assert set(ma) >= {"version", "params", "inputs", "started", "finished", "as_of"}


def test_findings_files_round_trip_with_ordered_levels(tmp_path: Path) -> None:
    r = scan(_tables())
    out = write_scan(r, tmp_path / "scan")
    csv = pd.read_csv(out / "findings.csv", dtype="str", keep_default_na=False)
    assert list(csv.columns) == list(r.findings.columns)
    assert set(csv["level"]) <= {"warning", "alert"}
    back = read_findings(out)
    assert back["level"].dtype == LEVEL_DTYPE
    assert back["finding_id"].tolist() == r.findings["finding_id"].tolist()


def test_a_failed_write_leaves_no_complete_looking_directory(tmp_path: Path, monkeypatch) -> None:
    r = scan(_tables())

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        write_scan(r, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary directory left behind


def test_a_failed_rewrite_keeps_the_previous_output(tmp_path: Path, monkeypatch) -> None:
    r = scan(_tables())
    out = write_scan(r, tmp_path / "out")
    before = {n: (out / n).read_bytes() for n in OUTPUT_FILES}
    monkeypatch.setattr(pd.DataFrame, "to_parquet", lambda *a, **k: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(OSError):
        write_scan(r, out)
    assert {n: (out / n).read_bytes() for n in OUTPUT_FILES} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refuses_to_overwrite_a_directory_that_is_not_a_scan(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not a previous scan output"):
        write_scan(scan(_tables()), tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_not_assessed_reasons_with_only_regions_units_and_budget() -> None:
    t = _tables()
    del t["payments"]
    r = scan(t, as_of="2026-06-30")
    reasons = r.assessed.groupby("indicator")["reason"].first()
    status = r.assessed.groupby("indicator")["status"].first()
    assert reasons["PAY01"] == "missing table: payments"
    assert reasons["OUT05"] == "missing table: revenue"
    assert reasons["BUD06"] == "missing column: budget.carryover_amount, budget.carryover_from_year"
    assert reasons["BUD01"] == "missing table: payments"  # no payments is no evidence of 0 % execution
    assert reasons["OUT01"].startswith("no outturn")
    assert reasons["BUD05"] == "no 三公 budget lines or payments"
    assert set(status) == {"not_assessed"}
    assert set(r.pefa_scores["PI-1"]) == {"NA"}


def test_region_scan_covers_the_subtree_only() -> None:
    r = scan(_tables(), region="330521")
    assert set(r.findings["region_code"]) <= {"330521", "330521102"}
    assert set(r.assessed["region_code"]) == {"330521", "330521102"}


def test_evaluate_recall_and_precision() -> None:
    r = scan(_tables())
    labels = pd.DataFrame({"indicator": ["PAY01", "PAY01", "PAY07"], "subject_type": "payment",
                           "subject_id": ["P1", "P9", "P2"], "note": ""})
    e = evaluate(r.findings, labels).set_index("indicator")
    assert (e.loc["PAY01", "labelled"], e.loc["PAY01", "found"], e.loc["PAY01", "true_positives"]) == (2, 2, 1)
    assert e.loc["PAY01", "recall"] == 0.5 and e.loc["PAY01", "precision"] == 0.5
    assert e.loc["PAY07", "recall"] == 1.0


def test_evaluate_counts_only_warnings_and_alerts_as_found() -> None:
    f = scan(_tables()).findings
    note = f.iloc[[0]].assign(indicator="PAY07", subject_type="payment", subject_id="P3", finding_id="n1")
    note["level"] = pd.Series(["info"], index=note.index).astype(LEVEL_DTYPE)
    labels = pd.DataFrame({"indicator": ["PAY07"], "subject_type": "payment", "subject_id": ["P3"], "note": ""})
    with_note = pd.concat([f, note], ignore_index=True)
    e = evaluate(with_note, labels).set_index("indicator")
    assert (e.loc["PAY07", "true_positives"], e.loc["PAY07", "recall"]) == (0, 0.0)
    assert e.loc["PAY07", "found"] == evaluate(f, labels).set_index("indicator").loc["PAY07", "found"]


# ------------------------------------------------------------------------- currency and fiscal year
def test_manifest_states_currency_scale_and_fiscal_year() -> None:
    m = scan(_tables()).manifest
    assert (m["currency"], m["threshold_scale"], m["fiscal_year_start_month"], m["scaled_thresholds"]) == (
        "CNY", 1.0, 1, {})
    m = scan(_tables(), params={"currency": "GBP", "threshold_scale": 0.11,
                                "calendar": {"fiscal_year_start_month": 4}}).manifest
    assert (m["currency"], m["threshold_scale"], m["fiscal_year_start_month"]) == ("GBP", 0.11, 4)
    assert m["scaled_thresholds"]["indicators.PAY06.threshold"] == {"stated": 300000.0, "effective": 33000.0}


def test_a_data_set_in_another_currency_than_the_params_is_refused() -> None:
    from fiscalrisk.data import DataSet
    from fiscalrisk.errors import UserError

    ds = DataSet(tables=_tables(), currency="GBP")
    with pytest.raises(UserError, match="GBP.*currency CNY"):
        scan(ds)
    assert scan(ds, params={"currency": "GBP", "threshold_scale": 0.11}).manifest["data_currency"] == "GBP"


def test_regions_may_not_disagree_on_the_fiscal_year(tmp_path: Path, monkeypatch) -> None:
    from fiscalrisk.errors import UserError

    params = tmp_path / "params"
    params.mkdir()
    (params / "defaults.yaml").write_text(
        (Path(__file__).resolve().parent.parent / "params" / "defaults.yaml").read_text(encoding="utf-8"),
        encoding="utf-8")
    (params / "330521.yaml").write_text("calendar:\n  fiscal_year_start_month: 4\n", encoding="utf-8")
    monkeypatch.setenv("FISCALRISK_PARAMS_DIR", str(params))
    with pytest.raises(UserError, match="fiscal_year_start_month.*same for every region"):
        scan(_tables())


# -- the scan directory holds everything presentation reads (scan format 2) ----------------------------


def test_scan_directory_holds_values_series_and_reference_listed_in_the_manifest(tmp_path: Path) -> None:
    import hashlib

    from fiscalrisk import series
    from fiscalrisk.scan import SCAN_FORMAT, open_scan, read_reference, read_series, read_values

    r = scan(_tables())
    out = write_scan(r, tmp_path / "scan")
    m = open_scan(out)
    assert m["scan_format"] == SCAN_FORMAT == 2
    expected = {f"values/{c}.parquet" for c in r.values} | {f"series/{n}.parquet" for n in series.SERIES} \
        | {f"reference/{n}.parquet" for n in series.REFERENCE} | set(DATA_FILES)
    assert set(m["files"]) == expected
    for name, sha in m["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == sha, name
    bud01 = read_values(out, "BUD01")
    assert {"unit_code", "region_code", "budget", "net", "rate", "progress", "value", "threshold",
            "level"} <= set(bud01.columns)
    assert read_values(out, "BUD01", ["330500"])["region_code"].unique().tolist() == ["330500"]
    assert read_values(out, "PAY01").empty  # payments are events: their findings are the output
    assert read_values(out, "../manifest").empty  # a code never becomes a path
    units = read_reference(out, "units")
    assert units["unit_code"].tolist() == ["U1", "U2", "U3"]
    monthly = read_series(out, "monthly_units")
    june = monthly.loc[(monthly["unit_code"] == "U1") & (monthly["year"] == 2026) & (monthly["month"] == 6)]
    assert june["net"].tolist() == [640000.0]  # P1 + P2


def test_values_series_and_reference_are_byte_identical_across_runs(tmp_path: Path) -> None:
    a = write_scan(scan(_tables()), tmp_path / "a")
    b = write_scan(scan(_tables()), tmp_path / "b")
    ma = json.loads((a / "manifest.json").read_text(encoding="utf-8"))
    assert [n for n in ma["files"] if "/" in n], "the scan wrote values, series and reference files"
    for name in ma["files"]:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_object_columns_of_mixed_types_are_written_as_text(tmp_path: Path) -> None:
    import dataclasses

    r = scan(_tables())
    odd = pd.DataFrame({"subject_id": ["a", "b", "c", "d"], "region_code": "330500",
                        "mixed": pd.Series([1, "x", {"k": [1, 2]}, None], dtype=object),
                        "value": [1.0, 2.0, 3.0, 4.0]})
    out = write_scan(dataclasses.replace(r, values={**r.values, "XYZ01": odd}), tmp_path / "scan")
    back = pd.read_parquet(out / "values" / "XYZ01.parquet")
    assert back["mixed"].tolist()[:3] == ["1", "x", '{"k": [1, 2]}'] and pd.isna(back["mixed"].iloc[3])
    assert back["value"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_values_are_graded_with_each_regions_own_params(tmp_path: Path, monkeypatch) -> None:
    import shutil

    from fiscalrisk.params import default_params_dir
    from fiscalrisk.scan import read_values

    # 德清县 raises BUD01's thresholds to 30 / 40 pp; the city keeps 10 / 20. U1 (德清县) is 27.3 pp
    # behind time progress: ok under the county's params, an alert under the city's.
    params = tmp_path / "params"
    shutil.copytree(default_params_dir(), params)
    with open(params / "330521.yaml", "a", encoding="utf-8") as f:
        f.write("  BUD01:\n    warning: 30\n    alert: 40\n")
    monkeypatch.setenv("FISCALRISK_PARAMS_DIR", str(params))
    r = scan(_tables())
    out = write_scan(r, tmp_path / "scan")
    v = read_values(out, "BUD01").set_index(["subject_type", "subject_id"])
    assert v.loc[("unit", "U1"), "value"] == pytest.approx(27.34, abs=0.01)
    assert v.loc[("unit", "U1"), "level"] == v.loc[("region", "330521"), "level"] == "ok"
    bud01 = r.findings.loc[r.findings["indicator"] == "BUD01"]
    assert not {"U1", "330521"} & set(bud01["subject_id"])
    # the same data under the city's params everywhere: U1 is an alert
    monkeypatch.delenv("FISCALRISK_PARAMS_DIR")
    assert read_values(write_scan(scan(_tables()), tmp_path / "plain"), "BUD01").set_index(
        ["subject_type", "subject_id"]).loc[("unit", "U1"), "level"] == "alert"


@pytest.mark.parametrize("fmt", [None, 1, "2"])
def test_a_scan_directory_of_an_older_format_is_refused(tmp_path: Path, fmt) -> None:
    from fiscalrisk.errors import UserError
    from fiscalrisk.scan import ScanDirError, open_scan

    out = write_scan(scan(_tables()), tmp_path / "scan")
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    if fmt is None:
        del m["scan_format"]
    else:
        m["scan_format"] = fmt
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(ScanDirError, match="older fiscalrisk .* run `fiscalrisk scan DATA_DIR --out") as err:
        open_scan(out)
    assert isinstance(err.value, UserError)


def test_a_scan_directory_changed_or_incomplete_is_refused(tmp_path: Path) -> None:
    from fiscalrisk.scan import ScanDirError, open_scan

    out = write_scan(scan(_tables()), tmp_path / "scan")
    (out / "series" / "forecast.parquet").unlink()
    with pytest.raises(ScanDirError, match="missing series/forecast.parquet"):
        open_scan(out)
    out = write_scan(scan(_tables()), tmp_path / "scan2")
    (out / "values" / "BUD01.parquet").write_bytes(b"changed")
    with pytest.raises(ScanDirError, match="values/BUD01.parquet changed after the scan wrote it"):
        open_scan(out)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    m["files"]["../../etc/passwd"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(ScanDirError, match="not a file a scan writes"):
        open_scan(out)


def test_indicators_in_two_processes_write_the_same_scan_directory(sample_dir: Path, tmp_path: Path) -> None:
    """``jobs=2`` forks two processes that each run part of the catalogue: every file of the scan
    directory (findings, assessed, values, series, reference) is the one-process scan's, byte for byte."""
    from fiscalrisk.data import load

    data = load(sample_dir)
    one = write_scan(scan(data), tmp_path / "one")
    two = write_scan(scan(data, jobs=2), tmp_path / "two")
    files = json.loads((one / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert "findings.csv" in files and any(n.startswith("values/") for n in files)
    assert files == json.loads((two / "manifest.json").read_text(encoding="utf-8"))["files"]
    for name in files:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_jobs_must_be_a_whole_number_of_at_least_one(jobs) -> None:
    with pytest.raises(ValueError, match="jobs must be a whole number"):
        scan(_tables(), jobs=jobs)
