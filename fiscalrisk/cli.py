"""The ``fiscalrisk`` command.

Exit status: 0 when the command did its work, 2 for bad input or bad parameters (with a message naming
the file, row, column, value and what was expected; never a traceback), 1 for an internal error.

Also exit 2, with one line and no traceback: the output folder is being written by another run (the
message names the folder and the PID holding its lock ``.OUT.lock``; the second run does not wait), and
a full disk or quota (ENOSPC, EDQUOT): "the disk is full: could not write OUT" — the previous output is
left intact and nothing half-written remains; free some space and run again (see fiscalrisk.staging).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, UserError  # noqa: F401 - EXIT_* and UserError: re-exported
from .inputs import load_or_explain, parse_date, problems_error  # noqa: F401 - re-exported
from .version import __version__

DESCRIPTION = """\
fiscalrisk — risk monitoring for local public finance.

Typical monthly flow:
  fiscalrisk validate DATA_DIR            check the bureau's export against the data contract
  fiscalrisk scan DATA_DIR --out SCAN     compute every indicator; findings, scores, PEFA
  fiscalrisk evaluate DATA_DIR SCAN       compare findings with labels.csv (samples)
  fiscalrisk report --scan SCAN --out REPORTS
                                          every region's report: notebook, HTML, findings.xlsx, index.html
  fiscalrisk export REPORTS --to BUNDLE.zip   a reproducible bundle; fiscalrisk verify BUNDLE.zip
  fiscalrisk dashboard --scan SCAN [--region CODE]
                                          serve the managers' dashboard (offline, token-protected)
  fiscalrisk rules publish FILE.yaml --version V --effective-from DATE --user NAME
                                          a rules version; then fiscalrisk scan DATA_DIR --as-of DATE --db URL
                                          judges by the version in force on that date (docs/rules.md)

Reports and the dashboard read the scan directory only (scan format 2; docs/scan-directory.md).

