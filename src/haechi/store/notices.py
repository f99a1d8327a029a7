"""Storage of the notice workflow: platforms, reviews, notices with items and events, re-checks.

One store class per aggregate (the directory, the review queue, notices, re-checks); the
workflow rules live in :mod:`haechi.notices`, which calls these within one session.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, selectinload

from haechi.notices.errors import NoticeError, PlatformError, ReviewError
from haechi.notices.model import (
    Channel,
    CheckOutcome,
    Decision,
    Notice,
    NoticeEvent,
    NoticeItem,
    NoticeKind,
    NoticeStatus,
    Recheck,
    Review,
)
from haechi.notices.platforms import Platform, PlatformDirectory, PlatformKind
from haechi.notices.workflow import check_transition
from haechi.scan.model import Hit
from haechi.store.conflicts import for_update, insert_or_nothing
from haechi.store.deliveries import DeliveryStore
from haechi.store.models import (
    BankRow,
    EntryRow,
    HitRow,
    MediaRow,
    NoticeEventRow,
    NoticeItemRow,
    NoticeRow,
    PlatformDomainRow,
    PlatformRow,
    RecheckRow,
    ReviewRow,
)
from haechi.store.scans import ScanStore

_CHUNK = 500


def _platform(row: PlatformRow) -> Platform:
    return Platform(
        name=row.name,
        title=row.title,
        domains=tuple(d.domain for d in row.domains),
        language=row.language,
        kind=PlatformKind(row.kind),
        country=row.country,
        email=row.email,
        web_form=row.web_form,
        legal_basis=row.legal_basis,
        answers=row.answers,
        deadline_hours=row.deadline_hours,
        removed_markers=tuple(json.loads(row.removed_markers)),
        placeholder=row.placeholder,
        notes=row.notes,
    )


class PlatformStore:
    """The platform directory within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, name: str) -> PlatformRow:
        row = self.session.scalar(select(PlatformRow).where(PlatformRow.name == name))
        if row is None:
            raise PlatformError(
                f"no platform named {name!r}; see `haechi platforms list`, add it with "
                "`haechi platforms import FILE`"
            )
        return row

    def get(self, name: str) -> Platform:
        """One platform by name, or :class:`PlatformError`."""
        return _platform(self._row(name))

    def row_id(self, name: str) -> int:
        """The database id of a platform."""
        return self._row(name).id

    def all(self) -> list[Platform]:
        """Every platform, by name."""
        rows = self.session.scalars(
            select(PlatformRow)
            .options(selectinload(PlatformRow.domains))
            .order_by(PlatformRow.name)
        )
        return [_platform(r) for r in rows]

    def directory(self) -> PlatformDirectory:
        """The directory for assigning hits."""
        return PlatformDirectory(self.all())

    def save(self, platforms: Sequence[Platform], now: datetime) -> tuple[int, int]:
        """Add or replace platforms by name; returns ``(added, updated)``.

        Domains move with the file: an import may hand a domain from one of its platforms to
        another, but not take one from a platform it does not mention.
        """
        incoming = {p.name for p in platforms}
        claimed = {
            domain: name
            for domain, name in self.session.execute(
                select(PlatformDomainRow.domain, PlatformRow.name).join(
                    PlatformRow, PlatformRow.id == PlatformDomainRow.platform_id
                )
            )
            if name not in incoming
        }
        for platform in platforms:
            for domain in platform.domains:
                if domain in claimed:
                    raise PlatformError(
                        f"domain {domain} of {platform.name} already belongs to "
                        f"{claimed[domain]}; remove it there first"
                    )
        existing = {
            row.name: row
            for row in self.session.scalars(
                select(PlatformRow).where(PlatformRow.name.in_(list(incoming)))
            )
        }
        for row in existing.values():
            row.domains.clear()
        self.session.flush()  # old domains gone before any of them moves to another platform
        for platform in platforms:
            row = existing.get(platform.name) or PlatformRow(name=platform.name)
            row.title = platform.title
            row.kind = platform.kind.value
            row.country = platform.country
            row.email = platform.email
            row.web_form = platform.web_form
            row.language = platform.language
            row.legal_basis = platform.legal_basis
            row.answers = platform.answers
            row.deadline_hours = platform.deadline_hours
            row.removed_markers = json.dumps(list(platform.removed_markers), ensure_ascii=False)
            row.placeholder = platform.placeholder
            row.notes = platform.notes
            row.updated_at = now
            row.domains = [PlatformDomainRow(domain=d) for d in platform.domains]
            self.session.add(row)
        self.session.flush()
        return len(incoming - set(existing)), len(existing)


