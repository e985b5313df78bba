"""The alert register: every finding followed from warning to closure (``shared/spec/register.md``).

:class:`Register` (``core.py``) is the API; ``rules.py`` holds the states and moves; ``db.py`` the
database (SQLite by default, PostgreSQL by URL) and its Alembic migrations; ``cli.py`` the
``fiscalrisk register`` commands.
"""

from .core import AuditResult, ConflictError, IngestResult, Register, RegisterError
from .rules import MOVES, STATES

__all__ = ["Register", "RegisterError", "ConflictError", "IngestResult", "AuditResult", "MOVES", "STATES"]
