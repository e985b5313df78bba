"""The alert register: users, regions, units, cases, events (hash chain), exemptions, scans.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CODE = 64


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(CODE), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("unit_code", sa.String(CODE)),
        sa.Column("region_code", sa.String(CODE)),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "regions",
        sa.Column("region_code", sa.String(CODE), primary_key=True),
        sa.Column("parent_code", sa.String(CODE)),
        sa.Column("level", sa.String(16), nullable=False),
    )
    op.create_table(
        "units",
        sa.Column("unit_code", sa.String(CODE), primary_key=True),
        sa.Column("region_code", sa.String(CODE), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("finding_id", sa.String(32), nullable=False, unique=True),
        sa.Column("indicator", sa.String(16), nullable=False),
        sa.Column("module", sa.String(32), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("region_code", sa.String(CODE), nullable=False, index=True),
        sa.Column("unit_code", sa.String(CODE), index=True),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.Text, nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("threshold", sa.Float),
        sa.Column("message_zh", sa.Text, nullable=False),
        sa.Column("message_en", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("reopened", sa.Integer, nullable=False),
        sa.Column("cleared_by_data", sa.Boolean, nullable=False),
        sa.Column("cleared_scan", sa.String(64)),
        sa.Column("dispatched_on", sa.Date),
        sa.Column("due_on", sa.Date),
        sa.Column("response", sa.String(16)),
        sa.Column("dismiss_reason", sa.String(16)),
        sa.Column("rectified_amount", sa.Float),
        sa.Column("first_seen", sa.Date, nullable=False),
        sa.Column("last_seen", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.case_id"), index=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("user_name", sa.String(CODE), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16)),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "exemptions",
        sa.Column("exemption_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("indicator", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.Text),
        sa.Column("unit_code", sa.String(CODE)),
        sa.Column("until", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(CODE), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "scans",
        sa.Column("scan_id", sa.String(64), primary_key=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("ingested_at", sa.String(32), nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
    )
    op.create_table(
        "chain",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(sa.table("chain", sa.column("id"), sa.column("seq"), sa.column("hash")),
                   [{"id": 1, "seq": 0, "hash": "0" * 64}])
    if op.get_bind().dialect.name == "postgresql":
        # the audit trail is append-only: PostgreSQL itself refuses to change or remove an event
        op.execute("""
            CREATE FUNCTION fiscalrisk_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the register''s events are append-only (% refused)', TG_OP;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
            FOR EACH ROW EXECUTE FUNCTION fiscalrisk_events_append_only()
        """)
        op.execute("""
            CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
            FOR EACH STATEMENT EXECUTE FUNCTION fiscalrisk_events_append_only()
        """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
        op.execute("DROP FUNCTION IF EXISTS fiscalrisk_events_append_only()")
    for name in ("chain", "scans", "exemptions", "events", "cases", "units", "regions", "users"):
        op.drop_table(name)
