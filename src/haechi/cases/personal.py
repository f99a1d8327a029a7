"""A victim's personal data: her name, how to reach her, notes, and what she consented to.

The most dangerous data haechi holds, so: it is sealed as one document bound to its case
(:mod:`haechi.crypto`), only a liaison, an admin or the operator at the server's console may
read or write it, every read is written to the audit trail (which never holds the data
itself), and a case is found by a phone number or e-mail address only through the blind
index, by exact match. Every function takes the database session and the acting
:class:`~haechi.members.model.Actor`, so the command line and the web call the same code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.cases.model import Case
from haechi.crypto.envelope import Place
from haechi.crypto.vault import ContactKind, Vault, normalise_contact, vault_of
from haechi.members.errors import NotAllowed
from haechi.members.model import Actor, Role
from haechi.notices.errors import CaseError
from haechi.store.cases import CaseStore

MAX_NAME = 200
MAX_CONTACT = 200
MAX_CONTACTS = 20
MAX_NOTES = 20_000
KEEPERS = frozenset({Role.ADMIN, Role.LIAISON})


class Consent(StrEnum):
    """What a victim agreed to; stable short names (also the CLI's ``--consent`` values)."""

    CONTACT = "contact"  # the group may contact her
    TAKEDOWN = "takedown"  # notices may be sent to platforms about her images
    POLICE = "police"  # a report may be made to the police
    HASH_SHARING = "hash-sharing"  # her images' hashes may be shared with partner services


def parse_consent(value: str) -> Consent:
    """``value`` as a consent choice, or a clear error naming the choices."""
    try:
        return Consent(value.strip())
    except ValueError:
        raise CaseError(
            f"unknown consent {value!r}; choices: {', '.join(c.value for c in Consent)}"
        ) from None


@dataclass(frozen=True)
class PersonalData:
    """What the group knows of the victim of a case. Her school and workplace are kept
    apart from the contacts so outgoing documents can be searched for them with their usual
    short forms (:mod:`haechi.redaction.terms`)."""

    name: str = ""
    contacts: tuple[str, ...] = ()
    notes: str = ""
    consent: frozenset[Consent] = field(default_factory=frozenset)
    school: str = ""
    workplace: str = ""

    def checked(self) -> PersonalData:
        """This data tidied (blanks trimmed, empty contacts dropped), or a clear error."""
        contacts = tuple(dict.fromkeys(c.strip() for c in self.contacts if c.strip()))
        if len(self.name) > MAX_NAME:
            raise CaseError(f"a name has at most {MAX_NAME} characters")
        if len(self.school) > MAX_NAME or len(self.workplace) > MAX_NAME:
            raise CaseError(f"a school or workplace has at most {MAX_NAME} characters")
        if len(contacts) > MAX_CONTACTS or any(len(c) > MAX_CONTACT for c in contacts):
            raise CaseError(
                f"at most {MAX_CONTACTS} contacts of at most {MAX_CONTACT} characters each"
            )
        if len(self.notes) > MAX_NOTES:
            raise CaseError(f"notes have at most {MAX_NOTES} characters")
        return PersonalData(
            self.name.strip(),
            contacts,
            self.notes.strip(),
            self.consent,
            self.school.strip(),
            self.workplace.strip(),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "contacts": list(self.contacts),
            "notes": self.notes,
            "consent": sorted(c.value for c in self.consent),
            "school": self.school,
            "workplace": self.workplace,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> PersonalData:
        return cls(
            str(doc.get("name", "")),
            tuple(str(c) for c in doc.get("contacts", [])),
            str(doc.get("notes", "")),
            frozenset(Consent(c) for c in doc.get("consent", [])),
            str(doc.get("school", "")),
            str(doc.get("workplace", "")),
        )


@dataclass(frozen=True)
class PersonalView:
    """A case's personal data as shown, with when and by whom it was last written."""

    ref: str
    data: PersonalData | None
    updated_at: datetime | None = None
    updated_by: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.ref,
            "personal": self.data.as_json() if self.data is not None else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "updated_by": self.updated_by,
        }


def personal_place(case_id: int) -> Place:
    return Place("case_personal", "sealed", case_id)


def may_keep(actor: Actor) -> bool:
    """Whether ``actor`` may see and write personal data: liaisons, admins, the console."""
    console = actor.member_id is None and actor.name == "console"
    return console or actor.role in KEEPERS


def _require(actor: Actor) -> None:
    if not may_keep(actor):
        raise NotAllowed("only a liaison or an admin may see or change a victim's personal data")


def index_digests(vault: Vault, contacts: tuple[str, ...]) -> list[str]:
    """The blind-index digests of the phone numbers and e-mail addresses among ``contacts``."""
    found = []
    for contact in contacts:
        kind, normal = normalise_contact(contact)
        if kind is not ContactKind.OTHER:
            found.append(vault.index_digest(kind, normal))
    return found


def seal_personal(vault: Vault, case_id: int, data: PersonalData) -> bytes:
    text = json.dumps(data.as_json(), ensure_ascii=False, sort_keys=True)
    return vault.seal_text(personal_place(case_id), text)


def open_personal(vault: Vault, case_id: int, sealed: bytes) -> PersonalData:
    return PersonalData.from_json(json.loads(vault.open_text(personal_place(case_id), sealed)))


def write_personal(
    session: Session, actor: Actor, ref: str, data: PersonalData, *, now: datetime
) -> PersonalView:
    """Seal ``data`` as the personal data of case ``ref`` (replacing what was there)."""
    _require(actor)
    data = data.checked()
    cases = CaseStore(session)
    case_id = cases.case_id(ref)
    vault = vault_of(session)
    sealed = seal_personal(vault, case_id, data)
    cases.put_personal(case_id, sealed, index_digests(vault, data.contacts), now, actor.name)
    record(
        session,
        AuditKind.CASE_PERSONAL_WRITTEN,
        actor,
        detail={"case": cases.get(ref).ref, "contacts": len(data.contacts)},
        now=now,
    )
    return PersonalView(cases.get(ref).ref, data, now, actor.name)


def read_personal(session: Session, actor: Actor, ref: str, *, now: datetime) -> PersonalView:
    """The personal data of case ``ref``, opened; the view is recorded in the audit trail."""
    _require(actor)
    cases = CaseStore(session)
    case = cases.get(ref)
    row = cases.personal(ref)
    data = open_personal(vault_of(session), case.id, row.sealed) if row is not None else None
    record(
        session,
        AuditKind.CASE_PERSONAL_VIEWED,
        actor,
        detail={"case": case.ref, "held": data is not None},
        now=now,
    )
    if row is None:
        return PersonalView(case.ref, None)
    return PersonalView(case.ref, data, row.updated_at, row.updated_by)


def find_cases(session: Session, actor: Actor, contact: str, *, now: datetime) -> list[str]:
    """References of the cases that hold exactly this phone number or e-mail address.

    Written any way (``010-1234-5678``, ``01012345678``, ``+82 10 1234 5678``; any case of an
    address). The search is recorded in the audit trail, without what was searched for.
    """
    _require(actor)
    kind, normal = normalise_contact(contact)
    if kind is ContactKind.OTHER:
        raise CaseError("look a case up by a phone number or an e-mail address")
    refs = CaseStore(session).refs_with_digests(vault_of(session).lookup_digests(kind, normal))
    record(
        session,
        AuditKind.CASE_PERSONAL_SEARCHED,
        actor,
        detail={"by": kind.value, "found": len(refs)},
        now=now,
    )
    return refs


def open_case(
    session: Session, actor: Actor, ref: str | None, data: PersonalData | None, *, now: datetime
) -> Case:
    """A new case and, if given, its personal data, in one transaction."""
    if data is not None:
        _require(actor)
    case = CaseStore(session).create(now, ref)
    if data is not None:
        write_personal(session, actor, case.ref, data, now=now)
    return case
