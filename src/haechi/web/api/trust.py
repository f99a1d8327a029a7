"""``/trust`` and ``/verify``: the team's trust actions and the public check, as JSON.

The team works the impersonation reports, keeps the official-channels registry (admins), issues
and revokes member credentials (admins) and exports a sent notice's signed credential; anyone,
without an account, asks ``POST /verify`` about a document or a verification code and gets the
verdict the verify page shows (rate-limited per address with the page). The same services as
the pages and ``haechi trust`` / ``haechi members credential`` / ``haechi notices export``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from haechi.errors import HaechiError
from haechi.members.errors import NotAllowed
from haechi.members.model import Actor
from haechi.trust import members
from haechi.trust.channels import add_channel, list_channels, parse_kind, remove_channel
from haechi.trust.checking import check_code, check_document
from haechi.trust.errors import UnknownDocument
from haechi.trust.notary import export_notice
from haechi.trust.reading import MAX_DOCUMENT_BYTES
from haechi.trust.reports import close, queue
from haechi.web.casework import desk_for
from haechi.web.deps import DbSession, Now, address, require
from haechi.web.routes.verify import verifications
from haechi.web.routes.wellknown import trust_config

router = APIRouter(tags=["trust"])

ItemId = Annotated[int, Path(ge=1, le=2**62)]


def refused(exc: HaechiError) -> HTTPException:
    """A trust service's refusal as the API answers it."""
    if isinstance(exc, NotAllowed):
        return HTTPException(403, str(exc))
    if isinstance(exc, UnknownDocument) or str(exc).startswith("no "):
        return HTTPException(404, str(exc))
    if "has not been sent" in str(exc):
        return HTTPException(409, str(exc))
    return HTTPException(400, str(exc))


class CloseIn(BaseModel):
    note: str = Field("", max_length=500, description="What was done about it.")


class ChannelIn(BaseModel):
    kind: str = Field(max_length=20, description="website, email, phone, telegram, social, bank")
    value: str = Field(max_length=300, description="The address, number or account.")
    label: str = Field("", max_length=200, description="What it is, for people.")


class CredentialIn(BaseModel):
    member: str = Field(max_length=100, description="The member's pseudonym.")
    days: int = Field(365, ge=1, le=3650, description="Days it is valid.")


class RevokeIn(BaseModel):
    code: str = Field(max_length=40, description="The credential's verification code.")
    reason: str = Field(max_length=300, description="Why (kept in the audit trail).")


class VerifyIn(BaseModel):
    document: dict[str, Any] | str | None = Field(
        None,
        description="The signed document: its JSON object, or its text (JSON or the whole "
        "e-mail it came in).",
    )
    code: str | None = Field(None, max_length=40, description="A verification code instead.")


@router.get("/trust/reports")
def list_reports(
    db: DbSession,
    actor: Annotated[Actor, require("trust.reports.read")],
    all_reports: Annotated[bool, Query(alias="all")] = False,
) -> dict[str, Any]:
    """Impersonation reports from the public, newest first (open ones unless ``all``)."""
    return {"items": [r.as_json() for r in queue(db, open_only=not all_reports)]}


@router.post("/trust/reports/{report_id}/close")
def close_report(
    db: DbSession,
    now: Now,
    report_id: ItemId,
    body: CloseIn,
    actor: Annotated[Actor, require("trust.reports.close")],
) -> dict[str, Any]:
    """Close an open report with what was done about it (audited)."""
    try:
        return close(db, actor, report_id, body.note, now).as_json()
    except HaechiError as exc:
        raise refused(exc) from None


@router.get("/trust/channels")
def channels(
    db: DbSession, actor: Annotated[Actor, require("trust.channels.read")]
) -> dict[str, Any]:
    """The official channels the signed registry publishes."""
    return {"items": [c.as_json() for c in list_channels(db)]}


@router.post("/trust/channels", status_code=201)
def channel_add(
    db: DbSession,
    now: Now,
    body: ChannelIn,
    actor: Annotated[Actor, require("trust.channels.manage")],
) -> dict[str, Any]:
    """List one of the organisation's real channels (audited)."""
    try:
        return add_channel(db, actor, parse_kind(body.kind), body.value, body.label, now).as_json()
    except HaechiError as exc:
        raise refused(exc) from None


@router.delete("/trust/channels/{channel_id}")
def channel_remove(
    db: DbSession,
    now: Now,
    channel_id: ItemId,
    actor: Annotated[Actor, require("trust.channels.manage")],
) -> dict[str, Any]:
    """Take a channel off the list (kept, dated; audited)."""
    try:
        return remove_channel(db, actor, channel_id, now).as_json()
    except HaechiError as exc:
        raise refused(exc) from None


@router.get("/trust/credentials")
def credentials(
    request: Request,
    db: DbSession,
    member: Annotated[str, Query(max_length=100)],
    actor: Annotated[Actor, require("trust.credentials.read")],
) -> dict[str, Any]:
    """A member's credentials, newest first, each with its verify link."""
    config = trust_config(request)
    try:
        found = members.credentials_of(db, member)
    except HaechiError as exc:
        raise refused(exc) from None
    return {"items": [{**c.as_json(), "link": config.verify_link(c.code)} for c in found]}


@router.post("/trust/credentials", status_code=201)
def credential_issue(
    request: Request,
    db: DbSession,
    now: Now,
    body: CredentialIn,
    actor: Annotated[Actor, require("trust.credentials.manage")],
) -> dict[str, Any]:
    """Sign a credential for an active member (audited); its code and verify link."""
    config = trust_config(request)
    try:
        published = members.issue(db, config, actor, body.member, now, body.days)
    except HaechiError as exc:
        raise refused(exc) from None
    return {**published.as_json(), "link": config.verify_link(published.code)}


@router.post("/trust/credentials/revoke")
def credential_revoke(
    request: Request,
    db: DbSession,
    now: Now,
    body: RevokeIn,
    actor: Annotated[Actor, require("trust.credentials.manage")],
) -> dict[str, Any]:
    """Revoke a member credential: the status list says so from now on (audited)."""
    config = trust_config(request)
    try:
        return members.revoke(db, config, actor, body.code, body.reason, now).as_json()
    except HaechiError as exc:
        raise refused(exc) from None


@router.get("/trust/notices/{notice_id}/credential")
def notice_credential(
    request: Request,
    notice_id: ItemId,
    actor: Annotated[Actor, require("notices.read")],
) -> dict[str, Any]:
    """A sent notice's signed credential (what its e-mail carried) and its code."""
    try:
        published = export_notice(desk_for(request, actor), notice_id)
    except HaechiError as exc:
        raise refused(exc) from None
    return {"code": published.code, "document": published.document}


@router.post("/verify")
def verify(request: Request, db: DbSession, now: Now, body: VerifyIn) -> dict[str, Any]:
    """Public, no account: the verdict on a document or a verification code (valid, invalid,
    revoked or expired, each reason named, and what could not be checked)."""
    if not verifications.allow(address(request)):
        raise HTTPException(429, "too many checks from here; try again in an hour")
    config = trust_config(request)
    try:
        if body.code and body.code.strip():
            return check_code(db, config, body.code, now).as_json()
        if isinstance(body.document, str):
            if len(body.document) > MAX_DOCUMENT_BYTES:
                raise HTTPException(413, "this is too large to be a signed document")
            return check_document(db, config, body.document.encode("utf-8"), now).as_json()
        if body.document:
            return check_document(db, config, body.document, now).as_json()
    except HaechiError as exc:
        raise refused(exc) from None
    raise HTTPException(400, "give a document or a verification code")
