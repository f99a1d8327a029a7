"""trust

The organisation's identity: ``trust_keys`` (public record of each signing key: purpose,
publicKeyMultibase, made, retired, revoked from), ``trust_documents`` (published signed
documents by verification code, with member credentials' status-list index and revocation),
``trust_channels`` (the official-channels registry) and ``trust_reports`` (impersonation
reports from the public).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "trust_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("key_id", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("retired_at", _TZ, nullable=True),
        sa.Column("revoked_from", _TZ, nullable=True),
        sa.Column("revoked_reason", sa.String(300), nullable=True),
    )
    op.create_index("ix_trust_keys_purpose", "trust_keys", ["purpose"])
    op.create_table(
        "trust_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("issued_at", _TZ, nullable=False),
        sa.Column("valid_until", _TZ, nullable=True),
        sa.Column("status_index", sa.Integer(), nullable=True, unique=True),
        sa.Column("revoked_at", _TZ, nullable=True),
        sa.Column("revoked_reason", sa.String(300), nullable=True),
    )
    op.create_index("ix_trust_documents_digest", "trust_documents", ["digest"])
    op.create_index("ix_trust_documents_subject", "trust_documents", ["subject"])
    op.create_table(
        "trust_channels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("normalised", sa.String(300), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("added_at", _TZ, nullable=False),
        sa.Column("removed_at", _TZ, nullable=True),
    )
    op.create_index("ix_trust_channels_normalised", "trust_channels", ["normalised"])
    op.create_table(
        "trust_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("closed_at", _TZ, nullable=True),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
    )
    op.create_index("ix_trust_reports_created_at", "trust_reports", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_trust_reports_created_at", table_name="trust_reports")
    op.drop_table("trust_reports")
    op.drop_index("ix_trust_channels_normalised", table_name="trust_channels")
    op.drop_table("trust_channels")
    op.drop_index("ix_trust_documents_subject", table_name="trust_documents")
    op.drop_index("ix_trust_documents_digest", table_name="trust_documents")
    op.drop_table("trust_documents")
    op.drop_index("ix_trust_keys_purpose", table_name="trust_keys")
    op.drop_table("trust_keys")
