"""``/platforms``: the platform directory as JSON, over the same services as the pages and
``haechi platforms list/add/edit``. The bodies use the directory file's keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.notices.directory import add_platform, edit_platform, list_platforms
from haechi.web.api.cases import refused
from haechi.web.casework import desk_for
from haechi.web.deps import require
from haechi.web.platform_forms import platform_json

router = APIRouter(tags=["platforms"])

PlatformName = Annotated[str, Path(min_length=1, max_length=60)]
Text = Annotated[str, Field(max_length=2000)]


class PlatformChanges(BaseModel):
    """Fields of an entry; those left out stay as they are (or take the file's defaults)."""

    title: Text | None = None
    domains: list[Annotated[str, Field(max_length=253)]] | None = Field(None, max_length=500)
    email: Text | None = None
    web_form: Text | None = None
    language: str | None = Field(None, max_length=12)
    kind: str | None = Field(None, max_length=20)
    country: str | None = Field(None, max_length=2)
    legal_basis: Text | None = None
    deadline_hours: int | None = Field(None, ge=1, le=100_000)
    removed_markers: list[Text] | None = Field(None, max_length=100)
    notes: Text | None = None
    answers: bool | None = None
    placeholder: bool | None = None


class PlatformIn(PlatformChanges):
    name: str = Field(max_length=60, description="Stable short key, e.g. example-portal.")


@router.get("/platforms")
def platforms(
    request: Request, actor: Annotated[Actor, require("platforms.read")]
) -> list[dict[str, Any]]:
    """Every platform and regulator, by name; ``placeholder`` ones are never sent to."""
    return [platform_json(request, p) for p in list_platforms(request.app.state.db)]


@router.post("/platforms", status_code=201)
def platform_add(
    request: Request, body: PlatformIn, actor: Annotated[Actor, require("platforms.edit")]
) -> dict[str, Any]:
    """Add a platform: its domains and where its notices go."""
    try:
        platform = add_platform(desk_for(request, actor), body.model_dump(exclude_none=True))
    except HaechiError as exc:
        raise refused(exc) from None
    return platform_json(request, platform)


@router.put("/platforms/{platform}")
@router.patch("/platforms/{platform}")
def platform_edit(
    request: Request,
    platform: PlatformName,
    body: PlatformChanges,
    actor: Annotated[Actor, require("platforms.edit")],
) -> dict[str, Any]:
    """Change the fields given; ``domains`` and ``removed_markers`` replace the lists."""
    try:
        changed = edit_platform(
            desk_for(request, actor), platform, body.model_dump(exclude_unset=True)
        )
    except HaechiError as exc:
        raise refused(exc) from None
    return platform_json(request, changed)
