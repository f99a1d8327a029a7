"""``/banks``, ``/watches``, ``/scans/uploads``: registering and scanning as JSON, over the same
services as the pages and ``haechi bank`` / ``haechi watch``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from haechi.banks import service as banks_service
from haechi.casework.paging import Page
from haechi.errors import HaechiError
from haechi.jobs.service import check_target
from haechi.members.model import Actor
from haechi.review.listings import bank_list, find_watch, watch_history, watch_list
from haechi.review.register import entries_page
from haechi.scan.watching import add_watch, remove_watch, watch_json
from haechi.web.deps import DbSession, Now, require
from haechi.web.params import BankName, Order, PageNo, PerPage, RowId, SortKey
from haechi.web.upload_forms import register_from_form, scan_from_form
from haechi.web.uploads import Files, OneFile, UploadCap

router = APIRouter(tags=["register"])

WatchId = RowId


def _bad(exc: HaechiError, status: int = 400) -> HTTPException:
    return HTTPException(status, str(exc))


class WithdrawIn(BaseModel):
    entries: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(min_length=1, max_length=1000)


class ImportIn(BaseModel):
    text: str = Field(max_length=64 * 1024 * 1024)
    format: str | None = Field(default=None, max_length=10)
    label: str = Field(default="", max_length=200)


class WatchIn(BaseModel):
    target: str = Field(max_length=2100)
    every: str = Field(default="6h", max_length=20)


def _paged(response: Response, listing: Page[Any]) -> None:
    """A list's place in the whole, as headers beside a JSON array (its shape stays a list)."""
    response.headers["X-Total-Count"] = str(listing.total)
    response.headers["X-Page"] = f"{listing.page}/{listing.pages}"


