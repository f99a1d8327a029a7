"""Video signals: the PDQ hashes of frames sampled from a video (vPDQ), decoded defensively.

Most of what victims need removed is video, and re-uploaders trim it, re-encode it, resize it,
change its frame rate, crop it, stamp a logo on it or cut it into compilations. Meta's vPDQ
keeps the PDQ hash of sampled frames and matches videos by the share of frames that agree;
StopNCII and HMA use it, so frame hashes here are laid out as vPDQ feature files
(:mod:`haechi.hashing.video_format`) and partners can exchange them with us.

**Sampling.** Time is cut into windows of ``1 / fps`` seconds (default one a second) and each
window gives at most one frame: a keyframe near the window's start if there is one, otherwise
the first frame decoded from its start. Each frame goes through the image path
(:func:`~haechi.hashing.decode.pdq_pixels`, then PDQ), frames below quality 50 are dropped and
runs of near-identical consecutive frames are folded into their first.

**Decoding only what sampling needs.** Demuxing is nearly free; decoding is what costs. Packets
of a group of pictures (a keyframe and what depends on it) are held, not decoded, until a
window inside it needs a frame; a group with no such window, or the tail of one after its last
needed window, is never decoded; when keyframes come regularly, a window waits for one only
if it is due. H.264 and HEVC B-frames are skipped by the decoder (``skip_frame = BIDIR``): any
decoded frame of a window will do, and P-frames do not refer to B-frames in what x264 and most
encoders write. Frames are hashed on a thread pool while decoding goes on (PDQ releases the
GIL). ``bench/video.py`` measures the effect against Meta's ``vpdq``, which decodes every
frame.

**The second stage.** As for stills, a query also hashes each frame's turns and mirror images
and the picture inside borders or caption bars, and keeps the keypoints of frames picked by
:class:`~haechi.hashing.video_local.Thinning`; a bank keeps the crops and keypoints of
representative frames (:mod:`haechi.hashing.video_local`), so cropped and picture-in-picture
copies are found too.

**Defensive decoding.** Files come from hostile places: empty, truncated, corrupt, audio only,
absurd resolutions, hours long, a video named ``.jpg``. Each gives frame hashes or a
:class:`~haechi.errors.MediaError` saying why, in bounded time and memory: caps on pixels per
frame, seconds hashed, frames kept, decoding wall time and damaged packets
(:class:`VideoLimits`). A video cut short by a cap still gives the frames hashed so far, and
says so in :attr:`VideoHashes.limited`.
"""

from __future__ import annotations

import io
import math
import os
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import av
import av.error
import numpy as np

from haechi.errors import MediaError, MediaTooLarge, UnsupportedMedia
from haechi.hashing.chrome import unchromed
from haechi.hashing.crops import Box, crop
from haechi.hashing.decode import PDQ_SIDE, Pixels, pdq_pixels
from haechi.hashing.local import LocalFeatures
from haechi.hashing.normalise import unbordered
from haechi.hashing.pdq import pdq_dihedral, pdq_of_pixels
from haechi.hashing.signals import PDQ_RELIABLE_QUALITY, PdqHash
from haechi.hashing.video_format import FrameHash, VideoSignature, fold
from haechi.hashing.video_local import (
    KEY_DISTANCE,
    KEY_SECONDS,
    MAX_KEY_FRAMES,
    MAX_QUERY_FRAMES,
    QUERY_DISTANCE,
    QUERY_SECONDS,
    QueryFrame,
    Thinning,
    VideoFeatures,
    bank_frame,
    key_frames,
    query_frame,
)

# Decoders that can skip B-frames without harming the frames we keep (see VideoOptions.skip).
_SKIPPING_CODECS = frozenset({"h264", "hevc"})
_MIRROR = 5
# pdqhash's dihedral order after the original: the turns, then the mirror images.
_DIHEDRAL = {1: "rotate-90", 2: "rotate-180", 3: "rotate-270", 4: "flip", 5: "mirror"}
_DIHEDRAL |= {6: "transpose", 7: "transverse"}
CENTRE_95: Box = (0.025, 0.025, 0.975, 0.975)
CENTRE_70: Box = (0.15, 0.15, 0.85, 0.85)
_MAX_HELD_BYTES = 64 * 1024 * 1024  # a group of pictures held undecoded, at most
_FFMPEG_ERRORS = (av.error.FFmpegError, OSError, ValueError, EOFError, MemoryError)


