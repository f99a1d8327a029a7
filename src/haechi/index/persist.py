"""The on-disk format of a multi-index-hashing index: one flat, versioned, checksummed file.

Why a format of our own: an index of ten million hashes takes minutes to build and must load in
well under a second, and it holds evidence-matching state, so a file that was cut short or
flipped a bit must be refused rather than silently miss matches. Pickle is out (it executes
code on load and has no notion of damage), so the file is a small binary header followed by the
raw arrays, each aligned to 64 bytes so that loading is one read plus zero-copy views.

Layout (all integers little-endian)::

    header   magic "HAECHMIH" | version u16 | reserved u16 | n u64 | m u16 | row_bits u8 |
             reserved u8 | m x (bit_offset u16, key_bits u8, ext_bits u8) |
             array directory: (offset u64, nbytes u64, crc32 u32) per array |
             crc32 u32 of everything above
    arrays   ids (n x i64, ascending) | hashes (n x 32 bytes) |
             offsets (m x (2**key_bits + 1) x u32) | entries (m x n x u32)

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

MAGIC = b"HAECHMIH"
FORMAT_VERSION = 1
_ALIGN = 64
_FIXED = struct.Struct("<8sHHQHBB")
_TABLE = struct.Struct("<HBB")
_ARRAY = struct.Struct("<QQI")
_CRC = struct.Struct("<I")
_HASH_BYTES = 32


@dataclass(frozen=True)
class TableSpec:
    """Where one substring table looks in the hash.

    ``key_bits`` bits starting at ``bit_offset`` address the table's buckets (all tables of a
    file share ``key_bits``); the next ``ext_bits`` bits are kept beside each entry so that
    candidates can be filtered before the full hash is read.
    """

    bit_offset: int
    key_bits: int
    ext_bits: int


@dataclass(frozen=True)
class IndexFile:
    """The arrays of one compacted index, as stored on disk.

    ``offsets[j]`` are table ``j``'s bucket starts (CSR); ``entries[j]`` its entries in bucket
    order, each a row number in the low ``row_bits`` bits and ext bits above them.
    """

    ids: npt.NDArray[np.int64]
    hashes: npt.NDArray[np.uint8]
    row_bits: int
    specs: tuple[TableSpec, ...]
    offsets: npt.NDArray[np.uint32]
    entries: npt.NDArray[np.uint32]


_ARRAYS = ("ids", "hashes", "table offsets", "table entries")


def _header_size(m: int) -> int:
    return _FIXED.size + m * _TABLE.size + len(_ARRAYS) * _ARRAY.size + _CRC.size


def _aligned(x: int) -> int:
    return (x + _ALIGN - 1) // _ALIGN * _ALIGN


def _expected_sizes(n: int, specs: tuple[TableSpec, ...]) -> list[int]:
    buckets = (1 << specs[0].key_bits) + 1 if specs else 0
    return [8 * n, _HASH_BYTES * n, 4 * len(specs) * buckets, 4 * len(specs) * n]


def write_index(path: str | os.PathLike[str], index: IndexFile) -> None:
    """Write ``index`` to ``path`` atomically (temp file, fsync, rename)."""
    n = int(index.ids.shape[0])
    m = len(index.specs)
    arrays: list[npt.NDArray[np.generic]] = [
        np.ascontiguousarray(index.ids, dtype="<i8"),
        np.ascontiguousarray(index.hashes, dtype=np.uint8),
        np.ascontiguousarray(index.offsets, dtype="<u4"),
        np.ascontiguousarray(index.entries, dtype="<u4"),
    ]
    position = _aligned(_header_size(m))
    directory = b""
    layout: list[int] = []
    for arr in arrays:
        layout.append(position)
        directory += _ARRAY.pack(position, arr.nbytes, zlib.crc32(arr.data))
        position = _aligned(position + arr.nbytes)
    header = _FIXED.pack(MAGIC, FORMAT_VERSION, 0, n, m, index.row_bits, 0)
    header += b"".join(_TABLE.pack(s.bit_offset, s.key_bits, s.ext_bits) for s in index.specs)
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


def _check_layout(source: Path, n: int, row_bits: int, specs: tuple[TableSpec, ...]) -> None:
    """Refuse a layout under which search could miss matches or read out of bounds.

    Exactness rests on the regions being disjoint; entries must fit row numbers and ext bits.
    """
    if specs and (row_bits > 32 or n > 1 << row_bits):
        raise _damaged(source, f"row_bits={row_bits} cannot number {n} entries")
    if len({s.key_bits for s in specs}) > 1:
        raise _damaged(source, "tables differ in key_bits")
    end = 0
    for s in sorted(specs, key=lambda s: s.bit_offset):
        if s.bit_offset < end or s.key_bits == 0 or s.key_bits > 31 or s.ext_bits > 8:
            raise _damaged(source, "table regions overlap or are out of range")
        if row_bits + s.ext_bits > 32:
            raise _damaged(source, "table entries do not fit 32 bits")
        end = s.bit_offset + s.key_bits + s.ext_bits
    if end > 8 * _HASH_BYTES:
        raise _damaged(source, "a table region runs past the end of the hash")


def read_index(path: str | os.PathLike[str], *, mmap: bool = False) -> IndexFile:
    """Read and verify an index file; raise :class:`IndexError_` if it is damaged.

    With ``mmap`` the arrays are views of a read-only memory map: processes that map the same
    file share its pages (the platform API's workers), and a file replaced by a rename stays
    readable through the old map.
    """
    source = Path(path)
    try:
        buf: npt.NDArray[np.uint8] = (
            np.memmap(source, dtype=np.uint8, mode="r") if mmap else np.fromfile(source, np.uint8)
        )
    except FileNotFoundError:
        raise IndexError_(f"no matching index at {source}; build one first") from None
    except OSError as exc:
        raise IndexError_(f"cannot read matching index {source}: {exc}") from exc
    raw = buf.data
    if buf.shape[0] < _FIXED.size:
        raise _damaged(source, "file shorter than its header")
    magic, version, _, n, m, row_bits, _ = _FIXED.unpack_from(raw, 0)
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

    pos = _FIXED.size
    specs = []
    for _ in range(m):
        specs.append(TableSpec(*_TABLE.unpack_from(raw, pos)))
        pos += _TABLE.size
    spec_tuple = tuple(specs)
    _check_layout(source, n, row_bits, spec_tuple)
    views: list[npt.NDArray[np.uint8]] = []
    for name, want in zip(_ARRAYS, _expected_sizes(n, spec_tuple), strict=True):
        start, nbytes, crc = _ARRAY.unpack_from(raw, pos)
        pos += _ARRAY.size
        if nbytes != want or start % _ALIGN or start + nbytes > buf.shape[0]:
            raise _damaged(source, f"{name}: size or position does not fit n={n}")
        view = buf[start : start + nbytes]
        if zlib.crc32(view.data) != crc:
            raise _damaged(source, f"{name}: checksum mismatch")
        views.append(view)

    ids = views[0].view("<i8")
    hashes = views[1].reshape(n, _HASH_BYTES)
    offsets = views[2].view("<u4").reshape(m, -1 if m else 0)
    entries = views[3].view("<u4").reshape(m, n)
    if n and (ids[0] < 0 or not bool(np.all(ids[1:] > ids[:-1]))):
        raise _damaged(source, "ids are not unique, ascending and non-negative")
    row_mask = np.uint32((1 << row_bits) - 1)
    for off, ent in zip(offsets, entries, strict=True):
        if off[0] != 0 or int(off[-1]) != n or bool(np.any(off[1:] < off[:-1])):
            raise _damaged(source, "a table's bucket offsets are inconsistent")
        if n and int((ent & row_mask).max()) >= n:
            raise _damaged(source, "a table points past the last entry")
    return IndexFile(
        ids=ids.astype(np.int64, copy=False),
        hashes=hashes,
        row_bits=row_bits,
        specs=spec_tuple,
        offsets=offsets.astype(np.uint32, copy=False),
        entries=entries.astype(np.uint32, copy=False),
    )
