"""Looking hashes up in the shared banks: what a platform may learn, and nothing more.

An answer says whether a hash matched and, per match, its ``match_id`` (the bank entry's id:
what feedback refers to), the kind of signal that matched, the distance in bits and the share's
public name; never a label, a case or a bank's own name. A match that a person confirmed as a
false positive (a negative signal of that entry within ``NEGATIVE_RADIUS`` bits of the query as
sent or of the variant that matched; :mod:`haechi.platform_api.negatives`) is left out for
everyone, as it is in the team's own scans.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from haechi.hashing.signals import SignalKind
from haechi.hashing.video_format import VideoSignature
from haechi.index.base import HASH_BYTES, RangeResult
from haechi.platform_api.dihedral import dihedral_variants
from haechi.platform_api.errors import BadSignal, TooLarge
from haechi.platform_api.snapshot import RANGE_KINDS, Snapshot

MAX_BATCH = 1000
MAX_FRAMES = 20_000

SIGNAL_TYPES = ("pdq", "md5", "sha256", "vpdq")
_HEX = re.compile(r"^[0-9a-fA-F]*$")
_LENGTHS = {"pdq": 64, "md5": 32, "sha256": 64, "vpdq": 64}
_VARIANTS: tuple[str, ...] = ("original", "flip-rows", "flip-columns", "flip-both")
_VARIANTS += tuple(f"transpose-{v}" for v in _VARIANTS[1:])
_VARIANTS = (*_VARIANTS[:4], "transpose", *_VARIANTS[4:])
_PDQ_CODES = (RANGE_KINDS.index(SignalKind.PDQ), RANGE_KINDS.index(SignalKind.PDQ_CROP))
_VPDQ_CODE = RANGE_KINDS.index(SignalKind.VPDQ)


@dataclass(frozen=True)
class Match:
    """One shared entry matched by a query."""

    match_id: int
    signal: str
    distance: int
    bank: str
    variant: str | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "match_id": self.match_id,
            "signal": self.signal,
            "distance": self.distance,
            "bank": self.bank,
        }
        if self.variant is not None:
            out["variant"] = self.variant
        return out


@dataclass(frozen=True)
class Answer:
    """The answer for one query hash: its matches, nearest first, one per entry."""

    signal_type: str
    signal: str
    matches: tuple[Match, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "signal_type": self.signal_type,
            "signal": self.signal,
            "match": bool(self.matches),
            "matches": [m.as_json() for m in self.matches],
        }


def check_type(signal_type: str) -> str:
    """The signal type in lower case, or :class:`BadSignal` naming the known ones."""
    kind = signal_type.strip().lower()
    if kind not in SIGNAL_TYPES:
        raise BadSignal(
            f"unknown signal type {signal_type[:40]!r}; use one of {', '.join(SIGNAL_TYPES)}"
        )
    return kind


def parse_hex(signal_type: str, value: str) -> str:
    """A hash as lower-case hex, or :class:`BadSignal` saying what is wrong with it."""
    text = value.strip()
    want = _LENGTHS[signal_type]
    if not _HEX.match(text):
        raise BadSignal(f"a {signal_type} hash is hexadecimal digits only")
    if len(text) != want:
        raise BadSignal(f"a {signal_type} hash has {want} hex digits, not {len(text)}")
    return text.lower()


def _as_array(hexes: Sequence[str]) -> npt.NDArray[np.uint8]:
    raw = b"".join(bytes.fromhex(h) for h in hexes)
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, HASH_BYTES)


def pdq_queries(hexes: Sequence[str], dihedral: bool) -> npt.NDArray[np.uint8]:
    """The hashes a PDQ lookup searches: each checked hash, or its eight variants."""
    queries = _as_array(hexes) if hexes else np.empty((0, HASH_BYTES), np.uint8)
    return dihedral_variants(queries) if dihedral and len(queries) else queries


def lookup_pdq(
    snap: Snapshot,
    hexes: Sequence[str],
    radius: int,
    *,
    dihedral: bool = False,
    found: RangeResult | None = None,
) -> list[Answer]:
    """Answers for PDQ hashes (checked hex), each also in its eight variants if asked.

    ``found`` is the index's result for :func:`pdq_queries` when the caller searched already
    (a batch of requests searched together).
    """
    if not hexes:
        return []
    per = 8 if dihedral else 1
    searched = pdq_queries(hexes, dihedral)
    if found is None:
        found = snap.index.search(searched, radius)
    best: list[dict[int, Match]] = [{} for _ in hexes]
    codes = snap.row_kind[found.ids] if len(found) else np.empty(0, np.uint8)
    for k in range(len(found)):
        code = int(codes[k])
        if code not in _PDQ_CODES:
            continue
        row = int(found.ids[k])
        q, variant = divmod(int(found.query[k]), per)
        entry = int(snap.row_entry[row])
        distance = int(found.distances[k])
        held = best[q].get(entry)
        if held is not None and held.distance <= distance:
            continue
        sent_and_matched = searched[[q * per, q * per + variant]]
        if snap.negatives.suppresses(entry, sent_and_matched):
            continue
        best[q][entry] = Match(
            entry,
            RANGE_KINDS[code].value,
            distance,
            snap.shares[int(snap.row_share[row])],
            _VARIANTS[variant] if dihedral else None,
        )
    return [
        Answer("pdq", h, tuple(sorted(b.values(), key=lambda m: (m.distance, m.match_id))))
        for h, b in zip(hexes, best, strict=True)
    ]


def lookup_exact(snap: Snapshot, signal_type: str, hexes: Sequence[str]) -> list[Answer]:
    """Answers for MD5 or SHA-256 digests (checked hex): exact copies, distance 0."""
    kind = SignalKind(signal_type)
    keys, entries, shares = snap.exact[kind]
    answers = []
    for h in hexes:
        wanted = np.array([bytes.fromhex(h)], dtype=keys.dtype)
        lo = int(np.searchsorted(keys, wanted, side="left")[0])
        hi = int(np.searchsorted(keys, wanted, side="right")[0])
        matches = {
            int(entries[k]): Match(int(entries[k]), kind.value, 0, snap.shares[int(shares[k])])
            for k in range(lo, hi)
            if not snap.negatives.suppresses(int(entries[k]), digests=(h,))
        }
        answers.append(
            Answer(kind.value, h, tuple(sorted(matches.values(), key=lambda m: m.match_id)))
        )
    return answers


def checked(signal_type: str, hexes: Sequence[str]) -> tuple[str, list[str]]:
    """The signal type and hashes of a lookup, checked: :class:`BadSignal` or :class:`TooLarge`."""
    kind = check_type(signal_type)
    if kind == "vpdq":
        raise BadSignal("a video is looked up by its frames: POST them to /api/v1/lookup/video")
    if len(hexes) > MAX_BATCH:
        raise TooLarge(f"at most {MAX_BATCH} hashes a call, not {len(hexes)}")
    return kind, [parse_hex(kind, h) for h in hexes]


def lookup(
    snap: Snapshot, signal_type: str, hexes: Sequence[str], radius: int, *, dihedral: bool = False
) -> list[Answer]:
    """Answers for a batch of one signal type, after checking every hash."""
    kind = check_type(signal_type)
    if kind == "vpdq":
        raise BadSignal("a video is looked up by its frames: POST them to /api/v1/lookup/video")
    if len(hexes) > MAX_BATCH:
        raise TooLarge(f"at most {MAX_BATCH} hashes a call, not {len(hexes)}")
    checked = [parse_hex(kind, h) for h in hexes]
    if kind == "pdq":
        return lookup_pdq(snap, checked, radius, dihedral=dihedral)
    return lookup_exact(snap, kind, checked)


@dataclass(frozen=True)
class VideoMatch:
    """A shared video matched by some of a query's frames."""

    match_id: int
    bank: str
    frames_matched: int
    query_share: float
    distance: int
    bank_share: float = 0.0
    """The share of the registered video's frames that some query frame matched."""

    def as_json(self) -> dict[str, object]:
        return {
            "match_id": self.match_id,
            "signal": "vpdq",
            "bank": self.bank,
            "distance": self.distance,
            "frames_matched": self.frames_matched,
            "query_share": round(self.query_share, 4),
            "bank_share": round(self.bank_share, 4),
        }


