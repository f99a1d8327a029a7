"""What the platform pages and API share: a submitted form or JSON body as the fields of a
directory-file entry, for :mod:`haechi.notices.directory` to check like an imported one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import Request

from haechi.notices.directory import is_overseas
from haechi.notices.platforms import Platform

_SPLIT = re.compile(r"[\s,]+")


def split_list(text: str, lines_only: bool = False) -> list[str]:
    """Domains (by commas, spaces or lines) or removed-page texts (by lines) typed in a box."""
    parts = text.splitlines() if lines_only else _SPLIT.split(text)
    return [p.strip() for p in parts if p.strip()]


def form_fields(form: Mapping[str, str], editing: bool) -> dict[str, Any]:
    """A page's add or edit form as entry fields. Empty boxes are left out when adding; when
    editing every box is the entry's new value (an empty deadline: the default)."""
    deadline = form.get("deadline_hours", "").strip()
    fields: dict[str, Any] = {
        "title": form.get("title", "").strip(),
        "domains": split_list(form.get("domains", "")),
        "email": form.get("email", "").strip() or None,
        "web_form": form.get("web_form", "").strip() or None,
        "language": form.get("language", "").strip(),
        "kind": form.get("kind", "").strip(),
        "country": form.get("country", "").strip(),
        "legal_basis": form.get("legal_basis", "").strip(),
        "deadline_hours": int(deadline) if deadline.isdigit() else (deadline or None),
        "removed_markers": split_list(form.get("removed_markers", ""), lines_only=True),
        "notes": form.get("notes", "").strip(),
        "answers": form.get("answers") == "on",
    }
    if editing:
        fields["placeholder"] = form.get("placeholder") == "on"
        return fields
    fields["name"] = form.get("name", "").strip()
    return {k: v for k, v in fields.items() if v not in ("", None, [])}


def platform_json(request: Request, platform: Platform) -> dict[str, Any]:
    """An entry as the API shows it: the file form plus its channel and whether it is abroad."""
    return {
        **platform.as_json(),
        "channel": "email" if platform.email else "web_form",
        "overseas": is_overseas(platform, request.app.state.settings.notice_country),
    }
