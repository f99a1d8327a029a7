"""Video signals: sampling, the image path per frame, vPDQ files, and hostile files.

Clips are made here with PyAV from the testkit's real photos (pans and zooms, noise, cuts).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from haechi.errors import MediaTooLarge, UnsupportedMedia
from haechi.hashing import Outcome, hash_bytes, hash_file
from haechi.hashing import video_clips as vc
from haechi.hashing.decode import pdq_pixels
from haechi.hashing.pdq import pdq_of_pixels
from haechi.hashing.signals import PdqHash, Signal, SignalKind
from haechi.hashing.video import VideoLimits, VideoOptions, hash_video, looks_like_video
from haechi.hashing.video_format import FrameHash, VideoSignature, fold
from haechi.hashing.video_frame import frame_hashes
from haechi.testkit import registered_photos

SIZE = (320, 240)
FPS = 24

# Two frames of Meta's own sample file (vpdq/sample-hashes/chair-22-sd-grey-bar.txt).
META_LINES = (
    "0,100,25ad26b96f58d2491a79f80f07f2c9936fe6083dfb4983d8a4a36db40034df54,0.000\n"
    "1,100,a5ad26b96f58d2491a79f80f07f2c1936fe6083dfb4983d8a4a36db40034df54,0.033\n"
)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 12 s clip of three photos (keyframes every 2 s) and a long-GOP one of the same."""
    folder = tmp_path_factory.mktemp("clips")
    photos = list(registered_photos().values())
    shots = vc.shots_of(photos[:3], 4.0, seed=1)
    frames = list(vc.render(shots, SIZE, FPS))
    return {
        "gop2": vc.encode(frames, folder / "gop2.mp4", FPS, gop=2 * FPS),
        "gop250": vc.encode(frames, folder / "gop250.mp4", FPS, gop=250),
    }


def test_one_frame_a_second_through_the_image_path(clips: dict[str, Path]) -> None:
    video = hash_video(clips["gop2"], VideoOptions(fold_distance=-1))
    assert (video.width, video.height, video.codec) == (*SIZE, "h264")
    assert video.limited is None
    assert video.duration == pytest.approx(12.0, abs=0.1)
    times = [f.timestamp for f in video.frames]
    assert len(times) == 12
    # One frame per one-second window, near its start (a keyframe may stand in for it).
    assert [int(t) for t in times] == list(range(12))
    assert all(t - int(t) <= 0.25 + 1e-6 for t in times)
    assert [f.frame for f in video.frames] == [round(t * FPS) for t in times]
    assert all(f.pdq.quality >= 50 for f in video.frames)
    # Only what sampling needs is decoded: with keyframes every 2 s, about half the frames.
    assert video.decoded < 0.75 * 12 * FPS


def test_sampled_frames_hash_as_the_same_frames_do_as_images(clips: dict[str, Path]) -> None:
    """Each kept hash is PDQ of the decoded frame through the image path, bit for bit."""
    video = hash_video(clips["gop250"], VideoOptions(fold_distance=-1, skip="none"))
    wanted = {f.frame: f.pdq for f in video.frames}
    with av.open(str(clips["gop250"])) as container:
        for frame in container.decode(video=0):
            number = round(frame.time * FPS)
            if number in wanted:
                rgb = frame.to_ndarray(format="rgb24")
                assert pdq_of_pixels(pdq_pixels(rgb)) == wanted.pop(number)
    assert not wanted


def test_large_frames_are_sampled_like_pdq_pixels() -> None:
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, size=(720, 1280, 3), dtype=np.uint8)
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    whole, _, _ = frame_hashes(frame, VideoOptions())
    assert whole == pdq_of_pixels(pdq_pixels(frame.to_ndarray(format="rgb24")))


def test_long_keyframe_interval_still_gives_every_second(clips: dict[str, Path]) -> None:
    video = hash_video(clips["gop250"], VideoOptions(fold_distance=-1))
    assert [int(f.timestamp) for f in video.frames] == list(range(12))
    short = hash_video(clips["gop2"], VideoOptions(fold_distance=-1))
    distances = [a.pdq.distance(b.pdq) for a, b in zip(video.frames, short.frames, strict=True)]
    assert max(distances) <= 31


def test_fold_drops_low_quality_frames_and_repeats() -> None:
    a = PdqHash(bytes(32), 90)
    near = PdqHash(bytes([1]) + bytes(31), 90)  # one bit away
    far = PdqHash(bytes([255] * 8) + bytes(24), 90)
    flat = PdqHash(bytes([7] * 32), 10)
    frames = [FrameHash(i, float(i), h) for i, h in enumerate([a, near, flat, far, far])]
    kept = fold(frames, distance=6, min_quality=50)
    assert [f.frame for f in kept] == [0, 3]
    assert [f.frame for f in fold(frames, distance=-1, min_quality=0)] == [0, 1, 2, 3, 4]


def test_vpdq_feature_files_read_and_write_as_meta_does() -> None:
    signature = VideoSignature.from_vpdq(META_LINES)
    assert [f.frame for f in signature.frames] == [0, 1]
    assert signature.frames[1].timestamp == pytest.approx(0.033)
    assert signature.to_vpdq() == META_LINES
    again = VideoSignature.from_bytes(signature.to_bytes())
    assert again == signature
    assert VideoSignature.from_hma(signature.to_hma(), fps=30).to_vpdq() == META_LINES
    signal = Signal.parse("vpdq", META_LINES)
    assert signal.kind is SignalKind.VPDQ and signal.video() == signature
    assert Signal.of_record(signal.record(), SignalKind.VPDQ) == signal


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no frames"),
        ("0,100,zz,0.0\n", "line 1"),
        ("0,101," + "0" * 64 + ",0.000\n", "quality"),
        ("0,100," + "0" * 64 + ",-1.0\n", "time"),
        ("0,100," + "0" * 64 + "\n", "line 1"),
    ],
)
def test_bad_vpdq_files_are_refused_by_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VideoSignature.from_vpdq(text)


