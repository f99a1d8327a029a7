"""casework

Reserved for issue 15, casework: consent, four-eyes approvals, police answers.
``case_consent`` holds a victim's choices (may evidence be kept, may the police learn her
name), ``case_closings`` how her case was closed, ``notice_signoffs`` who drafted and who
approved each notice, ``police_deliveries`` when a package reached its station and who
recorded the answer. Older notices have no signoff row: anyone may approve them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _key(table: str, column: str) -> sa.Column[int]:
    return sa.Column(
        column, sa.Integer(), sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True
    )


def upgrade() -> None:
    op.create_table(
        "case_consent",
        _key("cases", "case_id"),
        sa.Column("keep_evidence", sa.Boolean(), nullable=True),
        sa.Column("police_may_name", sa.Boolean(), nullable=True),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "case_closings",
        _key("cases", "case_id"),
        sa.Column("closed_at", _TZ, nullable=False),
        sa.Column("closed_by", sa.String(100), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("destroy_evidence", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "notice_signoffs",
        _key("notices", "notice_id"),
        sa.Column("drafted_by_id", sa.Integer(), nullable=True),
        sa.Column("drafted_by", sa.String(100), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "police_deliveries",
        _key("police_reports", "report_id"),
        sa.Column("sent_at", _TZ, nullable=True),
        sa.Column("sent_by", sa.String(100), nullable=True),
        sa.Column("answered_by", sa.String(100), nullable=True),
    )


def downgrade() -> None:
    for table in ("police_deliveries", "notice_signoffs", "case_closings", "case_consent"):
        op.drop_table(table)
