"""The public verify page: is this notice, this volunteer, this account really theirs?

No account needed, Korean and English. A person pastes or uploads a document (a credential's
JSON, the e-mail a notice came in, or a WACZ bundle), types a verification code, arrives
from a card's QR code (``/verify?code=…``) or uploads a photo of one (:mod:`haechi.trust.qr`);
the answer is valid, invalid (and why), revoked or expired, showing only what the document
itself says. The channel search answers "is this
account theirs?"; reports of impersonators go to the team's queue, a few per address per hour
(the cross-origin check of every POST keeps other sites from sending them in someone's name).
Checks of codes and documents are limited per address too (:data:`verifications`, shared with
``POST /api/v1/verify``).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.exceptions import HTTPException

from haechi.errors import HaechiError
from haechi.evidence.verify import verify_bundle
from haechi.scan.preserve import evidence_config
from haechi.trust.channels import ChannelKind, lookup, parse_kind
from haechi.trust.checking import check_code, check_document
from haechi.trust.evidence_keys import evidence_key_ids, sync_evidence_keys
from haechi.trust.qr import ForeignLink, code_in_link, is_image, read_qr
from haechi.trust.reading import MAX_DOCUMENT_BYTES, is_bundle
from haechi.trust.reports import submit
from haechi.web.deps import DbSession, Now, address
from haechi.web.i18n import N_
from haechi.web.pages import render
from haechi.web.routes.wellknown import trust_config

router = APIRouter()

MAX_UPLOAD = 64 * 1024 * 1024  # bundles; documents are capped at MAX_DOCUMENT_BYTES
_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file
REPORTS_PER_HOUR = 5
VERIFICATIONS_PER_HOUR = 600  # codes, documents and bundles, page and API together
TOO_MANY = N_("Too many checks from here; try again in an hour.")


class _Limiter:
    """At most ``limit`` events per address per hour, in memory (enough for one server)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self.lock:
            times = self.seen.setdefault(key, deque())
            while times and now - times[0] > 3600:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True


_reports = _Limiter(REPORTS_PER_HOUR)
verifications = _Limiter(VERIFICATIONS_PER_HOUR)


def _page(request: Request, status: int = 200, **context: Any) -> Response:
    values: dict[str, Any] = {
        "result": None,
        "bundle": None,
        "code": "",
        "query": "",
        "found": None,
        "kinds": [k.value for k in ChannelKind],
        "reported": False,
        "foreign": None,
    }
    values.update(context)
    return render(request, "verify.html", values, status)


@router.get("/verify")
def verify_page(
    request: Request,
    db: DbSession,
    now: Now,
    code: Annotated[str, Query(max_length=40)] = "",
    q: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    if code.strip():
        if not verifications.allow(address(request)):
            return _page(request, 429, error=TOO_MANY, code=code)
        try:
            checked = check_code(db, trust_config(request), code, now)
        except HaechiError as exc:
            return _page(request, 404, error=str(exc), code=code)
        return _page(request, result=checked.result, code=checked.code)
    if q.strip():
        return _page(request, query=q, found=lookup(db, q))
    return _page(request)


@dataclass(frozen=True)
class _Posted:
    """What the verify form carried: the bytes to check, or why they were refused."""

    data: bytes
    refused: str = ""
    status: int = 200


async def _posted(request: Request) -> _Posted:
    """The uploaded file (or else the pasted text), read on the event loop for a ``def`` route.

    The page is public, so the body's declared size is checked before any of it is read (no
    ``Form``/``File`` parameters: FastAPI would parse those first, whatever their size).
    """
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        return _Posted(b"", N_("Say the upload's length (Content-Length)."), 411)
    if int(length) > MAX_UPLOAD + _FORM_OVERHEAD:
        return _Posted(b"", N_("The file is larger than 64 MB."), 413)
    try:
        form = await request.form(max_files=1, max_fields=2, max_part_size=MAX_DOCUMENT_BYTES)
    except HTTPException as exc:  # a malformed form, too many parts, or an overlong field
        return _Posted(b"", str(exc.detail), 400)
    try:
        upload, document = form.get("upload"), form.get("document")
        if isinstance(upload, StarletteUpload) and upload.filename:
            return _Posted(await upload.read(MAX_UPLOAD + 1) or b"")
        return _Posted(document.encode("utf-8") if isinstance(document, str) else b"")
    finally:
        await form.close()


@router.post("/verify")
def verify_post(
    request: Request,
    db: DbSession,
    now: Now,
    posted: Annotated[_Posted, Depends(_posted)],
) -> Response:
    if posted.refused:
        return _page(request, posted.status, error=posted.refused)
    data = posted.data
    if len(data) > MAX_UPLOAD:
        return _page(request, 413, error=N_("The file is larger than 64 MB."))
    if not data.strip():
        return _page(request, 400, error=N_("Paste a document or choose a file."))
    if not verifications.allow(address(request)):
        return _page(request, 429, error=TOO_MANY)
    if is_bundle(data):
        return _bundle(request, db, data, now)
    if is_image(data):
        return _scanned(request, db, data, now)
    try:
        checked = check_document(db, trust_config(request), data, now)
    except HaechiError as exc:
        return _page(request, 400, error=str(exc))
    return _page(request, result=checked.result)


def _scanned(request: Request, db: Session, data: bytes, now: datetime) -> Response:
    """A photo of a QR code: checked by its code when it opens our verify page, else the link
    it opens is shown (not followed): a forged card may lead to a look-alike page."""
    config = trust_config(request)
    try:
        checked = check_code(db, config, code_in_link(config, read_qr(data)), now)
    except ForeignLink as exc:
        return _page(request, 400, foreign=exc.link)
    except HaechiError as exc:
        return _page(request, 400, error=str(exc))
    return _page(request, result=checked.result, code=checked.code)


def _bundle(request: Request, db: Session, data: bytes, now: datetime) -> Response:
    config = evidence_config(request.app.state.settings)
    sync_evidence_keys(db, trust_config(request), now)
    keys = config.trusted_keys or evidence_key_ids(db)  # the public record: no passphrase needed
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.wacz"
        path.write_bytes(data)
        report = verify_bundle(path, keys)
    checks = [(c.name, c.status.value, c.detail) for c in report.checks]
    return _page(request, bundle={"passed": report.passed, "checks": checks})


@router.post("/verify/report")
def report_post(
    request: Request,
    db: DbSession,
    now: Now,
    kind: Annotated[str, Form(max_length=20)],
    value: Annotated[str, Form(max_length=300)],
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not _reports.allow(address(request)):
        return _page(request, 429, error=N_("Too many reports from here; try again in an hour."))
    try:
        submit(db, parse_kind(kind), value, description, now)
    except HaechiError as exc:
        return _page(request, 400, error=str(exc), query=value)
    return _page(request, reported=True)