@router.get("/banks")
def list_banks(
    request: Request,
    response: Response,
    actor: Annotated[Actor, require("banks.read")],
    sort: SortKey = "name",
    order: Order = "asc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> list[dict[str, Any]]:
    """Banks with their number of live entries, sorted (name, entries, created) and paginated;
    ``X-Total-Count`` and ``X-Page`` say where the page sits."""
    try:
        found = bank_list(
            request.app.state.db, sort=sort, order=order or "asc", page=page, per_page=per_page
        )
    except HaechiError as exc:
        raise _bad(exc) from None
    _paged(response, found)
    return [
        {
            "bank": b.name,
            "entries": b.entries,
            "description": b.description,
            "created_at": b.created_at.isoformat(),
        }
        for b in found.items
    ]


def _entry_json(e: Any) -> dict[str, Any]:
    return {
        "entry": e.id,
        "bank": e.bank,
        "label": e.label,
        "case": e.case_ref,
        "added_at": e.added_at.isoformat(),
        "withdrawn_at": e.withdrawn_at.isoformat() if e.withdrawn_at else None,
        "signals": sorted({s.kind.value for s in e.signals}),
    }


@router.get("/banks/{bank}/entries")
def bank_entries(
    db: DbSession,
    bank: BankName,
    actor: Annotated[Actor, require("banks.read")],
    page: PageNo = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
    withdrawn: bool = False,
    order: Order = "desc",
) -> dict[str, Any]:
    """A page of a bank's entries, newest first (``order=asc``: oldest first)."""
    order = order or "desc"
    try:
        entries, has_next = entries_page(db, bank, page, per_page, withdrawn, order)
    except HaechiError as exc:
        raise _bad(exc, 404) from None
    return {
        "entries": [_entry_json(e) for e in entries],
        "page": page,
        "has_next": has_next,
        "order": order,
    }


@router.post("/banks/{bank}/entries", status_code=201)
def register_files(
    request: Request,
    db: DbSession,
    now: Now,
    bank: BankName,
    _cap: UploadCap,
    actor: Annotated[Actor, require("banks.register")],
    form: Files,
) -> dict[str, Any]:
    """Register uploaded files (multipart ``files``; ``label``, ``case``, ``consent=yes``)."""
    try:
        done = register_from_form(request, db, actor, bank, form, now)
    except HaechiError as exc:
        raise _bad(exc, 422) from None
    return {"entries": [{**_entry_json(r.entry), "warning": r.warning} for r in done]}


@router.post("/banks/{bank}/withdraw")
def withdraw(
    request: Request,
    bank: BankName,
    body: WithdrawIn,
    actor: Annotated[Actor, require("banks.withdraw")],
) -> dict[str, Any]:
    """Delete entries' hashes for good (audited); the entries stay as dated records."""
    try:
        done = banks_service.withdraw_entries(request.app.state.db, body.entries, actor)
    except HaechiError as exc:
        raise _bad(exc) from None
    return {"withdrawn": [e.id for e in done]}


@router.post("/banks/{bank}/import", status_code=201)
def import_list(
    request: Request,
    bank: BankName,
    body: ImportIn,
    actor: Annotated[Actor, require("banks.import")],
) -> dict[str, Any]:
    """Add a hash list's entries (HMA, vPDQ, JSON or CSV text) to the bank."""
    try:
        entries = banks_service.import_bank(
            request.app.state.db, bank, body.text, body.format, body.label
        )
    except HaechiError as exc:
        raise _bad(exc, 422) from None
    return {"imported": len(entries)}


@router.get("/banks/{bank}/export")
def export_list(
    request: Request,
    bank: BankName,
    actor: Annotated[Actor, require("banks.export")],
    format: Annotated[str, Query(max_length=10)] = "hma",
    labels: bool = False,
) -> dict[str, Any]:
    """The bank as hash-list text (audited); labels only when asked."""
    try:
        text = banks_service.export_bank(
            request.app.state.db, bank, format, with_labels=labels, actor=actor
        )
    except HaechiError as exc:
        raise _bad(exc, 404 if "no bank" in str(exc) else 400) from None
    return {"bank": bank, "format": format, "text": text}


@router.get("/watches")
def watches(
    request: Request,
    response: Response,
    actor: Annotated[Actor, require("watches.read")],
    sort: SortKey = "id",
    order: Order = "asc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> list[Any]:
    """Watches with their last run, next run, failures in a row and last error, sorted (id,
    target, every, last_run, next_run, runs, failures) and paginated (``X-Total-Count``)."""
    try:
        found = watch_list(
            request.app.state.db, sort=sort, order=order or "asc", page=page, per_page=per_page
        )
    except HaechiError as exc:
        raise _bad(exc) from None
    _paged(response, found)
    return [watch_json(w) for w in found.items]


@router.post("/watches", status_code=201)
def watch_add(
    request: Request, body: WatchIn, now: Now, actor: Annotated[Actor, require("watches.manage")]
) -> dict[str, Any]:
    """Watch a URL every ``every`` (``30m``, ``6h``, ``1d``); the first run is due now."""
    try:
        return watch_json(
            add_watch(request.app.state.db, check_target(body.target), "web", body.every, now)
        )
    except HaechiError as exc:
        raise _bad(exc, 422) from None


@router.get("/watches/{watch_id}")
def watch_get(
    request: Request,
    db: DbSession,
    watch_id: WatchId,
    actor: Annotated[Actor, require("watches.read")],
    sort: SortKey = "scan",
    order: Order = "desc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """One watch with a page of its scans, newest first (sort: scan, started, finished,
    failed, hits; ``history_page`` says where the page sits)."""
    watch = find_watch(request.app.state.db, watch_id)
    if watch is None:
        raise HTTPException(404, f"no watch {watch_id}")
    try:
        history = watch_history(
            db, watch, sort=sort, order=order or "desc", page=page, per_page=per_page
        )
    except HaechiError as exc:
        raise _bad(exc) from None
    return {
        **watch_json(watch),
        "history_page": history.meta(),
        "history": [
            {
                "scan": s.id,
                "started_at": s.started_at.isoformat(),
                "finished_at": s.finished_at.isoformat() if s.finished_at else None,
                "seen": s.seen,
                "hashed": s.hashed,
                "failed": s.failed,
                "hits": s.hits,
            }
            for s in history.items
        ],
    }


@router.delete("/watches/{watch_id}", status_code=204)
def watch_delete(
    request: Request, watch_id: WatchId, actor: Annotated[Actor, require("watches.manage")]
) -> None:
    """Stop watching (its scans and hits stay)."""
    try:
        remove_watch(request.app.state.db, watch_id)
    except HaechiError as exc:
        raise _bad(exc, 404) from None


@router.post("/scans/uploads", status_code=201)
def scan_upload(
    request: Request,
    db: DbSession,
    now: Now,
    _cap: UploadCap,
    actor: Annotated[Actor, require("jobs.scan")],
    form: OneFile,
) -> dict[str, Any]:
    """Queue a scan of pasted ``urls`` or an uploaded ``file`` (list, chat log, export .zip)."""
    try:
        job = scan_from_form(request, db, actor, form, now)
    except HaechiError as exc:
        raise _bad(exc, 422) from None
    return job.as_json()
