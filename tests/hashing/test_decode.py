"""Defensive decoding: hostile files give a FAILED result that says why, never an exception.

A scan walks folders of whatever was downloaded from abusive sites. One truncated JPEG or
decompression bomb must not stop it, and an odd but valid file (16-bit, palette with
transparency, animated, misnamed) must hash as the picture a person would see.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from haechi.hashing import DecodeLimits, HashOptions, MediaHashes, Outcome, hash_file
from haechi.testkit import pdq_of_image, sample_image

FAST = HashOptions()
EXACT = HashOptions(limits=DecodeLimits(exact=True))
BOTH = pytest.mark.parametrize("options", [FAST, EXACT], ids=["fast", "exact"])


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _zero_rows(row_bytes: int, rows: int) -> Iterator[bytes]:
    packer = zlib.compressobj(9)
    row = bytes(1 + row_bytes)  # filter byte 0 then black pixels
    batch = row * 1000
    for _ in range(rows // 1000):
        yield packer.compress(batch)
    yield packer.compress(row * (rows % 1000))
    yield packer.flush()


def bilevel_png(width: int, height: int) -> bytes:
    """A black 1-bit PNG written by hand: tiny on disk, huge once decoded."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    data = b"".join(_zero_rows((width + 7) // 8, height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def assert_failed(result: MediaHashes, *words: str) -> None:
    """FAILED, no PDQ, exact digests taken, and an error that names the problem."""
    assert result.outcome is Outcome.FAILED
    assert result.pdq is None
    assert len(result.sha256) == 64 and len(result.md5) == 32
    assert result.error, "a failure must say why"
    for word in words:
        assert word in result.error.lower(), result.error


@pytest.fixture(scope="module")
def photo_jpeg() -> bytes:
    """A real photo, large enough on both sides for the fast path's DCT-scaled decode."""
    image = sample_image("coffee").resize((1800, 1200), Image.Resampling.BICUBIC)
    return encode(image, "JPEG", quality=90)


# Hostile and broken files


@BOTH
def test_zero_byte_file(tmp_path: Path, options: HashOptions) -> None:
    result = hash_file(write(tmp_path / "empty.jpg", b""), options)
    assert_failed(result, "empty")
    assert result.size == 0
    assert result.sha256 == hashlib.sha256(b"").hexdigest()


@BOTH
def test_random_bytes_named_jpg(tmp_path: Path, options: HashOptions) -> None:
    noise = np.random.default_rng(7).integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    assert_failed(hash_file(write(tmp_path / "photo.jpg", noise), options), "not an image")


@BOTH
def test_text_file_named_png(tmp_path: Path, options: HashOptions) -> None:
    text = b"This is not a picture.\n" * 100
    assert_failed(hash_file(write(tmp_path / "notes.png", text), options), "not an image")


