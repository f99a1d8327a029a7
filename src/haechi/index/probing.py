"""The numpy helpers of multi-index hashing: bit fields, flip masks, popcount, brute force.

Kept apart from the index's bookkeeping (:mod:`~haechi.index.segment`, :mod:`~haechi.index.mih`)
and from the compiled probe loop (:mod:`~haechi.index.kernels`); everything here is a pure
function of numpy arrays.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt

_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]
_I32 = npt.NDArray[np.int32]
_Bool = npt.NDArray[np.bool_]
# (query number, row within the searched array, distance), one element per match
Matches = tuple[_I64, _I64, _I32]

HASH_BITS = 256
_SCAN_BLOCK = 8192
_SCAN_PAIRS = 1 << 16
_FULL = 0x40404040  # four popcount bytes of 64: the only byte sum that wraps past 255


def region_radii(m: int, radius: int) -> list[int]:
    """Per-region radii whose ``rho + 1`` sum to ``radius + 1``; ``-1`` means skip the table."""
    base, extra = divmod(radius + 1, m)
    return [base if j < extra else base - 1 for j in range(m)]


def substring(words: _U64, bit_offset: int, bits: int) -> _U64:
    """Bits ``[bit_offset, bit_offset + bits)`` of each hash, bit 0 being word 0's low bit."""
    if bits == 0:
        return np.zeros(words.shape[0], dtype=np.uint64)
    word, shift = divmod(bit_offset, 64)
    mask = np.uint64((1 << bits) - 1)
    low = words[:, word] >> np.uint64(shift)
    if shift + bits > 64:
        low = low | (words[:, word + 1] << np.uint64(64 - shift))
    out: _U64 = low & mask
    return out


def ball(bits: int, radius: int) -> int:
    return sum(math.comb(bits, w) for w in range(min(bits, radius) + 1))


@lru_cache(maxsize=64)
def flip_masks(bits: int, radius: int) -> tuple[_I64, _I64]:
    """All ``bits``-wide masks of popcount ``<= radius``, lightest first, and their weights."""
    masks = [np.zeros(1, dtype=np.int64)]
    weights = [np.zeros(1, dtype=np.int64)]
    cur, top = masks[0], np.full(1, -1, dtype=np.int64)
    for w in range(1, min(bits, radius) + 1):
        parts, tops = [], []
        for b in range(bits):
            sel = cur[top < b]
            parts.append(sel | (1 << b))
            tops.append(np.full(sel.shape[0], b, dtype=np.int64))
        cur, top = np.concatenate(parts), np.concatenate(tops)
        masks.append(cur)
        weights.append(np.full(cur.shape[0], w, dtype=np.int64))
    return np.concatenate(masks), np.concatenate(weights)


def close_rows(x: _U64, radius: int) -> tuple[_Bool, _I32]:
    """Which rows of XOR-ed hashes (``(..., 4)`` uint64) are within ``radius``, and their distances.

    Sums the four popcount bytes with one multiply; 256 is the only total that wraps, and it
    is recognised by its bytes.
    """
    v = np.bitwise_count(x).view(np.uint32)[..., 0]
    d = (v * np.uint32(0x01010101)) >> np.uint32(24)
    full = v == _FULL
    if radius >= HASH_BITS:
        close = np.ones(v.shape, dtype=np.bool_)
        return close, np.where(full, HASH_BITS, d)[close].astype(np.int32)
    close = (d <= radius) & ~full
    return close, d[close].astype(np.int32)


def no_matches() -> Matches:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)


def concat(parts: list[Matches]) -> Matches:
    if not parts:
        return no_matches()
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def scan(words: _U64, queries: _U64, radius: int) -> Matches:
    """Brute force in cache-sized tiles of (queries x hashes); exact by construction."""
    n, nq = words.shape[0], queries.shape[0]
    if n == 0 or nq == 0:
        return no_matches()
    block = min(n, _SCAN_BLOCK)
    qstep = max(1, _SCAN_PAIRS // block)
    parts: list[Matches] = []
    for qs in range(0, nq, qstep):
        qb = queries[qs : qs + qstep, None, :]
        for es in range(0, n, block):
            close, dist = close_rows(words[None, es : es + block, :] ^ qb, radius)
            qi, row = np.nonzero(close)
            if qi.size:
                parts.append((qi.astype(np.int64) + qs, row.astype(np.int64) + es, dist))
    return concat(parts)
