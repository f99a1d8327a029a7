"""Registering a victim's own hashes, coming back with her recovery phrase, withdrawing.

Every function takes the :class:`~haechi.store.database.Database` and runs its own
transactions, because some things must stick even when the request fails: a throttle's count,
a wrong phrase's count, a spent challenge. The pages, the JSON API and the command line call
these same functions.

Registration puts the hashes in the ``intake-pending`` bank, matched by every scan (she asked
to be looked for) but never shared with platforms: a reviewer first approves each entry
(:mod:`haechi.intake.review`). Near-duplicates within one submission (the same file twice, or
pictures whose PDQ hashes lie within the matching radius) are folded into one entry that keeps
all their hashes. A PDQ hash below the reliable quality is kept (exact copies are still found
by MD5 and SHA-256) and explained, never dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.banks.model import NewEntry
from haechi.cases.personal import PersonalData, open_personal, write_personal
from haechi.crypto.vault import vault_of
from haechi.hashing.signals import PdqHash, Signal, SignalKind
from haechi.hashing.video_format import FrameHash, VideoSignature
from haechi.intake import codes, review
from haechi.intake.errors import IntakeRefused, IntakeThrottled, IntakeUnknown
from haechi.intake.guard import (
    IntakeConfig,
    address_key,
    issue_challenge,
    spend_challenge,
    throttle,
)
from haechi.intake.model import Choice, Item, parse_choices, parse_items
from haechi.members.credentials import digest, new_token
from haechi.members.model import Actor, Role
from haechi.notices.withdrawals import discard_unsent
from haechi.store.banks import BankStore
from haechi.store.cases import CaseStore
from haechi.store.database import Database
from haechi.store.intake_models import IntakeEntryRow, IntakeLinkRow, IntakeRow
from haechi.store.models import CaseRow

PENDING_BANK = review.PENDING_BANK
INTAKE_ACTOR = Actor(None, "intake", None, "")  # the victim herself; her address is not kept


@dataclass(frozen=True)
class Proof:
    """What lets a submission in: a proof-of-work answer, or a one-time intake link."""

    challenge: str = ""
    nonce: str = ""
    link: str = ""


@dataclass(frozen=True)
class Note:
    """Something the victim should know about one of her files (by its place in the list).

    ``code`` names the case for the pages (which say it in her language); ``value`` is its
    number (a quality, a count of frames, the file folded into); ``message`` says it in English.
    """

    file: int
    code: str
    value: int
    message: str


@dataclass(frozen=True)
class Registration:
    """What a submission became: her kit (shown once, never stored), entries and notes."""

    case_number: str
    phrase: str
    entries: int
    folded: int
    notes: tuple[Note, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "case_number": self.case_number,
            "recovery_phrase": self.phrase,
            "entries": self.entries,
            "folded": self.folded,
            "notes": [
                {"file": n.file, "code": n.code, "value": n.value, "message": n.message}
                for n in self.notes
            ],
        }


def _item_signals(item: Item, min_quality: int) -> tuple[list[Signal], tuple[str, int, str] | None]:
    """An item's signals and, if there is one, what she should know: (code, value, message)."""
    signals = [Signal(SignalKind.MD5, item.md5), Signal(SignalKind.SHA256, item.sha256)]
    if item.kind == "image":
        assert item.pdq is not None and item.quality is not None
        signals.append(Signal(SignalKind.PDQ, item.pdq, item.quality))
        if item.quality < min_quality:
            return signals, (
                "low-quality",
                item.quality,
                f"picture quality {item.quality} is below {min_quality} (too plain or too small "
                "for a reliable picture hash): it is kept, but only exact copies will be found",
            )
        return signals, None
    if item.frames is None:
        return signals, (
            "video-unreadable",
            0,
            "this browser could not play the video, so only exact copies of the file will be "
            "found; a support centre can register it from its computer",
        )
    kept = [f for f in item.frames if f.quality >= min_quality]
    if kept:
        frames = [
            FrameHash(n, f.second, PdqHash.from_hex(f.pdq, f.quality)) for n, f in enumerate(kept)
        ]
        signals.append(Signal.of_video(VideoSignature.of(frames)))
    dropped = len(item.frames) - len(kept)
    if not kept:
        return signals, (
            "video-plain",
            dropped,
            "no frame of the video is clear enough: only exact copies will be found",
        )
    if dropped:
        return signals, (
            "frames-dropped",
            dropped,
            f"{dropped} plain or dark frames of the video were left out",
        )
    return signals, None


