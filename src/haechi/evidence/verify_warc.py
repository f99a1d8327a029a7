"""The WARC-side checks of verification: only sealed bytes count, and everything points at them.

A capture's WARC bytes are *sealed* when their SHA-256 is the one its ``captured`` log entry
names (and the log is proven against a signed checkpoint). Verification then insists that

- the sealed parts cover ``archive/data.warc.gz`` exactly: a record appended, prepended or
  slipped between captures is ``unsealed-warc-bytes``, even when the forger recomputed the
  index and the datapackage to fit;
- every line of ``indexes/index.cdx`` points at a record inside a sealed part
  (``index-outside-sealed``), and the index is exactly the one the sealed parts give;
- every page of ``pages/pages.jsonl`` is a capture whose sealed manifest names it
  (``pages-outside-sealed``).

WARC parts are read from the verifier's temporary copy through a bounded window, never whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
from warcio.exceptions import ArchiveLoadFailed  # type: ignore[import-untyped]

from haechi.evidence import bundle as layout
from haechi.evidence.members import Members

UNSEALED_WARC_BYTES = "unsealed-warc-bytes"
INDEX_OUTSIDE_SEALED = "index-outside-sealed"
PAGES_OUTSIDE_SEALED = "pages-outside-sealed"

_CHUNK = 1024 * 1024
_WARC_ERRORS = (ArchiveLoadFailed, OSError, EOFError, ValueError)

Add = Callable[..., bool]
"""``add(name, ok, detail, required=True, problem=None)``: records one check."""


@dataclass(frozen=True)
class SealedPart:
    """A capture's WARC bytes whose SHA-256 the log names: ``[start, start + length)``."""

    capture_id: str
    start: int
    length: int


class Window:
    """A read-only view of ``length`` bytes of ``source`` from ``start`` (for ``warcio``)."""

    def __init__(self, source: IO[bytes], start: int, length: int) -> None:
        self._source = source
        self._position = start
        self._left = length

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left if negative)."""
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        if wanted <= 0:
            return b""
        self._source.seek(self._position)
        data = self._source.read(wanted)
        self._position += len(data)
        self._left -= len(data)
        return data


def part_sha256(members: Members, start: int, length: int) -> tuple[str, int]:
    """SHA-256 of the WARC's bytes ``[start, start + length)`` and how many there were."""
    digest = hashlib.sha256()
    size = 0
    for chunk in members.warc_range(start, length):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def record_digests(
    members: Members, start: int, length: int
) -> tuple[bool, str, list[dict[str, Any]]]:
    """Check every record's digests in a part; also return each record's type, URI, payload hash."""
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    try:
        iterator = ArchiveIterator(Window(members.warc, start, length), check_digests=True)
        for record in iterator:
            payload = hashlib.sha256()
            stream = record.content_stream()
            while chunk := stream.read(_CHUNK):
                payload.update(chunk)
            offset = iterator.get_record_offset()
            passed = record.digest_checker.passed
            kind = record.rec_type
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if passed is False:
                problems.append(f"{kind} {uri} at byte {offset}: digest mismatch")
            elif passed is None and kind != "warcinfo":
                problems.append(f"{kind} {uri} at byte {offset}: no digest to check")
            records.append({"type": kind, "uri": uri, "payload_sha256": payload.hexdigest()})
    except _WARC_ERRORS as exc:
        return False, f"the WARC cannot be read: {exc}", records
    if problems:
        return False, "; ".join(problems), records
    return True, f"{len(records)} records, all digests match", records