def test_damaged_records_are_refused_by_name() -> None:
    record = VideoSignature.from_vpdq(META_LINES).to_bytes()
    for damaged, why in [
        (b"PK\x03\x04" + record[4:], "magic"),
        (record[:4] + b"\x09" + record[5:], "version"),
        (record[:-3], "bytes of frames"),
        (record[:6], "too short"),
    ]:
        with pytest.raises(ValueError, match=why):
            VideoSignature.from_bytes(damaged)


def test_videos_are_known_by_their_bytes_not_their_names(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    renamed = tmp_path / "holiday.jpg"
    renamed.write_bytes(clips["gop2"].read_bytes())
    media = hash_file(renamed)
    assert media.outcome is Outcome.OK and media.video is not None and media.pdq is None
    assert len(media.video.frames) == 12
    signals = {s.kind for s in media.signals()}
    assert signals == {SignalKind.MD5, SignalKind.SHA256, SignalKind.VPDQ}
    assert hash_bytes(renamed.read_bytes()).video == media.video
    assert looks_like_video(renamed.read_bytes()[:512])
    assert not looks_like_video(b"\x00\x00\x00\x18ftypheic" + bytes(100))


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=8000)
        samples = np.zeros((1, 1024), dtype=np.float32)
        for k in range(10):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 8000
            frame.pts = k * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _failures(tmp_path: Path, clip: Path) -> Iterator[tuple[str, Path, str]]:
    data = clip.read_bytes()
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    yield "zero-length", empty, "empty file"
    head = tmp_path / "head.mp4"
    head.write_bytes(data[:2000])
    yield "truncated to 2 KB", head, "damaged"
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(data[:32] + np.random.default_rng(1).bytes(50_000))
    yield "header then noise", junk, "damaged"
    yield "audio only", _audio_only(tmp_path / "voice.m4a"), "without a video stream"


def test_hostile_files_give_a_clear_result_never_a_crash(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    for name, path, why in _failures(tmp_path, clips["gop2"]):
        media = hash_file(path)
        assert media.outcome is Outcome.FAILED, name
        assert why in (media.error or ""), (name, media.error)


def test_a_video_cut_short_still_gives_what_it_decoded(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    data = clips["gop250"].read_bytes()
    # The index (moov) comes last in this file: cutting the tail loses it.
    media = hash_bytes(data[: len(data) // 2])
    assert media.outcome is Outcome.FAILED and "damaged" in (media.error or "")
    # With the index first, as sites stream video, the first half is still hashed, and the
    # result says it was cut short.
    frames = list(vc.decoded(clips["gop2"]))
    streamed = vc.encode((rgb for _, rgb in frames), tmp_path / "fs.mp4", FPS, faststart=True)
    data = streamed.read_bytes()
    assert data[36:40] == b"moov"
    half = hash_video(data[: len(data) // 2])
    assert 3 <= len(half.frames) < 12
    assert half.limited is not None and "of the 12 s it declares" in half.limited


def test_caps_bound_time_frames_and_pixels(clips: dict[str, Path]) -> None:
    clip = clips["gop2"]
    long = hash_video(clip, VideoOptions(limits=VideoLimits(max_seconds=3.5)))
    assert [int(f.timestamp) for f in long.frames] == [0, 1, 2, 3]
    assert long.limited is not None and "first 4 s" in long.limited
    many = hash_video(clip, VideoOptions(limits=VideoLimits(max_frames=5)))
    assert len(many.frames) == 5 and "5 sampled frames" in (many.limited or "")
    with pytest.raises(MediaTooLarge, match="s of decoding"):
        hash_video(clip, VideoOptions(limits=VideoLimits(max_decode_seconds=0.0)))
    with pytest.raises(MediaTooLarge, match="over the cap"):
        hash_video(clip, VideoOptions(limits=VideoLimits(max_pixels=320 * 200)))


def test_bytes_that_are_no_video_are_refused() -> None:
    with pytest.raises(UnsupportedMedia):
        hash_video(b"\x00\x00\x00\x18ftypisom" + bytes(64))
    with pytest.raises(UnsupportedMedia, match="empty"):
        hash_video(b"")


def test_agrees_with_metas_vpdq_frame_by_frame(clips: dict[str, Path]) -> None:
    vpdq = pytest.importorskip("vpdq")
    ours = hash_video(clips["gop250"], VideoOptions(fold_distance=-1, min_quality=0))
    by_second = {int(f.timestamp): f.pdq for f in ours.frames}
    distances = [
        by_second[int(feature.timestamp)].distance(PdqHash.from_hex(feature.hex, 100))
        for feature in vpdq.computeHash(str(clips["gop250"]), seconds_per_hash=1.0)
    ]
    assert len(distances) == 12
    assert float(np.mean(distances)) <= 16


def test_signature_bytes_are_small() -> None:
    frames = [FrameHash(i * 30, float(i), PdqHash(bytes([i % 256]) * 32, 90)) for i in range(600)]
    record = VideoSignature.of(frames).to_bytes()
    assert len(record) == 12 + 41 * 600  # ten minutes at one frame a second: about 24 KB
    assert io.BytesIO(record).read(4) == b"HVPQ"
