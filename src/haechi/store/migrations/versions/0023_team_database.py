"""team database

Issue 20: concurrent writers on PostgreSQL. ``notice_deliveries`` is a sending run's claim on
a notice (one row per notice, committed before the e-mail goes out), so that two runs never
send one notice twice and a notice being sent cannot be discarded meanwhile. The other races
(two scans recording the same media or hit, two first reviews of one hit) are decided by keys
that exist already (``media.sha256``, ``uq_hit``, ``reviews.hit_id``).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notice_deliveries",
        sa.Column(
            "notice_id",
            sa.Integer(),
            sa.ForeignKey("notices.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("claimed_at", _TZ, nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=False),
        sa.Column("delivered_at", _TZ, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("notice_deliveries")
