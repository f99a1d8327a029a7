"""The printable member card: name, role, organisation, validity, code and a QR code.

A credit-card-sized PDF (85.6 × 54 mm, reportlab, the Korean font of the police reports so
names in Hangul print on any machine) whose QR code opens the verify page on the card's
code: whoever meets a volunteer scans it and sees at once whether the card is valid, expired
or revoked, from the organisation's own server.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from haechi.cases.pdf import _font
from haechi.trust.config import TrustConfig
from haechi.trust.documents import Published

CARD = (85.6 * mm, 54 * mm)


def _qr_png(link: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def card_pdf(config: TrustConfig, published: Published) -> bytes:
    """The card of a published member credential, as PDF bytes."""
    from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]

    document: dict[str, Any] = published.document
    subject = document.get("credentialSubject", {})
    link = config.verify_link(published.code)
    font = _font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=CARD)
    canvas.setTitle(f"{config.organisation} member card")
    width, height = CARD
    canvas.setFont(font, 11)
    canvas.drawString(5 * mm, height - 9 * mm, config.organisation)
    canvas.setFont(font, 14)
    canvas.drawString(5 * mm, height - 18 * mm, str(subject.get("name", "")))
    canvas.setFont(font, 8)
    canvas.drawString(5 * mm, height - 24 * mm, f"활동가 / Volunteer · {subject.get('role', '')}")
    canvas.drawString(
        5 * mm, height - 30 * mm, f"유효 / Valid: {document.get('validFrom', '')[:10]}"
    )
    canvas.drawString(5 * mm, height - 34 * mm, f"  ~ {str(document.get('validUntil', ''))[:10]}")
    canvas.drawString(5 * mm, height - 41 * mm, f"검증 코드 / Code: {published.code}")
    canvas.setFont(font, 6)
    canvas.drawString(5 * mm, 4 * mm, link)
    size = 30 * mm
    canvas.drawImage(
        ImageReader(io.BytesIO(_qr_png(link))),
        width - size - 3 * mm,
        height - size - 6 * mm,
        size,
        size,
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