def _review(row: ReviewRow) -> Review:
    return Review(row.hit_id, Decision(row.decision), row.reviewer, row.reason, row.decided_at)


class ReviewStore:
    """The review queue within one session: which hits a person confirmed or rejected."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def hits(self, ids: Iterable[int]) -> list[Hit]:
        """Hits by id, in id order."""
        wanted = sorted(set(ids))
        found: list[Hit] = []
        scans = ScanStore(self.session)
        for start in range(0, len(wanted), _CHUNK):
            found += scans.hits(hit_ids=wanted[start : start + _CHUNK])
        return sorted(found, key=lambda h: h.id)

    def hit_ids(
        self,
        decision: Decision | None,
        bank: str | None = None,
        scan_id: int | None = None,
        max_distance: int | None = None,
        since: datetime | None = None,
    ) -> list[int]:
        """Hit ids with that decision (``None``: not yet reviewed), filtered, oldest first."""
        query = (
            select(HitRow.id)
            .join(ReviewRow, ReviewRow.hit_id == HitRow.id, isouter=True)
            .order_by(HitRow.id)
        )
        if decision is None:
            query = query.where(ReviewRow.id.is_(None))
        else:
            query = query.where(ReviewRow.decision == decision.value)
        if bank is not None:
            query = (
                query.join(EntryRow, EntryRow.id == HitRow.entry_id)
                .join(BankRow, BankRow.id == EntryRow.bank_id)
                .where(BankRow.name == bank)
            )
        if scan_id is not None:
            query = query.where(HitRow.scan_id == scan_id)
        if max_distance is not None:
            query = query.where(HitRow.distance <= max_distance)
        if since is not None:
            query = query.where(HitRow.found_at >= since)
        return list(self.session.scalars(query))

    def decide(
        self,
        hit_ids: Sequence[int],
        decision: Decision,
        reviewer: str,
        reason: str,
        now: datetime,
    ) -> list[Review]:
        """Record a decision on each hit (a later decision replaces an earlier one)."""
        known = set(self.session.scalars(select(HitRow.id).where(HitRow.id.in_(list(hit_ids)))))
        missing = [h for h in hit_ids if h not in known]
        if missing:
            raise ReviewError(f"no hit with id {', '.join(map(str, missing))}")
        if decision is Decision.REJECTED:
            cited = NoticeStore(self.session).cited_hits(hit_ids)
            if cited:
                raise ReviewError(
                    f"hit {', '.join(map(str, sorted(cited)))} is cited by a notice already; "
                    "discard the notice (if unsent) before rejecting"
                )
        out = []
        for hit_id in hit_ids:
            mine = select(ReviewRow).where(ReviewRow.hit_id == hit_id)
            row = self.session.scalar(for_update(mine))
            if row is None:
                # One review per hit (its unique key): of two first decisions made at once,
                # one is written and the other, if it differs, is told so, never saved over it.
                values = {
                    "hit_id": hit_id,
                    "decision": decision.value,
                    "reviewer": reviewer,
                    "reason": reason,
                    "decided_at": now,
                }
                written = insert_or_nothing(self.session, ReviewRow, values, ["hit_id"])
                row = self.session.scalars(for_update(mine)).one()
                if written is None and row.decision != decision.value:
                    raise ReviewError(
                        f"hit {hit_id} was {row.decision} by {row.reviewer} a moment ago; "
                        "look at it again before deciding otherwise"
                    )
                out.append(row)
                continue
            row.decision = decision.value
            row.reviewer = reviewer
            row.reason = reason
            row.decided_at = now
            out.append(row)
        self.session.flush()
        return [_review(r) for r in out]

    def hit_ids_of_entries(self, entry_ids: Iterable[int]) -> list[int]:
        """Every hit of these bank entries, oldest first."""
        wanted = list(set(entry_ids))
        found: list[int] = []
        for start in range(0, len(wanted), _CHUNK):
            found += self.session.scalars(
                select(HitRow.id).where(HitRow.entry_id.in_(wanted[start : start + _CHUNK]))
            )
        return sorted(found)

    def decisions(self, hit_ids: Iterable[int]) -> dict[int, Decision]:
        """The decision on each of these hits that has one."""
        wanted = list(set(hit_ids))
        found: dict[int, Decision] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = self.session.execute(
                select(ReviewRow.hit_id, ReviewRow.decision).where(
                    ReviewRow.hit_id.in_(wanted[start : start + _CHUNK])
                )
            )
            found.update({hit_id: Decision(decision) for hit_id, decision in rows})
        return found

    def get(self, hit_id: int) -> Review | None:
        """The decision on a hit, if any."""
        row = self.session.scalar(select(ReviewRow).where(ReviewRow.hit_id == hit_id))
        return _review(row) if row else None


def _item(row: NoticeItemRow) -> NoticeItem:
    return NoticeItem(
        row.hit_id,
        row.url,
        row.page_url,
        row.sha256,
        row.capture_id,
        row.captured_at,
        row.removed_at,
        row.removal,
    )


class NoticeStore:
    """Notices, their items and their status history within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _notice(self, row: NoticeRow, platform: str | None = None) -> Notice:
        if platform is None:
            platform = self.session.scalar(
                select(PlatformRow.name).where(PlatformRow.id == row.platform_id)
            )
        return Notice(
            id=row.id,
            platform=platform or "",
            kind=NoticeKind(row.kind),
            channel=Channel(row.channel),
            language=row.language,
            status=NoticeStatus(row.status),
            recipient=row.recipient,
            subject=row.subject,
            text=row.text,
            text_sha256=row.text_sha256,
            previous_id=row.previous_id,
            message_id=row.message_id,
            created_at=row.created_at,
            approved_at=row.approved_at,
            sent_at=row.sent_at,
            acknowledged_at=row.acknowledged_at,
            closed_at=row.closed_at,
            deadline=row.deadline,
            items=tuple(_item(i) for i in row.items),
            events=tuple(NoticeEvent(NoticeStatus(e.status), e.at, e.note) for e in row.events),
        )

    def _row(self, notice_id: int) -> NoticeRow:
        row = self.session.get(NoticeRow, notice_id)
        if row is None:
            raise NoticeError(f"no notice with id {notice_id}; see `haechi notices list`")
        return row

    def create(
        self,
        platform: str,
        kind: NoticeKind,
        channel: Channel,
        language: str,
        recipient: str,
        subject: str,
        text: str,
        text_sha256: str,
        items: Sequence[NoticeItem],
        now: datetime,
        previous_id: int | None = None,
    ) -> Notice:
        """A new notice, drafted at ``now``."""
        row = NoticeRow(
            platform_id=PlatformStore(self.session).row_id(platform),
            kind=kind.value,
            channel=channel.value,
            language=language,
            status=NoticeStatus.DRAFTED.value,
            recipient=recipient,
            subject=subject,
            text=text,
            text_sha256=text_sha256,
            previous_id=previous_id,
            created_at=now,
        )
        row.items = [
            NoticeItemRow(
                hit_id=i.hit_id,
                url=i.url,
                page_url=i.page_url,
                sha256=i.sha256,
                capture_id=i.capture_id,
                captured_at=i.captured_at,
            )
            for i in items
        ]
        row.events = [NoticeEventRow(status=NoticeStatus.DRAFTED.value, at=now)]
        self.session.add(row)
        self.session.flush()
        return self._notice(row, platform)

    def set_text(
        self, notice_id: int, language: str, subject: str, text: str, text_sha256: str
    ) -> Notice:
        """Store a draft's rendered text; once approved, the text never changes."""
        row = self._row(notice_id)
        if row.status != NoticeStatus.DRAFTED.value:
            raise NoticeError(f"notice {notice_id} is {row.status}: its text is fixed")
        row.language = language
        row.subject = subject
        row.text = text
        row.text_sha256 = text_sha256
        self.session.flush()
        return self._notice(row)

    def get(self, notice_id: int) -> Notice:
        """One notice, or :class:`NoticeError`."""
        return self._notice(self._row(notice_id))

    def find(
        self,
        statuses: Iterable[NoticeStatus] | None = None,
        platform: str | None = None,
        kinds: Iterable[NoticeKind] | None = None,
    ) -> list[Notice]:
        """Notices by id, filtered by status, platform and kind."""
        query = (
            select(NoticeRow, PlatformRow.name)
            .join(PlatformRow, PlatformRow.id == NoticeRow.platform_id)
            .options(selectinload(NoticeRow.items), selectinload(NoticeRow.events))
            .order_by(NoticeRow.id)
        )
        if statuses is not None:
            query = query.where(NoticeRow.status.in_([s.value for s in statuses]))
        if kinds is not None:
            query = query.where(NoticeRow.kind.in_([k.value for k in kinds]))
        if platform is not None:
            query = query.where(PlatformRow.name == platform)
        return [self._notice(row, name) for row, name in self.session.execute(query)]

    def transition(
        self,
        notice_id: int,
        status: NoticeStatus,
        now: datetime,
        note: str | None = None,
        message_id: str | None = None,
        deadline: datetime | None = None,
    ) -> Notice:
        """Move a notice to ``status`` at ``now``, if the workflow allows it.

        The row is locked first (PostgreSQL) and changed only if it still has the status it
        was read with, so of two people acting on one notice at once the second is told what
        the first did; a notice that a sending run has taken is not discarded under it.
        """
        row = self.session.scalar(for_update(select(NoticeRow).where(NoticeRow.id == notice_id)))
        if row is None:
            raise NoticeError(f"no notice with id {notice_id}; see `haechi notices list`")
        current = NoticeStatus(row.status)
        check_transition(notice_id, current, status)
        if status is NoticeStatus.DISCARDED and DeliveryStore(self.session).taken(notice_id, now):
            raise NoticeError(f"notice {notice_id} is being sent right now; it cannot be discarded")
        changed = self.session.execute(
            update(NoticeRow)
            .where(NoticeRow.id == notice_id, NoticeRow.status == current.value)
            .values(status=status.value)
        )
        if cast(CursorResult[Any], changed).rowcount != 1:
            raise NoticeError(f"notice {notice_id} changed meanwhile; look at it again")
        row.status = status.value
        if status is NoticeStatus.APPROVED:
            row.approved_at = now
        elif status is NoticeStatus.SENT:
            row.sent_at = now
            row.deadline = deadline
            row.message_id = message_id
        elif status is NoticeStatus.ACKNOWLEDGED:
            row.acknowledged_at = now
        elif status in (NoticeStatus.REMOVED, NoticeStatus.REFUSED, NoticeStatus.DISCARDED):
            row.closed_at = now
        row.events.append(NoticeEventRow(status=status.value, at=now, note=note))
        self.session.flush()
        return self._notice(row)

    def cited_hits(
        self, hit_ids: Iterable[int] | None = None, kind: NoticeKind | None = None
    ) -> set[int]:
        """Hits cited by a notice that was not discarded (of ``kind``, if given)."""
        query = (
            select(NoticeItemRow.hit_id)
            .join(NoticeRow, NoticeRow.id == NoticeItemRow.notice_id)
            .where(NoticeRow.status != NoticeStatus.DISCARDED.value)
        )
        if kind is not None:
            query = query.where(NoticeRow.kind == kind.value)
        if hit_ids is None:
            return set(self.session.scalars(query))
        wanted = list(set(hit_ids))
        found: set[int] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            found.update(self.session.scalars(query.where(NoticeItemRow.hit_id.in_(chunk))))
        return found

    def mark_removed(self, hit_id: int, at: datetime, why: str) -> list[int]:
        """Record that a hit's content is gone, on every item citing it; returns notice ids."""
        rows = self.session.scalars(
            select(NoticeItemRow).where(
                NoticeItemRow.hit_id == hit_id, NoticeItemRow.removed_at.is_(None)
            )
        )
        touched = []
        for row in rows:
            row.removed_at = at
            row.removal = why
            touched.append(row.notice_id)
        self.session.flush()
        return touched

    def followups(self, notice_id: int) -> list[Notice]:
        """Notices that follow this one up (repeats and block requests), not discarded."""
        rows = self.session.scalars(
            select(NoticeRow)
            .where(
                NoticeRow.previous_id == notice_id,
                NoticeRow.status != NoticeStatus.DISCARDED.value,
            )
            .order_by(NoticeRow.id)
        )
        return [self._notice(r) for r in rows]

    def chain(self, notice_id: int) -> list[Notice]:
        """The notice and the ones it follows up, the original first."""
        out: list[Notice] = []
        current: int | None = notice_id
        while current is not None:
            notice = self.get(current)
            out.append(notice)
            current = notice.previous_id
        return list(reversed(out))

    def count_by_status(self) -> dict[str, int]:
        """How many notices are in each status."""
        rows = self.session.execute(
            select(NoticeRow.status, func.count(NoticeRow.id)).group_by(NoticeRow.status)
        )
        return {status: n for status, n in rows}


