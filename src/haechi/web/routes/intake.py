"""``/intake``: the public pages where a victim registers her images as hashes, comes back
and withdraws; ``/intakes``: the team's page of one-time links and approvals.

The victim's pages need no account. Her browser hashes her files (``/static/intake/hash.js``)
and posts only the hashes, with a proof-of-work answer or a one-time link; the file input is
outside the form and has no name, so no file can be sent even by mistake. Every page is
server-rendered and works with the keyboard alone; the one script is a module from 'self'.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from haechi.intake import review, service
from haechi.intake.errors import IntakeError
from haechi.intake.guard import IntakeConfig
from haechi.intake.model import Choice
from haechi.intake.status import status_of
from haechi.members.credentials import digest
from haechi.members.model import Actor
from haechi.notices.errors import CaseError
from haechi.store.intake_models import IntakeLinkRow
from haechi.web.deps import DbSession, Now, address, require
from haechi.web.pages import render

router = APIRouter()

MAX_BODY = 4_000_000  # the hashes of 50 files, four hours of video frames each at most
CHOICES = [c for c in Choice if c is not Choice.MONITOR]


def config_of(request: Request) -> IntakeConfig:
    """The app's intake settings (a test may set ``app.state.intake``)."""
    config = getattr(request.app.state, "intake", None)
    if not isinstance(config, IntakeConfig):
        config = IntakeConfig.from_environment()
        request.app.state.intake = config
    return config


def _failed(request: Request, exc: IntakeError, page: str = "intake/problem.html") -> Response:
    return render(request, page, {"problem": str(exc), "status_code": exc.status}, exc.status)


def _live_link(db: DbSession, token: str, now: Now) -> bool:
    row = db.scalar(select(IntakeLinkRow).where(IntakeLinkRow.token_digest == digest(token)))
    return row is not None and row.used_at is None and row.expires_at >= now


@router.get("/intake")
def consent_page(request: Request) -> Response:
    return render(request, "intake/consent.html", {"choices": CHOICES, "link": ""})


@router.get("/intake/start/{token}")
def centre_start(request: Request, db: DbSession, now: Now, token: str) -> Response:
    if not _live_link(db, token, now):
        return _failed(request, IntakeError("this intake link was used or has expired"))
    return render(request, "intake/consent.html", {"choices": CHOICES, "link": token})


@router.get("/intake/select")
def select_page(request: Request) -> Response:
    params = request.query_params
    if params.get("consent") != "yes":
        return RedirectResponse("/intake", status_code=303)
    chosen = [c.value for c in CHOICES if params.get(c.value) == "yes"]
    link = params.get("link", "")[:100]
    # Video frames are read from the chosen file through a blob: URL, never sent anywhere.
    request.state.csp_extra = "; media-src 'self' blob:"
    return render(request, "intake/select.html", {"chosen": chosen, "link": link})


@router.get("/intake/challenge")
def challenge(request: Request, now: Now) -> JSONResponse:
    try:
        value, bits = service.challenge(
            request.app.state.db, address=address(request), now=now, config=config_of(request)
        )
    except IntakeError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)
    return JSONResponse({"challenge": value, "bits": bits})


def register_hashes(
    request: Request, items: Any, choices: list[str], proof: service.Proof, now: datetime
) -> service.Registration:
    """Register what a page (this one or a partner's) sent, with the server's settings."""
    settings = request.app.state.settings
    try:
        return service.register(
            request.app.state.db,
            items,
            choices,
            proof,
            address=address(request),
            now=now,
            config=config_of(request),
            min_quality=settings.pdq_min_quality,
            fold_radius=settings.pdq_radius,
        )
    except CaseError as exc:  # the centre's case is gone
        raise IntakeError(str(exc)) from None


@router.post("/intake/submit")
def submit(
    request: Request,
    now: Now,
    items: Annotated[str, Form(max_length=MAX_BODY)],
    choices: Annotated[str, Form(max_length=200)] = "",
    challenge: Annotated[str, Form(max_length=64)] = "",
    nonce: Annotated[str, Form(max_length=32)] = "",
    link: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        try:
            parsed: Any = json.loads(items)
        except ValueError:
            raise IntakeError("the hashes sent are not valid JSON; reload the page") from None
        proof = service.Proof(challenge, nonce, link)
        kit = register_hashes(request, parsed, [c for c in choices.split(",") if c], proof, now)
    except IntakeError as exc:
        return _failed(request, exc)
    return render(request, "intake/kit.html", {"kit": kit}, 201)


@router.get("/intake/recover")
def recover_page(request: Request) -> Response:
    return render(request, "intake/recover.html", {"problem": None, "status_code": 0})


@router.post("/intake/recover")
def recover(
    request: Request,
    now: Now,
    number: Annotated[str, Form(max_length=40)],
    phrase: Annotated[str, Form(max_length=80)],
) -> Response:
    db = request.app.state.db
    try:
        token = service.recover(
            db, number, phrase, address=address(request), now=now, config=config_of(request)
        )
    except IntakeError as exc:
        return _failed(request, exc, "intake/recover.html")
    with db.session() as session:
        status = status_of(session, service.opened(session, token, now))
    context = {"status": status, "token": token, "problem": None}
    return render(request, "intake/status.html", context)


@router.post("/intake/withdraw")
def withdraw(
    request: Request,
    now: Now,
    token: Annotated[str, Form(max_length=100)],
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    db = request.app.state.db
    try:
        if confirm != "yes":
            with db.session() as session:
                status = status_of(session, service.opened(session, token, now))
            context = {"status": status, "token": token, "problem": "tick the box to confirm"}
            return render(request, "intake/status.html", context, 400)
        count = service.withdraw(db, token, now=now)
    except IntakeError as exc:
        return _failed(request, exc, "intake/recover.html")
    return render(request, "intake/withdrawn.html", {"count": count})


# -- the team's page: one-time links for a support centre, approvals before sharing --------


@router.get("/intakes")
def team_page(request: Request, actor: Annotated[Actor, require("intake.review")]) -> Response:
    pending = review.pending(request.app.state.db)
    return render(request, "intake/team.html", {"pending": pending, "link": None})


@router.post("/intakes/decide")
def team_decide(
    request: Request,
    now: Now,
    actor: Annotated[Actor, require("intake.review")],
    decision: Annotated[str, Form(max_length=10)],
    entry: Annotated[list[int] | None, Form()] = None,
) -> Response:
    db = request.app.state.db
    try:
        review.decide(db, actor, list(entry or []), decision == "approve", now=now)
    except IntakeError as exc:
        context = {"pending": review.pending(db), "link": None, "error": str(exc)}
        return render(request, "intake/team.html", context, exc.status)
    return RedirectResponse("/intakes", status_code=303)


@router.post("/intakes/links")
def team_link(
    request: Request,
    now: Now,
    actor: Annotated[Actor, require("intake.links")],
    case: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    db = request.app.state.db
    try:
        token = review.open_link(
            db, actor, case.strip() or None, now=now, config=config_of(request)
        )
    except (IntakeError, CaseError) as exc:
        context = {"pending": review.pending(db), "link": None, "error": str(exc)}
        return render(request, "intake/team.html", context, 400)
    url = f"{request.base_url}intake/start/{token}"
    return render(request, "intake/team.html", {"pending": review.pending(db), "link": url})
