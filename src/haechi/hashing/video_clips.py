"""Short videos made from real photos, and the edits re-uploaders make to videos.

Video robustness figures only mean something on moving pictures made from real photographs,
and tests must not depend on downloads. A clip here is a series of shots, each a slow pan and
zoom over one of the testkit's photos (:func:`haechi.testkit.registered_photos`) with a little
sensor noise, cut hard from one to the next, encoded with PyAV's bundled FFmpeg. Edits decode
a clip and encode it again: at a low bitrate, smaller, at another frame rate, trimmed, cropped
(centred or off-centre), letterboxed, with a logo or a caption bar, mirrored, turned, shown
small inside another picture, or several clips (or excerpts of them) joined into a
compilation.

Deterministic for the same arguments, so a failing test names a clip anyone can remake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

Rgb = npt.NDArray[np.uint8]
FrameEdit = Callable[[Rgb], Rgb]


@dataclass(frozen=True)
class Shot:
    """Seconds of slow camera motion over one photo."""

    photo: Image.Image
    seconds: float
    zoom: tuple[float, float] = (1.0, 1.25)
    pan: tuple[float, float] = (0.0, 1.0)
    """Where the view starts and ends across the room left by the zoom (0 left, 1 right)."""


def shots_of(photos: Sequence[Image.Image], seconds: float, seed: int = 0) -> list[Shot]:
    """One shot per photo, with motion drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    out = []
    for photo in photos:
        z0 = float(rng.uniform(1.0, 1.15))
        z1 = z0 + float(rng.uniform(0.1, 0.3)) * (1 if rng.random() < 0.5 else -1)
        p0 = float(rng.uniform(0, 1))
        out.append(Shot(photo.convert("RGB"), seconds, (z0, max(1.0, z1)), (p0, 1 - p0)))
    return out


def render(
    shots: Sequence[Shot], size: tuple[int, int], fps: float, noise: float = 3.0, seed: int = 0
) -> Iterator[Rgb]:
    """The frames of the shots at ``size`` and ``fps``, with Gaussian noise of ``noise`` levels.

    The noise cycles through a few fields made once (fresh noise for each 1080p frame would
    cost more than drawing the frame).
    """
    rng = np.random.default_rng(seed)
    w, h = size
    grain = (
        [np.rint(rng.normal(0, noise, size=(h, w, 3))).astype(np.int16) for _ in range(5)]
        if noise > 0
        else []
    )
    count = 0
    for shot in shots:
        pw, ph = shot.photo.size
        n = max(1, round(shot.seconds * fps))
        for i in range(n):
            a = i / max(1, n - 1)
            z = shot.zoom[0] + (shot.zoom[1] - shot.zoom[0]) * a
            # The view keeps the output's aspect ratio inside the photo.
            vw = min(pw, ph * w / h) / z
            vh = vw * h / w
            x = max(0.0, pw - vw) * (shot.pan[0] + (shot.pan[1] - shot.pan[0]) * a)
            y = max(0.0, ph - vh) / 2
            frame = np.asarray(
                shot.photo.resize((w, h), Image.Resampling.BILINEAR, box=(x, y, x + vw, y + vh))
            )
            if grain:
                frame = np.clip(frame + grain[count % len(grain)], 0, 255).astype(np.uint8)
            count += 1
            yield frame


def encode(
    frames: Iterator[Rgb] | Sequence[Rgb],
    path: Path,
    fps: float,
    crf: int = 23,
    preset: str = "veryfast",
    gop: int | None = None,
    threads: int = 0,
    faststart: bool = False,
) -> Path:
    """Encode RGB frames as H.264 in MP4 (even sizes; the first frame sets the size), with the
    index at the end of the file, or at its start with ``faststart`` (as sites stream it)."""
    rate = Fraction(fps).limit_denominator(1001)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        stream = None
        for k, rgb in enumerate(frames):
            h, w = rgb.shape[:2]
            if stream is None:
                stream = out.add_stream("libx264", rate=rate)
                stream.width, stream.height = w - w % 2, h - h % 2
                stream.pix_fmt = "yuv420p"
                codec: dict[str, str] = {"preset": preset, "crf": str(crf)}
                if gop is not None:
                    codec["g"] = str(gop)
                    codec["keyint_min"] = str(min(gop, 25))
                stream.codec_context.options = codec
                stream.codec_context.thread_count = threads
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(rgb[: stream.height, : stream.width]), format="rgb24"
            )
            frame.pts = k
            frame.time_base = 1 / rate
            out.mux(stream.encode(frame))
        if stream is not None:
            out.mux(stream.encode(None))
    return path


def decoded(path: Path) -> Iterator[tuple[float, Rgb]]:
    """Every frame of a video, with its time, as RGB."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        for frame in container.decode(stream):
            rgb: Rgb = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
            yield float(frame.time or 0.0), rgb


def source_rate(path: Path) -> float:
    """A video's frame rate."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return float(stream.average_rate or stream.guessed_rate or 30)


