"""Registering a victim's pictures from the browser: hashed in memory, never written to disk.

An upload's bytes are hashed as ``haechi bank add`` hashes files (the same options, the same
warnings) and dropped; only signals reach the database. Naming a case needs the victim's
consent, recorded on the case (who recorded it, when, for which entries) and in the audit
trail, in the same transaction as the entries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.banks.model import BankEntry, NewEntry
from haechi.banks.service import registration_warning
from haechi.errors import HaechiError
from haechi.hashing.media import hash_bytes
from haechi.members.model import Actor
from haechi.notices.errors import CaseError
from haechi.scan.pipeline import hash_options
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.cases import CaseStore
from haechi.store.review_models import RegistrationConsentRow

MAX_UPLOADS = 50


class RegisterError(HaechiError):
    """An upload cannot be registered as asked (no files, no consent for a case)."""

    exit_code = 2


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it; its name is never stored (names carry victims' names)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Registration:
    """One upload's entry and what its registrar should know."""

    name: str
    entry: BankEntry
    warning: str | None


def register_uploads(
    session: Session,
    settings: Settings,
    actor: Actor,
    bank: str,
    uploads: Sequence[Upload],
    *,
    label: str = "",
    case_ref: str | None = None,
    consent: bool = False,
    now: datetime,
) -> list[Registration]:
    """Hash ``uploads`` in memory and add one entry each to ``bank`` (made if missing).

    With ``case_ref`` the victim's consent must be given; it is recorded on the case (opened
    if new). Audited: who registered how many entries in which bank, for which case.
    """
    files = [u for u in uploads if u.data]
    if not files:
        raise RegisterError("choose at least one file to register")
    if len(files) > MAX_UPLOADS:
        raise RegisterError(f"at most {MAX_UPLOADS} files at a time")
    if not bank.strip():
        raise RegisterError("name the bank")
    case_ref = (case_ref or "").strip() or None
    if case_ref is not None and not consent:
        raise RegisterError(
            "record the victim's consent to registering her pictures before naming her case"
        )
    options = replace(hash_options(settings, dihedral=False), register=True)
    hashed = [(u.name, hash_bytes(u.data, options)) for u in files]
    cases = CaseStore(session)
    if case_ref is not None:
        try:
            cases.get(case_ref)
        except CaseError:
            cases.create(now, case_ref)
    store = BankStore(session)
    store.get_or_create(bank.strip())
    entries = store.add_entries(
        bank.strip(), [NewEntry(tuple(m.signals()), label, case_ref) for _, m in hashed]
    )
    ids = [e.id for e in entries]
    if case_ref is not None:
        session.add(
            RegistrationConsentRow(
                case_id=cases.case_id(case_ref),
                bank=bank.strip(),
                entries=json.dumps(ids),
                recorded_by=actor.name,
                recorded_at=now,
            )
        )
    record(
        session,
        AuditKind.ENTRIES_REGISTERED,
        actor,
        detail={"bank": bank.strip(), "entries": ids, "case": case_ref, "consent": consent},
        now=now,
    )
    return [
        Registration(name, entry, registration_warning(media, settings))
        for (name, media), entry in zip(hashed, entries, strict=True)
    ]


def entries_page(
    session: Session,
    bank: str,
    page: int,
    per_page: int = 50,
    include_withdrawn: bool = False,
    order: str = "desc",
) -> tuple[list[BankEntry], bool]:
    """One page of a bank's entries in the order they were added (``desc``: newest first),
    and whether a next page exists."""
    if page < 1 or not 1 <= per_page <= 200:
        raise RegisterError("pages count from 1 and hold 1 to 200 entries")
    if order not in ("asc", "desc"):
        raise RegisterError("order is asc or desc")
    found = BankStore(session).entries_page(
        bank, (page - 1) * per_page, per_page + 1, include_withdrawn, newest_first=order == "desc"
    )
    return found[:per_page], len(found) > per_page
