"""``fiscalrisk register ...``: the alert register from the command line (every rule is in core/rules)."""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from fiscalrisk.errors import UserError

from .core import Register
from .rules import DISMISS_REASONS, MOVES, RESPONSES, ROLES, STATES

__all__ = ["register"]

EPILOG = """\
the loop in five commands (预警 → 下发 → 反馈 → 核实 → 整改 → 销号):
  fiscalrisk register init
  fiscalrisk register user add wang --role supervisor --region 330500
  fiscalrisk register ingest out/scan
  fiscalrisk register act 17 dispatch --user wang
  fiscalrisk register list --region 330521 --overdue

--db URL (or FISCALRISK_DB): a SQLite file by default (./fiscalrisk.db), or postgresql+psycopg://user@host/db.
exit status: 0 done; 2 refused (unknown case or user, a move the state does not allow, out of scope, a case
changed by someone else meanwhile, a bad scan directory or date: one sentence, nothing written);
`register audit` exits 1 when the audit trail was tampered with.
"""


def _reg(args: argparse.Namespace) -> Register:
    return Register(args.db)


def _print_table(frame: pd.DataFrame, fmt: str) -> None:
    from fiscalrisk.cells import escape_frame

    if fmt == "json":
        print(json.dumps(json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False)),
                         ensure_ascii=False, indent=1))
    elif fmt == "csv":
        sys.stdout.write(escape_frame(frame).to_csv(index=False, lineterminator="\n"))
    elif frame.empty:
        print("(none)")
    else:
        print(frame.astype("object").where(frame.notna(), "").to_string(index=False))


