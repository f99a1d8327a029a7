"""members' TOTP secrets sealed

A member's TOTP secret was kept as given (base32 in ``members.totp_secret``): a copy of the
database was enough to make her second factor. It is now sealed with the data key in
``totp_sealed`` (bound to the member's id), and the old column keeps an empty string. The
secrets written before are sealed at the first open that has the key
(:func:`haechi.crypto.member_secrets.seal_plain_totp`), not here: the key is never in the
database, so a migration cannot seal.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("members", sa.Column("totp_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # Sealed secrets cannot be opened here (no key): going back needs members to enrol again.
    with op.batch_alter_table("members") as batch:
        batch.drop_column("totp_sealed")