To try it without data: fiscalrisk sample --out DIR  (a synthetic Huzhou-like data set).
"""


def _print_err(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_sample(args: argparse.Namespace) -> int:
    from . import samples

    out = Path(args.out)
    if args.size in samples.PROVINCE_SIZES:
        from .samples import province

        manifest = province.write(out, seed=args.seed, size=args.size, log=_print_err)
        counts = manifest["counts"]
        tree = manifest["tree"]
        print(f"province sample written to {out} (seed {args.seed}, size {args.size}): {tree['city']} cities, "
              f"{tree['county']} counties, {tree['township']} townships, payments in "
              f"{len(manifest['payments_partitions'])} county partitions (Parquet)")
    else:
        written = samples.write(out, seed=args.seed, size=args.size)
        counts = {name: sum(1 for _ in open(path, encoding="utf-8")) - 1 for name, path in sorted(written.items())}
        print(f"sample written to {out} (seed {args.seed}, size {args.size})")
    for name, n in counts.items():
        print(f"  {name:<18} {n:>10,} rows")
    return EXIT_OK


def files_in_brief(files: Sequence[str]) -> str:
    """A table's source files for a line of text: ``38 files: 2019-06.csv … 2022-07.csv`` from 3 on
    (first and last in name order)."""
    names = sorted(str(f) for f in files)
    if not names:
        return "-"
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"2 files: {names[0]}, {names[1]}"
    return f"{len(names)} files: {names[0]} … {names[-1]}"


def validate_report(args: argparse.Namespace, dataset, problems) -> dict:
    """What ``validate --format json`` prints: the verdict, every table with all its files, or the problems."""
    import pandas as pd

    report: dict = {"valid": dataset is not None, "data_dir": str(args.data_dir), "mapping": args.mapping}
    if dataset is None:
        records = [
            {k: None if pd.isna(v) else int(v) if k == "row" else str(v) for k, v in rec.items()}
            for rec in problems.to_dict(orient="records")
        ]
        report["problem_count"] = len(records)
        report["problems"] = records
        return report
    report["currency"] = dataset.currency
    report["tables"] = [
        {
            "table": name,
            "rows": len(dataset[name]),
            "files": sorted(str(f) for f in dataset.sources.get(name, [])),
            "sha256": dataset.fingerprints.get(name, ""),
            "rows_dropped": dict(dataset.dropped.get(name, {"blank": 0, "where": 0})),
        }
        for name in dataset
    ]
    return report


def cmd_validate(args: argparse.Namespace) -> int:
    from .data import MappingError, check, format_problems
    from .data.limits import InputLimits
    from .params import resolve

    for f in args.params or []:
        if not Path(f).is_file():
            raise UserError(f"--params: file '{f}' not found")
    limits = InputLimits.from_params(resolve(files=tuple(args.params or ())))  # section input: what is read
    try:
        dataset, problems = check(args.data_dir, args.mapping, limits=limits)
    except MappingError as exc:
        raise UserError(f"bad column mapping: {exc}") from None
    if args.problems_csv:
        from .cells import escape_frame

        escape_frame(problems).to_csv(args.problems_csv, index=False)  # values from the data stay text
    if args.format == "json":
        import json

        print(json.dumps(validate_report(args, dataset, problems), ensure_ascii=False, indent=2))
        return EXIT_OK if dataset is not None else EXIT_BAD_INPUT
    if dataset is None:
        n = len(problems)
        _print_err(f"INVALID: {args.data_dir}: {n} problem{'s' if n != 1 else ''} (file:row: column value: expected)")
        _print_err(format_problems(problems, limit=args.limit))
        if args.problems_csv:
            _print_err(f"the full problem table is in {args.problems_csv}")
        return EXIT_BAD_INPUT
    print(f"valid: {args.data_dir}" + (f" (mapping {args.mapping})" if args.mapping else ""))
    summary = dataset.summary()
    summary["files"] = [files_in_brief(dataset.sources.get(name, [])) for name in summary["table"]]
    print(summary.to_string(index=False))
    for name, counts in dataset.dropped.items():
        why = [f"{counts[k]:,} {label}" for k, label in (("blank", "blank (drop_blank)"), ("where", "not meeting 'where'"))
               if counts.get(k)]
        n = sum(counts.values())
        print(f"{name}: {n:,} row{'s' if n != 1 else ''} dropped by the mapping's row filters: {', '.join(why)}")
    return EXIT_OK


def scan_summary(findings, regions) -> str:
    """Alerts, warnings and notes (info) by module, and by county-level region (townships rolled up)."""
    import pandas as pd

    if len(findings) == 0:
        return "no findings"
    f = findings.assign(level=findings["level"].astype("str"))
    levels = ["alert", "warning"] + (["info"] if (f["level"] == "info").any() else [])
    by_module = pd.crosstab(f["module"], f["level"]).reindex(columns=levels, fill_value=0)
    by_module.loc["total"] = by_module.sum()
    parent = dict(zip(regions["region_code"], regions["parent_code"], strict=False))
    level = dict(zip(regions["region_code"], regions["level"], strict=False))
    names = dict(zip(regions["region_code"], regions["name"], strict=False))

    def county_of(code: str) -> str:
        seen = set()
        while code in parent and level.get(code) == "township" and code not in seen:
            seen.add(code)
            code = parent[code]
        return code

    area = f["region_code"].map(lambda c: county_of(c) if isinstance(c, str) else c)
    by_region = pd.crosstab(area.map(lambda c: f"{c} {names.get(c, '')}".strip()), f["level"])
    by_region = by_region.reindex(columns=levels, fill_value=0).sort_index()
    return (
        "by module:\n" + by_module.to_string() + "\n\nby region (townships counted in their county):\n" + by_region.to_string()
    )


def cmd_scan(args: argparse.Namespace) -> int:
    from .data.limits import InputLimits
    from .params import resolve
    from .scan import scan, write_scan

    as_of = parse_date(args.as_of, "--as-of")
    for f in args.params or []:
        if not Path(f).is_file():
            raise UserError(f"--params: file '{f}' not found")
    rules = _rules_in_force(args, as_of)
    # params first: a bad params file is refused before the data is read, and its `input` limits apply
    limits = InputLimits.from_params(rules.resolve() if rules is not None else resolve(files=tuple(args.params or ())))
    workers, scheduler = getattr(args, "workers", 1), getattr(args, "scheduler", None)
    workers = 1 if workers is None else int(workers)
    if workers < 1:
        raise UserError(f"--workers expects a whole number ≥ 1, got {workers}")
    jobs = getattr(args, "jobs", 1)
    jobs = 1 if jobs is None else int(jobs)
    if jobs < 1:
        raise UserError(f"--jobs expects a whole number ≥ 1, got {jobs}")
    from .partitions import is_partitioned

    if (Path(args.data_dir).is_dir() and is_partitioned(args.data_dir)) or workers > 1 or scheduler:
        # partition by partition (payments/county=<code>/), here or on a Dask cluster
        if args.mapping:
            raise UserError("--mapping reads a foreign export in one piece; it cannot be combined with a "
                            "partitioned data directory, --workers or --scheduler")
        result = _scan_partitioned(args, as_of, limits, workers, scheduler, rules, jobs)
        import pandas as pd

        regions = pd.DataFrame(result.manifest.get("regions") or [], columns=["region_code", "parent_code", "level", "name"])
    else:
        dataset = load_or_explain(args.data_dir, args.mapping, limits=limits)
        result = scan(dataset, as_of=as_of, region=args.region, files=tuple(args.params or ()), rules=rules,
                      jobs=jobs)
        regions = dataset["regions"]
    out = write_scan(result, args.out)
    f = result.findings
    n_alert = int((f["level"].astype("str") == "alert").sum())
    n_warn = int((f["level"].astype("str") == "warning").sum())
    n_info = int((f["level"].astype("str") == "info").sum())
    as_of_text = result.manifest.get("as_of", "")
    notes = f", {n_info:,} notes (info)" if n_info else ""
    print(f"scan written to {out} (as of {as_of_text}, rules version {result.manifest.get('rules_version')}): "
          f"{n_alert:,} alerts, {n_warn:,} warnings{notes}")
    for table, reasons in (result.manifest.get("ignored") or {}).items():
        n = int(reasons.get("after_as_of", 0))
        print(f"{table}: {n:,} report{'s' if n != 1 else ''} dated after as_of {as_of_text} ignored "
              "(the latest report on or before as_of counts)")
    print(scan_summary(f, regions))
    not_assessed = result.assessed[result.assessed["status"].astype("str") != "assessed"] if "status" in result.assessed else None
    if not_assessed is not None and len(not_assessed):
        codes = sorted(set(not_assessed["indicator"]))
        print(f"\nnot assessed somewhere ({len(codes)} indicators; reasons in assessed.csv): {', '.join(codes)}")
    if result.errors:
        # the scan finished and is written; the exit status says that part of it failed
        for code, tb in result.errors.items():
            _print_err(f"internal error in {code}: {result.manifest['errors'][code]} (not assessed; "
                       "the other indicators ran)")
            if getattr(args, "debug", False):
                _print_err(tb)
        return EXIT_INTERNAL
    return EXIT_OK


def _rules_in_force(args: argparse.Namespace, as_of):
    """With ``--db``: the rules version in force at ``--as-of`` (None without ``--db``: the params files,
    recorded as unpublished)."""
    if not getattr(args, "db", None):
        return None
    if args.params:
        raise UserError("give --db (the published rules version in force) or --params (an unpublished ad-hoc "
                        "run), not both")
    if as_of is None:
        raise UserError("--db chooses the rules version in force on the scan's date: give --as-of YYYY-MM-DD")
    from .register import Register
    from .register.rulesets import in_force

    return in_force(Register(args.db), as_of)


def _scan_partitioned(args: argparse.Namespace, as_of, limits, workers: int, scheduler: str | None, rules=None,
                      jobs: int = 1):
    """:func:`fiscalrisk.partitions.scan_data_dir`, with the data's problems as the usual table (exit 2)."""
    from .data import DataError
    from .partitions import scan_data_dir

    try:
        return scan_data_dir(args.data_dir, as_of, region=args.region, files=tuple(args.params or ()),
                             limits=limits, workers=workers, scheduler=scheduler, rules=rules, jobs=jobs)
    except DataError as exc:
        raise problems_error(getattr(exc, "context", "") or args.data_dir, exc.problems) from None
    except OSError as exc:
        if scheduler:
            raise UserError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from None
        raise


