"""A careful forger's tools: rewrite a real bundle's members and make everything unsigned fit.

Each forgery keeps the datapackage and its digest consistent (and, where it matters, the index
and the offsets in bundle.json), so only checks that rest on signatures can catch it.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from haechi.evidence import bundle as layout


def members(path: Path) -> dict[str, bytes]:
    """Every member of a bundle, in archive order."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def refit_datapackage(files: dict[str, bytes], extra: Iterable[str] = ()) -> dict[str, bytes]:
    """Recompute the datapackage (hashes and sizes of the members, plus ``extra`` names)."""
    out = dict(files)
    package = json.loads(out[layout.DATAPACKAGE_PATH])
    listed = {r["path"] for r in package["resources"]}
    for name in extra:
        if name not in listed:
            package["resources"].append({"name": name, "path": name})
    package["resources"] = [r for r in package["resources"] if r["path"] in out]
    for resource in package["resources"]:
        data = out[resource["path"]]
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        resource["bytes"] = len(data)
    out[layout.DATAPACKAGE_PATH] = json.dumps(package).encode()
    digest = "sha256:" + hashlib.sha256(out[layout.DATAPACKAGE_PATH]).hexdigest()
    out[layout.DIGEST_PATH] = json.dumps({"path": "datapackage.json", "hash": digest}).encode()
    return out


def write(target: Path, entries: Iterable[tuple[str, bytes]]) -> Path:
    """A ZIP of ``entries`` in order (duplicates allowed), the WARC stored as WACZ wants."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name" is the point
        with zipfile.ZipFile(target, "w") as archive:
            for name, data in entries:
                method = zipfile.ZIP_STORED if name.startswith("archive/") else zipfile.ZIP_DEFLATED
                archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return target


def forged_record(url: str, body: bytes = b"<p>planted by a forger</p>") -> bytes:
    """One gzipped WARC response record, digests correct, for ``url``."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    headers = StatusAndHeaders(
        "200 OK",
        [("Content-Type", "text/html"), ("Content-Length", str(len(body)))],
        protocol="HTTP/1.1",
    )
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers
    )
    writer.write_record(record)
    return out.getvalue()


def with_warc(files: dict[str, bytes], warc: bytes, shift: int = 0) -> dict[str, bytes]:
    """``files`` with another WARC, the index recomputed and capture offsets moved by ``shift``."""
    out = dict(files)
    out[layout.WARC_PATH] = warc
    out[layout.INDEX_PATH] = "".join(line + "\n" for line in layout.cdxj_lines(warc)).encode()
    if shift:
        bundle = json.loads(out[layout.BUNDLE_PATH])
        for item in bundle["captures"]:
            if "warc_offset" in item:
                item["warc_offset"] += shift
        out[layout.BUNDLE_PATH] = json.dumps(bundle, indent=2).encode()
    return refit_datapackage(out)


@dataclass(frozen=True)
class RawMember:
    """A member written as given: ``data`` is already compressed (raw deflate) or stored."""

    name: str
    chunks: tuple[bytes, ...] | Iterator[bytes]
    compressed_size: int
    size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED


def zero_bomb(name: str, size: int) -> RawMember:
    """A deflated member of ``size`` zero bytes whose compressed form is ~1/1000 of it.

    Deflate blocks closed by a full flush do not depend on what came before, so one
    compressed mebibyte of zeros, repeated, is a valid stream: no gigabytes are compressed.
    """
    mib = 1024 * 1024
    assert size % mib == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(mib)) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush()
    crc = 0
    zeros = bytes(mib)
    for _ in range(size // mib):
        crc = zlib.crc32(zeros, crc)
    count = size // mib
    return RawMember(name, (block,) * count + (tail,), len(block) * count + len(tail), size, crc)


def raw_member(name: str, data: bytes) -> RawMember:
    """A member from plain bytes (stored for archive/, deflated otherwise)."""
    if name.startswith("archive/"):
        return RawMember(name, (data,), len(data), len(data), zlib.crc32(data), zipfile.ZIP_STORED)
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    packed = compressor.compress(data) + compressor.flush()
    return RawMember(name, (packed,), len(packed), len(data), zlib.crc32(data))


def write_raw(target: Path, entries: Iterable[RawMember]) -> Path:
    """A ZIP written by hand, so that sizes and data can be whatever the test says."""
    central = b""
    count = 0
    with target.open("wb") as out:
        for entry in entries:
            offset = out.tell()
            name = entry.name.encode()
            fields = (20, 0, entry.method, 0, 0x21, entry.crc, entry.compressed_size, entry.size)
            out.write(struct.pack("<IHHHHHIII", 0x04034B50, *fields))
            out.write(struct.pack("<HH", len(name), 0) + name)
            for chunk in entry.chunks:
                out.write(chunk)
            central += struct.pack("<IH", 0x02014B50, 20)
            central += struct.pack("<HHHHHIII", *fields)
            central += struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset) + name
            count += 1
        start = out.tell()
        out.write(central)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0))
    return target
