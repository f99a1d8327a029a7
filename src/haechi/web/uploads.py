"""Uploads held in memory: pictures of victims and chat exports never touch the server's disk
on their way in.

Starlette spools an uploaded file to a temporary file past 1 MB; raising its spool size to
the largest body the server accepts keeps every part in memory, and :func:`upload_cap`
refuses (413) a body larger than that before anything reads it. A route that takes files
names ``UploadCap`` before its ``require(...)``, whose CSRF check reads the form first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from starlette.formparsers import MultiPartParser

MAX_UPLOAD_BYTES = 256 * 1024 * 1024
MultiPartParser.spool_max_size = MAX_UPLOAD_BYTES + 1


def upload_cap(request: Request) -> None:
    """Refuse a body that says nothing of its size, or is larger than the cap."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise HTTPException(411, "say the upload's length (Content-Length)")
    if int(length) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"uploads are at most {MAX_UPLOAD_BYTES // 2**20} MB at a time")


UploadCap = Annotated[None, Depends(upload_cap)]


@dataclass(frozen=True)
class Uploaded:
    """A form with files, read whole into memory."""

    fields: dict[str, str]
    lists: dict[str, list[str]]
    files: list[tuple[str, bytes]]

    def get(self, name: str, default: str = "") -> str:
        """One text field."""
        return self.fields.get(name, default)


async def read_form(request: Request, file_field: str = "files") -> Uploaded:
    """The request's form (already parsed by the CSRF check, in memory) with its files.

    Routes that take files read their form here and declare no ``Form``/``File`` parameters:
    FastAPI would parse those before any dependency, before the size cap.
    """
    form = await request.form(max_files=100, max_fields=1000)
    fields: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    files: list[tuple[str, bytes]] = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, value)
            lists.setdefault(key, []).append(value)
        elif key == file_field:
            data = await value.read()
            if data:
                files.append((value.filename or "", data))
    await form.close()  # the files' buffers, now copied
    return Uploaded(fields, lists, files)


def files_in(file_field: str) -> Any:
    """A dependency giving the form with the files of ``file_field`` (see :func:`read_form`).

    As with :data:`haechi.web.deps.FormFields`, the form is read on the event loop and the route
    stays a plain ``def``; name it after ``UploadCap`` and ``require(...)``.
    """

    async def dependency(request: Request) -> Uploaded:
        return await read_form(request, file_field)

    return Depends(dependency)


Files = Annotated[Uploaded, files_in("files")]
OneFile = Annotated[Uploaded, files_in("file")]
