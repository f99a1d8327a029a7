"""Redacting plain text: every span a case term or a pattern finds, replaced by a marker.

This is the one place texts are redacted; HTML (:mod:`haechi.redaction.html`) calls it on
each text node and attribute. ``keep`` names strings the recipient must receive whole (the
URL a notice reports, the organisation's own address): a find inside one is left and counted
as kept, since a platform cannot remove ``https://board.example/[REDACTED]``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from haechi.redaction.patterns import pattern_spans
from haechi.redaction.spans import Span, merged, outside
from haechi.redaction.statement import Kind, Source, Statement, marker_for
from haechi.redaction.terms import Terms


@dataclass(frozen=True)
class Redacted:
    """A redacted text and the statement of what was taken out."""

    text: str
    statement: Statement


@dataclass(frozen=True)
class Redactor:
    """What to look for (a case's terms and/or the patterns), what to keep, which marker."""

    terms: Terms = field(default_factory=Terms)
    patterns: bool = True
    keep: tuple[str, ...] = ()
    marker: str | None = None  # None: [비공개] in a text with Korean, else [REDACTED]
    pattern_kinds: frozenset[Kind] | None = None  # None: every pattern

    def spans(self, text: str) -> tuple[list[Span], int]:
        """The merged spans to redact in ``text``, and how many finds were kept."""
        found = list(self.terms.spans(text))
        if self.patterns:
            kinds = self.pattern_kinds
            found += (s for s in pattern_spans(text) if kinds is None or s.kind in kinds)
        ranges = []
        for kept in self.keep:
            if kept:
                start = text.find(kept)
                while start >= 0:
                    ranges.append((start, start + len(kept)))
                    start = text.find(kept, start + 1)
        return outside(merged(found), ranges)

    def redact(self, text: str, part: str = "text", marker: str | None = None) -> Redacted:
        """``text`` with each find replaced by the marker; ``part`` names it in the statement."""
        spans, kept = self.spans(text)
        if not spans:
            return Redacted(text, Statement(kept=kept))
        mark = marker or self.marker or marker_for(text)
        pieces, last = [], 0
        for span in spans:
            pieces += [text[last : span.start], mark]
            last = span.end
        pieces.append(text[last:])
        counts: Counter[tuple[Kind, Source]] = Counter((s.kind, s.source) for s in spans)
        statement = Statement(counts, Counter({part: len(spans)}), kept, frozenset({mark}))
        return Redacted("".join(pieces), statement)


def redact_text(
    text: str,
    terms: Terms | None = None,
    *,
    patterns: bool = True,
    keep: Iterable[str] = (),
    marker: str | None = None,
) -> Redacted:
    """``text`` as it may leave the team: the case's personal data and anything matching the
    patterns replaced by a marker, with the statement of what was redacted.

    The function the public report, notices and exports call; ``terms`` come from
    :func:`haechi.redaction.cases.case_terms` (or ``None``: patterns only).
    """
    return Redactor(terms or Terms(), patterns, tuple(keep), marker).redact(text)
