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
    Neither share, but a few seconds of the registered video in one piece: at least
    ``excerpt_frames`` query frames over ``excerpt_seconds`` whose matches keep one time offset
    between the two videos (each frame later in the query matches a frame as much later in
    the registered video). A trimmed clip inside a compilation: every registered clip that
    contributes a few seconds to one is reported. Chance agreements of single frames do not
    line up in time, so this rule can ask for far fewer frames than the share rules.

``frame``
    A picture, not a video, within the PDQ radius of one registered frame: a screenshot or
    thumbnail of the video (no query share; the registered share is that one frame's).

A share of a handful of frames is noise (a two-frame clip that matches is "100 %"), so the
one-sided rules also need ``min_frames`` matched frames on that side; ``full`` does not, so a
registered three-second clip is still found whole. Frame hashes below quality 50 and folded
repeats never count on either side (:func:`~haechi.hashing.video_format.fold`).

Frames are matched by their PDQ hashes (and their variants: turned, mirrored, inside borders
or caption bars, cropped) and by the local features of representative frames
(:mod:`haechi.hashing.video_local`). A representative frame stands for the stretch until the
next one: its match counts as that one registered frame in the shares, and as any moment of
the stretch when the time offset is sought.

The evidence names the matched time ranges on both sides ("0:12-1:40 of the registered video,
at 2:05-3:33 of this one") for the reviewer and for notices.
"""

from __future__ import annotations

import bisect
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

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
    excerpt_seconds: float = 4.0
    excerpt_frames: int = 4


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
class FramePair:
    """A query frame (its time) that agrees with a registered video at ``bank_start`` (or
    anywhere up to ``bank_end``, for a representative frame), ``distance`` bits apart."""

    query_time: float
    bank_start: float
    bank_end: float
    distance: int


def _cover(times: Sequence[float], t: float) -> int:
    """The kept frame that stands for time ``t`` (the last at or before it)."""
    return max(0, bisect.bisect_right(times, t + 1e-6) - 1)


@dataclass(frozen=True)
class VideoPairing:
    """The frames of a query and of one registered video that agree."""

    query_times: Sequence[float]
    query_step: float
    bank_times: Sequence[float]
    bank_step: float
    pairs: Sequence[FramePair]

    def _matched(self) -> tuple[set[int], set[int], dict[int, int]]:
        """Query frames that agree, the registered frames nearest to them, and each query
        frame's smallest distance.

        Only a query frame's nearest registered frames count: in a slow pan, neighbouring
        frames are within the radius too, and would stretch the registered share beyond what
        the query shows. A representative frame's match counts for that frame alone: where
        in its stretch the query is, only the time offset (:meth:`aligned`) can tell.
        """
        query: dict[int, int] = {}
        nearest: dict[int, set[int]] = {}
        for p in self.pairs:
            q = _cover(self.query_times, p.query_time)
            b = _cover(self.bank_times, p.bank_start)
            if q not in query or p.distance < query[q]:
                query[q], nearest[q] = p.distance, {b}
            elif p.distance == query[q]:
                nearest[q].add(b)
        bank = set().union(*nearest.values())
        return set(query), bank, query

    def aligned(self) -> tuple[int, float]:
        """The longest run of query frames whose matches keep one time offset: its frames
        and its seconds."""
        if not self.pairs:
            return 0, 0.0
        slack = 0.5 * (self.query_step + self.bank_step) + 0.25
        tq = np.array([p.query_time for p in self.pairs])
        lo = tq - np.array([p.bank_end for p in self.pairs]) - slack
        hi = tq - np.array([p.bank_start for p in self.pairs]) + slack
        frame = np.array([_cover(self.query_times, t) for t in tq.tolist()])
        best: tuple[int, float] = (0, 0.0)
        # The offset agreed by most frames lies at some pair's lower end, exactly: rounded
        # (to 0.01 s), a frame at 21.083 s fell outside its own pair's window and a 5 s
        # excerpt sampled off the whole second lined up two frames instead of five.
        for offset in np.unique(lo).tolist():
            inside = (lo <= offset + 1e-6) & (offset <= hi + 1e-6)
            run = self._longest_run(sorted(set(frame[inside].tolist())))
            best = max(best, run)
        return best

    def _longest_run(self, frames: list[int]) -> tuple[int, float]:
        times, gap = self.query_times, 2.5 * self.query_step
        best: tuple[int, float] = (0, 0.0)
        first = 0
        for k in range(1, len(frames) + 1):
            ends = k == len(frames) or (
                frames[k] != frames[k - 1] + 1 and times[frames[k]] - times[frames[k - 1]] > gap
            )
            if ends:
                last = frames[k - 1]
                stop = times[last + 1] if last + 1 < len(times) else times[last] + self.query_step
                stop = min(stop, times[last] + gap)
                best = max(best, (k - first, round(stop - times[frames[first]], 3)))
                first = k
        return best

    def judge(self, t: VideoThresholds) -> tuple[FrameEvidence, int] | None:
        """The evidence and the median distance when the rules make this a match."""
        nq, nb = len(self.query_times), len(self.bank_times)
        if nq == 0 or nb == 0 or not self.pairs:
            return None
        query_matched, bank_matched, best_distances = self._matched()
        qm, bm = len(query_matched), len(bank_matched)
        q_share, b_share = qm / nq, bm / nb
        rule = None
        if q_share >= t.full_share and b_share >= t.full_share:
            rule = "full"
        elif q_share >= t.part_share and qm >= t.min_frames:
            rule = "part"
        elif b_share >= t.contains_share and bm >= t.min_frames:
            rule = "contains"
        elif qm >= t.excerpt_frames:
            frames, seconds = self.aligned()
            if frames >= t.excerpt_frames and seconds >= t.excerpt_seconds:
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
            spans(self.bank_times, sorted(bank_matched), self.bank_step),
            spans(self.query_times, sorted(query_matched), self.query_step),
        )
        return evidence, round(statistics.median(best_distances.values()))
