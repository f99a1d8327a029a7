"""The upload forms a page and its JSON twin both take (registering photos, a scan of pasted
links or an uploaded list): which fields they read, how long each may be and the service
they call, in one place so the two cannot drift. Each raises the service's ``HaechiError``;
the page and the API answer it their own way."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session

from haechi.jobs.model import Job
from haechi.members.model import Actor
from haechi.review.register import Registration, Upload, register_uploads
from haechi.review.sources import request_upload_scan
from haechi.web.uploads import Uploaded


def register_from_form(
    request: Request, db: Session, actor: Actor, bank: str, form: Uploaded, now: datetime
) -> list[Registration]:
    """Register the form's files in ``bank`` (``label``, ``case``, ``consent=yes``)."""
    return register_uploads(
        db,
        request.app.state.settings,
        actor,
        bank,
        [Upload(name, data) for name, data in form.files],
        label=form.get("label")[:200],
        case_ref=form.get("case")[:40] or None,
        consent=form.get("consent") == "yes",
        now=now,
    )


def scan_from_form(
    request: Request, db: Session, actor: Actor, form: Uploaded, now: datetime
) -> Job:
    """Queue a scan of the form's pasted ``urls`` or its one uploaded file."""
    name, data = form.files[0] if form.files else ("", b"")
    return request_upload_scan(
        db,
        actor,
        request.app.state.settings.home,
        urls=form.get("urls")[:2_000_000],
        file_name=name,
        data=data,
        allow_hosts=form.get("allow_hosts")[:2000],
        now=now,
    )
