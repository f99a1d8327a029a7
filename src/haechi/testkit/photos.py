"""Real photos to register, and hundreds of unrelated images to look for false matches.

Robustness and false-match figures only mean something on real photographs, and tests must
not depend on the network or on images nobody may redistribute. scikit-image ships a handful
of freely licensed sample photos inside its wheel (``skimage/data/``); this module reads those
files straight from the package directory, by file name, so nothing is ever downloaded (the
``skimage.data`` functions would fetch the larger data sets).

The two sides never share a source: the registered photos are never cropped into the
unrelated set, and ``motorcycle_right`` (the other half of the ``motorcycle_left`` stereo pair)
is used on neither side.
"""

from __future__ import annotations

import importlib.resources
import math
from collections.abc import Iterator
from functools import cache
from importlib.resources.abc import Traversable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Registered photos: name -> file in skimage/data/. Colour and grey, people, animals, objects,
# a landscape-like space photo and a medical photo, from 300x451 to 1411x1411.
REGISTERED_FILES: dict[str, str] = {
    "astronaut": "astronaut.png",
    "chelsea": "chelsea.png",
    "coffee": "coffee.png",
    "rocket": "rocket.jpg",
    "hubble_deep_field": "hubble_deep_field.jpg",
    "motorcycle_left": "motorcycle_left.png",
    "retina": "retina.jpg",
    "camera": "camera.png",
}

# Sample images that may be cropped into unrelated images: none is, or is taken from the same
# scene as, a registered photo.
CROP_SOURCE_FILES: dict[str, str] = {
    "brick": "brick.png",
    "grass": "grass.png",
    "gravel": "gravel.png",
    "page": "page.png",
    "coins": "coins.png",
    "moon": "moon.png",
    "text": "text.png",
    "color": "color.png",
    "cell": "cell.png",
    "ihc": "ihc.png",
    "horse": "horse.png",
    "phantom": "phantom.png",
    "logo": "logo.png",
}

# Files that are never used on either side, and why.
EXCLUDED_FILES: dict[str, str] = {
    "motorcycle_right.png": "stereo pair of the registered motorcycle_left",
    "clock_motion.png": "motion-blurred and nearly flat: most crops hash with quality < 50",
}

_LFW_FILE = "lfw_subset.npy"  # 100 faces and 100 background patches from LFW, 25x25 grey

_WORDS = (
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "report",
    "evidence",
    "hash",
    "match",
    "bank",
    "notice",
    "platform",
    "upload",
    "takedown",
    "review",
    "status",
    "pending",
    "verified",
    "channel",
    "message",
    "photo",
    "album",
    "seoul",
    "busan",
    "incheon",
    "daegu",
    "gwangju",
    "daejeon",
    "ulsan",
    "monday",
    "friday",
    "march",
    "april",
    "account",
)


class NamedImage(NamedTuple):
    """An image and a stable name saying where it came from (for reports of false matches)."""

    name: str
    image: Image.Image


def _data_dir() -> Traversable:
    return importlib.resources.files("skimage.data")


@cache
def _load_file(file_name: str) -> Image.Image:
    """One bundled sample file as an RGB or L image; transparent images go on white."""
    source = _data_dir() / file_name
    if not source.is_file():
        raise FileNotFoundError(
            f"{file_name} is not bundled with this scikit-image; the testkit never downloads"
        )
    with source.open("rb") as f, Image.open(f) as im:
        im.load()
        if im.mode in ("RGBA", "LA", "P"):
            rgba = im.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, rgba).convert("RGB")
        if im.mode in ("RGB", "L"):
            return im.copy()
        return im.convert("RGB")


def registered_photos() -> dict[str, Image.Image]:
    """The photos a test registers, by name, as fresh copies the caller may change."""
    return {name: _load_file(file).copy() for name, file in REGISTERED_FILES.items()}


def sample_image(name: str) -> Image.Image:
    """A registered photo or crop source by name (a fresh copy)."""
    file = REGISTERED_FILES.get(name) or CROP_SOURCE_FILES.get(name)
    if file is None:
        raise KeyError(f"no sample image called {name!r}")
    return _load_file(file).copy()


@cache
def _lfw() -> npt.NDArray[np.uint8]:
    with (_data_dir() / _LFW_FILE).open("rb") as f:
        faces: npt.NDArray[np.float64] = np.load(f)
    return np.clip(np.rint(faces * 255.0), 0, 255).astype(np.uint8)


def _lfw_image(index: int, rng: np.random.Generator) -> Image.Image:
    side = int(rng.integers(160, 321))
    small = Image.fromarray(_lfw()[index])
    return small.resize((side, side), Image.Resampling.BICUBIC)


