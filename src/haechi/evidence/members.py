"""Reading a bundle's ZIP members without trusting the ZIP.

A ZIP can say anything about itself: two members with one name (tools disagree on which one
counts), names that climb out of the folder they are unpacked in (``../x``), members that are
not part of the evidence at all, and a 2 MB file that inflates to gigabytes. The verifier reads
the archive through :func:`read_members`, which

- refuses duplicate names, unsafe names and members haechi never writes, each by name;
- refuses a member whose declared size is over its cap before reading a byte of it, and stops
  reading one whose actual size grows past the cap (so memory stays bounded);
- streams every member once, in chunks, hashing as it goes: the small ones are kept in memory,
  the WARC is copied to an anonymous temporary file that later checks read by byte range.

Only the stored (not deflated) WARC may be large, since its size is bounded by the bundle's
own size on disk; every deflated member is held to the small cap.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from haechi.evidence import bundle as layout

_CHUNK = 1024 * 1024

DUPLICATE_MEMBER = "duplicate-member"
UNSAFE_MEMBER_NAME = "unsafe-member-name"
UNEXPECTED_MEMBER = "unexpected-member"
MEMBER_TOO_LARGE = "member-too-large"
MISSING_MEMBER = "missing-member"


@dataclass(frozen=True)
class VerifyLimits:
    """Caps on what verification reads: sizes are of uncompressed bytes."""

    max_member_bytes: int = 64 * 1024 * 1024  # each member but a stored WARC
    max_warc_bytes: int = 64 * 1024 * 1024 * 1024  # the stored WARC (bounded by the file too)
    max_members: int = 1000  # entries in the ZIP's directory


@dataclass(frozen=True)
class MemberProblem:
    """One thing wrong with the archive's members: ``problem`` is a stable short name."""

    problem: str
    member: str
    detail: str


@dataclass
class Members:
    """The members as read: small ones in memory, the WARC in a temporary file.

    ``digests`` holds the SHA-256 (hex) and size of every member read, the WARC included.
    Close it (or use it as a context manager) to drop the WARC copy.
    """

    files: dict[str, bytes]
    digests: dict[str, tuple[str, int]]
    warc: IO[bytes]
    warc_size: int
    problems: list[MemberProblem] = field(default_factory=list)

    def __enter__(self) -> Members:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the WARC copy."""
        self.warc.close()

    def warc_range(self, start: int, length: int) -> Iterator[bytes]:
        """The WARC's bytes ``[start, start + length)`` in chunks (fewer if it ends first)."""
        self.warc.seek(start)
        left = length
        while left > 0:
            chunk = self.warc.read(min(_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


class ZipUnreadable(Exception):
    """The archive itself cannot be read (not a ZIP, damaged, encrypted)."""


def unsafe_name(name: str) -> str | None:
    """Why a member name could write outside the folder it is unpacked in, or ``None``."""
    if not name or "\x00" in name:
        return "an empty name or one with a NUL byte"
    if "\\" in name:
        return "a backslash, which some tools read as a folder separator"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if any(part in ("..", ".") for part in name.split("/")):
        return "a '..' or '.' path component"
    return None


def _cap(info: zipfile.ZipInfo, limits: VerifyLimits) -> int:
    if info.filename == layout.WARC_PATH and info.compress_type == zipfile.ZIP_STORED:
        return limits.max_warc_bytes
    return limits.max_member_bytes


def _screen(
    infos: list[zipfile.ZipInfo], limits: VerifyLimits
) -> tuple[dict[str, zipfile.ZipInfo], list[MemberProblem]]:
    """The members worth reading, by name, and the problems of the others."""
    problems: list[MemberProblem] = []
    counts: dict[str, int] = {}
    for info in infos:
        counts[info.filename] = counts.get(info.filename, 0) + 1
    wanted: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        if counts[name] > 1:
            if not any(p.member == name for p in problems):  # once per name
                problems.append(
                    MemberProblem(
                        DUPLICATE_MEMBER,
                        name,
                        f"{counts[name]} members are named {name}: tools disagree on which "
                        "one counts, so none is trusted",
                    )
                )
            continue
        why = unsafe_name(name)
        if why is not None:
            problems.append(MemberProblem(UNSAFE_MEMBER_NAME, name, f"the name has {why}"))
            continue
        if name not in layout.MEMBERS:
            problems.append(
                MemberProblem(
                    UNEXPECTED_MEMBER,
                    name,
                    "haechi never writes this member and no signature covers it",
                )
            )
            continue
        cap = _cap(info, limits)
        if info.file_size > cap:
            problems.append(
                MemberProblem(
                    MEMBER_TOO_LARGE,
                    name,
                    f"declares {info.file_size} bytes uncompressed; the cap is {cap}",
                )
            )
            continue
        wanted[name] = info
    return wanted, problems


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, sink: IO[bytes]) -> str:
    """Copy one member into ``sink`` and return its SHA-256; stop as soon as it passes ``cap``."""
    digest = hashlib.sha256()
    size = 0
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise _TooLarge(size)
            digest.update(chunk)
            sink.write(chunk)
    return digest.hexdigest()


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def read_members(path: Path, limits: VerifyLimits | None = None) -> Members:
    """Read the bundle at ``path`` member by member under ``limits``.

    Problems with members are in :attr:`Members.problems`; :class:`ZipUnreadable` is raised
    only when the archive as a whole cannot be read.
    """
    caps = limits if limits is not None else VerifyLimits()
    warc: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  # closed by Members.close
    try:
        return _read(path, caps, warc)
    except BaseException:
        warc.close()
        raise


def _read(path: Path, limits: VerifyLimits, warc: IO[bytes]) -> Members:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_members:
                raise ZipUnreadable(f"{len(infos)} members; the cap is {limits.max_members}")
            wanted, problems = _screen(infos, limits)
            files: dict[str, bytes] = {}
            digests: dict[str, tuple[str, int]] = {}
            warc_size = 0
            for name, info in wanted.items():
                cap = _cap(info, limits)
                sink: IO[bytes] = warc if name == layout.WARC_PATH else io.BytesIO()
                try:
                    sha = _stream(archive, info, cap, sink)
                except _TooLarge as big:
                    problems.append(
                        MemberProblem(
                            MEMBER_TOO_LARGE,
                            name,
                            f"inflates past {cap} bytes (read {big.size}); declared "
                            f"{info.file_size}",
                        )
                    )
                    continue
                size = sink.tell()
                digests[name] = (sha, size)
                if isinstance(sink, io.BytesIO):
                    files[name] = sink.getvalue()
                else:
                    warc_size = size
    except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error) as exc:
        raise ZipUnreadable(f"{type(exc).__name__}: {exc}") from exc
    except (ValueError, NotImplementedError, RuntimeError) as exc:
        # Unsupported compression, an encrypted member, a lying header: all unreadable.
        raise ZipUnreadable(f"{type(exc).__name__}: {exc}") from exc
    for name in sorted(layout.REQUIRED_MEMBERS - set(digests)):
        if not any(p.member == name for p in problems):
            problems.append(MemberProblem(MISSING_MEMBER, name, "the bundle has no such member"))
    return Members(files, digests, warc, warc_size, problems)