@BOTH
def test_truncated_jpeg(tmp_path: Path, options: HashOptions, photo_jpeg: bytes) -> None:
    half = photo_jpeg[: len(photo_jpeg) // 2]
    assert_failed(hash_file(write(tmp_path / "cut.jpg", half), options), "damaged")


@BOTH
def test_truncated_png(tmp_path: Path, options: HashOptions) -> None:
    png = encode(sample_image("astronaut"), "PNG")
    half = png[: len(png) // 2]
    assert_failed(hash_file(write(tmp_path / "cut.png", half), options), "damaged")


@BOTH
def test_png_decompression_bomb(tmp_path: Path, options: HashOptions) -> None:
    bomb = bilevel_png(30_000, 30_000)  # 900 million pixels
    assert len(bomb) < 300_000
    assert_failed(hash_file(write(tmp_path / "bomb.png", bomb), options), "bomb")


def test_bomb_below_pillows_hard_limit_is_refused_too(tmp_path: Path) -> None:
    # 144 million pixels: under haechi's cap, but over Pillow's warning threshold.
    bomb = bilevel_png(12_000, 12_000)
    assert_failed(hash_file(write(tmp_path / "bomb.png", bomb)), "bomb")


def test_image_over_max_pixels(tmp_path: Path) -> None:
    path = write(tmp_path / "big.png", encode(sample_image("astronaut"), "PNG"))
    options = HashOptions(limits=DecodeLimits(max_pixels=100_000))
    result = hash_file(path, options)
    assert_failed(result, "512x512", "cap")
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_file_over_max_file_bytes_gets_only_digests(tmp_path: Path, photo_jpeg: bytes) -> None:
    path = write(tmp_path / "large.jpg", photo_jpeg)
    result = hash_file(path, HashOptions(max_file_bytes=len(photo_jpeg) - 1))
    assert_failed(result, "only exact digests")
    assert result.sha256 == hashlib.sha256(photo_jpeg).hexdigest()
    assert result.md5 == hashlib.md5(photo_jpeg).hexdigest()
    assert result.size == len(photo_jpeg)
    assert result.signals()[0].kind == "md5"


# Odd but valid files


def ok_pdq(result: MediaHashes) -> MediaHashes:
    assert result.outcome is Outcome.OK, result.error
    assert result.pdq is not None and result.error is None
    return result


@BOTH
def test_whole_jpeg_hashes(tmp_path: Path, options: HashOptions, photo_jpeg: bytes) -> None:
    result = ok_pdq(hash_file(write(tmp_path / "photo.jpg", photo_jpeg), options))
    assert result.media_format == "JPEG"
    assert result.pdq is not None and result.pdq.reliable()


def test_16_bit_grayscale_png_hashes_like_its_8_bit_version(tmp_path: Path) -> None:
    gray8 = np.asarray(sample_image("camera"))
    low_bits = np.random.default_rng(3).integers(0, 256, gray8.shape, dtype=np.uint16)
    gray16 = Image.fromarray((gray8.astype(np.uint16) << 8) | low_bits)
    assert gray16.mode == "I;16"
    path = write(tmp_path / "scan16.png", encode(gray16, "PNG"))
    with Image.open(path) as reopened:
        assert reopened.mode == "I;16"
    result = ok_pdq(hash_file(path))
    assert result.pdq is not None
    assert result.pdq.distance(pdq_of_image(Image.fromarray(gray8))) <= 4


def test_png_named_jpg(tmp_path: Path) -> None:
    png = encode(sample_image("chelsea"), "PNG")
    misnamed = ok_pdq(hash_file(write(tmp_path / "photo.jpg", png)))
    proper = ok_pdq(hash_file(write(tmp_path / "photo.png", png)))
    assert misnamed.media_format == "PNG"
    assert misnamed.pdq == proper.pdq


def test_animated_gif_hashes_its_first_frame(tmp_path: Path) -> None:
    frames = [
        sample_image(name).convert("RGB").resize((320, 320)).quantize(256)
        for name in ("astronaut", "coffee", "chelsea")
    ]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = ok_pdq(hash_file(write(tmp_path / "clip.gif", gif)))
    assert result.pdq is not None and result.media_format == "GIF"
    distances = [result.pdq.distance(pdq_of_image(frame)) for frame in frames]
    assert distances[0] <= 2, distances
    assert min(distances[1:]) >= 64, distances


def test_palette_png_with_transparency_is_seen_on_white(tmp_path: Path) -> None:
    photo = sample_image("coffee").convert("RGB").quantize(255)
    pixels = np.asarray(photo).copy()
    hole = (slice(100, 300), slice(200, 400))
    # A cut-out in the middle: PDQ ignores the DCT's zero-frequency row and column, so a
    # full-height band would hash the same on white and on black and prove nothing.
    pixels[hole] = 255
    palette = photo.getpalette() or []
    paletted = Image.frombytes("P", photo.size, pixels.tobytes())
    paletted.putpalette([*palette[: 255 * 3], 0, 0, 0])
    path = write(tmp_path / "sticker.png", encode(paletted, "PNG", transparency=255))
    with Image.open(path) as reopened:
        assert reopened.mode == "P" and reopened.info.get("transparency") == 255

    on_white = np.asarray(paletted.convert("RGB")).copy()
    on_white[hole] = 255
    on_black = on_white.copy()
    on_black[hole] = 0
    result = ok_pdq(hash_file(path))
    assert result.pdq is not None
    assert result.pdq.distance(pdq_of_image(Image.fromarray(on_white))) <= 2
    assert result.pdq.distance(pdq_of_image(Image.fromarray(on_black))) > 10