def transcode(
    src: Path,
    dst: Path,
    edit: FrameEdit | None = None,
    fps: float | None = None,
    start: float = 0.0,
    end: float | None = None,
    crf: int = 23,
) -> Path:
    """Decode ``src`` and encode it again: cut to ``[start, end)``, at ``fps``, edited."""
    rate = source_rate(src)
    out_fps = fps or rate

    def frames() -> Iterator[Rgb]:
        emitted = 0
        for t, rgb in decoded(src):
            if t < start - 1e-6 or (end is not None and t >= end):
                continue
            # Drop or repeat frames to the new rate, as a converter does.
            while emitted / out_fps <= t - start + 1e-6:
                yield edit(rgb) if edit is not None else rgb
                emitted += 1

    return encode(frames(), dst, out_fps, crf=crf)


Excerpt = tuple[Path, float, float]
"""A stretch of a video: its file, and the start and end in seconds."""


def concatenate(
    parts: Sequence[Path | Excerpt], dst: Path, size: tuple[int, int], fps: float
) -> Path:
    """Join videos (whole, or the excerpts named) one after the other, each scaled to
    ``size``, at ``fps``."""

    def frames() -> Iterator[Rgb]:
        for part in parts:
            path, start, end = part if isinstance(part, tuple) else (part, 0.0, float("inf"))
            emitted = 0
            for t, rgb in decoded(path):
                if t < start - 1e-6 or t >= end:
                    continue
                while emitted / fps <= t - start + 1e-6:
                    yield resize(rgb, size)
                    emitted += 1

    return encode(frames(), dst, fps)


# -- edits of single frames ---------------------------------------------------------------


def resize(rgb: Rgb, size: tuple[int, int]) -> Rgb:
    """Scaled to ``size`` (width, height)."""
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))


def scaled(factor: float) -> FrameEdit:
    """Scaled by ``factor`` on both sides."""

    def edit(rgb: Rgb) -> Rgb:
        h, w = rgb.shape[:2]
        return resize(rgb, (max(16, round(w * factor)), max(16, round(h * factor))))

    return edit


def cropped(percent: float) -> FrameEdit:
    """The centre, ``percent`` of each side cut away in all."""

    def edit(rgb: Rgb) -> Rgb:
        h, w = rgb.shape[:2]
        dx, dy = round(w * percent / 200), round(h * percent / 200)
        return np.ascontiguousarray(rgb[dy : h - dy, dx : w - dx])

    return edit


def letterboxed(rgb: Rgb) -> Rgb:
    """Black bars above and below, as a 16:9 clip shown in a 4:3 player (same size out)."""
    h, w = rgb.shape[:2]
    inner = round(h * 0.75)
    out = np.zeros_like(rgb)
    top = (h - inner) // 2
    out[top : top + inner] = resize(rgb, (w, inner))
    return out


def mirrored(rgb: Rgb) -> Rgb:
    """Left and right swapped."""
    return np.ascontiguousarray(rgb[:, ::-1])


def with_logo(rgb: Rgb) -> Rgb:
    """A site's watermark in the top-right corner: a light box, 15 % by 10 % of the frame,
    at 60 % opacity, with the site's name in opaque red (as tube sites stamp re-uploads)."""
    h, w = rgb.shape[:2]
    im = Image.fromarray(rgb).convert("RGBA")
    overlay = Image.new("RGBA", im.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    lw, lh = round(w * 0.15), round(h * 0.10)
    x0, y0 = w - lw - w // 40, h // 40
    draw.rounded_rectangle(
        (x0, y0, x0 + lw, y0 + lh), radius=max(1, lh // 4), fill=(250, 250, 250, 160)
    )
    draw.text((x0 + lw // 8, y0 + lh // 3), "HOTCLIPS", fill=(220, 20, 60, 255))
    return np.asarray(Image.alpha_composite(im, overlay).convert("RGB"))


def cropped_off_centre(percent: float) -> FrameEdit:
    """``percent`` of each side cut away, all of it from the right and the bottom (a crop
    that removes a watermark in a corner)."""

    def edit(rgb: Rgb) -> Rgb:
        h, w = rgb.shape[:2]
        dx, dy = round(w * percent / 100), round(h * percent / 100)
        return np.ascontiguousarray(rgb[: h - dy, : w - dx])

    return edit


def captioned(top: bool) -> FrameEdit:
    """A meme caption: a white band, 18 % of the height, with black text, above or below the
    picture (the frame grows by the band)."""

    def edit(rgb: Rgb) -> Rgb:
        h, w = rgb.shape[:2]
        band = max(24, round(h * 0.18))
        canvas = Image.new("RGB", (w, h + band), (255, 255, 255))
        canvas.paste(Image.fromarray(rgb), (0, band if top else 0))
        y = band // 3 if top else h + band // 3
        ImageDraw.Draw(canvas).text((w // 10, y), "wait for it lol", fill=(0, 0, 0))
        return np.asarray(canvas)

    return edit


def picture_in_picture(background: Image.Image, scale: float = 0.5) -> FrameEdit:
    """The clip shown small (``scale`` of each side) in the top-left corner of another
    picture, as a reaction or commentary video shows what it talks about."""

    def edit(rgb: Rgb) -> Rgb:
        h, w = rgb.shape[:2]
        canvas = np.array(background.convert("RGB").resize((w, h), Image.Resampling.BILINEAR))
        iw, ih = round(w * scale), round(h * scale)
        x, y = w // 20, h // 20
        canvas[y : y + ih, x : x + iw] = resize(rgb, (iw, ih))
        return canvas

    return edit


def turned(rgb: Rgb) -> Rgb:
    """Turned a quarter anticlockwise (a phone held the other way)."""
    return np.ascontiguousarray(np.rot90(rgb))
