"""Which version learned each outcome and retention answer; shows by offer; shared state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add learned_version to outcomes and retention, decisions by offer, the state table."""
    op.create_index("ix_decisions_chosen", "decisions", ["chosen"])
    for table in ("outcomes", "retention"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("learned_version", sa.Integer(), nullable=True))
        op.create_index(
            f"ix_{table}_learned_version", table, ["learned_version", "ts", "decision_id"]
        )
    op.create_table(
        "state",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("state")
    op.drop_index("ix_decisions_chosen", table_name="decisions")
    for table in ("retention", "outcomes"):
        op.drop_index(f"ix_{table}_learned_version", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("learned_version")
