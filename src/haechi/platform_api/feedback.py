"""Platforms' word on matches, the review of false positives, and the negative bank.

A platform reports a match (by its ``match_id``) as ``confirmed``, ``false_positive`` or
``removed``, with the hash it looked up. Confirmations and removals are recorded at once and
count in the platform statistics; a false positive waits in the review queue until a person
accepts it (it becomes a negative signal: that hash no longer matches that entry, for every
platform, at the next index refresh) or rejects it. Each negative signal keeps who reported it
and who confirmed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.members.model import Actor
from haechi.platform_api.errors import BadSignal, KeyAdminError, NotShared
from haechi.platform_api.keys import ApiKey
from haechi.platform_api.lookup import parse_hex
from haechi.platform_api.sharing import active_shares
from haechi.store.models import EntryRow, utcnow
from haechi.store.platform_api_models import (
    ApiKeyRow,
    ApiKeyUsageRow,
    NegativeSignalRow,
    PlatformFeedbackRow,
)

VERDICTS = ("confirmed", "false_positive", "removed")
PENDING, ACCEPTED, REJECTED, RECORDED = "pending", "accepted", "rejected", "recorded"


@dataclass(frozen=True)
class Feedback:
    """One report from a platform about one match."""

    id: int
    platform: str
    match_id: int
    verdict: str
    signal_type: str
    signal: str
    note: str
    state: str
    received_at: datetime
    decided_at: datetime | None
    decided_by: str | None

    @classmethod
    def of(cls, row: PlatformFeedbackRow) -> Feedback:
        return cls(
            row.id,
            row.platform,
            row.entry_id,
            row.verdict,
            row.signal_kind,
            row.signal,
            row.note,
            row.state,
            row.received_at,
            row.decided_at,
            row.decided_by,
        )

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "platform": self.platform,
            "match_id": self.match_id,
            "verdict": self.verdict,
            "signal_type": self.signal_type,
            "signal": self.signal,
            "note": self.note,
            "state": self.state,
            "received_at": self.received_at.isoformat(),
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decided_by": self.decided_by,
        }


def receive(
    session: Session,
    key: ApiKey,
    match_id: int,
    verdict: str,
    signal_type: str,
    signal: str,
    note: str = "",
    now: datetime | None = None,
) -> Feedback:
    """Record a platform's feedback on a match of a shared, live entry."""
    if verdict not in VERDICTS:
        raise BadSignal(f"verdict is one of {', '.join(VERDICTS)}, not {verdict[:40]!r}")
    if signal_type not in ("pdq", "md5", "sha256"):
        raise BadSignal("feedback names the pdq, md5 or sha256 hash that matched")
    value = parse_hex(signal_type, signal)
    entry = session.get(EntryRow, match_id)
    if (
        entry is None
        or entry.withdrawn_at is not None
        or entry.bank_id not in active_shares(session)
    ):
        raise NotShared(f"no shared match with id {match_id}")
    row = PlatformFeedbackRow(
        key_id=key.id,
        platform=key.platform,
        entry_id=match_id,
        verdict=verdict,
        signal_kind=signal_type,
        signal=value,
        note=note[:500],
        state=PENDING if verdict == "false_positive" else RECORDED,
        received_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    return Feedback.of(row)


def review_queue(session: Session) -> list[Feedback]:
    """False positives waiting for a person, oldest first."""
    rows = session.scalars(
        select(PlatformFeedbackRow)
        .where(PlatformFeedbackRow.state == PENDING)
        .order_by(PlatformFeedbackRow.id)
    )
    return [Feedback.of(r) for r in rows]


def decide(
    session: Session, actor: Actor, feedback_id: int, accept: bool, now: datetime | None = None
) -> Feedback:
    """Accept a reported false positive into the negative bank, or reject it (audited)."""
    row = session.get(PlatformFeedbackRow, feedback_id)
    if row is None:
        raise KeyAdminError(f"no platform feedback with id {feedback_id}")
    if row.state != PENDING:
        raise KeyAdminError(f"feedback {feedback_id} is not waiting for review ({row.state})")
    when = now or utcnow()
    row.state = ACCEPTED if accept else REJECTED
    row.decided_at = when
    row.decided_by = actor.name
    if accept:
        session.add(
            NegativeSignalRow(
                entry_id=row.entry_id,
                signal_kind=row.signal_kind,
                signal=row.signal,
                feedback_id=row.id,
                reported_by=row.platform,
                confirmed_by=actor.name,
                added_at=when,
            )
        )
    session.flush()
    record(
        session,
        AuditKind.PLATFORM_FEEDBACK_DECIDED,
        actor,
        subject=(row.id, row.platform),
        detail={"entry": row.entry_id, "accepted": accept},
        now=when,
    )
    return Feedback.of(row)


@dataclass(frozen=True)
class PlatformStats:
    """One platform's use of the API and what it did about matches."""

    platform: str
    lookups: int
    matches: int
    confirmed: int
    false_positives: int
    removed: int

    def as_json(self) -> dict[str, object]:
        return {
            "platform": self.platform,
            "lookups": self.lookups,
            "matches": self.matches,
            "confirmed": self.confirmed,
            "false_positives": self.false_positives,
            "removed": self.removed,
        }


def platform_stats(session: Session) -> list[PlatformStats]:
    """Per platform: lookups and matches counted, confirmations, accepted false positives and
    confirmed removals."""
    used = session.execute(
        select(
            ApiKeyRow.platform, func.sum(ApiKeyUsageRow.lookups), func.sum(ApiKeyUsageRow.matches)
        )
        .join(ApiKeyUsageRow, ApiKeyUsageRow.key_id == ApiKeyRow.id)
        .group_by(ApiKeyRow.platform)
    )
    counts: dict[str, dict[str, int]] = {}
    for platform, lookups, matches in used:
        counts.setdefault(platform, {})["lookups"] = int(lookups or 0)
        counts[platform]["matches"] = int(matches or 0)
    said = session.execute(
        select(PlatformFeedbackRow.platform, PlatformFeedbackRow.verdict, func.count())
        .where(PlatformFeedbackRow.state.in_((RECORDED, ACCEPTED)))
        .group_by(PlatformFeedbackRow.platform, PlatformFeedbackRow.verdict)
    )
    for platform, verdict, n in said:
        counts.setdefault(platform, {})[verdict] = int(n)
    for (platform,) in session.execute(select(ApiKeyRow.platform).distinct()):
        counts.setdefault(platform, {})
    return [
        PlatformStats(
            p,
            c.get("lookups", 0),
            c.get("matches", 0),
            c.get("confirmed", 0),
            c.get("false_positive", 0),
            c.get("removed", 0),
        )
        for p, c in sorted(counts.items())
    ]
