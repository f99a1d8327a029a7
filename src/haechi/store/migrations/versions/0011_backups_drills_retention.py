"""operations: backups made, restore drills run, retention policies of cases

``backups`` records each backup file once it is complete (what it reaches and the evidence
objects it holds, so the next incremental backup adds only new ones); ``restore_drills`` each
drill and its result, so a team sees the age of its last good backup and drill;
``retention_policies`` how long a case's evidence is kept after the case closes, or that the
victim asked for it to be destroyed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "backups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("backup_id", sa.String(40), nullable=False, unique=True),
        sa.Column("made_at", _TZ, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("base_id", sa.String(40), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("log_entries", sa.Integer(), nullable=False),
        sa.Column("checkpoint_size", sa.Integer(), nullable=True),
        sa.Column("objects", sa.Text(), nullable=False),
    )
    op.create_table(
        "restore_drills",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ran_at", _TZ, nullable=False),
        sa.Column("backup_id", sa.String(40), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_table(
        "retention_policies",
        sa.Column(
            "case_id",
            sa.Integer(),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("keep_days", sa.Integer(), nullable=True),
        sa.Column("destroy_requested_at", _TZ, nullable=True),
        sa.Column("destroy_reason", sa.Text(), nullable=True),
        sa.Column("destroyed_at", _TZ, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("retention_policies")
    op.drop_table("restore_drills")
    op.drop_table("backups")
