"""Signing in: two steps, TOTP never twice, recovery codes once, throttling, expiry, rotation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from haechi.members import sessions as web_sessions
from haechi.members.credentials import verify_password
from haechi.members.errors import SignInRefused
from haechi.members.model import Actor, Role
from haechi.members.service import set_role, suspend
from haechi.members.signin import (
    ACCOUNT_LIMIT,
    ADDRESS_LIMIT,
    THROTTLED,
    WINDOW,
    WRONG_PASSWORD,
    SignedIn,
    password_step,
    second_step,
)
from haechi.store.database import Database
from haechi.testkit.team import ManualClock, TeamMember

MakeMember = Callable[..., TeamMember]
ADDR = "192.0.2.1"


def sign_in(db: Database, clock: ManualClock, m: TeamMember, code: str | None = None) -> SignedIn:
    with db.session() as s:
        first = password_step(s, m.name, m.password, address=ADDR, now=clock())
    with db.session() as s:
        return second_step(s, first.session_id, code or m.code(clock()), address=ADDR, now=clock())


def refused(db: Database, fn: Callable[..., object], *args: object, **kw: object) -> str:
    """Run a step that must be refused, committing what it recorded as the web layer does."""
    with db.session() as s, pytest.raises(SignInRefused) as info:
        fn(s, *args, **kw)
    return str(info.value)


def test_password_then_totp_opens_a_full_session(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana")
    done = sign_in(db, clock, ana)
    assert done.stage == web_sessions.FULL
    with db.session() as s:
        loaded = web_sessions.load_session(s, done.token, now=clock())
    assert loaded is not None and loaded[0].member_name == "ana" and loaded[1] is None


def test_the_password_step_token_dies_at_sign_in(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana")
    with db.session() as s:
        first = password_step(s, "ana", ana.password, address=ADDR, now=clock())
    with db.session() as s:
        done = second_step(s, first.session_id, ana.code(clock()), address=ADDR, now=clock())
    assert done.token != first.token
    with db.session() as s:
        assert web_sessions.load_session(s, first.token, now=clock()) is None


def test_unknown_name_and_wrong_password_get_the_same_answer(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    make_member("ana")
    a = refused(db, password_step, "nobody", "whatever-long-pw", address=ADDR, now=clock())
    b = refused(db, password_step, "ana", "wrong-password!!", address=ADDR, now=clock())
    assert a == b == WRONG_PASSWORD
    assert verify_password(None, "anything at all") is False


def test_a_totp_code_is_never_accepted_twice(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana")
    code = ana.code(clock())
    sign_in(db, clock, ana, code)
    with db.session() as s:
        first = password_step(s, "ana", ana.password, address=ADDR, now=clock())
    refused(db, second_step, first.session_id, code, address=ADDR, now=clock())
    # The next step's code works (one step of drift is allowed).
    clock.advance(timedelta(seconds=30))
    with db.session() as s:
        second_step(s, first.session_id, ana.code(clock()), address=ADDR, now=clock())


def test_an_old_code_is_refused(db: Database, clock: ManualClock, make_member: MakeMember) -> None:
    ana = make_member("ana")
    old = ana.code(clock())
    clock.advance(timedelta(minutes=2))
    with db.session() as s:
        first = password_step(s, "ana", ana.password, address=ADDR, now=clock())
    refused(db, second_step, first.session_id, old, address=ADDR, now=clock())


def test_a_recovery_code_works_once(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana")
    code = ana.recovery_codes[0].upper().replace("-", " ")
    sign_in(db, clock, ana, code)
    with db.session() as s:
        first = password_step(s, "ana", ana.password, address=ADDR, now=clock())
    refused(db, second_step, first.session_id, code, address=ADDR, now=clock())
    with db.session() as s:
        second_step(s, first.session_id, ana.recovery_codes[1], address=ADDR, now=clock())


def test_an_account_locks_after_failures_and_opens_after_the_window(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana")
    for i in range(ACCOUNT_LIMIT):
        refused(
            db, password_step, "ana", "wrong-password!!", address=f"198.51.100.{i}", now=clock()
        )
    # The right password from a fresh address is refused too: the account is locked.
    message = refused(db, password_step, "ana", ana.password, address=ADDR, now=clock())
    assert message == THROTTLED
    clock.advance(WINDOW + timedelta(seconds=1))
    sign_in(db, clock, ana)


def test_an_unknown_name_locks_the_same_way(db: Database, clock: ManualClock) -> None:
    for _ in range(ACCOUNT_LIMIT):
        refused(db, password_step, "ghost", "wrong-password!!", address=ADDR, now=clock())
    assert refused(db, password_step, "ghost", "x" * 12, address=ADDR, now=clock()) == THROTTLED


def test_an_address_locks_after_failures_on_many_accounts(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana")
    for i in range(ADDRESS_LIMIT):
        refused(db, password_step, f"guess{i}", "wrong-password!!", address=ADDR, now=clock())
    assert refused(db, password_step, "ana", ana.password, address=ADDR, now=clock()) == THROTTLED
    with db.session() as s:  # another address is not held back
        password_step(s, "ana", ana.password, address="203.0.113.9", now=clock())


def test_wrong_codes_count_towards_the_lock(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana")
    with db.session() as s:
        first = password_step(s, "ana", ana.password, address=ADDR, now=clock())
    for _ in range(ACCOUNT_LIMIT):
        refused(db, second_step, first.session_id, "000000", address=ADDR, now=clock())
    message = refused(
        db, second_step, first.session_id, ana.code(clock()), address=ADDR, now=clock()
    )
    assert message == THROTTLED


def test_idle_and_absolute_expiry(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana")
    signed_in_at = clock()
    token = sign_in(db, clock, ana).token
    # Active every 29 minutes: alive exactly until 12 hours after signing in.
    while clock() - signed_in_at < web_sessions.ABSOLUTE + timedelta(hours=1):
        clock.advance(timedelta(minutes=29))
        with db.session() as s:
            alive = web_sessions.load_session(s, token, now=clock()) is not None
        assert alive == (clock() - signed_in_at < web_sessions.ABSOLUTE)
    # Idle for 30 minutes: gone.
    token = sign_in(db, clock, ana).token
    clock.advance(web_sessions.IDLE - timedelta(seconds=1))
    with db.session() as s:
        assert web_sessions.load_session(s, token, now=clock()) is not None
    clock.advance(web_sessions.IDLE)
    with db.session() as s:
        assert web_sessions.load_session(s, token, now=clock()) is None


def test_a_change_of_role_rotates_the_token(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana", Role.PROBATION)
    make_member("boss", Role.ADMIN)
    token = sign_in(db, clock, ana).token
    with db.session() as s:
        set_role(s, Actor.console(), ana.id, Role.ANALYST, now=clock())
    with db.session() as s:
        loaded = web_sessions.load_session(s, token, now=clock())
    assert loaded is not None
    info, fresh = loaded
    assert fresh is not None and info.role is Role.ANALYST
    with db.session() as s:
        assert web_sessions.load_session(s, token, now=clock()) is None
        assert web_sessions.load_session(s, fresh, now=clock()) is not None


def test_suspension_ends_every_session_at_once(
    db: Database, clock: ManualClock, make_member: MakeMember
) -> None:
    ana = make_member("ana")
    tokens = []
    for _ in range(3):  # three browsers; each code is a fresh one
        tokens.append(sign_in(db, clock, ana).token)
        clock.advance(timedelta(seconds=30))
    with db.session() as s:
        suspend(s, Actor.console(), ana.id, now=clock())
    with db.session() as s:
        assert all(web_sessions.load_session(s, t, now=clock()) is None for t in tokens)
    message = refused(db, password_step, "ana", ana.password, address=ADDR, now=clock())
    assert message == WRONG_PASSWORD
