"""routing

``routing_lookups`` keeps registry (RDAP) answers with their date, ``routing_desks`` what each
abuse desk routing chose is responsible for (see :mod:`haechi.store.routing_models`).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "routing_lookups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("query", sa.String(300), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fetched_at", _TZ, nullable=False),
        sa.UniqueConstraint("kind", "query", name="uq_routing_lookups_kind_query"),
    )
    op.create_table(
        "routing_desks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(60), nullable=False),
        sa.Column("domain", sa.String(300), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("checked_at", _TZ, nullable=False),
        sa.UniqueConstraint("platform", "domain", name="uq_routing_desks_platform_domain"),
    )
    op.create_index("ix_routing_desks_platform", "routing_desks", ["platform"])


def downgrade() -> None:
    op.drop_index("ix_routing_desks_platform", table_name="routing_desks")
    op.drop_table("routing_desks")
    op.drop_table("routing_lookups")
