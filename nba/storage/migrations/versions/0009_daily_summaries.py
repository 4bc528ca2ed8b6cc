"""Daily summaries for the console: per offer, day, churn band and channel; and context values.

The console's pages read these small tables instead of scanning the decision log on every
view. `nba.evaluation.summaries` fills them from a watermark kept in `state`; an empty table
after this migration is filled from the whole log by the job's first run.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create offer_band_days and offer_context_days, each with an index on its day."""
    op.create_table(
        "offer_band_days",
        sa.Column("offer_id", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("churn_band", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("shows", sa.Integer(), nullable=False),
        sa.Column("propensity_sum", sa.Float(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("accepts", sa.Integer(), nullable=False),
        sa.Column("spend", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", "day", "churn_band", "channel"),
    )
    op.create_index("ix_offer_band_days_day", "offer_band_days", ["day"])
    op.create_table(
        "offer_context_days",
        sa.Column("offer_id", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("shows", sa.Integer(), nullable=False),
        sa.Column("accepts", sa.Integer(), nullable=False),
        sa.Column("shows_sum", sa.Float(), nullable=False),
        sa.Column("accepts_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("offer_id", "day", "field", "value"),
    )
    op.create_index("ix_offer_context_days_day", "offer_context_days", ["day"])


def downgrade() -> None:
    """Drop both tables (and their watermark, so a later upgrade starts from the whole log)."""
    op.drop_index("ix_offer_context_days_day", table_name="offer_context_days")
    op.drop_table("offer_context_days")
    op.drop_index("ix_offer_band_days_day", table_name="offer_band_days")
    op.drop_table("offer_band_days")
    op.execute(sa.text("DELETE FROM state WHERE name = 'daily_summaries'"))
