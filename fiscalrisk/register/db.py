"""The register's database: SQLite by default, PostgreSQL by URL; tables, engine, migrations.

``FISCALRISK_DB`` or ``--db`` give the URL; a plain path is a SQLite file (default ``./fiscalrisk.db``).
The schema is created and upgraded by Alembic (``fiscalrisk/register/migrations``); the tables below
are the code's view of the latest migration (a test checks they agree).

SQLite: write transactions start with ``BEGIN IMMEDIATE`` (two writers queue instead of failing on a
lock upgrade), with a busy timeout; foreign keys on. PostgreSQL: the events table refuses UPDATE and
DELETE through a trigger (besides the hash chain).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

__all__ = ["metadata", "users", "regions", "units", "cases", "events", "exemptions", "scans", "chain", "region_paths",
           "rule_versions", "rule_retirements",
           "database_url", "connect", "migrate", "head_revision", "current_revision", "DEFAULT_DB"]

DEFAULT_DB = "fiscalrisk.db"
CODE = 64  # length of a code column (region and unit codes are at most 64 characters)

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("name", String(CODE), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("unit_code", String(CODE)),
    Column("region_code", String(CODE)),
    Column("created_at", String(32), nullable=False),
    Column("password_hash", String(255)),  # argon2id, salted (migration 0002); None: cannot sign in
)
regions = Table(
    "regions", metadata,
    Column("region_code", String(CODE), primary_key=True),
    Column("parent_code", String(CODE)),
    Column("level", String(16), nullable=False),
)
units = Table(
    "units", metadata,
    Column("unit_code", String(CODE), primary_key=True),
    Column("region_code", String(CODE), nullable=False),
)
cases = Table(
    "cases", metadata,
    Column("case_id", Integer, primary_key=True, autoincrement=False),
    Column("finding_id", String(32), nullable=False, unique=True),
    Column("indicator", String(16), nullable=False),
    Column("module", String(32), nullable=False),
    Column("level", String(16), nullable=False),
    Column("region_code", String(CODE), nullable=False, index=True),
    Column("unit_code", String(CODE), index=True),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", Text, nullable=False),
    Column("period", String(16), nullable=False),
    Column("value", Float),
    Column("threshold", Float),
    Column("message_zh", Text, nullable=False),
    Column("message_en", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("round", Integer, nullable=False),
    Column("reopened", Integer, nullable=False),
    Column("cleared_by_data", Boolean, nullable=False),
    Column("cleared_scan", String(64)),
    Column("dispatched_on", Date),
    Column("due_on", Date),
    Column("response", String(16)),
    Column("dismiss_reason", String(16)),
    Column("rectified_amount", Float),
    Column("first_seen", Date, nullable=False),
    Column("last_seen", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("confirmed_on", Date),  # migration 0003: the days a case was confirmed, dismissed, closed (KPIs)
    Column("dismissed_on", Date),
    Column("closed_on", Date),
    Column("rules_version", String(32)),  # migration 0004: the rules version of the latest finding
)
events = Table(
    "events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("case_id", Integer, ForeignKey("cases.case_id"), index=True),
    Column("at", String(32), nullable=False),
    Column("user_name", String(CODE), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16)),
    Column("note", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
exemptions = Table(
    "exemptions", metadata,
    Column("exemption_id", Integer, primary_key=True, autoincrement=False),
    Column("indicator", String(16), nullable=False),
    Column("subject_id", Text),
    Column("unit_code", String(CODE)),
    Column("until", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by", String(CODE), nullable=False),
    Column("created_at", String(32), nullable=False),
)
scans = Table(
    "scans", metadata,
    Column("scan_id", String(64), primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("ingested_at", String(32), nullable=False),
    Column("counts", Text, nullable=False),
)
#: every (ancestor, descendant) pair of the region tree with the number of levels between them (0: itself);
#: rebuilt at each ingest, it lets the KPIs roll cases up the tree in SQL (migration 0003)
region_paths = Table(
    "region_paths", metadata,
    Column("ancestor", String(CODE), primary_key=True),
    Column("descendant", String(CODE), primary_key=True, index=True),
    Column("depth", Integer, nullable=False),
)
#: published rules versions (migration 0004): immutable once written; ``content`` is the canonical JSON
#: of the rule set (fiscalrisk.ruleset.RuleSet), ``sha256`` its fingerprint, also in the audit trail
rule_versions = Table(
    "rule_versions", metadata,
    Column("version", String(32), primary_key=True),
    Column("effective_from", Date, nullable=False, unique=True),
    Column("published_at", String(32), nullable=False),
    Column("published_by", String(CODE), nullable=False),
    Column("note", Text, nullable=False),
    Column("backdated", Boolean, nullable=False),
    Column("source", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
)
#: indicator codes retired from a date: not run by a scan as of that date or later, in any version
rule_retirements = Table(
    "rule_retirements", metadata,
    Column("indicator", String(16), primary_key=True),
    Column("from_date", Date, nullable=False),
    Column("note", Text, nullable=False),
    Column("retired_by", String(CODE), nullable=False),
    Column("retired_at", String(32), nullable=False),
)
#: the head of the audit trail: one row (id 1) holding the last sequence number and hash. Every
#: transaction that appends events locks it first, so appends are serialised and the chain never forks.
chain = Table(
    "chain", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)


def database_url(db: str | None = None) -> str:
    """``--db``, else ``$FISCALRISK_DB``, else ``./fiscalrisk.db``; a plain path becomes a SQLite URL."""
    value = db or os.environ.get("FISCALRISK_DB") or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def connect(url: str) -> Engine:
    """An engine for ``url`` (see the module for the SQLite settings)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API object
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # noqa: ANN001
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return cfg


def head_revision() -> str:
    """The latest migration of this version of fiscalrisk."""
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory.from_config(_alembic_config()).get_current_head())


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None: no register there)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> str:
    """Create or upgrade the schema to the latest migration (idempotent); returns the revision."""
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return str(current_revision(engine))
