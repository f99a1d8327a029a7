"""The members' secrets: Argon2id passwords, TOTP codes, recovery codes and opaque tokens.

Passwords are hashed with Argon2id (argon2-cffi's RFC 9106 parameters). A sign-in for a name
that does not exist is checked against a dummy hash, so it costs the same time and gets the
same answer as a wrong password. TOTP codes are accepted one step either side of now, and a
step once accepted (or any earlier one) never again, so an overheard code cannot be replayed.
Session, invite and recovery tokens carry at least 80 random bits, so a plain SHA-256 is
enough to store them: nobody can search that space, and a copy of the database opens nothing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from haechi.members.errors import MemberError

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
RECOVERY_CODES = 10
ISSUER = "haechi"
TOTP_WINDOW = 1  # steps either side of now: clocks drift, people type slowly

_hasher = PasswordHasher()


def check_password(password: str) -> str:
    """``password`` if long enough to keep out guessing; a clear error otherwise."""
    if len(password) < MIN_PASSWORD:
        raise MemberError(f"a password has at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise MemberError(f"a password has at most {MAX_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    """The Argon2id hash to store for ``password``."""
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; ``None`` (no such member) costs the same."""
    try:
        return _hasher.verify(stored if stored is not None else _dummy_hash(), password) and (
            stored is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, name: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (by hand or from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def totp_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if valid now and later than ``last_step``.

    ``None`` when the code is wrong, too old, or of a step already used.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def totp_now(secret: str, now: datetime) -> str:
    """The code an authenticator shows at ``now`` (for tests and provisioning checks)."""
    return pyotp.TOTP(secret).at(now)


def new_recovery_codes(count: int = RECOVERY_CODES) -> tuple[str, ...]:
    """``count`` codes of 16 base32 characters (80 bits), written ``abcd-efgh-ijkl-mnop``."""
    codes = []
    for _ in range(count):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return tuple(codes)


def normal_recovery_code(code: str) -> str:
    """A recovery code as typed (any case, with or without dashes and blanks), normalised."""
    raw = "".join(ch for ch in code.lower() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def new_token() -> str:
    """An opaque token for a cookie or a link: 256 random bits."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """The SHA-256 (hex) stored in place of a token or code."""
    return hashlib.sha256(token.encode()).hexdigest()
