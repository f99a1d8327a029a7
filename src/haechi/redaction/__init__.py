"""Redaction: the victim's personal data taken out of everything that leaves the team.

A quarter of the items Korea's support centre deletes carry the victim's name, school, phone
or social account in their captions and page text; a notice, a bundle for a platform, a police
package (unless she allowed her name), a public report or a hash-list export must not spread
it further. What to look for comes from the case's sealed personal data
(:mod:`haechi.redaction.cases`, :class:`Terms`) and from patterns that hold for anyone
(:mod:`haechi.redaction.patterns`); texts and HTML are redacted by the same redactor
(:mod:`haechi.redaction.text`, :mod:`haechi.redaction.html`), and every redacted document goes
out with a :class:`Statement` of the kinds and counts taken out, never the values. Evidence
itself is never altered: WARC records keep their sealed bytes, and redacted renderings travel
next to them (:mod:`haechi.redaction.outgoing`).
"""

from __future__ import annotations

from haechi.redaction.document import redact_document
from haechi.redaction.html import html_text, redact_html
from haechi.redaction.statement import MARKER_EN, MARKER_KO, Kind, Source, Statement
from haechi.redaction.terms import Terms
from haechi.redaction.text import Redacted, Redactor, redact_text

__all__ = [
    "MARKER_EN",
    "MARKER_KO",
    "Kind",
    "Redacted",
    "Redactor",
    "Source",
    "Statement",
    "Terms",
    "html_text",
    "redact_document",
    "redact_html",
    "redact_text",
]
