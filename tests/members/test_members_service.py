"""Members' accounts: invitations, probation, roles, suspension, and what is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from haechi.members.errors import InviteInvalid, MemberError, NotAllowed
from haechi.members.model import Actor, Role, Status
from haechi.members.service import (
    INVITE_VALID,
    accept_invite,
    create_member,
    invite,
    list_members,
    reinstate,
    set_role,
    suspend,
)
from haechi.store.database import Database
from haechi.store.member_models import InviteRow, MemberRow, RecoveryCodeRow
from haechi.testkit.team import PASSWORD, ManualClock, TeamMember

MakeMember = Callable[..., TeamMember]


def actor(m: TeamMember) -> Actor:
    return Actor(m.id, m.name, m.role, "192.0.2.1")


def test_created_member_keeps_only_hashes(db: Database, clock: ManualClock) -> None:
    with db.session() as s:
        enrolment = create_member(s, Actor.console(), "root", PASSWORD, now=clock())
    assert enrolment.member.role is Role.ADMIN
    assert enrolment.totp_uri.startswith("otpauth://totp/haechi:root?secret=")
    assert len(set(enrolment.recovery_codes)) == 10
    with db.session() as s:
        row = s.scalars(select(MemberRow)).one()
        stored = [r.code_hash for r in s.scalars(select(RecoveryCodeRow))]
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert not set(enrolment.recovery_codes) & set(stored)
    assert enrolment.as_json().keys() == {"member", "totp_uri", "recovery_codes"}


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("", PASSWORD, "1 to 100 characters"),
        (" padded", PASSWORD, "1 to 100 characters"),
        ("new\nline", PASSWORD, "control characters"),
        ("x" * 101, PASSWORD, "1 to 100 characters"),
        ("short", "too short", "at least 12"),
    ],
)
def test_bad_names_and_passwords_are_clear_errors(
    db: Database, clock: ManualClock, name: str, password: str, message: str
) -> None:
    with db.session() as s, pytest.raises(MemberError, match=message):
        create_member(s, Actor.console(), name, password, now=clock())


def test_names_are_unique(db: Database, clock: ManualClock, make_member: MakeMember) -> None:
    make_member("ana")
    with db.session() as s, pytest.raises(MemberError, match="taken"):
        create_member(s, Actor.console(), "ana", PASSWORD, now=clock())


def test_invitation_joins_once_in_probation(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    boss = make_member("boss", Role.ADMIN)
    with db.session() as s:
        link = invite(s, actor(boss), now=clock())
    with db.session() as s:
        stored = s.scalars(select(InviteRow.token_hash)).one()
    assert link.token not in stored
    with db.session() as s:
        joined = accept_invite(s, link.token, "newbie", PASSWORD, address="x", now=clock())
    assert joined.member.role is Role.PROBATION
    with db.session() as s, pytest.raises(InviteInvalid):
        accept_invite(s, link.token, "second", PASSWORD, address="x", now=clock())


def test_an_invitation_expires(db: Database, clock: ManualClock, make_member: MakeMember) -> None:
    boss = make_member("boss", Role.ADMIN)
    with db.session() as s:
        link = invite(s, actor(boss), now=clock())
    clock.advance(INVITE_VALID)
    with db.session() as s, pytest.raises(InviteInvalid):
        accept_invite(s, link.token, "late", PASSWORD, address="x", now=clock())


def test_only_admins_manage_members(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana", Role.ANALYST)
    boss = make_member("boss", Role.ADMIN)
    with db.session() as s:
        for call in (
            lambda: invite(s, actor(ana), now=clock()),
            lambda: list_members(s, actor(ana)),
            lambda: set_role(s, actor(ana), ana.id, Role.ADMIN, now=clock()),
            lambda: suspend(s, actor(ana), boss.id, now=clock()),
        ):
            with pytest.raises(NotAllowed):
                call()


def test_promote_suspend_reinstate(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    boss = make_member("boss", Role.ADMIN)
    new = make_member("new", Role.PROBATION)
    with db.session() as s:
        assert set_role(s, actor(boss), new.id, Role.REVIEWER, now=clock()).role is Role.REVIEWER
        assert suspend(s, actor(boss), new.id, now=clock()).status is Status.SUSPENDED
        clock.advance(timedelta(minutes=1))
        assert reinstate(s, actor(boss), new.id, now=clock()).status is Status.ACTIVE


def test_the_last_admin_stays(db: Database, clock: ManualClock, make_member: MakeMember) -> None:
    boss = make_member("boss", Role.ADMIN)
    with db.session() as s, pytest.raises(MemberError, match="no active admin"):
        set_role(s, actor(boss), boss.id, Role.ANALYST, now=clock())
    with db.session() as s, pytest.raises(MemberError, match="yourself"):
        suspend(s, actor(boss), boss.id, now=clock())