class RecheckStore:
    """Re-check results within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, check: Recheck) -> None:
        """Record one re-check."""
        self.session.add(
            RecheckRow(
                hit_id=check.hit_id,
                checked_at=check.checked_at,
                outcome=check.outcome.value,
                status=check.status,
                detail=check.detail,
            )
        )
        self.session.flush()

    def last_checked(self, hit_ids: Iterable[int]) -> dict[int, datetime]:
        """The time of each hit's latest re-check (hits never re-checked are absent)."""
        wanted = list(set(hit_ids))
        found: dict[int, datetime] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = self.session.execute(
                select(RecheckRow.hit_id, func.max(RecheckRow.checked_at))
                .where(RecheckRow.hit_id.in_(wanted[start : start + _CHUNK]))
                .group_by(RecheckRow.hit_id)
            )
            for hit_id, when in rows:
                found[hit_id] = when
        return found

    def media_pdq(self, sha256s: Iterable[str]) -> dict[str, str]:
        """The PDQ hex of media hashed by scans, by SHA-256 (media without PDQ are absent)."""
        wanted = list(set(sha256s))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = self.session.execute(
                select(MediaRow.sha256, MediaRow.pdq).where(
                    MediaRow.sha256.in_(wanted[start : start + _CHUNK]), MediaRow.pdq.is_not(None)
                )
            )
            found.update({sha: pdq for sha, pdq in rows if pdq})
        return found

    def for_hit(self, hit_id: int) -> list[Recheck]:
        """Every re-check of a hit, oldest first."""
        rows = self.session.execute(
            select(RecheckRow, HitRow.location)
            .join(HitRow, HitRow.id == RecheckRow.hit_id)
            .where(RecheckRow.hit_id == hit_id)
            .order_by(RecheckRow.id)
        )
        return [
            Recheck(
                r.hit_id, location, r.checked_at, CheckOutcome(r.outcome), r.status, r.detail or ""
            )
            for r, location in rows
        ]
