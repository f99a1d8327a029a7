"""Notices: the board (waiting notices grouped per platform, follow-ups waiting for
approval, overdue notices, every notice paginated and sortable), one notice with the exact
e-mail before approval, and the steps: draft, approve (a second member: four eyes), send,
mark what the platform did, discard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from haechi.casework import notice_board
from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.notices import drafting, sending
from haechi.notices.model import NoticeKind, NoticeStatus
from haechi.routing import open_router
from haechi.web.casework import acted, desk_for, refused_page
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render
from haechi.web.params import Order, PageNo, PerPage, RowId, SortKey
from haechi.web.permissions import allowed

router = APIRouter()

NoticeId = RowId
Filter = Annotated[str, Query(max_length=40)]
Note = Annotated[str, Form(max_length=2000)]


@router.get("/notices")
def notices_page(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("notices.read")],
    status: Filter = "",
    kind: Filter = "",
    platform: Filter = "",
    overdue: bool = False,
    sort: SortKey = "id",
    order: Order = "desc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> Response:
    try:
        listing = notice_board.list_notices(
            db,
            now,
            statuses=[status] if status else None,
            kinds=[kind] if kind else None,
            platform=platform,
            overdue_only=overdue,
            sort=sort,
            order=order or "desc",
            page=page,
            per_page=per_page,
        )
    except HaechiError as exc:
        return refused_page(request, exc)
    query = {
        "status": status,
        "kind": kind,
        "platform": platform,
        "overdue": "true" if overdue else "",
        "sort": listing.sort,
        "order": listing.order,
    }
    context = {
        "listing": listing,
        "query": query,
        "drafts": notice_board.drafts_by_platform(db, now),
        "follow_ups": notice_board.follow_ups_waiting(db, now),
        "late": notice_board.board(db, now, overdue_only=True),
        "statuses": list(NoticeStatus),
        "kinds": list(NoticeKind),
        "status": status,
        "kind": kind,
        "platform": platform,
        "overdue": overdue,
    }
    return render(request, "notices.html", context)


@router.post("/notices/draft")
def draft(
    request: Request,
    actor: Annotated[Actor, require("notices.draft")],
    platform: Annotated[str, Form(max_length=60)] = "",
    route: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    desk = desk_for(request, actor)
    if route and (actor.role is None or not allowed("routing.lookup", actor.role)):
        return render(request, "error.html", {"message": "You may not look routes up."}, 403)

    def draft_them() -> object:
        if not route:
            return drafting.draft_notices(desk, platform.strip() or None)
        with open_router(desk.db, desk.clock, desk.config.country) as router:
            return drafting.draft_notices(desk, platform.strip() or None, router=router)

    return acted(request, draft_them, "/notices")


@router.get("/notices/{notice_id}")
def notice_page(
    request: Request,
    db: DbSession,
    now: Now,
    notice_id: NoticeId,
    actor: Annotated[Actor, require("notices.read")],
) -> Response:
    try:
        item = notice_board.one(db, now, notice_id)
    except HaechiError as exc:
        return refused_page(request, exc)
    context = {
        "item": item,
        "notice": item.notice,
        "email": notice_board.email_preview(desk_for(request, actor), item.notice),
        "may_approve": notice_board.approvable_by(item, actor.member_id),
        "marks": list(sending.Mark),
    }
    return render(request, "notice.html", context)


def _step(request: Request, notice_id: int, act: Callable[[], object]) -> Response:
    return acted(request, act, f"/notices/{notice_id}")


@router.post("/notices/{notice_id}/approve")
def approve(
    request: Request,
    notice_id: NoticeId,
    actor: Annotated[Actor, require("notices.approve")],
    note: Note = "",
) -> Response:
    desk = desk_for(request, actor)
    return _step(request, notice_id, lambda: sending.approve(desk, [notice_id], note or None))


@router.post("/notices/{notice_id}/send")
def send(
    request: Request, notice_id: NoticeId, actor: Annotated[Actor, require("notices.send")]
) -> Response:
    try:
        result = sending.send(desk_for(request, actor), [notice_id])
    except HaechiError as exc:
        return refused_page(request, exc)
    if result.failed:
        return render(request, "error.html", {"message": result.failed[0][1]}, 502)
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)


@router.post("/notices/{notice_id}/mark")
def mark(
    request: Request,
    notice_id: NoticeId,
    actor: Annotated[Actor, require("notices.mark")],
    what: Annotated[str, Form(max_length=20)],
    note: Note = "",
) -> Response:
    try:
        choice = sending.Mark(what)
    except ValueError:
        marks = ", ".join(m.value for m in sending.Mark)
        return render(request, "error.html", {"message": f"mark one of: {marks}"}, 422)
    desk = desk_for(request, actor)
    return _step(request, notice_id, lambda: sending.mark(desk, notice_id, choice, note or None))


@router.post("/notices/{notice_id}/discard")
def discard(
    request: Request,
    notice_id: NoticeId,
    actor: Annotated[Actor, require("notices.draft")],
    note: Note = "",
) -> Response:
    desk = desk_for(request, actor)
    return _step(request, notice_id, lambda: sending.discard(desk, notice_id, note or None))
