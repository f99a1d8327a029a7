"""The compiled loops of multi-index hashing (numba): probe, look up, verify, in one pass.

Why compiled: in numpy every probe of a table costs several array passes (hundreds of
nanoseconds), while the work itself is a few cache misses. Here a query walks its probes in
plain loops, touching each probe's memory in a first pass so that the CPU overlaps the misses,
which lets a layout with fewer tables (less memory) and more probes still be fast.

Layout they read (built by :mod:`~haechi.index.segment`): rows sorted by table 0's region;
``hi`` holds hash bits 32-255 of each row as seven uint32; bits 0-31 are table 0's region, of
which the key is implied by the row's bucket and the low ``ext0`` bits are packed in ``low``.
Each table's buckets are a unary bitmap (a one per entry, a zero ending each bucket, a leading
zero) with the position of every 64th bucket's leading zero sampled; tables 1.. store their
rows as packed integers. Code is compiled once and cached on disk (``cache=True``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

SAMPLE_SHIFT = 6
"""A sampled bitmap position every 2**6 = 64 buckets."""

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_L8 = np.uint64(0x0101010101010101)
_H8 = np.uint64(0x8080808080808080)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_ONE = np.uint64(1)
_LOW32 = np.uint64(0xFFFFFFFF)


def _byte_select_table() -> np.ndarray[Any, np.dtype[np.uint8]]:
    out = np.zeros(256 * 8, dtype=np.uint8)
    for value in range(256):
        rank = 0
        for bit in range(8):
            if value >> bit & 1:
                out[value * 8 + rank] = bit
                rank += 1
    return out


_SELECT_IN_BYTE = _byte_select_table()


@njit(inline="always", cache=True)
def popc(x: Any) -> Any:
    x = x - ((x >> _ONE) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return np.int64((x * _L8) >> np.uint64(56))


@njit(inline="always", cache=True)
def ctz(x: Any) -> Any:
    """Trailing zeros of a non-zero word."""
    return popc((x & (~x + _ONE)) - _ONE)


@njit(inline="always", cache=True)
def select64(x: Any, k: Any) -> Any:
    """Position of the ``k``-th (from 0) set bit of ``x`` (Vigna's broadword select)."""
    s = x - ((x >> _ONE) & _M1)
    s = (s & _M2) + ((s >> np.uint64(2)) & _M2)
    s = (s + (s >> np.uint64(4))) & _M4
    sums = s * _L8
    geq = ((np.uint64(k) * _L8 | _H8) - sums) & _H8
    place = np.uint64(popc(geq) * 8)
    rank = np.uint64(k) - (((sums << np.uint64(8)) >> place) & np.uint64(0xFF))
    byte = (x >> place) & np.uint64(0xFF)
    return np.int64(place) + np.int64(_SELECT_IN_BYTE[np.int64(byte * np.uint64(8) + rank)])


@njit(inline="always", cache=True)
def field(w0: Any, w1: Any, w2: Any, w3: Any, offset: Any, bits: Any) -> Any:
    """Bits ``[offset, offset + bits)`` of a hash given as four little-endian words."""
    word = offset >> 6
    if word == 0:
        lo, hi = w0, w1
    elif word == 1:
        lo, hi = w1, w2
    elif word == 2:
        lo, hi = w2, w3
    else:
        lo, hi = w3, np.uint64(0)
    shift = np.uint64(offset & 63)
    v = lo >> shift
    if shift != 0:
        v |= hi << (np.uint64(64) - shift)
    return v & ((_ONE << np.uint64(bits)) - _ONE)


@njit(inline="always", cache=True)
def packed_at(buf: Any, bits: Any, k: Any) -> Any:
    """Value ``k`` of a packed little-endian bit stream (see :mod:`haechi.index.bits`)."""
    at = k * bits
    first = at >> 3
    v = np.uint64(0)
    for t in range((bits + (at & 7) + 7) >> 3):
        v |= np.uint64(buf[first + t]) << np.uint64(8 * t)
    return np.int64((v >> np.uint64(at & 7)) & ((_ONE << np.uint64(bits)) - _ONE))


@njit(inline="always", cache=True)
def zero_at(bitmap: Any, p: Any, i: Any) -> Any:
    """Position of the ``i``-th (from 0) zero bit at or after bit ``p``, and the ones after it."""
    wi = p >> 6
    z = ~bitmap[wi] & (_ALL << np.uint64(p & 63))
    c = popc(z)
    while i >= c:
        i -= c
        wi += 1
        z = ~bitmap[wi]
        c = popc(z)
    sh = select64(z, i)
    pos = (wi << 6) + sh
    y = (bitmap[wi] >> np.uint64(sh)) >> _ONE
    ones = ctz(~y) if y != _ALL else 64
    if ones < 63 - sh:
        return pos, ones
    size = 63 - sh
    wi += 1
    while bitmap[wi] == _ALL:
        size += 64
        wi += 1
    return pos, size + ctz(~bitmap[wi])


@njit(inline="always", cache=True)
def one_at(bitmap: Any, p: Any, i: Any) -> Any:
    """Position of the ``i``-th (from 0) one bit at or after bit ``p``."""
    wi = p >> 6
    z = bitmap[wi] & (_ALL << np.uint64(p & 63))
    c = popc(z)
    while i >= c:
        i -= c
        wi += 1
        z = bitmap[wi]
        c = popc(z)
    return (wi << 6) + select64(z, i)


@njit(inline="always", cache=True)
def bucket_of_row(bitmap: Any, samples: Any, row: Any) -> Any:
    """The table-0 bucket that holds ``row`` (a binary search over the samples, then select)."""
    lo, hi = 0, samples.shape[0]
    while hi - lo > 1:  # last sample whose rows-before is <= row
        mid = (lo + hi) >> 1
        if np.int64(samples[mid]) - (mid << SAMPLE_SHIFT) <= row:
            lo = mid
        else:
            hi = mid
    p = np.int64(samples[lo])
    pos = one_at(bitmap, p, row - (p - (lo << SAMPLE_SHIFT)))
    return pos - row - 1


@njit(inline="always", cache=True)
def hi_words(hi: Any, row: Any) -> Any:
    """Hash bits 32-63 (as the high half of word 0) and words 1-3 of a row."""
    h0 = np.uint64(hi[row, 0]) << np.uint64(32)
    w1 = np.uint64(hi[row, 1]) | (np.uint64(hi[row, 2]) << np.uint64(32))
    w2 = np.uint64(hi[row, 3]) | (np.uint64(hi[row, 4]) << np.uint64(32))
    w3 = np.uint64(hi[row, 5]) | (np.uint64(hi[row, 6]) << np.uint64(32))
    return h0, w1, w2, w3


@njit(cache=True, nogil=True)
def search(
    hi: Any,
    low: Any,
    ext0: Any,
    q: Any,
    radius: Any,
    offs: Any,
    widths: Any,
    rhos: Any,
    bitmaps: Any,
    bm_start: Any,
    samples: Any,
    sm_start: Any,
    entries: Any,
    entry_bits: Any,
    stride: Any,
    masks: Any,
    weights: Any,
    mask_start: Any,
    out_q: Any,
    out_r: Any,
    out_d: Any,
    count: Any,
    q0: Any,
) -> Any:
    """Matches of queries ``q0..`` into ``out_*`` from ``count`` on, each (query, row) once.

    Returns (next query, count, full): when the output is full mid-query, that query's partial
    matches are dropped and the caller resumes from it with larger arrays.
    """
    n = hi.shape[0]
    m = offs.shape[0]
    k0 = widths[0] - ext0
    most = 1
    for j in range(m):
        most = max(most, mask_start[j + 1] - mask_start[j])
    pos = np.empty(most, np.int64)
    keys = np.empty(most, np.int64)
    start = np.empty(most, np.int64)
    size = np.empty(most, np.int64)
    budget = np.empty(most, np.int64)
    rows = np.empty(4096, np.int64)
    row_bucket = np.empty(4096, np.int64)
    sample_mask = (1 << SAMPLE_SHIFT) - 1
    cap = out_q.shape[0]
    touched = np.uint64(0)
    for qi in range(q0, q.shape[0]):
        at_start = count
        a0, a1, a2, a3 = q[qi, 0], q[qi, 1], q[qi, 2], q[qi, 3]
        qlow = np.int64(a0 & ((_ONE << np.uint64(ext0)) - _ONE))
        for j in range(m):
            rho = rhos[j]
            if rho < 0:
                continue
            bm = bitmaps[bm_start[j] : bm_start[j + 1]]
            sm = samples[sm_start[j] : sm_start[j + 1]]
            if j == 0:
                key = np.int64(field(a0, a1, a2, a3, ext0, k0))
            else:
                key = np.int64(field(a0, a1, a2, a3, offs[j], widths[j]))
            first_mask = mask_start[j]
            probes = mask_start[j + 1] - first_mask
            # Pass 1: sampled positions; pass 2 touches each probe's bitmap word, so that the
            # misses overlap; pass 3 selects the buckets in cache.
            for t in range(probes):
                b = key ^ masks[first_mask + t]
                keys[t] = b
                pos[t] = np.int64(sm[b >> SAMPLE_SHIFT])
            for t in range(probes):
                touched ^= bm[pos[t] >> 6]
            found = 0
            for t in range(probes):
                b = keys[t]
                p, s = zero_at(bm, pos[t], b & sample_mask)
                if s:
                    start[found] = p - b
                    size[found] = s
                    budget[found] = rho - weights[first_mask + t]
                    keys[found] = b
                    found += 1
            # Candidate rows (table 0's are its bucket's rows, filtered by the low bits).
            nr = 0
            if j == 0:
                for c in range(found):
                    touched ^= np.uint64(low[(start[c] * ext0) >> 3])
                for c in range(found):
                    for e in range(start[c], min(start[c] + size[c], n)):
                        if popc(np.uint64(packed_at(low, ext0, e) ^ qlow)) > budget[c]:
                            continue
                        if nr == rows.shape[0]:
                            rows = np.concatenate((rows, rows))
                            row_bucket = np.concatenate((row_bucket, row_bucket))
                        rows[nr] = e
                        row_bucket[nr] = keys[c]
                        nr += 1
            else:
                base = (j - 1) * stride
                for c in range(found):
                    touched ^= np.uint64(entries[((base + start[c]) * entry_bits) >> 3])
                for c in range(found):
                    for e in range(start[c], min(start[c] + size[c], n)):
                        if nr == rows.shape[0]:
                            rows = np.concatenate((rows, rows))
                            row_bucket = np.concatenate((row_bucket, row_bucket))
                        rows[nr] = min(packed_at(entries, entry_bits, base + e), n - 1)
                        nr += 1
            # Verify: bits 32-255 first; only a near candidate needs its table-0 key found.
            for c in range(nr):
                row = rows[c]
                h0, w1, w2, w3 = hi_words(hi, row)
                x1, x2, x3 = w1 ^ a1, w2 ^ a2, w3 ^ a3
                part = popc(x1) + popc(x2) + popc(x3) + popc((h0 ^ a0) >> np.uint64(32))
                if part > radius:
                    continue
                if j == 0:
                    b0 = row_bucket[c]
                else:
                    b0 = bucket_of_row(bitmaps[: bm_start[1]], samples[: sm_start[1]], row)
                w0 = h0 | (np.uint64(b0) << np.uint64(ext0)) | np.uint64(packed_at(low, ext0, row))
                x0 = w0 ^ a0
                d = part + popc(x0 & _LOW32)
                if d > radius:
                    continue
                # Reported by the first table whose region is within its radius, so once.
                first = True
                for i in range(j):
                    if rhos[i] >= 0 and popc(field(x0, x1, x2, x3, offs[i], widths[i])) <= rhos[i]:
                        first = False
                        break
                if not first:
                    continue
                if count == cap:
                    return qi, at_start, True
                out_q[count] = qi
                out_r[count] = row
                out_d[count] = d
                count += 1
    if touched == np.uint64(0x5A5A5A5A5A5A5A5A):
        out_d[0] = out_d[0]  # keeps the touch passes from being optimised away
    return q.shape[0], count, False


@njit(cache=True, nogil=True)
def full_words(hi: Any, low: Any, ext0: Any, bitmap0: Any) -> Any:
    """Every row's whole hash as ``(n, 4)`` uint64, table 0's key taken from its bucket."""
    n = hi.shape[0]
    out = np.empty((n, 4), np.uint64)
    bucket = -1
    row = 0
    bit = 0
    while row < n:
        word = bitmap0[bit >> 6]
        if (word >> np.uint64(bit & 63)) & _ONE:
            h0, w1, w2, w3 = hi_words(hi, row)
            low_bits = np.uint64(packed_at(low, ext0, row))
            out[row, 0] = h0 | (np.uint64(bucket) << np.uint64(ext0)) | low_bits
            out[row, 1], out[row, 2], out[row, 3] = w1, w2, w3
            row += 1
        else:
            bucket += 1
        bit += 1
    return out
