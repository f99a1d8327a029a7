"""web_daily_work: hits keep where the bank's picture lies in the matched file

A local-features match knows, from its transform, where the registered picture sits in the
file found (an inset, a corner of a collage); the review queue draws that box on the file's
blurred preview. A nullable JSON box of fractions, like ``region`` beside it.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.add_column(sa.Column("found_region", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.drop_column("found_region")
