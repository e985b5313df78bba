"""What a command is given, checked: a data directory (loaded, or the readable problem table) and a date.

Every command reads its inputs through these (``fiscalrisk scan``, ``report``, ``export``, ``rules
check``); a problem is a :class:`~fiscalrisk.errors.UserError` (exit status 2, no traceback).
"""

from __future__ import annotations

from fiscalrisk.errors import UserError

__all__ = ["load_or_explain", "parse_date", "problems_error"]


def load_or_explain(data_dir: str, mapping: str | None = None, *, limits=None):
    """Load a data directory, or raise :class:`UserError` with the readable problem table.

    ``limits``: the :class:`fiscalrisk.data.limits.InputLimits` to read with (default: params' defaults).
    """
    from fiscalrisk.data import MappingError, check

    try:
        dataset, problems = check(data_dir, mapping, limits=limits)
    except MappingError as exc:
        raise UserError(f"bad column mapping: {exc}") from None
    if dataset is None:
        raise problems_error(data_dir, problems)
    return dataset


def problems_error(where, problems) -> UserError:
    """The user error of bad input: how many problems, then the table (file:row: column value: expected)."""
    from fiscalrisk.data import format_problems

    return UserError(
        f"{where}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the input "
        "(file:row: column value: what was expected)\n" + format_problems(problems)
    )


def parse_date(text: str | None, what: str):
    """``YYYY-MM-DD`` as a pandas Timestamp (None stays None); ``what`` names the option in the error."""
    if text is None:
        return None
    import pandas as pd

    try:
        return pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d"))
    except (ValueError, TypeError):
        raise UserError(f"{what}: expected a real date written YYYY-MM-DD, got '{text}'") from None