def _fold(items: Sequence[Item], radius: int, min_quality: int) -> list[list[int]]:
    """Groups of item indices: the same file twice, or pictures within ``radius`` bits.

    Only reliable picture hashes are compared: those of plain pictures are close to random.
    """
    groups: list[list[int]] = []
    by_sha: dict[str, int] = {}
    pictures: list[tuple[int, PdqHash]] = []
    for n, item in enumerate(items):
        if item.sha256 in by_sha:
            groups[by_sha[item.sha256]].append(n)
            continue
        home = None
        if item.pdq is not None and item.quality is not None and item.quality >= min_quality:
            pdq = PdqHash.from_hex(item.pdq, item.quality)
            for group, other in pictures:
                if pdq.distance(other) <= radius:
                    home = group
                    break
            if home is None:
                pictures.append((len(groups), pdq))
        if home is None:
            home = len(groups)
            groups.append([])
        groups[home].append(n)
        by_sha[item.sha256] = home
    return groups


def challenge(
    db: Database, *, address: str, now: datetime, config: IntakeConfig
) -> tuple[str, int]:
    """A fresh proof-of-work challenge and its difficulty; challenges are rate-limited per
    address too, since each is a row."""
    with db.session() as session:
        throttle(session, address_key("challenge", address), config.challenges, now)
        return issue_challenge(session, config, now)


def _admit(
    db: Database, proof: Proof, address: str, config: IntakeConfig, now: datetime
) -> int | None:
    """Throttle, then spend the link or the challenge (committed whatever follows).

    Returns the id of the intake link used, if any.
    """
    with db.session() as session:
        throttle(session, address_key("submit", address), config.submissions, now)
    with db.session() as session:
        if proof.link:
            link = session.scalar(
                select(IntakeLinkRow).where(IntakeLinkRow.token_digest == digest(proof.link))
            )
            if link is None or link.used_at is not None or link.expires_at < now:
                raise IntakeRefused("this intake link was used or has expired; ask for a new one")
            link.used_at = now
            return link.id
        spend_challenge(session, proof.challenge, proof.nonce, now)
        return None


def _link_case(
    session: Session, link: IntakeLinkRow, chosen: frozenset[Choice], now: datetime
) -> str:
    """Record her choices on the centre's case, in its sealed personal data (audited)."""
    case = session.get(CaseRow, link.case_id)
    assert case is not None
    staff = Actor(link.member_id, link.member_name, Role(link.member_role), "")
    row = CaseStore(session).personal(case.ref)
    data = open_personal(vault_of(session), case.id, row.sealed) if row else PersonalData()
    given = {c.consent for c in chosen if c.consent is not None}
    write_personal(session, staff, case.ref, replace(data, consent=data.consent | given), now=now)
    return case.ref


def register(
    db: Database,
    raw_items: Any,
    raw_choices: Sequence[str],
    proof: Proof,
    *,
    address: str,
    now: datetime,
    config: IntakeConfig,
    min_quality: int = 50,
    fold_radius: int = 31,
) -> Registration:
    """Register the hashes her browser computed; she gets her case number and phrase once."""
    items = parse_items(raw_items)
    chosen = parse_choices(raw_choices)
    link_id = _admit(db, proof, address, config, now)
    number, phrase = codes.new_case_number(), codes.new_phrase()
    groups = _fold(items, fold_radius, min_quality)
    notes: list[Note] = []
    with db.session() as session:
        link = session.get(IntakeLinkRow, link_id) if link_id is not None else None
        if link is not None and link.case_id is not None and Choice.LINK in chosen:
            ref = _link_case(session, link, chosen, now)
        else:
            chosen = chosen - {Choice.LINK}
            ref = CaseStore(session).create(now).ref
        new_entries = []
        for group in groups:
            signals: list[Signal] = []
            for n in group:
                found, note = _item_signals(items[n], min_quality)
                signals += found
                if note:
                    notes.append(Note(n + 1, *note))
            for n in group[1:]:
                said = f"folded with file {group[0] + 1}: nearly the same"
                notes.append(Note(n + 1, "folded", group[0] + 1, said))
            new_entries.append(NewEntry(tuple(signals), "", ref, now))
        store = BankStore(session)
        store.get_or_create(PENDING_BANK)
        entries = store.add_entries(PENDING_BANK, new_entries)
        intake = IntakeRow(
            number_digest=codes.number_digest(number),
            phrase_hash=codes.hash_phrase(phrase),
            choices=json.dumps(sorted(c.value for c in chosen)),
            case_id=CaseStore(session).case_id(ref),
            centre=link is not None,
            created_at=now,
            failures=0,
        )
        session.add(intake)
        session.flush()
        for group, entry in zip(groups, entries, strict=True):
            first = items[group[0]]
            session.add(
                IntakeEntryRow(
                    intake_id=intake.id,
                    entry_id=entry.id,
                    kind=first.kind,
                    quality=first.quality,
                    folded=len(group) - 1,
                )
            )
        actor = INTAKE_ACTOR
        if link is not None:
            actor = Actor(link.member_id, link.member_name, Role(link.member_role), "")
        record(
            session,
            AuditKind.INTAKE_REGISTERED,
            actor,
            detail={
                "intake": intake.id,
                "case": ref,
                "entries": len(entries),
                "centre": link is not None,
            },
            now=now,
        )
    folded = sum(len(g) - 1 for g in groups)
    return Registration(
        number, phrase, len(groups), folded, tuple(sorted(notes, key=lambda x: x.file))
    )


