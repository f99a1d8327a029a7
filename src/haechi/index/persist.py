"""The on-disk format of a multi-index-hashing index: one flat, versioned, checksummed file.

Why a format of our own: an index of ten million hashes takes minutes to build and must load in
well under a second, and it holds evidence-matching state, so a file that was cut short or
flipped a bit must be refused rather than silently miss matches. Pickle is out (it executes
code on load and has no notion of damage), so the file is a small binary header followed by the
raw arrays, each aligned to 64 bytes so that loading is one read plus zero-copy views.

Layout (all integers little-endian)::

    header   magic "HAECHMIH" | version u16 | reserved u16 | n u64 | m u16 | row_bits u8 |
             entry_bits u8 | id_bits u8 | rel_bytes u8 | profile u8 | reserved u8 |
             m x (bit_offset u16, key_bits u8, ext_bits u8) |
             array directory: (offset u64, nbytes u64, crc32 u32) per array |
             crc32 u32 of everything above
    arrays   ids (n values of id_bits, bit-packed, ascending) | hashes (n x 32 bytes) |
             offset bases (m x 2**key_bits / 256 x u32) |
             relative offsets (m x 2**key_bits / 256 x 257 x u16 or u32, per rel_bytes) |
             entries (m x stride values of entry_bits, bit-packed; stride = n rounded up to 8)

Version 1 (plain int64 ids and uint32 offsets and entries) is refused with a request to rebuild;
:mod:`haechi.scan.index_cache` does that by itself.

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
from haechi.index.bits import BLOCK_SHIFT, MAX_BITS, Offsets, packed_nbytes, unpack
from haechi.index.plan import PROFILES, Layout, Profile, TableSpec
from haechi.index.segment import stride_of

__all__ = ["FORMAT_VERSION", "IndexFile", "TableSpec", "read_index", "write_index"]

MAGIC = b"HAECHMIH"
FORMAT_VERSION = 2
_ALIGN = 64
_FIXED = struct.Struct("<8sHHQHBBBBBB")
_TABLE = struct.Struct("<HBB")
_ARRAY = struct.Struct("<QQI")
_CRC = struct.Struct("<I")
_HASH_BYTES = 32


@dataclass(frozen=True)
class IndexFile:
    """The arrays of one compacted index, as stored on disk (see :mod:`haechi.index.segment`)."""

    n: int
    ids: npt.NDArray[np.uint8]
    id_bits: int
    hashes: npt.NDArray[np.uint8]
    layout: Layout
    offsets: Offsets
    entries: npt.NDArray[np.uint8]
    profile: Profile = "fast"


_ARRAYS = ("ids", "hashes", "offset bases", "relative offsets", "table entries")


def _header_size(m: int) -> int:
    return _FIXED.size + m * _TABLE.size + len(_ARRAYS) * _ARRAY.size + _CRC.size


def _aligned(x: int) -> int:
    return (x + _ALIGN - 1) // _ALIGN * _ALIGN


def _expected_sizes(n: int, m: int, key_bits: int, rel_bytes: int, f: _Widths) -> list[int]:
    buckets = 1 << key_bits if m else 0
    blocks = buckets >> BLOCK_SHIFT
    return [
        packed_nbytes(n, f.id_bits),
        _HASH_BYTES * n,
        4 * m * blocks,
        rel_bytes * m * blocks * ((1 << BLOCK_SHIFT) + 1),
        packed_nbytes(m * stride_of(n), f.entry_bits),
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
        np.ascontiguousarray(index.hashes, dtype=np.uint8),
        np.ascontiguousarray(index.offsets.base, dtype="<u4"),
        np.ascontiguousarray(index.offsets.rel, dtype=index.offsets.rel.dtype.newbyteorder("<")),
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
        index.offsets.rel.dtype.itemsize if m else 2,
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

    Exactness rests on the regions being disjoint; entries must fit row numbers and ext bits.
    """
    if not 8 <= f.id_bits <= 64 or not 8 <= f.entry_bits <= MAX_BITS:
        raise _damaged(source, "bit widths out of range")
    if specs and (n > 1 << f.row_bits):
        raise _damaged(source, f"row_bits={f.row_bits} cannot number {n} entries")
    if len({s.key_bits for s in specs}) > 1:
        raise _damaged(source, "tables differ in key_bits")
    end = 0
    for s in sorted(specs, key=lambda s: s.bit_offset):
        if s.bit_offset < end or s.key_bits < BLOCK_SHIFT or s.key_bits > 31 or s.ext_bits > 8:
            raise _damaged(source, "table regions overlap or are out of range")
        if f.row_bits + s.ext_bits > f.entry_bits:
            raise _damaged(source, "table entries do not fit their width")
        end = s.bit_offset + s.key_bits + s.ext_bits
    if end > 8 * _HASH_BYTES:
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
    magic, version, _, n, m, row_bits, entry_bits, id_bits, rel_bytes, profile, _ = (
        _FIXED.unpack_from(raw, 0)
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
    if rel_bytes not in (2, 4) or profile >= len(PROFILES):
        raise _damaged(source, "unknown offset width or profile")

    pos = _FIXED.size
    specs = []
    for _ in range(m):
        specs.append(TableSpec(*_TABLE.unpack_from(raw, pos)))
        pos += _TABLE.size
    spec_tuple = tuple(specs)
    widths = _Widths(row_bits, entry_bits, id_bits)
    _check_layout(source, n, widths, spec_tuple)
    key_bits = spec_tuple[0].key_bits if m else 0
    views: list[npt.NDArray[np.uint8]] = []
    expected = _expected_sizes(n, m, key_bits, rel_bytes, widths)
    for name, want in zip(_ARRAYS, expected, strict=True):
        start, nbytes, crc = _ARRAY.unpack_from(raw, pos)
        pos += _ARRAY.size
        if nbytes != want or start % _ALIGN or start + nbytes > buf.shape[0]:
            raise _damaged(source, f"{name}: size or position does not fit n={n}")
        view = buf[start : start + nbytes]
        if zlib.crc32(view.data) != crc:
            raise _damaged(source, f"{name}: checksum mismatch")
        views.append(view)

    ids = unpack(views[0], id_bits, n)
    if n and not bool(np.all(ids[1:] > ids[:-1])):
        raise _damaged(source, "ids are not unique and ascending")
    del ids
    offsets = Offsets(
        views[2].view("<u4").reshape(m, -1 if m else 0),
        views[3].view(f"<u{rel_bytes}").reshape(m, -1 if m else 0),
    )
    for j in range(m):
        full = offsets.full(j)
        if full[0] != 0 or int(full[-1]) != n or bool(np.any(full[1:] < full[:-1])):
            raise _damaged(source, "a table's bucket offsets are inconsistent")
    # Entries are not unpacked here (seconds at 10M): the checksum vouches for them, and a
    # row number past the end is clipped at search time, where its hash is verified anyway.
    return IndexFile(
        n=n,
        ids=views[0],
        id_bits=id_bits,
        hashes=views[1].reshape(n, _HASH_BYTES),
        layout=Layout(row_bits, entry_bits, spec_tuple),
        offsets=offsets,
        entries=views[4],
        profile=PROFILES[profile],
    )
