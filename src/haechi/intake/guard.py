"""Keeping the public intake from being used to flood the banks or guess phrases.

* **Proof-of-work**: a self-registration carries the answer to a fresh challenge (a nonce
  whose ``SHA-256(challenge ":" nonce)`` starts with ``bits`` zero bits; a second or two of a
  phone's time, the same for a script, per submission). Each challenge is good once, for ten
  minutes.
* **One-time links**: a staff member at a support centre opens an intake link; it replaces the
  proof-of-work and is spent by the submission.
* **Rate limits**: per address (kept as a keyed digest, never the address), per action and
  window; and per case, wrong recovery phrases lock it for a while, longer each time.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from haechi.intake.errors import IntakeError, IntakeRefused, IntakeThrottled
from haechi.store.intake_models import IntakeChallengeRow, IntakeThrottleRow

CHALLENGE_LIFE = timedelta(minutes=10)
POW_BITS_ENV = "HAECHI_INTAKE_POW_BITS"


@dataclass(frozen=True)
class Limit:
    """At most ``count`` times per ``window``."""

    count: int
    window: timedelta


@dataclass(frozen=True)
class IntakeConfig:
    """How hard the intake is to abuse; the defaults suit one centre's public page."""

    pow_bits: int = 16
    submissions: Limit = Limit(10, timedelta(hours=1))  # per address
    challenges: Limit = Limit(60, timedelta(minutes=10))  # per address
    recoveries: Limit = Limit(20, timedelta(minutes=15))  # per address, right or wrong
    phrase_tries: int = 5  # wrong phrases in a row before a case is locked
    lockout: timedelta = timedelta(minutes=15)  # doubled at each further wrong phrase
    link_life: timedelta = timedelta(hours=24)
    access_life: timedelta = timedelta(minutes=30)  # the status page after recovery

    @classmethod
    def from_environment(cls) -> IntakeConfig:
        """The defaults, with ``HAECHI_INTAKE_POW_BITS`` (0-24) if set."""
        raw = os.environ.get(POW_BITS_ENV)
        if raw is None:
            return cls()
        try:
            bits = int(raw)
        except ValueError:
            bits = -1
        if not 0 <= bits <= 24:
            raise IntakeError(f"{POW_BITS_ENV} must be a whole number from 0 to 24, not {raw!r}")
        return cls(pow_bits=bits)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def issue_challenge(session: Session, config: IntakeConfig, now: datetime) -> tuple[str, int]:
    """A fresh challenge and its difficulty; stale challenges and windows are cleared too."""
    session.execute(delete(IntakeChallengeRow).where(IntakeChallengeRow.expires_at < now))
    clear_stale(session, now)
    challenge = secrets.token_hex(16)
    session.add(
        IntakeChallengeRow(
            digest=_digest(challenge), bits=config.pow_bits, expires_at=now + CHALLENGE_LIFE
        )
    )
    session.flush()
    return challenge, config.pow_bits


def leading_zero_bits(data: bytes) -> int:
    """How many zero bits ``data`` starts with."""
    value = int.from_bytes(data, "big")
    return len(data) * 8 - value.bit_length()


def spend_challenge(session: Session, challenge: str, nonce: str, now: datetime) -> None:
    """Accept the answer to a challenge once, or :class:`IntakeRefused`."""
    if len(challenge) > 64 or len(nonce) > 32:
        raise IntakeRefused("the proof-of-work is malformed; reload the page and try again")
    row = session.get(IntakeChallengeRow, _digest(challenge))
    if row is None or row.expires_at < now:
        raise IntakeRefused("the page's challenge expired or was used; reload the page")
    answer = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    if leading_zero_bits(answer) < row.bits:
        raise IntakeRefused("the proof-of-work does not hold; reload the page and try again")
    session.delete(row)
    session.flush()


def address_key(action: str, address: str) -> str:
    """The throttle key of an action from an address (a digest: addresses are not kept)."""
    return f"{action}:{_digest('haechi-intake-address:' + address)[:40]}"


def throttle(session: Session, key: str, limit: Limit, now: datetime) -> None:
    """Count one more ``key`` in its window, or :class:`IntakeThrottled` when over the limit."""
    row = session.get(IntakeThrottleRow, key)
    if row is None:
        row = IntakeThrottleRow(key=key, count=0, window_start=now)
        session.add(row)
    elif now - row.window_start >= limit.window:
        row.count, row.window_start = 0, now
    if row.count >= limit.count:
        wait = max(1, int((row.window_start + limit.window - now).total_seconds() // 60) + 1)
        raise IntakeThrottled(f"too many attempts from here; try again in {wait} minutes")
    row.count += 1
    session.flush()


def clear_stale(session: Session, now: datetime, oldest: timedelta = timedelta(days=1)) -> None:
    """Forget throttle windows long over (keeps the table small)."""
    session.execute(delete(IntakeThrottleRow).where(IntakeThrottleRow.window_start < now - oldest))
