"""When a video is a copy of a registered one, by the frames that agree, and where they are.

vPDQ compares two videos by two shares: of the query's frames that have a registered frame
within the PDQ radius, and of the registered video's frames that have a query frame within it.
Meta's matcher reports both; HMA matches on the query share alone (80 %). Each share answers a
different re-upload, so each rule here asks for the share that the edit leaves intact:

``full``
    Both shares at least 0.8 (vPDQ's full match): the same video, re-encoded, resized, at
    another frame rate, cropped a little, letterboxed or with a logo.
``part``
    The query share alone: a **trimmed** copy is all registered frames, but only a part of
    them, so the registered share is whatever was kept and says nothing.
``contains``
    The registered share alone: a **compilation** holds all of the registered video among
    other clips, so the query share is its part of the compilation and says nothing. Each
    registered video in it is a match of its own.
``excerpt``
    Neither share, but one unbroken stretch of at least ten seconds (and five frames) of the
    registered video: a trimmed clip inside a compilation.

``frame``
    A picture, not a video, within the PDQ radius of one registered frame: a screenshot or
    thumbnail of the video (no query share; the registered share is that one frame's).

A share of a handful of frames is noise (a two-frame clip that matches is "100 %"), so the
one-sided rules also need ``min_frames`` matched frames on that side; ``full`` does not, so a
registered three-second clip is still found whole. Frame hashes below quality 50 and folded
repeats never count on either side (:func:`~haechi.hashing.video_format.fold`).

The evidence names the matched time ranges on both sides ("0:12-1:40 of the registered video,
at 2:05-3:33 of this one") for the reviewer and for notices.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

RULES = ("full", "part", "contains", "excerpt", "frame")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class VideoThresholds:
    """When frames that agree make a match (see the module docstring for why each)."""

    radius: int = 31
    full_share: float = 0.8
    part_share: float = 0.8
    contains_share: float = 0.8
    min_frames: int = 5
    excerpt_seconds: float = 10.0
    excerpt_frames: int = 5


def clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) of a time in a video."""
    whole = max(0, int(seconds))
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class TimeSpan:
    """A stretch of a video, in seconds from its start."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        """Its length."""
        return self.end - self.start

    def label(self) -> str:
        """``0:12-1:40``."""
        return f"{clock(self.start)}-{clock(self.end)}"


@dataclass(frozen=True)
class FrameEvidence:
    """Which frames of a found video agree with a registered video, by which rule."""

    rule: str
    query_share: float
    bank_share: float
    query_matched: int
    query_frames: int
    bank_matched: int
    bank_frames: int
    bank_spans: tuple[TimeSpan, ...]
    """Where the matched frames are in the registered video."""
    query_spans: tuple[TimeSpan, ...]
    """Where they are in the found video."""

    def describe(self, limit: int = 3) -> str:
        """``0:12-1:40 of the registered video (95 % of it), at 2:05-3:33 (31 % of this)``."""
        bank = ", ".join(s.label() for s in self.bank_spans[:limit])
        if len(self.bank_spans) > limit:
            bank += f" and {len(self.bank_spans) - limit} more"
        if self.rule == "frame":
            return f"a still of {bank} of the registered video"
        query = ", ".join(s.label() for s in self.query_spans[:limit])
        if len(self.query_spans) > limit:
            query += " …"
        return (
            f"{bank} of the registered video ({self.bank_share:.0%} of it), "
            f"at {query} ({self.query_share:.0%} of this one)"
        )

    def to_json(self) -> str:
        """The versioned JSON text a hit keeps."""
        return json.dumps(
            {
                "v": FORMAT_VERSION,
                "rule": self.rule,
                "query_share": self.query_share,
                "bank_share": self.bank_share,
                "query_frames": [self.query_matched, self.query_frames],
                "bank_frames": [self.bank_matched, self.bank_frames],
                "bank_spans": [[s.start, s.end] for s in self.bank_spans],
                "query_spans": [[s.start, s.end] for s in self.query_spans],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> FrameEvidence:
        """Read :meth:`to_json`'s text; ``ValueError`` if it is not that."""
        try:
            doc: Any = json.loads(text)
            if doc.get("v") != FORMAT_VERSION or doc.get("rule") not in RULES:
                raise ValueError(f"unknown frame evidence {text[:60]!r}")
            qm, qn = (int(v) for v in doc["query_frames"])
            bm, bn = (int(v) for v in doc["bank_frames"])
            return cls(
                str(doc["rule"]),
                float(doc["query_share"]),
                float(doc["bank_share"]),
                qm,
                qn,
                bm,
                bn,
                tuple(TimeSpan(float(a), float(b)) for a, b in doc["bank_spans"]),
                tuple(TimeSpan(float(a), float(b)) for a, b in doc["query_spans"]),
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError(f"damaged frame evidence ({exc})") from None


def spans(times: Sequence[float], matched: Sequence[int], step: float) -> tuple[TimeSpan, ...]:
    """The stretches covered by matched frames, merged across one missing sample.

    Frame ``i`` stands for the time until the next kept frame (a folded still scene is one
    frame standing for all of it); a single unmatched frame inside a stretch (a transition,
    a logo over one sample) does not cut it.
    """
    if not matched:
        return ()
    out: list[list[float]] = []
    for i in sorted(set(matched)):
        start = times[i]
        end = times[i + 1] if i + 1 < len(times) else times[i] + step
        if out and start - out[-1][1] <= 1.5 * step + 1e-6:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return tuple(TimeSpan(round(a, 3), round(b, 3)) for a, b in out)


@dataclass(frozen=True)
class VideoPairing:
    """The frames of a query and of one registered video that lie within the radius."""

    query_times: Sequence[float]
    query_step: float
    bank_times: Sequence[float]
    bank_step: float
    query_matched: frozenset[int]
    bank_matched: frozenset[int]
    best_distances: Sequence[int]
    """For each matched query frame, its smallest distance to the registered video."""

    def judge(self, t: VideoThresholds) -> tuple[FrameEvidence, int] | None:
        """The evidence and the median distance when the rules make this a match."""
        nq, nb = len(self.query_times), len(self.bank_times)
        if nq == 0 or nb == 0 or not self.query_matched:
            return None
        qm, bm = len(self.query_matched), len(self.bank_matched)
        q_share, b_share = qm / nq, bm / nb
        bank_spans = spans(self.bank_times, sorted(self.bank_matched), self.bank_step)
        rule = None
        if q_share >= t.full_share and b_share >= t.full_share:
            rule = "full"
        elif q_share >= t.part_share and qm >= t.min_frames:
            rule = "part"
        elif b_share >= t.contains_share and bm >= t.min_frames:
            rule = "contains"
        elif any(
            s.seconds >= t.excerpt_seconds
            and sum(1 for i in self.bank_matched if s.start <= self.bank_times[i] < s.end)
            >= t.excerpt_frames
            for s in bank_spans
        ):
            rule = "excerpt"
        if rule is None:
            return None
        evidence = FrameEvidence(
            rule,
            round(q_share, 3),
            round(b_share, 3),
            qm,
            nq,
            bm,
            nb,
            bank_spans,
            spans(self.query_times, sorted(self.query_matched), self.query_step),
        )
        return evidence, round(statistics.median(self.best_distances))