def cmd_init(args: argparse.Namespace) -> int:
    revision = _reg(args).init()
    print(f"register ready at {Register(args.db).url} (schema revision {revision})")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    _reg(args).add_user(args.name, args.role, unit=args.unit, region=args.region, by=args.user)
    place = f"unit {args.unit}" if args.unit else (f"region {args.region}" if args.region else "everywhere")
    print(f"user {args.name} added: {args.role}, {place}")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        import getpass

        password = getpass.getpass(f"new password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise UserError("the two passwords differ; nothing changed")
    _reg(args).set_password(args.name, password, by=args.user)
    print(f"password of {args.name} set")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    _print_table(_reg(args).users(), "table")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    def progress(done: int, total: int) -> None:
        if total >= 2000:  # a large scan: say how far the merge is (stderr; the counts go to stdout)
            print(f"merging findings: {done:,} of {total:,}", file=sys.stderr, flush=True)

    result = _reg(args).ingest(args.scan_dir, today=args.today, user=args.user or "system", progress=progress)
    if result.already_ingested:
        print(f"{args.scan_dir}: this scan (as of {result.as_of}) was ingested already; nothing changed")
        return 0
    counts = ", ".join(f"{k} {v:,}" for k, v in result.counts().items())
    print(f"ingested {args.scan_dir} (as of {result.as_of}, {result.findings:,} findings): {counts}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    frame = _reg(args).cases(region=args.region, state=args.state, overdue=True if args.overdue else None,
                             today=args.today)
    _print_table(frame[list(Register.LIST_COLUMNS)], args.format)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    case, history = _reg(args).show(args.case_id)
    width = max(len(k) for k in case)
    for key, value in case.items():
        print(f"{key:<{width}}  {'' if value is None else value}")
    print(f"\nhistory ({len(history)} events):")
    if not history.empty:
        shown = history[["seq", "at", "user_name", "action", "from_state", "to_state", "note"]].copy()
        shown["at"] = shown["at"].str.slice(0, 19).str.replace("T", " ")
        print(shown.to_string(index=False, na_rep=""))
    return 0


def cmd_act(args: argparse.Namespace) -> int:
    case = _reg(args).act(args.case_id, args.action, user=args.user, today=args.today, note=args.note or "",
                          reason=args.reason, amount=args.amount, due=args.due, expect_version=args.expect_version)
    due = f", due {case['due_on']}" if case.get("due_on") and case["state"] in ("dispatched", "rectifying") else ""
    print(f"case {case['case_id']}: {case['state']} ({STATES[case['state']]}){due}; version {case['version']}")
    return 0


def cmd_exempt(args: argparse.Namespace) -> int:
    eid = _reg(args).exempt(args.indicator, subject=args.subject, unit=args.unit, until=args.until,
                            reason=args.reason, user=args.user)
    target = f"subject {args.subject}" if args.subject else f"unit {args.unit}"
    print(f"exemption {eid}: {args.indicator} on {target} until {args.until}")
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    from .workbooks import write_tasks

    written = write_tasks(_reg(args), args.region, args.out, user=args.user, today=args.today)
    print(f"{len(written)} exchange workbook(s) written to {args.out}")
    for unit, path in written.items():
        print(f"  {unit}: {path.name}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .workbooks import format_problems, import_answers

    applied, problems = import_answers(_reg(args), args.files, user=args.user, today=args.today)
    if len(problems):
        raise UserError(f"{len(problems)} problem(s) in the workbooks; nothing was applied "
                        "(file[sheet]:row column 'value': expected)\n" + format_problems(problems))
    print(f"{applied} answer(s) applied from {len(args.files)} workbook(s)")
    return 0


def cmd_kpi(args: argparse.Namespace) -> int:
    from .kpi import dismissal_rates, kpis

    reg = _reg(args)
    table = kpis(reg, region=args.region, as_of=args.as_of, since=args.since)
    rates = dismissal_rates(reg, region=args.region)
    if args.format == "json":
        print(json.dumps({"kpis": json.loads(table.to_json(orient="records", force_ascii=False)),
                          "dismissal_rates": json.loads(rates.to_json(orient="records", force_ascii=False))},
                         ensure_ascii=False, indent=1))
    elif args.format == "csv":
        _print_table(table, "csv")
    else:
        _print_table(table, "table")
        print("\ndismissal rate per indicator (dismissed / (confirmed + dismissed)):")
        _print_table(rates, "table")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    result = _reg(args).audit()
    if result.intact:
        print(f"audit trail intact: {result.events:,} events, every hash and link verified")
        return 0
    print(f"AUDIT TRAIL BROKEN at event {result.first_bad}: {result.problem}")
    return 1


def _common(p: argparse.ArgumentParser, *, user: bool = False, today: bool = False, user_required: bool = False) -> None:
    p.add_argument("--db", metavar="URL", help="database URL or SQLite file (default $FISCALRISK_DB or ./fiscalrisk.db)")
    if user:
        p.add_argument("--user", metavar="NAME", required=user_required, help="who acts (a user of the register)")
    if today:
        p.add_argument("--today", metavar="YYYY-MM-DD", help="the date of the action (default: today), for reproducible runs")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``fiscalrisk register`` and its subcommands."""
    top = sub.add_parser("register", help="the alert register: follow every finding from warning to closure",
                         description="The alert register (预警 → 下发 → 反馈 → 核实 → 整改 → 销号) in a database: "
                                     "cases, moves, exemptions, deadlines and escalation, a hash-chained audit trail.",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    cmds = top.add_subparsers(dest="register_command", metavar="COMMAND", required=True)

    p = cmds.add_parser("init", help="create or migrate the register's database (idempotent)")
    _common(p)
    p.set_defaults(func=cmd_init)

    users = cmds.add_parser("user", help="users: unit officers, supervisors, auditors")
    ucmds = users.add_subparsers(dest="user_command", metavar="COMMAND", required=True)
    p = ucmds.add_parser("add", help="add a user (the first needs no --user; then a supervisor above the place)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", required=True, choices=ROLES)
    place = p.add_mutually_exclusive_group()
    place.add_argument("--unit", metavar="CODE", help="the unit of a unit officer")
    place.add_argument("--region", metavar="CODE", help="the region of a supervisor (its whole subtree)")
    _common(p, user=True)
    p.set_defaults(func=cmd_user_add)
    p = ucmds.add_parser("passwd", help="set a user's password for the case desk (asked for, never on the command line)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input (scripts)")
    _common(p, user=True)
    p.set_defaults(func=cmd_user_passwd)
    p = ucmds.add_parser("list", help="list the users")
    _common(p)
    p.set_defaults(func=cmd_user_list)

    p = cmds.add_parser("ingest", help="merge a scan directory (one transaction; twice changes nothing)")
    p.add_argument("scan_dir", metavar="SCAN_DIR")
    _common(p, user=True, today=True)
    p.set_defaults(func=cmd_ingest)

    p = cmds.add_parser("list", help="the cases, with deadlines, overdue and escalation")
    p.add_argument("--region", metavar="CODE", help="the region's whole subtree")
    p.add_argument("--state", choices=list(STATES), action="append", help="only cases in this state (repeatable)")
    p.add_argument("--overdue", action="store_true", help="only overdue cases")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _common(p, today=True)
    p.set_defaults(func=cmd_list)

    p = cmds.add_parser("show", help="a case, its finding and its whole history")
    p.add_argument("case_id", metavar="CASE_ID")
    _common(p)
    p.set_defaults(func=cmd_show)

    p = cmds.add_parser("act", help="move a case: " + ", ".join(MOVES))
    p.add_argument("case_id", metavar="CASE_ID")
    p.add_argument("action", choices=list(MOVES))
    p.add_argument("--note", metavar="TEXT")
    p.add_argument("--reason", metavar="R", help=f"dismiss: one of {', '.join(DISMISS_REASONS)}; "
                                                  f"respond: one of {', '.join(RESPONSES)}")
    p.add_argument("--amount", metavar="X", help="rectify: the amount recovered (yuan)")
    p.add_argument("--due", metavar="YYYY-MM-DD", help="dispatch: another deadline; plan: the rectification's due date")
    p.add_argument("--expect-version", type=int, metavar="N",
                   help="the case version you looked at: refused if the case changed since")
    _common(p, user=True, today=True, user_required=True)
    p.set_defaults(func=cmd_act)

    p = cmds.add_parser("exempt", help="approve an exemption (豁免) of an indicator on a subject or a unit")
    p.add_argument("--indicator", required=True, metavar="CODE")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--subject", metavar="ID")
    target.add_argument("--unit", metavar="CODE")
    p.add_argument("--until", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--reason", required=True, metavar="TEXT")
    _common(p, user=True, user_required=True)
    p.set_defaults(func=cmd_exempt)

    p = cmds.add_parser("tasks", help="one exchange workbook (.xlsx) per unit with its cases awaiting an answer")
    p.add_argument("--region", required=True, metavar="CODE", help="the units of this region's whole subtree")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (new, or earlier workbooks)")
    _common(p, user=True, today=True)
    p.set_defaults(func=cmd_tasks)

    p = cmds.add_parser("import", help="apply the answers of exchange workbooks: every row checked, all or nothing")
    p.add_argument("files", nargs="+", metavar="FILE.xlsx")
    _common(p, user=True, today=True, user_required=True)
    p.set_defaults(func=cmd_import)

    p = cmds.add_parser("kpi", help="monitoring KPIs per region (own units and whole subtree) and dismissal rates")
    p.add_argument("--region", metavar="CODE", help="the regions of this region's subtree (default: all)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date the KPIs are taken at (default: today)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="start of the period for dispatched/closed (default: "
                                                         "the first day of the --as-of month)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _common(p)
    p.set_defaults(func=cmd_kpi)

    p = cmds.add_parser("audit", help="verify the audit trail's hash chain (exit 1 naming the first bad event)")
    _common(p)
    p.set_defaults(func=cmd_audit)
