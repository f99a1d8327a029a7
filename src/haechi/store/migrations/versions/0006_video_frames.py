"""hits of videos keep which frames matched: shares and time ranges, as versioned JSON

Video frame hashes need no table of their own: a registered video's ``vpdq`` record is one
blob in ``entry_features``, beside the ``orb`` records.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.add_column(sa.Column("frames", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.drop_column("frames")
