"""``haechi hash --frames`` writes exactly what Meta's vPDQ tools read: feature lines only."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haechi.cli import app
from haechi.hashing import video_clips as vc
from haechi.hashing.video_format import VideoSignature
from haechi.testkit import registered_photos

runner = CliRunner()
# Meta's vpdq feature line: frame_number,quality,pdq_hex,timestamp (match-hashes-brute's format)
VPDQ_LINE = re.compile(r"\d+,\d{1,3},[0-9a-f]{64},\d+\.\d{3}")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("clips")
    photos = list(registered_photos().values())
    return [
        vc.encode(
            vc.render(vc.shots_of(photos[n : n + 2], 2, n), (160, 120), 12), folder / f"{n}.mp4", 12
        )
        for n in (0, 2)
    ]


def test_one_video_prints_only_feature_lines(tmp_path: Path, clips: list[Path]) -> None:
    result = runner.invoke(app, ["--home", str(tmp_path / "h"), "hash", "--frames", str(clips[0])])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and all(VPDQ_LINE.fullmatch(line) for line in lines), lines[:2]
    assert VideoSignature.from_vpdq(result.stdout).to_vpdq() == result.stdout


def test_several_videos_need_an_out_dir(tmp_path: Path, clips: list[Path]) -> None:
    home = ["--home", str(tmp_path / "h")]
    refused = runner.invoke(app, [*home, "hash", "--frames", *map(str, clips)])
    assert refused.exit_code == 2, refused.output
    assert "--out-dir" in refused.output
    out = tmp_path / "features"
    written = runner.invoke(
        app, [*home, "hash", "--frames", "--out-dir", str(out), *map(str, clips)]
    )
    assert written.exit_code == 0, written.output
    for clip in clips:
        text = (out / f"{clip.name}.txt").read_text()
        assert all(VPDQ_LINE.fullmatch(line) for line in text.splitlines())


def test_frames_of_a_picture_is_a_failure(tmp_path: Path, make_photo: Callable[..., Path]) -> None:
    result = runner.invoke(
        app, ["--home", str(tmp_path / "h"), "hash", "--frames", str(make_photo(3))]
    )
    assert result.exit_code == 1, result.output
    assert "not a video" in result.output
