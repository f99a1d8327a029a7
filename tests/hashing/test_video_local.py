"""Representative frames of a video: their record, how they are picked, and how frames that
agree are judged by their time offset."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from haechi.hashing.decode import pdq_pixels
from haechi.hashing.local import LocalFeatures
from haechi.hashing.pdq import pdq_of_pixels
from haechi.hashing.signals import PdqHash, Signal, SignalKind
from haechi.hashing.video_local import (
    KeyFrame,
    Representatives,
    Thinning,
    VideoFeatures,
    bank_frame,
    key_frames,
)
from haechi.hashing.video_match import FramePair, VideoPairing, VideoThresholds
from haechi.testkit import registered_photos


def _features() -> LocalFeatures:
    photo = np.asarray(registered_photos()["coffee"].convert("RGB").resize((320, 240)))
    rgb = np.ascontiguousarray(photo, dtype=np.uint8)
    return bank_frame(rgb, 320, 240, pdq_of_pixels(rgb))


def test_the_record_round_trips_and_damage_is_named() -> None:
    features = _features()
    assert len(features) > 100 and len(features.regions) == 17
    record = VideoFeatures((KeyFrame(0.0, 4.0, features), KeyFrame(4.0, 6.5, features)))
    data = record.to_bytes()
    again = VideoFeatures.from_bytes(data)
    assert [(k.start, k.end) for k in again.frames] == [(0.0, 4.0), (4.0, 6.5)]
    assert again.frames[1].features.to_bytes() == features.to_bytes()
    assert len(again.frames[0].crops()) == 16
    for bad, message in [
        (data[:5], "too short"),
        (b"XXXX" + data[4:], "wrong magic"),
        (data[:4] + b"\x09" + data[5:], "version 9"),
        (data[:-3], "damaged"),
        (data + b"\x00", "bytes after its frames"),
    ]:
        with pytest.raises(ValueError, match=message):
            VideoFeatures.from_bytes(bad)
    signal = Signal.of_record(data, SignalKind.VORB)
    assert signal.record() == data and SignalKind.VORB.is_local
    assert Signal.parse("vorb", signal.value).value == signal.value
    with pytest.raises(ValueError, match="wrong magic"):
        Signal.parse("vorb", base64.b64encode(b"XXXX" + data[4:]).decode())


def test_thinning_picks_cuts_and_a_frame_every_few_seconds() -> None:
    a, b = PdqHash(bytes(32), 100), PdqHash(b"\xff" * 32, 100)
    low = PdqHash(b"\x0f" * 32, 10)
    thinning = Thinning(distance=40, seconds=4.0, limit=10)
    wanted = [thinning.wants(t, h) for t, h in [(0, low), (1, a), (2, a), (3, b), (7, b), (8, b)]]
    assert wanted == [False, True, False, True, True, False]
    frames = key_frames([(3.0, _features()), (1.0, _features())], end=9.0)
    assert [(k.start, k.end) for k in frames.frames] == [(1.0, 3.0), (3.0, 9.0)]


def test_a_representative_stands_for_a_pan_and_a_cut_starts_another() -> None:
    photos = registered_photos()
    wide = np.asarray(photos["coffee"].convert("RGB").resize((480, 360)))
    other = np.asarray(photos["astronaut"].convert("RGB").resize((320, 240)))
    # Four seconds panning across one picture, then a cut to another.
    frames = [wide[10 * k : 10 * k + 240, 16 * k : 16 * k + 320] for k in range(4)] + [other]
    representatives = Representatives()
    for t, rgb in enumerate(frames):
        pixels = pdq_pixels(np.ascontiguousarray(rgb))
        representatives.offer(float(t), pixels, 320, 240, pdq_of_pixels(pixels))
    record = key_frames(representatives.picked, end=5.0)
    assert [(k.start, k.end, len(k.features) > 0) for k in record.frames] == [
        (0.0, 4.0, True),  # stands for the whole pan
        (1.0, 2.0, False),  # the pan's frames keep their crop hashes alone
        (2.0, 3.0, False),
        (3.0, 4.0, False),
        (4.0, 5.0, True),
    ]
    assert [len(k.crops()) for k in record.frames] == [16] * 5
    again = VideoFeatures.from_bytes(record.to_bytes())
    assert [len(k.features) for k in again.frames] == [len(k.features) for k in record.frames]


def _pairing(pairs: list[FramePair]) -> VideoPairing:
    return VideoPairing(
        [float(t) for t in range(60)], 1.0, [float(t) for t in range(30)], 1.0, pairs
    )


def test_a_few_seconds_at_one_time_offset_are_an_excerpt() -> None:
    rules = VideoThresholds()
    # Five query frames, 20 s into the query, showing 5 s of the registered video from 7 s.
    aligned = [FramePair(20.0 + k, 7.0 + k, 7.0 + k, 4) for k in range(5)]
    judged = _pairing(aligned).judge(rules)
    assert judged is not None
    evidence, distance = judged
    assert evidence.rule == "excerpt" and distance == 4
    assert evidence.query_spans[0].start == 20 and evidence.bank_spans[0].start == 7
    # The same frames matching registered frames in no order: chance, not an excerpt.
    scattered = [FramePair(20.0 + k, t, t, 4) for k, t in enumerate([12.0, 2.0, 25.0, 7.0, 18.0])]
    assert _pairing(scattered).judge(rules) is None
    # Three seconds are not "a few".
    assert _pairing(aligned[:3]).judge(rules) is None


def test_an_excerpt_sampled_off_the_whole_second_lines_up() -> None:
    # A compilation cut at 24 frames/s: its samples fall at 20.0, 21.083, ... while the
    # registered video's fall on whole seconds (offsets 16.0 and 16.083, one excerpt).
    query = [float(t) for t in range(20)] + [20.0 + k + (0.083 if k else 0) for k in range(5)]
    pairs = [FramePair(query[20 + k], 4.0 + k, 4.0 + k, 10) for k in range(5)]
    pairing = VideoPairing(query, 1.0, [float(t) for t in range(12)], 1.0, pairs)
    assert pairing.aligned()[0] == 5
    judged = pairing.judge(VideoThresholds())
    assert judged is not None and judged[0].rule == "excerpt"
    assert [s.label() for s in judged[0].bank_spans] == ["0:04-0:09"]


def test_a_representative_frame_matches_anywhere_in_its_stretch() -> None:
    # Query frames 30-34 matched by keypoints to one representative standing for 10-16 s.
    pairs = [FramePair(30.0 + k, 10.0, 16.0, 20) for k in range(5)]
    judged = _pairing(pairs).judge(VideoThresholds())
    assert judged is not None and judged[0].rule == "excerpt"
    assert judged[0].bank_matched == 1  # one registered frame, whatever the query shows of it
