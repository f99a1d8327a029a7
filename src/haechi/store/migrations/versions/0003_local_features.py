"""bank entries keep a local-features record (ORB keypoints and crop hashes)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entry_features",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["bank_entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id", "kind", name="uq_features_per_entry"),
    )
    op.create_index("ix_entry_features_entry_id", "entry_features", ["entry_id"])


def downgrade() -> None:
    op.drop_index("ix_entry_features_entry_id", table_name="entry_features")
    op.drop_table("entry_features")
