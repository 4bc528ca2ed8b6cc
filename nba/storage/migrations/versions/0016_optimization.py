"""Auto-optimize: the challengers' state and the history of their comparisons with the champion.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `challengers` and `optimizations`."""
    op.create_table(
        "challengers",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("policy", sa.String(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("learned", sa.Integer(), nullable=False),
        sa.Column("learned_ts", _TS, nullable=True),
        sa.Column("learned_id", sa.String(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "optimizations",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("computed_at", _TS, nullable=False),
        sa.Column("champion_version", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("promoted", sa.String(), nullable=True),
        sa.Column("promoted_version", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_optimizations_computed_at", "optimizations", ["computed_at"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_optimizations_computed_at", table_name="optimizations")
    op.drop_table("optimizations")
    op.drop_table("challengers")
