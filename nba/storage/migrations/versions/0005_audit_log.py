"""The audit log; API key expiry and hash scheme.

Every change (offers, keys, models, apprentice graduation) adds a row to `audit_log` in the
transaction of the change. API keys get an optional `expires_at` and a `hash_scheme`: keys
stored before this migration keep their bare SHA-256 hash ("sha256") and stay valid; new
keys, and the bootstrap admin key when it is next registered, are stored as HMAC-SHA256
with the installation's own secret ("hmac-sha256").

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the audit_log table and the two api_keys columns."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("actor_role", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_ts", "audit_log", ["ts"])
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"])
    op.create_index("ix_audit_log_entity", "audit_log", ["entity"])
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("hash_scheme", sa.String(), nullable=False, server_default="sha256")
        )


def downgrade() -> None:
    """Drop what upgrade added (keys hashed with HMAC stop working: revoke them first)."""
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("hash_scheme")
        batch.drop_column("expires_at")
    for column in ("entity", "actor_id", "ts"):
        op.drop_index(f"ix_audit_log_{column}", table_name="audit_log")
    op.drop_table("audit_log")
