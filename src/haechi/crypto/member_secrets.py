"""Members' TOTP secrets, sealed: whoever copies the database cannot make their codes.

A secret is sealed with the data key into ``members.totp_sealed``, bound to the member's id,
so a sealed secret moved to another member's row does not open. ``members.totp_secret`` holds
secrets written before migration 0030 only, until :func:`seal_plain_totp` seals them at the
first open with the key (as :mod:`haechi.crypto.labels` does for labels).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from haechi.crypto.envelope import Place, key_id_of
from haechi.crypto.vault import Vault, vault_of
from haechi.store.member_models import MemberRow

if TYPE_CHECKING:
    from haechi.store.database import Database


def totp_place(member_id: int) -> Place:
    return Place("members", "totp_sealed", member_id)


def seal_totp(session: Session, row: MemberRow, secret: str) -> None:
    """Keep ``secret`` sealed for the member ``row`` (flushed: its id binds the seal)."""
    row.totp_sealed = vault_of(session).seal_text(totp_place(row.id), secret)
    row.totp_secret = ""


def totp_secret_of(session: Session, row: MemberRow) -> str:
    """The member's TOTP secret, opened in memory (or one from before sealing)."""
    if row.totp_sealed is None:
        return row.totp_secret
    return vault_of(session).open_text(totp_place(row.id), row.totp_sealed)


def seal_plain_totp(db: Database, vault: Vault) -> int:
    """Seal every TOTP secret still in plaintext and empty its old column; returns how many.

    As for labels, SQLite zeroes the freed space (``secure_delete``) and truncates its log, so
    a copy of the file taken afterwards holds none of the old secrets.
    """
    with db.session() as session:
        pending = list(
            session.execute(
                select(MemberRow.id, MemberRow.totp_secret).where(MemberRow.totp_secret != "")
            )
        )
        if not pending:
            return 0
        sqlite = session.get_bind().dialect.name == "sqlite"
        if sqlite:
            session.execute(text("PRAGMA secure_delete=ON"))
        for member_id, plain in pending:
            sealed = vault.seal_text(totp_place(member_id), plain)
            session.execute(
                update(MemberRow)
                .where(MemberRow.id == member_id)
                .values(totp_sealed=sealed, totp_secret="")
            )
    if sqlite:
        with db.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return len(pending)


def reseal_totp(db: Database, vault: Vault, current: str) -> int:
    """Seal again, under the key ``current``, every secret sealed under another; how many."""
    done = 0
    with db.session() as session:
        ids = list(
            session.scalars(
                select(MemberRow.id).where(MemberRow.totp_sealed.is_not(None)).order_by(MemberRow.id)
            )
        )
    for member_id in ids:
        with db.session() as session:
            row = session.get(MemberRow, member_id)
            if row is None or row.totp_sealed is None or key_id_of(row.totp_sealed) == current:
                continue
            place = totp_place(member_id)
            row.totp_sealed = vault.seal(place, vault.open(place, row.totp_sealed))
            done += 1
    return done
