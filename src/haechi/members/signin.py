"""Signing in, in two steps (password, then a TOTP or recovery code), throttled.

Every failure is counted per account name (whether or not such a member exists, so a lock-out
tells nothing about which names are real) and per address. An account with
:data:`ACCOUNT_LIMIT` failures in the last :data:`WINDOW`, or an address with
:data:`ADDRESS_LIMIT`, is refused until the oldest of them leaves the window; a full sign-in
clears the account's count. A wrong name, a wrong password and a suspended account all get the
same answer, after the same Argon2 work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from haechi.audit.trail import AuditKind, record
from haechi.crypto.member_secrets import totp_secret_of
from haechi.members.credentials import digest, normal_recovery_code, totp_step, verify_password
from haechi.members.errors import SignInRefused
from haechi.members.model import Actor, Role, Status
from haechi.members.sessions import FULL, PASSWORD, open_session
from haechi.store.member_models import (
    MemberRow,
    RecoveryCodeRow,
    SignInFailureRow,
    WebSessionRow,
)

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = timedelta(minutes=15)

WRONG_PASSWORD = "wrong name or password"
WRONG_CODE = "wrong or already used code"
THROTTLED = "too many failed sign-ins; try again in 15 minutes"


@dataclass(frozen=True)
class SignedIn:
    """A session opened by a sign-in step: its token (for the cookie) and its id."""

    token: str
    session_id: int
    member_id: int
    stage: str


def _failures(
    session: Session, column: InstrumentedAttribute[str], value: str, now: datetime
) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SignInFailureRow)
            .where(column == value, SignInFailureRow.at > now - WINDOW)
        )
        or 0
    )


def throttled(session: Session, name: str, address: str, *, now: datetime) -> bool:
    """Whether sign-ins for ``name`` or from ``address`` are refused for now."""
    return (
        _failures(session, SignInFailureRow.name, name, now) >= ACCOUNT_LIMIT
        or _failures(session, SignInFailureRow.address, address, now) >= ADDRESS_LIMIT
    )


def _fail(
    session: Session,
    name: str,
    address: str,
    member: MemberRow | None,
    step: str,
    now: datetime,
) -> None:
    session.add(SignInFailureRow(name=name[:100], address=address[:64], at=now))
    record(
        session,
        AuditKind.SIGNIN_FAILED,
        Actor.anonymous(address),
        subject=(member.id, member.name) if member else (None, name[:100]),
        detail={"step": step},
        now=now,
    )
    session.flush()


def password_step(
    session: Session,
    name: str,
    password: str,
    *,
    address: str,
    user_agent: str = "",
    now: datetime,
) -> SignedIn:
    """Check name and password; opens a session that only the second step can use.

    Raises :class:`SignInRefused` (committing the failure is the caller's transaction: a
    refused sign-in must still be counted, so callers commit before answering).
    """
    if throttled(session, name, address, now=now):
        raise SignInRefused(THROTTLED)
    member = session.scalar(select(MemberRow).where(MemberRow.name == name))
    ok = verify_password(member.password_hash if member else None, password)
    if member is None or not ok or member.status != Status.ACTIVE:
        _fail(session, name, address, member, "password", now)
        raise SignInRefused(WRONG_PASSWORD)
    token, row = open_session(
        session, member, stage=PASSWORD, now=now, address=address, user_agent=user_agent
    )
    return SignedIn(token, row.id, member.id, PASSWORD)


def _use_recovery_code(session: Session, member: MemberRow, code: str, now: datetime) -> bool:
    row = session.scalar(
        select(RecoveryCodeRow).where(
            RecoveryCodeRow.member_id == member.id,
            RecoveryCodeRow.code_hash == digest(normal_recovery_code(code)),
            RecoveryCodeRow.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now
    return True


def second_step(
    session: Session,
    pending_id: int,
    code: str,
    *,
    address: str,
    user_agent: str = "",
    now: datetime,
) -> SignedIn:
    """Check the TOTP or recovery code of a password-step session; on success, sign in.

    The password-step session ends and a new one (new token, new CSRF token) begins: the
    token a browser held before signing in is never the one it holds after.
    """
    pending, member = pending_member(session, pending_id, address, now)
    step = totp_step(totp_secret_of(session, member), code, now, member.totp_last_step)
    used_recovery = False
    if step is not None:
        member.totp_last_step = step
    elif len(code.strip()) > 6 and _use_recovery_code(session, member, code, now):
        used_recovery = True
    else:
        raise fail_second_step(session, member, address, now)
    return complete(
        session,
        pending,
        member,
        "recovery" if used_recovery else "totp",
        address=address,
        user_agent=user_agent,
        now=now,
    )


def pending_member(
    session: Session, pending_id: int, address: str, now: datetime
) -> tuple[WebSessionRow, MemberRow]:
    """The live password-step session ``pending_id`` and its member, or :class:`SignInRefused`."""
    pending = session.get(WebSessionRow, pending_id)
    member = session.get(MemberRow, pending.member_id) if pending else None
    if (
        pending is None
        or member is None
        or pending.stage != PASSWORD
        or pending.revoked_at is not None
        or now >= pending.expires_at
        or member.status != Status.ACTIVE
    ):
        raise SignInRefused("sign in again: the first step has expired")
    if throttled(session, member.name, address, now=now):
        pending.revoked_at = now
        raise SignInRefused(THROTTLED)
    return pending, member


def fail_second_step(
    session: Session, member: MemberRow, address: str, now: datetime
) -> SignInRefused:
    """Count a wrong second factor against the account and address; the error to raise."""
    _fail(session, member.name, address, member, "code", now)
    return SignInRefused(WRONG_CODE)


def complete(
    session: Session,
    pending: WebSessionRow,
    member: MemberRow,
    factor: str,
    *,
    address: str,
    user_agent: str,
    now: datetime,
) -> SignedIn:
    """Finish a sign-in whose second factor (``totp``, ``recovery``, ``passkey``) held.

    The password-step session ends and a new one (new token, new CSRF token) begins: the
    token a browser held before signing in is never the one it holds after.
    """
    pending.revoked_at = now
    token, row = open_session(
        session, member, stage=FULL, now=now, address=address, user_agent=user_agent
    )
    session.execute(delete(SignInFailureRow).where(SignInFailureRow.name == member.name))
    actor = Actor(member.id, member.name, Role(member.role), address, row.id)
    if factor == "recovery":
        left = session.scalar(
            select(func.count())
            .select_from(RecoveryCodeRow)
            .where(RecoveryCodeRow.member_id == member.id, RecoveryCodeRow.used_at.is_(None))
        )
        record(session, AuditKind.RECOVERY_CODE_USED, actor, detail={"left": left}, now=now)
    detail: dict[str, object] = {"session": row.id}
    if factor == "passkey":
        detail["factor"] = factor
    record(session, AuditKind.SIGNIN, actor, detail=detail, now=now)
    return SignedIn(token, row.id, member.id, FULL)
