"""transparency

Issue 21: public transparency reports. ``transparency_reports`` (period, time zone,
suppression threshold, who made it and when, the public figures as JSON, the signed manifest
and its verification code, publication and withdrawal) and ``transparency_files`` (each file
of a report with its SHA-256, as signed).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "transparency_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("time_zone", sa.String(60), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("made_at", _TZ, nullable=False),
        sa.Column("made_by", sa.String(100), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("published_at", _TZ, nullable=True),
        sa.Column("published_by", sa.String(100), nullable=True),
        sa.Column("withdrawn_at", _TZ, nullable=True),
        sa.Column("withdrawn_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_transparency_reports_period", "transparency_reports", ["period"])
    op.create_table(
        "transparency_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey("transparency_reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("report_id", "name", name="uq_transparency_file"),
    )
    op.create_index("ix_transparency_files_report_id", "transparency_files", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_transparency_files_report_id", table_name="transparency_files")
    op.drop_table("transparency_files")
    op.drop_index("ix_transparency_reports_period", table_name="transparency_reports")
    op.drop_table("transparency_reports")