VIDEO_MIN_SHARE = 0.2
"""A video matches when at least this share of the query's frames match its frames."""


def lookup_video_frames(
    snap: Snapshot, hexes: Sequence[str], radius: int, *, found: RangeResult | None = None
) -> list[VideoMatch]:
    """Shared videos whose frames match the query's frames (checked hex), best first.

    ``found`` is the index's result for the frames when the caller searched already.
    """
    if len(hexes) > MAX_FRAMES:
        raise TooLarge(f"at most {MAX_FRAMES} frames a call, not {len(hexes)}")
    if not hexes:
        return []
    queries = _as_array(hexes)
    if found is None:
        found = snap.index.search(queries, radius)
    frames: dict[int, set[int]] = {}
    rows_hit: dict[int, set[int]] = {}
    distances: dict[int, list[int]] = {}
    for k in range(len(found)):
        row = int(found.ids[k])
        if int(snap.row_kind[row]) != _VPDQ_CODE:
            continue
        entry = int(snap.row_entry[row])
        q = int(found.query[k])
        if snap.negatives.suppresses(entry, queries[q]):
            continue
        frames.setdefault(entry, set()).add(q)
        rows_hit.setdefault(entry, set()).add(row)
        distances.setdefault(entry, []).append(int(found.distances[k]))
    out = []
    for entry, matched in frames.items():
        share = len(matched) / len(hexes)
        if share >= VIDEO_MIN_SHARE:
            rows = np.flatnonzero(snap.row_entry == entry)
            bank = snap.shares[int(snap.row_share[rows[0]])]
            median = int(np.median(distances[entry]))
            bank_share = len(rows_hit[entry]) / len(rows)
            out.append(VideoMatch(entry, bank, len(matched), share, median, bank_share))
    return sorted(out, key=lambda m: (-m.query_share, m.match_id))


def hma_vpdq_frames(value: str, min_quality: int) -> list[str]:
    """The frames of HMA's ``vpdq`` value (a JSON list of ``"pdq_hex,quality,timestamp"``),
    checked: frames under the quality floor dropped and repeated hashes folded, as HMA's vPDQ
    index does with a query; :class:`BadSignal` or :class:`TooLarge` for what cannot be read."""
    try:
        signature = VideoSignature.from_hma(value)
    except ValueError as exc:
        raise BadSignal(f"invalid signal type: {exc}") from None
    if len(signature) > MAX_FRAMES:
        raise TooLarge(f"at most {MAX_FRAMES} frames a call, not {len(signature)}")
    kept = {f.pdq.hex.lower(): None for f in signature.frames if f.pdq.quality >= min_quality}
    return list(kept)
