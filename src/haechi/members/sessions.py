"""Server-side sessions: an opaque token in the browser, its SHA-256 in the database.

A session ends when revoked, after 30 minutes without a request, or 12 hours after sign-in,
whichever comes first; a suspended member's sessions end at once. The token is replaced at
sign-in (the half-signed-in session of the password step is dropped for a new one) and
whenever the member's role has changed since it was issued, so a token seen before a change
of privilege is worth nothing after it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.members.credentials import digest, new_token
from haechi.members.errors import NotAllowed
from haechi.members.model import Actor, Role, Status
from haechi.store.member_models import MemberRow, WebSessionRow

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
SECOND_STEP = timedelta(minutes=5)  # time to type the code after the password

FULL = "full"
PASSWORD = "password"  # the password is verified, the second factor not yet


@dataclass(frozen=True)
class SessionInfo:
    """A session as the web layer and the session list see it (never its token)."""

    id: int
    member_id: int
    member_name: str
    role: Role
    stage: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    address: str
    user_agent: str

    @classmethod
    def from_rows(cls, row: WebSessionRow, member: MemberRow) -> SessionInfo:
        return cls(
            row.id,
            member.id,
            member.name,
            Role(member.role),
            row.stage,
            row.csrf_token,
            row.created_at,
            row.last_seen_at,
            row.expires_at,
            row.address,
            row.user_agent,
        )

    def actor(self) -> Actor:
        return Actor(self.member_id, self.member_name, self.role, self.address, self.id)

    def as_json(self, current_id: int | None = None) -> dict[str, object]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "address": self.address,
            "user_agent": self.user_agent,
            "current": self.id == current_id,
        }


def open_session(
    session: Session,
    member: MemberRow,
    *,
    stage: str,
    now: datetime,
    address: str = "",
    user_agent: str = "",
) -> tuple[str, WebSessionRow]:
    """A new session for ``member``; returns the token (shown only here) and the row."""
    token = new_token()
    row = WebSessionRow(
        member_id=member.id,
        token_hash=digest(token),
        csrf_token=secrets.token_urlsafe(32),
        stage=stage,
        role=member.role,
        created_at=now,
        last_seen_at=now,
        expires_at=now + (ABSOLUTE if stage == FULL else SECOND_STEP),
        address=address[:64],
        user_agent=user_agent[:300],
    )
    session.add(row)
    session.flush()
    return token, row


def _alive(row: WebSessionRow, member: MemberRow, now: datetime) -> bool:
    return (
        row.revoked_at is None
        and now < row.expires_at
        and now < row.last_seen_at + IDLE
        and member.status == Status.ACTIVE
    )


def load_session(
    session: Session, token: str, *, now: datetime
) -> tuple[SessionInfo, str | None] | None:
    """The live session of ``token`` and, if its token was rotated now, the new token.

    ``None`` when the token is unknown, revoked, idle too long, past its absolute limit, or
    its member is suspended. A request seen counts as activity: the idle clock restarts.
    """
    found = session.execute(
        select(WebSessionRow, MemberRow)
        .join(MemberRow, MemberRow.id == WebSessionRow.member_id)
        .where(WebSessionRow.token_hash == digest(token))
    ).first()
    if found is None:
        return None
    row, member = found
    if not _alive(row, member, now):
        if row.revoked_at is None:
            row.revoked_at = now
        return None
    row.last_seen_at = now
    fresh = None
    if row.stage == FULL and row.role != member.role:
        fresh = rotate(row, member)
    return SessionInfo.from_rows(row, member), fresh


def rotate(row: WebSessionRow, member: MemberRow) -> str:
    """Give ``row`` a new token and CSRF token (the old ones die); returns the new token."""
    token = new_token()
    row.token_hash = digest(token)
    row.csrf_token = secrets.token_urlsafe(32)
    row.role = member.role
    return token


def list_sessions(session: Session, member_id: int, *, now: datetime) -> list[SessionInfo]:
    """The member's live, fully signed-in sessions, newest first."""
    member = session.get(MemberRow, member_id)
    if member is None:
        return []
    rows = session.scalars(
        select(WebSessionRow)
        .where(WebSessionRow.member_id == member_id, WebSessionRow.stage == FULL)
        .order_by(WebSessionRow.id.desc())
    )
    return [SessionInfo.from_rows(r, member) for r in rows if _alive(r, member, now)]


def revoke(session: Session, actor: Actor, session_id: int, *, now: datetime) -> None:
    """End one session: a member's own, or anyone's for an admin."""
    row = session.get(WebSessionRow, session_id)
    if row is None or (row.member_id != actor.member_id and actor.role is not Role.ADMIN):
        raise NotAllowed("no such session of yours")
    if row.revoked_at is None:
        row.revoked_at = now
        member = session.get(MemberRow, row.member_id)
        record(
            session,
            AuditKind.SESSION_REVOKED,
            actor,
            subject=(row.member_id, member.name if member else ""),
            detail={"session": row.id},
            now=now,
        )


def sign_out(session: Session, actor: Actor, *, now: datetime) -> None:
    """End the session the actor is acting through."""
    if actor.session_id is None:
        return
    row = session.get(WebSessionRow, actor.session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        record(session, AuditKind.SIGNOUT, actor, detail={"session": row.id}, now=now)


def revoke_all(session: Session, member_id: int, *, now: datetime) -> int:
    """End every session of a member at once; returns how many were live."""
    result = session.execute(
        update(WebSessionRow)
        .where(WebSessionRow.member_id == member_id, WebSessionRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
