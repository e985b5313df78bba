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
