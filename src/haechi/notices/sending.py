"""Approving, sending and marking notices: every step checked, timed and, once a notice has
gone out, written to the evidence log of each capture it cites.

The database records a step first; the evidence log follows. A notice whose mail went out is
marked sent even if the evidence log then fails, because the notice *was* sent; the log
failure is reported. Drafting and approval stay internal and are not logged as evidence.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from haechi.audit.trail import AuditKind, record
from haechi.notices.citations import Citations
from haechi.notices.desk import Desk
from haechi.notices.drafting import deadline_hours
from haechi.notices.errors import DeliveryError, NoticeError
from haechi.notices.model import WAITING, Channel, Notice, NoticeKind, NoticeStatus
from haechi.notices.withdrawals import withdrawn_hits
from haechi.notices.workflow import check_transition
from haechi.notices.workflow_signoffs import approve_one
from haechi.store.deliveries import DeliveryStore
from haechi.store.notices import NoticeStore, PlatformStore


class Mark(StrEnum):
    """What a person can record about a notice (``submitted``: sent through a web form)."""

    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    REFUSED = "refused"
    NO_ANSWER = "no-answer"

    @property
    def status(self) -> NoticeStatus:
        """The status a mark moves the notice to."""
        return NoticeStatus.SENT if self is Mark.SUBMITTED else NoticeStatus(self.value)


@dataclass
class SendResult:
    """What ``send`` did: sent, left for a person (web forms), failed, and log problems."""

    sent: list[Notice] = field(default_factory=list)
    manual: list[Notice] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    evidence_errors: list[str] = field(default_factory=list)


def log_event(citations: Citations, notice: Notice, event: str, at: datetime) -> list[str]:
    """Write a notice step to the evidence log of each capture the notice cites."""
    errors: list[str] = []
    for item in notice.items:
        if item.capture_id is None:
            continue
        errors += citations.log(
            [item.capture_id],
            {
                "notice": notice.id,
                "event": event,
                "kind": notice.kind.value,
                "platform": notice.platform,
                "recipient": notice.recipient,
                "channel": notice.channel.value,
                "text_sha256": notice.text_sha256,
                "hit": item.hit_id,
                "url": item.url,
                "removed_at": item.removed_at.isoformat() if item.removed_at else None,
                "at": at.isoformat(),
            },
        )
    return errors


def transition(desk: Desk, notice_id: int, status: NoticeStatus, note: str | None = None) -> Notice:
    """Move one notice to ``status`` now (no evidence logging; see :func:`mark`)."""
    with desk.db.session() as session:
        return NoticeStore(session).transition(notice_id, status, desk.clock(), note)


def approve(desk: Desk, notice_ids: Sequence[int], note: str | None = None) -> list[Notice]:
    """Approve drafts: from now on their text is fixed and they may be sent.

    By a member other than the drafter (:mod:`haechi.notices.workflow_signoffs`); audited.
    """
    now = desk.clock()
    with desk.db.session() as session:
        return [approve_one(session, n, desk.actor, now, note) for n in notice_ids]


def discard(desk: Desk, notice_id: int, note: str | None = None) -> Notice:
    """Drop a draft or an approved notice that has not gone out; its hits may be drafted again."""
    return transition(desk, notice_id, NoticeStatus.DISCARDED, note)


def _deadline(desk: Desk, notice: Notice, now: datetime) -> datetime:
    with desk.db.session() as session:
        platform = PlatformStore(session).get(notice.platform)
    return now + timedelta(hours=deadline_hours(desk, platform))


def _claim(desk: Desk, notice_id: int) -> str | None:
    """Take a notice for this run, committed before its mail goes out; else why not."""
    with desk.db.session() as session:
        return DeliveryStore(session).claim(
            notice_id, f"{desk.actor.name or 'haechi'}, process {os.getpid()}", desk.clock()
        )


def _mark_sent(desk: Desk, notice: Notice, note: str, message_id: str | None) -> Notice:
    now = desk.clock()
    deadline = _deadline(desk, notice, now)
    with desk.db.session() as session:
        sent = NoticeStore(session).transition(
            notice.id, NoticeStatus.SENT, now, note, message_id=message_id, deadline=deadline
        )
        DeliveryStore(session).delivered(notice.id, now)
        record(
            session,
            AuditKind.NOTICE_SENT,
            desk.actor,
            detail={"notice": notice.id, "platform": notice.platform, "kind": notice.kind.value},
            now=now,
        )
        return sent


def thread_of(desk: Desk, notice: Notice) -> list[str]:
    """Message-IDs of the notices a repeat follows up, oldest first (none for other kinds).

    A block request goes to the regulator, who never saw the host's mail: it starts its own
    thread. Notices that left through a web form have no Message-ID and are passed over.
    """
    if notice.kind is not NoticeKind.REPEAT or notice.previous_id is None:
        return []
    with desk.db.session() as session:
        chain = NoticeStore(session).chain(notice.previous_id)
    return [
        n.message_id
        for n in chain
        if n.message_id and n.platform == notice.platform and n.kind is not NoticeKind.BLOCK_REQUEST
    ]


def send(desk: Desk, notice_ids: Sequence[int] | None = None) -> SendResult:
    """Send approved notices (all of them, or those given) through their channels.

    Web-form notices are returned in ``manual`` for a person to submit. A notice to a
    platform still marked as a starter-list placeholder is not sent. One platform's failure
    does not stop the others.
    """
    result = SendResult()
    with desk.db.session() as session:
        store = NoticeStore(session)
        if notice_ids is None:
            queue = store.find(statuses=[NoticeStatus.APPROVED])
        else:
            queue = [store.get(n) for n in notice_ids]
            for notice in queue:
                check_transition(notice.id, notice.status, NoticeStatus.SENT)
        platforms = {p.name: p for p in PlatformStore(session).all()}
        withdrawn = withdrawn_hits(session, (i.hit_id for n in queue for i in n.items))
    citations: Citations | None = None
    for notice in queue:
        platform = platforms[notice.platform]
        if any(i.hit_id in withdrawn for i in notice.items):  # her consent went with them
            result.failed.append(
                (notice.id, "it cites hits whose hashes were withdrawn; discard it, draft again")
            )
            continue
        if platform.placeholder:
            result.failed.append(
                (
                    notice.id,
                    f"platform {platform.name} is a starter-list placeholder; put in its real "
                    "contact and set placeholder = false (`haechi platforms export`, edit, "
                    "`haechi platforms import`)",
                )
            )
            continue
        if notice.channel is Channel.WEB_FORM:
            result.manual.append(notice)
            continue
        refused = _claim(desk, notice.id)
        if refused is not None:  # another run sends it, or someone acted on it meanwhile
            result.failed.append((notice.id, refused))
            continue
        try:
            delivery = desk.channels[notice.channel].deliver(
                notice, desk.clock(), thread_of(desk, notice)
            )
        except (DeliveryError, NoticeError) as exc:
            with desk.db.session() as session:
                DeliveryStore(session).release(notice.id)
            result.failed.append((notice.id, str(exc)))
            continue
        sent = _mark_sent(desk, notice, f"e-mailed to {notice.recipient}", delivery.message_id)
        result.sent.append(sent)
        citations = citations or desk.citations()
        result.evidence_errors += log_event(citations, sent, "sent", sent.sent_at or desk.clock())
    return result


def mark(
    desk: Desk, notice_id: int, what: Mark, note: str | None = None
) -> tuple[Notice, list[str]]:
    """Record what happened to a notice; returns it and any evidence-log problems.

    ``submitted`` marks a web-form notice sent (its deadline starts now); ``removed``
    also marks every item it cites as removed now.
    """
    now = desk.clock()
    if what is Mark.SUBMITTED:
        with desk.db.session() as session:
            notice = NoticeStore(session).get(notice_id)
        check_transition(notice_id, notice.status, NoticeStatus.SENT)
        updated = _mark_sent(desk, notice, note or f"submitted through {notice.recipient}", None)
        return updated, log_event(desk.citations(), updated, "sent", now)
    with desk.db.session() as session:
        store = NoticeStore(session)
        current = store.get(notice_id)
        check_transition(notice_id, current.status, what.status)
        touched: set[int] = set()
        if what is Mark.REMOVED:
            for item in current.open_items:
                why = note or "the platform reported it removed"
                touched.update(store.mark_removed(item.hit_id, now, why))
        updated = store.transition(notice_id, what.status, now, note)
        others = close_removed(store, touched - {notice_id}, now, "its items were marked removed")
    citations = desk.citations()
    errors = log_event(citations, updated, what.value, now)
    for other in others:
        errors += log_event(citations, other, "removed", now)
    return updated, errors


def close_removed(
    store: NoticeStore, notice_ids: Iterable[int], now: datetime, why: str
) -> list[Notice]:
    """Close as ``removed`` every waiting notice among these whose items are all gone."""
    closed = []
    for notice_id in sorted(set(notice_ids)):
        notice = store.get(notice_id)
        if notice.status in WAITING and not notice.open_items:
            closed.append(store.transition(notice_id, NoticeStatus.REMOVED, now, why))
    return closed
