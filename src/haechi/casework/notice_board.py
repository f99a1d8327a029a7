"""The notice board: every notice with who drafted and approved it, drafts per platform,
overdue notices, follow-ups waiting for approval, and the exact e-mail before it goes.

The e-mail shown is the one :func:`haechi.notices.channels.build_message` makes when it is
sent (headers and body, in the platform's language as rendered at drafting); only its
``Date`` and ``Message-ID`` are made anew at sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from haechi.casework.paging import Page, paginate
from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.notices.channels import build_message
from haechi.notices.desk import Desk
from haechi.notices.errors import NoticeError
from haechi.notices.model import Channel, Notice, NoticeKind, NoticeStatus
from haechi.notices.sending import thread_of
from haechi.notices.workflow_signoffs import NOBODY, Signoff, may_approve, signoffs
from haechi.store.notices import NoticeStore

FOLLOW_UPS = (NoticeKind.REPEAT, NoticeKind.BLOCK_REQUEST)


@dataclass(frozen=True)
class BoardNotice:
    """A notice as the board shows it."""

    notice: Notice
    signoff: Signoff
    overdue: bool

    def as_json(self, with_text: bool = False) -> dict[str, Any]:
        return {
            **self.notice.as_json(with_text=with_text),
            **self.signoff.as_json(),
            "overdue": self.overdue,
        }


NOTICE_SORTS = {
    "id": lambda b: b.notice.id,
    "platform": lambda b: b.notice.platform,
    "kind": lambda b: b.notice.kind.value,
    "status": lambda b: b.notice.status.value,
    "drafted": lambda b: b.notice.created_at,
    "sent": lambda b: b.notice.sent_at,
    "deadline": lambda b: b.notice.deadline,
}


def _parse(values: list[str], kind: type[NoticeStatus] | type[NoticeKind], what: str) -> list[Any]:
    try:
        return [kind(v) for v in values if v]
    except ValueError:
        raise NoticeError(
            f"unknown {what} in {values}; choices: {', '.join(k.value for k in kind)}"
        ) from None


def board(
    session: Session,
    now: datetime,
    *,
    statuses: list[str] | None = None,
    kinds: list[str] | None = None,
    platform: str = "",
    overdue_only: bool = False,
) -> list[BoardNotice]:
    """Notices filtered, each with its sign-off and whether it is overdue."""
    wanted = _parse(statuses or [], NoticeStatus, "status") or None
    wanted_kinds = _parse(kinds or [], NoticeKind, "kind") or None
    found = NoticeStore(session).find(wanted, platform or None, wanted_kinds)
    if overdue_only:
        found = [n for n in found if n.overdue(now)]
    signed = signoffs(session, [n.id for n in found])
    return [BoardNotice(n, signed.get(n.id, NOBODY), n.overdue(now)) for n in found]


def list_notices(
    session: Session,
    now: datetime,
    *,
    statuses: list[str] | None = None,
    kinds: list[str] | None = None,
    platform: str = "",
    overdue_only: bool = False,
    sort: str = "id",
    order: str = "desc",
    page: int = 1,
    per_page: int = 50,
) -> Page[BoardNotice]:
    """One page of the board."""
    found = board(
        session, now, statuses=statuses, kinds=kinds, platform=platform, overdue_only=overdue_only
    )
    return paginate(found, NOTICE_SORTS, sort=sort, order=order, page=page, per_page=per_page)


def drafts_by_platform(session: Session, now: datetime) -> dict[str, list[BoardNotice]]:
    """Notices waiting for a person (drafted or approved, not sent), per platform."""
    grouped: dict[str, list[BoardNotice]] = {}
    waiting = board(session, now, statuses=[NoticeStatus.DRAFTED, NoticeStatus.APPROVED])
    for item in waiting:
        grouped.setdefault(item.notice.platform, []).append(item)
    return dict(sorted(grouped.items()))


def follow_ups_waiting(session: Session, now: datetime) -> list[BoardNotice]:
    """Repeats and block requests drafted (by the scheduler or a person), awaiting approval."""
    return board(session, now, statuses=[NoticeStatus.DRAFTED], kinds=[k for k in FOLLOW_UPS])


def one(session: Session, now: datetime, notice_id: int) -> BoardNotice:
    """One notice with its sign-off."""
    notice = NoticeStore(session).get(notice_id)
    signed = signoffs(session, [notice_id]).get(notice_id, NOBODY)
    return BoardNotice(notice, signed, notice.overdue(now))


def approvable_by(item: BoardNotice, member_id: int | None) -> bool:
    """Whether the member may approve it (a draft she did not draft)."""
    if item.notice.status is not NoticeStatus.DRAFTED:
        return False
    return may_approve(item.signoff, Actor(member_id, "", None))


@dataclass(frozen=True)
class EmailPreview:
    """The e-mail as it will leave: headers in order, then the body."""

    headers: list[tuple[str, str]]
    body: str
    problem: str | None = None  # e.g. no From address configured yet
    signed: bool = False  # a verification code and the signed credential are added at sending

    def as_json(self) -> dict[str, Any]:
        return {
            "headers": [{"name": k, "value": v} for k, v in self.headers],
            "body": self.body,
            "problem": self.problem,
            "signed": self.signed,
        }


def email_preview(desk: Desk, notice: Notice) -> EmailPreview:
    """The exact e-mail of a notice (a web-form notice: the text to paste, no headers)."""
    if notice.channel is Channel.WEB_FORM:
        return EmailPreview([("Web form", notice.recipient)], notice.body)
    try:
        message = build_message(notice, desk.config, desk.clock(), thread_of(desk, notice))
    except HaechiError as exc:
        return EmailPreview([("To", notice.recipient), ("Subject", notice.subject)],
                            notice.body, str(exc))  # fmt: skip
    headers = [(k, str(v)) for k, v in message.items() if not k.lower().startswith("content-t")]
    headers += [("Content-Type", "text/plain; charset=utf-8")]
    return EmailPreview(headers, notice.body, signed=desk.notary is not None)
