"""Errors a user can fix: printed without a traceback by the command line, exit status 2."""


class UserError(Exception):
    """An input or parameter problem the user can fix (a missing directory, a bad date, ...)."""
