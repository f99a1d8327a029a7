"""``/cases/{ref}/personal``, ``/personal/lookup`` and ``/passkeys``: a case's sealed personal
data (liaisons and admins, every view audited) and the member's own passkeys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from haechi.cases import personal
from haechi.members import passkeys
from haechi.members.model import Actor
from haechi.notices.errors import CaseError
from haechi.web.deps import DbSession, Now, require
from haechi.web.params import RowId
from haechi.web.routes.passkeys import relying_party
from haechi.web.routes.personal import view_or_404

router = APIRouter()

PasskeyId = RowId


class PersonalIn(BaseModel):
    name: str = Field("", max_length=personal.MAX_NAME)
    contacts: list[str] = Field(default_factory=list, max_length=personal.MAX_CONTACTS)
    notes: str = Field("", max_length=personal.MAX_NOTES)
    consent: list[personal.Consent] = Field(default_factory=list)
    school: str = Field("", max_length=personal.MAX_NAME)
    workplace: str = Field("", max_length=personal.MAX_NAME)


class PersonalDataOut(BaseModel):
    name: str
    contacts: list[str]
    notes: str
    consent: list[str]
    school: str = ""
    workplace: str = ""


class PersonalOut(BaseModel):
    case: str
    personal: PersonalDataOut | None
    updated_at: datetime | None
    updated_by: str


class LookupIn(BaseModel):
    contact: str = Field(max_length=personal.MAX_CONTACT)


class LookupOut(BaseModel):
    cases: list[str]


class PasskeyOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    transports: list[str]


class RegistrationIn(BaseModel):
    credential: dict[str, Any]
    name: str = Field("", max_length=passkeys.MAX_NAME)


@router.get("/cases/{ref}/personal", tags=["cases"])
def read_personal(
    db: DbSession, now: Now, ref: str, actor: Annotated[Actor, require("cases.personal.read")]
) -> PersonalOut:
    """A case's personal data, opened (the view is recorded in the audit trail)."""
    return PersonalOut.model_validate(view_or_404(db, actor, ref, now).as_json())


@router.put("/cases/{ref}/personal", tags=["cases"])
def write_personal(
    db: DbSession,
    now: Now,
    ref: str,
    body: PersonalIn,
    actor: Annotated[Actor, require("cases.personal.write")],
) -> PersonalOut:
    """Replace a case's personal data; it is sealed before it reaches the database."""
    data = personal.PersonalData(
        body.name,
        tuple(body.contacts),
        body.notes,
        frozenset(body.consent),
        body.school,
        body.workplace,
    )
    try:
        written = personal.write_personal(db, actor, ref, data, now=now)
    except CaseError as exc:
        raise HTTPException(404 if "no case" in str(exc) else 422, str(exc)) from None
    return PersonalOut.model_validate(written.as_json())


@router.post("/personal/lookup", tags=["cases"])
def lookup(
    db: DbSession, now: Now, body: LookupIn, actor: Annotated[Actor, require("cases.personal.find")]
) -> LookupOut:
    """The cases holding exactly this phone number or e-mail address (in the body, never the
    URL, so it stays out of access logs)."""
    try:
        return LookupOut(cases=personal.find_cases(db, actor, body.contact, now=now))
    except CaseError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/passkeys", tags=["passkeys"])
def list_passkeys(
    db: DbSession, actor: Annotated[Actor, require("passkeys.read")]
) -> list[PasskeyOut]:
    """The member's passkeys."""
    assert actor.member_id is not None
    found = passkeys.list_passkeys(db, actor.member_id)
    return [PasskeyOut.model_validate(p.as_json()) for p in found]


@router.post("/passkeys/registration/options", tags=["passkeys"])
def registration_options(
    request: Request, db: DbSession, now: Now, actor: Annotated[Actor, require("passkeys.register")]
) -> dict[str, Any]:
    """Options for ``navigator.credentials.create``, with a challenge for this session."""
    return passkeys.registration_options(db, actor, relying_party(request), now=now)


@router.post("/passkeys/registration", status_code=201, tags=["passkeys"])
def register(
    request: Request,
    db: DbSession,
    now: Now,
    body: RegistrationIn,
    actor: Annotated[Actor, require("passkeys.register")],
) -> PasskeyOut:
    """Verify the authenticator's answer and keep the passkey."""
    made = passkeys.register(
        db, actor, body.credential, relying_party(request), name=body.name, now=now
    )
    return PasskeyOut.model_validate(made.as_json())


@router.delete("/passkeys/{passkey_id}", status_code=204, tags=["passkeys"])
def remove_passkey(
    db: DbSession,
    now: Now,
    passkey_id: PasskeyId,
    actor: Annotated[Actor, require("passkeys.remove")],
) -> Response:
    """Remove one of the member's passkeys."""
    passkeys.remove(db, actor, passkey_id, now=now)
    return Response(status_code=204)
