"""API keys for platforms: made by an admin, shown once, kept as a SHA-256 digest.

A key is 32 random bytes (``hk_`` and URL-safe base64); with that much entropy a plain SHA-256
is as good as a slow password hash and lets every request be checked in microseconds. Each key
names its platform, its scopes, a rate limit (requests a second), a daily quota (hashes looked
up a UTC day) and the platform's expected uploads a day, against which an unusual number of
distinct hashes is flagged for an admin.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.members.model import Actor
from haechi.platform_api.errors import KeyAdminError
from haechi.store.models import utcnow
from haechi.store.platform_api_models import ApiKeyRow

KEY_PREFIX = "hk_"
SCOPES: dict[str, str] = {
    "lookup": "look up hashes (single, batch, HMA-compatible)",
    "upload": "send an image to be hashed in memory and looked up",
    "feedback": "report a match as confirmed, a false positive or removed",
}
DEFAULT_SCOPES = ("lookup", "upload", "feedback")
DEFAULT_RATE = 50
DEFAULT_QUOTA = 100_000
DEFAULT_EXPECTED = 10_000


@dataclass(frozen=True)
class ApiKey:
    """A key as the server knows it (never the secret)."""

    id: int
    platform: str
    prefix: str
    scopes: frozenset[str]
    rate_per_second: int
    daily_quota: int
    expected_daily: int
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None
    flagged_at: datetime | None
    flag_reason: str | None

    @classmethod
    def of(cls, row: ApiKeyRow) -> ApiKey:
        return cls(
            row.id,
            row.platform,
            row.prefix,
            frozenset(row.scopes.split()),
            row.rate_per_second,
            row.daily_quota,
            row.expected_daily,
            row.created_at,
            row.created_by,
            row.last_used_at,
            row.revoked_at,
            row.flagged_at,
            row.flag_reason,
        )

    def as_json(self) -> dict[str, object]:
        """Stable keys for ``--json`` and the API."""

        def iso(t: datetime | None) -> str | None:
            return t.isoformat() if t else None

        return {
            "id": self.id,
            "platform": self.platform,
            "prefix": self.prefix,
            "scopes": sorted(self.scopes),
            "rate_per_second": self.rate_per_second,
            "daily_quota": self.daily_quota,
            "expected_daily": self.expected_daily,
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
            "last_used_at": iso(self.last_used_at),
            "revoked_at": iso(self.revoked_at),
            "flagged_at": iso(self.flagged_at),
            "flag_reason": self.flag_reason,
        }


@dataclass(frozen=True)
class NewKey:
    """A key just made: ``secret`` is shown once and never stored."""

    key: ApiKey
    secret: str


def digest(secret: str) -> str:
    """The SHA-256 (hex) under which a key is stored and found."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def _check(platform: str, scopes: tuple[str, ...], rate: int, quota: int, expected: int) -> str:
    name = platform.strip()
    if not name or len(name) > 100:
        raise KeyAdminError("a key needs a platform name of 1 to 100 characters")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise KeyAdminError(
            f"unknown scope {', '.join(unknown) or '(none given)'}; scopes are {', '.join(SCOPES)}"
        )
    if rate < 1 or quota < 1 or expected < 1:
        raise KeyAdminError("rate, quota and expected uploads must be at least 1")
    return name


def create_key(
    session: Session,
    actor: Actor,
    platform: str,
    *,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    rate_per_second: int = DEFAULT_RATE,
    daily_quota: int = DEFAULT_QUOTA,
    expected_daily: int = DEFAULT_EXPECTED,
    now: datetime | None = None,
) -> NewKey:
    """Make a key for ``platform``; the secret is in the result only (audited, not its value)."""
    name = _check(platform, scopes, rate_per_second, daily_quota, expected_daily)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKeyRow(
        platform=name,
        prefix=secret[:9],
        digest=digest(secret),
        scopes=" ".join(sorted(set(scopes))),
        rate_per_second=rate_per_second,
        daily_quota=daily_quota,
        expected_daily=expected_daily,
        created_at=now or utcnow(),
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    record(
        session,
        AuditKind.API_KEY_CREATED,
        actor,
        subject=(row.id, name),
        detail={"prefix": row.prefix, "scopes": sorted(set(scopes))},
        now=now,
    )
    return NewKey(ApiKey.of(row), secret)


def list_keys(session: Session, *, include_revoked: bool = True) -> list[ApiKey]:
    """Every key, oldest first."""
    query = select(ApiKeyRow).order_by(ApiKeyRow.id)
    if not include_revoked:
        query = query.where(ApiKeyRow.revoked_at.is_(None))
    return [ApiKey.of(r) for r in session.scalars(query)]


def revoke_key(session: Session, actor: Actor, key_id: int, now: datetime | None = None) -> ApiKey:
    """Revoke a key for good (audited); revoking twice is an error that says when."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise KeyAdminError(f"no API key with id {key_id}; see `haechi api-keys list`")
    if row.revoked_at is not None:
        raise KeyAdminError(f"key {key_id} was already revoked at {row.revoked_at:%F %T}Z")
    row.revoked_at = now or utcnow()
    session.flush()
    record(
        session,
        AuditKind.API_KEY_REVOKED,
        actor,
        subject=(row.id, row.platform),
        detail={"prefix": row.prefix},
        now=now,
    )
    return ApiKey.of(row)


def find_key(session: Session, secret: str) -> ApiKey | None:
    """The key whose secret this is, revoked or not; ``None`` if there is none."""
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.digest == digest(secret)))
    return ApiKey.of(row) if row else None
