"""The on-disk format of a multi-index-hashing index: one flat, versioned, checksummed file.

Why a format of our own: an index of ten million hashes takes minutes to build and must load in
well under a second, and it holds evidence-matching state, so a file that was cut short or
flipped a bit must be refused rather than silently miss matches. Pickle is out (it executes
code on load and has no notion of damage), so the file is a small binary header followed by the
raw arrays, each aligned to 64 bytes so that loading is one read plus zero-copy views.

Layout (all integers little-endian; the arrays are those of :mod:`haechi.index.segment`)::

    header   magic "HAECHMIH" | version u16 | reserved u16 | n u64 | m u16 | row_bits u8 |
             entry_bits u8 | id_bits u8 | reserved u8 | profile u8 | reserved u8 |
             m x (bit_offset u16, key_bits u8, ext_bits u8) |
             array directory: (offset u64, nbytes u64, crc32 u32) per array |
             crc32 u32 of everything above
    arrays   ids (n values of id_bits, bit-packed, in row order) |
             hash bits 32-255 (n x 7 x u32) | table 0's low bits (n values of ext_bits) |
             bucket bitmaps (per table, see segment.bitmap_words, u64) |
             bitmap samples (per table, 2**key_bits / 64 x u32) |
             entries ((m - 1) x stride values of entry_bits, bit-packed; stride = n rounded up
             to 8)

Versions 1 and 2 (rows in id order, whole hashes, offset tables) are refused with a request to
rebuild, never read as this layout; :mod:`haechi.scan.index_cache` rebuilds by itself.

The layout does not depend on the search radius: one file answers every radius. Writes go to a
temporary file in the same directory that is fsynced and then renamed over the target, so a
crash leaves either the old file or the new one, never half of each.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from haechi.errors import IndexError_
from haechi.index.bits import MAX_BITS, packed_nbytes
from haechi.index.plan import (
    MAX_KEY_BITS,
    MIN_KEY_BITS,
    PROFILES,
    TABLE0_BITS,
    Layout,
    Profile,
    TableSpec,
)
from haechi.index.segment import bitmap_words, sample_count, stride_of

__all__ = ["FORMAT_VERSION", "IndexFile", "TableSpec", "read_index", "write_index"]

MAGIC = b"HAECHMIH"
FORMAT_VERSION = 3
_ALIGN = 64
_FIXED = struct.Struct("<8sHHQHBBBBBB")
_TABLE = struct.Struct("<HBB")
_ARRAY = struct.Struct("<QQI")
_CRC = struct.Struct("<I")
_HI_BYTES = 28  # hash bits 32-255; bits 0-31 are table 0's region


@dataclass(frozen=True)
class IndexFile:
    """The arrays of one compacted index, as stored on disk (see :mod:`haechi.index.segment`)."""

    n: int
    ids: npt.NDArray[np.uint8]
    id_bits: int
    hi: npt.NDArray[np.uint32]
    low: npt.NDArray[np.uint8]
    layout: Layout
    bitmaps: npt.NDArray[np.uint64]
    samples: npt.NDArray[np.uint32]
    entries: npt.NDArray[np.uint8]
    profile: Profile = "fast"


_ARRAYS = ("ids", "hashes", "low bits", "bucket bitmaps", "bitmap samples", "table entries")


def _header_size(m: int) -> int:
    return _FIXED.size + m * _TABLE.size + len(_ARRAYS) * _ARRAY.size + _CRC.size


def _aligned(x: int) -> int:
    return (x + _ALIGN - 1) // _ALIGN * _ALIGN


def _expected_sizes(n: int, specs: tuple[TableSpec, ...], f: _Widths) -> list[int]:
    ext0 = specs[0].ext_bits if specs else 8
    return [
        packed_nbytes(n, f.id_bits),
        _HI_BYTES * n,
        packed_nbytes(n, ext0),
        8 * sum(bitmap_words(n, s.key_bits) for s in specs),
        4 * sum(sample_count(s.key_bits) for s in specs),
        packed_nbytes(max(0, len(specs) - 1) * stride_of(n), f.entry_bits),
    ]


@dataclass(frozen=True)
class _Widths:
    row_bits: int
    entry_bits: int
    id_bits: int


def write_index(path: str | os.PathLike[str], index: IndexFile) -> None:
    """Write ``index`` to ``path`` atomically (temp file, fsync, rename)."""
    n = index.n
    specs = index.layout.specs
    m = len(specs)
    arrays: list[npt.NDArray[np.generic]] = [
        np.ascontiguousarray(index.ids, dtype=np.uint8),
        np.ascontiguousarray(index.hi, dtype="<u4"),
        np.ascontiguousarray(index.low, dtype=np.uint8),
        np.ascontiguousarray(index.bitmaps, dtype="<u8"),
        np.ascontiguousarray(index.samples, dtype="<u4"),
        np.ascontiguousarray(index.entries, dtype=np.uint8),
    ]
    position = _aligned(_header_size(m))
    directory = b""
    layout: list[int] = []
    for arr in arrays:
        layout.append(position)
        directory += _ARRAY.pack(position, arr.nbytes, zlib.crc32(arr.data))
        position = _aligned(position + arr.nbytes)
    header = _FIXED.pack(
        MAGIC,
        FORMAT_VERSION,
        0,
        n,
        m,
        index.layout.row_bits,
        index.layout.entry_bits,
        index.id_bits,
        0,
        PROFILES.index(index.profile),
        0,
    )
    header += b"".join(_TABLE.pack(s.bit_offset, s.key_bits, s.ext_bits) for s in specs)
    header += directory
    header += _CRC.pack(zlib.crc32(header))

    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(header)
            for start, arr in zip(layout, arrays, strict=True):
                out.write(b"\0" * (start - out.tell()))
                out.write(arr.data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _damaged(path: Path, what: str) -> IndexError_:
    return IndexError_(
        f"matching index {path} is damaged or not an index file ({what}); "
        "delete it and rebuild the index from the banks"
    )


def _check_layout(source: Path, n: int, f: _Widths, specs: tuple[TableSpec, ...]) -> None:
    """Refuse a layout under which search could miss matches or read out of bounds.

    Exactness rests on the regions being disjoint; table 0 must be bits 0-31 (its key is
    implied by the row order); entries must fit row numbers.
    """
    if not 8 <= f.id_bits <= 64 or not 8 <= f.entry_bits <= MAX_BITS:
        raise _damaged(source, "bit widths out of range")
    if not specs or n > 1 << f.row_bits or f.row_bits > f.entry_bits:
        raise _damaged(source, f"row_bits={f.row_bits} cannot number {n} entries")
    t0 = specs[0]
    if t0.bit_offset != 0 or t0.width != TABLE0_BITS or t0.ext_bits < 8:
        raise _damaged(source, "table 0 is not bits 0-31")
    end = 0
    for j, s in enumerate(specs):
        if s.bit_offset < end or not MIN_KEY_BITS <= s.key_bits <= MAX_KEY_BITS:
            raise _damaged(source, "table regions overlap or are out of range")
        if j and s.ext_bits:
            raise _damaged(source, "only table 0 has filter bits")
        end = s.bit_offset + s.width
    if end > 256:
        raise _damaged(source, "a table region runs past the end of the hash")


def read_index(path: str | os.PathLike[str], *, mmap: bool = False) -> IndexFile:
    """Read and verify an index file; raise :class:`IndexError_` if it is damaged.

    With ``mmap`` the arrays are views of a read-only memory map: processes that map the same
    file share its pages (the platform API's and the scan's workers), and a file replaced by a
    rename stays readable through the old map.
    """
    source = Path(path)
    try:
        buf: npt.NDArray[np.uint8] = (
            np.memmap(source, dtype=np.uint8, mode="r") if mmap else np.fromfile(source, np.uint8)
        )
    except FileNotFoundError:
        raise IndexError_(f"no matching index at {source}; build one first") from None
    except (OSError, ValueError) as exc:
        raise IndexError_(f"cannot read matching index {source}: {exc}") from exc
    raw = buf.data
    if buf.shape[0] < _FIXED.size:
        raise _damaged(source, "file shorter than its header")
    magic, version, _, n, m, row_bits, entry_bits, id_bits, _, profile, _ = _FIXED.unpack_from(
        raw, 0
    )
    if magic != MAGIC:
        raise _damaged(source, "wrong magic bytes")
    if version != FORMAT_VERSION:
        raise IndexError_(
            f"matching index {source} has format version {version}, this haechi reads "
            f"version {FORMAT_VERSION}; rebuild the index from the banks"
        )
    size = _header_size(m)
    if buf.shape[0] < size:
        raise _damaged(source, "header cut short")
    (header_crc,) = _CRC.unpack_from(raw, size - _CRC.size)
    if zlib.crc32(raw[: size - _CRC.size]) != header_crc:
        raise _damaged(source, "header checksum mismatch")
    if profile >= len(PROFILES):
        raise _damaged(source, "unknown profile")

    pos = _FIXED.size
    specs = []
    for _ in range(m):
        specs.append(TableSpec(*_TABLE.unpack_from(raw, pos)))
        pos += _TABLE.size
    spec_tuple = tuple(specs)
    widths = _Widths(row_bits, entry_bits, id_bits)
    _check_layout(source, n, widths, spec_tuple)
    views: list[npt.NDArray[np.uint8]] = []
    expected = _expected_sizes(n, spec_tuple, widths)
    for name, want in zip(_ARRAYS, expected, strict=True):
        start, nbytes, crc = _ARRAY.unpack_from(raw, pos)
        pos += _ARRAY.size
        if nbytes != want or start % _ALIGN or start + nbytes > buf.shape[0]:
            raise _damaged(source, f"{name}: size or position does not fit n={n}")
        view = buf[start : start + nbytes]
        if zlib.crc32(view.data) != crc:
            raise _damaged(source, f"{name}: checksum mismatch")
        views.append(view)

    bitmaps = views[3].view("<u8")
    samples = views[4].view("<u4")
    bm_at, sm_at = 0, 0
    for spec in spec_tuple:
        words = bitmap_words(n, spec.key_bits)
        bitmap = bitmaps[bm_at : bm_at + words]
        sampled = samples[sm_at : sm_at + sample_count(spec.key_bits)]
        bm_at += words
        sm_at += sampled.shape[0]
        # n ones and zero guard words keep every walk of the bitmap inside it; samples that
        # rise and stay inside keep every lookup there too (the checksums vouch for the rest).
        ones = int(np.bitwise_count(bitmap).sum(dtype=np.int64))
        if ones != n or bitmap[-1] or bool(np.any(sampled[1:] < sampled[:-1])):
            raise _damaged(source, "a table's bucket bitmap is inconsistent")
        if sampled.shape[0] and int(sampled[-1]) >= 64 * (words - 1):
            raise _damaged(source, "a table's bucket bitmap is inconsistent")
    # np.asarray: the compiled kernels take plain arrays, not np.memmap.
    return IndexFile(
        n=n,
        ids=np.asarray(views[0]),
        id_bits=id_bits,
        hi=np.asarray(views[1].view("<u4").reshape(n, 7)),
        low=np.asarray(views[2]),
        layout=Layout(row_bits, entry_bits, spec_tuple),
        bitmaps=np.asarray(bitmaps),
        samples=np.asarray(samples),
        entries=np.asarray(views[4 + 1]),
        profile=PROFILES[profile],
    )
