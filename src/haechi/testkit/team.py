"""A team of members for tests and demos: made through the real services, with a clock to set.

A :class:`TeamMember` keeps what a person would keep (her password, her authenticator's secret,
her recovery codes), so a test signs in as she would. :class:`ManualClock` stands in for the
time, so expiry and lock-out are tested by moving it, never by sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyotp

from haechi.members.model import Actor, Role
from haechi.members.service import create_member, set_role
from haechi.store.database import Database

PASSWORD = "correct horse battery staple"


@dataclass
class ManualClock:
    """A clock that moves only when told; starts at a fixed moment in UTC."""

    now: datetime = field(default_factory=lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@dataclass(frozen=True)
class TeamMember:
    """A member and the secrets she holds."""

    id: int
    name: str
    role: Role
    password: str
    totp_secret: str
    recovery_codes: tuple[str, ...]

    def code(self, at: datetime) -> str:
        """What her authenticator app shows at ``at``."""
        return pyotp.TOTP(self.totp_secret).at(at)


def add_member(
    db: Database, name: str, role: Role, *, now: datetime, password: str = PASSWORD
) -> TeamMember:
    """A member made at the console with ``role`` (any role, for tests of every role)."""
    with db.session() as session:
        enrolment = create_member(session, Actor.console(), name, password, role=role, now=now)
        if enrolment.member.role is not role:
            set_role(session, Actor.console(), enrolment.member.id, role, now=now)
    secret = pyotp.parse_uri(enrolment.totp_uri).secret
    return TeamMember(enrolment.member.id, name, role, password, secret, enrolment.recovery_codes)
