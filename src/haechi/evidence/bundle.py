"""Export captures as one WACZ 1.1.1 file that web-archive tools open and anyone can verify.

Police and courts need a single file they can open in standard tools (ReplayWeb.page, the
``wacz`` and ``warcio`` packages) and check without trusting haechi. A WACZ is a ZIP of a WARC,
a CDXJ index, a page list and a ``datapackage.json`` with every file's SHA-256. haechi adds,
inside the same ZIP and listed in the same datapackage:

- ``haechi/bundle.json`` (``haechi-bundle/v1``): which captures, where each one's WARC lies
  in ``archive/data.warc.gz`` (offset, length, SHA-256), and which were destroyed;
- ``haechi/manifests.jsonl``: each capture's manifest, byte for byte as stored and logged;
- ``haechi/log-entries.jsonl``: every log entry about these captures, ending with the
  ``exported`` entry that commits to exactly that list (so an entry removed from or moved
  within the bundle is caught), and nothing about any other capture;
- ``haechi/proofs.json``: an RFC 9162 inclusion proof of each entry against the checkpoint;
- ``haechi/checkpoint.json``: the checkpoint signed with the organisation's key after the
  export was logged, with its RFC 3161 token if one was configured;
- ``haechi/public-key.pem``: the organisation's public key (to compare with the published one).

Destroyed captures keep their log entries and manifest; their WARC is simply not there.

Bundles leave haechi, so they carry no bank names (which often hold a victim's name): a
capture names its bank only by the opaque ``bank_entry`` id. A capture sealed by an older
version with a bank name cannot be changed without breaking its seal; the export says so in
:attr:`BundleSummary.warnings`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from haechi import __version__
from haechi.evidence import merkle
from haechi.evidence.errors import BundleError, SigningKeyError
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.log import EntryKind, LogEntry, proof_json
from haechi.evidence.model import Capture
from haechi.evidence.signing import Checkpoint
from haechi.evidence.wacz_auth import anonymous_key, signed_data

WACZ_VERSION = "1.1.1"
BUNDLE_FORMAT = "haechi-bundle/v1"
WARC_PATH = "archive/data.warc.gz"
INDEX_PATH = "indexes/index.cdx"
PAGES_PATH = "pages/pages.jsonl"
BUNDLE_PATH = "haechi/bundle.json"
MANIFESTS_PATH = "haechi/manifests.jsonl"
ENTRIES_PATH = "haechi/log-entries.jsonl"
PROOFS_PATH = "haechi/proofs.json"
CHECKPOINT_PATH = "haechi/checkpoint.json"
PUBLIC_KEY_PATH = "haechi/public-key.pem"
DATAPACKAGE_PATH = "datapackage.json"
DIGEST_PATH = "datapackage-digest.json"
MEMBERS = frozenset(
    {
        WARC_PATH,
        INDEX_PATH,
        PAGES_PATH,
        BUNDLE_PATH,
        MANIFESTS_PATH,
        ENTRIES_PATH,
        PROOFS_PATH,
        CHECKPOINT_PATH,
        PUBLIC_KEY_PATH,
        DATAPACKAGE_PATH,
        DIGEST_PATH,
    }
)
"""Every member a bundle has; verify refuses any other (nothing else is covered by a signature)."""
REQUIRED_MEMBERS = MEMBERS - {INDEX_PATH, PAGES_PATH, DIGEST_PATH}
"""Members without which nothing can be checked (the others are checked and fail if absent)."""


@dataclass(frozen=True)
class BundleSummary:
    """What was written: where, which captures (live and destroyed), and the checkpoint."""

    path: Path
    export_id: str
    live: tuple[str, ...]
    destroyed: tuple[str, ...]
    checkpoint: Checkpoint
    sha256: str
    warnings: tuple[str, ...] = ()


def named_banks(records: Sequence[Capture]) -> tuple[str, ...]:
    """Ids of captures whose sealed context names a bank (sealed before names were left out).

    Such a manifest cannot be changed without breaking its seal, so the exporter is told
    instead: the bundle would carry the bank's name.
    """
    return tuple(r.id for r in records if "bank" in r.context)


def surt(url: str) -> str:
    """The SURT sort key that CDXJ indexes use (``com,example)/path?q``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.lower()
    host = host.removeprefix("www.")
    key = ",".join(reversed(host.split(".")))
    if parts.port and parts.port != (443 if parts.scheme == "https" else 80):
        key += f":{parts.port}"
    path = (parts.path or "/").lower()
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return f"{key}){path}" + (f"?{query.lower()}" if query else "")


