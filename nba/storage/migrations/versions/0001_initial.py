"""Initial schema: offers, decisions, outcomes, model_versions, api_keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    # nba.storage.tables.UTCDateTime is a TypeDecorator over exactly this type.
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create every table and index."""
    op.create_table(
        "offers",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("eligibility", sa.JSON(), nullable=False),
        sa.Column("caps", sa.JSON(), nullable=False),
        sa.Column("starts_at", _utc(), nullable=True),
        sa.Column("ends_at", _utc(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", "version"),
    )
    op.create_index("ix_offers_id", "offers", ["id"])

    op.create_table(
        "decisions",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("ts", _utc(), nullable=False),
        sa.Column("customer_id", sa.String(), nullable=False),
        sa.Column("churn_score", sa.Float(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("eligible", sa.JSON(), nullable=False),
        sa.Column("probabilities", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("chosen", sa.String(), nullable=False),
        sa.Column("chosen_version", sa.Integer(), nullable=False),
        sa.Column("propensity", sa.Float(), nullable=False),
        sa.Column("policy", sa.String(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_decisions_ts", "decisions", ["ts"])
    op.create_index("ix_decisions_customer_id", "decisions", ["customer_id"])

    op.create_table(
        "outcomes",
        sa.Column("decision_id", sa.String(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("ts", _utc(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("reward", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("decision_id"),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name="fk_outcomes_decision_id"),
    )
    op.create_index("ix_outcomes_ts", "outcomes", ["ts"])

    op.create_table(
        "model_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("policy", sa.String(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("watermark", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_pinned", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("key_hash", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("is_revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_api_keys_key_hash", "api_keys", ["key_hash"], unique=True)


def downgrade() -> None:
    """Drop every table (and so every row)."""
    op.drop_index("ix_api_keys_key_hash", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("model_versions")
    op.drop_index("ix_outcomes_ts", table_name="outcomes")
    op.drop_table("outcomes")
    op.drop_index("ix_decisions_customer_id", table_name="decisions")
    op.drop_index("ix_decisions_ts", table_name="decisions")
    op.drop_table("decisions")
    op.drop_index("ix_offers_id", table_name="offers")
    op.drop_table("offers")
