"""Staged writes of the output folders: lock, recovery after a kill, leftovers, path guard, full disk."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fiscalrisk import cli, runner, samples
from fiscalrisk.errors import UserError
from fiscalrisk.scan import OUTPUT_FILES, scan, write_scan

from .conftest import MINIMAL, write_tables
from .reports.conftest import trivial_template

DEAD_PID = 99999999  # above any kernel's pid_max: never a running process


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tables(tmp_path_factory.mktemp("staging") / "data", MINIMAL)


@pytest.fixture(scope="module")
def dataset(data_dir: Path):
    return cli.load_or_explain(str(data_dir))


@pytest.fixture(scope="module")
def scan_result(dataset):
    return scan(dataset)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------------------ kill between renames
def test_a_scan_killed_between_the_two_renames_is_recovered_by_the_next_scan(tmp_path, scan_result, capsys):
    prev = write_scan(scan_result, tmp_path / "prev")
    prev.rename(tmp_path / f".out.old-{DEAD_PID}")  # killed after X → .X.old-PID, before tmp → X
    out = write_scan(scan_result, tmp_path / "out")
    assert sorted(_files(out)) == sorted(OUTPUT_FILES)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert _names(tmp_path) == ["out"]  # the old leftover is gone, no lock file, no stage
    assert f".out.old-{DEAD_PID}" in capsys.readouterr().err  # the restoration is said


def test_a_failing_run_still_restores_the_output_a_killed_run_left_in_old(tmp_path, scan_result, monkeypatch):
    prev = write_scan(scan_result, tmp_path / "prev")
    before = _files(prev)
    prev.rename(tmp_path / f".out.old-{DEAD_PID}")
    monkeypatch.setattr(pd.DataFrame, "to_parquet", lambda *a, **k: (_ for _ in ()).throw(OSError("x")))
    with pytest.raises(OSError):
        write_scan(scan_result, tmp_path / "out")
    assert _files(tmp_path / "out") == before
    assert _names(tmp_path) == ["out"]


def test_a_report_killed_between_the_two_renames_is_recovered_and_its_stale_stage_removed(
        tmp_path, data_dir, scan_result):
    scan_dir = write_scan(scan_result, tmp_path / "scan")
    old = tmp_path / "reports" / f".out.old-{DEAD_PID}"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text(json.dumps({"kind": runner.REPORT_MARKER}), encoding="utf-8")
    (tmp_path / "reports" / f".out.partial-{DEAD_PID - 1}" / "330521").mkdir(parents=True)
    result = runner.run_reports(data_dir, tmp_path / "reports" / "out", scan_dir=scan_dir, regions=["330521"],
                                template=trivial_template(tmp_path / "t.ipynb", "print(region)"), progress=False)
    assert result.exit_code == 0
    assert (tmp_path / "reports" / "out" / "330521" / "report.html").is_file()
    assert _names(tmp_path / "reports") == ["out"]
    assert [p.name for p in (tmp_path / "reports" / "out").rglob(".*")] == []  # no lock file inside


# ------------------------------------------------------------------------------ leftovers
def test_leftovers_of_dead_runs_are_removed_and_nothing_else(tmp_path, scan_result):
    write_scan(scan_result, tmp_path / "out")
    for name in (f".out.tmp-{DEAD_PID}", f".out.partial-{DEAD_PID - 1}", f".out.old-{DEAD_PID - 2}"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "findings.csv").write_text("half written", encoding="utf-8")
    (tmp_path / f".out.tmp-{DEAD_PID - 3}").write_text("a file", encoding="utf-8")
    live = f".out.tmp-{os.getppid()}"  # a running process: maybe still writing
    kept = [live, ".out.keep", ".out.tmp-abc", ".other.tmp-99999999", "out.tmp-99999999", ".out.tmp-1-2"]
    for name in kept:
        (tmp_path / name).mkdir()
        (tmp_path / name / "mine.txt").write_text("keep me", encoding="utf-8")
    write_scan(scan_result, tmp_path / "out")
    assert _names(tmp_path) == sorted(["out", *kept])
    assert all((tmp_path / n / "mine.txt").read_text(encoding="utf-8") == "keep me" for n in kept)


def test_sample_removes_leftovers_of_earlier_runs_and_recovers_a_killed_swap(tmp_path):
    old = tmp_path / f".smp.old-{DEAD_PID}"
    old.mkdir()
    (old / "labels.csv").write_text("indicator,subject_type,subject_id\n", encoding="utf-8")
    legacy = tmp_path / ".smp.k3j_x9a2"  # the staging folder of an older run (tempfile.mkdtemp)
    legacy.mkdir()
    (legacy / "payments.csv").write_text("payment_id\n", encoding="utf-8")
    mine = tmp_path / ".smp.notes123"  # same shape of name, not a sample's: kept
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    samples.write(tmp_path / "smp", seed=0, size="small")
    assert (tmp_path / "smp" / "labels.csv").stat().st_size > 100
    assert _names(tmp_path) == [".smp.notes123", "smp"]


# ------------------------------------------------------------------------------ lock
HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, f"{os.getpid()}\\nfiscalrisk scan data --out out\\n".encode())
print("locked", flush=True)
time.sleep(120)
"""


