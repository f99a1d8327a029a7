"""Bank operations people ask for: register files, withdraw, export and import lists.

Registration hashes the files and stores signals only: PDQ of the whole picture, of its
unbordered picture and of fixed crops, the exact digests, and one local-features record (ORB
keypoints and descriptors), none of which can be turned back into the picture. A video keeps
the PDQ hashes of its sampled frames (and of their centre crops) instead of the picture's. A
file's name is never used as a label: names of victims' files often carry names of victims.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from haechi.audit.trail import AuditKind, record
from haechi.banks.formats import export_entries, guess_format, parse_entries
from haechi.banks.model import Bank, BankEntry, NewEntry
from haechi.hashing.media import MediaHashes, Outcome, hash_file
from haechi.members.model import Actor
from haechi.notices.withdrawals import discard_unsent
from haechi.scan.pipeline import hash_options
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database
from haechi.store.models import utcnow


@dataclass(frozen=True)
class Registered:
    """The outcome of registering one file."""

    path: Path
    entry: BankEntry | None
    hashes: MediaHashes | None
    warning: str | None = None


def registration_warning(media: MediaHashes, settings: Settings) -> str | None:
    """What a person registering this file should know: what will not be matched, and why."""
    if media.outcome is Outcome.FAILED:
        return f"no PDQ hash ({media.error}); registered exact digests only"
    if media.pdq is not None and not media.pdq.reliable(settings.pdq_min_quality):
        return (
            f"PDQ quality {media.pdq.quality} is below {settings.pdq_min_quality}: "
            "kept but not matched; exact copies are still found"
        )
    if media.video is not None and len(media.video.frames) == 0:
        return "no video frame of reliable quality: only exact copies will be found"
    if media.video is not None and media.video.limited:
        return f"video only partly registered: {media.video.limited}"
    return None


def register_files(
    db: Database,
    settings: Settings,
    bank: str,
    paths: Sequence[Path],
    label: str = "",
    case_ref: str | None = None,
) -> list[Registered]:
    """Hash files and add one entry per file to ``bank`` (created if missing)."""
    options = replace(hash_options(settings, dihedral=False), register=True)
    prepared: list[tuple[Path, MediaHashes, str | None]] = []
    for path in paths:
        media = hash_file(path, options)
        prepared.append((path, media, registration_warning(media, settings)))
    with db.session() as session:
        store = BankStore(session)
        store.get_or_create(bank)
        entries = store.add_entries(
            bank, [NewEntry(tuple(m.signals()), label, case_ref) for _, m, _ in prepared]
        )
    return [
        Registered(path, entry, media, warning)
        for (path, media, warning), entry in zip(prepared, entries, strict=True)
    ]


def export_bank(
    db: Database,
    bank: str,
    fmt: str,
    with_case_refs: bool = False,
    with_local_features: bool = False,
    with_labels: bool = False,
    actor: Actor | None = None,
) -> str:
    """A bank's live entries as the text of a hash-list file (labels only ``with_labels``).

    Audited: who exported which bank, in which format, with what left in.
    """
    with db.session() as session:
        entries = list(BankStore(session).entries(bank))
        redacted = 0
        if with_labels:  # labels leave without the victims' data (haechi.redaction)
            from haechi.redaction.outgoing import redact_labels

            labels, statement = redact_labels(session, ((e.label, e.case_ref) for e in entries))
            entries = [replace(e, label=label) for e, label in zip(entries, labels, strict=True)]
            redacted = statement.total
        text = export_entries(entries, fmt, with_case_refs, with_local_features, with_labels)
        record(
            session,
            AuditKind.BANK_EXPORTED,
            actor or Actor.console(),
            detail={
                "bank": bank,
                "format": fmt,
                "entries": len(entries),
                "labels": with_labels,
                "labels_redacted": redacted,
                "case_refs": with_case_refs,
                "local_features": with_local_features,
            },
        )
        return text


def import_bank(
    db: Database, bank: str, text: str, fmt: str | None = None, label: str = "", name: str = ""
) -> list[BankEntry]:
    """Add every entry of a hash-list file to ``bank`` (created if missing).

    Without ``fmt`` the format is guessed from the file's ``name`` and its content.
    """
    entries = parse_entries(text, fmt or guess_format(name, text), label)
    with db.session() as session:
        store = BankStore(session)
        store.get_or_create(bank)
        return store.add_entries(bank, entries)


def create_bank(db: Database, name: str, description: str = "") -> Bank:
    """Create an empty bank; names are unique."""
    with db.session() as session:
        return BankStore(session).create(name, description)


def list_banks(db: Database) -> list[Bank]:
    """Every bank with its number of live entries."""
    with db.session() as session:
        return BankStore(session).all()


def bank_entries(db: Database, bank: str, include_withdrawn: bool = False) -> list[BankEntry]:
    """A bank's entries (labels opened), withdrawn ones too on request."""
    with db.session() as session:
        return list(BankStore(session).entries(bank, include_withdrawn=include_withdrawn))


def withdraw_entries(
    db: Database, entry_ids: Sequence[int], actor: Actor | None = None
) -> list[BankEntry]:
    """A victim's withdrawal: delete the entries' hashes for good, all or none, audited.

    Each entry stays as a dated tombstone so hits already recorded still name what matched;
    notices not yet sent that cite those hits are discarded, so nothing new names them.
    """
    with db.session() as session:
        store = BankStore(session)
        withdrawn = [store.withdraw(entry_id) for entry_id in entry_ids]
        discarded = discard_unsent(session, utcnow())
        record(
            session,
            AuditKind.ENTRIES_WITHDRAWN,
            actor or Actor.console(),
            detail={"entries": [e.id for e in withdrawn], "notices_discarded": discarded},
        )
        return withdrawn
