"""hits are keyed by their location's digest

``uq_hit`` held the location itself; PostgreSQL puts at most 2,704 bytes in one index row, so
a hit at a link of about 3,000 characters or more (a link may have 4,096) failed there and was
lost. The key now holds ``location_digest``, the SHA-256 (hex) of the location's UTF-8 bytes:
64 characters at any length, filled here for the hits recorded before.

On SQLite the unique key is part of the table, which is rebuilt: the migration runs with its
foreign keys off (:meth:`haechi.store.database.Database.migrate`), so rebuilding ``hits`` never
cascades to the reviews, captures and accounts that point at it. Going back to 0024 puts the
location itself in the key again, which PostgreSQL refuses while a hit has a long one.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_BATCH = 2_000


def _digest(location: str) -> str:
    # Frozen here: the same function as haechi.store.models.location_digest.
    return hashlib.sha256(location.encode("utf-8", "surrogatepass")).hexdigest()


def _fill_digests() -> None:
    """Every hit's digest: in one statement on PostgreSQL, in batches on SQLite (no SHA-256)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE hits SET location_digest = encode(sha256(convert_to(location, 'UTF8')), 'hex')"
        )
        return
    hits = sa.table(
        "hits", sa.column("id", sa.Integer()), sa.column("location", sa.Text()),
        sa.column("location_digest", sa.String(64)),
    )  # fmt: skip
    update = (
        sa.update(hits)
        .where(hits.c.id == sa.bindparam("hit"))
        .values(location_digest=sa.bindparam("digest"))
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(hits.c.id, hits.c.location)
            .where(hits.c.id > last)
            .order_by(hits.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        bind.execute(update, [{"hit": i, "digest": _digest(where)} for i, where in rows])
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.add_column(sa.Column("location_digest", sa.String(64), nullable=True))
    _fill_digests()
    with op.batch_alter_table("hits") as batch_op:
        batch_op.alter_column("location_digest", existing_type=sa.String(64), nullable=False)
        batch_op.drop_constraint("uq_hit", type_="unique")
        batch_op.create_unique_constraint("uq_hit", ["entry_id", "sha256", "location_digest"])


def downgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.drop_constraint("uq_hit", type_="unique")
        batch_op.create_unique_constraint("uq_hit", ["entry_id", "sha256", "location"])
        batch_op.drop_column("location_digest")
