"""Rules versions: published rule sets (immutable, with the date they take effect), retired indicator
codes, and the rules version of each case's latest finding.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_versions",
        sa.Column("version", sa.String(32), primary_key=True),
        sa.Column("effective_from", sa.Date, nullable=False, unique=True),
        sa.Column("published_at", sa.String(32), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("backdated", sa.Boolean, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "rule_retirements",
        sa.Column("indicator", sa.String(16), primary_key=True),
        sa.Column("from_date", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("retired_by", sa.String(64), nullable=False),
        sa.Column("retired_at", sa.String(32), nullable=False),
    )
    op.add_column("cases", sa.Column("rules_version", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("rules_version")
    op.drop_table("rule_retirements")
    op.drop_table("rule_versions")
