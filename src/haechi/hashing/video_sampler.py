"""Decoding a video stream lazily and hashing one frame per sampling window.

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

**Defensive decoding.** Files come from hostile places: empty, truncated, corrupt, audio only,
absurd resolutions, hours long, a video named ``.jpg``. Each gives frame hashes or a
:class:`~haechi.errors.MediaError` saying why, in bounded time and memory: caps on pixels per
frame, seconds hashed, frames kept, decoding wall time and damaged packets
(:class:`~haechi.hashing.video_options.VideoLimits`). A video cut short by a cap still gives
the frames hashed so far, and says so in :attr:`haechi.hashing.video.VideoHashes.limited`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import av
import av.error

from haechi.errors import MediaTooLarge
from haechi.hashing.video_format import FrameHash
from haechi.hashing.video_frame import FrameHashes, frame_hashes
from haechi.hashing.video_local import (
    MAX_QUERY_FRAMES,
    QUERY_DISTANCE,
    QUERY_SECONDS,
    QueryFrame,
    Representatives,
    Thinning,
    query_frame,
)
from haechi.hashing.video_options import VideoOptions

MAX_HELD_BYTES = 64 * 1024 * 1024
"""A group of pictures held undecoded, at most."""
FFMPEG_ERRORS = (av.error.FFmpegError, OSError, ValueError, EOFError, MemoryError)
"""What PyAV raises on damaged, foreign or oversized input."""


def seconds(value: Any, base: Any) -> float | None:
    """A stream time in seconds (``None`` when either part is missing)."""
    if value is None or base is None:
        return None
    return float(value * base)


def reason(exc: BaseException) -> str:
    """What an FFmpeg error says, without its errno prefix."""
    text = str(exc).strip() or type(exc).__name__
    return text.removeprefix("[Errno 1094995529] ")


class Sampler:
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
        self.rate = float(
            stream.average_rate or stream.guessed_rate or stream.base_rate or 0
        )
        if not math.isfinite(self.rate) or self.rate <= 0:
            self.rate = 30.0
        self.start = seconds(stream.start_time, stream.time_base) or 0.0
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
        self.pending: list[tuple[int, float, Future[FrameHashes]]] = []
        self.variants: dict[str, list[FrameHash]] = {}
        self.representatives = Representatives()
        self.local: list[QueryFrame] = []
        self.thinning = Thinning(QUERY_DISTANCE, QUERY_SECONDS, MAX_QUERY_FRAMES)

    # Windows: window k covers [start + k*step, start + (k+1)*step).
    def _window(self, t: float) -> int:
        return math.floor((t - self.start) / self.step + 1e-6)

    def run(self) -> None:
        """Demux every packet; decode a group of pictures only as far as a window needs."""
        held: list[
            Any
        ] = []  # packets since the last one decoded, from the group's keyframe
        held_bytes = 0
        waiting: set[int] = set()  # windows of held packets
        feeding = False  # whether the decoder holds the current group up to ``held``
        last_key: float | None = None
        interval: float | None = None  # between the last two keyframes
        for packet in self._packets():
            t = seconds(
                packet.pts if packet.pts is not None else packet.dts, packet.time_base
            )
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
                if (
                    early
                    and not packet.is_keyframe
                    and interval
                    and last_key is not None
                ):
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
            if need or held_bytes > MAX_HELD_BYTES:
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
            except FFMPEG_ERRORS as exc:
                # The demuxer cannot go past a damaged part: what came before still counts.
                self._error(exc)
                if self.limited is None:
                    self.limited = (
                        f"the file is damaged after {self.read_to:,.0f} s ({reason(exc)}); "
                        "only what comes before was hashed"
                    )
                return
            if packet.size == 0:
                continue
            yield packet

    def _error(self, exc: BaseException) -> None:
        self.errors += 1
        if self.errors > self.limits.max_errors and self.limited is None:
            self.limited = (
                f"stopped after {self.errors} damaged packets (last: {reason(exc)})"
            )

    def _over(self) -> bool:
        if self.limited is not None:
            return True
        if len(self.done) >= self.limits.max_frames:
            self.limited = (
                f"stopped after {self.limits.max_frames:,} sampled frames (the cap)"
            )
        elif time.monotonic() > self.deadline:
            self.limited = (
                f"stopped after {self.limits.max_decode_seconds:,.0f} s of decoding "
                f"at {self.last_time:,.0f} s into the video"
            )
        return self.limited is not None

    def _decode(self, packet: Any) -> None:
        try:
            frames = self.codec.decode(packet)
        except FFMPEG_ERRORS as exc:
            self._error(exc)
            return
        for frame in frames:
            self._take(frame)

    def _drain(self) -> None:
        try:
            for frame in self.codec.decode(None):
                self._take(frame)
        except FFMPEG_ERRORS as exc:
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
            self._keep(number, seconds, frame_hashes(frame, self.options))
            return
        # PDQ releases the GIL: frames are hashed on other threads while decoding goes on.
        while len(self.pending) >= 2 * self.workers:
            self._collect(self.pending.pop(0))
        self.pending.append(
            (number, seconds, self.pool.submit(frame_hashes, frame, self.options))
        )

    def _keep(self, number: int, seconds: float, hashes: FrameHashes) -> None:
        whole, others, pixels = hashes
        self.frames.append(FrameHash(number, seconds, whole))
        for name, pdq in others.items():
            self.variants.setdefault(name, []).append(FrameHash(number, seconds, pdq))
        # Frames arrive in time order: representatives (for a bank) or the thinning (for a
        # query) pick which get local features.
        if pixels is None:
            return
        if self.options.key_frames:
            self.representatives.offer(seconds, pixels, self.width, self.height, whole)
        elif self.thinning.wants(seconds, whole):
            features, view = query_frame(pixels, self.width, self.height)
            if len(features) > 0:
                self.local.append(QueryFrame(seconds, features, view))

    def _collect(self, job: tuple[int, float, Future[FrameHashes]]) -> None:
        number, seconds, future = job
        self._keep(number, seconds, future.result())

    def finish(self) -> None:
        """Wait for the frames still being hashed."""
        for job in self.pending:
            self._collect(job)
        self.pending = []
