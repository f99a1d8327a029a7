"""hits keep the evidence of their match: confidence, keypoints, coverage, region

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.add_column(
            sa.Column("confidence", sa.Float(), nullable=False, server_default="1.0")
        )
        batch_op.add_column(sa.Column("inliers", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("coverage", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("region", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        for column in ("region", "coverage", "inliers", "confidence"):
            batch_op.drop_column(column)
