"""``/me/preferences``: the member's language and time zone."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from haechi.members.errors import MemberError
from haechi.members.model import Actor
from haechi.members.preferences import get_preferences, set_preferences
from haechi.web.deps import DbSession, require

router = APIRouter(tags=["me"])


class PreferencesOut(BaseModel):
    locale: str | None  # ko, en, or null: the browser's
    time_zone: str


class PreferencesIn(BaseModel):
    locale: Literal["ko", "en"] | None = None
    time_zone: str = Field("Asia/Seoul", max_length=64)


@router.get("/me/preferences")
def read_preferences(
    db: DbSession, actor: Annotated[Actor, require("settings.read")]
) -> PreferencesOut:
    """The language (``null``: the browser's) and time zone of the signed-in member."""
    assert actor.member_id is not None
    found = get_preferences(db, actor.member_id)
    return PreferencesOut(locale=found.locale, time_zone=found.time_zone)


@router.put("/me/preferences")
def save_preferences(
    body: PreferencesIn, db: DbSession, actor: Annotated[Actor, require("settings.update")]
) -> PreferencesOut:
    """Set the language (``ko``, ``en`` or ``null``) and the IANA time zone."""
    try:
        saved = set_preferences(db, actor, body.locale, body.time_zone)
    except MemberError as exc:
        raise HTTPException(422, str(exc)) from None
    return PreferencesOut(locale=saved.locale, time_zone=saved.time_zone)
