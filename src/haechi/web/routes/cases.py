"""Cases: the list, a case's page (what it holds, her consent choices, its notices and
police reports; her personal data is behind a link for liaisons and admins), opening a case,
recording consent, and closing it as she chooses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from haechi.cases import personal
from haechi.cases.service import show_case
from haechi.casework import cases as casework
from haechi.casework import notice_board, police_desk
from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.ops import retention
from haechi.web.casework import acted, desk_for, refused_page
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render
from haechi.web.params import Order, PageNo, PerPage, SortKey

router = APIRouter()

Choice = Annotated[str, Form(pattern=r"^(yes|no|)$")]


def answer(value: str) -> bool | None:
    """A yes/no/not-asked form field as the service takes it."""
    return {"yes": True, "no": False}.get(value)


@router.get("/cases")
def cases_page(
    request: Request,
    db: DbSession,
    actor: Annotated[Actor, require("cases.read")],
    state: SortKey = "",
    sort: SortKey = "opened",
    order: Order = "desc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> Response:
    try:
        found = casework.list_cases(
            db, state=state, sort=sort, order=order or "desc", page=page, per_page=per_page
        )
    except HaechiError as exc:
        return refused_page(request, exc)
    query = {"state": state, "sort": found.sort, "order": found.order}
    return render(request, "cases.html", {"listing": found, "state": state, "query": query})


@router.post("/cases")
def open_case(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("cases.open")],
    ref: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        case = personal.open_case(db, actor, ref.strip() or None, None, now=now)
    except HaechiError as exc:
        return refused_page(request, exc)
    return RedirectResponse(f"/cases/{case.ref}", status_code=303)


@router.get("/cases/{ref}")
def case_page(
    request: Request,
    db: DbSession,
    now: Now,
    ref: str,
    actor: Annotated[Actor, require("cases.read")],
) -> Response:
    try:
        view = show_case(desk_for(request, actor), ref)
    except HaechiError as exc:
        return refused_page(request, exc)
    policies = retention.policies(request.app.state.db)
    policy = next((p for p in policies if p.ref == view.case.ref), None)
    context = {
        "view": view,
        "consent": casework.consent_of(db, view.case.ref),
        "closing": casework.closing_of(db, view.case.ref),
        "policy": policy,
        "notices": [notice_board.one(db, now, n.id) for n in view.notices],
        "reports": police_desk.lines(db, now, case=view.case.ref),
    }
    return render(request, "case.html", context)


@router.post("/cases/{ref}/consent")
def set_consent(
    request: Request,
    db: DbSession,
    now: Now,
    ref: str,
    actor: Annotated[Actor, require("cases.consent")],
    keep_evidence: Choice = "",
    police_may_name: Choice = "",
) -> Response:
    keep, name = answer(keep_evidence), answer(police_may_name)
    return acted(
        request, lambda: casework.set_consent(db, actor, ref, keep, name, now=now), f"/cases/{ref}"
    )


@router.post("/cases/{ref}/close")
def close_case(
    request: Request,
    ref: str,
    actor: Annotated[Actor, require("cases.close")],
    withdraw_hashes: Annotated[bool, Form()] = False,
    destroy_evidence: Annotated[bool, Form()] = False,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    desk = desk_for(request, actor)
    return acted(
        request,
        lambda: casework.close_case(
            desk,
            ref,
            withdraw_hashes=withdraw_hashes,
            destroy_evidence=destroy_evidence,
            reason=reason,
        ),
        f"/cases/{ref}",
    )
