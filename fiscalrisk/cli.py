"""The ``fiscalrisk`` command.

Exit status: 0 when the command did its work, 2 for bad input or bad parameters (with a message naming
the file, row, column, value and what was expected; never a traceback), 1 for an internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2

DESCRIPTION = """\
fiscalrisk — risk monitoring for local public finance.

Typical monthly flow:
  fiscalrisk validate DATA_DIR            check the bureau's export against the data contract
  fiscalrisk scan DATA_DIR --out SCAN     compute every indicator; findings, scores, PEFA
  fiscalrisk evaluate DATA_DIR SCAN       compare findings with labels.csv (samples)

To try it without data: fiscalrisk sample --out DIR  (a synthetic Huzhou-like data set).
"""


class UserError(Exception):
    """An input or parameter problem the user can fix: printed without a traceback, exit 2."""


def _print_err(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_sample(args: argparse.Namespace) -> int:
    from . import samples

    out = Path(args.out)
    written = samples.write(out, seed=args.seed, size=args.size)
    counts = {name: sum(1 for _ in open(path, encoding="utf-8")) - 1 for name, path in sorted(written.items())}
    print(f"sample written to {out} (seed {args.seed}, size {args.size})")
    for name, n in counts.items():
        print(f"  {name:<18} {n:>10,} rows")
    return EXIT_OK


def load_or_explain(data_dir: str, mapping: str | None = None):
    """Load a data directory, or raise :class:`UserError` with the readable problem table."""
    from .data import MappingError, check, format_problems

    try:
        dataset, problems = check(data_dir, mapping)
    except MappingError as exc:
        raise UserError(f"bad column mapping: {exc}") from None
    if dataset is None:
        raise UserError(
            f"{data_dir}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the input "
            "(file:row: column value: what was expected)\n" + format_problems(problems)
        )
    return dataset


def cmd_validate(args: argparse.Namespace) -> int:
    from .data import MappingError, check, format_problems

    try:
        dataset, problems = check(args.data_dir, args.mapping)
    except MappingError as exc:
        raise UserError(f"bad column mapping: {exc}") from None
    if args.problems_csv:
        problems.to_csv(args.problems_csv, index=False)
    if dataset is None:
        n = len(problems)
        _print_err(f"INVALID: {args.data_dir}: {n} problem{'s' if n != 1 else ''} (file:row: column value: expected)")
        _print_err(format_problems(problems, limit=args.limit))
        if args.problems_csv:
            _print_err(f"the full problem table is in {args.problems_csv}")
        return EXIT_BAD_INPUT
    print(f"valid: {args.data_dir}" + (f" (mapping {args.mapping})" if args.mapping else ""))
    print(dataset.summary().to_string(index=False))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fiscalrisk", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"fiscalrisk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("sample", help="write a synthetic Huzhou-like data set with planted risks and labels.csv")
    p.add_argument("--out", required=True, help="directory to create (must be new, or a previous sample)")
    p.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives byte-identical files")
    p.add_argument("--size", choices=["small", "full"], default="small", help="small (a few MB) or full (≥ 1M payments)")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("validate", help="check a data directory against the data contract")
    p.add_argument("data_dir", metavar="DATA_DIR", help="directory with <table>.csv/.parquet files or one .xlsx workbook")
    p.add_argument("--mapping", metavar="FILE", help="column-mapping YAML for a foreign source (see mappings/)")
    p.add_argument("--problems-csv", metavar="FILE", help="also write the full problem table as CSV")
    p.add_argument("--limit", type=int, default=100, help="problems printed at most (default 100)")
    p.set_defaults(func=cmd_validate)

    for register in _EXTENSIONS:
        register(sub)
    return parser


# Later subcommands (scan, evaluate, report, dashboard, export, verify) register themselves here.
_EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        _print_err(f"error: {exc}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _print_err("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: exit 1, short message
        from .data import DataError, MappingError

        if isinstance(exc, (DataError, MappingError, FileExistsError, FileNotFoundError)):
            _print_err(f"error: {exc}")
            return EXIT_BAD_INPUT
        if _is_params_error(exc):
            _print_err(f"error: {exc}")
            return EXIT_BAD_INPUT
        import traceback

        _print_err(f"internal error: {exc.__class__.__name__}: {exc}")
        if "--debug" in (argv or sys.argv):
            traceback.print_exc()
        return EXIT_INTERNAL


def _is_params_error(exc: Exception) -> bool:
    try:
        from .params import ParamsError
    except ImportError:
        return False
    return isinstance(exc, ParamsError)


if __name__ == "__main__":
    sys.exit(main())
