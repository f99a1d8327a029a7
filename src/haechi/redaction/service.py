"""Redacting a document for a case: the one service the CLI (``haechi redact``) calls."""

from __future__ import annotations

from pathlib import Path

from haechi.errors import HaechiError
from haechi.redaction.cases import case_terms
from haechi.redaction.document import DocumentKind, redact_document
from haechi.redaction.text import Redacted
from haechi.store.cases import CaseStore
from haechi.store.database import Database

MAX_FILE = 20 * 1024 * 1024


class RedactionError(HaechiError):
    """A document that cannot be read for redaction."""

    exit_code = 2


def read_document(path: Path) -> bytes:
    """A file's bytes, or a clear error (missing, a folder, too large)."""
    try:
        if path.stat().st_size > MAX_FILE:
            raise RedactionError(f"{path} is larger than {MAX_FILE // (1024 * 1024)} MB")
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise RedactionError(f"cannot read {path}: {exc.strerror or exc}") from None


def redact_for_case(
    db: Database,
    ref: str,
    content: bytes | str,
    kind: DocumentKind = "auto",
    marker: str | None = None,
) -> Redacted:
    """``content`` as it would leave the team for case ``ref`` (its data, then patterns)."""
    with db.session() as session:
        case = CaseStore(session).get(ref)  # a clear error for an unknown case
        terms = case_terms(session, [case.ref])
    return redact_document(content, terms, kind=kind, marker=marker)
