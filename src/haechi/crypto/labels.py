"""Bank entry labels, sealed: written only sealed, read back opened, old ones sealed at open.

A label often names the victim or where her image came from, so it is personal data. It is
sealed in ``entry_labels`` (bound to the entry's id); ``bank_entries.label`` holds only labels
written by a haechi from before, until :func:`seal_plain_labels` seals them at the first open
with the key. That runs at open rather than in the Alembic migration because the migration
sees only the database, and the key must never be in it; a home upgraded while the key is
unavailable keeps working and is sealed at the next open that has it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, object_session

from haechi.crypto.envelope import Place
from haechi.crypto.vault import Vault, attach, provider_for, vault_of
from haechi.store.member_models import MemberRow
from haechi.store.models import EntryRow
from haechi.store.private_models import CasePersonalRow, EntryLabelRow

if TYPE_CHECKING:
    from haechi.settings import Settings
    from haechi.store.database import Database


def label_place(entry_id: int) -> Place:
    return Place("entry_labels", "sealed", entry_id)


def seal_label(session: Session, entry_id: int, label: str) -> None:
    """Keep ``label`` sealed for the entry (an empty label keeps nothing)."""
    row = session.get(EntryLabelRow, entry_id)
    if not label:
        if row is not None:
            session.delete(row)
        return
    sealed = vault_of(session).seal_text(label_place(entry_id), label)
    if row is None:
        session.add(EntryLabelRow(entry_id=entry_id, sealed=sealed))
    else:
        row.sealed = sealed


def open_label(vault: Vault, entry_id: int, plain: str, sealed: bytes | None) -> str:
    """An entry's label from its columns: the sealed one if any, else an old plaintext one."""
    if sealed is None:
        return plain
    return vault.open_text(label_place(entry_id), sealed)


def label_of(row: EntryRow) -> str:
    """The label of an entry loaded by the ORM (its sealed label comes in the same query)."""
    found: EntryLabelRow | None = getattr(row, "sealed_label", None)
    if found is None:
        return row.label
    session = object_session(row)
    if session is None:
        raise RuntimeError("an entry's label is read within its session")
    return open_label(vault_of(session), row.id, row.label, found.sealed)


def seal_plain_labels(db: Database, vault: Vault) -> int:
    """Seal every label still in plaintext and empty its old column; returns how many.

    SQLite keeps deleted text in free pages and in its write-ahead log, so this turns on
    ``secure_delete`` (freed space is zeroed) and truncates the log afterwards: a copy of the
    file taken after this holds none of the old text.
    """
    with db.session() as session:
        pending = list(
            session.execute(select(EntryRow.id, EntryRow.label).where(EntryRow.label != ""))
        )
        if not pending:
            return 0
        sqlite = session.get_bind().dialect.name == "sqlite"
        if sqlite:
            session.execute(text("PRAGMA secure_delete=ON"))
        for entry_id, plain in pending:
            sealed = vault.seal_text(label_place(entry_id), plain)
            existing = session.get(EntryLabelRow, entry_id)
            if existing is None:
                session.add(EntryLabelRow(entry_id=entry_id, sealed=sealed))
            session.execute(update(EntryRow).where(EntryRow.id == entry_id).values(label=""))
    if sqlite:
        with db.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    return len(pending)


def holds_sealed(db: Database) -> bool:
    """Whether any value in the database is sealed (labels, personal data, TOTP secrets)."""
    with db.session() as session:
        return any(
            session.scalar(select(model).limit(1)) is not None
            for model in (EntryLabelRow, CasePersonalRow)
        ) or (
            session.scalar(select(MemberRow.id).where(MemberRow.totp_sealed.is_not(None)).limit(1))
            is not None
        )


def attach_vault(db: Database, settings: Settings) -> Vault:
    """Give ``db`` the vault of ``settings``' keys; seal labels and secrets left in plaintext."""
    from haechi.crypto.member_secrets import seal_plain_totp

    vault = Vault(provider_for(settings), lambda: holds_sealed(db))
    attach(db.engine, vault)
    seal_plain_labels(db, vault)
    seal_plain_totp(db, vault)
    return vault


def keep_label(session: Session, row: EntryRow, label: str) -> None:
    """Seal ``label`` for a new entry ``row`` (flushed: its id is in the associated data)."""
    if label:
        sealed = vault_of(session).seal_text(label_place(row.id), label)
        setattr(row, "sealed_label", EntryLabelRow(entry_id=row.id, sealed=sealed))  # noqa: B010
