"""tracking

``hit_accounts``: the poster's, the room's and the forward origin's ids of a hit as its source
gave them (Telegram, Discord), for the uploader and channel links of haechi.tracking.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_COLUMNS = ("poster_id", "container_id", "forwarded_from_id")


def upgrade() -> None:
    op.create_table(
        "hit_accounts",
        sa.Column(
            "hit_id",
            sa.Integer(),
            sa.ForeignKey("hits.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        *(sa.Column(name, sa.String(100), nullable=True) for name in _COLUMNS),
    )
    for name in _COLUMNS:
        op.create_index(f"ix_hit_accounts_{name}", "hit_accounts", [name])


def downgrade() -> None:
    for name in _COLUMNS:
        op.drop_index(f"ix_hit_accounts_{name}", table_name="hit_accounts")
    op.drop_table("hit_accounts")
