"""The register from the command line, with real processes: parallel users, a killed ingest, exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fiscalrisk.register import Register

from .conftest import finding, make_scan

FISCALRISK = [sys.executable, "-m", "fiscalrisk.cli"]


def run(*args: str, db: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*FISCALRISK, "register", *args, "--db", db], capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def ready(db_url: str, tmp_path: Path) -> str:
    run("init", db=db_url)
    run("user", "add", "wang", "--role", "supervisor", "--region", "330500", db=db_url)
    scan = make_scan(tmp_path / "scan", "2025-01-31", [finding("PAY07", "U1", "P1", "2025-01", 10.0)])
    run("ingest", str(scan), "--today", "2025-02-03", db=db_url)
    return db_url


def _events(db: str) -> int:
    reg = Register(db)
    try:
        return reg.audit().events
    finally:
        reg.engine.dispose()


def _start(*args: str, db: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*FISCALRISK, "register", *args, "--db", db], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("with_version", [True, False], ids=["expect-version", "as-read"])
def test_parallel_users_on_one_case_apply_one_move(ready: str, with_version: bool) -> None:
    """Four people dispatch the same case at once: one succeeds, three are told, nothing twice."""
    before = _events(ready)
    extra = ["--expect-version", "1"] if with_version else []
    procs = [_start("act", "1", "dispatch", "--user", "wang", "--today", "2025-02-04", *extra, db=ready)
             for _ in range(4)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2, 2, 2], results
    for code, _, err in results:
        if code == 2:
            assert "Traceback" not in err
            assert ("changed since you looked" in err and "wang (dispatch)" in err) or "is dispatched" in err, err
    assert _events(ready) == before + 1
    listed = json.loads(run("list", "--format", "json", db=ready).stdout)
    assert listed[0]["state"] == "dispatched" and listed[0]["version"] == 2


def test_an_ingest_killed_halfway_leaves_the_register_as_it_was(ready: str, tmp_path: Path) -> None:
    rows = [finding("PAY07", "U1", f"P{i:05d}", "2025-02", float(i + 1)) for i in range(6000)]
    big = make_scan(tmp_path / "big", "2025-02-28", rows)
    before_events = _events(ready)
    before_list = run("list", "--format", "json", db=ready).stdout
    proc = subprocess.Popen([*FISCALRISK, "register", "ingest", str(big), "--db", ready], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:  # the merge reports its progress; kill it once half is merged
        if line.startswith("merging findings:"):
            done, total = (int(x.replace(",", "")) for x in line.split(":")[1].split(" of "))
            if done * 2 >= total:
                os.kill(proc.pid, signal.SIGKILL)
                break
    assert proc.wait(timeout=60) == -signal.SIGKILL, "the ingest finished before it could be killed"
    assert run("list", "--format", "json", db=ready).stdout == before_list
    assert _events(ready) == before_events
    assert "intact" in run("audit", db=ready).stdout
    again = run("ingest", str(big), db=ready)
    assert "new 6,000" in again.stdout and "cleared_by_data 1" in again.stdout


def test_bad_requests_exit_2_with_one_sentence_and_write_nothing(ready: str, tmp_path: Path) -> None:
    before = _events(ready)
    cases = [
        (["act", "99", "confirm", "--user", "wang"], "case 99: no such case"),
        (["act", "1", "close", "--user", "wang"], "'close' is not allowed"),
        (["act", "1", "dispatch", "--user", "nobody"], "no such user"),
        (["act", "1", "dispatch", "--user", "wang", "--today", "2025/02/03"], "YYYY-MM-DD"),
        (["act", "1", "dismiss", "--user", "wang", "--reason", "because"], "data_error, legitimate"),
        (["ingest", str(tmp_path / "nowhere")], "not a scan directory"),
        (["exempt", "--indicator", "PAY99", "--unit", "U1", "--until", "2025-12-31", "--reason", "x", "--user", "wang"],
         "no such indicator"),
        (["list", "--region", "999"], "no such region"),
    ]
    for args, message in cases:
        done = run(*args, db=ready, check=False)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
        assert done.stderr.count("\n") == 1, done.stderr
    assert _events(ready) == before


def test_audit_exits_1_naming_the_first_tampered_event(ready: str) -> None:
    assert run("audit", db=ready).returncode == 0
    from sqlalchemy import text

    reg = Register(ready)
    with reg.engine.begin() as conn:
        if reg.engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE events SET user_name = 'mallory' WHERE seq = 2"))
    reg.engine.dispose()
    done = run("audit", db=ready, check=False)
    assert done.returncode == 1 and "event 2" in done.stdout


def test_show_and_list_formats(ready: str) -> None:
    run("act", "1", "dispatch", "--user", "wang", "--today", "2025-02-03", db=ready)
    shown = run("show", "1", db=ready).stdout
    assert "dispatched" in shown and "history (3 events)" not in shown and "dispatch" in shown
    as_csv = run("list", "--format", "csv", "--today", "2025-03-05", db=ready).stdout.splitlines()
    header = as_csv[0].split(",")
    for column in ("case_id", "finding_id", "indicator", "level", "region_code", "unit_code", "state",
                   "dispatched_on", "due_on", "overdue", "escalated_to", "cleared_by_data", "reopened"):
        assert column in header
    row = dict(zip(header, as_csv[1].split(","), strict=False))
    assert row["overdue"] == "True" and row["escalated_to"] == "330521" and row["due_on"] == "2025-02-18"
    overdue = json.loads(run("list", "--overdue", "--format", "json", "--today", "2025-02-18", db=ready).stdout)
    assert overdue == []


def test_the_loop_on_a_real_scan_of_the_sample(tmp_path: Path, sample_scan: Path) -> None:
    """The README's five commands on the committed sample, on SQLite."""
    db = f"sqlite:///{tmp_path / 'r.db'}"
    run("init", db=db)
    run("user", "add", "wang", "--role", "supervisor", "--region", "330500", db=db)
    out = run("ingest", str(sample_scan), "--today", "2026-07-03", db=db).stdout
    findings = json.loads((sample_scan / "manifest.json").read_text(encoding="utf-8"))["counts"]["findings"]
    assert f"new {findings:,}" in out
    first = json.loads(run("list", "--region", "330521", "--format", "json", db=db).stdout)[0]
    run("act", str(first["case_id"]), "dispatch", "--user", "wang", "--today", "2026-07-03", db=db)
    listed = json.loads(run("list", "--region", "330521", "--overdue", "--today", "2026-08-31", "--format", "json",
                            db=db).stdout)
    assert [c["case_id"] for c in listed] == [first["case_id"]]