def test_a_held_lock_makes_a_second_scan_exit_2_naming_the_holder(tmp_path, data_dir, scan_result, capsys):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / ".out.lock")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert cli.main(["scan", str(data_dir), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert str(out) in err and f"PID {holder.pid}" in err
        assert "Traceback" not in err and "internal error" not in err
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    write_scan(scan_result, out)  # the holder is gone: its lock file is taken over, then removed
    assert _names(tmp_path) == ["out"]


# ------------------------------------------------------------------------------ path guard
@pytest.mark.parametrize("code", ["..", "../pwn", "ABSOLUTE"])
def test_a_region_code_that_is_not_a_code_is_refused_by_the_report_writer(tmp_path, dataset, scan_result,
                                                                       monkeypatch, code):
    if code == "ABSOLUTE":
        code = str(tmp_path / "x")  # like /tmp/x, inside this test's folder
    # validation bypassed: the hostile code sits in the scan directory's region tree, which the reports read
    ref = dict(scan_result.reference)
    extra = pd.DataFrame({c: [""] for c in ref["regions"].columns})
    extra = extra.assign(region_code=code, name="p", level="county", parent_code="330500")
    ref["regions"] = pd.concat([ref["regions"], extra.astype(ref["regions"].dtypes.to_dict())], ignore_index=True)
    scan_dir = write_scan(dataclasses.replace(scan_result, reference=ref), tmp_path / "scan")
    (tmp_path / "reports").mkdir()
    with pytest.raises(UserError, match="cannot name a file or folder"):
        runner.run_reports(None, tmp_path / "reports" / "out", scan_dir=scan_dir, regions=[code],
                           template=trivial_template(tmp_path / "t.ipynb", "1"), progress=False)
    assert _names(tmp_path / "reports") == []
    assert _names(tmp_path) == ["reports", "scan", "t.ipynb"]


def test_export_refuses_a_region_of_the_manifest_that_is_not_a_code(tmp_path):
    from fiscalrisk.export import export_run

    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "report.html").write_text("not for the bundle", encoding="utf-8")
    out = tmp_path / "run"
    (out / "scan").mkdir(parents=True)
    (out / "scan" / "manifest.json").write_text("{}", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(
        {"kind": "fiscalrisk report", "regions": {"../secret": {"status": "failed"}}}), encoding="utf-8")
    with pytest.raises(UserError, match="cannot name a file or folder"):
        export_run(out, tmp_path / "bundle.zip", figures=False)
    assert not (tmp_path / "bundle.zip").exists()


def test_safe_child_accepts_codes_and_refuses_everything_else(tmp_path):
    from fiscalrisk.staging import UnsafeNameError, safe_child

    assert safe_child(tmp_path, "330521_a-1") == tmp_path / "330521_a-1"
    (tmp_path / "link").symlink_to(tmp_path.parent)
    for bad in ["..", ".", "../x", "/tmp/x", "a/b", "", "a" * 65, "x\n", ".hidden", 330521, None, "link"]:
        with pytest.raises(UnsafeNameError):
            safe_child(tmp_path, bad)


# ------------------------------------------------------------------------------ full disk
def test_a_full_disk_gives_a_clear_message_and_keeps_the_previous_output(tmp_path, data_dir, scan_result,
                                                                        monkeypatch, capsys):
    out = write_scan(scan_result, tmp_path / "out")
    before = _files(out)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    assert cli.main(["scan", str(data_dir), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"the disk is full: could not write {out}" in err
    assert "Traceback" not in err and "internal error" not in err
    assert _files(out) == before
    assert _names(tmp_path) == ["out"]
