"""A bundle for a platform or any outsider: the sealed evidence untouched, and beside it
what a person reads, redacted.

The folder holds ``evidence.wacz`` exactly as :func:`haechi.scan.evidence_export.export_evidence`
writes it (its WARC records keep the captured bytes, so every seal and signature still
holds: evidence is never altered), ``redacted/<capture>.html`` and ``redacted/<capture>.txt``
(each captured page with the case's data and the patterns taken out of its text, title,
captions and attributes), ``redaction.json`` and ``redaction.txt`` (the statement: kinds and
counts, never values) and ``SHA256SUMS``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from haechi.evidence import EvidenceConfig
from haechi.members.model import Actor
from haechi.redaction.cases import hit_terms
from haechi.redaction.html import decode_html, html_text, redact_markup
from haechi.redaction.statement import Statement
from haechi.redaction.text import Redactor
from haechi.scan.evidence_export import EvidenceExport, export_evidence
from haechi.store.database import Database


@dataclass(frozen=True)
class PlatformBundle:
    """The folder written, the evidence export inside it and the statement."""

    folder: Path
    export: EvidenceExport
    statement: Statement
    files: dict[str, str]


def captured_pages(warc: bytes) -> list[tuple[str, str]]:
    """(URL, HTML text) of each HTML response in a capture's WARC."""
    data = gzip.decompress(warc) if warc[:2] == b"\x1f\x8b" else warc
    pages = []
    for record in ArchiveIterator(io.BytesIO(data)):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        content_type = record.http_headers.get_header("Content-Type") or ""
        if "html" not in content_type.lower():
            continue
        charset = None
        if "charset=" in content_type.lower():
            charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip()
        body = record.content_stream().read()
        pages.append(
            (record.rec_headers.get_header("WARC-Target-URI") or "", decode_html(body, charset))
        )
    return pages


def make_platform_bundle(
    db: Database,
    config: EvidenceConfig,
    ids: Sequence[str],
    out_dir: Path,
    actor: Actor | None = None,
) -> PlatformBundle:
    """Write the bundle of ``ids`` (hit ids or capture ids) for an outsider under ``out_dir``.

    The pages are redacted with the terms of every case the hits (or the captures' hits)
    belong to, and the patterns.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    export = export_evidence(db, config, ids, out_dir / "evidence.wacz", actor)
    locker = config.locker()
    hit_ids = {int(i) for i in ids if i.isdigit()}
    for capture_id in export.capture_ids:
        hit = locker.get(capture_id).context.get("hit_id")
        if isinstance(hit, int):
            hit_ids.add(hit)
    with db.session() as session:
        redactor = Redactor(hit_terms(session, hit_ids))
    statement = Statement()
    shown = out_dir / "redacted"
    shown.mkdir(exist_ok=True)
    for capture_id in export.capture_ids:
        record = locker.get(capture_id)
        if record.destroyed:
            continue
        for n, (_url, page) in enumerate(captured_pages(locker.store.get(record.warc_sha256))):
            done = redact_markup(page, redactor)
            statement = statement + done.statement
            stem = capture_id if n == 0 else f"{capture_id}-{n}"
            (shown / f"{stem}.html").write_text(done.text, encoding="utf-8")
            (shown / f"{stem}.txt").write_text(html_text(done.text), encoding="utf-8")
    (out_dir / "redaction.json").write_text(
        json.dumps(statement.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out_dir / "redaction.txt").write_text(statement.as_text(), encoding="utf-8")
    files = {
        str(p.relative_to(out_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out_dir.rglob("*"))
        if p.is_file() and p.name != "SHA256SUMS"
    }
    (out_dir / "SHA256SUMS").write_text(
        "".join(f"{digest}  {name}\n" for name, digest in files.items()), encoding="utf-8"
    )
    return PlatformBundle(out_dir, export, statement, files)
