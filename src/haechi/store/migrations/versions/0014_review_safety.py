"""review safety

``preview_preferences`` holds each member's blur strength for previews; ``review_policy`` the
auto-confirm policy (one row, off until an admin sets it); ``preview_reveals`` the short-lived
tokens that let one member see one hit's preview clearly; ``registration_consents`` a
victim's consent to registering her pictures, on her case. Indexes on ``hits`` and
``notice_items`` keep the dashboard's counts and the review queue's sorts cheap.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)
_FILTERS = ["source_kind", "entry_id", "found_at"]
# One index per sort of the review queue, its filters' columns included (see review_models).
_QUEUE = {
    "ix_hits_queue_id": ["id", *_FILTERS],
    "ix_hits_queue_found": ["found_at", "source_kind", "entry_id"],
    "ix_hits_queue_distance": ["distance", *_FILTERS],
    "ix_hits_queue_confidence": ["confidence", *_FILTERS],
}


def upgrade() -> None:
    op.create_table(
        "preview_preferences",
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("members.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("blur", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
    )
    op.create_table(
        "review_policy",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("exact", sa.Boolean(), nullable=False),
        sa.Column("max_pdq_distance", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.String(100), nullable=False),
        sa.Column("set_at", _TZ, nullable=False),
    )
    op.create_table(
        "preview_reveals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "hit_id", sa.Integer(), sa.ForeignKey("hits.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("members.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
    )
    op.create_index("ix_preview_reveals_hit_id", "preview_reveals", ["hit_id"])
    op.create_index("ix_preview_reveals_expires_at", "preview_reveals", ["expires_at"])
    op.create_table(
        "registration_consents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("bank", sa.String(100), nullable=False),
        sa.Column("entries", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", _TZ, nullable=False),
    )
    op.create_index("ix_registration_consents_case_id", "registration_consents", ["case_id"])
    for name, columns in _QUEUE.items():
        op.create_index(name, "hits", columns)
    op.create_index("ix_notice_items_removed_at", "notice_items", ["removed_at"])
    op.create_index("ix_notices_status_deadline", "notices", ["status", "deadline"])


def downgrade() -> None:
    op.drop_index("ix_notices_status_deadline", "notices")
    op.drop_index("ix_notice_items_removed_at", "notice_items")
    for name in reversed(_QUEUE):
        op.drop_index(name, "hits")
    op.drop_index("ix_registration_consents_case_id", "registration_consents")
    op.drop_table("registration_consents")
    op.drop_index("ix_preview_reveals_expires_at", "preview_reveals")
    op.drop_index("ix_preview_reveals_hit_id", "preview_reveals")
    op.drop_table("preview_reveals")
    op.drop_table("review_policy")
    op.drop_table("preview_preferences")
