"""cases, platforms, reviews, notices with their items and events, re-checks, police reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(40), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("closed_at", _TZ, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    op.create_table(
        "case_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("added_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "kind", "key", name="uq_case_member"),
    )
    op.create_index("ix_case_members_case_id", "case_members", ["case_id"])
    op.create_table(
        "police_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("station", sa.Text(), nullable=False),
        sa.Column("made_at", _TZ, nullable=False),
        sa.Column("answer_due", _TZ, nullable=False),
        sa.Column("remind_every_seconds", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", _TZ, nullable=True),
        sa.Column("answered_at", _TZ, nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("package", sa.Text(), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("bundle_sha256", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_police_reports_case_id", "police_reports", ["case_id"])
    op.create_table(
        "platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("web_form", sa.Text(), nullable=True),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("answers", sa.Boolean(), nullable=False),
        sa.Column("deadline_hours", sa.Integer(), nullable=True),
        sa.Column("removed_markers", sa.Text(), nullable=False),
        sa.Column("placeholder", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "platform_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(253), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("domain"),
    )
    op.create_index("ix_platform_domains_platform_id", "platform_domains", ["platform_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hit_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["hit_id"], ["hits.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hit_id"),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("approved_at", _TZ, nullable=True),
        sa.Column("sent_at", _TZ, nullable=True),
        sa.Column("acknowledged_at", _TZ, nullable=True),
        sa.Column("closed_at", _TZ, nullable=True),
        sa.Column("deadline", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"]),
        sa.ForeignKeyConstraint(["previous_id"], ["notices.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notices_platform_id", "notices", ["platform_id"])
    op.create_index("ix_notices_status", "notices", ["status"])
    op.create_index("ix_notices_previous_id", "notices", ["previous_id"])
    op.create_table(
        "notice_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notice_events_notice_id", "notice_events", ["notice_id"])
    op.create_table(
        "notice_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("hit_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("capture_id", sa.String(100), nullable=True),
        sa.Column("captured_at", _TZ, nullable=True),
        sa.Column("removed_at", _TZ, nullable=True),
        sa.Column("removal", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["hit_id"], ["hits.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notice_id", "hit_id", name="uq_notice_item"),
    )
    op.create_index("ix_notice_items_notice_id", "notice_items", ["notice_id"])
    op.create_index("ix_notice_items_hit_id", "notice_items", ["hit_id"])
    op.create_table(
        "rechecks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hit_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", _TZ, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["hit_id"], ["hits.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rechecks_hit_id", "rechecks", ["hit_id"])


def downgrade() -> None:
    for index, table in (
        ("ix_rechecks_hit_id", "rechecks"),
        ("ix_notice_items_hit_id", "notice_items"),
        ("ix_notice_items_notice_id", "notice_items"),
        ("ix_notice_events_notice_id", "notice_events"),
        ("ix_notices_previous_id", "notices"),
        ("ix_notices_status", "notices"),
        ("ix_notices_platform_id", "notices"),
        ("ix_platform_domains_platform_id", "platform_domains"),
        ("ix_police_reports_case_id", "police_reports"),
        ("ix_case_members_case_id", "case_members"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "rechecks",
        "notice_items",
        "notice_events",
        "notices",
        "reviews",
        "platform_domains",
        "platforms",
        "police_reports",
        "case_members",
        "cases",
    ):
        op.drop_table(table)
