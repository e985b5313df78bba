"""``fiscalrisk rules ...``: rules versions in the register's database (every rule is in rulesets.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from fiscalrisk.errors import UserError
from fiscalrisk.ruleset import leaves

from .cli import _common, _print_table
from .core import Register

__all__ = ["register"]

EPILOG = """\
a rule set's life (docs/rules.md):
  fiscalrisk rules backtest rules-2025.yaml --data DATA --as-of 2025-06-30 --db URL --csv changes.csv
  fiscalrisk rules publish rules-2025.yaml --version 2025.1 --effective-from 2025-01-01 --note "..." --user wang
  fiscalrisk rules list;  fiscalrisk rules show 2025.1;  fiscalrisk rules diff 2024.1 2025.1
  fiscalrisk rules retire PAY05 --from 2025-07-01 --note "..." --user wang
  fiscalrisk scan DATA --out SCAN --as-of 2025-06-30 --db URL     (the version in force on that day)
  fiscalrisk rules quality --region 330521                          (each rule's precision)

A rules file has the format of `fiscalrisk scan --params FILE` (with optional `regions:` sections); a
version holds it with the params directory's defaults and region files as they stood when published.
exit status: 0 done; 2 refused (one sentence, nothing written).
"""


def _reg(args: argparse.Namespace) -> Register:
    return Register(args.db)


def cmd_publish(args: argparse.Namespace) -> int:
    from .rulesets import publish

    rules = publish(_reg(args), args.file, version=args.version, effective_from=args.effective_from,
                    note=args.note or "", user=args.user, backdate=args.backdate)
    print(f"rules version {rules.version} published: in force from {rules.effective_from} "
          f"(sha256 {rules.sha256[:12]})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from .rulesets import retirements, versions

    table = versions(_reg(args))
    _print_table(table.drop(columns=["sha256"]).assign(sha256=table["sha256"].str.slice(0, 12)), args.format)
    if args.format == "table":
        retired = retirements(_reg(args))
        print("\nretired indicators (not run by a scan as of their date or later):")
        _print_table(retired, "table")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .rulesets import get

    rules = get(_reg(args), args.version)
    row = _reg_row(args, rules.version)
    print(f"rules version {rules.version}: in force from {rules.effective_from}; published by "
          f"{row['published_by']} at {row['published_at']} from {row['source']}"
          f"{' (backdated)' if row['backdated'] else ''}; sha256 {rules.sha256}")
    if row["note"]:
        print(f"note: {row['note']}")
    if rules.retired:
        print("retired: " + ", ".join(f"{c} from {d}" for c, d in sorted(rules.retired.items())))
    if args.region:
        print(f"\nparameters of region {args.region}:")
        sys.stdout.write(rules.resolve(args.region).to_yaml())
        return 0
    root = rules.resolve(None)
    print("\nparameters of every region (the root's):")
    sys.stdout.write(root.to_yaml())
    base = leaves(root.as_dict())
    for code in sorted(rules.regions_named()):
        own = leaves(rules.resolve(code).as_dict())
        changed = {k: v for k, v in own.items() if base.get(k) != v}
        if changed:
            print(f"\nregion {code} (and its subtree) differs in:")
            for k, v in sorted(changed.items()):
                print(f"  {k}: {v!r}")
    return 0


def _reg_row(args: argparse.Namespace, version: str) -> dict:
    from .rulesets import versions

    table = versions(_reg(args))
    return table.loc[table["version"] == version].iloc[0].to_dict()


def cmd_diff(args: argparse.Namespace) -> int:
    from fiscalrisk.ruleset import diff

    from .rulesets import get

    reg = _reg(args)
    table = diff(get(reg, args.old), get(reg, args.new))
    if args.format == "table" and table.empty:
        print(f"rules versions {args.old} and {args.new} give the same parameters everywhere")
        return 0
    _print_table(table, args.format)
    return 0


def cmd_retire(args: argparse.Namespace) -> int:
    from .rulesets import retire

    retire(_reg(args), args.code, since=args.since, note=args.note, user=args.user)
    print(f"indicator {args.code} retired: not run by scans as of {args.since} or later")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from fiscalrisk.inputs import load_or_explain, parse_date
    from fiscalrisk.ruleset import RuleSet

    from .rulesets import backtest, backtest_summary, in_force

    as_of = parse_date(args.as_of, "--as-of")
    if args.csv and not str(args.csv).lower().endswith(".csv"):
        raise UserError(f"--csv {args.csv}: expected a file name ending in .csv")
    if not Path(args.file).is_file():
        raise UserError(f"{args.file}: no such rules file")
    reg = Register(args.db) if args.db else None
    current = in_force(reg, as_of) if reg is not None else RuleSet.from_files([])
    candidate = RuleSet.from_files([args.file], version="candidate")
    candidate = RuleSet(candidate.version, candidate.content, retired=current.retired)
    dataset = load_or_explain(args.data)
    changes = backtest(dataset, candidate, current, as_of=as_of, reg=reg)
    summary = backtest_summary(changes)
    print(f"backtest as of {as_of:%Y-%m-%d}: rules {current.version} (in force) → {args.file} (candidate); "
          "warnings and alerts per indicator" + ("" if reg else " (no --db: no reviewers' verdicts)"))
    moved = summary.loc[(summary["appear"] > 0) | (summary["disappear"] > 0)]
    _print_table(moved if len(moved) else summary.iloc[0:0], "table")
    if moved.empty:
        print("the candidate changes no finding")
    if args.csv:
        import os

        from fiscalrisk.cells import escape_frame

        shown = changes.loc[changes["change"] != "keep"]
        target = Path(args.csv)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(escape_frame(shown).to_csv(index=False, lineterminator="\n").encode("utf-8"))
        os.replace(tmp, target)  # text from the data never becomes a formula; the file appears whole
        print(f"{len(shown):,} appearing and disappearing findings written to {args.csv}")
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    from .rulesets import quality

    table = quality(_reg(args), region=args.region)
    if args.format == "table":
        shown = table.copy()
        shown["dismissal_rate"] = [("-" if pd.isna(r) else f"{r:.0%} [{lo:.0%}, {hi:.0%}]")
                                   for r, lo, hi in zip(shown["dismissal_rate"], shown["wilson_low"],
                                                        shown["wilson_high"], strict=True)]
        shown = shown.drop(columns=["wilson_low", "wilson_high"])
        print("precision of each rule as the reviewers judged it (dismissal rate with its Wilson 95% interval; "
              "median value of the dismissed and the confirmed findings):")
        _print_table(shown, "table")
    else:
        _print_table(table, args.format)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``fiscalrisk rules`` and its subcommands."""
    top = sub.add_parser("rules", help="rules versions: publish, list, show, diff, retire, backtest, quality",
                         description="Rule sets with a history, in the register's database: versions in force by "
                                     "date, their differences, a backtest before publishing, and each rule's "
                                     "precision from the reviewers' verdicts (docs/rules.md).",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    cmds = top.add_subparsers(dest="rules_command", metavar="COMMAND", required=True)

    p = cmds.add_parser("publish", help="publish a rules file as an immutable version in force from a date")
    p.add_argument("file", metavar="FILE.yaml", help="a params file (the --params format, with optional regions:)")
    p.add_argument("--version", required=True, metavar="V", help="the version's name, e.g. 2025.1")
    p.add_argument("--effective-from", required=True, metavar="YYYY-MM-DD", help="the first day it is in force")
    p.add_argument("--note", metavar="TEXT", help="what changed and why (required with --backdate)")
    p.add_argument("--backdate", action="store_true",
                   help="allow a date before the latest version's (past scans are then judged by this version)")
    _common(p, user=True, user_required=True)
    p.set_defaults(func=cmd_publish)

    p = cmds.add_parser("list", help="the published versions and the retired indicators")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _common(p)
    p.set_defaults(func=cmd_list)

    p = cmds.add_parser("show", help="a version: its parameters, resolved, and what each region sets differently")
    p.add_argument("version", metavar="V")
    p.add_argument("--region", metavar="CODE", help="the whole resolved parameters of this region")
    _common(p)
    p.set_defaults(func=cmd_show)

    p = cmds.add_parser("diff", help="what changes from one version to another (indicator, parameter, region)")
    p.add_argument("old", metavar="V1")
    p.add_argument("new", metavar="V2")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _common(p)
    p.set_defaults(func=cmd_diff)

    p = cmds.add_parser("retire", help="retire an indicator from a date (有进有出): no scan from then on runs it")
    p.add_argument("code", metavar="CODE")
    p.add_argument("--from", dest="since", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--note", required=True, metavar="TEXT")
    _common(p, user=True, user_required=True)
    p.set_defaults(func=cmd_retire)

    p = cmds.add_parser("backtest", help="the findings a candidate rules file would add and remove, with the "
                                         "reviewers' verdicts on the removed ones")
    p.add_argument("file", metavar="FILE.yaml")
    p.add_argument("--data", required=True, metavar="DIR", help="the data directory to scan")
    p.add_argument("--as-of", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--csv", metavar="FILE.csv", help="also write every appearing and disappearing finding")
    p.add_argument("--db", metavar="URL", help="the register: the version in force and the verdicts "
                                              "(without it: the params directory, no verdicts)")
    p.set_defaults(func=cmd_backtest)

    p = cmds.add_parser("quality", help="each rule's precision from the reviewers' verdicts, per indicator and region")
    p.add_argument("--region", metavar="CODE", help="the cases of this region's subtree (default: all)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _common(p)
    p.set_defaults(func=cmd_quality)
