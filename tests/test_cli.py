"""The command line: help a new user can follow, exit codes, bad parameters named with a suggestion."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from fiscalrisk.cli import main

from .conftest import ROOT


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fiscalrisk.cli", *args], capture_output=True, text=True, cwd=ROOT)


def test_help_names_every_command_and_the_monthly_flow(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for command in ("sample", "validate", "scan", "evaluate"):
        assert command in text
    assert "Typical monthly flow" in text


def test_scan_of_minimal_data_runs_and_reports_not_assessed(tmp_path, minimal_dir):
    out = tmp_path / "scan"
    res = run("scan", str(minimal_dir), "--out", str(out), "--as-of", "2026-03-31")
    assert res.returncode == 0, res.stderr
    assessed = pd.read_csv(out / "assessed.csv", dtype=str, keep_default_na=False)
    missing = assessed[assessed["indicator"] == "PRC01"]
    assert (missing["status"] != "assessed").all() and missing["reason"].str.contains("procurement").all()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["as_of"].startswith("2026-03-31")


def test_unknown_indicator_parameter_exits_2_with_a_suggestion(tmp_path, minimal_dir):
    params = tmp_path / "p.yaml"
    params.write_text("indicators:\n  PAY06:\n    treshold: 100000\n", encoding="utf-8")
    res = run("scan", str(minimal_dir), "--out", str(tmp_path / "o"), "--params", str(params))
    assert res.returncode == 2
    assert "treshold" in res.stderr and "threshold" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists(), "no half-written output"


def test_unknown_indicator_code_exits_2_with_a_suggestion(tmp_path, minimal_dir):
    params = tmp_path / "p.yaml"
    params.write_text("indicators:\n  PAY66:\n    warning: 1\n", encoding="utf-8")
    res = run("scan", str(minimal_dir), "--out", str(tmp_path / "o"), "--params", str(params))
    assert res.returncode == 2 and "PAY66" in res.stderr and "did you mean" in res.stderr


def test_thresholds_out_of_order_exit_2(tmp_path, minimal_dir):
    params = tmp_path / "p.yaml"
    params.write_text("indicators:\n  BUD01:\n    warning: 20\n    alert: 10\n", encoding="utf-8")
    res = run("scan", str(minimal_dir), "--out", str(tmp_path / "o"), "--params", str(params))
    assert res.returncode == 2 and "BUD01" in res.stderr and "Traceback" not in res.stderr


def test_bad_as_of_date_exits_2(tmp_path, minimal_dir):
    res = run("scan", str(minimal_dir), "--out", str(tmp_path / "o"), "--as-of", "2026-02-30")
    assert res.returncode == 2 and "2026-02-30" in res.stderr


def test_scan_refuses_to_overwrite_a_directory_that_is_not_a_scan(tmp_path, minimal_dir):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    res = run("scan", str(minimal_dir), "--out", str(out))
    assert res.returncode == 2
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"


def test_evaluate_prints_recall_and_precision(tmp_path, sample_dir):
    out = tmp_path / "scan"
    assert run("scan", str(sample_dir), "--out", str(out)).returncode == 0
    res = run("evaluate", str(sample_dir), str(out))
    assert res.returncode == 0
    lines = {line.split()[0]: line.split() for line in res.stdout.splitlines() if line.strip()[:3].isalpha()}
    for code in ("BUD01", "PAY07", "PRC01", "CON05", "SEL02", "OUT01", "CTL01"):
        assert lines[code][4] == "100%", lines[code]


# --- validate: the table for people, the full lists in JSON ---------------------------------------------------


def _monthly_files(tmp_path, months):
    """A directory of monthly payment files and a mapping that reads them all (one region, one unit)."""
    data = tmp_path / "data"
    data.mkdir()
    for i, month in enumerate(months):
        (data / f"{month}.csv").write_text(
            f"Date,Supplier,Amount\n{month}-02,ACME {i},{100 + i}\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "tables:\n"
        "  regions: {rows: [{region_code: R, name: Region, level: city}]}\n"
        "  units: {rows: [{unit_code: U, name: Unit, region_code: R}]}\n"
        "  budget: {empty: true}\n"
        "  payments:\n"
        "    files: ['20??-??.csv']\n"
        "    columns: {payment_id: '{_file}-{_row}', pay_date: Date, unit_code: {constant: U},\n"
        "              function_code: {constant: F}, economic_code: {constant: E}, payee_name: Supplier,\n"
        "              payee_type: {constant: organization}, method: {constant: transfer}, amount: Amount}\n",
        encoding="utf-8")
    return data, mapping


MONTHS = [f"{y}-{m:02d}" for y in (2019, 2020, 2021, 2022) for m in range(1, 13)][5:43]  # 2019-06 … 2022-07


def test_validate_lists_many_files_as_a_count_with_the_first_and_last(tmp_path):
    data, mapping = _monthly_files(tmp_path, list(reversed(MONTHS)))  # written in any order
    res = run("validate", str(data), "--mapping", str(mapping))
    assert res.returncode == 0, res.stderr
    line = next(x for x in res.stdout.splitlines() if x.strip().startswith("payments"))
    assert "38 files: 2019-06.csv … 2022-07.csv" in line
    assert "2019-07.csv" not in res.stdout and len(line) < 100
    assert "m.yaml[tables.regions.rows]" in res.stdout, "a table from one source names it"


def test_validate_names_one_or_two_files_in_full(tmp_path):
    data, mapping = _monthly_files(tmp_path, ["2019-06", "2019-07"])
    res = run("validate", str(data), "--mapping", str(mapping))
    assert "2 files: 2019-06.csv, 2019-07.csv" in res.stdout


def test_validate_json_keeps_every_file_of_every_table(tmp_path):
    data, mapping = _monthly_files(tmp_path, MONTHS)
    res = run("validate", str(data), "--mapping", str(mapping), "--format", "json")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["valid"] is True and report["mapping"] == str(mapping)
    tables = {t["table"]: t for t in report["tables"]}
    assert tables["payments"]["files"] == [f"{m}.csv" for m in MONTHS]
    assert tables["payments"]["rows"] == 38 and len(tables["payments"]["sha256"]) == 64
    assert tables["payments"]["rows_dropped"] == {"blank": 0, "where": 0}
    assert tables["budget"]["files"] == [] and tables["budget"]["rows"] == 0


def test_validate_json_of_bad_input_lists_the_problems_and_exits_2(tmp_path):
    data, mapping = _monthly_files(tmp_path, MONTHS[:3])
    (data / f"{MONTHS[1]}.csv").write_text("Date,Supplier,Amount\n2019-07-02,ACME,12x\n", encoding="utf-8")
    res = run("validate", str(data), "--mapping", str(mapping), "--format", "json")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    report = json.loads(res.stdout)
    assert report["valid"] is False and report["problem_count"] == 1
    assert report["problems"] == [{"file": "2019-07.csv", "row": 2, "table": "payments", "column": "amount",
                                   "value": "12x", "expected": "an amount such as 1234.50 or 1,234.50"}]


def test_validate_prints_the_rows_the_mapping_filters_dropped(tmp_path):
    data, mapping = _monthly_files(tmp_path, MONTHS[:2])
    (data / f"{MONTHS[0]}.csv").write_text("Date,Supplier,Amount\n2019-06-02,ACME,100\n,,\n , , \n", encoding="utf-8")
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("    files:", "    drop_blank: true\n    files:"),
                       encoding="utf-8")
    res = run("validate", str(data), "--mapping", str(mapping))
    assert res.returncode == 0, res.stderr
    assert "payments: 2 rows dropped by the mapping's row filters: 2 blank (drop_blank)" in res.stdout


@pytest.mark.parametrize("flag", ["--jobs", "--workers"])
def test_scan_refuses_a_number_of_processes_below_one(tmp_path, minimal_dir, flag):
    out = tmp_path / "scan"
    res = run("scan", str(minimal_dir), "--out", str(out), flag, "0")
    assert res.returncode == 2 and f"{flag} expects a whole number ≥ 1, got 0" in res.stderr
    assert "Traceback" not in res.stderr and not out.exists()


def test_scan_with_two_jobs_writes_the_findings_of_one(tmp_path, sample_dir):
    for name, extra in (("one", []), ("two", ["--jobs", "2"])):
        res = run("scan", str(sample_dir), "--out", str(tmp_path / name), *extra)
        assert res.returncode == 0, res.stderr
    one, two = ((tmp_path / n / "findings.csv").read_bytes() for n in ("one", "two"))
    assert one == two and one.count(b"\n") > 100
