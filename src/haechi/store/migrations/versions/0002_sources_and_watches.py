"""hits remember their source and context; watch lists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.add_column(
            sa.Column("source_kind", sa.String(40), nullable=False, server_default="folder")
        )
        batch_op.add_column(sa.Column("found_in", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("container", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("poster", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=True),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_scan_id", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("watches")
    with op.batch_alter_table("hits") as batch_op:
        for column in ("posted_at", "poster", "container", "found_in", "source_kind"):
            batch_op.drop_column(column)