def _timestamp14(warc_date: str) -> str:
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


class Readable(Protocol):
    """Anything with ``read(size)``: a file, or a window on part of one."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes."""
        ...


def cdxj_lines(warc: bytes | Readable, filename: str = "data.warc.gz", base: int = 0) -> list[str]:
    """A sorted CDXJ index of the response and resource records of ``warc``.

    ``warc`` may be a stream holding one part of a larger WARC that starts at byte ``base``
    of it: offsets are then of the larger file (the verifier indexes sealed parts one by one).
    """
    lines = []
    iterator = ArchiveIterator(io.BytesIO(warc) if isinstance(warc, bytes) else warc)
    for record in iterator:
        kind = record.rec_type
        uri = record.rec_headers.get_header("WARC-Target-URI")
        date = record.rec_headers.get_header("WARC-Date") or ""
        digest = record.rec_headers.get_header(
            "WARC-Payload-Digest"
        ) or record.rec_headers.get_header("WARC-Block-Digest")
        if kind == "response" and record.http_headers is not None:
            mime = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip()
            status = record.http_headers.get_statuscode()
        else:
            mime = record.rec_headers.get_header("Content-Type") or ""
            status = "200"
        iterator.read_to_end(record)
        offset, length = iterator.member_info
        if kind not in ("response", "resource") or not uri:
            continue
        fields = {
            "url": uri,
            "mime": mime or "unk",
            "status": str(status),
            "digest": digest,
            "length": str(length),
            "offset": str(base + offset),
            "filename": filename,
        }
        lines.append(f"{surt(uri)} {_timestamp14(date)} {json.dumps(fields, sort_keys=True)}")
    return sorted(lines)


