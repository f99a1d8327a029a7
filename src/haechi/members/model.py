"""The vocabulary of members: roles, statuses and the typed values services hand back.

Members are pseudonymous: a name the team knows them by, nothing more. A new member starts in
*probation*, which may sign in and see who she is but no media and no personal data, until an
admin gives her a working role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from haechi.members.errors import MemberError
from haechi.store.member_models import MemberRow


class Role(StrEnum):
    """What a member is for; the web layer maps actions to roles in one table."""

    ADMIN = "admin"  # members, roles, keys
    ANALYST = "analyst"  # scans, hits, notices
    REVIEWER = "reviewer"  # the review queue and previews
    LIAISON = "liaison"  # victims' personal data
    AUDITOR = "auditor"  # read-only: the audit log and statistics
    PROBATION = "probation"  # newly joined: nothing sensitive


class Status(StrEnum):
    """Whether a member may sign in."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


NAME_PATTERN = re.compile(r"^\S(?:.{0,98}\S)?$", re.DOTALL)


def check_name(name: str) -> str:
    """A pseudonym as given, if usable: 1 to 100 characters, no blank at either end.

    Any text is allowed inside (the web escapes it); control characters are not, so a name
    cannot forge lines in a log or a terminal.
    """
    if not NAME_PATTERN.match(name) or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise MemberError(
            "a member's name is 1 to 100 characters, without control characters or blanks "
            "at either end"
        )
    return name


def parse_role(value: str) -> Role:
    """``value`` as a role, or a clear error naming the roles there are."""
    try:
        return Role(value)
    except ValueError:
        raise MemberError(
            f"unknown role {value!r}; roles: {', '.join(r.value for r in Role)}"
        ) from None


@dataclass(frozen=True)
class Member:
    """A member as services hand her out: never her secrets."""

    id: int
    name: str
    role: Role
    status: Status
    created_at: datetime

    @classmethod
    def from_row(cls, row: MemberRow) -> Member:
        return cls(row.id, row.name, Role(row.role), Status(row.status), row.created_at)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "status": self.status.value,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from where: every service is called with one.

    ``member_id`` is ``None`` for the command line run by whoever holds the server's home
    (``haechi admin create``); ``session_id`` is the web session the action came through.
    """

    member_id: int | None
    name: str
    role: Role | None
    address: str = ""
    session_id: int | None = None

    @classmethod
    def console(cls) -> Actor:
        """The operator at the server's console."""
        return cls(None, "console", None, "console")

    @classmethod
    def anonymous(cls, address: str) -> Actor:
        """Someone not signed in, known only by address."""
        return cls(None, "", None, address)


@dataclass(frozen=True)
class Enrolment:
    """What a new member must keep: her TOTP secret (as a URI for an app) and recovery codes.

    Shown once, at creation; only hashes of the codes are stored.
    """

    member: Member
    totp_uri: str
    recovery_codes: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "member": self.member.name,
            "totp_uri": self.totp_uri,
            "recovery_codes": list(self.recovery_codes),
        }
