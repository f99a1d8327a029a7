"""hits keep the forward origin of the message they were found in

A Telegram post forwarded from another channel names that channel; it is how a group follows
content back to where it was first posted, so a hit keeps it beside its poster.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.add_column(sa.Column("forwarded_from", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.drop_column("forwarded_from")
