"""The demo server's one-time sign-in link: the demo admin signs in by opening it, once.

Only `haechi demo` makes one, only over a demo home (the ``DEMO`` marker that
:mod:`~haechi.demo.world` writes in its home): a real team's admin signs in with her password
and second factor. The link holds a
random token kept in memory as its SHA-256; it works once and for ``LIFETIME``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.demo.world import DemoError, is_demo_home
from haechi.members.model import Actor, Role
from haechi.members.sessions import FULL, open_session
from haechi.store.member_models import MemberRow

LIFETIME = timedelta(minutes=15)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class DemoSignIn:
    """One pending one-time link for ``member_id``, usable until ``expires_at``."""

    member_id: int
    token_hash: str
    expires_at: datetime
    used: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def issue(cls, home: Path, member_id: int, now: datetime) -> tuple[DemoSignIn, str]:
        """A link's state and its token (shown once); refused outside a demo home."""
        if not is_demo_home(home):
            raise DemoError(f"{home} is not a demo home: one-time sign-in links are for demos")
        token = secrets.token_urlsafe(32)
        return cls(member_id, _digest(token), now + LIFETIME), token

    def redeem(
        self, session: Session, token: str, *, now: datetime, address: str, user_agent: str
    ) -> str | None:
        """A new signed-in session's token for the demo admin, or ``None`` (used, expired,
        wrong)."""
        with self._lock:
            if self.used or now >= self.expires_at:
                return None
            if not hmac.compare_digest(_digest(token), self.token_hash):
                return None
            self.used = True
        member = session.get(MemberRow, self.member_id)
        if member is None:
            return None
        new_token, row = open_session(
            session, member, stage=FULL, now=now, address=address, user_agent=user_agent
        )
        actor = Actor(member.id, member.name, Role(member.role), address, row.id)
        record(
            session, AuditKind.SIGNIN, actor, detail={"session": row.id, "by": "demo link"}, now=now
        )
        return new_token
