"""Exchange workbooks: what units receive and send back (``shared/spec/register.md``, last section).

``write_tasks`` writes one .xlsx per unit with the unit's cases awaiting an answer (dispatched). The
sheet ``cases`` holds the case in locked columns and the unit's answer in open ones (a response type
from a drop-down, text, the amount put right, a document reference); each row carries a check value
over its locked cells. A hidden sheet ``fiscalrisk`` says what the workbook is (the product, the unit,
when it was written).

``read_answers`` checks every row of every workbook and returns the answers, or the table of every
problem (file, sheet, row, column, value, expected); :meth:`Register.act_many` then applies all of them
in one transaction, or none. Text from the data is written as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fiscalrisk.data.limits import SAFE_CODE

from .core import Action, Register, RegisterError

__all__ = ["write_tasks", "read_answers", "import_answers", "RESPONSE_LABELS", "SHEET", "LOCKED", "OPEN"]

SHEET = "cases"
META = "fiscalrisk"
MARKER = "fiscalrisk exchange workbook v1"
#: (column, header shown) of the locked part, in order; the check value covers these cells
LOCKED = (
    ("case_id", "案件编号 case id"), ("indicator", "指标 indicator"), ("indicator_zh", "指标名称"),
    ("indicator_en", "indicator name"), ("level", "预警级别 level"), ("period", "期间 period"),
    ("message_zh", "预警信息"), ("message_en", "message"), ("evidence", "依据摘要 evidence"),
    ("due_on", "反馈期限 deadline"), ("state", "状态 state"),
)
CHECK = ("check", "校验值 check")
#: (column, header) of the answer part, open to the unit
OPEN = (("response", "反馈类型 response"), ("answer", "反馈说明 answer"), ("amount", "整改金额 amount (元)"),
        ("document", "文件编号 document"))
#: drop-down label → response type of the register
RESPONSE_LABELS = {"已整改 rectified": "rectified", "说明理由 explanation": "explanation", "数据有误 data_error": "data_error"}
_LEVEL_ZH = {"alert": "红色预警 alert", "warning": "黄色预警 warning"}
_WIDTHS = {"case_id": 10, "indicator": 9, "indicator_zh": 18, "indicator_en": 24, "level": 14, "period": 10,
           "message_zh": 50, "message_en": 50, "evidence": 40, "due_on": 12, "state": 12, "check": 18,
           "response": 22, "answer": 40, "amount": 16, "document": 18}


def _text(value: Any) -> str:
    """A cell's value as the text it stands for (LibreOffice and Excel may turn '17' into 17.0, dates into dates)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def check_value(cells: Sequence[Any]) -> str:
    """The row's check value: the first 16 hex digits of SHA-256 over its locked cells, as text."""
    return hashlib.sha256(json.dumps([_text(c) for c in cells], ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _evidence_summary(evidence: str, limit: int = 300) -> str:
    try:
        data = json.loads(evidence)
    except ValueError:
        return evidence[:limit]
    parts = [f"{k}: {json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}" for k, v in data.items()] \
        if isinstance(data, dict) else [str(data)]
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _file_name(unit: str) -> str:
    # a unit code names its workbook only if it is a safe code; any other gets a name made from its hash
    if SAFE_CODE.fullmatch(unit):
        return f"{unit}.xlsx"
    return f"unit-{hashlib.sha256(unit.encode('utf-8')).hexdigest()[:12]}.xlsx"


def write_tasks(reg: Register, region: str, out_dir: str | Path, *, user: str | None = None,
                today: dt.date | str | None = None) -> dict[str, Path]:
    """One workbook per unit of ``region``'s subtree with its cases awaiting an answer; unit → path.

    ``user``: only the cases that user may see. The folder is written whole or not at all.
    """
    from fiscalrisk.cells import without_control_characters
    from fiscalrisk.indicators import registry
    from fiscalrisk.staging import StagedOutput

    today = dt.date.fromisoformat(str(today)) if today else dt.date.today()
    frame = reg.scope_cases(user, region=region, state="dispatched", today=today) if user else \
        reg.cases(region=region, state="dispatched", today=today)
    frame = frame.loc[frame["unit_code"].notna() & (frame["unit_code"].astype(str) != "")]
    specs = {s.code: s for s in registry.specs()}
    written: dict[str, Path] = {}
    out = Path(out_dir)
    with StagedOutput(out, kind="tmp", check=_check_tasks_folder) as stage:
        for unit, cases in frame.groupby("unit_code", sort=True):
            rows = []
            for c in cases.to_dict("records"):  # the case list holds every column of the case
                spec = specs.get(c["indicator"])
                rows.append({"case_id": int(c["case_id"]), "indicator": c["indicator"],
                             "indicator_zh": spec.name_zh if spec else "", "indicator_en": spec.name_en if spec else "",
                             "level": _LEVEL_ZH.get(c["level"], c["level"]), "period": c["period"],
                             "message_zh": c["message_zh"], "message_en": c["message_en"],
                             "evidence": _evidence_summary(c["evidence"]), "due_on": str(c["due_on"] or ""),
                             "state": c["state"]})
            # a workbook cannot hold control characters (openpyxl refuses them): text from the data loses them
            rows = without_control_characters(pd.DataFrame(rows)).astype(object).to_dict("records")
            name = _file_name(str(unit))
            _write_workbook(stage / name, str(unit), rows, today)
            written[str(unit)] = out / name
    return written


def _check_tasks_folder(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not all(p.suffix == ".xlsx" for p in out.iterdir()):
        raise RegisterError(f"{out}: not empty and not a folder of exchange workbooks; refusing to replace it")


def _write_workbook(path: Path, unit: str, rows: list[dict[str, Any]], today: dt.date) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from fiscalrisk.cells import formulas_to_text

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    columns = [*LOCKED, CHECK, *OPEN]
    ws.append([h for _, h in columns])
    for row in rows:
        locked = [row[c] for c, _ in LOCKED]
        ws.append([*locked, check_value(locked), *([None] * len(OPEN))])
    head_fill, open_fill = PatternFill("solid", fgColor="DDE4EE"), PatternFill("solid", fgColor="FFF7D6")
    for i, (col, _) in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = _WIDTHS.get(col, 14)
        header = ws.cell(row=1, column=i)
        header.font, header.fill = Font(bold=True), head_fill
        header.alignment = Alignment(wrap_text=True, vertical="top")
        is_open = col in dict(OPEN)
        for r in range(2, len(rows) + 2):
            cell = ws.cell(row=r, column=i)
            cell.alignment = Alignment(wrap_text=col in ("message_zh", "message_en", "evidence", "answer"), vertical="top")
            if is_open:
                cell.protection = Protection(locked=False)
                cell.fill = open_fill
            else:
                cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
    n = len(rows) + 1
    kinds = DataValidation(type="list", formula1='"' + ",".join(RESPONSE_LABELS) + '"', allow_blank=True,
                           showErrorMessage=True, errorTitle="反馈类型 response",
                           error="请从下拉列表中选择 / choose from the list")
    amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                             showErrorMessage=True, error="金额应为非负数 / a non-negative amount")
    ws.add_data_validation(kinds)
    ws.add_data_validation(amounts)
    letters = {col: get_column_letter(i) for i, (col, _) in enumerate(columns, start=1)}
    if rows:
        kinds.add(f"{letters['response']}2:{letters['response']}{n}")
        amounts.add(f"{letters['amount']}2:{letters['amount']}{n}")
    ws.freeze_panes = "B2"
    ws.protection.sheet = True  # locked cells cannot be edited by mistake; the open columns can
    ws.protection.formatColumns = False
    meta = wb.create_sheet(META)
    for key, value in (("kind", MARKER), ("unit_code", unit), ("written", today.isoformat()), ("rows", len(rows))):
        meta.append([key, value])
    meta.sheet_state = "hidden"
    formulas_to_text(wb)  # a message or a unit named "=HYPERLINK(...)" stays text
    wb.save(path)


# ------------------------------------------------------------------------------------------ reading
@dataclass(frozen=True)
class _Problem:
    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    expected: str


def read_answers(reg: Register, files: Iterable[str | Path], *, user: str) -> tuple[list[Action], pd.DataFrame]:
    """The answers in ``files`` (one respond :class:`Action` per answered row) and the problems table.

    A workbook is refused whole if it is not an exchange workbook of this product (another product's
    .xlsx, a password-protected file, a renamed sheet), or given twice. A row is a problem if its case is
    unknown, of another unit, no longer awaiting an answer, or changed since the workbook was written;
    if a locked cell was edited (its check value disagrees); if its response type is not in the list or
    its amount not a non-negative number; or if it was added by hand (no case id or check value).
    """
    problems: list[_Problem] = []
    answers: list[Action] = []
    seen_files: dict[str, str] = {}
    seen_cases: dict[int, str] = {}
    visible = set(reg.scope_cases(user)["case_id"].astype(int))
    everything = reg.cases().set_index("case_id")
    names = [c for c, _ in (*LOCKED, CHECK, *OPEN)]
    for f in files:
        path = Path(f)
        name = path.name

        def problem(row: int | None, column: str, value: Any, expected: str, sheet: str = SHEET,
                    name: str = name) -> None:
            problems.append(_Problem(name, sheet, row, column, _text(value)[:80], expected))

        opened = _exchange_rows(path, seen_files, problem)
        if opened is None:
            continue
        unit, rows = opened
        for number, raw in enumerate(rows[1:], start=2):
            values = dict(zip(names, list(raw) + [None] * (len(names) - len(raw)), strict=False))
            if all(_text(v) == "" for v in values.values()):
                continue
            answer = _row_answer(number, values, workbook=name, unit=unit, user=user, seen_cases=seen_cases,
                                 everything=everything, visible=visible, problem=problem)
            if answer is not None:
                answers.append(answer)
    table = pd.DataFrame([p.__dict__ for p in problems], columns=["file", "sheet", "row", "column", "value", "expected"])
    return answers, table


def _exchange_rows(path: Path, seen_files: dict[str, str],
                   problem: Callable[..., None]) -> tuple[str, list[tuple[Any, ...]]] | None:
    """The unit and the rows (header first) of the exchange workbook at ``path``; None, with its problem
    recorded, for a file that is missing, given twice, not an exchange workbook or with its sheet renamed
    or its header changed."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    if not path.is_file():
        problem(None, "", str(path), "an existing .xlsx file", sheet="")
        return None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest in seen_files:
        problem(None, "", name, f"each workbook once (the same file as {seen_files[digest]})", sheet="")
        return None
    seen_files[digest] = name
    try:
        wb = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        # an encrypted (password-protected) workbook is an OLE container, not a zip
        what = "it is password-protected or not an .xlsx file" if not zipfile.is_zipfile(path) else str(exc)[:60]
        problem(None, "", name, f"an exchange workbook written by `fiscalrisk register tasks` ({what})", sheet="")
        return None
    meta = {str(r[0].value): _text(r[1].value) for r in wb[META].iter_rows(max_col=2)} if META in wb.sheetnames else {}
    if meta.get("kind") != MARKER:
        problem(None, "", name, "an exchange workbook written by `fiscalrisk register tasks` "
                f"(it has no '{META}' sheet saying so)", sheet="")
        return None
    if SHEET not in wb.sheetnames:
        problem(None, "", ", ".join(wb.sheetnames), f"a sheet named '{SHEET}' (was it renamed?)", sheet="")
        return None
    unit = meta.get("unit_code", "")
    ws = wb[SHEET]
    rows = list(ws.iter_rows(values_only=True))
    headers = [h for _, h in (*LOCKED, CHECK, *OPEN)]
    if not rows or [_text(h) for h in rows[0][: len(headers)]] != headers:
        problem(1, "", " | ".join(_text(h) for h in (rows[0] if rows else ())), "the header row as written")
        return None
    return unit, rows


def _row_answer(number: int, values: dict[str, Any], *, workbook: str, unit: str, user: str,
                seen_cases: dict[int, str], everything: pd.DataFrame, visible: set[int],
                problem: Callable[..., None]) -> Action | None:
    """The respond :class:`Action` of one filled-in row; None for a row not answered yet, or with its
    problem recorded (see :func:`read_answers`)."""
    locked = [values[c] for c, _ in LOCKED]
    case_text = _text(values["case_id"])
    if not case_text or not _text(values["check"]):
        problem(number, "case_id", case_text, "a row written by fiscalrisk (a case id and a check value); "
                "rows cannot be added by hand")
        return None
    if check_value(locked) != _text(values["check"]):
        problem(number, "check", values["check"], "the check value of the locked cells as written "
                "(a locked cell of this row was edited)")
        return None
    cid = int(case_text) if case_text.isdigit() else -1
    if cid in seen_cases:
        problem(number, "case_id", case_text, f"each case once (also in {seen_cases[cid]})")
        return None
    seen_cases[cid] = workbook
    response = _text(values["response"])
    if not response and not _text(values["answer"]) and not _text(values["amount"]):
        return None  # not answered (yet)
    if cid not in everything.index:
        problem(number, "case_id", case_text, "a case of the register (there is no such case)")
        return None
    case = everything.loc[cid]
    if str(case["unit_code"]) != unit:
        problem(number, "case_id", case_text, f"a case of unit {unit} (it belongs to {case['unit_code']})")
        return None
    if cid not in visible:
        problem(number, "case_id", case_text, f"a case that user {user!r} may answer (outside their scope)")
        return None
    if case["state"] != "dispatched":
        problem(number, "state", case["state"], "a case awaiting the unit's answer (dispatched); it is "
                f"{case['state']} now")
        return None
    kind = RESPONSE_LABELS.get(response, response if response in RESPONSE_LABELS.values() else None)
    if kind is None:
        problem(number, "response", response, "one of " + ", ".join(RESPONSE_LABELS))
        return None
    amount_text = _text(values["amount"]).replace(",", "")
    amount = None
    if amount_text:
        if not re.fullmatch(r"\d+(\.\d+)?", amount_text):
            problem(number, "amount", values["amount"], "a non-negative number (yuan)")
            return None
        amount = float(amount_text)
    return Action(cid, "respond", note=_text(values["answer"]), reason=kind, amount=amount,
                  extra={"workbook": workbook, "row": number, "document": _text(values["document"])})


def import_answers(reg: Register, files: Iterable[str | Path], *, user: str,
                   today: dt.date | str | None = None) -> tuple[int, pd.DataFrame]:
    """Check every workbook, then apply every answer in one transaction; (answers applied, problems).

    With any problem nothing is applied (the count is 0 and the table lists them all)."""
    answers, problems = read_answers(reg, files, user=user)
    if len(problems):
        return 0, problems
    if answers:
        reg.act_many(answers, user=user, today=today)
    return len(answers), problems


def format_problems(problems: pd.DataFrame) -> str:
    """The problems table as lines: file[sheet]:row column 'value': expected."""
    lines = []
    for p in problems.itertuples():
        where = f"{p.file}[{p.sheet}]" if p.sheet else p.file
        at = f":{int(p.row)}" if pd.notna(p.row) else ""
        lines.append(f"  {where}{at} {p.column} {p.value!r}: expected {p.expected}")
    return "\n".join(lines)
