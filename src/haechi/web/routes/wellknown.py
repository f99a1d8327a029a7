"""What the organisation publishes under ``/.well-known/``: anyone may read it, no account.

``did.json`` (its did:web document: every key and its life), ``haechi-status.json`` (the
signed revocation status list of member credentials) and ``haechi-channels.json`` (the signed
official-channels registry). The address is ``HAECHI_PUBLIC_URL`` when set, otherwise the one
the request came to.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from haechi.trust.channels import registry_document
from haechi.trust.config import TrustConfig
from haechi.trust.documents import own_did_document, status_list
from haechi.web.deps import DbSession, Now

router = APIRouter()


def trust_config(request: Request) -> TrustConfig:
    """The trust settings of the app, at the address this request came to if none was set."""
    config = TrustConfig.from_settings(request.app.state.settings)
    return config.at(str(request.base_url))


def _json(document: dict[str, Any], media_type: str = "application/json") -> JSONResponse:
    response = JSONResponse(document, media_type=media_type)
    response.headers["Access-Control-Allow-Origin"] = "*"  # public documents, for any verifier
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/.well-known/did.json")
def did_json(request: Request, db: DbSession, now: Now) -> JSONResponse:
    return _json(own_did_document(db, trust_config(request), now), "application/did+json")


@router.get("/.well-known/haechi-status.json")
def status_json(request: Request, db: DbSession, now: Now) -> JSONResponse:
    return _json(status_list(db, trust_config(request), now))


@router.get("/.well-known/haechi-channels.json")
def channels_json(request: Request, db: DbSession, now: Now) -> JSONResponse:
    return _json(registry_document(db, trust_config(request), now))
