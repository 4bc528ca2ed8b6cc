"""Retention answers, evaluation jobs, shared locks; when the customer answered an outcome.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add retention, evaluations and locks, and outcomes.occurred_at."""
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("occurred_at", _utc(), nullable=True))
    op.create_table(
        "retention",
        sa.Column("decision_id", sa.String(), nullable=False),
        sa.Column("retained", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("ts", _utc(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("reward", sa.Float(), nullable=False),
        sa.Column("occurred_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name="fk_retention_decision_id"),
        sa.PrimaryKeyConstraint("decision_id"),
    )
    op.create_index("ix_retention_ts", "retention", ["ts"])
    op.create_table(
        "evaluations",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("finished_at", _utc(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evaluations_status", "evaluations", ["status"])
    op.create_table(
        "locks",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("locks")
    op.drop_index("ix_evaluations_status", table_name="evaluations")
    op.drop_table("evaluations")
    op.drop_index("ix_retention_ts", table_name="retention")
    op.drop_table("retention")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("occurred_at")
