"""Rendering pages: one Jinja2 environment that escapes everything, with the page's language.

Autoescaping is on for every template whatever its name: a member's chosen name, a user agent
or anything else a person typed is text on the page, never markup.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.templating import Jinja2Templates

from haechi.web.i18n import clock_text, translator
from haechi.web.permissions import allowed

TEMPLATES = resources.files("haechi.web") / "templates"

_environment = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_environment)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The page ``name`` in the request's language, with who is signed in and her CSRF token.

    ``when(moment)`` shows a time in the member's zone; ``can(action)`` says whether she may
    do an action (to show only the links and forms she may use); ``demo`` marks a demo server.
    """
    locale = getattr(request.state, "locale", "ko")
    me = getattr(request.state, "web_session", None)
    signed_in = me if me is not None and me.stage == "full" else None
    preferences = getattr(request.state, "preferences", None)
    values: dict[str, Any] = {
        "_": translator(locale),
        "locale": locale,
        "me": signed_in,
        "csrf": me.csrf_token if me is not None else "",
        "error": None,
        "when": clock_text(preferences.time_zone if preferences else None),
        "can": lambda action: signed_in is not None and allowed(action, signed_in.role),
        "demo": bool(getattr(request.app.state, "demo", False)),
    }
    values.update(context or {})
    return templates.TemplateResponse(request, name, values, status_code=status)