def _find(session: Session, number: str) -> IntakeRow | None:
    return session.scalar(
        select(IntakeRow).where(IntakeRow.number_digest == codes.number_digest(number))
    )


def recover(
    db: Database, number: str, phrase: str, *, address: str, now: datetime, config: IntakeConfig
) -> str:
    """Open a case with its number and phrase: a token for the status page, for a while.

    Wrong answers count per address and per case; after ``phrase_tries`` wrong phrases in a
    row the case is locked, and each further wrong phrase doubles the lock.
    """
    with db.session() as session:
        throttle(session, address_key("recover", address), config.recoveries, now)
    with db.session() as session:
        row = _find(session, number)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            minutes = int((row.locked_until - now).total_seconds() // 60) + 1
            raise IntakeThrottled(
                f"too many wrong recovery phrases for this case; try again in {minutes} minutes"
            )
        if not codes.phrase_matches(row.phrase_hash if row else None, phrase) or row is None:
            if row is not None:
                row.failures += 1
                over = row.failures - config.phrase_tries
                if over >= 0:
                    row.locked_until = now + config.lockout * (2 ** min(over, 6))
            ok = False
        else:
            token = new_token()
            row.failures, row.locked_until = 0, None
            row.access_digest, row.access_until = digest(token), now + config.access_life
            ok = True
    if not ok:
        raise IntakeUnknown("the case number or the recovery phrase is not right")
    return token


def opened(session: Session, token: str, now: datetime) -> IntakeRow:
    """The intake a status-page token opens, or :class:`IntakeUnknown`."""
    row = session.scalar(select(IntakeRow).where(IntakeRow.access_digest == digest(token)))
    if row is None or row.access_until is None or row.access_until < now:
        raise IntakeUnknown("this page has expired; enter your case number and phrase again")
    return row


def withdraw(db: Database, token: str, *, now: datetime) -> int:
    """Delete every hash of her case for good; hits already found stop being acted on.

    Her entries stay as dated tombstones (hits found before still say what matched, for the
    team's records), but nothing made from now on names their hits: no first notice, repeat,
    block request or police package, and notices citing them that were not sent yet are
    discarded (:mod:`haechi.notices.withdrawals`).
    Returns how many entries were withdrawn.
    """
    with db.session() as session:
        row = opened(session, token, now)
        entry_ids = list(
            session.scalars(
                select(IntakeEntryRow.entry_id).where(IntakeEntryRow.intake_id == row.id)
            )
        )
        store = BankStore(session)
        gone = [e for e in entry_ids if store.entry(e).withdrawn_at is None]
        for entry_id in gone:
            store.withdraw(entry_id, now)
        row.withdrawn_at = row.withdrawn_at or now
        discarded = discard_unsent(session, now)
        record(
            session,
            AuditKind.ENTRIES_WITHDRAWN,
            INTAKE_ACTOR,
            detail={"entries": gone, "notices_discarded": discarded},
            now=now,
        )
        return len(gone)