@dataclass(frozen=True)
class VideoLimits:
    """Caps that keep one hostile video from taking the machine down."""

    max_pixels: int = 36_000_000
    """Pixels per frame (8K UHD is 33.2 million); a larger video is refused."""
    max_seconds: float = 4 * 3600.0
    """Only the first this many seconds are hashed."""
    max_frames: int = 20_000
    """Sampled frames hashed at most."""
    max_decode_seconds: float = 600.0
    """Wall time spent decoding one file at most."""
    max_errors: int = 200
    """Damaged packets tolerated before giving up on the rest of the file."""


@dataclass(frozen=True)
class VideoOptions:
    """How to sample and hash a video."""

    fps: float = 1.0
    """Sampled frames per second of video (vPDQ's default is one)."""
    threads: int = 0
    """Threads for decoding and hashing together; 0 means one per core."""
    fold_distance: int = 6
    """Consecutive frames within this many bits of the last kept frame are folded into it."""
    min_quality: int = PDQ_RELIABLE_QUALITY
    """Frames whose PDQ quality is below this are dropped, as vPDQ's matcher does."""
    keyframe_slack: float = 0.25
    """A keyframe this far (as a share of the sampling step) into a window stands for it."""
    skip: Literal["none", "nonref", "bidir"] = "bidir"
    """Frames H.264/HEVC decoders may skip: ``nonref`` those no frame refers to, ``bidir``
    every B-frame (x264 and most encoders refer to B-frames from B-frames only, so the P-frames
    and keyframes sampled are intact; ``bench/video.py`` measures agreement with a full
    decode), ``none`` nothing."""
    mirror: bool = False
    """Queries: also hash each frame's mirror image (flipped re-uploads are common)."""
    dihedral: bool = False
    """Queries: also hash each frame's turns and other mirror images (all eight, from one
    DCT, as for stills); implies ``mirror``."""
    content: bool = False
    """Queries: also hash the picture inside flat borders (letterboxed re-uploads)."""
    regions: bool = False
    """Queries: also hash the picture inside caption bars or screenshot chrome."""
    local: bool = False
    """Queries: keep the keypoints and working view of frames picked by
    :class:`~haechi.hashing.video_local.Thinning`, for the local-features stage."""
    key_frames: bool = False
    """Banks: keep the keypoints and crop hashes of representative frames (``vorb``)."""
    crop: bool = False
    """Banks: also hash each frame's centre 95 % (re-uploads cropped by about 5 %)."""
    centre: bool = False
    """Banks and queries: also hash each frame's centre 70 %, clear of corner logos."""
    limits: VideoLimits = field(default_factory=VideoLimits)


@dataclass(frozen=True)
class VideoHashes:
    """The frame hashes of one video and what its decoding found."""

    signature: VideoSignature
    container: str
    codec: str
    width: int
    height: int
    frame_rate: float
    duration: float
    """Seconds, as the file declares it (or as far as it was read)."""
    sampled: int
    """Frames hashed; those kept are in :attr:`signature`."""
    low_quality: int
    folded: int
    decoded: int
    """Frames the decoder produced (most frames of most videos are never decoded)."""
    limited: str | None = None
    """Why hashing stopped before the end of the video, when it did."""
    variants: dict[str, VideoSignature] = field(default_factory=dict)
    """Other views of the same frames, each folded the same way: ``mirror`` and ``content``
    for a query, ``crop`` for a bank (see :class:`VideoOptions`)."""
    features: VideoFeatures | None = None
    """For a bank: the representative frames' keypoints and crop hashes."""
    local: tuple[QueryFrame, ...] = field(default=(), repr=False, compare=False)
    """For a query: picked frames' keypoints and working views (never stored)."""

    @property
    def frames(self) -> tuple[FrameHash, ...]:
        """The kept frames, in time order."""
        return self.signature.frames


