"""One month of the loop, end to end: dispatch → workbooks → two units answer (one through LibreOffice)
→ import → the supervisor confirms one answer and dismisses the other → the next scan clears a case →
the KPIs say exactly that."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from fiscalrisk.register import Register
from fiscalrisk.register.kpi import dismissal_rates, kpis
from fiscalrisk.register.workbooks import LOCKED, OPEN, SHEET, import_answers, write_tasks

from .conftest import finding, make_scan

NAMES = [c for c, _ in (*LOCKED, ("check", ""), *OPEN)]


def _fill(path: Path, response: str, answer: str, amount: float | None = None) -> None:
    wb = openpyxl.load_workbook(path)
    for row in wb[SHEET].iter_rows(min_row=2):
        row[NAMES.index("response")].value = response
        row[NAMES.index("answer")].value = answer
        row[NAMES.index("amount")].value = amount
    wb.save(path)


def test_a_month_of_the_closed_loop(db_url: str, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is missing: apt-get install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    reg = Register(db_url)
    reg.init()
    reg.add_user("wang", "supervisor", region="330500")
    dup = finding("PAY07", "U1", "P1", "2025-06", 8800.0)            # a duplicate: later refunded
    split = finding("PAY06", "U3", "P9", "2025-06", 299_000.0)        # a split purchase
    bud = finding("BUD01", "U2", "U2", "2025", 0.2, level="warning")  # stays open, never dispatched
    reg.ingest(make_scan(tmp_path / "jun", "2025-06-30", [dup, split, bud]), today="2025-07-01")
    reg.add_user("u1", "unit", unit="U1", by="wang")
    reg.add_user("u3", "unit", unit="U3", by="wang")
    ids = {k: int(reg.cases().set_index("finding_id").loc[f["finding_id"], "case_id"]) for k, f in
           (("dup", dup), ("split", split), ("bud", bud))}
    reg.act(ids["dup"], "dispatch", user="wang", today="2025-07-01")
    reg.act(ids["split"], "dispatch", user="wang", today="2025-07-01")

    books = write_tasks(reg, "330500", tmp_path / "tasks", today="2025-07-01")
    assert sorted(books) == ["U1", "U3"]
    _fill(books["U1"], "已整改 rectified", "已退款", 8800)
    _fill(books["U3"], "说明理由 explanation", "两份独立合同")
    lo = tmp_path / "lo"
    done = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                           "--convert-to", "xlsx", "--outdir", str(lo), str(books["U3"])],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert import_answers(reg, [books["U1"]], user="u1", today="2025-07-08")[0] == 1
    assert import_answers(reg, [lo / books["U3"].name], user="u3", today="2025-07-09")[0] == 1

    reg.act(ids["dup"], "confirm", user="wang", today="2025-07-10")
    reg.act(ids["split"], "dismiss", user="wang", reason="legitimate", today="2025-07-10")
    # July's scan: the duplicate was refunded (PAY07 assessed, no finding) → cleared by data
    result = reg.ingest(make_scan(tmp_path / "jul", "2025-07-31", [split, bud]), today="2025-08-01")
    assert result.counts() == {"new": 0, "unchanged": 2, "changed": 0, "reopened": 0, "cleared_by_data": 1,
                               "exempt": 0}
    reg.act(ids["dup"], "close", user="wang", today="2025-08-02")

    states = reg.cases().set_index("case_id")["state"].to_dict()
    assert states == {ids["dup"]: "closed", ids["split"]: "dismissed", ids["bud"]: "open"}
    table = kpis(reg, as_of="2025-08-02", since="2025-07-01").set_index(["region_code", "scope"])
    city = table.loc[("330500", "subtree")]
    # by hand: open = bud only; dispatched 07-01…08-02: dup and split; closed: dup, on 08-02, after its
    # deadline (an alert dispatched 07-01 is due 07-16) → on-time rate 0, 32 days from dispatch to close
    assert (city["open"], city["dispatched"], city["closed"], city["overdue"]) == (1, 2, 1, 0)
    assert city["on_time_rate"] == 0.0 and city["median_days_to_close"] == 32.0
    assert city["amount_recovered"] == 8800.0 and city["amount_at_risk"] == 0.0
    rates = dismissal_rates(reg).set_index("indicator")["dismissal_rate"].to_dict()
    assert rates == {"PAY06": 1.0, "PAY07": 0.0}
    assert reg.audit().intact
    reg.engine.dispose()
