"""Running one subcommand with the product's exit statuses, from ``fiscalrisk`` or on its own.

0 when the command did its work; 2, with one line and no traceback, for a
:class:`~fiscalrisk.errors.UserError`, bad data, bad params, an output folder locked by another run or
a full disk; 1 for an internal error (its traceback with ``--debug``). ``fiscalrisk.cli.main`` runs
every subcommand through :func:`run`; ``python -m fiscalrisk.dashboard`` and ``python -m
fiscalrisk.casedesk`` run theirs through :func:`run_alone`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from fiscalrisk.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, UserError

__all__ = ["run", "run_alone"]


def _print_err(message: str) -> None:
    print(message, file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """``args.func(args)``, its exceptions turned into a message on stderr and an exit status."""
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        _print_err(f"error: {exc}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _print_err("interrupted")
        return 130
    except BrokenPipeError:  # the output was piped into a reader that stopped (| head): not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence: exit 1, short message
        from fiscalrisk.data import DataError, MappingError

        if isinstance(exc, (DataError, MappingError, FileExistsError, FileNotFoundError)):
            _print_err(f"error: {exc}")
            return EXIT_BAD_INPUT
        if _is_params_error(exc):
            _print_err(f"error: {exc}")
            return EXIT_BAD_INPUT
        from fiscalrisk.staging import disk_full_message, is_disk_full

        if is_disk_full(exc):  # staged outputs say which folder; any other write names its file
            _print_err(f"error: {disk_full_message(exc)}")
            return EXIT_BAD_INPUT
        import traceback

        _print_err(f"internal error: {exc.__class__.__name__}: {exc}")
        if getattr(args, "debug", False):
            traceback.print_exc()
        return EXIT_INTERNAL


def run_alone(name: str, register: Callable[[argparse._SubParsersAction], None], argv: Sequence[str]) -> int:
    """The subcommand ``name`` that ``register(sub)`` adds, parsed from ``argv`` and run as ``fiscalrisk
    name ...`` would run it (same help, same exit statuses)."""
    parser = argparse.ArgumentParser(prog="fiscalrisk")
    register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    return run(parser.parse_args([name, *argv]))


def _is_params_error(exc: Exception) -> bool:
    try:
        from fiscalrisk.params import ParamsError
    except ImportError:
        return False
    return isinstance(exc, ParamsError)
