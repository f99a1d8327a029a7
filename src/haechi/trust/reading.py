"""Finding the signed document in what a person has: its JSON, or the e-mail it came in.

A platform's abuse desk keeps the mail, not the attachment; a volunteer scans a card. So a
credential is read from JSON text (a byte-order mark allowed) or from a whole e-mail
(``.eml``), whose JSON attachment is the notice's credential. Sizes are capped before parsing.
"""

from __future__ import annotations

import json
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from haechi.trust.errors import TrustError

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


def is_bundle(data: bytes) -> bool:
    """Whether ``data`` is a ZIP (a WACZ bundle), which is checked as a bundle instead."""
    return data.startswith(ZIP_MAGIC)


def _json(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrustError(f"{what} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise TrustError(f"{what} is JSON but not a document (an object)")
    return value


def read_document(data: bytes) -> dict[str, Any]:
    """The signed document in ``data`` (JSON or an e-mail); :class:`TrustError` if none."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise TrustError("this is too large to be a signed document (2 MB at most)")
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return _json(text, "the document")
    head = text[:8192].lower()
    if b"content-type:" in head or b"mime-version:" in head:
        message = BytesParser(policy=policy.default).parsebytes(text)
        assert isinstance(message, EmailMessage)
        for part in message.iter_attachments():
            name = (part.get_filename() or "").lower()
            if part.get_content_type() == "application/json" or name.endswith(".json"):
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    return _json(payload, f"the attachment {part.get_filename()}")
        raise TrustError("the e-mail carries no signed credential (a .json attachment)")
    raise TrustError("not a signed document: give its JSON, or the e-mail it came in")
