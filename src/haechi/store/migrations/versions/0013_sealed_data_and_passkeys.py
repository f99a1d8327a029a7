"""sealed personal data and labels; passkeys

``entry_labels`` holds each bank entry's label sealed with AES-256-GCM; ``case_personal`` a
case's personal data as one sealed document, ``case_contact_index`` the HMAC digests that
find a case by phone number or e-mail. Existing plaintext labels stay in
``bank_entries.label`` until the first open with the data key seals and empties them: a
migration sees only the database, never the key, which lives outside it.
``member_passkeys`` are members' WebAuthn credentials, ``passkey_challenges`` the
challenges of ceremonies under way.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "entry_labels",
        sa.Column(
            "entry_id",
            sa.Integer(),
            sa.ForeignKey("bank_entries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "case_personal",
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "case_contact_index",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("digest", sa.String(64), nullable=False),
    )
    op.create_index("ix_case_contact_index_case_id", "case_contact_index", ["case_id"])
    op.create_index("ix_case_contact_index_digest", "case_contact_index", ["digest"])
    op.create_table(
        "member_passkeys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("members.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("credential_id", sa.String(1400), nullable=False, unique=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("transports", sa.String(200), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("last_used_at", _TZ, nullable=True),
    )
    op.create_index("ix_member_passkeys_member_id", "member_passkeys", ["member_id"])
    op.create_table(
        "passkey_challenges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "web_session_id",
            sa.Integer(),
            sa.ForeignKey("web_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("challenge", sa.String(200), nullable=False),
        sa.Column("expires_at", _TZ, nullable=False),
    )
    op.create_index(
        "ix_passkey_challenges_web_session_id", "passkey_challenges", ["web_session_id"]
    )


def downgrade() -> None:
    for table in (
        "passkey_challenges",
        "member_passkeys",
        "case_contact_index",
        "case_personal",
        "entry_labels",
    ):
        op.drop_table(table)
