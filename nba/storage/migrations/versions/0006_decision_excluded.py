"""The offers a decision left out because nba could not use them, and why.

An offer stored with a value the decision path cannot take (a caps window beyond the calendar,
a feature the learner refuses) is left out of every decision instead of failing them; each
decision records which offers it left out in `excluded` (NULL: none).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable JSON column decisions.excluded."""
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("excluded", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop decisions.excluded."""
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("excluded")
