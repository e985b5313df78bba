"""Exchange workbooks: written for the units, answered (also through LibreOffice), imported all or nothing."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from fiscalrisk.register import Register
from fiscalrisk.register.workbooks import LOCKED, OPEN, SHEET, check_value, import_answers, write_tasks

from .conftest import finding, make_scan

NAMES = [c for c, _ in (*LOCKED, ("check", ""), *OPEN)]
HOSTILE = '=HYPERLINK("http://example.invalid","点我")'


@pytest.fixture
def desk(db_url: str, tmp_path: Path) -> Register:
    """Three dispatched cases: two of unit U1 (one with a hostile message), one of U3; one open case of U1."""
    reg = Register(db_url)
    reg.init()
    reg.add_user("wang", "supervisor", region="330500")
    f1 = finding("PAY07", "U1", "P1", "2025-01", 100.0)
    f1["message_zh"] = HOSTILE
    f1["message_en"] = "a control character\x01 from an export"  # a workbook cannot hold it
    rows = [f1, finding("PAY06", "U1", "P2", "2025-01", 290000.0), finding("PAY07", "U3", "P3", "2025-01", 50.0),
            finding("CON01", "U1", "K9", "2025", 1.0)]
    reg.ingest(make_scan(tmp_path / "scan", "2025-01-31", rows), today="2025-02-03")
    reg.add_user("u1", "unit", unit="U1", by="wang")
    reg.add_user("u3", "unit", unit="U3", by="wang")
    ids = {r["subject_id"]: c for r, c in zip(rows, (_id(reg, r) for r in rows), strict=True)}
    for subject in ("P1", "P2", "P3"):
        reg.act(ids[subject], "dispatch", user="wang", today="2025-02-03")
    reg.ids = ids
    yield reg
    reg.engine.dispose()


def _id(reg: Register, f: dict) -> int:
    frame = reg.cases()
    return int(frame.loc[frame["finding_id"] == f["finding_id"], "case_id"].iloc[0])


def _answer(path: Path, answers: dict[int, dict[str, object]], out: Path | None = None) -> Path:
    """Fill the open columns as a unit officer would (the sheet stays protected; open cells are unlocked)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    for row in ws.iter_rows(min_row=2):
        cid = int(row[0].value)
        for col, value in answers.get(cid, {}).items():
            row[NAMES.index(col)].value = value
    target = out or path
    wb.save(target)
    return target


def test_tasks_write_one_workbook_per_unit_that_a_person_can_work_in(desk: Register, tmp_path: Path) -> None:
    written = write_tasks(desk, "330500", tmp_path / "tasks", today="2025-02-04")
    assert sorted(written) == ["U1", "U3"]
    wb = openpyxl.load_workbook(written["U1"])
    ws = wb[SHEET]
    assert ws.freeze_panes == "B2" and ws.protection.sheet
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows) == sorted([desk.ids["P1"], desk.ids["P2"]])   # dispatched only: not K9
    for row in ws.iter_rows(min_row=2):
        for cell, col in zip(row, NAMES, strict=False):
            assert cell.protection.locked == (col not in dict(OPEN)), col
            assert cell.data_type != "f"
    assert any(r[NAMES.index("message_zh")] == HOSTILE for r in rows)           # kept, as text
    assert "a control character from an export" in [r[NAMES.index("message_en")] for r in rows]
    assert ws.column_dimensions["G"].width >= 40
    validations = ws.data_validations.dataValidation
    assert any(v.type == "list" and "说明理由 explanation" in v.formula1 for v in validations)
    assert wb["fiscalrisk"].sheet_state == "hidden"
    due = rows[0][NAMES.index("due_on")]
    assert due == "2025-02-18"


def test_answers_are_imported_and_recorded_under_the_user(desk: Register, tmp_path: Path) -> None:
    written = write_tasks(desk, "330500", tmp_path / "tasks")
    _answer(written["U1"], {desk.ids["P1"]: {"response": "已整改 rectified", "answer": "已追回", "amount": 100},
                            desk.ids["P2"]: {"response": "说明理由 explanation", "answer": "分期合同"}})
    applied, problems = import_answers(desk, [written["U1"]], user="u1", today="2025-02-10")
    assert problems.empty and applied == 2
    case, history = desk.show(desk.ids["P1"])
    assert case["state"] == "responded" and case["response"] == "rectified" and case["rectified_amount"] == 100.0
    assert history.iloc[-1]["user_name"] == "u1" and history.iloc[-1]["note"] == "已追回"
    assert desk.show(desk.ids["P3"])[0]["state"] == "dispatched"


def _problems(desk: Register, files: list[Path], user: str = "u1"):
    before = desk.audit().events
    applied, problems = import_answers(desk, files, user=user)
    assert applied == 0 and desk.audit().events == before, "nothing may be applied when a row is wrong"
    return problems


