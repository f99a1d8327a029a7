"""platform api

Reserved for issue 17: API keys, shared banks, feedback, negative bank.

``api_keys`` holds each platform's key as a SHA-256 digest with its scopes and limits;
``api_key_usage`` one row of counts per key and UTC day (never the hashes looked up);
``bank_shares`` which banks platforms may match against, under a public name;
``platform_feedback`` platforms' word on matches; ``negative_signals`` confirmed false
positives, which suppress a match for everyone.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(20), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("rate_per_second", sa.Integer(), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=False),
        sa.Column("expected_daily", sa.Integer(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("last_used_at", _TZ, nullable=True),
        sa.Column("revoked_at", _TZ, nullable=True),
        sa.Column("flagged_at", _TZ, nullable=True),
        sa.Column("flag_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_api_keys_platform", "api_keys", ["platform"])
    op.create_table(
        "api_key_usage",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "key_id", sa.Integer(), sa.ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("lookups", sa.Integer(), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("distinct_sketch", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_api_key_usage_key_day", "api_key_usage", ["key_id", "day"], unique=True)
    op.create_table(
        "bank_shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "bank_id", sa.Integer(), sa.ForeignKey("banks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("public_name", sa.String(100), nullable=False),
        sa.Column("shared_at", _TZ, nullable=False),
        sa.Column("shared_by", sa.String(100), nullable=False),
        sa.Column("stopped_at", _TZ, nullable=True),
    )
    op.create_index("ix_bank_shares_bank_id", "bank_shares", ["bank_id"])
    op.create_table(
        "platform_feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_id", sa.Integer(), sa.ForeignKey("api_keys.id"), nullable=False),
        sa.Column("platform", sa.String(100), nullable=False),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("bank_entries.id"), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("signal_kind", sa.String(20), nullable=False),
        sa.Column("signal", sa.String(64), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("received_at", _TZ, nullable=False),
        sa.Column("decided_at", _TZ, nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
    )
    for column in ("key_id", "platform", "entry_id"):
        op.create_index(f"ix_platform_feedback_{column}", "platform_feedback", [column])
    op.create_table(
        "negative_signals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "entry_id",
            sa.Integer(),
            sa.ForeignKey("bank_entries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("signal_kind", sa.String(20), nullable=False),
        sa.Column("signal", sa.String(64), nullable=False),
        sa.Column(
            "feedback_id", sa.Integer(), sa.ForeignKey("platform_feedback.id"), nullable=True
        ),
        sa.Column("reported_by", sa.String(100), nullable=False),
        sa.Column("confirmed_by", sa.String(100), nullable=False),
        sa.Column("added_at", _TZ, nullable=False),
    )
    op.create_index("ix_negative_signals_entry_id", "negative_signals", ["entry_id"])


def downgrade() -> None:
    op.drop_index("ix_negative_signals_entry_id", table_name="negative_signals")
    op.drop_table("negative_signals")
    for column in ("key_id", "platform", "entry_id"):
        op.drop_index(f"ix_platform_feedback_{column}", table_name="platform_feedback")
    op.drop_table("platform_feedback")
    op.drop_index("ix_bank_shares_bank_id", table_name="bank_shares")
    op.drop_table("bank_shares")
    op.drop_index("ix_api_key_usage_key_day", table_name="api_key_usage")
    op.drop_table("api_key_usage")
    op.drop_index("ix_api_keys_platform", table_name="api_keys")
    op.drop_table("api_keys")
