"""Answering key calls: the caller's key, the hashes searched, the counts kept.

One set of steps that the FastAPI routes (:mod:`haechi.platform_api.web`) and the plain-ASGI
path for single lookups (:class:`SingleLookups`) both take, so that the two cannot drift.

Why a plain path: a platform's upload filter asks one hash at a time, and on a 2-core server
FastAPI's per-request work (dependency solving, parameter models, two middleware stacks) cost
more than the lookup itself. A well-formed ``GET /api/v1/lookup`` or ``GET /m/lookup`` is
answered here; anything else (a missing or over-long parameter, a vPDQ or URL lookup) goes on
to the routes, which give the validation errors FastAPI users expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from haechi.platform_api.errors import KeyMissing, KeyRefused, PlatformApiError
from haechi.platform_api.hma import HMA_TYPES, hma_banks
from haechi.platform_api.keys import ApiKey
from haechi.platform_api.lookup import Answer, checked, lookup_exact, lookup_pdq, pdq_queries
from haechi.platform_api.runtime import PlatformApi
from haechi.platform_api.snapshot import Snapshot

API = "/api/v1"


def secret_of(headers: Mapping[str, str]) -> str | None:
    """The API key a call sends: ``Authorization: Bearer <key>`` or ``X-API-Key``."""
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return headers.get("x-api-key") or None


async def key_for(api: PlatformApi, headers: Mapping[str, str], scope: str) -> ApiKey:
    """The caller's key with ``scope``: :class:`KeyMissing` (401) or :class:`KeyRefused` (403)."""
    secret = secret_of(headers)
    if secret is None:
        raise KeyMissing("send your API key as 'Authorization: Bearer <key>'")
    known, key = api.keys.cached(secret)
    if not known:
        key = await run_in_threadpool(api.keys.load, secret)
    if key is None:
        raise KeyMissing("unknown API key")
    if key.revoked_at is not None:
        raise KeyRefused("this API key was revoked; ask the team for a new one")
    if scope not in key.scopes:
        raise KeyRefused(f"this API key may not {scope}")
    return key


async def snapshot(api: PlatformApi) -> Snapshot:
    """The index snapshot lookups read (built off the event loop when there is none yet)."""
    snap = api.holder.current
    if snap is not None and api.holder.running:
        return snap
    return await run_in_threadpool(api.holder.get)


async def answers_for(
    api: PlatformApi, signal_type: str, hexes: list[str], dihedral: bool = False
) -> list[Answer]:
    """Check and look hashes up; PDQ searches are batched with other requests' (batching.py)."""
    kind, hexes = checked(signal_type, hexes)
    snap = await snapshot(api)
    if kind == "pdq":
        found = await api.batcher.search(snap, pdq_queries(hexes, dihedral))
        return lookup_pdq(snap, hexes, api.radius, dihedral=dihedral, found=found)
    return lookup_exact(snap, kind, hexes)


def answered(api: PlatformApi, key: ApiKey, answers: list[Answer]) -> None:
    """Count the call's hashes and matches in the key's usage book."""
    raw = [bytes.fromhex(a.signal) for a in answers]
    api.usage.note(key, raw, sum(1 for a in answers if a.matches))


async def single_answer(
    api: PlatformApi, key: ApiKey, signal_type: str, signal: str, dihedral: bool = False
) -> Answer:
    """One hash looked up for ``key``: admitted by its rate and quota, then counted."""
    api.usage.admit(key, 1)
    answers = await answers_for(api, signal_type, [signal], dihedral)
    answered(api, key, answers)
    return answers[0]


def error_response(path: str, exc: PlatformApiError) -> JSONResponse:
    """A platform-API error as JSON; under ``/m/`` also with HMA's ``message``."""
    body: dict[str, object] = {"detail": str(exc)}
    if path.startswith("/m/"):
        body["message"] = str(exc)  # HMA's error shape
    return JSONResponse(body, status_code=exc.status, headers=exc.headers())


TYPE_CAP = 20
"""The longest ``signal_type`` a lookup takes (the routes' ``max_length``, and this path's)."""
SIGNAL_CAP = 200
HMA_SIGNAL_CAP = 16_000
"""HMA's ``signal`` may be a vPDQ value: a list of frames."""
_BOOLS = {"true": True, "1": True, "yes": True, "on": True}
_BOOLS |= {"false": False, "0": False, "no": False, "off": False}
# Longer values go on to the routes, for FastAPI's 422.
_CAPS = {
    f"{API}/lookup": {"signal_type": TYPE_CAP, "signal": SIGNAL_CAP},
    "/m/lookup": {"signal_type": TYPE_CAP, "signal": HMA_SIGNAL_CAP},
}


class SingleLookups:
    """Plain ASGI for well-formed single GET lookups; ``handles`` says which calls those are."""

    def __init__(self, api: PlatformApi) -> None:
        self.api = api

    def handles(self, scope: Mapping[str, Any]) -> tuple[str, str, bool] | None:
        """``(signal type, signal, dihedral)`` when this path answers the call, else ``None``."""
        caps = _CAPS.get(scope["path"])
        if caps is None or scope["method"] != "GET":
            return None
        try:
            pairs = parse_qsl(scope["query_string"].decode("ascii"), keep_blank_values=True)
        except UnicodeDecodeError:
            return None
        params = dict(pairs)
        if len(params) != len(pairs) or not params.get("signal") or "url" in params:
            return None  # repeated names, no hash, a URL lookup: the routes' answers
        if any(len(params.get(name, "")) > cap for name, cap in caps.items()):
            return None
        if scope["path"] == "/m/lookup":
            kind = HMA_TYPES.get(params.get("signal_type", "").lower())
            if kind is None or kind == "vpdq" or "dihedral" in params:
                return None
            return kind, params["signal"], False
        dihedral = _BOOLS.get(params.get("dihedral", "false").lower())
        if "signal_type" not in params or dihedral is None:
            return None
        return params["signal_type"], params["signal"], dihedral

    async def __call__(
        self, scope: Any, receive: Any, send: Any, call: tuple[str, str, bool]
    ) -> None:
        path = scope["path"]
        try:
            key = await key_for(self.api, Headers(scope=scope), "lookup")
            answer = await single_answer(self.api, key, *call)
        except PlatformApiError as exc:
            await error_response(path, exc)(scope, receive, send)
            return
        body = hma_banks(answer) if path == "/m/lookup" else answer.as_json()
        await JSONResponse(body)(scope, receive, send)
