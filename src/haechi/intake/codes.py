"""Case numbers and recovery phrases: random, easy to copy by hand, stored only as hashes.

Both use Crockford's base32 alphabet (no I, L, O or U), so ``0``/``O`` and ``1``/``l`` typed
either way read the same. A case number (``HC-XXXXX-XXXXX``, 50 bits) only finds the row, so
its SHA-256 is stored; the recovery phrase (20 characters, 100 bits) opens it and is stored as
an Argon2id hash, checked against a dummy hash when the number is unknown, so a wrong number
costs the same time as a wrong phrase.
"""

from __future__ import annotations

import hashlib
import secrets

from haechi.members.credentials import hash_password, verify_password

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_READ = str.maketrans({"o": "0", "i": "1", "l": "1"})


def _random(count: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(count))


def _groups(raw: str, size: int) -> str:
    return "-".join(raw[i : i + size] for i in range(0, len(raw), size))


def normal(text: str) -> str:
    """The characters of a number or phrase as typed, in one form (case, dashes, blanks)."""
    raw = "".join(ch for ch in text.lower() if ch.isalnum()).translate(_READ)
    return raw[2:] if raw.startswith("hc") and len(raw) == 12 else raw


def new_case_number() -> str:
    """A fresh case number, e.g. ``HC-7K2QD-M9XPA``."""
    return "HC-" + _groups(_random(10), 5).upper()


def new_phrase() -> str:
    """A fresh recovery phrase, e.g. ``k7qd-m9xp-a2bc-dd4r-t6wz``."""
    return _groups(_random(20), 4)


def number_digest(number: str) -> str:
    """What is stored to find a case by its number."""
    return hashlib.sha256(("haechi-intake:" + normal(number)).encode()).hexdigest()


def hash_phrase(phrase: str) -> str:
    """The Argon2id hash stored for a recovery phrase."""
    return hash_password(normal(phrase))


def phrase_matches(stored: str | None, phrase: str) -> bool:
    """Whether ``phrase`` opens ``stored``; ``None`` (no such case) costs the same time."""
    return verify_password(stored, normal(phrase))
