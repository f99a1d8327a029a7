"""Video signals: the PDQ hashes of frames sampled from a video (vPDQ), decoded defensively.

Most of what victims need removed is video, and re-uploaders trim it, re-encode it, resize it,
change its frame rate, crop it, stamp a logo on it or cut it into compilations. Meta's vPDQ
keeps the PDQ hash of sampled frames and matches videos by the share of frames that agree;
StopNCII and HMA use it, so frame hashes here are laid out as vPDQ feature files
(:mod:`haechi.hashing.video_format`) and partners can exchange them with us.

**The second stage.** As for stills, a query also hashes each frame's turns and mirror images
and the picture inside borders or caption bars, and keeps the keypoints of frames picked by
:class:`~haechi.hashing.video_local.Thinning`; a bank keeps the keypoints of representative
frames and the crop hashes of the frames they stand for (:mod:`haechi.hashing.video_local`),
so cropped and picture-in-picture copies are found too.

The work is split by what it does: :mod:`~haechi.hashing.video_recognise` tells a video by its
bytes, :mod:`~haechi.hashing.video_options` holds the options and caps,
:mod:`~haechi.hashing.video_sampler` decodes only what sampling needs (defensively) and
:mod:`~haechi.hashing.video_frame` hashes each sampled frame.
"""

from __future__ import annotations

import io
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av

from haechi.errors import MediaError, MediaTooLarge, UnsupportedMedia
from haechi.hashing.video_format import FrameHash, VideoSignature, fold
from haechi.hashing.video_local import QueryFrame, VideoFeatures, key_frames
from haechi.hashing.video_options import VideoLimits, VideoOptions
from haechi.hashing.video_recognise import looks_like_video
from haechi.hashing.video_sampler import FFMPEG_ERRORS, Sampler, reason, seconds

__all__ = [
    "VideoHashes",
    "VideoLimits",
    "VideoOptions",
    "hash_video",
    "looks_like_video",
]

# Decoders that can skip B-frames without harming the frames we keep (see VideoOptions.skip).
_SKIPPING_CODECS = frozenset({"h264", "hevc"})


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


def _open(source: Path | bytes) -> Any:
    if isinstance(source, bytes):
        if not source:
            raise UnsupportedMedia("empty file (0 bytes)")
        return av.open(io.BytesIO(source), mode="r", metadata_errors="ignore")
    if source.stat().st_size == 0:
        raise UnsupportedMedia("empty file (0 bytes)")
    return av.open(str(source), mode="r", metadata_errors="ignore")


def hash_video(
    source: Path | bytes, options: VideoOptions | None = None
) -> VideoHashes:
    """Sample and hash the frames of a video file or of its bytes, or raise a MediaError."""
    options = options or VideoOptions()
    if not (options.fps > 0 and math.isfinite(options.fps)):
        raise ValueError(f"frames per second must be positive, not {options.fps}")
    try:
        container = _open(source)
    except MediaError:
        raise
    except FFMPEG_ERRORS as exc:
        raise UnsupportedMedia(f"damaged or unknown video: {reason(exc)}") from None
    try:
        with container:
            return _hash_container(container, options)
    except MediaError:
        raise
    except MemoryError:
        raise MediaTooLarge("video too large to decode in memory") from None
    except FFMPEG_ERRORS as exc:
        raise UnsupportedMedia(f"damaged video: {reason(exc)}") from None


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
            sampler = Sampler(container, stream, options, pool)
            try:
                sampler.run()
            finally:
                sampler.finish()
    else:
        sampler = Sampler(container, stream, options)
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
    duration = seconds(stream.duration, stream.time_base)
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
                tuple(
                    fold(
                        sorted(frames, key=_time),
                        options.fold_distance,
                        options.min_quality,
                    )
                )
            )
            for name, frames in sampler.variants.items()
        },
        features=(
            key_frames(
                sampler.representatives.picked,
                sampler.frames[-1].timestamp + sampler.step,
            )
            if options.key_frames
            else None
        ),
        local=tuple(sampler.local),
    )


def _time(frame: FrameHash) -> float:
    return frame.timestamp
