"""Scans of what a member uploads (a URL list, a chat export).

A scan asked for from the web never names a path on the server. An uploaded list or export
is written by the server into a folder of its own under ``<home>/uploads`` (0700, files
0600) for the worker process to read, and removed when the scan ends (see
:func:`haechi.jobs.kinds.run_scan`). A Telegram Desktop export arrives as a ZIP file, unpacked
with every name checked (no absolute paths, no ``..``) and under caps on members and bytes.
"""

from __future__ import annotations

import io
import re
import secrets
import shutil
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from haechi.jobs import store as job_store
from haechi.jobs.model import Job, JobError, JobKind
from haechi.jobs.service import check_target, parse_allow_hosts
from haechi.members.model import Actor

UPLOADS = "uploads"
MAX_ZIP_MEMBERS = 20_000
MAX_UNPACKED = 2 * 1024 * 1024 * 1024
LIST_SUFFIXES = (".txt", ".csv", ".json")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _folder(home: Path) -> Path:
    root = home / UPLOADS
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = root / secrets.token_hex(8)
    folder.mkdir(mode=0o700)
    return folder


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with path.open("xb") as handle:
        path.chmod(0o600)
        handle.write(data)


def _unzip(data: bytes, folder: Path) -> Path:
    """Unpack a ZIP into ``folder``; the export's root (the folder with result.json)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise JobError("the file is not a ZIP archive of an export") from None
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise JobError(f"the archive has more than {MAX_ZIP_MEMBERS} files")
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise JobError("the archive unpacks to more than 2 GB")
    root: Path | None = None
    for member in members:
        name = PurePosixPath(member.filename)
        if name.is_absolute() or ".." in name.parts or not name.parts:
            raise JobError(f"the archive holds an unsafe name: {member.filename!r}")
        if member.is_dir():
            continue
        target = folder.joinpath(*name.parts)
        _write(target, archive.read(member))
        if name.name == "result.json" and (root is None or len(name.parts) < len(root.parts)):
            root = target.parent
    if root is None:
        raise JobError("the archive holds no result.json: export the chat as JSON from Telegram")
    return root


def request_upload_scan(
    session: Session,
    actor: Actor,
    home: Path,
    *,
    urls: str = "",
    file_name: str = "",
    data: bytes = b"",
    allow_hosts: str | Sequence[str] = (),
    now: datetime,
) -> Job:
    """Queue a scan of pasted URLs, or of an uploaded URL list, chat log or chat export."""
    allow = list(parse_allow_hosts(allow_hosts))
    pasted = [line.strip() for line in urls.splitlines() if line.strip()]
    if bool(pasted) == bool(data):
        raise JobError("paste URLs or choose a file (one of the two)")
    for line in pasted:
        if not line.startswith("#"):
            check_target(line)
    folder = _folder(home)
    try:
        if pasted:
            target = folder / "urls.txt"
            _write(target, ("\n".join(pasted) + "\n").encode())
        elif file_name.lower().endswith(".zip"):
            target = _unzip(data, folder)
        elif file_name.lower().endswith(LIST_SUFFIXES):
            suffix = Path(file_name.lower()).suffix
            target = folder / f"upload{suffix}"
            _write(target, data)
        else:
            raise JobError(
                "upload a URL list or chat log (.txt, .csv, .json), a Discord export (.json) "
                "or a Telegram Desktop export as a .zip"
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    shown = _SAFE.sub("_", file_name)[:100] if data else "pasted URLs"
    args = {"target": str(target), "upload": str(folder), "name": shown, "allow_hosts": allow}
    return job_store.enqueue(
        session,
        JobKind.SCAN,
        args,
        now=now,
        requested_by=actor.member_id,
        requested_by_name=actor.name,
    )


def remove_upload(home: Path, folder: str) -> None:
    """Delete an upload's folder once its scan has ended (only ever under ``<home>/uploads``)."""
    path = Path(folder).resolve()
    root = (home / UPLOADS).resolve()
    if path.parent == root:
        shutil.rmtree(path, ignore_errors=True)
