"""victim intake

``intakes`` are victims' own registrations (case number and recovery phrase as hashes only),
``intake_entries`` the bank entries they became with a reviewer's decision on sharing,
``intake_links`` one-time links staff open at a support centre, ``intake_challenges`` the
proof-of-work challenges handed out, ``intake_throttle`` the rate-limit counters.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "intakes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("phrase_hash", sa.Text(), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("centre", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("withdrawn_at", _TZ, nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", _TZ, nullable=True),
        sa.Column("access_digest", sa.String(64), nullable=True),
        sa.Column("access_until", _TZ, nullable=True),
    )
    op.create_index("ix_intakes_case_id", "intakes", ["case_id"])
    op.create_table(
        "intake_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "intake_id",
            sa.Integer(),
            sa.ForeignKey("intakes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "entry_id", sa.Integer(), sa.ForeignKey("bank_entries.id"), nullable=False, unique=True
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("folded", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(10), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", _TZ, nullable=True),
    )
    op.create_index("ix_intake_entries_intake_id", "intake_entries", ["intake_id"])
    op.create_table(
        "intake_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("member_name", sa.String(100), nullable=False),
        sa.Column("member_role", sa.String(20), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
        sa.Column("used_at", _TZ, nullable=True),
    )
    op.create_table(
        "intake_challenges",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
    )
    op.create_index("ix_intake_challenges_expires_at", "intake_challenges", ["expires_at"])
    op.create_table(
        "intake_throttle",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_start", _TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("intake_throttle")
    op.drop_index("ix_intake_challenges_expires_at", table_name="intake_challenges")
    op.drop_table("intake_challenges")
    op.drop_table("intake_links")
    op.drop_index("ix_intake_entries_intake_id", table_name="intake_entries")
    op.drop_table("intake_entries")
    op.drop_index("ix_intakes_case_id", table_name="intakes")
    op.drop_table("intakes")
