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
from typing import TYPE_CHECKING

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError

from haechi import __version__
from haechi.members.errors import InviteInvalid, MemberError, NotAllowed, SignInRefused
from haechi.settings import Settings
from haechi.store.database import open_database
from haechi.store.models import utcnow
from haechi.web import middleware
from haechi.web.api import router as api_router
from haechi.web.pages import render
from haechi.web.routes import audit, auth, home, jobs, members, passkeys, personal, probes, sessions
from haechi.web.routes import banks as bank_pages
from haechi.web.routes import cases as case_pages
from haechi.web.routes import dashboard as dashboard_pages
from haechi.web.routes import intake as intake_pages
from haechi.web.routes import notices as notice_pages
from haechi.web.routes import outgoing as outgoing_pages
from haechi.web.routes import platforms as platform_pages
from haechi.web.routes import reports as report_pages
from haechi.web.routes import review as review_pages
from haechi.web.routes import settings as settings_pages
from haechi.web.routes import stats as stats_pages
from haechi.web.routes import tracking as tracking_pages
from haechi.web.routes import transparency as transparency_pages
from haechi.web.routes import trust_team as trust_team_pages
from haechi.web.routes import verify as verify_pages
from haechi.web.routes import watches as watch_pages
from haechi.web.routes import wellknown as wellknown_pages

if TYPE_CHECKING:
    from haechi.demo.signin import DemoSignIn
    from haechi.jobs.runner import JobsConfig

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


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    jobs_config: JobsConfig | None = None,
    demo_link: DemoSignIn | None = None,
) -> FastAPI:
    """The app over the database of ``settings`` (migrated now), with ``clock`` for time.

    With ``jobs_config`` the server runs the schedules and worker processes while it runs
    (:mod:`haechi.jobs.runner`; only the process holding the lease does the work); without,
    it only serves (``haechi serve --no-scheduler``, tests). ``demo_link`` makes it the demo's
    server: every page says DEMO and the link signs the demo admin in once.
    """
    db = open_database(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner = None
        if jobs_config is not None:
            from haechi.jobs.runner import JobRunner

            runner = JobRunner(settings, db, jobs_config)
            runner.start()
        app.state.jobs = runner
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()
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
    app.state.jobs = None
    app.state.demo = demo_link is not None
    app.state.demo_link = demo_link
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

    @app.exception_handler(OverflowError)
    async def beyond_any_row(request: Request, exc: OverflowError) -> Response:
        # An id past the database's integers (a fuzzer's 2**70) names no row: not found.
        if request.url.path.startswith(API_PREFIX):
            return JSONResponse({"detail": "not found"}, status_code=404)
        return render(request, "error.html", {"message": _MESSAGES[404]}, 404)

    @app.exception_handler(DataError)
    async def beyond_the_columns(request: Request, exc: DataError) -> Response:
        # PostgreSQL checks what SQLite lets by: an id past its 32-bit integers names no row
        # (404, as OverflowError above); a NUL character or an overlong text is refused (422).
        if getattr(exc.orig, "sqlstate", None) == "22003":
            return await beyond_any_row(request, OverflowError())
        message = "a value the database cannot store (a NUL character, or text too long)"
        if request.url.path.startswith(API_PREFIX):
            return JSONResponse({"detail": message}, status_code=422)
        return render(request, "error.html", {"message": message}, 422)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    for area in (auth, home, sessions, members, audit, probes, jobs, settings_pages):
        app.include_router(area.router, include_in_schema=False)
    if demo_link is not None:
        from haechi.web.routes import demo

        app.include_router(demo.router, include_in_schema=False)
    for area in (personal, passkeys):
        app.include_router(area.router, include_in_schema=False)
    for area in (case_pages, notice_pages, platform_pages, report_pages, stats_pages):  # casework
        app.include_router(area.router, include_in_schema=False)
    from haechi.platform_api.web import install as install_platform_api

    install_platform_api(app)  # API keys, not sessions: /api/v1/lookup*, /m/lookup, feedback
    for area in (dashboard_pages, review_pages, bank_pages, watch_pages):  # reviewing
        app.include_router(area.router, include_in_schema=False)
    for area in (verify_pages, wellknown_pages, trust_team_pages):  # trust
        app.include_router(area.router, include_in_schema=False)
    app.include_router(intake_pages.router, include_in_schema=False)  # victims' own hashes
    app.include_router(transparency_pages.router, include_in_schema=False)  # public reports
    app.include_router(tracking_pages.router, include_in_schema=False)  # timelines and links
    app.include_router(outgoing_pages.router, include_in_schema=False)  # bundles, routes
    app.include_router(api_router, prefix=API_PREFIX)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    return app


SCHEDULER_ENV = "HAECHI_SERVE_SCHEDULER"  # "0": this server only serves
JOB_WORKERS_ENV = "HAECHI_SERVE_JOB_WORKERS"


def app_from_environment() -> FastAPI:
    """The app of the settings in the environment (``HAECHI_*``): uvicorn's factory.

    Each of uvicorn's worker processes builds one; all may run the scheduler, since only the
    one holding the lease does anything (``haechi serve`` sets the two variables above).
    """
    import os

    from haechi.jobs.runner import JobsConfig
    from haechi.settings import load_settings

    config = None
    if os.environ.get(SCHEDULER_ENV, "1") != "0":
        config = JobsConfig(workers=int(os.environ.get(JOB_WORKERS_ENV, "2")))
    return create_app(load_settings(), jobs_config=config)
