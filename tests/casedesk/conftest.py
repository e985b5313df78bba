"""Fixtures of the case desk tests: a register on SQLite with two counties' cases, a running case desk.

The register is made here with :class:`Register` from a hand-made scan (``tests/register/conftest.py``):
city 330500 → counties 330521 (with township 330521102) and 330522. Each case is known by its subject
id, which the tests look for on the page; the other county's subjects and message carry the marker
:data:`FOREIGN_MARK`, which must never reach a 330521 person's browser.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM
from tests.dashboard.conftest import Browser, browser_page, free_port  # noqa: F401 - browser_page is a fixture
from tests.register.conftest import finding, make_scan

PASSWORDS = {"boss": "boss-secret-1", "li": "li-secret-22", "zhao": "zhao-secret-3", "u1": "u1-secret-44",
             "audit": "audit-secret-5"}
FOREIGN_MARK = "X-SECRET"
HOSTILE = '<img src=x onerror="window.__pwned=1"><b>bold</b>'
AS_OF = "2026-06-30"

#: subject id → (indicator, unit, level); the subject names the case in every test
CASES = {
    "P-101": ("PAY07", "U1", "alert"),       # 330521102: dispatched long ago, overdue
    "P-102": ("PAY06", "U2", "warning"),     # 330521: open
    "B-201": ("BUD01", "U2", "alert"),       # 330521: open
    "H-666": ("PAY06", "U1", "warning"),     # 330521102: open; its message and evidence are hostile markup
    "C-301": ("CON01", "U1", "warning"),     # 330521102: dispatched now
    "X-SECRET-901": ("PAY07", "U3", "alert"),   # 330522: dispatched
    "X-SECRET-902": ("CON01", "U3", "warning"),  # 330522: open
    "P-000": ("PAY07", "U0", "alert"),       # 330500 (city): open
}
#: What each person's scope holds (from the region tree above, not from the product)
SCOPE = {
    "li": {"P-101", "P-102", "B-201", "H-666", "C-301"},
    "zhao": {"X-SECRET-901", "X-SECRET-902"},
    "u1": {"P-101", "H-666", "C-301"},
    "boss": set(CASES),
    "audit": set(CASES),
}


@dataclass
class DeskRegister:
    url: str
    path: Path
    case: dict[str, int]  # subject id → case id


@pytest.fixture(scope="session")
def desk_register(tmp_path_factory: pytest.TempPathFactory) -> DeskRegister:
    from fiscalrisk.register import Register

    base = tmp_path_factory.mktemp("casedesk")
    rows = []
    for subject, (code, unit, level) in CASES.items():
        row = finding(code, unit, subject, "2026-03", 1234567.0, level=level, evidence={"payment_ids": [subject]})
        if subject.startswith(FOREIGN_MARK):
            row["message_zh"] = f"长兴机密 {subject} 触发 {code}"
            row["message_en"] = f"confidential {subject} triggers {code}"
        if subject == "H-666":
            row["message_zh"] = f"恶意文本 {HOSTILE} 结束"
            row["message_en"] = f"hostile text {HOSTILE} end"
            row["evidence"] = '{"note": "' + HOSTILE.replace('"', '\\"') + '"}'
        rows.append(row)
    scan = make_scan(base / "scan", AS_OF, rows)
    path = base / "register.db"
    reg = Register(f"sqlite:///{path}")
    reg.init()
    reg.ingest(scan, today=AS_OF)
    reg.add_user("boss", "supervisor", region="330500")
    reg.add_user("li", "supervisor", region="330521", by="boss")
    reg.add_user("zhao", "supervisor", region="330522", by="boss")
    reg.add_user("u1", "unit", unit="U1", by="boss")
    reg.add_user("audit", "auditor", by="boss")
    for name, password in PASSWORDS.items():
        reg.set_password(name, password)
    cases = reg.cases()
    ids = {}
    for subject in CASES:
        hits = cases.loc[cases["subject_id"] == subject, "case_id"]
        assert len(hits) == 1, subject
        ids[subject] = int(hits.iloc[0])
    reg.act(ids["P-101"], "dispatch", user="boss", today=dt.date(2026, 1, 5))   # due 2026-01-20: overdue
    reg.act(ids["C-301"], "dispatch", user="boss")                             # due in 30 days
    reg.act(ids["X-SECRET-901"], "dispatch", user="boss")
    return DeskRegister(url=f"sqlite:///{path}", path=path, case=ids)


@dataclass
class Desk:
    """A running ``fiscalrisk casedesk``: its URL (with token), process and output (the server log)."""

    url: str
    proc: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def log(self) -> str:
        return "".join(self.output)


@pytest.fixture(scope="session")
def desk(desk_register: DeskRegister) -> Iterator[Desk]:
    with start_desk(desk_register) as server:
        yield server


@contextlib.contextmanager
def start_desk(desk_register: DeskRegister) -> Iterator[Desk]:
    """A case desk on the register, once it prints its URL; stopped on exit."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium); browser tests skipped")
    cmd = [sys.executable, "-m", "fiscalrisk.casedesk", "--db", desk_register.url, "--port", str(free_port())]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 120
        url = None
        assert proc.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"(http://\S+\?token=\S+)", line)
            url = m.group(1) if m else None
        if url is None:
            raise AssertionError("the case desk did not print its URL:\n" + "".join(lines))
        server = Desk(url=url, proc=proc, output=lines)

        def drain() -> None:
            for line in proc.stdout:  # type: ignore[union-attr]
                server.output.append(line)

        threading.Thread(target=drain, daemon=True).start()
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
