"""The register: banks, uploading pictures (hashed in memory), entries, withdrawal, lists.

Uploads are read whole into memory (:mod:`haechi.web.uploads`) and hashed by
:func:`haechi.review.register.register_uploads`; withdrawal, import and export call the same
:mod:`haechi.banks.service` functions as ``haechi bank``.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from haechi.banks import service as banks_service
from haechi.banks.formats import FORMATS
from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.review.listings import bank_list
from haechi.review.register import entries_page
from haechi.web.casework import refused_page
from haechi.web.deps import DbSession, FormFields, Now, require
from haechi.web.pages import render
from haechi.web.params import BankName, Order, PageNo, PerPage, SortKey
from haechi.web.upload_forms import register_from_form
from haechi.web.uploads import Files, OneFile, UploadCap

router = APIRouter()


def _banks(
    request: Request,
    status: int = 200,
    *,
    sort: str = "name",
    order: str = "asc",
    page: int = 1,
    per_page: int = 50,
    **extra: object,
) -> Response:
    try:
        listing = bank_list(
            request.app.state.db, sort=sort, order=order, page=page, per_page=per_page
        )
    except HaechiError as exc:
        return refused_page(request, exc)
    context = {
        "listing": listing,
        "banks": listing.items,
        "query": {"sort": listing.sort, "order": listing.order},
        "formats": sorted(FORMATS),
        "results": [],
        **extra,
    }
    return render(request, "review/banks.html", context, status)


@router.get("/banks")
def banks_page(
    request: Request,
    actor: Annotated[Actor, require("banks.read")],
    sort: SortKey = "name",
    order: Order = "asc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> Response:
    return _banks(request, sort=sort, order=order or "asc", page=page, per_page=per_page)


@router.post("/banks/register")
def register(
    request: Request,
    db: DbSession,
    now: Now,
    _cap: UploadCap,
    actor: Annotated[Actor, require("banks.register")],
    form: Files,
) -> Response:
    try:
        results = register_from_form(request, db, actor, form.get("bank"), form, now)
    except HaechiError as exc:
        return _banks(request, 400, error=str(exc))
    return _banks(request, results=results)


@router.get("/banks/{bank}")
def bank_page(
    request: Request,
    db: DbSession,
    bank: BankName,
    actor: Annotated[Actor, require("banks.read")],
    page: PageNo = 1,
    withdrawn: Annotated[bool, Query()] = False,
    order: Order = "desc",
) -> Response:
    """A page of the bank's entries, newest first or (``order=asc``) oldest first."""
    order = order or "desc"
    try:
        entries, has_next = entries_page(db, bank, page, include_withdrawn=withdrawn, order=order)
    except HaechiError as exc:
        raise HTTPException(404, str(exc)) from None
    context = {
        "bank": bank,
        "entries": entries,
        "page": page,
        "has_next": has_next,
        "withdrawn": withdrawn,
        "order": order,
        "formats": sorted(FORMATS),
    }
    return render(request, "review/bank.html", context)


@router.post("/banks/{bank}/withdraw")
def withdraw(
    request: Request,
    bank: BankName,
    actor: Annotated[Actor, require("banks.withdraw")],
    form: FormFields,
) -> Response:
    try:
        ids = [int(v) for v in form.getlist("entry") if isinstance(v, str)]
    except ValueError:
        ids = []
    if not ids or form.get("confirm") != "yes":
        message = "Choose entries and confirm: a withdrawal deletes their hashes for good."
        return render(request, "error.html", {"message": message}, 400)
    try:
        banks_service.withdraw_entries(request.app.state.db, ids, actor)
    except HaechiError as exc:
        return render(request, "error.html", {"message": str(exc)}, 400)
    return RedirectResponse(f"/banks/{bank}?withdrawn=true", status_code=303)


@router.post("/banks/{bank}/import")
def import_list(
    request: Request,
    bank: BankName,
    _cap: UploadCap,
    actor: Annotated[Actor, require("banks.import")],
    form: OneFile,
) -> Response:
    if len(form.files) != 1:
        return _banks(request, 400, error="Choose one hash-list file to import.")
    name, data = form.files[0]
    try:
        text = data.decode("utf-8")
        entries = banks_service.import_bank(
            request.app.state.db,
            bank,
            text,
            form.get("format") or None,
            form.get("label")[:200],
            name=name,
        )
    except UnicodeDecodeError:
        return _banks(request, 400, error="A hash list is a UTF-8 text file.")
    except HaechiError as exc:
        return _banks(request, 400, error=str(exc))
    return _banks(request, imported=len(entries), imported_bank=bank)


@router.get("/banks/{bank}/export")
def export_list(
    request: Request,
    bank: BankName,
    actor: Annotated[Actor, require("banks.export")],
    format: Annotated[str, Query(max_length=10)] = "hma",
    labels: Annotated[bool, Query()] = False,
) -> Response:
    """The bank as a hash-list file (audited); labels only when asked."""
    try:
        text = banks_service.export_bank(
            request.app.state.db, bank, format, with_labels=labels, actor=actor
        )
    except HaechiError as exc:
        raise HTTPException(404 if "no bank" in str(exc) else 400, str(exc)) from None
    suffix = {"hma": "txt", "vpdq": "txt"}.get(format, format)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", bank)
    headers = {"Content-Disposition": f'attachment; filename="{safe}.{suffix}"'}
    return Response(text, media_type="text/plain; charset=utf-8", headers=headers)
