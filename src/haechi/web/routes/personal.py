"""A case's personal data for liaisons and admins: seen (every view audited), written sealed,
and cases found by a phone number or e-mail address. Analysts and the other roles are refused.

The lookup is a form posted, never a query string: a phone number in a URL would end up in
the proxy's access log.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from haechi.cases import personal
from haechi.members.model import Actor
from haechi.notices.errors import CaseError
from haechi.store.cases import CaseStore
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render

router = APIRouter()

Text = Annotated[str, Form(max_length=personal.MAX_NOTES)]


def view_or_404(db: DbSession, actor: Actor, ref: str, now: Now) -> personal.PersonalView:
    """The case's personal data (audited), or 404 for a case that does not exist."""
    try:
        return personal.read_personal(db, actor, ref, now=now)
    except CaseError as exc:
        raise HTTPException(404, str(exc)) from None


def _page(
    request: Request, view: personal.PersonalView, status: int = 200, **extra: object
) -> Response:
    context = {"view": view, "consents": list(personal.Consent), **extra}
    return render(request, "case_personal.html", context, status)


@router.get("/cases/{ref}/personal")
def personal_page(
    request: Request,
    db: DbSession,
    now: Now,
    ref: str,
    actor: Annotated[Actor, require("cases.personal.read")],
) -> Response:
    return _page(request, view_or_404(db, actor, ref, now))


@router.post("/cases/{ref}/personal")
def write_personal(
    request: Request,
    db: DbSession,
    now: Now,
    ref: str,
    actor: Annotated[Actor, require("cases.personal.write")],
    name: Annotated[str, Form(max_length=personal.MAX_NAME)] = "",
    contacts: Text = "",
    notes: Text = "",
    consent: Annotated[list[str] | None, Form()] = None,
    school: Annotated[str, Form(max_length=personal.MAX_NAME)] = "",
    workplace: Annotated[str, Form(max_length=personal.MAX_NAME)] = "",
) -> Response:
    try:
        case = CaseStore(db).get(ref)
    except CaseError as exc:
        raise HTTPException(404, str(exc)) from None
    data = personal.PersonalData(
        name, tuple(contacts.splitlines()), notes, school=school, workplace=workplace
    )
    try:
        data = replace(data, consent=frozenset(personal.parse_consent(c) for c in consent or ()))
        personal.write_personal(db, actor, case.ref, data, now=now)
    except CaseError as exc:
        return _page(request, personal.PersonalView(case.ref, data), 400, error=str(exc))
    return RedirectResponse(f"/cases/{case.ref}/personal", status_code=303)


@router.get("/personal/lookup")
def lookup_page(
    request: Request, actor: Annotated[Actor, require("cases.personal.find")]
) -> Response:
    return render(request, "personal_lookup.html", {"found": None})


@router.post("/personal/lookup")
def lookup(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("cases.personal.find")],
    contact: Annotated[str, Form(max_length=personal.MAX_CONTACT)],
) -> Response:
    try:
        found = personal.find_cases(db, actor, contact, now=now)
    except CaseError as exc:
        return render(request, "personal_lookup.html", {"found": None, "error": str(exc)}, 400)
    return render(request, "personal_lookup.html", {"found": found})