def cmd_evaluate(args: argparse.Namespace) -> int:
    import pandas as pd

    from .scan import evaluate, read_findings

    labels_path = Path(args.data_dir) / "labels.csv"
    if not labels_path.is_file():
        raise UserError(f"{labels_path}: not found (evaluate compares a scan with a sample's labels.csv)")
    scan_dir = Path(args.scan_dir)
    if not (scan_dir / "findings.parquet").is_file():
        raise UserError(f"{scan_dir}: not a scan directory (findings.parquet missing); run fiscalrisk scan first")
    labels = pd.read_csv(labels_path, dtype="str", keep_default_na=False)
    table = evaluate(read_findings(scan_dir), labels)
    shown = table.copy()
    for col in ("recall", "precision"):
        shown[col] = shown[col].map(lambda v: "-" if pd.isna(v) else f"{v:.0%}")
    print(shown.to_string(index=False))
    tp, lab, found = table["true_positives"].sum(), table["labelled"].sum(), table["found"].sum()
    print(f"\noverall: recall {tp / max(lab, 1):.1%} ({tp}/{lab}), precision {tp / max(found, 1):.1%} ({tp}/{found})")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fiscalrisk", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"fiscalrisk {__version__}")
    parser.add_argument("--debug", action="store_true", help="print the traceback of an internal error (exit 1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("sample", help="write a synthetic Huzhou-like data set with planted risks and labels.csv")
    p.add_argument("--out", required=True, help="directory to create (must be new, or a previous sample)")
    p.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives byte-identical files")
    p.add_argument(
        "--size",
        choices=["small", "full", "province", "province-small"],
        default="small",
        help="small (a few MB, CSV), full (≥ 1M payments, CSV), province (10 cities, ≥ 10M payments, Parquet "
        "partitioned by county: payments/county=<code>/part-<NNNNN>.parquet) or province-small (3 cities, "
        "same layout, for tests)",
    )
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("validate", help="check a data directory against the data contract")
    p.add_argument("data_dir", metavar="DATA_DIR", help="directory with <table>.csv/.parquet files or one .xlsx workbook")
    p.add_argument("--mapping", metavar="FILE", help="column-mapping YAML for a foreign source (see mappings/)")
    p.add_argument("--problems-csv", metavar="FILE", help="also write the full problem table as CSV")
    p.add_argument("--limit", type=int, default=100, help="problems printed at most (default 100; text only)")
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text (default): a table with each table's file count, first and last file; json: the verdict, "
        "every table with all its files, or every problem, on stdout (exit status as for text)",
    )
    p.add_argument(
        "--params", metavar="FILE", action="append", help="params YAML layered over params/ (repeatable; section input)"
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "scan",
        help="compute every indicator and detector; write findings, scores, PEFA to a scan directory",
        description="Scan a data directory and write the scan directory of the data contract (section 2): "
        "findings.csv/.parquet, assessed.csv, pefa.csv, pefa_scores.csv, scores.csv, the graded values "
        "(values/), the series and reference tables reports and the dashboard draw (series/, reference/), "
        "manifest.json (scan format 2; docs/scan-directory.md).",
    )
    p.add_argument("data_dir", metavar="DATA_DIR")
    p.add_argument("--out", required=True, metavar="OUT_DIR", help="scan directory to write (new, or a previous scan)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date the scan looks from (default: the latest pay_date)")
    p.add_argument("--params", metavar="FILE", action="append",
                   help="params YAML layered over params/ (repeatable; an ad-hoc run: rules version 'unpublished')")
    p.add_argument("--db", metavar="URL", help="the register's database: scan with the rules version in force at "
                                               "--as-of (docs/rules.md)")
    p.add_argument("--mapping", metavar="FILE", help="column-mapping YAML for a foreign source")
    p.add_argument("--region", metavar="CODE",
                   help="keep only this region and its subtree (its findings have the values the whole scan "
                        "gives them: peer groups come from the whole data set)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="scan the payments county by county on a local Dask cluster of N processes")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="scan the county partitions on an existing Dask cluster (its workers must read DATA_DIR)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="run the indicators in N processes on this machine (the same findings; a million "
                        "payments take about two thirds of the time on two cores)")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("evaluate", help="recall and precision of a scan against a sample's labels.csv")
    p.add_argument("data_dir", metavar="DATA_DIR", help="the sample directory holding labels.csv")
    p.add_argument("scan_dir", metavar="SCAN_DIR")
    p.set_defaults(func=cmd_evaluate)

    for register in _EXTENSIONS:
        register(sub)
    return parser


# subcommands that live beside the code they drive, imported when the parser is built: report
# (runner.py), export and verify (export.py), dashboard (dashboard.py), the alert register, rules, casedesk.
# Each module is named by a literal, so that the import graph (tests/test_layers.py) sees the edge.
_EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = [
    lambda sub: importlib.import_module("fiscalrisk.runner").register(sub),
    lambda sub: importlib.import_module("fiscalrisk.export").register(sub),
    lambda sub: importlib.import_module("fiscalrisk.dashboard").register(sub),
    lambda sub: importlib.import_module("fiscalrisk.register.cli").register(sub),
    lambda sub: importlib.import_module("fiscalrisk.register.rulesets_cli").register(sub),
    lambda sub: importlib.import_module("fiscalrisk.casedesk").register(sub),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    from .command import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
