"""The typed records of acting on hits: reviews, notices and their items, re-check results.

They are what the stores return and the commands print; each has an ``as_json`` with the
stable keys that scripts depend on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class Decision(StrEnum):
    """A person's decision on a hit in the review queue."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Review:
    """A decision on one hit, who took it and when."""

    hit_id: int
    decision: Decision
    reviewer: str
    reason: str
    decided_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "hit": self.hit_id,
            "decision": self.decision.value,
            "reviewer": self.reviewer,
            "reason": self.reason,
            "decided_at": self.decided_at.isoformat(),
        }


class NoticeKind(StrEnum):
    """What a notice asks for, and of whom."""

    TAKEDOWN = "takedown"  # the first request to the platform hosting the content
    REPEAT = "repeat"  # the same request again, the content still there after the deadline
    BLOCK_REQUEST = "block-request"  # to the regulator: block access to what the host keeps up

    @property
    def template(self) -> str:
        """The template family that renders this kind (repeats reuse the takedown text)."""
        return "block-request" if self is NoticeKind.BLOCK_REQUEST else "takedown"

    def label(self, language: str = "en") -> str:
        """How people read this kind, in Korean for ``ko`` and English otherwise."""
        korean, english = _KIND_WORDS[self]
        return korean if language == "ko" else english


_KIND_WORDS: dict[NoticeKind, tuple[str, str]] = {
    NoticeKind.TAKEDOWN: ("삭제 요청", "removal request"),
    NoticeKind.REPEAT: ("삭제 재요청", "repeated removal request"),
    NoticeKind.BLOCK_REQUEST: ("접속차단 심의 요청", "block request"),
}


class NoticeStatus(StrEnum):
    """Where a notice stands; :mod:`haechi.notices.workflow` says which changes are allowed."""

    DRAFTED = "drafted"
    APPROVED = "approved"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    REFUSED = "refused"
    NO_ANSWER = "no-answer"
    DISCARDED = "discarded"

    def label(self, language: str = "en") -> str:
        """How people read this status: the one wording of it in notices, reports and lists.

        Korean for ``ko``, English for any other language.
        """
        korean, english = _STATUS_WORDS[self]
        return korean if language == "ko" else english


_STATUS_WORDS: dict[NoticeStatus, tuple[str, str]] = {
    NoticeStatus.DRAFTED: ("초안", "drafted"),
    NoticeStatus.APPROVED: ("승인됨", "approved"),
    NoticeStatus.SENT: ("발송됨", "sent"),
    NoticeStatus.ACKNOWLEDGED: ("접수 확인", "acknowledged"),
    NoticeStatus.REMOVED: ("삭제됨", "removed"),
    NoticeStatus.REFUSED: ("거부됨", "refused"),
    NoticeStatus.NO_ANSWER: ("무응답", "no answer"),
    NoticeStatus.DISCARDED: ("폐기됨", "discarded"),
}
assert set(_STATUS_WORDS) == set(NoticeStatus), "every status needs its words"


class Channel(StrEnum):
    """How a notice reaches its platform (stable short names, see :mod:`channels`)."""

    EMAIL = "email"
    WEB_FORM = "web-form"


@dataclass(frozen=True)
class NoticeItem:
    """One hit a notice cites: where it is, its SHA-256, the capture that preserved it."""

    hit_id: int
    url: str
    page_url: str | None
    sha256: str
    capture_id: str | None
    captured_at: datetime | None
    removed_at: datetime | None = None
    removal: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "hit": self.hit_id,
            "url": self.url,
            "page": self.page_url,
            "sha256": self.sha256,
            "capture": self.capture_id,
            "captured_at": _iso(self.captured_at),
            "removed_at": _iso(self.removed_at),
            "removal": self.removal,
        }


@dataclass(frozen=True)
class NoticeEvent:
    """One status change."""

    status: NoticeStatus
    at: datetime
    note: str | None


@dataclass(frozen=True)
class Notice:
    """A notice to one platform or regulator, with the exact text that is (or was) sent."""

    id: int
    platform: str
    kind: NoticeKind
    channel: Channel
    language: str
    status: NoticeStatus
    recipient: str
    subject: str
    text: str = field(repr=False)
    text_sha256: str
    previous_id: int | None
    message_id: str | None
    created_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    deadline: datetime | None
    items: tuple[NoticeItem, ...]
    events: tuple[NoticeEvent, ...] = ()

    @property
    def body(self) -> str:
        """The text without its ``Subject:`` line: what goes in the e-mail or the form."""
        first, _, rest = self.text.partition("\n")
        return rest.lstrip("\n") if first.startswith("Subject:") else self.text

    @property
    def open_items(self) -> tuple[NoticeItem, ...]:
        """Items not yet seen removed."""
        return tuple(i for i in self.items if i.removed_at is None)

    def overdue(self, now: datetime) -> bool:
        """Sent, past its deadline, and something it cites is still up."""
        return (
            self.status in _WAITING
            and self.deadline is not None
            and now > self.deadline
            and bool(self.open_items)
        )

    def as_json(self, with_text: bool = False) -> dict[str, Any]:
        """The stable JSON form (the text only when asked: it is long)."""
        data: dict[str, Any] = {
            "id": self.id,
            "platform": self.platform,
            "kind": self.kind.value,
            "channel": self.channel.value,
            "language": self.language,
            "status": self.status.value,
            "recipient": self.recipient,
            "subject": self.subject,
            "text_sha256": self.text_sha256,
            "previous": self.previous_id,
            "message_id": self.message_id,
            "created_at": self.created_at.isoformat(),
            "approved_at": _iso(self.approved_at),
            "sent_at": _iso(self.sent_at),
            "acknowledged_at": _iso(self.acknowledged_at),
            "closed_at": _iso(self.closed_at),
            "deadline": _iso(self.deadline),
            "items": [i.as_json() for i in self.items],
        }
        if with_text:
            data["text"] = self.text
        return data


_WAITING = frozenset({NoticeStatus.SENT, NoticeStatus.ACKNOWLEDGED, NoticeStatus.NO_ANSWER})
WAITING = _WAITING
"""Statuses of a notice that was sent and whose content may still be up."""


class CheckOutcome(StrEnum):
    """What a re-check found at a reported URL."""

    PRESENT = "present"  # the same media (same bytes, or a PDQ match) is still served
    REMOVED = "removed"  # 404/410/451, a removed-content page, or other media in its place
    UNREACHABLE = "unreachable"  # no answer, refused, or an answer that proves nothing


@dataclass(frozen=True)
class Recheck:
    """The result of re-fetching one reported URL."""

    hit_id: int
    url: str
    checked_at: datetime
    outcome: CheckOutcome
    status: int | None
    detail: str

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "hit": self.hit_id,
            "url": self.url,
            "checked_at": self.checked_at.isoformat(),
            "outcome": self.outcome.value,
            "status": self.status,
            "detail": self.detail,
        }