def pages_jsonl(pages: Sequence[tuple[str, str, str]]) -> bytes:
    """``pages/pages.jsonl`` for (capture id, page URL, start time) of each live capture."""
    lines: list[dict[str, str]] = [
        {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    ]
    for capture_id, url, started in pages:
        lines.append(
            {"id": capture_id, "url": url, "ts": started, "title": f"haechi capture {capture_id}"}
        )
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def page_of(manifest: dict[str, Any]) -> tuple[str, str, str]:
    """The pages.jsonl facts of a capture, from its manifest (what the verifier recomputes)."""
    page = manifest.get("page") or {}
    return (
        str(manifest["id"]),
        str(page.get("final_url") or manifest["url"]),
        str(manifest["started"]),
    )


def _log_export(
    locker: EvidenceLocker, records: Sequence[Capture], export_id: str
) -> list[LogEntry]:
    """Log the export and return every entry the bundle carries, the commitment last."""
    for record in records:
        locker.log.append(EntryKind.EXPORTED, record.id, (), {"bundle": export_id})
    ids = {r.id for r in records}
    carried = [e for e in locker.log.entries if e.subject in ids]
    commitment = locker.log.append(
        EntryKind.EXPORTED,
        export_id,
        (),
        {
            "format": BUNDLE_FORMAT,
            "captures": [r.id for r in records],
            "entries": [[e.seq, e.hash] for e in carried],
        },
    )
    return [*carried, commitment]


def export_bundle(
    locker: EvidenceLocker, capture_ids: Sequence[str], out: Path, title: str | None = None
) -> BundleSummary:
    """Write a WACZ of ``capture_ids`` to ``out`` (atomically) and log the export.

    Raises :class:`~haechi.evidence.errors.UnknownCapture` for an id the log does not know,
    :class:`SigningKeyError` without a key, and the store's errors if content is damaged.
    """
    if locker.key is None:
        raise SigningKeyError(
            "exporting needs the organisation's signing key; create it with "
            "`haechi evidence keygen` or configure its key file"
        )
    if not capture_ids:
        raise BundleError("name at least one capture to export")
    records = [locker.get(i) for i in dict.fromkeys(capture_ids)]
    live = [r for r in records if not r.destroyed]
    export_id = f"exp-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(6)}"

    warc_parts: list[bytes] = []
    placed: list[dict[str, Any]] = []
    offset = 0
    for record in records:
        entry: dict[str, Any] = {
            "id": record.id,
            "status": "destroyed" if record.destroyed else "live",
            "manifest_sha256": record.manifest_sha256,
            "warc_sha256": record.warc_sha256,
            "screenshot_sha256": record.screenshot_sha256,
        }
        if not record.destroyed:
            warc = locker.store.get(record.warc_sha256)
            entry.update(warc_offset=offset, warc_length=len(warc))
            warc_parts.append(warc)
            offset += len(warc)
        placed.append(entry)
    manifests = b"".join(locker.store.get(r.manifest_sha256) + b"\n" for r in records)

    entries = _log_export(locker, records, export_id)
    checkpoint = locker.checkpoint()
    leaves = locker.log.leaf_hashes(checkpoint.tree_size)
    proofs = {
        "format": "haechi-proofs/v1",
        "hashing": "RFC 9162 SHA-256: leaf = H(0x00 || line), node = H(0x01 || left || right)",
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "proofs": [
            {
                "seq": e.seq,
                "leaf_hash": merkle.leaf_hash(e.line).hex(),
                "path": proof_json(merkle.inclusion_proof(e.seq, leaves, checkpoint.tree_size)),
            }
            for e in entries
        ],
    }
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    warc_bytes = b"".join(warc_parts)
    files: dict[str, bytes] = {
        WARC_PATH: warc_bytes,
        INDEX_PATH: "".join(line + "\n" for line in cdxj_lines(warc_bytes)).encode(),
        PAGES_PATH: pages_jsonl(
            [page_of(json.loads(locker.store.get(r.manifest_sha256))) for r in live]
        ),
        BUNDLE_PATH: json.dumps(
            {
                "format": BUNDLE_FORMAT,
                "export_id": export_id,
                "created": created,
                "origin": locker.origin,
                "software": f"haechi {__version__}",
                "captures": placed,
            },
            indent=2,
        ).encode(),
        MANIFESTS_PATH: manifests,
        ENTRIES_PATH: b"".join(e.line + b"\n" for e in entries),
        PROOFS_PATH: json.dumps(proofs, indent=2).encode(),
        CHECKPOINT_PATH: json.dumps(checkpoint.to_json(), indent=2).encode(),
        PUBLIC_KEY_PATH: locker.key.public_pem,
    }
    datapackage = {
        "profile": "data-package",
        "resources": [
            {
                "name": os.path.basename(path).lower(),
                "path": path,
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            for path, data in files.items()
        ],
        "title": title or f"haechi evidence export {export_id}",
        "created": created,
        "wacz_version": WACZ_VERSION,
        "software": f"haechi {__version__}",
    }
    if live:
        datapackage["mainPageURL"] = live[0].final_url or live[0].url
        datapackage["mainPageDate"] = live[0].started
    package_bytes = json.dumps(datapackage, indent=2).encode()
    package_hash = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
    digest = {
        "path": "datapackage.json",
        "hash": package_hash,
        "signedData": signed_data(
            package_hash, created, f"haechi {__version__}", anonymous_key(locker.key)
        ),
    }
    files["datapackage.json"] = package_bytes
    files["datapackage-digest.json"] = json.dumps(digest, indent=2).encode()
    sha = _write_zip(out, files)
    return BundleSummary(
        path=out,
        export_id=export_id,
        live=tuple(r.id for r in live),
        destroyed=tuple(r.id for r in records if r.destroyed),
        checkpoint=checkpoint,
        sha256=sha,
        warnings=tuple(
            f"capture {cid} was sealed naming its bank; the bundle carries that name"
            for cid in named_banks(records)
        ),
    )


def _write_zip(out: Path, files: dict[str, bytes]) -> str:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=".wacz")
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w") as archive:
                for path, data in files.items():
                    # WACZ wants the WARC stored, not deflated, so replay can seek into it.
                    method = (
                        zipfile.ZIP_STORED if path.startswith("archive/") else zipfile.ZIP_DEFLATED
                    )
                    archive.writestr(zipfile.ZipInfo(path, _zip_time()), data, compress_type=method)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return hashlib.sha256(out.read_bytes()).hexdigest()


def _zip_time() -> tuple[int, int, int, int, int, int]:
    now = datetime.now(UTC)
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)
