"""``/cases``: the case list, a case with everything it holds, opening a case, her consent
choices, and closing it as she chooses (personal data: ``/cases/{ref}/personal``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from haechi.cases import personal
from haechi.cases.service import show_case
from haechi.casework import cases as casework
from haechi.casework import notice_board, police_desk
from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.web.casework import desk_for, status_of
from haechi.web.deps import DbSession, Now, require
from haechi.web.params import Order, PageNo, PerPage, SortKey

router = APIRouter(tags=["cases"])


def refused(exc: HaechiError) -> HTTPException:
    """A service's refusal as the API answers it."""
    return HTTPException(status_of(exc), str(exc))


class CaseIn(BaseModel):
    ref: str | None = Field(None, max_length=40, description="A code of your own; never a name.")


class ConsentIn(BaseModel):
    keep_evidence: bool | None = Field(
        None, description="May her evidence be kept? null: not asked."
    )
    police_may_name: bool | None = Field(None, description="May the police learn her name?")


class CloseIn(BaseModel):
    withdraw_hashes: bool = Field(False, description="Withdraw her bank entries for good.")
    destroy_evidence: bool = Field(False, description="Destroy the case's captures now.")
    reason: str = Field("", max_length=2000, description="Kept in the database, never logged.")


@router.get("/cases")
def list_cases(
    db: DbSession,
    actor: Annotated[Actor, require("cases.read")],
    state: SortKey = "",
    sort: SortKey = "opened",
    order: Order = "desc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """Cases with counts of what they hold; ``state`` open or closed; sorted and paginated
    (sort: ref, opened, closed, entries, hits, reports)."""
    try:
        found = casework.list_cases(
            db, state=state, sort=sort, order=order or "desc", page=page, per_page=per_page
        )
    except HaechiError as exc:
        raise refused(exc) from None
    return {**found.meta(), "items": [s.as_json() for s in found.items]}


@router.post("/cases", status_code=201)
def open_case(
    body: CaseIn, db: DbSession, now: Now, actor: Annotated[Actor, require("cases.open")]
) -> dict[str, Any]:
    """Open a case (its reference made unless given)."""
    try:
        return personal.open_case(db, actor, body.ref, None, now=now).as_json()
    except HaechiError as exc:
        raise refused(exc) from None


@router.get("/cases/{ref}")
def get_case(
    request: Request,
    db: DbSession,
    now: Now,
    ref: str,
    actor: Annotated[Actor, require("cases.read")],
) -> dict[str, Any]:
    """A case: entries, hits (with review), captures, notices, police reports, her consent
    choices and how it was closed. Entry labels only for liaisons and admins."""
    try:
        view = show_case(desk_for(request, actor), ref)
    except HaechiError as exc:
        raise refused(exc) from None
    data = view.as_json()
    if not personal.may_keep(actor):
        for entry in data["entries"]:
            entry.pop("label", None)
    closing = casework.closing_of(db, view.case.ref)
    data["consent"] = casework.consent_of(db, view.case.ref).as_json()
    data["closing"] = closing.as_json() if closing else None
    data["notices"] = [notice_board.one(db, now, n.id).as_json() for n in view.notices]
    data["police_reports"] = [r.as_json() for r in police_desk.lines(db, now, case=view.case.ref)]
    return data


@router.put("/cases/{ref}/consent")
def set_consent(
    body: ConsentIn,
    db: DbSession,
    now: Now,
    ref: str,
    actor: Annotated[Actor, require("cases.consent")],
) -> dict[str, Any]:
    """Record her answers (audited)."""
    try:
        return casework.set_consent(
            db, actor, ref, body.keep_evidence, body.police_may_name, now=now
        ).as_json()
    except HaechiError as exc:
        raise refused(exc) from None


@router.post("/cases/{ref}/close")
def close_case(
    request: Request, body: CloseIn, ref: str, actor: Annotated[Actor, require("cases.close")]
) -> dict[str, Any]:
    """Close the case as she chooses; the statistics keep counting its notices (audited)."""
    try:
        return casework.close_case(
            desk_for(request, actor),
            ref,
            withdraw_hashes=body.withdraw_hashes,
            destroy_evidence=body.destroy_evidence,
            reason=body.reason,
        ).as_json()
    except HaechiError as exc:
        raise refused(exc) from None
