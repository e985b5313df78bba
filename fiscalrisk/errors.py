"""Errors a user can fix: printed without a traceback by the command line, exit status 2.

The exit statuses of every command (:mod:`fiscalrisk.command`): 0 when the command did its work, 1 for
an internal error, 2 for bad input or bad parameters.
"""

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class UserError(Exception):
    """An input or parameter problem the user can fix (a missing directory, a bad date, ...)."""
