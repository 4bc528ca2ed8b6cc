"""What-if runs: a proposed offer catalogue against the current one, as background jobs.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create what_if_runs, indexed by status and by creation time."""
    op.create_table(
        "what_if_runs",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_what_if_runs_status", "what_if_runs", ["status"])
    op.create_index("ix_what_if_runs_created_at", "what_if_runs", ["created_at"])


def downgrade() -> None:
    """Drop what_if_runs."""
    op.drop_index("ix_what_if_runs_created_at", table_name="what_if_runs")
    op.drop_index("ix_what_if_runs_status", table_name="what_if_runs")
    op.drop_table("what_if_runs")
