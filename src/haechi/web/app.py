"""The team server's web app: :func:`create_app` builds it from settings.

The JSON API lives under ``/api/v1`` with its OpenAPI schema at ``/api/v1/openapi.json`` (no
interactive docs: they load scripts from elsewhere, which the content policy forbids); the
pages are server-rendered and left out of the schema. One router per area, thin: each parses,
calls a service from :mod:`haechi.members` or :mod:`haechi.audit`, and renders or returns JSON.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from haechi import __version__
from haechi.members.errors import InviteInvalid, MemberError, NotAllowed, SignInRefused
from haechi.settings import Settings
from haechi.store.database import open_database
from haechi.store.models import utcnow
from haechi.web import middleware
from haechi.web.api import router as api_router
from haechi.web.pages import render
from haechi.web.routes import audit, auth, home, members, probes, sessions

API_PREFIX = "/api/v1"
STATIC = resources.files("haechi.web") / "static"

_MESSAGES = {
    401: "Please sign in first.",
    403: "You may not see this page.",
    404: "Not found.",
}


def _status(exc: MemberError) -> int:
    if isinstance(exc, SignInRefused):
        return 401
    if isinstance(exc, NotAllowed):
        return 403
    if isinstance(exc, InviteInvalid):
        return 404
    return 400


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> FastAPI:
    """The app over the database of ``settings`` (migrated now), with ``clock`` for time."""
    db = open_database(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        db.close()

    app = FastAPI(
        title="haechi",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.clock = clock
    app.state.settings = settings
    middleware.install(app)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith(API_PREFIX) or exc.status_code not in _MESSAGES:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return render(
            request, "error.html", {"message": _MESSAGES[exc.status_code]}, exc.status_code
        )

    @app.exception_handler(MemberError)
    async def member_error(request: Request, exc: MemberError) -> Response:
        status = _status(exc)
        if request.url.path.startswith(API_PREFIX):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        return render(request, "error.html", {"message": str(exc)}, status)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    for area in (auth, home, sessions, members, audit, probes):
        app.include_router(area.router, include_in_schema=False)
    app.include_router(api_router, prefix=API_PREFIX)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    return app


def app_from_environment() -> FastAPI:
    """The app of the settings in the environment (``HAECHI_*``): uvicorn's factory."""
    from haechi.settings import load_settings

    return create_app(load_settings())
