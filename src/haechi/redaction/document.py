"""One entry point for a document of either kind: plain text or HTML, told apart or named."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from haechi.redaction.html import decode_html, looks_like_html, redact_markup
from haechi.redaction.terms import Terms
from haechi.redaction.text import Redacted, Redactor

DocumentKind = Literal["text", "html", "auto"]


def redact_document(
    content: str | bytes,
    terms: Terms | None = None,
    *,
    kind: DocumentKind = "auto",
    patterns: bool = True,
    keep: Iterable[str] = (),
    marker: str | None = None,
    charset: str | None = None,
) -> Redacted:
    """A text or HTML document as it may leave the team, with its statement.

    ``kind="auto"`` treats content with tags as HTML; bytes are decoded with ``charset``, the
    page's own ``<meta>``, UTF-8 or CP949, in that order.
    """
    text = decode_html(content, charset) if isinstance(content, bytes) else content
    redactor = Redactor(terms or Terms(), patterns, tuple(keep), marker)
    if kind == "html" or (kind == "auto" and looks_like_html(text)):
        return redact_markup(text, redactor)
    return redactor.redact(text)