def check_coverage(members: Members, sealed: Sequence[SealedPart], add: Add) -> None:
    """The sealed parts must tile the whole WARC: no byte outside them, none claimed twice."""
    gaps: list[str] = []
    overlaps: list[str] = []
    position = 0
    for part in sorted(sealed, key=lambda p: (p.start, p.length)):
        if part.start > position:
            gaps.append(f"bytes {position}-{part.start - 1}")
        elif part.start < position:
            overlaps.append(f"capture {part.capture_id} starts inside another at byte {part.start}")
        position = max(position, part.start + part.length)
    if members.warc_size > position:
        gaps.append(f"bytes {position}-{members.warc_size - 1}")
    if gaps:
        add(
            "warc:sealed-coverage",
            False,
            f"{', '.join(gaps)} of {layout.WARC_PATH} belong to no sealed capture: "
            "records there are not evidence",
            problem=UNSEALED_WARC_BYTES,
        )
    else:
        add(
            "warc:sealed-coverage",
            not overlaps,
            "; ".join(overlaps)
            if overlaps
            else f"all {members.warc_size} bytes belong to the {len(sealed)} sealed captures",
        )


def _sealed_index(members: Members, sealed: Sequence[SealedPart]) -> list[str]:
    lines: list[str] = []
    for part in sealed:
        window = Window(members.warc, part.start, part.length)
        lines.extend(layout.cdxj_lines(window, base=part.start))
    return sorted(lines)


def _position(line: str) -> tuple[str, int, int] | None:
    """(filename, offset, length) an index line points at; ``None`` if it is no CDXJ line."""
    try:
        fields = json.loads(line.split(" ", 2)[2])
        return str(fields["filename"]), int(fields["offset"]), int(fields["length"])
    except (IndexError, ValueError, KeyError, TypeError, RecursionError):
        return None


def check_index(members: Members, sealed: Sequence[SealedPart], add: Add) -> None:
    """Every index line must point at a sealed record, and the index must be the sealed one."""
    try:
        expected = _sealed_index(members, sealed)
    except _WARC_ERRORS as exc:
        add("wacz:index", False, f"the sealed WARC records cannot be indexed: {exc}")
        return
    if layout.INDEX_PATH not in members.files:
        add("wacz:index", False, f"{layout.INDEX_PATH} is missing")
        return
    present = members.files[layout.INDEX_PATH].decode("utf-8", "replace").splitlines()
    targets = {_position(line) for line in expected}
    outside = [line[:200] for line in present if _position(line) not in targets]
    add(
        "wacz:index-sealed",
        not outside,
        f"{len(outside)} index lines point outside the sealed records, e.g. {outside[0]}"
        if outside
        else "every index line points at a record of a sealed capture",
        problem=INDEX_OUTSIDE_SEALED,
    )
    same = present == expected
    add(
        "wacz:index",
        same,
        f"{len(expected)} index lines, as recomputed from the sealed records"
        if same
        else f"{layout.INDEX_PATH} is not the index of the sealed records",
    )


def check_pages(
    members: Members,
    expected: Sequence[tuple[str, str, str]],
    sealed: Sequence[tuple[str, str, str]],
    add: Add,
) -> None:
    """Every page must be a sealed capture's, and the list must be the manifests' exactly."""
    data = members.files.get(layout.PAGES_PATH)
    if data is None:
        add("wacz:pages", False, f"{layout.PAGES_PATH} is missing")
        return
    allowed = {(cid, url, ts) for cid, url, ts in sealed}
    outside: list[str] = []
    for number, line in enumerate(data.splitlines()):
        if number == 0 or not line.strip():
            continue
        try:
            page = json.loads(line)
            key = (str(page["id"]), str(page["url"]), str(page["ts"]))
        except (ValueError, KeyError, TypeError, RecursionError):
            key = None
        if key not in allowed:
            outside.append(f"line {number + 1}")
    add(
        "wacz:pages-sealed",
        not outside,
        f"{', '.join(outside[:10])} of {layout.PAGES_PATH} name no sealed capture's page"
        if outside
        else "every page is the page of a sealed capture",
        problem=PAGES_OUTSIDE_SEALED,
    )
    same = data == layout.pages_jsonl(expected)
    add(
        "wacz:pages",
        same,
        f"{len(expected)} pages, as the manifests describe them"
        if same
        else f"{layout.PAGES_PATH} does not list the live captures as their manifests do",
    )
