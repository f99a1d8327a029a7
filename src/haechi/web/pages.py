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

from haechi.web.i18n import translator

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
    """The page ``name`` in the request's language, with who is signed in and her CSRF token."""
    locale = getattr(request.state, "locale", "ko")
    me = getattr(request.state, "web_session", None)
    values: dict[str, Any] = {
        "_": translator(locale),
        "locale": locale,
        "me": me if me is not None and me.stage == "full" else None,
        "csrf": me.csrf_token if me is not None else "",
        "error": None,
    }
    values.update(context or {})
    return templates.TemplateResponse(request, name, values, status_code=status)
