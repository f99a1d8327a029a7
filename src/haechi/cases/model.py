"""The typed records of cases: a case, what it holds, and the police reports made for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class MemberKind(StrEnum):
    """What a case can hold (stable short names, also the CLI's options)."""

    ENTRY = "entry"  # a bank entry (its hits follow)
    HIT = "hit"
    CAPTURE = "capture"  # a sealed capture id


@dataclass(frozen=True)
class Case:
    """A victim's case, known only by its pseudonymous reference."""

    id: int
    ref: str
    created_at: datetime
    closed_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "ref": self.ref,
            "created_at": self.created_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
        }


@dataclass(frozen=True)
class CaseMember:
    """One thing a case holds, added explicitly."""

    kind: MemberKind
    key: str
    added_at: datetime


@dataclass(frozen=True)
class PoliceReport:
    """A report package given to a police station, and the wait for an answer."""

    id: int
    case_ref: str
    station: str
    made_at: datetime
    answer_due: datetime
    remind_every: timedelta
    last_reminded_at: datetime | None
    answered_at: datetime | None
    answer: str | None
    package: str
    pdf_sha256: str
    bundle_sha256: str | None

    @property
    def waiting(self) -> bool:
        """Whether the station has not answered yet."""
        return self.answered_at is None

    @property
    def next_reminder(self) -> datetime | None:
        """When to remind the group next (``None`` once answered).

        The first reminder falls due when the answer is due; then one every interval.
        """
        if not self.waiting:
            return None
        if self.last_reminded_at is None:
            return self.answer_due
        return self.last_reminded_at + self.remind_every

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        nxt = self.next_reminder
        return {
            "id": self.id,
            "case": self.case_ref,
            "station": self.station,
            "made_at": self.made_at.isoformat(),
            "answer_due": self.answer_due.isoformat(),
            "next_reminder": nxt.isoformat() if nxt else None,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "answer": self.answer,
            "package": self.package,
            "pdf_sha256": self.pdf_sha256,
            "bundle_sha256": self.bundle_sha256,
        }
