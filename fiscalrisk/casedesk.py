"""The case desk: ``fiscalrisk casedesk`` and the widget app its notebook shows.

Where the dashboard shows a region's risks, the case desk is where people work the alert register's
cases (``shared/spec/register.md``): a supervisor dispatches, confirms, dismisses and closes; a unit
officer answers, plans and reports the rectification; an auditor reads. A person signs in as
themselves, sees the cases of their scope with filters, opens one (its message in Chinese and
English, its evidence and its whole history) and finds one button per move their role allows on it
now. Every move goes through :meth:`Register.act` as the signed-in person, so it appears in the audit
trail under their name.

How it runs
-----------
``fiscalrisk casedesk --db URL [--port N] [--ip ADDRESS] [--max-kernels N] [--cull-idle SECONDS]
[--params FILE]``

Voila serves ``notebooks/casedesk.ipynb`` exactly as the dashboard is served
(:func:`fiscalrisk.dashboard.serve_voila`): bound to 127.0.0.1 unless ``--ip`` says otherwise, a random
token in the one URL printed, no code on the page, nothing loaded from the internet, at most
``dashboard.max_kernels`` kernels at once (a busy page beyond), idle kernels culled, and pages run in
the kernel of :mod:`fiscalrisk.dashboard_kernel`, whose tracebacks go to the server log only. The
register's URL reaches the kernels through ``FISCALRISK_DB``, never through the page.

Who may see and do what
-----------------------
The signed-in person is held in the kernel (:attr:`CaseDeskApp.user`), set only by a successful
:meth:`Register.sign_in`; nothing the browser sends afterwards names the user. Every page has its own
kernel, so one person's session is never another's. A browser can send any widget message — set the
case number to another county's case, click a button that is not on the page — so the app checks on
the server, at every step:

* opening a case: its id must be among :meth:`Register.scope_cases` of the signed-in person, read
  afresh; otherwise nothing of it is read, and the refusal does not say whether such a case exists;
* a move: the case acted on is the one the app opened (never the value of an input widget), it is
  checked against the scope again, the move must be in :meth:`Register.moves_for` now, and
  :meth:`Register.act` checks role and scope once more, with the version the person saw (someone else
  acting first is a conflict, reported in one sentence, never applied twice).

Text from the data (messages, evidence, notes, codes) is escaped before it enters any HTML; it never
becomes markup.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fiscalrisk.dashboard import _CSS, _e

if TYPE_CHECKING:
    import pandas as pd

    from fiscalrisk.register import Register

__all__ = ["register", "cmd_casedesk", "main", "CaseDeskApp", "notebook_path", "ENV_DB"]

#: The register the kernels open (the register's own variable: ``fiscalrisk register --db`` reads it too).
ENV_DB = "FISCALRISK_DB"
DEFAULT_PORT = 8867
#: Name of the served notebook copy: Voila shows it as the browser tab's title.
SERVED_NOTEBOOK = "案件工作台 Case desk.ipynb"
#: Rows shown at once in the case table (and offered in the case chooser); the filters narrow the rest.
TABLE_LIMIT = 200

_NOTEBOOK_SOURCE = (
    "from fiscalrisk.casedesk import CaseDeskApp\n\n"
    "CaseDeskApp.from_env().widget"
)

#: What a person is told when signing in fails, whatever the reason (unknown user, wrong password).
REFUSED = "用户名或密码错误 / wrong user name or password"
#: What a person is told when something fails inside the app; the details are in the server log.
INTERNAL = "内部错误，详见服务器日志 / internal error; see the server log"

_ACTION_EN = {"dispatch": "Dispatch", "respond": "Respond", "confirm": "Confirm", "dismiss": "Dismiss",
              "plan": "Plan", "rectify": "Rectified", "close": "Close"}
_STATE_EN = {"open": "open", "exempt": "exempt", "dispatched": "dispatched", "responded": "responded",
             "confirmed": "confirmed", "dismissed": "dismissed", "rectifying": "rectifying",
             "rectified": "rectified", "closed": "closed"}
_ROLE = {"unit": "单位经办 unit officer", "supervisor": "监管 supervisor", "auditor": "审计 auditor (read-only)"}
_LEVEL = {"alert": "红色预警 alert", "warning": "黄色预警 warning"}
_DISMISS = {"data_error": "数据有误 data error", "legitimate": "合规 legitimate", "duplicate": "重复 duplicate",
            "other": "其他 other"}
_RESPONSE = {"explanation": "说明理由 explanation", "rectified": "已整改 rectified", "data_error": "数据有误 data error"}
_EVENT = {"create": "建案 created", "reopen": "复发 reopened", "cleared_by_data": "数据已消除 cleared by data",
          "evidence_changed": "证据变化 evidence changed", "triggered_again": "再次触发 triggered again",
          "exempted": "豁免 exempted", "exemption_expired": "豁免到期 exemption expired"}

_DESK_CSS = """
<style>
.cd-signin { max-width: 520px; margin: 30px auto 12px auto; background: white; border-radius: 10px; padding: 18px 22px;
             box-shadow: 0 1px 3px rgba(16,24,40,.08); }
