"""The platform API over HTTP: key-authenticated lookups and feedback, HMA-compatible routes.

These routes are not the team's: a platform's server calls them with its API key (``Authorization:
Bearer hk_...`` or ``X-API-Key``), never a session cookie. Each names its scope through
:func:`require_key`, the key routes' counterpart of :func:`haechi.web.deps.require`;
``haechi.web.permissions.KEY_PATHS`` lists them and the routes meta-test checks both.
Lookups run on the event loop without touching the database: the key comes from the cache,
the counts go to the usage book, the hashes to the mapped index.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.parser import BytesParser
from email.policy import HTTP
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from haechi.platform_api import feedback as feedback_service
from haechi.platform_api.answering import (
    API,
    HMA_SIGNAL_CAP,
    SIGNAL_CAP,
    TYPE_CAP,
    SingleLookups,
    answered,
    answers_for,
    error_response,
    key_for,
    single_answer,
    snapshot,
)
from haechi.platform_api.errors import (
    BadSignal,
    PlatformApiError,
    TooLarge,
)
from haechi.platform_api.hma import HMA_TYPES, hma_banks, hma_video_banks
from haechi.platform_api.keys import SCOPES, ApiKey
from haechi.platform_api.lookup import (
    MAX_BATCH,
    MAX_FRAMES,
    VideoMatch,
    hma_vpdq_frames,
    lookup,
    lookup_exact,
    lookup_video_frames,
    parse_hex,
    pdq_queries,
)
from haechi.platform_api.runtime import PlatformApi
from haechi.platform_api.uploads import MAX_UPLOAD_BYTES, hash_image, read_capped

UPLOAD_PATHS = frozenset({f"{API}/lookup/image", "/m/lookup"})
MAX_JSON_BYTES = 2 * 1024 * 1024
"""A key call's JSON body: 1,000 hashes take 70 KB, 20,000 video frames 1.4 MB."""


def platform_api(request: Request) -> PlatformApi:
    api: PlatformApi = request.app.state.platform_api
    return api


def require_key(scope: str) -> Any:
    """The dependency of a key-authenticated route: the caller's :class:`ApiKey` with ``scope``.

    401 without a key or with one that is not ours, 403 for a revoked key or a missing scope.
    """
    if scope not in SCOPES:
        raise KeyError(f"unknown API key scope {scope!r}: add it to haechi.platform_api.keys")

    async def dependency(request: Request) -> ApiKey:
        return await key_for(platform_api(request), request.headers, scope)

    dependency.haechi_key_scope = scope  # type: ignore[attr-defined]
    return Depends(dependency)


LookupKey = Annotated[ApiKey, require_key("lookup")]
UploadKey = Annotated[ApiKey, require_key("upload")]
FeedbackKey = Annotated[ApiKey, require_key("feedback")]

router = APIRouter(tags=["platform API"])
hma_router = APIRouter()


@router.get(f"{API}/lookup")
async def lookup_one(
    request: Request,
    key: LookupKey,
    signal_type: Annotated[str, Query(max_length=TYPE_CAP)],
    signal: Annotated[str, Query(max_length=SIGNAL_CAP)],
    dihedral: bool = False,
) -> Response:
    """Look one hash up: ``match``, and per match its id, kind, distance and share."""
    answer = await single_answer(platform_api(request), key, signal_type, signal, dihedral)
    return JSONResponse(answer.as_json())


class BatchIn(BaseModel):
    signal_type: str = Field(max_length=TYPE_CAP)
    signals: list[Annotated[str, Field(max_length=SIGNAL_CAP)]] = Field(min_length=1)
    dihedral: bool = False


@router.post(f"{API}/lookup/batch")
async def lookup_batch(request: Request, key: LookupKey, body: BatchIn) -> Response:
    """Look up to 1,000 hashes of one type up; answers in the order sent."""
    api = platform_api(request)
    if len(body.signals) > MAX_BATCH:
        raise TooLarge(f"at most {MAX_BATCH} hashes a call, not {len(body.signals)}")
    api.usage.admit(key, len(body.signals))
    answers = await answers_for(api, body.signal_type, body.signals, body.dihedral)
    answered(api, key, answers)
    return JSONResponse({"answers": [a.as_json() for a in answers]})


class VideoIn(BaseModel):
    frames: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1)


@router.post(f"{API}/lookup/video")
async def lookup_video(request: Request, key: LookupKey, body: VideoIn) -> Response:
    """Look a video up by its frames' PDQ hashes (vPDQ); a match is a share of frames."""
    api = platform_api(request)
    if len(body.frames) > MAX_FRAMES:
        raise TooLarge(f"at most {MAX_FRAMES} frames a call, not {len(body.frames)}")
    frames = [parse_hex("vpdq", f) for f in body.frames]
    api.usage.admit(key, len(frames))
    found = await _video_matches(api, frames)
    api.usage.note(key, [bytes.fromhex(f) for f in frames], len(found))
    return JSONResponse({"match": bool(found), "matches": [m.as_json() for m in found]})


