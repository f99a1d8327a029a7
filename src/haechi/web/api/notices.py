"""``/notices``: the board, drafts per platform, follow-ups waiting, one notice with its
exact e-mail, and the steps (draft, approve by a second member, send, mark, discard)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from haechi.casework import notice_board
from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.notices import drafting, sending
from haechi.web.api.cases import refused
from haechi.web.casework import desk_for
from haechi.web.deps import DbSession, Now, require
from haechi.web.params import Order, PageNo, PerPage, RowId, SortKey

router = APIRouter(tags=["notices"])

NoticeId = RowId
Filters = Annotated[list[Annotated[str, Field(max_length=20)]] | None, Query(max_length=10)]


class DraftIn(BaseModel):
    platform: str | None = Field(None, max_length=60, description="Only this platform.")
    hits: list[int] | None = Field(None, max_length=1000, description="Only these hits.")


class NoteIn(BaseModel):
    note: str | None = Field(None, max_length=2000)


class MarkIn(BaseModel):
    what: sending.Mark
    note: str | None = Field(None, max_length=2000)


@router.get("/notices")
def list_notices(
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("notices.read")],
    status: Filters = None,
    kind: Filters = None,
    platform: Annotated[str, Query(max_length=60)] = "",
    overdue: bool = False,
    sort: SortKey = "id",
    order: Order = "desc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """Notices filtered by status, kind, platform, overdue; sorted (id, platform, kind,
    status, drafted, sent, deadline) and paginated; each with who drafted and approved it."""
    try:
        found = notice_board.list_notices(
            db, now, statuses=status, kinds=kind, platform=platform, overdue_only=overdue,
            sort=sort, order=order or "desc", page=page, per_page=per_page,
        )  # fmt: skip
    except HaechiError as exc:
        raise refused(exc) from None
    return {**found.meta(), "items": [b.as_json() for b in found.items]}


@router.get("/notices/waiting")
def waiting(
    db: DbSession, now: Now, actor: Annotated[Actor, require("notices.read")]
) -> dict[str, Any]:
    """Drafted and approved notices per platform, follow-ups waiting, overdue notices."""
    return {
        "by_platform": {
            name: [b.as_json() for b in items]
            for name, items in notice_board.drafts_by_platform(db, now).items()
        },
        "follow_ups": [b.as_json() for b in notice_board.follow_ups_waiting(db, now)],
        "overdue": [b.as_json() for b in notice_board.board(db, now, overdue_only=True)],
    }


@router.post("/notices/drafts", status_code=201)
def draft(
    request: Request, body: DraftIn, actor: Annotated[Actor, require("notices.draft")]
) -> dict[str, Any]:
    """Draft one notice per platform from confirmed hits not yet in one."""
    try:
        done = drafting.draft_notices(desk_for(request, actor), body.platform, body.hits)
    except HaechiError as exc:
        raise refused(exc) from None
    return {
        "notices": [n.as_json() for n in done.notices],
        "unassigned": [h.id for h in done.unassigned],
    }


@router.get("/notices/{notice_id}")
def get_notice(
    request: Request,
    db: DbSession,
    now: Now,
    notice_id: NoticeId,
    actor: Annotated[Actor, require("notices.read")],
) -> dict[str, Any]:
    """A notice with its text, history and the exact e-mail that sending makes."""
    try:
        item = notice_board.one(db, now, notice_id)
    except HaechiError as exc:
        raise refused(exc) from None
    email = notice_board.email_preview(desk_for(request, actor), item.notice)
    return {
        **item.as_json(with_text=True),
        "events": [
            {"status": e.status.value, "at": e.at.isoformat(), "note": e.note}
            for e in item.notice.events
        ],
        "email": email.as_json(),
    }


@router.post("/notices/{notice_id}/approve")
def approve(
    request: Request, notice_id: NoticeId, body: NoteIn,
    actor: Annotated[Actor, require("notices.approve")],
) -> dict[str, Any]:  # fmt: skip
    """Approve a draft: by a member other than its drafter (four eyes), audited."""
    try:
        [done] = sending.approve(desk_for(request, actor), [notice_id], body.note)
    except HaechiError as exc:
        raise refused(exc) from None
    return done.as_json()


@router.post("/notices/{notice_id}/send")
def send(
    request: Request, notice_id: NoticeId, actor: Annotated[Actor, require("notices.send")]
) -> dict[str, Any]:
    """Send an approved notice (e-mail; a web-form notice is given back to paste)."""
    try:
        result = sending.send(desk_for(request, actor), [notice_id])
    except HaechiError as exc:
        raise refused(exc) from None
    if result.failed:
        raise HTTPException(502, result.failed[0][1])
    if result.manual:
        return {**result.manual[0].as_json(with_text=True), "action": "submit-web-form"}
    return {**result.sent[0].as_json(), "evidence_errors": result.evidence_errors}


@router.post("/notices/{notice_id}/mark")
def mark(
    request: Request, notice_id: NoticeId, body: MarkIn,
    actor: Annotated[Actor, require("notices.mark")],
) -> dict[str, Any]:  # fmt: skip
    """Record what the platform did: submitted, acknowledged, removed, refused, no-answer."""
    try:
        done, problems = sending.mark(desk_for(request, actor), notice_id, body.what, body.note)
    except HaechiError as exc:
        raise refused(exc) from None
    return {**done.as_json(), "evidence_errors": problems}


@router.post("/notices/{notice_id}/discard")
def discard(
    request: Request, notice_id: NoticeId, body: NoteIn,
    actor: Annotated[Actor, require("notices.draft")],
) -> dict[str, Any]:  # fmt: skip
    """Drop a notice that has not gone out."""
    try:
        return sending.discard(desk_for(request, actor), notice_id, body.note).as_json()
    except HaechiError as exc:
        raise refused(exc) from None
