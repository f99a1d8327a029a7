"""hits say where their evidence stands (pending, sealed, gone, not needed); captures by hit

A hit is written with its evidence ``pending`` in the same transaction that records it, and
marked ``sealed`` once its capture is in the evidence log, so a scan killed in between knows on
the next run which hits still need capture. ``hit_captures`` keeps each hit's capture ids, so
finding a hit's evidence needs no walk over the whole evidence log.

Hits recorded before this revision that can be captured (web and chat hits) start ``pending``:
the next repair finds their capture in the log, or captures them, or says they are gone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)
_CAPTURABLE = "('telegram-export', 'telegram-live', 'discord-export', 'chat-csv')"


def upgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.add_column(
            sa.Column(
                "evidence_state", sa.String(20), nullable=False, server_default="not-needed"
            )
        )
        batch_op.add_column(sa.Column("evidence_checked_at", _TZ, nullable=True))
        batch_op.add_column(sa.Column("evidence_error", sa.Text(), nullable=True))
        batch_op.create_index("ix_hits_evidence_state", ["evidence_state"])
    op.execute(
        "UPDATE hits SET evidence_state = 'pending' WHERE location LIKE 'http://%' "
        f"OR location LIKE 'https://%' OR source_kind IN {_CAPTURABLE}"
    )
    op.create_table(
        "hit_captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hit_id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sealed_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["hit_id"], ["hits.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hit_id", "capture_id", name="uq_hit_capture"),
    )
    op.create_index("ix_hit_captures_hit_id", "hit_captures", ["hit_id"])
    op.create_index("ix_hit_captures_capture_id", "hit_captures", ["capture_id"])


def downgrade() -> None:
    op.drop_index("ix_hit_captures_capture_id", "hit_captures")
    op.drop_index("ix_hit_captures_hit_id", "hit_captures")
    op.drop_table("hit_captures")
    with op.batch_alter_table("hits") as batch_op:
        batch_op.drop_index("ix_hits_evidence_state")
        for column in ("evidence_error", "evidence_checked_at", "evidence_state"):
            batch_op.drop_column(column)