async def _video_matches(api: PlatformApi, frames: list[str]) -> list[VideoMatch]:
    """A video's matches, its frames searched off the event loop in short calls (batching)."""
    snap = await snapshot(api)
    if not frames:
        return []
    searched = await api.batcher.search(snap, pdq_queries(frames, False))
    return lookup_video_frames(snap, frames, api.radius, found=searched)


async def _image(request: Request) -> Any:
    body = await read_capped(request.stream(), request.headers.get("content-length"))
    return await run_in_threadpool(hash_image, body)


@router.post(f"{API}/lookup/image")
async def lookup_image(request: Request, key: UploadKey) -> Response:
    """Hash an image sent as the request body in memory (never kept), then look it up."""
    api = platform_api(request)
    api.usage.admit(key, 3)
    hashed = await _image(request)
    snap = await snapshot(api)
    pdq = lookup(snap, "pdq", [hashed.pdq[0]], api.radius, dihedral=True)[0]
    md5 = lookup(snap, "md5", [hashed.md5], api.radius)[0]
    sha = lookup(snap, "sha256", [hashed.sha256], api.radius)[0]
    answered(api, key, [pdq, md5, sha])
    return JSONResponse(
        {
            "match": bool(pdq.matches or md5.matches or sha.matches),
            "quality": hashed.quality,
            "answers": [pdq.as_json(), md5.as_json(), sha.as_json()],
        }
    )


class FeedbackIn(BaseModel):
    match_id: int = Field(ge=1, le=2**63 - 1)
    verdict: str = Field(max_length=20, description="confirmed, false_positive or removed")
    signal_type: str = Field(max_length=TYPE_CAP)
    signal: str = Field(max_length=SIGNAL_CAP, description="the hash that matched")
    note: str = Field(default="", max_length=500)


@router.post(f"{API}/feedback")
def send_feedback(request: Request, key: FeedbackKey, body: FeedbackIn) -> dict[str, object]:
    """Report a match as confirmed, a false positive (reviewed by a person) or removed."""
    db = request.app.state.db
    with db.session() as session:
        got = feedback_service.receive(
            session,
            key,
            body.match_id,
            body.verdict,
            body.signal_type.lower(),
            body.signal,
            body.note,
            request.app.state.clock(),
        )
    return {"id": got.id, "state": got.state}


# -- HMA-compatible: an HMA client works by changing its base URL and adding the key ------------


async def _hma_vpdq(api: PlatformApi, key: ApiKey, signal: str) -> Response:
    frames = hma_vpdq_frames(signal, api.settings.pdq_min_quality)
    api.usage.admit(key, max(1, len(frames)))
    found = await _video_matches(api, frames)
    api.usage.note(key, [bytes.fromhex(f) for f in frames], len(found))
    return JSONResponse(hma_video_banks(found))


@hma_router.get("/m/lookup")
async def hma_lookup(
    request: Request,
    key: LookupKey,
    signal_type: Annotated[str | None, Query(max_length=TYPE_CAP)] = None,
    signal: Annotated[str | None, Query(max_length=HMA_SIGNAL_CAP)] = None,
    url: Annotated[str | None, Query(max_length=2100)] = None,
) -> Response:
    """HMA's ``GET /m/lookup?signal_type=pdq&signal=<hex>``: matches by bank.

    ``vpdq`` takes HMA's vPDQ value (a JSON list of ``"pdq_hex,quality,timestamp"``); a URL
    holds about 200 frames, so longer videos go to ``POST /api/v1/lookup/video``.
    """
    if url is not None:
        raise BadSignal("haechi does not fetch URLs for platforms: send the hash")
    if not signal or not signal_type:
        raise BadSignal("Either url or both signal and signal_type are required")
    kind = HMA_TYPES.get(signal_type.lower())
    if kind is None:
        raise BadSignal(f"No such SignalType '{signal_type[:40]}'")
    api = platform_api(request)
    if kind == "vpdq":
        return await _hma_vpdq(api, key, signal)
    return JSONResponse(hma_banks(await single_answer(api, key, kind, signal)))


