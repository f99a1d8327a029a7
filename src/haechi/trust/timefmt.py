"""Times as credentials write them: XML Schema dateTime in UTC, to the second, with ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime

from haechi.trust.errors import TrustError


def time_text(moment: datetime) -> str:
    """``2026-12-01T09:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: object) -> datetime:
    """A dateTime with a zone (``Z`` or an offset); :class:`TrustError` otherwise."""
    if not isinstance(text, str):
        raise TrustError(f"not a date and time: {text!r}")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TrustError(f"not a date and time: {text!r}") from None
    if moment.tzinfo is None:
        raise TrustError(f"a date and time without a zone: {text!r}")
    return moment.astimezone(UTC)