def _crop_image(rng: np.random.Generator) -> NamedImage:
    names = sorted(CROP_SOURCE_FILES)
    name = names[int(rng.integers(len(names)))]
    src = _load_file(CROP_SOURCE_FILES[name])
    w, h = src.size
    cw = max(32, int(w * rng.uniform(0.25, 0.8)))
    ch = max(32, int(h * rng.uniform(0.25, 0.8)))
    x = int(rng.integers(0, w - cw + 1))
    y = int(rng.integers(0, h - ch + 1))
    crop = src.crop((x, y, x + cw, y + ch))
    longest = int(rng.integers(256, 641))
    scale = longest / max(cw, ch)
    size = (max(16, round(cw * scale)), max(16, round(ch * scale)))
    return NamedImage(f"crop-{name}-{x}-{y}-{cw}x{ch}", crop.resize(size, Image.Resampling.BICUBIC))


def _random_size(rng: np.random.Generator) -> tuple[int, int]:
    return int(rng.integers(256, 769)), int(rng.integers(256, 769))


def _random_colour(rng: np.random.Generator) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in rng.integers(0, 256, size=3))
    return r, g, b


def _smooth_noise(rng: np.random.Generator) -> Image.Image:
    w, h = _random_size(rng)
    cell = int(rng.integers(4, 64))
    coarse = rng.normal(size=(max(2, h // cell), max(2, w // cell), 3))
    lo, hi = coarse.min(), coarse.max()
    arr = ((coarse - lo) * (255.0 / (hi - lo))).astype(np.uint8)
    im = Image.fromarray(arr).resize((w, h), Image.Resampling.BICUBIC)
    return im.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 4.0))))


def _gradient(rng: np.random.Generator) -> Image.Image:
    w, h = _random_size(rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    if rng.random() < 0.5:
        angle = rng.uniform(0, 2 * math.pi)
        t = xx * math.cos(angle) + yy * math.sin(angle)
    else:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        t = np.hypot(xx - cx, yy - cy)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-9)
    a = np.array(_random_colour(rng), dtype=np.float64)
    b = np.array(_random_colour(rng), dtype=np.float64)
    arr = a + (b - a) * t[:, :, None] + rng.normal(0, 2.0, size=(h, w, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _shapes(rng: np.random.Generator) -> Image.Image:
    w, h = _random_size(rng)
    im = Image.new("RGB", (w, h), _random_colour(rng))
    draw = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(4, 30))):
        x0, x1 = sorted(int(v) for v in rng.integers(-w // 4, w + w // 4, size=2))
        y0, y1 = sorted(int(v) for v in rng.integers(-h // 4, h + h // 4, size=2))
        kind = int(rng.integers(4))
        colour = _random_colour(rng)
        if kind == 0:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif kind == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        elif kind == 2:
            points = [(int(rng.integers(0, w)), int(rng.integers(0, h))) for _ in range(3)]
            draw.polygon(points, fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(2, 24)))
    return im


def _text(rng: np.random.Generator) -> Image.Image:
    w, h = _random_size(rng)
    light = int(rng.integers(200, 256))
    im = Image.new("RGB", (w, h), (light, light, int(rng.integers(200, 256))))
    draw = ImageDraw.Draw(im)
    size = int(rng.integers(12, 48))
    font = ImageFont.load_default(size=size)
    y = int(rng.integers(0, size))
    while y < h:
        words = [_WORDS[int(i)] for i in rng.integers(0, len(_WORDS), size=12)]
        dark = int(rng.integers(0, 90))
        x = int(rng.integers(0, 30))
        draw.text((x, y), " ".join(words), fill=(dark, dark, dark), font=font)
        y += int(size * rng.uniform(1.2, 2.5))
    return im


_SYNTHETIC = (
    ("noise", _smooth_noise),
    ("gradient", _gradient),
    ("shapes", _shapes),
    ("text", _text),
)

# Two faces and two crops for every synthetic image: 500 images use all 200 LFW patches.
_SCHEDULE = ("lfw", "crop", "lfw", "crop", "synthetic")


def unrelated_images(n: int = 500, seed: int = 0) -> Iterator[NamedImage]:
    """``n`` images unrelated to the registered photos, the same ones for the same seed.

    Any prefix is a mix of the three kinds: LFW face and background patches (upscaled from
    25x25, in a seeded order), crops at random positions and scales of the non-registered
    sample images, and synthetic images (smoothed noise, gradients, shapes, text). Once the 200
    LFW patches are used up, crops and synthetic images alternate.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    rng = np.random.default_rng(seed)
    faces = [int(i) for i in rng.permutation(_lfw().shape[0])]
    made, step, synthetic = 0, 0, 0
    while made < n:
        kind = _SCHEDULE[step % len(_SCHEDULE)] if faces else ("crop", "synthetic")[step % 2]
        step += 1
        if kind == "lfw":
            index = faces.pop(0)
            yield NamedImage(f"lfw-{index:03d}", _lfw_image(index, rng))
        elif kind == "crop":
            yield _crop_image(rng)
        else:
            label, make = _SYNTHETIC[synthetic % len(_SYNTHETIC)]
            yield NamedImage(f"{label}-{synthetic:04d}", make(rng))
            synthetic += 1
        made += 1