@hma_router.post("/m/lookup")
async def hma_lookup_file(request: Request, key: UploadKey) -> Response:
    """HMA's ``POST /m/lookup`` with one file in a form field named after its content type.

    ``photo``: hashed in memory (PDQ), answering ``{"pdq": TMatchByBank}``; ``video``: its
    MD5, answering ``{"video_md5": TMatchByBank}`` (HMA's video MD5). The bytes are dropped.
    """
    api = platform_api(request)
    body = await read_capped(request.stream(), request.headers.get("content-length"))
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise BadSignal("Missing multipart/form-data file upload")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    del body
    files = [
        (part.get_param("name", header="content-disposition"), part.get_payload(decode=True))
        for part in message.iter_parts()
        if part.get_filename() is not None
    ]
    if len(files) != 1:
        raise BadSignal("Only one file allowed per request" if files else "no file uploaded")
    field, data = files[0]
    if field not in ("photo", "video") or not isinstance(data, bytes):
        raise BadSignal(f"no such content_type: '{str(field)[:40]}' (use photo or video)")
    api.usage.admit(key, 1)
    snap = await snapshot(api)
    if field == "video":
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        del data
        answers = lookup_exact(snap, "md5", [digest])
        answered(api, key, answers)
        return JSONResponse({"video_md5": hma_banks(answers[0])})
    hashed = await run_in_threadpool(hash_image, data)
    del data
    answers = lookup(snap, "pdq", [hashed.pdq[0]], api.radius, dihedral=True)
    answered(api, key, answers)
    return JSONResponse({"pdq": hma_banks(answers[0])})


def _error(request: Request, exc: PlatformApiError) -> Response:
    return error_response(request.url.path, exc)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors (a body over its cap) in the same shapes as ours."""
    assert isinstance(exc, StarletteHTTPException)
    body: dict[str, object] = {"detail": exc.detail}
    if request.url.path.startswith("/m/"):
        body["message"] = exc.detail
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class KeyRoutesFirst:
    """Send platforms' calls (``KEY_PATHS``) straight to the platform API's own small app.

    Why: the team app's middleware (a cross-origin check, the session, the locale, each a
    ``BaseHTTPMiddleware`` layer) is for browsers with cookies and costs more than a lookup;
    key calls use none of it (no cookie is read, no session exists, answers are JSON). They
    get the same security headers here, and every other path goes through the team app. A
    well-formed single GET lookup skips the small app too (:mod:`~haechi.platform_api.answering`).
    """

    def __init__(
        self, app: Any, fast: FastAPI, paths: frozenset[str], single: SingleLookups
    ) -> None:
        self.app = app
        self.fast = fast
        self.paths = paths
        self.single = single

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        call = self.single.handles(scope)
        if call is not None:
            await self.single(scope, receive, with_headers, call)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"").decode("latin-1") or None
        receive = capped(receive, body_cap(scope["path"]), declared)
        await self.fast(scope, receive, with_headers)


def body_cap(path: str) -> int:
    """The most bytes a key call's body may hold: an image for uploads, else JSON of hashes."""
    return MAX_UPLOAD_BYTES if path in UPLOAD_PATHS else MAX_JSON_BYTES


def capped(receive: Any, cap: int, declared: str | None) -> Any:
    """``receive`` that refuses (a 413) a body past ``cap`` bytes, declared or sent.

    Why: a JSON body is parsed whole before any check of its hashes, so a gigabyte of
    ``signals`` would be held in memory first; counting what arrives stops it early, whether
    or not the client declared a ``Content-Length``. An HTTP exception, since FastAPI turns
    any other error while reading a body into a 400.
    """
    seen = 0
    too_large = f"a request body here is at most {cap // 1024:,} KB"

    async def receive_capped() -> Any:
        nonlocal seen
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise HTTPException(413, too_large)
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise HTTPException(413, too_large)
        return message

    return receive_capped


def install(app: FastAPI) -> None:
    """Give ``app`` the platform API: its state, routes, error answers and clean stop."""
    from haechi.web.api.platform_api import router as team_router
    from haechi.web.routes.platform_api import router as team_pages

    api = PlatformApi(app.state.settings, app.state.db, app.state.clock)
    app.state.platform_api = api

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PlatformApiError)
        return _error(request, exc)

    app.add_exception_handler(PlatformApiError, handle)
    app.include_router(router)
    app.include_router(team_router, prefix=API)
    app.include_router(team_pages, include_in_schema=False)
    app.include_router(hma_router, include_in_schema=False)
    fast = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    fast.state.platform_api = api
    for name in ("db", "clock", "settings"):
        setattr(fast.state, name, getattr(app.state, name))
    fast.add_exception_handler(PlatformApiError, handle)
    fast.add_exception_handler(StarletteHTTPException, http_error)
    fast.include_router(router)
    fast.include_router(hma_router)
    from haechi.web.permissions import KEY_PATHS

    app.add_middleware(KeyRoutesFirst, fast=fast, paths=KEY_PATHS, single=SingleLookups(api))
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        async with inner(a) as state:
            try:
                yield state
            finally:
                await run_in_threadpool(api.stop)

    app.router.lifespan_context = lifespan


__all__ = ["MAX_UPLOAD_BYTES", "install", "require_key"]
