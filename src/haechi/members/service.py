"""Members' accounts: creating the first admin, inviting, joining, roles and suspension.

The first admin is made at the server's console (``haechi admin create``); everyone else joins
by a single-use invitation link that expires, and starts in probation until an admin gives her
a role. Suspending a member ends all her sessions in the same transaction. Every change is
written to the audit trail with the change itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.crypto.member_secrets import seal_totp
from haechi.members.credentials import (
    check_password,
    digest,
    hash_password,
    new_recovery_codes,
    new_token,
    new_totp_secret,
    totp_uri,
)
from haechi.members.errors import InviteInvalid, MemberError, NotAllowed
from haechi.members.model import Actor, Enrolment, Member, Role, Status, check_name
from haechi.members.sessions import revoke_all
from haechi.store.member_models import InviteRow, MemberRow, RecoveryCodeRow

INVITE_VALID = timedelta(days=3)


def _require_admin(actor: Actor) -> None:
    """Admins act on members; so does the console (whoever holds the server's home)."""
    if not (actor.member_id is None and actor.name == "console") and actor.role is not Role.ADMIN:
        raise NotAllowed("only an admin may do this")


def _member(session: Session, member_id: int) -> MemberRow:
    row = session.get(MemberRow, member_id)
    if row is None:
        raise MemberError(f"no member {member_id}")
    return row


def _enrol(
    session: Session, actor: Actor, name: str, password: str, role: Role, now: datetime
) -> Enrolment:
    check_name(name)
    check_password(password)
    if session.scalar(select(MemberRow.id).where(MemberRow.name == name)) is not None:
        raise MemberError(f"the name {name!r} is taken; choose another")
    secret = new_totp_secret()
    row = MemberRow(
        name=name,
        role=role.value,
        status=Status.ACTIVE.value,
        password_hash=hash_password(password),
        totp_secret="",
        created_at=now,
    )
    session.add(row)
    session.flush()
    seal_totp(session, row, secret)
    codes = new_recovery_codes()
    session.add_all(RecoveryCodeRow(member_id=row.id, code_hash=digest(c)) for c in codes)
    record(
        session,
        AuditKind.MEMBER_CREATED,
        actor,
        subject=(row.id, row.name),
        detail={"role": role.value},
        now=now,
    )
    return Enrolment(Member.from_row(row), totp_uri(secret, name), codes)


def create_member(
    session: Session,
    actor: Actor,
    name: str,
    password: str,
    *,
    role: Role = Role.ADMIN,
    now: datetime,
) -> Enrolment:
    """A member made directly (the first admin, from the console); her enrolment shown once."""
    _require_admin(actor)
    return _enrol(session, actor, name, password, role, now)


def list_members(session: Session, actor: Actor) -> list[Member]:
    """Every member, by name."""
    _require_admin(actor)
    return [Member.from_row(r) for r in session.scalars(select(MemberRow).order_by(MemberRow.name))]


def get_member(session: Session, member_id: int) -> Member:
    """One member by id."""
    return Member.from_row(_member(session, member_id))


def _active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(MemberRow)
            .where(MemberRow.role == Role.ADMIN.value, MemberRow.status == Status.ACTIVE.value)
        )
        or 0
    )


def _keep_an_admin(session: Session, row: MemberRow) -> None:
    if row.role == Role.ADMIN and row.status == Status.ACTIVE and _active_admins(session) <= 1:
        raise MemberError("the team would have no active admin left")


def set_role(
    session: Session, actor: Actor, member_id: int, role: Role, *, now: datetime
) -> Member:
    """Give a member another role (promotion out of probation, or any change).

    Her sessions carry the role they were issued under, so each is given a new token at its
    next request (see :func:`haechi.members.sessions.load_session`).
    """
    _require_admin(actor)
    row = _member(session, member_id)
    if row.role == role:
        return Member.from_row(row)
    if role is not Role.ADMIN:
        _keep_an_admin(session, row)
    before = row.role
    row.role = role.value
    record(
        session,
        AuditKind.MEMBER_ROLE,
        actor,
        subject=(row.id, row.name),
        detail={"from": before, "to": role.value},
        now=now,
    )
    return Member.from_row(row)


def suspend(session: Session, actor: Actor, member_id: int, *, now: datetime) -> Member:
    """Suspend a member: she cannot sign in, and every session of hers ends now."""
    _require_admin(actor)
    row = _member(session, member_id)
    if row.id == actor.member_id:
        raise MemberError("you cannot suspend yourself")
    _keep_an_admin(session, row)
    row.status = Status.SUSPENDED.value
    ended = revoke_all(session, row.id, now=now)
    record(
        session,
        AuditKind.MEMBER_SUSPENDED,
        actor,
        subject=(row.id, row.name),
        detail={"sessions_ended": ended},
        now=now,
    )
    return Member.from_row(row)


def reinstate(session: Session, actor: Actor, member_id: int, *, now: datetime) -> Member:
    """Let a suspended member sign in again."""
    _require_admin(actor)
    row = _member(session, member_id)
    if row.status != Status.SUSPENDED:
        return Member.from_row(row)
    row.status = Status.ACTIVE.value
    record(session, AuditKind.MEMBER_REINSTATED, actor, subject=(row.id, row.name), now=now)
    return Member.from_row(row)


@dataclass(frozen=True)
class Invitation:
    """A new invitation: its token (in the link, shown only now) and when it expires."""

    id: int
    token: str
    expires_at: datetime


def invite(
    session: Session, actor: Actor, *, now: datetime, valid: timedelta = INVITE_VALID
) -> Invitation:
    """A single-use link to join, valid for ``valid``; only its token's SHA-256 is stored."""
    _require_admin(actor)
    if actor.member_id is None:
        raise MemberError("invitations are made by a member who is an admin")
    token = new_token()
    row = InviteRow(
        token_hash=digest(token), created_by=actor.member_id, created_at=now, expires_at=now + valid
    )
    session.add(row)
    session.flush()
    record(
        session,
        AuditKind.INVITE_CREATED,
        actor,
        detail={"invite": row.id, "expires_at": row.expires_at.isoformat()},
        now=now,
    )
    return Invitation(row.id, token, row.expires_at)


def check_invite(session: Session, token: str, *, now: datetime) -> int:
    """The id of the open invitation ``token`` names; :class:`InviteInvalid` otherwise."""
    row = session.scalar(select(InviteRow).where(InviteRow.token_hash == digest(token)))
    if row is None or row.used_at is not None or now >= row.expires_at:
        raise InviteInvalid("this invitation link is unknown, used or expired; ask for a new one")
    return row.id


def accept_invite(
    session: Session,
    token: str,
    name: str,
    password: str,
    *,
    address: str,
    now: datetime,
) -> Enrolment:
    """Join by invitation: a new member in probation. The link works once."""
    invite_id = check_invite(session, token, now=now)
    check_name(name)
    check_password(password)
    taken = session.execute(
        update(InviteRow)
        .where(InviteRow.id == invite_id, InviteRow.used_at.is_(None))
        .values(used_at=now)
    )
    if getattr(taken, "rowcount", 0) != 1:
        raise InviteInvalid("this invitation link has just been used")
    actor = Actor.anonymous(address)
    enrolment = _enrol(session, actor, name, password, Role.PROBATION, now)
    session.execute(
        update(InviteRow).where(InviteRow.id == invite_id).values(used_by=enrolment.member.id)
    )
    record(
        session,
        AuditKind.INVITE_USED,
        Actor(enrolment.member.id, name, Role.PROBATION, address),
        subject=(enrolment.member.id, name),
        detail={"invite": invite_id},
        now=now,
    )
    return enrolment
