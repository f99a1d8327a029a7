"""Defensive image decoding into the pixels PDQ hashes.

Files come from hostile places: truncated downloads, decompression bombs, files named ``.jpg``
that are not, 16-bit scans, palette and CMYK images. Every one of them gives either pixels or a
:class:`~haechi.errors.MediaError` with a message a person can act on, never a crash.

Pixels are prepared as Meta's reference ``pdq-photo-hasher`` does, so hashes agree bit for bit:
an image larger than 512 px on either side is sampled down to exactly 512x512 by nearest
neighbour (rows ``floor(i*H/512)``, columns ``floor(j*W/512)``). For JPEGs larger than 1024 px
on both sides the fast path asks libjpeg for a DCT-scaled decode (1/2, 1/4 or 1/8) that is
still at least 512 px, which skips most of the decoding work; ``exact=True`` turns it off.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFile, ImageFilter, UnidentifiedImageError

from haechi.errors import MediaError, MediaTooLarge, UnsupportedMedia

PDQ_SIDE = 512
Pixels = npt.NDArray[np.uint8]

# Truncated images must fail loudly, not decode as half grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False


@dataclass(frozen=True)
class DecodeLimits:
    """Caps that keep one hostile file from taking the machine down."""

    max_pixels: int = 150_000_000
    exact: bool = False


@dataclass(frozen=True)
class DecodedImage:
    """RGB pixels ready for PDQ, and what the file said about itself."""

    pixels: Pixels
    format: str
    width: int
    height: int
    orientation: int = 1
    """The EXIF orientation (1-8) a viewer applies. Pixels stay as stored, as the reference
    hashing tools read them; only what is drawn over a preview (turned by it) needs it."""


_EXIF_ORIENTATION = 0x0112


def _to_rgb_array(im: Image.Image) -> Pixels:
    """Convert any PIL mode to an 8-bit RGB array without the colour errors of a bare cast."""
    mode = im.mode
    if mode == "1":
        # A bilevel image is a halftone: a slight blur gives back the grey levels a viewer
        # sees (measured: 12 bits from the photo without it, 0 with it).
        im = im.convert("L").filter(ImageFilter.GaussianBlur(1.5))
        mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(im)
        if mode == "F":
            arr = np.nan_to_num(arr.astype(np.float64))
            lo, hi = float(arr.min()), float(arr.max())
            scaled = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
            gray = scaled.astype(np.uint8)
        else:
            wide = arr.astype(np.int64)
            gray = (np.clip(wide, 0, 65535) >> 8).astype(np.uint8) if wide.max() > 255 else (
                np.clip(wide, 0, 255).astype(np.uint8)
            )
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if mode == "P":
        im = im.convert("RGBA") if "transparency" in im.info else im.convert("RGB")
        mode = im.mode
    if mode in ("LA", "RGBA", "PA", "La", "RGBa"):
        rgba = im.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"))
        if alpha.min() < 255:
            # Transparent pixels hold arbitrary colour: show them on white, as a viewer would.
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            rgba = Image.alpha_composite(white, rgba)
        im = rgba.convert("RGB")
    elif mode != "RGB":
        im = im.convert("RGB")
    return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))


# Modes whose conversion to RGB works pixel by pixel, so it commutes with nearest sampling.
_POINTWISE_MODES = frozenset({"RGB", "L", "RGBA", "LA", "CMYK", "YCbCr", "P"})


def _sample_down(im: Image.Image) -> Image.Image:
    """Nearest-sample a large image to 512x512 before it becomes an array.

    The same pixels :func:`pdq_pixels` picks (Pillow samples output pixel ``j`` at
    ``(j + 0.5) * sx - sx / 2 = j * W / 512``), without copying 12 MP into numpy first:
    about 1 ms instead of 40 ms on a 12 MP photo. Bilevel images are left whole because
    they are blurred before sampling.
    """
    if im.mode not in _POINTWISE_MODES or (im.width <= PDQ_SIDE and im.height <= PDQ_SIDE):
        return im
    sx, sy = im.width / PDQ_SIDE, im.height / PDQ_SIDE
    return im.transform(
        (PDQ_SIDE, PDQ_SIDE),
        Image.Transform.AFFINE,
        (sx, 0, -sx / 2, 0, sy, -sy / 2),
        Image.Resampling.NEAREST,
    )


def pdq_pixels(rgb: Pixels) -> Pixels:
    """Sample pixels down to 512x512 exactly as the reference tool does; small images pass."""
    h, w = rgb.shape[:2]
    if h <= PDQ_SIDE and w <= PDQ_SIDE:
        return rgb
    rows = (np.arange(PDQ_SIDE) * h) // PDQ_SIDE
    cols = (np.arange(PDQ_SIDE) * w) // PDQ_SIDE
    return np.ascontiguousarray(rgb[rows][:, cols])


def decode_image(data: bytes, limits: DecodeLimits | None = None) -> DecodedImage:
    """Decode image bytes into PDQ-ready RGB pixels, or raise a :class:`MediaError`."""
    limits = limits or DecodeLimits()
    if not data:
        raise UnsupportedMedia("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            width, height = im.size
            fmt = im.format or "unknown"
            if width <= 0 or height <= 0:
                raise UnsupportedMedia(f"{fmt} image with no pixels ({width}x{height})")
            if width * height > limits.max_pixels:
                raise MediaTooLarge(
                    f"{fmt} image of {width}x{height} pixels is over the cap of "
                    f"{limits.max_pixels:,} (a decompression bomb or a huge scan)"
                )
            if getattr(im, "n_frames", 1) > 1:
                im.seek(0)
            if fmt == "JPEG" and not limits.exact and min(width, height) >= 2 * PDQ_SIDE:
                im.draft("RGB", (PDQ_SIDE, PDQ_SIDE))
            im.load()
            orientation = _orientation(im)
            rgb = _to_rgb_array(_sample_down(im))
    except MediaError:
        raise
    except UnidentifiedImageError:
        raise UnsupportedMedia("not an image format haechi can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaTooLarge(f"refused as a decompression bomb: {exc}") from None
    except MemoryError:
        raise MediaTooLarge("image too large to decode in memory") from None
    except (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError) as exc:
        # Pillow reports truncation and corrupt streams as OSError/SyntaxError/ValueError.
        reason = str(exc) or type(exc).__name__
        raise UnsupportedMedia(f"damaged image: {reason}") from None
    return DecodedImage(pdq_pixels(rgb), fmt, width, height, orientation)


def _orientation(im: Image.Image) -> int:
    """The file's EXIF orientation, 1 (as stored) when it has none or a damaged one."""
    try:
        value = im.getexif().get(_EXIF_ORIENTATION, 1)
    except (OSError, ValueError, SyntaxError, TypeError, IndexError, KeyError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1
