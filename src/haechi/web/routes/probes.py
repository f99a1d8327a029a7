"""``/healthz``, ``/readyz`` and ``/metrics``: for the orchestrator and Prometheus.

Health answers anyone (it says nothing about the team's work). Metrics count the home's
activity (scans, hits, notices by state), so they are served only to a scraper that shows
``HAECHI_METRICS_TOKEN`` as a bearer token, or, with no token set, to a client on this machine
that did not come through a proxy (no ``X-Forwarded-For``): never to the open web.
"""

from __future__ import annotations

import hmac
from ipaddress import ip_address
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

router = APIRouter()


@router.get("/healthz")
def healthz() -> JSONResponse:
    from haechi.ops.health import liveness

    health = liveness()
    return JSONResponse(health.as_json(), status_code=health.status_code)


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    from haechi.ops.health import readiness

    health = readiness(request.app.state.db, request.app.state.settings)
    return JSONResponse(health.as_json(), status_code=health.status_code)


def _scraper_allowed(request: Request) -> bool:
    token = request.app.state.settings.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        return hmac.compare_digest(given.encode(), expected.encode())
    if "x-forwarded-for" in request.headers or request.client is None:
        return False
    try:
        return ip_address(request.client.host).is_loopback
    except ValueError:
        return False


@router.get("/metrics")
def metrics(request: Request) -> Response:
    if not _scraper_allowed(request):
        raise HTTPException(404)
    from haechi.ops.metrics import registry_for, render

    state: Any = request.app.state
    if getattr(state, "metrics_registry", None) is None:
        state.metrics_registry = registry_for(state.db)
    body, content_type = render(state.metrics_registry)
    return Response(body, media_type=content_type)
