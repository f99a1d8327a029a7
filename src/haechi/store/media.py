"""Media seen by scans, keyed by SHA-256, so a file is hashed once however often it is met."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.hashing.media import MediaHashes
from haechi.store.conflicts import insert_or_nothing
from haechi.store.models import MediaRow


class MediaStore:
    """Reads and writes the media table within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def known(self, sha256s: Iterable[str]) -> set[str]:
        """Which of these SHA-256 values were hashed before."""
        wanted = list(set(sha256s))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.update(
                self.session.scalars(select(MediaRow.sha256).where(MediaRow.sha256.in_(chunk)))
            )
        return found

    def record(self, media: MediaHashes) -> None:
        """Remember a hashed file (idempotent on SHA-256, also when two scans meet it at once)."""
        insert_or_nothing(
            self.session,
            MediaRow,
            {
                "sha256": media.sha256,
                "md5": media.md5,
                "size": media.size,
                "pdq": media.pdq.hex if media.pdq else None,
                "quality": media.pdq.quality if media.pdq else None,
                "outcome": media.outcome.value,
                "error": media.error,
            },
            ["sha256"],
        )
