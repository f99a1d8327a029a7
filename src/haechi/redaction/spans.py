"""Spans of text found to hold personal data, and how overlapping ones are merged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from haechi.redaction.statement import Kind, Source


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` holds personal data of ``kind``, known from ``source``."""

    start: int
    end: int
    kind: Kind
    source: Source


def merged(spans: Iterable[Span]) -> list[Span]:
    """Overlapping spans as one, in order: an e-mail address holding her name is one item.

    The longest span starting first gives the merged span its kind (a case's own data
    before a pattern when both cover the same characters).
    """
    ordered = sorted(
        spans, key=lambda s: (s.start, -(s.end - s.start), s.source is not Source.CASE)
    )
    out: list[Span] = []
    for span in ordered:
        if span.end <= span.start:
            continue
        if out and span.start < out[-1].end:
            last = out[-1]
            if span.end > last.end:
                out[-1] = Span(last.start, span.end, last.kind, last.source)
            continue
        out.append(span)
    return out


def outside(spans: list[Span], keep: list[tuple[int, int]]) -> tuple[list[Span], int]:
    """The spans that touch none of the ``keep`` ranges, and how many did."""
    if not keep:
        return spans, 0
    kept = [s for s in spans if any(s.start < b and a < s.end for a, b in keep)]
    return [s for s in spans if s not in kept], len(kept)
