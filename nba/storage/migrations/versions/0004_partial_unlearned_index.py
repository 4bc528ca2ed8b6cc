"""The trainer's index holds only what is not learned yet (a partial index).

The index on (learned_version, ts, decision_id) grew with every outcome ever learned, and
marking an outcome learned wrote a new entry into it. A partial index on (ts, decision_id)
WHERE learned_version IS NULL holds only the pending rows: the trainer's scan stays as small
as its backlog, and marking drops a row from it instead of adding one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("outcomes", "retention")


def upgrade() -> None:
    """Replace each learned-version index by a partial index of the unlearned rows."""
    for table in TABLES:
        op.drop_index(f"ix_{table}_learned_version", table_name=table)
        pending = sa.text("learned_version IS NULL")
        op.create_index(
            f"ix_{table}_unlearned", table, ["ts", "decision_id"],
            postgresql_where=pending, sqlite_where=pending,
        )  # fmt: skip


def downgrade() -> None:
    """Back to the full learned-version indexes."""
    for table in TABLES:
        op.drop_index(f"ix_{table}_unlearned", table_name=table)
        op.create_index(
            f"ix_{table}_learned_version", table, ["learned_version", "ts", "decision_id"]
        )
