"""Rotating the data key: everything sealed again under a new key, then the old key dropped.

``haechi keys rotate`` makes a new current key and keeps the old one beside it, so that both
open values while the rotation runs. Every sealed value (bank labels, cases' personal data,
members' TOTP secrets) is opened and sealed again under the new key, each row in its own
transaction, and a case's blind-index digests are renewed with its data. Only when no value
under an old key remains are the old keys dropped. A rotation that stops halfway (a crash,
Ctrl-C) leaves a keyring with more than one key; running the command again finishes it
instead of making yet another key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from haechi.audit.trail import AuditKind, record
from haechi.crypto.envelope import key_id_of
from haechi.crypto.errors import DataKeyError
from haechi.crypto.labels import label_place, seal_plain_labels
from haechi.crypto.member_secrets import reseal_totp, seal_plain_totp
from haechi.crypto.vault import Vault
from haechi.members.model import Actor
from haechi.store.member_models import MemberRow
from haechi.store.private_models import CasePersonalRow, EntryLabelRow

if TYPE_CHECKING:
    from haechi.store.database import Database


@dataclass(frozen=True)
class RotationReport:
    """What a rotation did."""

    key_id: str  # the key everything is sealed under now
    retired: tuple[str, ...]  # the keys no longer needed
    labels: int  # values sealed again
    personal: int
    secrets: int  # members' TOTP secrets
    resumed: bool  # an unfinished rotation was finished
    still_to_do: str  # what the operator must still do (env keys), or ""

    def as_json(self) -> dict[str, object]:
        return {
            "key_id": self.key_id,
            "retired": list(self.retired),
            "labels": self.labels,
            "personal": self.personal,
            "secrets": self.secrets,
            "resumed": self.resumed,
            "still_to_do": self.still_to_do,
        }


@dataclass(frozen=True)
class KeyStatus:
    """Which keys hold how many sealed values (``haechi keys status``)."""

    source: str
    current: str
    by_key: dict[str, int]

    @property
    def rotating(self) -> bool:
        return any(k != self.current for k in self.by_key)


def key_status(db: Database, vault: Vault) -> KeyStatus:
    """How many sealed values each key holds."""
    ring = vault.keyring(create=True)
    counts: dict[str, int] = dict.fromkeys(ring.keys, 0)
    with db.session() as session:
        for model in (EntryLabelRow, CasePersonalRow):
            for blob in session.scalars(select(model.sealed)):
                kid = key_id_of(blob)
                counts[kid] = counts.get(kid, 0) + 1
        for secret in session.scalars(select(MemberRow.totp_sealed)):
            if secret is not None:
                kid = key_id_of(secret)
                counts[kid] = counts.get(kid, 0) + 1
    return KeyStatus(ring.source, ring.current.id, counts)


def _reseal_labels(db: Database, vault: Vault, current: str) -> int:
    done = 0
    with db.session() as session:
        ids = list(session.scalars(select(EntryLabelRow.entry_id).order_by(EntryLabelRow.entry_id)))
    for entry_id in ids:
        with db.session() as session:
            row = session.get(EntryLabelRow, entry_id)
            if row is None or key_id_of(row.sealed) == current:
                continue
            place = label_place(entry_id)
            row.sealed = vault.seal(place, vault.open(place, row.sealed))
            done += 1
    return done


def _reseal_personal(db: Database, vault: Vault, current: str) -> int:
    # Imported here: the cases package imports the stores, which import this package.
    from haechi.cases.personal import index_digests, open_personal, seal_personal
    from haechi.store.cases import CaseStore

    done = 0
    with db.session() as session:
        ids = list(
            session.scalars(select(CasePersonalRow.case_id).order_by(CasePersonalRow.case_id))
        )
    for case_id in ids:
        with db.session() as session:
            row = session.get(CasePersonalRow, case_id)
            if row is None or key_id_of(row.sealed) == current:
                continue
            data = open_personal(vault, case_id, row.sealed)
            sealed = seal_personal(vault, case_id, data)
            digests = index_digests(vault, data.contacts)
            CaseStore(session).put_personal(
                case_id, sealed, digests, row.updated_at, row.updated_by
            )
            done += 1
    return done


def rotate(db: Database, vault: Vault, actor: Actor, *, now: datetime) -> RotationReport:
    """Seal everything under a new key (or finish an unfinished rotation); drop the old keys."""
    provider = vault.provider
    ring = provider.load()
    resumed = ring is not None and bool(ring.retiring)
    if not resumed:
        ring = provider.begin_rotation()
    vault.reload()
    assert ring is not None
    current = ring.current.id
    seal_plain_labels(db, vault)
    seal_plain_totp(db, vault)
    labels = _reseal_labels(db, vault, current)
    personal = _reseal_personal(db, vault, current)
    secrets = reseal_totp(db, vault, current)
    left = {k: n for k, n in key_status(db, vault).by_key.items() if k != current and n}
    if left:
        raise DataKeyError(
            f"values are still sealed under {', '.join(left)}: run `haechi keys rotate` again"
        )
    note = provider.finish_rotation(ring)
    vault.reload()
    with db.session() as session:
        record(
            session,
            AuditKind.DATA_KEY_ROTATED,
            actor,
            detail={
                "key": current,
                "retired": ring.retiring,
                "labels": labels,
                "personal": personal,
                "secrets": secrets,
                "resumed": resumed,
            },
            now=now,
        )
    return RotationReport(current, tuple(ring.retiring), labels, personal, secrets, resumed, note)

