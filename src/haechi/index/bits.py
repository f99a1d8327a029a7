"""Compact storage for the index's integer arrays: bit-packed values.

Why: at ten million entries every byte per entry is ten megabytes, and the index's integers
need far fewer bits than their numpy types give them. A row number needs ``log2 n`` bits (24 at
10M), not 32; an id of a bank with a few million signals needs 24, not 64.

Packed values are a little-endian bit stream: value ``k`` takes bits ``[k * bits, (k + 1) *
bits)``, and the buffer carries eight bytes of padding so that any value can be read with one
unaligned 64-bit load (a strided numpy view), which keeps a gather a single numpy call.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_U8 = npt.NDArray[np.uint8]
_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]

PAD = 8
MAX_BITS = 57  # a value plus its shift (< 8) must fit one 64-bit load
_CHUNK = 1 << 20  # values unpacked at a time


def packed_nbytes(count: int, bits: int) -> int:
    """Bytes of a packed buffer of ``count`` values of ``bits`` bits, padding included."""
    return (count * bits + 7) // 8 + PAD


def pack(values: npt.ArrayLike, bits: int, out: _U8 | None = None, first: int = 0) -> _U8:
    """Pack non-negative integers below ``2**bits`` into a bit stream (see the module).

    With ``out``, the values are written into it as values ``first, first + 1, ...`` of its
    stream (``first`` a multiple of 8, so they start on a byte); the bytes must be zero.
    """
    if not (8 <= bits <= MAX_BITS or bits == 64):
        raise ValueError(f"cannot pack {bits}-bit values")
    if first % 8:
        raise ValueError("packed runs must start on a multiple of 8 values")
    arr = np.ascontiguousarray(values, dtype="<u8").reshape(-1)
    if out is None:
        out = np.zeros(packed_nbytes(arr.shape[0], bits), dtype=np.uint8)
    if bits == 64:  # whole words (ids beyond 2**57): a plain copy
        out[first * 8 : (first + arr.shape[0]) * 8] = arr.view(np.uint8)
        return out
    words = _loads(out)
    # Values eight apart are at least 64 bits apart, so their 64-bit windows never overlap
    # and each of eight strided passes can OR its values in with one vectorised store.
    for phase in range(8):
        part = arr[phase::8]
        bitpos = (np.arange(part.shape[0], dtype=np.int64) * 8 + phase + first) * bits
        at = bitpos >> 3
        words[at] |= part << (bitpos & 7).astype(np.uint64)
    return out


def _loads(buf: _U8) -> _U64:
    """A view that reads a little-endian 64-bit word at every byte offset of ``buf``."""
    count = max(0, buf.shape[0] - 7)
    view: _U64 = np.ndarray(shape=(count,), dtype="<u8", buffer=buf.data, offset=0, strides=(1,))
    return view


def gather(buf: _U8, bits: int, positions: npt.ArrayLike) -> _U64:
    """The packed values at ``positions`` (any integer array), as uint64."""
    pos = np.asarray(positions, dtype=np.int64)
    mask = np.uint64((1 << bits) - 1)
    if bits in (8, 16, 32, 64):  # aligned loads: the fastest gather numpy has
        aligned: _U64 = buf[: buf.shape[0] - PAD].view(f"<u{bits // 8}")[pos].astype(np.uint64)
        return aligned
    if bits % 8 == 0:
        step = bits // 8
        count = max(0, (buf.shape[0] - 8) // step + 1)
        whole: _U64 = np.ndarray(
            shape=(count,), dtype="<u8", buffer=buf.data, offset=0, strides=(step,)
        )
        out = whole[pos]
        out &= mask
        return out
    bitpos = pos * bits
    words: _U64 = _loads(buf)[bitpos >> 3]
    words >>= (bitpos & 7).astype(np.uint64)
    words &= mask
    return words


def unpack(buf: _U8, bits: int, count: int) -> _U64:
    """All ``count`` values of a packed buffer."""
    if count == 0:
        return np.empty(0, dtype=np.uint64)
    out = np.empty(count, dtype=np.uint64)
    for start in range(0, count, _CHUNK):
        stop = min(count, start + _CHUNK)
        out[start:stop] = gather(buf, bits, np.arange(start, stop))
    return out


def bits_for(largest: int) -> int:
    """Bits to store every value in ``[0, largest]`` (at least 8, see :func:`pack`)."""
    wanted = max(8, int(largest).bit_length())
    return wanted if wanted <= MAX_BITS else 64
