"""A member's language and time zone: how the pages speak to her and tell her the time.

Unset, the language follows the browser (Accept-Language, Korean when it names neither) and
times are shown in Asia/Seoul, where most of the people this serves live.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.members.errors import MemberError
from haechi.members.model import Actor
from haechi.store.member_models import MemberRow

LOCALES = ("ko", "en")
DEFAULT_TIME_ZONE = "Asia/Seoul"


@dataclass(frozen=True)
class Preferences:
    """A member's chosen language (``None``: the browser's) and time zone."""

    locale: str | None = None
    time_zone: str = DEFAULT_TIME_ZONE


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA zone names one may choose, sorted."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def zone(name: str | None) -> ZoneInfo:
    """The zone ``name``, or Asia/Seoul for nothing or a name this system does not know."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def get_preferences(session: Session, member_id: int) -> Preferences:
    """The member's preferences (defaults for a member not found)."""
    found = session.execute(
        select(MemberRow.locale, MemberRow.time_zone).where(MemberRow.id == member_id)
    ).first()
    if found is None:
        return Preferences()
    locale, time_zone = found
    return Preferences(locale if locale in LOCALES else None, time_zone or DEFAULT_TIME_ZONE)


def set_preferences(
    session: Session, actor: Actor, locale: str | None, time_zone: str
) -> Preferences:
    """Set the acting member's own language (``None``: the browser's) and time zone."""
    if actor.member_id is None:
        raise MemberError("only a member has preferences")
    if locale is not None and locale not in LOCALES:
        raise MemberError(f"languages: {', '.join(LOCALES)}")
    if time_zone not in time_zones():
        raise MemberError(f"unknown time zone {time_zone!r}; e.g. Asia/Seoul, Europe/Berlin, UTC")
    row = session.get(MemberRow, actor.member_id)
    if row is None:
        raise MemberError(f"no member {actor.member_id}")
    row.locale = locale
    row.time_zone = time_zone
    return Preferences(locale, time_zone)