.cd-signin h3 { margin: 0 0 10px 0; font-size: 17px; }
.cd-userbar { background: white; border-radius: 10px; padding: 8px 14px; margin-bottom: 12px;
              box-shadow: 0 1px 3px rgba(16,24,40,.08); align-items: center; justify-content: space-between; }
.cd-userbar .cd-who { font-size: 14px; } .cd-userbar .cd-who b { font-weight: 700; }
.cd-msg { margin: 0 0 10px 0; }
.cd-msg div { padding: 8px 12px; border-radius: 8px; font-size: 13.5px; }
.cd-msg .cd-error { background: #fde7ea; color: var(--fr-alert); border: 1px solid #f5c2ca; }
.cd-msg .cd-ok { background: #e8f5ee; color: #1e6b41; border: 1px solid #bfe3cf; }
.cd-case { background: white; border-radius: 10px; padding: 14px 16px; box-shadow: 0 1px 3px rgba(16,24,40,.08);
           margin: 0 0 12px 0; }
.cd-case h2 { margin: 0 0 8px 0; font-size: 18px; }
.cd-case h4 { margin: 14px 0 6px 0; font-size: 13.5px; color: var(--fr-muted); font-weight: 600; }
.cd-facts { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 6px 18px; font-size: 13px; }
.cd-facts div span { display: block; color: var(--fr-muted); font-size: 11.5px; }
.cd-facts div { overflow-wrap: anywhere; }
.cd-text { font-size: 14px; line-height: 1.5; margin: 2px 0; overflow-wrap: anywhere; }
.cd-text .cd-lang { display: inline-block; min-width: 26px; color: var(--fr-muted); font-size: 11.5px; }
.cd-ev { font-size: 12.5px; line-height: 1.5; }
.cd-ev span { color: var(--fr-muted); margin-right: 6px; font-family: "DejaVu Sans Mono", monospace; font-size: 11.5px; }
.cd-state { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
            background: #e8eef7; color: #1f4f8a; white-space: nowrap; }
.cd-overdue { color: var(--fr-alert); font-weight: 600; white-space: nowrap; }
.fr-table tr.cd-current td { background: #eef4fb; }
.cd-moves { background: white; border-radius: 10px; padding: 10px 14px; margin: 0 0 12px 0;
            box-shadow: 0 1px 3px rgba(16,24,40,.08); }
.cd-moves .widget-button { margin-right: 8px; }
.cd-moves .widget-label, .cd-controls .widget-label { color: var(--fr-muted); font-size: 13px; }
</style>
"""


# ==================================================================================================
# Command line
# ==================================================================================================


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``casedesk`` subcommand to the ``fiscalrisk`` command's subparsers."""
    from fiscalrisk.dashboard import add_kernel_options

    p = sub.add_parser(
        "casedesk",
        help="serve the case desk: people sign in and work the alert register's cases (Voila, offline, "
             "token-protected)",
        description=(
            "Serve the case desk on the alert register: each person signs in with their register user name "
            "and password, sees the cases of their scope, opens one with its evidence and history, and makes "
            "the moves their role allows (recorded in the audit trail under their name). Prints the URL to "
            "open (with its token) and serves until interrupted."
        ),
        epilog="example: fiscalrisk casedesk --db fiscalrisk.db   (passwords: fiscalrisk register user passwd NAME)",
    )
    p.add_argument("--db", metavar="URL",
                   help="the register: a SQLite file or a database URL (default $FISCALRISK_DB, else ./fiscalrisk.db)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--ip", default="127.0.0.1", metavar="ADDRESS",
                   help="address to bind (default 127.0.0.1: this machine only)")
    add_kernel_options(p)
    p.set_defaults(func=cmd_casedesk)


def notebook_path() -> Path | None:
    """``notebooks/casedesk.ipynb`` (of the source tree, or the copy shipped in the package), if present."""
    from fiscalrisk.dashboard import app_notebook

    return app_notebook("casedesk.ipynb")


def _open_register(db: str | None) -> Register:
    """The register at ``db``, checked: it exists and its schema is current (never created here)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from fiscalrisk.errors import UserError
    from fiscalrisk.register import Register
    from fiscalrisk.register.db import database_url

    url = database_url(db)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UserError(f"--db {url[:80]!r}: not a database URL (a SQLite file, or e.g. "
                        "postgresql+psycopg://user@host/db)") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).is_file():
        # connecting would create an empty file: a mistyped path must not become a new, empty register
        raise UserError(f"--db {shown}: no register there; create it with `fiscalrisk register init --db ...`")
    try:
        reg = Register(url)
        reg.users()  # the schema exists and is current (RegisterError, a UserError, says what to run)
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"--db {shown}: the register cannot be opened ({first[:200]})") from None
    return reg


def cmd_casedesk(args: argparse.Namespace) -> int:
    """Check the register, start Voila on the case desk notebook, print the URL; returns Voila's exit status."""
    from fiscalrisk.dashboard import _port_free, dashboard_limits, serve_voila
    from fiscalrisk.errors import UserError

    reg = _open_register(args.db)
    if not 0 < args.port < 65536:
        raise UserError(f"--port expected 1–65535; got {args.port}")
    if not _port_free(args.ip, args.port):
        raise UserError(f"port {args.port} on {args.ip} is already in use; choose another with --port")
    max_kernels, cull_idle = dashboard_limits(args)
    where = reg.engine.url.render_as_string(hide_password=True)
    return serve_voila(notebook_path(), label=f"case desk for the register {where}", ip=args.ip, port=args.port,
                       max_kernels=max_kernels, cull_idle=cull_idle, env={ENV_DB: str(reg.url)},
                       served_name=SERVED_NOTEBOOK, cell=_NOTEBOOK_SOURCE)


# ==================================================================================================
# The widget app (what notebooks/casedesk.ipynb displays)
# ==================================================================================================


def _short(message: object, limit: int = 300) -> str:
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _state_label(state: object) -> str:
    from fiscalrisk.register.rules import STATES

    s = str(state)
    return f"{STATES.get(s, s)} {_STATE_EN.get(s, s)}"


def _move_label(action: str) -> str:
    from fiscalrisk.register.rules import MOVES

    move = MOVES.get(action)
    return f"{move.zh} {_ACTION_EN.get(action, action)}" if move else action


def _text(value: object) -> str:
    """A cell as text: empty for None and NaN (a column of the register's frames with no value)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _date_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    return "" if text in ("NaT", "None", "nan") else text[:10]


def _evidence_pairs(evidence: object) -> list[tuple[str, str]]:
    """The evidence JSON as (key, value) pairs for display (text, escaped by the caller)."""
    try:
        data = json.loads(str(evidence or "{}"))
    except ValueError:
        return [("", str(evidence))]
    if not isinstance(data, dict):
        return [("", json.dumps(data, ensure_ascii=False))]
    out = []
    for k, v in data.items():
        out.append((str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)))
    return out


class CaseDeskApp:
    """The case desk page as ipywidgets: sign-in, then the person's cases, one case, its moves.

    ``register`` is the :class:`~fiscalrisk.register.Register` to work on; ``widget`` is what the
    notebook displays. :attr:`user` (the signed-in person, or None) and the open case live only here,
    in the kernel.
    """

    def __init__(self, register: Register) -> None:
        import ipywidgets as w

        self.reg = register
        self.user: dict[str, Any] | None = None
        self.case_id: int | None = None
        self._case_version: int | None = None
        self._silent = False

        self.header = w.HTML(
            "<div class='fr-header'><h1>案件工作台 · Case desk</h1>"
            "<div class='fr-sub'>预警 → 下发 → 反馈 → 核实 → 整改 → 销号 · "
            "warning → dispatch → response → verification → rectification → closure</div></div>")
        self._build_sign_in(w)

        # -- the desk (empty and hidden until someone signs in)
        userbar = self._build_userbar(w)
        filters = self._build_filters(w)
        self.table_note = w.HTML()
        self.table = w.HTML()
        chooser = self._build_chooser(w)
        self.message = w.HTML()
        self.message.add_class("cd-msg")
        self.case_view = w.HTML()
        self._build_moves(w)

        self.desk_box = w.VBox([userbar, filters, self.table_note, self.table, chooser, self.message,
                                self.case_view, self.moves_box])
        self.desk_box.layout.display = "none"
        self.moves_box.layout.display = "none"

        self.widget = w.VBox([w.HTML(_CSS + _DESK_CSS), self.header, self.sign_in_box, self.desk_box])
        self.widget.add_class("fr-app")
        self._connect()

    def _build_sign_in(self, w: Any) -> None:
        """The sign-in box: user name, password, the button and its message."""
        self.name_tx = w.Text(description="用户名 User", placeholder="user name",
                              style={"description_width": "110px"}, layout=w.Layout(width="380px"))
        self.password_tx = w.Password(description="密码 Password", placeholder="password",
                                      style={"description_width": "110px"}, layout=w.Layout(width="380px"))
        self.sign_in_bt = w.Button(description="登录 Sign in", button_style="primary", layout=w.Layout(width="140px"))
        self.sign_in_bt.add_class("cd-sign-in")
        self.name_tx.add_class("cd-name")
        self.password_tx.add_class("cd-password")
        self.sign_in_msg = w.HTML()
        self.sign_in_box = w.VBox([w.HTML("<h3>登录 · Sign in</h3>"), self.name_tx, self.password_tx,
                                   self.sign_in_bt, self.sign_in_msg])
        self.sign_in_box.add_class("cd-signin")

    def _build_userbar(self, w: Any) -> Any:
        """Who is signed in, with the refresh and sign-out buttons."""
        self.who = w.HTML()
        self.sign_out_bt = w.Button(description="退出 Sign out", layout=w.Layout(width="130px"))
        self.sign_out_bt.add_class("cd-sign-out")
        self.refresh_bt = w.Button(description="刷新 Refresh", layout=w.Layout(width="130px"))
        self.refresh_bt.add_class("cd-refresh")
        userbar = w.HBox([self.who, w.HBox([self.refresh_bt, self.sign_out_bt])])
        userbar.add_class("cd-userbar")
        return userbar

    def _build_filters(self, w: Any) -> Any:
        """The case list's filters: state, level, indicator, overdue only."""
        from fiscalrisk.register.rules import STATES

        self.state_dd = w.Dropdown(description="状态 State",
                                   options=[("全部 all", "")] + [(_state_label(s), s) for s in STATES],
                                   style={"description_width": "initial"}, layout=w.Layout(width="230px"))
        self.level_dd = w.Dropdown(description="级别 Level",
                                   options=[("全部 all", ""), (_LEVEL["alert"], "alert"), (_LEVEL["warning"], "warning")],
                                   style={"description_width": "initial"}, layout=w.Layout(width="220px"))
        self.indicator_dd = w.Dropdown(description="指标 Indicator", options=[("全部 all", "")],
                                       style={"description_width": "initial"}, layout=w.Layout(width="330px"))
        self.overdue_cb = w.Checkbox(description="仅逾期 Overdue only", indent=False, layout=w.Layout(width="180px"))
        for widget, cls in ((self.state_dd, "cd-state-filter"), (self.level_dd, "cd-level-filter"),
                            (self.indicator_dd, "cd-indicator-filter"), (self.overdue_cb, "cd-overdue-filter")):
            widget.add_class(cls)
        filters = w.HBox([self.state_dd, self.level_dd, self.indicator_dd, self.overdue_cb])
        filters.add_class("fr-controls")
        filters.add_class("cd-controls")
        return filters

    def _build_chooser(self, w: Any) -> Any:
        """The case to open: from the list, or by its number."""
        self.case_dd = w.Dropdown(description="案件 Case", options=[("—", 0)], value=0,
                                  style={"description_width": "initial"}, layout=w.Layout(width="560px"))
        self.case_dd.add_class("cd-case-choice")
        self.case_no = w.IntText(description="编号 No.", value=0, style={"description_width": "initial"},
                                 layout=w.Layout(width="170px"))
        self.case_no.add_class("cd-case-no")
        self.open_bt = w.Button(description="打开 Open", layout=w.Layout(width="110px"))
        self.open_bt.add_class("cd-open")
        chooser = w.HBox([self.case_dd, self.case_no, self.open_bt])
        chooser.add_class("fr-controls")
        chooser.add_class("cd-controls")
        return chooser

    def _build_moves(self, w: Any) -> None:
        """The moves box: one button per move, shown only when the person may make it on the open case now,
        and the inputs the moves take."""
        from fiscalrisk.register.rules import DISMISS_REASONS, MOVES, RESPONSES

        self.reason_dd = w.Dropdown(description="排除理由 Reason",
                                    options=[("— 请选择 choose —", "")] + [(_DISMISS.get(r, r), r) for r in DISMISS_REASONS],
                                    style={"description_width": "initial"}, layout=w.Layout(width="300px"))
        self.response_dd = w.Dropdown(description="反馈类型 Response",
                                      options=[(_RESPONSE.get(r, r), r) for r in
                                               sorted(RESPONSES, key=lambda r: r != "explanation")],
                                      style={"description_width": "initial"}, layout=w.Layout(width="300px"))
        self.due_dp = w.DatePicker(description="整改期限 Due", style={"description_width": "initial"},
                                   layout=w.Layout(width="260px"))
        self.amount_tx = w.Text(description="整改金额 Amount (元)", placeholder="0.00",
                                style={"description_width": "initial"}, layout=w.Layout(width="280px"))
        self.note_ta = w.Textarea(description="备注 Note", placeholder="说明 / a note for the record",
                                  style={"description_width": "initial"}, layout=w.Layout(width="640px", height="64px"))
        for widget, cls in ((self.reason_dd, "cd-reason"), (self.response_dd, "cd-response"), (self.due_dp, "cd-due"),
                            (self.amount_tx, "cd-amount"), (self.note_ta, "cd-note")):
            widget.add_class(cls)
        self.move_buttons: dict[str, Any] = {}
        for action in MOVES:
            style = {"dismiss": "warning", "close": "success", "confirm": "danger"}.get(action, "primary")
            button = w.Button(description=_move_label(action), button_style=style, layout=w.Layout(width="auto"))
            button.add_class(f"cd-move-{action}")
            button.on_click(self._clicker(action))
            self.move_buttons[action] = button
        self.inputs_box = w.VBox([])
        self.buttons_box = w.HBox([])
        self.moves_note = w.HTML()
        self.moves_box = w.VBox([w.HTML("<b>处理 · Moves</b>"), self.moves_note, self.inputs_box, self.buttons_box])
        self.moves_box.add_class("cd-moves")

    def _connect(self) -> None:
        """The buttons and fields to their handlers."""
        self.sign_in_bt.on_click(lambda _b: self._guard(self._sign_in))
        self.sign_out_bt.on_click(lambda _b: self._guard(self._sign_out))
        self.refresh_bt.on_click(lambda _b: self._guard(self._refresh_all))
        self.open_bt.on_click(lambda _b: self._guard(lambda: self.open_case(self.case_no.value)))
        for widget in (self.state_dd, self.level_dd, self.indicator_dd, self.overdue_cb):
            widget.observe(self._on_filter, names="value")
        self.case_dd.observe(self._on_choice, names="value")

    @classmethod
    def from_env(cls) -> CaseDeskApp:
        """The app for the register named by ``FISCALRISK_DB`` (set by ``fiscalrisk casedesk``)."""
        from fiscalrisk.register import Register

        url = os.environ.get(ENV_DB)
        if not url:
            raise RuntimeError(f"{ENV_DB} is not set; start the page with `fiscalrisk casedesk --db URL`")
        return cls(Register(url))

    # -- plumbing ------------------------------------------------------------------------------------

    def _guard(self, fn: Callable[[], None]) -> None:
        """Run a handler; a failure shows one short line, the traceback goes to the server log."""
        try:
            fn()
        except Exception:  # noqa: BLE001 - the page must stay up; details go to the server log
            # the case desk's kernel sends stderr to the server log, never to the browser
            print(f"case desk: a handler failed\n{traceback.format_exc()}", file=sys.stderr, end="", flush=True)
            self._say(INTERNAL, error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.value = (f"<div class='{'cd-error' if error else 'cd-ok'}' id='cd-msg'>{_e(text)}</div>"
                              if text else "")

    def _clicker(self, action: str) -> Callable[[Any], None]:
        return lambda _b: self._guard(lambda: self.act(action))

    # -- signing in and out ----------------------------------------------------------------------------

    def _sign_in(self) -> None:
        from fiscalrisk.register import RegisterError

        name, password = str(self.name_tx.value or "").strip(), str(self.password_tx.value or "")
        self.password_tx.value = ""
        self._clear()
        try:
            user = self.reg.sign_in(name, password)
        except RegisterError:
            self.sign_in_msg.value = f"<div class='cd-msg'><div class='cd-error' id='cd-refused'>{_e(REFUSED)}</div></div>"
            return
        self.user = user
        self.sign_in_msg.value = ""
        self._refresh_all()
        place = user.get("unit_code") or user.get("region_code") or "全部 everywhere"
        self.who.value = (f"<div class='cd-who' id='cd-who'>已登录 Signed in: <b>{_e(user['name'])}</b> · "
                          f"{_e(_ROLE.get(user['role'], user['role']))} · {_e(place)}</div>")
        self.sign_in_box.layout.display = "none"
        self.desk_box.layout.display = None

    def _sign_out(self) -> None:
        self._clear()
        self.sign_in_box.layout.display = None

    def _clear(self) -> None:
        """Forget the person and empty every widget that showed register data."""
        self.user = None
        self._close_case()
        self.desk_box.layout.display = "none"
        self.who.value = self.table.value = self.table_note.value = self.message.value = ""
        self._silent = True
        try:
            self.case_dd.options = [("—", 0)]
            self.case_dd.value = 0
            self.indicator_dd.options = [("全部 all", "")]
            self.indicator_dd.value = ""
            self.state_dd.value = self.level_dd.value = ""
            self.overdue_cb.value = False
            self.case_no.value = 0
        finally:
            self._silent = False

    # -- the list ------------------------------------------------------------------------------------

    def _scope(self, **filters: Any) -> pd.DataFrame:
        """The signed-in person's cases, read now (filters as for :meth:`Register.scope_cases`)."""
        assert self.user is not None
        return self.reg.scope_cases(self.user["name"], **filters)

    def _on_filter(self, change: dict[str, Any]) -> None:
        if not self._silent and self.user is not None:
            self._guard(self._draw_list)

    def _on_choice(self, change: dict[str, Any]) -> None:
        if not self._silent and self.user is not None and change["new"]:
            self._guard(lambda: self.open_case(change["new"]))

    def _refresh_all(self) -> None:
        if self.user is None:
            return
        self._draw_list()
        if self.case_id is not None:
            self._show_case(self.case_id)

    def _indicator_name(self, code: str, *, english: bool = True) -> str:
        try:
            from fiscalrisk.indicators import registry

            spec = registry.get(code)
        except Exception:  # noqa: BLE001 - a code this version does not know: show the code alone
            return ""
        return f"{spec.name_zh} {spec.name_en}" if english else spec.name_zh

    def _draw_list(self) -> None:
        """The table of the person's cases under the filters, and the case chooser with the same rows."""
        if self.user is None:
            return
        everything = self._scope()
        codes = sorted(set(everything["indicator"]))
        wanted = self.indicator_dd.value or ""
        self._silent = True
        try:
            self.indicator_dd.options = [("全部 all", "")] + [(f"{c} {self._indicator_name(c)}".strip(), c)
                                                               for c in codes]
            self.indicator_dd.value = wanted if wanted in codes else ""
        finally:
            self._silent = False
        filters: dict[str, Any] = {}
        if self.state_dd.value:
            filters["state"] = self.state_dd.value
        if self.overdue_cb.value:
            filters["overdue"] = True
        frame = self._scope(**filters) if filters else everything
        if self.level_dd.value:
            frame = frame.loc[frame["level"] == self.level_dd.value]
        if self.indicator_dd.value:
            frame = frame.loc[frame["indicator"] == self.indicator_dd.value]
        total, rows = len(frame), frame.head(TABLE_LIMIT)
        note = f"显示 {len(rows):,} / {total:,} 件 · showing {len(rows):,} of {total:,} cases"
        if total > len(rows):
            note += " · 请用筛选缩小范围 narrow the list with the filters"
        note += f" · 您可查看的全部案件 all your cases: {len(everything):,}"
        self.table_note.value = f"<div class='fr-note' id='cd-count' style='margin:2px 0 8px 2px'>{_e(note)}</div>"
        self._silent = True
        try:
            options = [("— 选择案件 choose a case —", 0)]
            for r in rows.itertuples(index=False):
                who = _text(r.unit_code) or r.region_code
                options.append((f"#{r.case_id} · {r.indicator} · {_LEVEL.get(r.level, r.level)} · "
                                f"{_state_label(r.state)} · {who} · {r.subject_id}", int(r.case_id)))
            self.case_dd.options = options
            self.case_dd.value = self.case_id if self.case_id in {v for _, v in options} else 0
        finally:
            self._silent = False
        if rows.empty:
            self.table.value = "<div id='cd-cases' class='fr-empty'>没有符合条件的案件 · no cases match</div>"
            return
        heads = ["编号 No.", "级别 Level", "指标 Indicator", "单位/区域 Unit/region", "对象 Subject", "期间 Period",
                 "状态 State", "期限 Due", "信息 Message"]
        out = ["<div class='fr-tablewrap'><table class='fr-table' id='cd-cases'><thead><tr>"]
        out += [f"<th>{_e(h)}</th>" for h in heads]
        out.append("</tr></thead><tbody>")
        for r in rows.itertuples(index=False):
            current = " class='cd-current'" if self.case_id == int(r.case_id) else ""
            due = _date_text(r.due_on)
            if r.overdue:
                due = f"<span class='cd-overdue'>{_e(due)} 逾期 overdue</span>"
                if r.escalated_to:
                    due += f"<br><span class='fr-note'>升级至 escalated to {_e(r.escalated_to)}</span>"
            else:
                due = _e(due)
            place = _e(_text(r.unit_code)) + f"<br><span class='fr-code'>{_e(r.region_code)}</span>"
            out.append(
                f"<tr data-case='{int(r.case_id)}'{current}>"
                f"<td class='fr-num'>{int(r.case_id)}</td>"
                f"<td><span class='fr-badge {_e(r.level)}'>{_e(_LEVEL.get(r.level, r.level))}</span></td>"
                f"<td class='fr-ind'><span class='fr-code'>{_e(r.indicator)}</span><br>"
                f"{_e(self._indicator_name(str(r.indicator), english=False))}</td>"
                f"<td class='fr-who'>{place}</td><td>{_e(_text(r.subject_id))}</td>"
                f"<td class='fr-nowrap'>{_e(r.period)}</td>"
                f"<td><span class='cd-state'>{_e(_state_label(r.state))}</span></td>"
                f"<td class='fr-nowrap'>{due}</td>"
                f"<td class='fr-msg'>{_e(r.message_zh)}</td></tr>")
        out.append("</tbody></table></div>")
        self.table.value = "".join(out)

    # -- one case --------------------------------------------------------------------------------------

    def _close_case(self) -> None:
        self.case_id = self._case_version = None
        self.case_view.value = ""
        self.buttons_box.children = ()
        self.inputs_box.children = ()
        self.moves_note.value = ""
        self.moves_box.layout.display = "none"

    def _scope_row(self, cid: int) -> Any:
        """Case ``cid``'s row in the signed-in person's cases, read now (never remembered); None when it is
        not among them."""
        if self.user is None:
            return None
        frame = self._scope()
        hits = frame.loc[frame["case_id"] == cid]
        return hits.iloc[0] if len(hits) == 1 else None

    def open_case(self, case_id: object) -> None:
        """Open a case of the signed-in person's scope; any other id shows nothing of any case."""
        if self.user is None:
            return
        try:
            cid = int(str(case_id).strip().lstrip("#"))
        except ValueError:
            cid = -1
        self._say("")
        if not self._show_case(cid):
            self._say(f"案件 {cid} 不在您可查看的案件中 · case {cid} is not among your cases", error=True)
        self._draw_list()

    def _show_case(self, cid: int) -> bool:
        """Draw case ``cid`` and the buttons of its moves now, if it is among the person's cases;
        otherwise close whatever case was open, read nothing of ``cid`` and return False (the same
        whether the case exists elsewhere or not at all)."""
        row = self._scope_row(cid)
        if row is None:
            self._close_case()
            return False
        case, history = self.reg.show(cid)
        self.case_id, self._case_version = cid, int(case["version"])
        self._silent = True
        try:
            self.case_no.value = cid
        finally:
            self._silent = False
        self.case_view.value = self._case_html(case, history, row)
        self._draw_moves()
        return True

    def _case_html(self, case: dict[str, Any], history: pd.DataFrame, row: Any) -> str:
        from fiscalrisk.report.i18n import format_number

        overdue, escalated = bool(row["overdue"]), str(row["escalated_to"] or "")
        facts = [
            ("指标 Indicator", f"{case['indicator']} {self._indicator_name(str(case['indicator']))}".strip()),
            ("级别 Level", _LEVEL.get(case["level"], case["level"])),
            ("单位 Unit", case["unit_code"] or "—"), ("区域 Region", case["region_code"]),
            ("对象 Subject", f"{case['subject_type']} {case['subject_id']}"), ("期间 Period", case["period"]),
            ("数值 Value", format_number(case["value"])), ("阈值 Threshold", format_number(case["threshold"])),
            ("下发 Dispatched", _date_text(case["dispatched_on"]) or "—"),
            ("期限 Due", (_date_text(case["due_on"]) or "—") + (" · 逾期 overdue" if overdue else "")
             + (f" · 升级至 escalated to {escalated}" if escalated else "")),
            ("首次/最近发现 First/last seen", f"{_date_text(case['first_seen'])} / {_date_text(case['last_seen'])}"),
            ("轮次 Round", f"{case['round']}" + (f" · 复发 reopened {case['reopened']}" if case["reopened"] else "")),
        ]
        if case.get("response"):
            facts.append(("反馈 Response", _RESPONSE.get(case["response"], case["response"])))
        if case.get("dismiss_reason"):
            facts.append(("排除理由 Reason", _DISMISS.get(case["dismiss_reason"], case["dismiss_reason"])))
        if case.get("rectified_amount") is not None and case["rectified_amount"] == case["rectified_amount"]:
            facts.append(("整改金额 Amount", format_number(case["rectified_amount"])))
        if case.get("cleared_by_data"):
            facts.append(("数据已消除 Cleared by data", "是 yes: 可一步销号 can be closed in one step"))
        ev = "".join(f"<div><span>{_e(k)}</span>{_e(v)}</div>" for k, v in _evidence_pairs(case["evidence"]))
        out = [
            f"<div class='cd-case' id='cd-case' data-case='{int(case['case_id'])}'>",
            f"<h2>案件 Case #{int(case['case_id'])} · <span class='fr-code'>{_e(case['indicator'])}</span> "
            f"<span class='fr-badge {_e(case['level'])}'>{_e(_LEVEL.get(case['level'], case['level']))}</span> "
            f"<span class='cd-state' id='cd-case-state'>{_e(_state_label(case['state']))}</span></h2>",
            "<div class='cd-facts'>" + "".join(f"<div><span>{_e(k)}</span>{_e(v)}</div>" for k, v in facts) + "</div>",
            "<h4>信息 · Message</h4>",
            f"<div class='cd-text' id='cd-message-zh'><span class='cd-lang'>中</span>{_e(case['message_zh'])}</div>",
            f"<div class='cd-text' id='cd-message-en' lang='en'><span class='cd-lang'>EN</span>{_e(case['message_en'])}</div>",
            "<h4>证据 · Evidence</h4>",
            f"<div class='cd-ev' id='cd-evidence'>{ev or '—'}</div>",
            "<h4>经过 · History</h4>",
            "<table class='fr-table' id='cd-history'><thead><tr>"
            + "".join(f"<th>{_e(h)}</th>" for h in ("#", "时间 Time (UTC)", "用户 User", "动作 Action",
                                                    "状态 State", "备注 Note", "详情 Details"))
            + "</tr></thead><tbody>",
        ]
        for h in history.itertuples(index=False):
            action, source, target = _text(h.action), _text(h.from_state), _text(h.to_state)
            label = _move_label(action) if action in _ACTION_EN else _EVENT.get(action, action)
            change = (f"{_state_label(source)} → {_state_label(target)}" if source and target and source != target
                      else _state_label(target) if target else "")
            try:
                payload = json.loads(_text(h.payload) or "{}")
            except ValueError:
                payload = {"": h.payload}
            if not isinstance(payload, dict):
                payload = {"": payload}
            details = "; ".join(f"{k}: {v}" for k, v in payload.items()
                                if k not in ("scan_id", "fingerprint", "previous_fingerprint"))
            out.append(
                f"<tr data-action='{_e(action)}' data-user='{_e(h.user_name)}'>"
                f"<td class='fr-num'>{int(h.seq)}</td>"
                f"<td class='fr-nowrap'>{_e(str(h.at)[:19].replace('T', ' '))}</td>"
                f"<td>{_e(h.user_name)}</td><td class='fr-nowrap'>{_e(label)}</td>"
                f"<td class='fr-nowrap'>{_e(change)}</td><td class='fr-msg'>{_e(_text(h.note))}</td>"
                f"<td class='cd-ev'>{_e(details)}</td></tr>")
        out.append("</tbody></table></div>")
        return "".join(out)

    def _draw_moves(self) -> None:
        """One button per move the person may make on the open case now; the inputs those moves need."""
        if self.user is None or self.case_id is None:
            return
        moves = self.reg.moves_for(self.user["name"], self.case_id)
        self.buttons_box.children = tuple(self.move_buttons[a] for a in moves if a in self.move_buttons)
        inputs = []
        if "respond" in moves:
            inputs.append(self.response_dd)
        if "dismiss" in moves:
            inputs.append(self.reason_dd)
        if "plan" in moves:
            inputs.append(self.due_dp)
        if "rectify" in moves:
            inputs.append(self.amount_tx)
        if moves:
            inputs.append(self.note_ta)
        self.inputs_box.children = tuple(inputs)
        if moves:
            self.moves_note.value = ""
        elif self.user["role"] == "auditor":
            self.moves_note.value = "<div class='fr-note' id='cd-no-moves'>审计只读 · auditors read, they do not act</div>"
        else:
            self.moves_note.value = ("<div class='fr-note' id='cd-no-moves'>您现在不能处理此案件 · "
                                     "no move of yours on this case now</div>")
        self.moves_box.layout.display = None

    # -- moves ---------------------------------------------------------------------------------------

    def _changed_since_seen(self, cid: int) -> bool:
        """If case ``cid`` changed since the person opened it, say who changed it and show it as it is now."""
        case, history = self.reg.show(cid)
        if self._case_version is None or int(case["version"]) == self._case_version:
            return False
        last = history.iloc[-1] if len(history) else None
        who = (f"{last['user_name']} ({last['action']}) at {str(last['at'])[:19].replace('T', ' ')} UTC"
               if last is not None else "someone")
        self._say(_short(f"案件 {cid} 在您查看后已被更改 · case {cid} changed since you looked at it: {who}; it is now "
                         f"{case['state']}. 未执行 · Nothing was applied; the case is shown below as it is now"),
                  error=True)
        self._show_case(cid)
        self._draw_list()
        return True

    def act(self, action: str) -> None:
        """Make ``action`` on the open case as the signed-in person, after checking scope and moves now."""
        from fiscalrisk.errors import UserError
        from fiscalrisk.register import ConflictError

        if self.user is None:
            return
        cid = self.case_id
        if cid is None:
            self._say("请先打开一个案件 · open a case first", error=True)
            return
        name = self.user["name"]
        if self._scope_row(cid) is None:
            self._close_case()
            self._say(f"案件 {cid} 不在您可查看的案件中 · case {cid} is not among your cases", error=True)
            self._draw_list()
            return
        moves = self.reg.moves_for(name, cid)
        if action not in moves and self._changed_since_seen(cid):
            return
        if action not in moves:
            listed = ", ".join(_move_label(m) for m in moves) or "无 none"
            self._say(f"案件 {cid} 现在不能{_move_label(action)} · '{action}' is not possible on case {cid} now "
                      f"(possible: {listed})", error=True)
            self._show_case(cid)
            return
        kwargs: dict[str, Any] = {"note": str(self.note_ta.value or "").strip()[:2000]}
        if action == "dismiss":
            if not self.reason_dd.value:
                self._say("请选择排除理由 · choose a reason for dismissing", error=True)
                return
            kwargs["reason"] = self.reason_dd.value
        elif action == "respond":
            kwargs["reason"] = self.response_dd.value or "explanation"
        elif action == "plan":
            if not isinstance(self.due_dp.value, dt.date):
                self._say("请填写整改期限 · give the date the rectification is due", error=True)
                return
            kwargs["due"] = self.due_dp.value
        elif action == "rectify":
            text = str(self.amount_tx.value or "").replace(",", "").strip()
            if text:
                try:
                    kwargs["amount"] = float(text)
                except ValueError:
                    self._say("整改金额应为数字 · the amount must be a number (yuan)", error=True)
                    return
        try:
            self.reg.act(cid, action, user=name, expect_version=self._case_version, **kwargs)
        except ConflictError as exc:
            text = str(exc).split(": look again with")[0]
            self._say(_short(f"{text}; 下面是案件的最新状态 · the case is shown below as it is now"), error=True)
            self._show_case(cid)
            self._draw_list()
            return
        except UserError as exc:
            self._say(_short(exc), error=True)
            return
        self.note_ta.value = ""
        self.amount_tx.value = ""
        self.reason_dd.value = ""
        case, _ = self.reg.show(cid)
        self._say(f"案件 {cid}：{_move_label(action)} → {_state_label(case['state'])}（{name}）· "
                  f"case {cid}: {action} by {name}")
        self._show_case(cid)
        self._draw_list()


def main(argv: list[str] | None = None) -> int:
    """``python -m fiscalrisk.casedesk ...``: the ``casedesk`` subcommand on its own, same exit codes."""
    from fiscalrisk.command import run_alone

    return run_alone("casedesk", register, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
