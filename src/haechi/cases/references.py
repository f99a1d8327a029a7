"""Pseudonymous case references: what a case is called everywhere instead of the victim's name.

A reference ends up in notices to platforms, in police reports and in the evidence log, all of
which outlive any decision to forget a person; so it must never be her name. haechi makes one
(``C-20261126-7KQ3``) unless told otherwise, and a reference given by a person must look like
a code, not a name: ASCII letters, digits, ``.``, ``_`` and ``-``, at least one digit, no
spaces and no Hangul (Korean names are two to four Hangul syllables; romanised names have no
digits). The check cannot know every name; it stops the usual slip of typing one.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from haechi.notices.errors import CaseError

_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$")
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I: read out over the phone


def new_reference(now: datetime) -> str:
    """A fresh reference: ``C-<date>-<4 random characters>``."""
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(4))
    return f"C-{now:%Y%m%d}-{tail}"


def check_reference(ref: str) -> str:
    """``ref`` stripped, or :class:`CaseError` if it could be a name rather than a code."""
    cleaned = ref.strip()
    if not _PATTERN.match(cleaned) or not any(c.isdigit() for c in cleaned):
        raise CaseError(
            f"{ref!r} is not a case reference: use a code of 3-40 ASCII letters, digits, "
            "'.', '_' or '-' with at least one digit (never the victim's name), "
            "or leave it out and haechi makes one"
        )
    return cleaned
