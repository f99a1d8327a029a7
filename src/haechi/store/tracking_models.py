"""The accounts behind a hit, by the ids its source gave (haechi.tracking links them).

A hit keeps the names a source shows (``poster``, ``container``, ``forwarded_from``), but names
change and collide: the links between channels and uploaders that the police need rest on the
ids (a Telegram ``channel123``, a Discord snowflake). They live beside the hit, same primary
key, so the hits table and its store stay as they were and a missing row means the source gave
no id (folders, web pages, chat CSVs).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, HitRow


class HitAccountRow(Base):
    """The poster's, the room's and the forward origin's ids of one hit, as its source said."""

    __tablename__ = "hit_accounts"

    hit_id: Mapped[int] = mapped_column(
        ForeignKey("hits.id", ondelete="CASCADE"), primary_key=True
    )
    poster_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    container_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    forwarded_from_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)


# Hits by file, with their entry: the link map's GROUP BY sha256 (entries that are one item)
# reads the index alone (migration 0024).
Index("ix_hits_sha256_entry", HitRow.sha256, HitRow.entry_id)
