"""Content-addressed storage of evidence bytes: a file is named by its SHA-256.

Naming by hash means the same bytes are stored once, a name can never point at other bytes
without the read noticing, and the log and the database can refer to evidence by a value that
a court can recompute. Files live at ``<root>/ab/cdef…`` (the first two hex digits as a folder).

Writes are atomic and durable: the bytes go to a temporary file in the target folder, the file
is fsynced, renamed over its final name with ``os.replace`` and the folder is fsynced, so after
a crash an object is either whole or absent, never half-written. Nothing is overwritten in place:
an object that exists already is left alone (and checked if asked to be).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

from haechi.evidence.errors import ArtifactCorrupted, ArtifactMissing, EvidenceError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data``, lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def check_digest(digest: str) -> str:
    """``digest`` if it is 64 lowercase hex digits; :class:`EvidenceError` otherwise."""
    if not _SHA256.match(digest):
        raise EvidenceError(f"{digest!r} is not a SHA-256 in lowercase hex")
    return digest


class EvidenceStore(ABC):
    """Where evidence bytes live, addressed by their SHA-256."""

    @abstractmethod
    def put(self, data: bytes) -> str:
        """Store ``data`` durably and return its SHA-256 (hex).

        Idempotent: storing the same bytes again stores nothing new and returns the same name.
        When this returns, the bytes survive a crash.
        """

    @abstractmethod
    def get(self, digest: str) -> bytes:
        """The bytes named ``digest``, checked against it.

        Raises :class:`ArtifactMissing` if there are none and :class:`ArtifactCorrupted` if the
        stored bytes no longer hash to ``digest``.
        """

    @abstractmethod
    def delete(self, digest: str) -> bool:
        """Remove the bytes named ``digest``; ``False`` if they were already gone."""

    @abstractmethod
    def __contains__(self, digest: object) -> bool:
        """Whether bytes named ``digest`` are stored (unchecked)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkstemp creates the file 0600: evidence is private to the account that keeps it.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


class FolderStore(EvidenceStore):
    """Objects as files under one folder (``<home>/evidence/objects`` by default)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        """Where the object named ``digest`` lives (whether or not it exists)."""
        check_digest(digest)
        return self.root / digest[:2] / digest[2:]

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.exists() and target.stat().st_size == len(data):
            return digest
        # A wrong-size file under this name is damage (e.g. a disk fault); replace it whole.
        write_atomic(target, data)
        return digest

    def get(self, digest: str) -> bytes:
        try:
            data = self.path(digest).read_bytes()
        except FileNotFoundError:
            raise ArtifactMissing(f"evidence object {digest} is not in the store") from None
        if sha256_hex(data) != digest:
            raise ArtifactCorrupted(
                f"evidence object {digest} is damaged: its bytes hash to {sha256_hex(data)}"
            )
        return data

    def delete(self, digest: str) -> bool:
        target = self.path(digest)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(target.parent)
        return True

    def __contains__(self, digest: object) -> bool:
        return (
            isinstance(digest, str) and bool(_SHA256.match(digest)) and self.path(digest).is_file()
        )

    def orphans(self) -> list[Path]:
        """Temporary files left by writes a crash interrupted (safe to delete)."""
        return sorted(self.root.glob("*/.tmp-*.part")) if self.root.is_dir() else []
