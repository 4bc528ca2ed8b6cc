"""Personalizer learning loops: loops, their keys, events, published models, evaluations.

A loop keeps its own log, models and settings apart from the retention catalogue's. Rows are
added by `nba.personalizer`; an empty `personalizer_loops` gets its "default" loop on first
use.

Revision ID: 0010
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0014"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the five personalizer_* tables."""
    op.create_table(
        "personalizer_loops",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("service", sa.JSON(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("logs_cleared_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "personalizer_keys",
        sa.Column("key_id", sa.String(), nullable=False),
        sa.Column("loop", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name="fk_personalizer_keys_key"),
        sa.ForeignKeyConstraint(
            ["loop"], ["personalizer_loops.name"], name="fk_personalizer_keys_loop"
        ),
    )
    op.create_index("ix_personalizer_keys_loop", "personalizer_keys", ["loop"])
    op.create_table(
        "personalizer_events",
        sa.Column("loop", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("slot_id", sa.String(), nullable=False),
        sa.Column("ts", _TS, nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("slot_features", sa.JSON(), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("excluded", sa.JSON(), nullable=False),
        sa.Column("probabilities", sa.JSON(), nullable=False),
        sa.Column("chosen", sa.Integer(), nullable=False),
        sa.Column("propensity", sa.Float(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("activated_at", _TS, nullable=True),
        sa.Column("reward", sa.Float(), nullable=True),
        sa.Column("reward_count", sa.Integer(), nullable=False),
        sa.Column("rewarded_at", _TS, nullable=True),
        sa.Column("learned_at", _TS, nullable=True),
        sa.Column("learned_reward", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("loop", "event_id", "slot_id"),
    )
    op.create_index(
        "ix_personalizer_events_due", "personalizer_events", ["loop", "learned_at", "ts"]
    )
    op.create_table(
        "personalizer_models",
        sa.Column("loop", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("loop", "version"),
    )
    op.create_table(
        "personalizer_evaluations",
        sa.Column("loop", sa.String(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("loop", "id"),
    )


def downgrade() -> None:
    """Drop the five tables."""
    op.drop_table("personalizer_evaluations")
    op.drop_table("personalizer_models")
    op.drop_index("ix_personalizer_events_due", table_name="personalizer_events")
    op.drop_table("personalizer_events")
    op.drop_index("ix_personalizer_keys_loop", table_name="personalizer_keys")
    op.drop_table("personalizer_keys")
    op.drop_table("personalizer_loops")