# -- recognising a video ------------------------------------------------------------------

_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc", b"avif", b"avis")


def looks_like_video(head: bytes) -> bool:
    """Whether a file's first bytes are those of a video container (never its name).

    MP4/MOV/3GP (ISO BMFF, but not HEIF/AVIF stills), WebM/Matroska, AVI, MPEG program and
    transport streams, FLV, ASF/WMV and Ogg.
    """
    if head[4:8] == b"ftyp":
        return head[8:12] not in _HEIF_BRANDS
    if len(head) >= 8 and head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return True
    if head.startswith((b"\x1a\x45\xdf\xa3", b"FLV\x01", b"OggS", b"\x00\x00\x01\xba")):
        return True
    if head.startswith((b"\x00\x00\x01\xb3", b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")):
        return True
    # MPEG transport stream: a sync byte every 188 bytes.
    return len(head) >= 377 and head[0] == head[188] == head[376] == 0x47


# -- decoding -----------------------------------------------------------------------------


def _seconds(value: Any, base: Any) -> float | None:
    if value is None or base is None:
        return None
    return float(value * base)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.removeprefix("[Errno 1094995529] ")


class _Sampler:
    """Decodes one video stream lazily and hashes one frame per sampling window."""

    def __init__(
        self,
        container: Any,
        stream: Any,
        options: VideoOptions,
        pool: ThreadPoolExecutor | None = None,
    ) -> None:
        self.container = container
        self.stream = stream
        self.options = options
        self.limits = options.limits
        self.step = 1.0 / options.fps
        self.rate = float(stream.average_rate or stream.guessed_rate or stream.base_rate or 0)
        if not math.isfinite(self.rate) or self.rate <= 0:
            self.rate = 30.0
        self.start = _seconds(stream.start_time, stream.time_base) or 0.0
        self.slack = options.keyframe_slack * self.step
        self.done: set[int] = set()
        self.frames: list[FrameHash] = []
        self.decoded = 0
        self.errors = 0
        self.limited: str | None = None
        self.deadline = time.monotonic() + self.limits.max_decode_seconds
        self.last_time = 0.0  # of the last frame decoded
        self.read_to = 0.0  # time of the furthest packet read
        self.codec = stream.codec_context
        self.width = self.height = 0
        self.workers = options.threads or os.cpu_count() or 1
        self.pool = pool
        self.pending: list[tuple[int, float, Future[_Hashes]]] = []
        self.variants: dict[str, list[FrameHash]] = {}
        self.picked: list[tuple[float, LocalFeatures]] = []
        self.local: list[QueryFrame] = []
        self.thinning = (
            Thinning(KEY_DISTANCE, KEY_SECONDS, MAX_KEY_FRAMES)
            if options.key_frames
            else Thinning(QUERY_DISTANCE, QUERY_SECONDS, MAX_QUERY_FRAMES)
        )

    # Windows: window k covers [start + k*step, start + (k+1)*step).
    def _window(self, t: float) -> int:
        return math.floor((t - self.start) / self.step + 1e-6)

    def run(self) -> None:
        """Demux every packet; decode a group of pictures only as far as a window needs."""
        held: list[Any] = []  # packets since the last one decoded, from the group's keyframe
        held_bytes = 0
        waiting: set[int] = set()  # windows of held packets
        feeding = False  # whether the decoder holds the current group up to ``held``
        last_key: float | None = None
        interval: float | None = None  # between the last two keyframes
        for packet in self._packets():
            t = _seconds(packet.pts if packet.pts is not None else packet.dts, packet.time_base)
            if t is not None:
                self.read_to = max(self.read_to, t - self.start)
            if t is not None and t - self.start > self.limits.max_seconds:
                self.limited = (
                    f"only the first {self.limits.max_seconds:,.0f} s were hashed "
                    "(the video is longer than the cap)"
                )
                break
            if packet.is_keyframe:
                if t is not None:
                    if last_key is not None and t > last_key:
                        interval = t - last_key
                    last_key = t
                if feeding:
                    self._drain()
                # What is held of the last group was never needed: it is never decoded.
                feeding, held, held_bytes, waiting = False, [], 0, set()
            held.append(packet)
            held_bytes += packet.size
            if t is None:
                need = True  # no time to plan with: decode it
            else:
                k = self._window(t)
                waiting.add(k)
                opens = self.start + k * self.step
                early = t - opens <= self.slack + 1e-9
                if early and not packet.is_keyframe and interval and last_key is not None:
                    # Keyframes come regularly: wait for one only if it is due now.
                    due = last_key + interval
                    early = opens - 1e-6 <= due <= opens + self.slack + 1e-6
                need = (
                    # a keyframe early in an open window is its sample, for one frame's work
                    (packet.is_keyframe and early and k not in self.done)
                    # past the early part of an open window, no keyframe can stand for it
                    or (not early and k not in self.done)
                    # a window left behind without its frame
                    or any(j < k and j not in self.done for j in waiting)
                )
            if need or held_bytes > _MAX_HELD_BYTES:
                for queued in held:
                    self._decode(queued)
                feeding, held, held_bytes, waiting = True, [], 0, set()
            if self._over():
                return
        if feeding or held:
            for queued in held:
                self._decode(queued)
            self._drain()

    def _packets(self) -> Iterator[Any]:
        demuxed = self.container.demux(self.stream)
        while True:
            try:
                packet = next(demuxed)
            except StopIteration:
                return
            except _FFMPEG_ERRORS as exc:
                # The demuxer cannot go past a damaged part: what came before still counts.
                self._error(exc)
                if self.limited is None:
                    self.limited = (
                        f"the file is damaged after {self.read_to:,.0f} s ({_reason(exc)}); "
                        "only what comes before was hashed"
                    )
                return
            if packet.size == 0:
                continue
            yield packet

    def _error(self, exc: BaseException) -> None:
        self.errors += 1
        if self.errors > self.limits.max_errors and self.limited is None:
            self.limited = f"stopped after {self.errors} damaged packets (last: {_reason(exc)})"

    def _over(self) -> bool:
        if self.limited is not None:
            return True
        if len(self.done) >= self.limits.max_frames:
            self.limited = f"stopped after {self.limits.max_frames:,} sampled frames (the cap)"
        elif time.monotonic() > self.deadline:
            self.limited = (
                f"stopped after {self.limits.max_decode_seconds:,.0f} s of decoding "
                f"at {self.last_time:,.0f} s into the video"
            )
        return self.limited is not None

    def _decode(self, packet: Any) -> None:
        try:
            frames = self.codec.decode(packet)
        except _FFMPEG_ERRORS as exc:
            self._error(exc)
            return
        for frame in frames:
            self._take(frame)

    def _drain(self) -> None:
        try:
            for frame in self.codec.decode(None):
                self._take(frame)
        except _FFMPEG_ERRORS as exc:
            self._error(exc)
        self.codec.flush_buffers()

    def _take(self, frame: Any) -> None:
        self.decoded += 1
        t = frame.time
        if t is None:
            t = self.start + (self.decoded - 1) / self.rate
        self.last_time = max(self.last_time, t - self.start)
        k = self._window(t)
        if k in self.done or k < 0 or t - self.start > self.limits.max_seconds:
            return
        if len(self.done) >= self.limits.max_frames:
            return  # frames still in the decoder when the cap was reached
        if frame.width * frame.height > self.limits.max_pixels:
            raise MediaTooLarge(
                f"video frame of {frame.width}x{frame.height} pixels is over the cap of "
                f"{self.limits.max_pixels:,}"
            )
        self.done.add(k)
        self.width, self.height = frame.width, frame.height
        offset = max(0.0, t - self.start)
        number, seconds = round(offset * self.rate), round(offset, 3)
        if self.pool is None:
            self._keep(number, seconds, _frame_pdq(frame, self.options))
            return
        # PDQ releases the GIL: frames are hashed on other threads while decoding goes on.
        while len(self.pending) >= 2 * self.workers:
            self._collect(self.pending.pop(0))
        self.pending.append((number, seconds, self.pool.submit(_frame_pdq, frame, self.options)))

    def _keep(self, number: int, seconds: float, hashes: _Hashes) -> None:
        whole, others, pixels = hashes
        self.frames.append(FrameHash(number, seconds, whole))
        for name, pdq in others.items():
            self.variants.setdefault(name, []).append(FrameHash(number, seconds, pdq))
        # Frames arrive in time order: the thinning picks which get local features.
        if pixels is None or not self.thinning.wants(seconds, whole):
            return
        if self.options.key_frames:
            self.picked.append((seconds, bank_frame(pixels, self.width, self.height, whole)))
        else:
            features, view = query_frame(pixels, self.width, self.height)
            if len(features) > 0:
                self.local.append(QueryFrame(seconds, features, view))

    def _collect(self, job: tuple[int, float, Future[_Hashes]]) -> None:
        number, seconds, future = job
        self._keep(number, seconds, future.result())

    def finish(self) -> None:
        """Wait for the frames still being hashed."""
        for job in self.pending:
            self._collect(job)
        self.pending = []


_Hashes = tuple[PdqHash, dict[str, PdqHash], Pixels | None]


def _frame_pdq(frame: Any, options: VideoOptions) -> _Hashes:
    """PDQ of a decoded frame through the image path (RGB, nearest-sampled to 512, PDQ), and
    of the variants asked for: its mirror image (from the same DCT: pdqhash's dihedral
    variant 5 is the left-right mirror, measured), the other turns and mirror images, the
    picture inside flat borders or caption bars, the centre 95 % and 70 %; and the pixels,
    when local features may be taken of them."""
    rgb = frame.to_ndarray(format="rgb24")
    h, w = rgb.shape[:2]
    if h > PDQ_SIDE or w > PDQ_SIDE:
        # The rows and columns :func:`~haechi.hashing.decode.pdq_pixels` picks, by ``take``
        # (four times faster than fancy indexing on a 720p frame; the test checks equality).
        rows = (np.arange(PDQ_SIDE) * h) // PDQ_SIDE
        cols = (np.arange(PDQ_SIDE) * w) // PDQ_SIDE
        rgb = np.take(np.take(rgb, rows, axis=0), cols, axis=1)
    pixels = pdq_pixels(rgb)
    others: dict[str, PdqHash] = {}
    if options.dihedral:
        dihedral = pdq_dihedral(pixels)
        whole = dihedral[0]
        others.update((name, dihedral[k]) for k, name in _DIHEDRAL.items())
    elif options.mirror:
        dihedral = pdq_dihedral(pixels)
        whole, others["mirror"] = dihedral[0], dihedral[_MIRROR]
    else:
        whole = pdq_of_pixels(pixels)
    if options.content:
        inner = unbordered(pixels)
        if inner is not None:
            others["content"] = pdq_of_pixels(inner)
    if options.regions:
        chromeless = unchromed(pixels)
        if chromeless is not None:
            others["chrome"] = pdq_of_pixels(chromeless)
    if options.crop:
        others["crop"] = pdq_of_pixels(crop(pixels, CENTRE_95))
    if options.centre:
        others["centre"] = pdq_of_pixels(crop(pixels, CENTRE_70))
    keep = pixels if options.local or options.key_frames else None
    return whole, others, keep


def _open(source: Path | bytes) -> Any:
    if isinstance(source, bytes):
        if not source:
            raise UnsupportedMedia("empty file (0 bytes)")
        return av.open(io.BytesIO(source), mode="r", metadata_errors="ignore")
    if source.stat().st_size == 0:
        raise UnsupportedMedia("empty file (0 bytes)")
    return av.open(str(source), mode="r", metadata_errors="ignore")


def hash_video(source: Path | bytes, options: VideoOptions | None = None) -> VideoHashes:
    """Sample and hash the frames of a video file or of its bytes, or raise a MediaError."""
    options = options or VideoOptions()
    if not (options.fps > 0 and math.isfinite(options.fps)):
        raise ValueError(f"frames per second must be positive, not {options.fps}")
    try:
        container = _open(source)
    except MediaError:
        raise
    except _FFMPEG_ERRORS as exc:
        raise UnsupportedMedia(f"damaged or unknown video: {_reason(exc)}") from None
    try:
        with container:
            return _hash_container(container, options)
    except MediaError:
        raise
    except MemoryError:
        raise MediaTooLarge("video too large to decode in memory") from None
    except _FFMPEG_ERRORS as exc:
        raise UnsupportedMedia(f"damaged video: {_reason(exc)}") from None


def _hash_container(container: Any, options: VideoOptions) -> VideoHashes:
    fmt = str(container.format.name).split(",")[0]
    if not container.streams.video:
        what = "audio only" if container.streams.audio else "no streams it can read"
        raise UnsupportedMedia(f"{fmt} file without a video stream ({what})")
    stream = container.streams.video[0]
    codec = stream.codec_context
    width, height = int(codec.width or 0), int(codec.height or 0)
    if width * height > options.limits.max_pixels:
        raise MediaTooLarge(
            f"video of {width}x{height} pixels is over the cap of "
            f"{options.limits.max_pixels:,} per frame"
        )
    for other in container.streams:
        if other.index != stream.index:
            other.discard = "all"  # the demuxer then drops their packets unread
    workers = options.threads or os.cpu_count() or 1
    # Frame threads pay off on long runs of frames; decoding a group only as far as a window
    # needs, one decoder thread with the others hashing was measured fastest on two cores
    # (1.55 s against 1.81 s with two decoder threads, 144 s of 720p H.264).
    codec.thread_type = "AUTO"
    codec.thread_count = max(1, workers // 2)
    if options.skip != "none" and codec.name in _SKIPPING_CODECS:
        codec.skip_frame = options.skip.upper()
    if workers > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="vpdq") as pool:
            sampler = _Sampler(container, stream, options, pool)
            try:
                sampler.run()
            finally:
                sampler.finish()
    else:
        sampler = _Sampler(container, stream, options)
        sampler.run()
    if not sampler.frames:
        if sampler.limited:
            raise MediaTooLarge(f"no frame hashed: {sampler.limited}")
        if sampler.errors:
            raise UnsupportedMedia(
                f"damaged video: no frame could be decoded ({sampler.errors} damaged packets)"
            )
        raise UnsupportedMedia(f"{fmt} video with no decodable frames")
    sampler.frames.sort(key=_time)
    kept = fold(sampler.frames, options.fold_distance, options.min_quality)
    low = sum(1 for f in sampler.frames if f.pdq.quality < options.min_quality)
    duration = _seconds(stream.duration, stream.time_base)
    if duration is None and container.duration is not None:
        duration = container.duration / 1_000_000
    if (
        sampler.limited is None
        and duration is not None
        and sampler.read_to + 2 * sampler.step + 1 < duration
    ):
        sampler.limited = (
            f"the file ends at {sampler.read_to:,.0f} s of the {duration:,.0f} s it declares "
            "(cut short?); only that much was hashed"
        )
    return VideoHashes(
        signature=VideoSignature(tuple(kept)),
        container=fmt,
        codec=str(codec.name),
        width=width or sampler.width,
        height=height or sampler.height,
        frame_rate=round(sampler.rate, 3),
        duration=round(duration if duration is not None else sampler.last_time, 3),
        sampled=len(sampler.frames),
        low_quality=low,
        folded=len(sampler.frames) - low - len(kept),
        decoded=sampler.decoded,
        limited=sampler.limited,
        variants={
            name: VideoSignature(
                tuple(fold(sorted(frames, key=_time), options.fold_distance, options.min_quality))
            )
            for name, frames in sampler.variants.items()
        },
        features=(
            key_frames(sampler.picked, sampler.frames[-1].timestamp + sampler.step)
            if options.key_frames
            else None
        ),
        local=tuple(sampler.local),
    )


def _time(frame: FrameHash) -> float:
    return frame.timestamp
