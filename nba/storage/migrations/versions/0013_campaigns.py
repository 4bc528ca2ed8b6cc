"""Batch campaigns: the campaigns table, and one assignment row per customer and campaign.

An assignment links a customer to the logged decision the campaign made for them, so the
campaign's decisions are tagged in the log; its primary key (campaign, customer) keeps a
campaign from assigning a customer twice, also when a run is resumed after a crash.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create campaigns and campaign_assignments."""
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_campaigns_status", "campaigns", ["status"])
    op.create_table(
        "campaign_assignments",
        sa.Column("campaign_id", sa.String(), nullable=False),
        sa.Column("customer_id", sa.String(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.String(), nullable=False),
        sa.Column("offer_id", sa.String(), nullable=False),
        sa.Column("holdout", sa.Boolean(), nullable=False),
        sa.Column("propensity", sa.Float(), nullable=False),
        sa.Column("expected_reward", sa.Float(), nullable=False),
        sa.Column("expected_accepts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "customer_id"),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name="fk_campaign_assignments_decision_id"
        ),
    )
    op.create_index("ix_campaign_assignments_decision_id", "campaign_assignments", ["decision_id"])


def downgrade() -> None:
    """Drop both tables (the campaigns' decisions stay in the log, untagged)."""
    op.drop_index("ix_campaign_assignments_decision_id", table_name="campaign_assignments")
    op.drop_table("campaign_assignments")
    op.drop_index("ix_campaigns_status", table_name="campaigns")
    op.drop_table("campaigns")
