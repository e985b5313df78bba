"""Monitoring KPIs: the dates a case was confirmed, dismissed and closed; the region tree's paths.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name in ("confirmed_on", "dismissed_on", "closed_on"):
        op.add_column("cases", sa.Column(name, sa.Date))
    op.create_table(
        "region_paths",
        sa.Column("ancestor", sa.String(64), primary_key=True),
        sa.Column("descendant", sa.String(64), primary_key=True, index=True),
        sa.Column("depth", sa.Integer, nullable=False),
    )
    # a register that already holds a region tree gets its paths now (later ingests rebuild them)
    parent = dict(op.get_bind().execute(sa.text("SELECT region_code, parent_code FROM regions")).all())
    rows = []
    for code in sorted(parent):
        node, depth, seen = code, 0, set()
        while node is not None and node not in seen:
            rows.append({"ancestor": node, "descendant": code, "depth": depth})
            seen.add(node)
            node, depth = parent.get(node), depth + 1
    if rows:
        op.bulk_insert(sa.table("region_paths", sa.column("ancestor"), sa.column("descendant"), sa.column("depth")),
                       rows)


def downgrade() -> None:
    op.drop_table("region_paths")
    with op.batch_alter_table("cases") as batch:
        for name in ("closed_on", "dismissed_on", "confirmed_on"):
            batch.drop_column(name)
