"""The middleware of every request, outermost first: security headers, a cross-origin check,
the session, the locale.

Cookies: ``__Host-haechi`` (Secure) when the request came over TLS (a reverse proxy that
uvicorn trusts says so), ``haechi_session`` over plain HTTP on 127.0.0.1; both HttpOnly,
SameSite=Strict, path ``/``, no domain. A state-changing request from another site (by
``Sec-Fetch-Site``, or else by ``Origin``) is refused before any route sees it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from haechi.members.preferences import Preferences, get_preferences
from haechi.members.sessions import SessionInfo, load_session
from haechi.store.database import Database
from haechi.web.deps import SAFE_METHODS
from haechi.web.i18n import negotiate

Next = Callable[[Request], Awaitable[Response]]

SECURE_COOKIE = "__Host-haechi"
PLAIN_COOKIE = "haechi_session"

# Open to every site: the hasher module partners' pages import, and the intake's JSON API
# (no session or cookie is read there, so a cross-site post forges nothing).
OPEN_TO_ALL_SITES = ("/static/intake/hash.js", "/api/v1/intake/")

CSP = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)


def cookie_name(request: Request) -> str:
    return SECURE_COOKIE if request.url.scheme == "https" else PLAIN_COOKIE


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        cookie_name(request),
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        cookie_name(request),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


async def security_headers(request: Request, call_next: Next) -> Response:
    response = await call_next(request)
    # A page may add one directive of its own (the intake's video frames: media-src blob:).
    response.headers["Content-Security-Policy"] = CSP + getattr(request.state, "csp_extra", "")
    response.headers["X-Frame-Options"] = "DENY"
    # Same-origin, not no-referrer: on plain HTTP (a centre's LAN) browsers send no
    # Sec-Fetch-Site, and under no-referrer a form's Origin is "null", which the cross-origin
    # check must refuse. No other site ever receives our addresses either way.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not request.url.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    if request.url.scheme == "https":
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if request.url.path.startswith(OPEN_TO_ALL_SITES):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def cross_site(request: Request) -> bool:
    """Whether a request was sent by a page of another site (datasette's ``csrf.py`` idea)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False  # not a browser's cross-site form or fetch; the CSRF token still counts
    return origin != f"{request.url.scheme}://{request.url.netloc}"


def key_call(request: Request) -> bool:
    """A platform's API-key call with no session cookie: no ambient credential to forge with."""
    has_key = request.headers.get("authorization", "")[:7].lower() == "bearer "
    has_key = has_key or "x-api-key" in request.headers
    return has_key and cookie_name(request) not in request.cookies


async def cross_origin_check(request: Request, call_next: Next) -> Response:
    if request.url.path.startswith(OPEN_TO_ALL_SITES):
        return await call_next(request)
    if request.method not in SAFE_METHODS and cross_site(request) and not key_call(request):
        message = "cross-site request refused"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=403)
        return PlainTextResponse(message, status_code=403)
    return await call_next(request)


def _load(
    db: Database, token: str, now: datetime
) -> tuple[tuple[SessionInfo, str | None], Preferences] | None:
    with db.session() as session:
        loaded = load_session(session, token, now=now)
        if loaded is None:
            return None
        return loaded, get_preferences(session, loaded[0].member_id)


async def session_middleware(request: Request, call_next: Next) -> Response:
    """Load the session of the cookie; set or clear the cookie as the route (or rotation) says.

    A route that opens a session sets ``request.state.new_token``; one that ends it sets
    ``request.state.end_session``.
    """
    request.state.web_session = None
    request.state.new_token = None
    request.state.end_session = False
    request.state.preferences = Preferences()
    token = request.cookies.get(cookie_name(request))
    stale = False
    if token:
        loaded = await run_in_threadpool(
            _load, request.app.state.db, token, request.app.state.clock()
        )
        if loaded is None:
            stale = True
        else:
            (request.state.web_session, request.state.new_token), request.state.preferences = loaded
    response = await call_next(request)
    if request.state.new_token:
        set_session_cookie(request, response, request.state.new_token)
    elif stale or request.state.end_session:
        clear_session_cookie(request, response)
    return response


async def locale_middleware(request: Request, call_next: Next) -> Response:
    """The member's chosen language once signed in, before that the browser's."""
    chosen = request.state.preferences.locale if request.state.web_session else None
    request.state.locale = chosen or negotiate(request.headers.get("accept-language"))
    response = await call_next(request)
    response.headers.setdefault("Content-Language", request.state.locale)
    response.headers.setdefault("Vary", "Accept-Language, Cookie")
    return response


def install(app: FastAPI) -> None:
    """Add the middleware; the last added runs first, so this lists them innermost first."""
    app.middleware("http")(locale_middleware)
    app.middleware("http")(session_middleware)
    app.middleware("http")(cross_origin_check)
    app.middleware("http")(security_headers)
