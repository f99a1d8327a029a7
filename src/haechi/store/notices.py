"""Storage of the notice workflow: notices with items and events, and re-checks.

One store class per aggregate; the directory is in :mod:`haechi.store.platforms` and the review
queue in :mod:`haechi.store.reviews` (both re-exported here for callers that import them from
this module). The workflow rules live in :mod:`haechi.notices`, which calls these within one
session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, selectinload

from haechi.notices.errors import NoticeError
from haechi.notices.model import (
    Channel,
    CheckOutcome,
    Notice,
    NoticeEvent,
    NoticeItem,
    NoticeKind,
    NoticeStatus,
    Recheck,
)
from haechi.notices.workflow import check_transition
from haechi.store.conflicts import for_update
from haechi.store.deliveries import DeliveryStore
from haechi.store.models import (
    HitRow,
    MediaRow,
    NoticeEventRow,
    NoticeItemRow,
    NoticeRow,
    PlatformRow,
    RecheckRow,
)
from haechi.store.platforms import PlatformStore
from haechi.store.reviews import ReviewStore

__all__ = ["NoticeStore", "PlatformStore", "RecheckStore", "ReviewStore"]

_CHUNK = 500


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
