"""platform_api: an index that counts a bank's live entries without reading the table

The platform API's workers check every few seconds whether the shared banks changed (the
fingerprint in ``haechi.platform_api.snapshot``). Counting the live signals of a million
entries through a join took half a second of a core each time, which showed as slow lookups;
over this covering index of ``(bank_id, withdrawn_at, id)`` the live entries are counted in
about a tenth of that, and new signals are seen by their largest id.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_bank_entries_live", "bank_entries", ["bank_id", "withdrawn_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_bank_entries_live", table_name="bank_entries")