def _forge_row(path: Path, case_id: int) -> None:
    """Add a row a person made by hand but with a check value recomputed: the register must still refuse it."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    locked = [case_id, "PAY07", "", "", "红色预警 alert", "2025-01", "x", "x", "", "2025-02-18", "dispatched"]
    ws.append([*locked, check_value(locked), "说明理由 explanation", "x", None, None])
    wb.save(path)


def test_every_bad_row_is_a_problem_and_nothing_is_applied(desk: Register, tmp_path: Path) -> None:
    written = write_tasks(desk, "330500", tmp_path / "tasks")
    u1 = written["U1"]
    good = {"response": "说明理由 explanation", "answer": "ok"}
    _answer(u1, {desk.ids["P1"]: good, desk.ids["P2"]: {"response": "随便 whatever", "amount": "十万"}})
    table = _problems(desk, [u1])
    assert list(table["column"]) == ["response"] and table.iloc[0]["row"] in (2, 3)
    _answer(u1, {desk.ids["P2"]: {"response": "已整改 rectified", "amount": "十万"}})
    assert list(_problems(desk, [u1])["column"]) == ["amount"]
    # an edited locked cell
    wb = openpyxl.load_workbook(u1)
    wb[SHEET].cell(row=2, column=NAMES.index("message_en") + 1).value = "nothing to see"
    wb.save(tmp_path / "edited.xlsx")
    table = _problems(desk, [tmp_path / "edited.xlsx"])
    assert "locked cell" in table.iloc[0]["expected"]
    # a case of another unit, an unknown case, rows added by hand
    fresh = write_tasks(desk, "330500", tmp_path / "fresh")["U1"]
    _forge_row(fresh, desk.ids["P3"])
    _forge_row(fresh, 999)
    wb = openpyxl.load_workbook(fresh)
    wb[SHEET].append([None, "PAY07", "", "", "", "", "", "", "", "", "", None, "说明理由 explanation", "hand"])
    wb.save(fresh)
    table = _problems(desk, [fresh])
    expected = table["expected"].tolist()
    assert any("a case of unit U1 (it belongs to U3)" in e for e in expected)
    assert any("there is no such case" in e for e in expected)
    assert any("rows cannot be added by hand" in e for e in expected)


def test_a_case_no_longer_awaiting_an_answer_is_refused(desk: Register, tmp_path: Path) -> None:
    u1 = write_tasks(desk, "330500", tmp_path / "tasks")["U1"]
    desk.act(desk.ids["P1"], "confirm", user="wang", today="2025-02-05")
    _answer(u1, {desk.ids["P1"]: {"response": "说明理由 explanation"}})
    table = _problems(desk, [u1])
    assert table.iloc[0]["column"] == "state" and table.iloc[0]["value"] == "confirmed"


def test_workbooks_that_are_not_ours_are_refused_whole(desk: Register, tmp_path: Path) -> None:
    u1 = write_tasks(desk, "330500", tmp_path / "tasks")["U1"]
    other = openpyxl.Workbook()
    other.active.append(["case_id", "response"])
    other.save(tmp_path / "other.xlsx")
    renamed = openpyxl.load_workbook(u1)
    renamed[SHEET].title = "Sheet1"
    renamed.save(tmp_path / "renamed.xlsx")
    locked = tmp_path / "protected.xlsx"  # an encrypted workbook is an OLE compound file, not a zip
    locked.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504)
    shutil.copy(u1, tmp_path / "copy.xlsx")
    table = _problems(desk, [tmp_path / "other.xlsx", tmp_path / "renamed.xlsx", locked, u1, tmp_path / "copy.xlsx"])
    by_file = dict(zip(table["file"], table["expected"], strict=True))
    assert "no 'fiscalrisk' sheet" in by_file["other.xlsx"]
    assert "a sheet named 'cases'" in by_file["renamed.xlsx"]
    assert "password-protected" in by_file["protected.xlsx"]
    assert "each workbook once" in by_file["copy.xlsx"]
    assert zipfile.is_zipfile(u1)


def test_the_cli_exits_2_with_the_table(desk: Register, tmp_path: Path, capsys) -> None:
    from fiscalrisk import cli

    u1 = write_tasks(desk, "330500", tmp_path / "tasks")["U1"]
    _answer(u1, {desk.ids["P1"]: {"response": "nope"}})
    code = cli.main(["register", "import", str(u1), "--user", "u1", "--db", desk.url])
    err = capsys.readouterr().err
    assert code == 2 and "nothing was applied" in err and f"{u1.name}[cases]:" in err and "Traceback" not in err


def test_a_round_trip_through_libreoffice_stays_importable(desk: Register, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        message = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
        if __import__("os").environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    u1 = write_tasks(desk, "330500", tmp_path / "tasks")["U1"]
    answered = _answer(u1, {desk.ids["P1"]: {"response": "已整改 rectified", "answer": "退回", "amount": 100.5},
                            desk.ids["P2"]: {"response": "数据有误 data_error", "answer": "重复导入"}},
                       out=tmp_path / "answered.xlsx")
    out = tmp_path / "lo"
    done = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                           "--convert-to", "xlsx", "--outdir", str(out), str(answered)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and (out / "answered.xlsx").is_file(), done.stderr
    assert (out / "answered.xlsx").read_bytes() != answered.read_bytes()
    applied, problems = import_answers(desk, [out / "answered.xlsx"], user="u1", today="2025-02-10")
    assert problems.empty, problems.to_string()
    assert applied == 2
    assert desk.show(desk.ids["P1"])[0]["rectified_amount"] == 100.5
    assert desk.show(desk.ids["P2"])[0]["response"] == "data_error"
