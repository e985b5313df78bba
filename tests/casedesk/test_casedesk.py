"""The case desk: people sign in, see the cases of their scope only, and act on them as themselves.

Browser tests run Debian's Chromium on a running ``fiscalrisk casedesk`` (every non-loopback request
aborted, a fresh page per test, waits on what the page shows, never fixed sleeps). Crafted widget
messages are sent over the page's kernel websocket the way a hostile page script could. What a move
did is read back from the database with the ``sqlite3`` module, not through the product.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.casedesk.conftest import (
    CASES,
    FOREIGN_MARK,
    HOSTILE,
    PASSWORDS,
    SCOPE,
    Desk,
    DeskRegister,
)
from tests.dashboard.conftest import Browser

REFUSED = "用户名或密码错误 / wrong user name or password"
NOT_YOURS = "不在您可查看的案件中"
LEAKS = ("Traceback", "site-packages", 'File "/')


def _events(db: Path, case_id: int) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM events WHERE case_id = ? ORDER BY seq", (case_id,))]


def _case_row(db: Path, case_id: int) -> dict:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM cases WHERE case_id = ?", (case_id,)).fetchone())


# ==================================================================================================
# Without a browser: the command, the notebook, the app object
# ==================================================================================================


def test_command_refuses_a_register_that_is_not_there(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """A mistyped --db is refused with exit 2 and one line, and no empty database file is created."""
    from fiscalrisk.cli import main

    missing = tmp_path / "typo.db"
    assert main(["casedesk", "--db", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "no register there" in err and "Traceback" not in err
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert main(["casedesk", "--db", str(empty)]) == 2
    assert "register init" in capsys.readouterr().err


def test_notebook_is_one_cell_that_shows_the_app() -> None:
    import nbformat

    from fiscalrisk.casedesk import notebook_path

    nb = nbformat.read(notebook_path(), as_version=4)
    assert [c.cell_type for c in nb.cells] == ["code"]
    assert nb.cells[0].source.strip().endswith("CaseDeskApp.from_env().widget")


@pytest.fixture
def app_register(desk_register: DeskRegister, tmp_path: Path):  # noqa: ANN201
    """A private copy of the test register (the app object may change it freely)."""
    from fiscalrisk.register import Register

    path = tmp_path / "copy.db"
    shutil.copy(desk_register.path, path)
    return Register(f"sqlite:///{path}"), path


def _signed_in(reg, name: str):  # noqa: ANN001, ANN202
    from fiscalrisk.casedesk import CaseDeskApp

    app = CaseDeskApp(reg)
    app.name_tx.value, app.password_tx.value = name, PASSWORDS[name]
    app.sign_in_bt.click()
    assert app.user is not None and app.user["name"] == name
    return app


def test_app_holds_the_user_and_checks_scope_on_every_open_and_move(desk_register: DeskRegister,
                                                                    app_register) -> None:  # noqa: ANN001
    """The app object alone: the table holds the person's cases only; a foreign case id opens nothing;
    an absent move clicked on an own case changes nothing; renaming the user field after signing in
    does not change who acts."""
    reg, path = app_register
    ids = desk_register.case
    app = _signed_in(reg, "li")
    assert FOREIGN_MARK not in app.table.value
    for subject in SCOPE["li"]:
        assert f"data-case='{ids[subject]}'" in app.table.value

    foreign = ids["X-SECRET-901"]
    before = (_case_row(path, foreign), len(_events(path, foreign)))
    app.case_no.value = foreign
    app.open_bt.click()
    assert app.case_id is None and app.case_view.value == ""
    assert NOT_YOURS in app.message.value and FOREIGN_MARK not in app.message.value

    own = ids["P-102"]
    app.open_case(own)
    assert app.case_id == own
    assert [b.description for b in app.buttons_box.children] == ["下发 Dispatch", "排除 Dismiss"]
    app.name_tx.value = "zhao"  # the browser can change the field; the signed-in person stays li
    app.case_no.value = foreign  # the case acted on is the open one, never the field's value
    for action in ("confirm", "close", "rectify", "respond"):  # buttons absent from li's page
        app.move_buttons[action].click()
        assert "not possible on case" in app.message.value
    assert (_case_row(path, foreign), len(_events(path, foreign))) == before
    assert _case_row(path, own)["state"] == "open"

    app.reason_dd.value = "duplicate"
    app.move_buttons["dismiss"].click()
    last = _events(path, own)[-1]
    assert (last["action"], last["user_name"], last["to_state"]) == ("dismiss", "li", "dismissed")
    assert json.loads(last["payload"])["reason"] == "duplicate"


def test_app_reports_a_conflict_in_one_sentence(desk_register: DeskRegister, app_register) -> None:  # noqa: ANN001
    """Two supervisors on the same open case: the second, acting on what they saw before the first
    dispatched it, is told who changed it and when, and nothing is applied twice — whether their move
    is still allowed now (dismiss: the register's version check) or no longer (dispatch again)."""
    reg, path = app_register
    for case, late_move in ((desk_register.case["B-201"], "dismiss"), (desk_register.case["P-102"], "dispatch")):
        first, second = _signed_in(reg, "li"), _signed_in(reg, "boss")
        first.open_case(case)
        second.open_case(case)
        first.move_buttons["dispatch"].click()
        second.reason_dd.value = "legitimate"
        second.move_buttons[late_move].click()
        message = second.message.value
        assert "changed since you looked at it" in message and "li (dispatch)" in message, message
        assert "fiscalrisk register show" not in message
        assert [e["action"] for e in _events(path, case)][1:] == ["dispatch"]
        # the second person now sees the case as it is, with the moves it allows now
        assert "已下发" in second.case_view.value
        assert "下发 Dispatch" not in [b.description for b in second.buttons_box.children]


# ==================================================================================================
# In the browser
# ==================================================================================================


def _sign_in(page, desk: Desk, name: str, password: str) -> None:  # noqa: ANN001
    page.goto(desk.url)
    page.locator(".cd-name input").wait_for(timeout=90_000)
    page.locator(".cd-name input").fill(name)
    page.locator(".cd-password input").fill(password)
    page.locator("button.cd-sign-in").click()
    page.wait_for_selector("#cd-who, #cd-refused", timeout=30_000)


def _rows(page) -> set[str]:  # noqa: ANN001
    return set(page.locator("#cd-cases tr[data-case]").evaluate_all("rs => rs.map(r => r.dataset.case)"))


def _wait_rows(page, ids: set[int]) -> None:  # noqa: ANN001
    """Wait until the case table shows exactly the cases ``ids`` (an empty set: the 'no cases' note)."""
    page.wait_for_function(
        "want => { const got = [...document.querySelectorAll('#cd-cases tr[data-case]')].map(r => r.dataset.case);"
        " return got.length === want.length && want.every(c => got.includes(c)); }",
        arg=sorted(str(i) for i in ids), timeout=30_000)


def _select(page, cls: str, label_start: str) -> None:  # noqa: ANN001
    select = page.locator(f".{cls} select")
    labels = [" ".join(o.split()) for o in select.locator("option").all_inner_texts()]
    hits = [i for i, t in enumerate(labels) if t.startswith(label_start)]
    assert hits, f"no option {label_start!r} in {labels}"
    select.select_option(index=hits[0])


def _no_leaks(page, browser: Browser) -> None:  # noqa: ANN001
    """No traceback, no code, not where the register is; and no request left the machine."""
    text = page.content()
    for marker in LEAKS:
        assert marker not in text
    shown = page.inner_text("body")
    for marker in ("CaseDeskApp", "from_env", "import ", "register.db", "sqlite:"):
        assert marker not in shown, f"{marker!r} is on the page"
    assert browser.blocked == [], browser.blocked


@pytest.mark.browser
def test_sign_in_filter_confirm_and_see_the_move_in_the_history(desk: Desk, desk_register: DeskRegister,
                                                                browser_page: Browser) -> None:
    """A county supervisor signs in, narrows the table with each filter, opens the overdue case (message
    in both languages, evidence, history), sees exactly the buttons of their moves, confirms it with a
    note, and finds the move under their name in the page's history and in the audit trail."""
    from playwright.sync_api import expect

    page, ids = browser_page.page, desk_register.case
    _sign_in(page, desk, "li", PASSWORDS["li"])
    expect(page.locator("#cd-who")).to_contain_text("li")
    _wait_rows(page, {ids[s] for s in SCOPE["li"]})

    _select(page, "cd-state-filter", "已下发")
    _wait_rows(page, {ids["P-101"], ids["C-301"]})
    page.locator(".cd-overdue-filter input[type=checkbox]").check()
    _wait_rows(page, {ids["P-101"]})
    expect(page.locator(f"#cd-cases tr[data-case='{ids['P-101']}']")).to_contain_text("逾期 overdue")
    page.locator(".cd-overdue-filter input[type=checkbox]").uncheck()
    _select(page, "cd-state-filter", "全部")
    _select(page, "cd-level-filter", "黄色预警")
    _wait_rows(page, {ids["P-102"], ids["H-666"], ids["C-301"]})
    _select(page, "cd-indicator-filter", "CON01")
    _wait_rows(page, {ids["C-301"]})
    _select(page, "cd-level-filter", "红色预警")
    page.wait_for_selector("div#cd-cases.fr-empty", timeout=30_000)
    _select(page, "cd-level-filter", "全部")
    _select(page, "cd-indicator-filter", "全部")
    _wait_rows(page, {ids[s] for s in SCOPE["li"]})

    case = ids["P-101"]
    _select(page, "cd-case-choice", f"#{case} ")
    view = page.locator(f"#cd-case[data-case='{case}']")
    expect(view).to_be_visible(timeout=30_000)
    expect(page.locator("#cd-message-zh")).to_contain_text("P-101 触发 PAY07")
    expect(page.locator("#cd-message-en")).to_contain_text("P-101 triggers PAY07")
    expect(page.locator("#cd-evidence")).to_contain_text("payment_ids")
    expect(page.locator("#cd-history tr[data-action='dispatch'][data-user='boss']")).to_have_count(1)
    expect(page.locator("#cd-history tr[data-action='create']")).to_have_count(1)
    expect(page.locator("#cd-history")).not_to_contain_text("nan")
    # a dispatched case, for a supervisor: confirm or dismiss; nothing else is on the page
    for action in ("confirm", "dismiss"):
        expect(page.locator(f"button.cd-move-{action}")).to_be_visible()
    for action in ("dispatch", "respond", "plan", "rectify", "close"):
        expect(page.locator(f".cd-move-{action}")).to_have_count(0)

    page.locator(".cd-note textarea").fill("核实属实 verified on site")
    page.locator("button.cd-move-confirm").click()
    expect(page.locator("#cd-case-state")).to_contain_text("确认问题", timeout=30_000)
    confirmed = page.locator("#cd-history tr[data-action='confirm'][data-user='li']")
    expect(confirmed).to_have_count(1)
    expect(confirmed).to_contain_text("核实属实 verified on site")
    expect(page.locator("#cd-msg")).to_contain_text("confirm by li")
    # now the supervisor may plan the rectification (with its due date); confirm is gone
    expect(page.locator("button.cd-move-plan")).to_be_visible()
    expect(page.locator(".cd-due input")).to_be_visible()
    expect(page.locator(".cd-move-confirm")).to_have_count(0)

    last = _events(desk_register.path, case)[-1]
    assert (last["action"], last["user_name"], last["from_state"], last["to_state"], last["note"]) == \
        ("confirm", "li", "dispatched", "confirmed", "核实属实 verified on site")
    assert _case_row(desk_register.path, case)["state"] == "confirmed"
    from fiscalrisk.register import Register

    assert Register(desk_register.url).audit().intact
    _no_leaks(page, browser_page)
    for password in PASSWORDS.values():
        assert password not in desk.log()


@pytest.mark.browser
def test_wrong_password_and_unknown_user_get_the_same_refusal(desk: Desk, browser_page: Browser) -> None:
    """A wrong password and an unknown user name get the same words, and nothing of the register."""
    page = browser_page.page
    _sign_in(page, desk, "li", "not-the-password")
    refused = page.inner_text("#cd-refused")
    assert refused == REFUSED
    assert page.locator("#cd-cases, #cd-who, #cd-case").count() == 0
    page.locator(".cd-name input").fill("nobody")
    page.locator(".cd-password input").fill("whatever-1234")
    page.locator("button.cd-sign-in").click()
    page.wait_for_function("() => !document.querySelector('.cd-password input').value", timeout=30_000)
    page.wait_for_selector("#cd-refused", timeout=30_000)
    assert page.inner_text("#cd-refused") == refused
    body = page.inner_text("body")
    assert not any(subject in body for subject in CASES)
    assert page.locator("#cd-cases, #cd-who, #cd-case").count() == 0
    _no_leaks(page, browser_page)


@pytest.mark.browser
@pytest.mark.parametrize("name", ["li", "zhao", "u1"])
def test_each_person_sees_the_cases_of_their_scope_only(name: str, desk: Desk, desk_register: DeskRegister,
                                                        browser_page: Browser) -> None:
    """Two county supervisors and a unit officer: the table holds exactly the cases of their place, and
    nothing of another county's cases is anywhere in the page (table, case chooser, filters)."""
    page, ids = browser_page.page, desk_register.case
    _sign_in(page, desk, name, PASSWORDS[name])
    _wait_rows(page, {ids[s] for s in SCOPE[name]})
    html = page.content()
    for subject in set(CASES) - SCOPE[name]:
        assert subject not in html, f"{name} sees {subject}"
    if name != "zhao":
        assert FOREIGN_MARK not in html and "长兴机密" not in html
    _no_leaks(page, browser_page)


@pytest.mark.browser
def test_unit_officer_answers_with_the_one_move_they_have(desk: Desk, desk_register: DeskRegister,
                                                          browser_page: Browser) -> None:
    """A unit officer opens a dispatched case by its number: the only button is respond, with the
    response type; the answer is recorded under the officer's name."""
    from playwright.sync_api import expect

    page, case = browser_page.page, desk_register.case["C-301"]
    _sign_in(page, desk, "u1", PASSWORDS["u1"])
    page.locator(".cd-case-no input").fill(str(case))
    page.locator(".cd-case-no input").press("Enter")
    page.locator("button.cd-open").click()
    expect(page.locator(f"#cd-case[data-case='{case}']")).to_be_visible(timeout=30_000)
    expect(page.locator(".cd-moves button")).to_have_count(1)
    expect(page.locator("button.cd-move-respond")).to_be_visible()
    expect(page.locator(".cd-reason")).to_have_count(0)
    _select(page, "cd-response", "已整改")
    page.locator(".cd-note textarea").fill("已退回重复支付")
    page.locator("button.cd-move-respond").click()
    expect(page.locator("#cd-case-state")).to_contain_text("已反馈", timeout=30_000)
    expect(page.locator("#cd-history tr[data-action='respond'][data-user='u1']")).to_have_count(1)
    expect(page.locator("#cd-no-moves")).to_be_visible()
    last = _events(desk_register.path, case)[-1]
    assert (last["action"], last["user_name"], last["note"]) == ("respond", "u1", "已退回重复支付")
    assert json.loads(last["payload"])["response"] == "rectified"
    _no_leaks(page, browser_page)


#: Sent over a second websocket to the page's kernel, as a script in the page could: asks every widget
#: for its state to find them by their CSS class, then sends ``ops`` in order — ``set`` a widget's
#: state, or ``click`` a button (also one that is not on the page) — each once the kernel has finished
#: the one before. Resolves with the classes found.
_CRAFT_JS = """
async (ops) => {
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const token = new URLSearchParams(location.search).get('token');
  const ws = new WebSocket(`ws://${location.host}/api/kernels/${config.kernelId}/channels?token=${token}`);
  const session = crypto.randomUUID();
  const idle = new Set();
  const classes = {};
  let comms = null;
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.msg_type === 'comm_info_reply') comms = Object.keys(m.content.comms);
    if (m.msg_type === 'comm_msg' && m.content.data && m.content.data.method === 'update'
        && m.content.data.state && m.content.data.state._dom_classes)
      for (const c of m.content.data.state._dom_classes) classes[c] = m.content.comm_id;
    if (m.msg_type === 'status' && m.content.execution_state === 'idle') idle.add(m.parent_header.msg_id);
  };
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
  const send = (msg_type, content) => {
    const id = crypto.randomUUID();
    ws.send(JSON.stringify({header: {msg_id: id, username: 'x', session, msg_type, version: '5.3', date: ''},
                            parent_header: {}, metadata: {}, content, channel: 'shell', buffers: []}));
    return id;
  };
  const wait = async (pred, ms) => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error('timeout');
      await new Promise(r => setTimeout(r, 50));
    }
  };
  send('comm_info_request', {target_name: 'jupyter.widget'});
  await wait(() => comms !== null, 30000);
  const asked = comms.map(comm_id => send('comm_msg', {comm_id, data: {method: 'request_state'}}));
  await wait(() => asked.every(id => idle.has(id)), 30000);
  for (const op of ops) {
    const comm_id = classes[op.cls];
    if (!comm_id) throw new Error('no widget with class ' + op.cls);
    const data = op.set ? {method: 'update', state: op.set, buffer_paths: []}
                        : {method: 'custom', content: {event: 'click'}};
    const id = send('comm_msg', {comm_id, data});
    await wait(() => idle.has(id), 30000);
  }
  ws.close();
  return Object.keys(classes);
}
"""


@pytest.mark.browser
def test_crafted_widget_messages_reveal_and_change_nothing_outside_scope(desk: Desk, desk_register: DeskRegister,
                                                                         browser_page: Browser) -> None:
    """Signed in as the 330521 supervisor, a page script talks to the kernel directly: it sets the case
    number to the 330522 case and clicks "open"; it clicks move buttons that are not on the page (on
    the open own case, with the number field pointing at the foreign case), and every move button
    with no case open. Nothing of the foreign case reaches the browser (page or websocket frames),
    and neither the foreign case nor the own case changes in the database."""
    from playwright.sync_api import expect

    page, ids, db = browser_page.page, desk_register.case, desk_register.path
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda p: frames.append(p if isinstance(p, str) else p.decode("utf-8", "replace"))))
    foreign, own = ids["X-SECRET-901"], ids["P-102"]
    before = {c: (_case_row(db, c), len(_events(db, c))) for c in (foreign, own)}

    _sign_in(page, desk, "li", PASSWORDS["li"])
    _wait_rows(page, {ids[s] for s in SCOPE["li"]})
    _select(page, "cd-case-choice", f"#{own} ")
    expect(page.locator(f"#cd-case[data-case='{own}']")).to_be_visible(timeout=30_000)
    expect(page.locator(".cd-moves button")).to_have_count(2)  # dispatch, dismiss

    absent = ["confirm", "close", "rectify", "respond", "plan"]
    found = page.evaluate(_CRAFT_JS, [{"cls": "cd-case-no", "set": {"value": foreign}},
                                      *({"cls": f"cd-move-{a}"} for a in absent)])
    assert {f"cd-move-{a}" for a in absent} <= set(found)
    expect(page.locator("#cd-msg")).to_contain_text("not possible on case")
    expect(page.locator(f"#cd-case[data-case='{own}']")).to_be_visible()

    page.evaluate(_CRAFT_JS, [{"cls": "cd-case-no", "set": {"value": foreign}}, {"cls": "cd-open"}])
    expect(page.locator("#cd-msg")).to_contain_text(NOT_YOURS)
    expect(page.locator("#cd-case")).to_have_count(0)
    page.evaluate(_CRAFT_JS, [{"cls": f"cd-move-{a}"} for a in ["dispatch", "confirm", "dismiss", "close"]])
    expect(page.locator("#cd-msg")).to_contain_text("open a case first")

    received = "\n".join([*frames, page.content()])
    assert FOREIGN_MARK not in received and "长兴机密" not in received and "330522" not in received
    for marker in LEAKS:
        assert marker not in received
    assert {c: (_case_row(db, c), len(_events(db, c))) for c in (foreign, own)} == before
    assert browser_page.blocked == []


@pytest.mark.browser
def test_text_from_the_data_never_becomes_markup(desk: Desk, desk_register: DeskRegister,
                                                 browser_page: Browser) -> None:
    """A message and evidence holding an ``<img onerror>`` and ``<b>`` show as the literal text in the
    table and the open case; no element is made from them and no handler runs."""
    from playwright.sync_api import expect

    page, case = browser_page.page, desk_register.case["H-666"]
    _sign_in(page, desk, "li", PASSWORDS["li"])
    _wait_rows(page, {desk_register.case[s] for s in SCOPE["li"]})
    expect(page.locator(f"#cd-cases tr[data-case='{case}']")).to_contain_text(HOSTILE)
    _select(page, "cd-case-choice", f"#{case} ")
    expect(page.locator("#cd-message-zh")).to_contain_text(HOSTILE, timeout=30_000)
    expect(page.locator("#cd-message-en")).to_contain_text(HOSTILE)
    expect(page.locator("#cd-evidence")).to_contain_text(HOSTILE)
    assert page.locator(".fr-app img, .fr-app b:text('bold')").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")
    _no_leaks(page, browser_page)
