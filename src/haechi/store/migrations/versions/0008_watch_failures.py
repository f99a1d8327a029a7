"""watches count their failures in a row, so a failing watch is retried with back-off

A watch that fails is tried again sooner than its interval (a site may be down for minutes),
then less and less often: the delay doubles from a base with each failure in a row, up to the
watch's own interval. ``failures`` is that count; a run that succeeds sets it back to 0.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch_op:
        batch_op.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch_op:
        batch_op.drop_column("failures")
