"""`fiscalrisk export` / `fiscalrisk verify`: deterministic bundles that re-check themselves."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from fiscalrisk import cli, export, runner
from tests.reports.conftest import copy_data


@pytest.fixture(scope="module")
def bundle(report_run, tmp_path_factory) -> Path:
    return export.export_run(report_run.out_dir, tmp_path_factory.mktemp("bundle") / "run.zip")


@pytest.fixture
def commands(monkeypatch):
    monkeypatch.setattr(cli, "_EXTENSIONS", [runner.register, export.register])


def test_bundle_holds_the_run_and_is_deterministic(bundle, report_run, tmp_path):
    again = export.export_run(report_run.out_dir, tmp_path / "again.zip")
    assert again.read_bytes() == bundle.read_bytes()
    with zipfile.ZipFile(bundle) as z:
        names = z.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        for name in ("reports/330521/report.ipynb", "reports/330521/report.html", "reports/330521/findings.xlsx",
                     "scan/findings.csv", "scan/findings.parquet", "scan/scores.csv", "params/defaults.yaml",
                     "params-resolved.yaml", "inputs.json", "environment.lock", "manifest.json", "index.html",
                     "figures/330521-execution.png", "figures/330521-execution.svg"):
            assert name in names, name
        assert z.read("figures/330521-execution.png")[:8] == b"\x89PNG\r\n\x1a\n"
        # the whole scan the reports read: every file its manifest lists (values, series, reference)
        listed = json.loads(z.read("scan/manifest.json"))["files"]
        assert {"values/BUD01.parquet", "series/monthly_regions.parquet", "reference/units.parquet"} <= set(listed)
        assert {f"scan/{n}" for n in listed} <= set(names)
        lock = z.read("environment.lock").decode()
        assert "papermill==" in lock and "pandas==" in lock


def test_ro_crate_metadata_describes_every_file(bundle):
    with zipfile.ZipFile(bundle) as z:
        crate = json.loads(z.read("ro-crate-metadata.json"))
        names = set(z.namelist()) - {"ro-crate-metadata.json"}
    assert crate["@context"] == "https://w3id.org/ro/crate/1.1/context"
    graph = {e["@id"]: e for e in crate["@graph"]}
    assert graph["ro-crate-metadata.json"]["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.1"}
    root = graph["./"]
    assert root["@type"] == "Dataset" and root["datePublished"]
    assert {p["@id"] for p in root["hasPart"]} == names
    assert all(graph[n]["@type"] == "File" and len(graph[n]["sha256"]) == 64 for n in names)
    assert graph["#scan"]["@type"] == "CreateAction" and graph["#fiscalrisk"]["@type"] == "SoftwareApplication"
    assert any(i["@id"] == "#input-payments" for i in graph["#scan"]["object"])


def test_verify_reproduces_the_findings_byte_for_byte(bundle, commands, capsys):
    assert cli.main(["verify", str(bundle)]) == 0
    assert "identical" in capsys.readouterr().out


def test_verify_detects_a_tampered_findings_file(bundle, tmp_path, commands, capsys):
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "scan/findings.csv":
                lines = data.decode("utf-8").splitlines(keepends=True)
                removed = lines.pop(1)
                data = "".join(lines).encode("utf-8")
            dst.writestr(info, data)
    assert cli.main(["verify", str(tampered)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERENT" in out and removed.split(",")[0] in out


def test_verify_stops_when_the_data_is_not_the_recorded_data(bundle, report_data, tmp_path, commands, capsys):
    data = copy_data(report_data, tmp_path / "data")
    units = data / "units.csv"
    units.write_bytes(units.read_bytes() + b"\n")
    lines = units.read_text(encoding="utf-8").rstrip("\n").splitlines()
    first = lines[1].split(",")
    first[1] = first[1] + "（改）"
    lines[1] = ",".join(first)
    units.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli.main(["verify", str(bundle), "--data", str(data)]) == 2
    out = capsys.readouterr().out
    assert "INPUTS DIFFER" in out and "units" in out


def test_export_refuses_a_directory_that_is_not_a_run(tmp_path, commands, capsys):
    assert cli.main(["export", str(tmp_path), "--to", str(tmp_path / "x.zip")]) == 2
    assert "not a report run" in capsys.readouterr().err
