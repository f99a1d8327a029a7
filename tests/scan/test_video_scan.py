"""Videos through the real paths: register, scan a folder, read the hits and their frames.

Every edit re-uploaders make to a video must be found on clips made from real photos;
unrelated clips edited the same way must match nothing; a compilation is a hit for each
registered video in it; the frame hashes survive export, import and withdrawal.
``bench/video.py`` measures the same on more clips, with figures per edit.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haechi.banks.formats import parse_entries
from haechi.banks.service import export_bank, import_bank, register_files
from haechi.cli import app
from haechi.hashing import video_clips as vc
from haechi.hashing.decode import pdq_pixels
from haechi.hashing.pdq import pdq_of_pixels
from haechi.hashing.signals import SignalKind
from haechi.hashing.video import hash_video
from haechi.scan.pipeline import Scanner
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database
from haechi.store.scans import ScanStore
from haechi.testkit import registered_photos, unrelated_images

SIZE = (320, 240)
FPS = 24
# Re-encodes at half size or another frame rate are left to bench/video.py: PDQ of whole
# frames finds them as it finds the low-bitrate copy.
EDITS = {
    "low-bitrate": lambda s, d: vc.transcode(s, d, crf=40),
    "trimmed": lambda s, d: vc.transcode(s, d, start=3, end=10),
    "crop-5": lambda s, d: vc.transcode(s, d, edit=vc.cropped(5)),
    "letterbox": lambda s, d: vc.transcode(s, d, edit=vc.letterboxed),
    "logo": lambda s, d: vc.transcode(s, d, edit=vc.with_logo),
    "mirror": lambda s, d: vc.transcode(s, d, edit=vc.mirrored),
    "turned": lambda s, d: vc.transcode(s, d, edit=vc.turned),
    "crop-25": lambda s, d: vc.transcode(s, d, edit=vc.cropped(25)),
    "crop-15-corner": lambda s, d: vc.transcode(s, d, edit=vc.cropped_off_centre(15)),
    "caption": lambda s, d: vc.transcode(s, d, edit=vc.captioned(top=False)),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two registered clips, an unrelated one, and the edited copies in ``inbox``."""
    folder = tmp_path_factory.mktemp("videos")
    photos = list(registered_photos().values())
    others = [n.image for n in unrelated_images(30, seed=3)][-3:]
    clips = {
        "a": vc.encode(vc.render(vc.shots_of(photos[:3], 4, 1), SIZE, FPS), folder / "a.mp4", FPS),
        "b": vc.encode(vc.render(vc.shots_of(photos[3:6], 4, 2), SIZE, FPS), folder / "b.mp4", FPS),
        "u": vc.encode(vc.render(vc.shots_of(others, 4, 3), SIZE, FPS), folder / "u.mp4", FPS),
    }
    inbox = folder / "inbox"
    inbox.mkdir()
    for name, edit in EDITS.items():
        edit(clips["a"], inbox / f"a-{name}.mp4")
    for name in ("low-bitrate", "mirror", "letterbox", "crop-25", "caption"):
        EDITS[name](clips["u"], inbox / f"u-{name}.mp4")
    # The registered clip shown small over another picture, and the other way round.
    inset = vc.picture_in_picture(others[0], scale=0.5)
    vc.transcode(clips["a"], inbox / "a-pip.mp4", edit=inset)
    vc.transcode(clips["u"], inbox / "u-pip.mp4", edit=vc.picture_in_picture(photos[0]))
    # Five seconds of each registered clip between unrelated ones.
    excerpts = [(clips["u"], 0, 4), (clips["a"], 6, 11), (clips["u"], 4, 8), (clips["b"], 1, 6)]
    vc.concatenate(excerpts, inbox / "excerpts.mp4", SIZE, FPS)
    (inbox / "u.bin").write_bytes(clips["u"].read_bytes())
    vc.concatenate([clips["b"], clips["u"], clips["a"]], inbox / "compilation.mp4", SIZE, FPS)
    (inbox / "broken.mp4").write_bytes(clips["a"].read_bytes()[:3000])
    # A few of them, for the tests that only need to see some found or none.
    few = folder / "few"
    few.mkdir()
    for name in ("a-low-bitrate.mp4", "a-mirror.mp4", "a-crop-25.mp4", "compilation.mp4"):
        shutil.copyfile(inbox / name, few / name)
    return {**clips, "inbox": inbox, "few": few}


def _register(db: Database, settings: Settings, world: dict[str, Path]) -> dict[str, int]:
    done = register_files(db, settings, "victims", [world["a"], world["b"]])
    ids = {}
    for name, result in zip("ab", done, strict=True):
        assert result.entry is not None and result.warning is None
        kinds = {s.kind for s in result.entry.signals}
        video_kinds = {k for k in SignalKind if k.is_video} | {SignalKind.VORB}
        assert kinds == {SignalKind.MD5, SignalKind.SHA256} | video_kinds
        ids[name] = result.entry.id
    return ids


def test_every_edit_is_found_and_nothing_unrelated(
    db: Database, settings: Settings, world: dict[str, Path]
) -> None:
    ids = _register(db, settings, world)
    report = Scanner(db, settings).scan_folder(world["inbox"])
    assert report.failed == 1 and "damaged" in (report.failures[0].reason or "")
    found: dict[str, set[int]] = {}
    for hit in report.hits:
        found.setdefault(Path(hit.location).name, set()).add(hit.entry)
    wanted = {f"a-{name}.mp4": {ids["a"]} for name in [*EDITS, "pip"]}
    wanted["compilation.mp4"] = wanted["excerpts.mp4"] = {ids["a"], ids["b"]}
    assert found == wanted
    by_name = {Path(h.location).name: h for h in report.hits if h.entry == ids["a"]}
    assert all(h.signal_kind == "vpdq" and h.frames is not None for h in by_name.values())
    trimmed = by_name["a-trimmed.mp4"].frames
    assert trimmed is not None and trimmed.rule == "part"
    [span] = trimmed.bank_spans
    assert span.start == pytest.approx(3, abs=1) and span.end == pytest.approx(10, abs=1)
    compiled = by_name["compilation.mp4"].frames
    assert compiled is not None and compiled.rule == "contains"
    # a is the third of three 12 s clips in the compilation: 0:24-0:36 of it.
    assert compiled.query_spans[0].start == pytest.approx(24, abs=1.5)
    assert "of the registered video" in compiled.describe()
    # Each excerpt is its own hit, with where it lies in both videos.
    parts = {h.entry: h.frames for h in report.hits if Path(h.location).name == "excerpts.mp4"}
    a_part, b_part = parts[ids["a"]], parts[ids["b"]]
    assert a_part is not None and b_part is not None
    assert a_part.bank_spans[0].start == pytest.approx(6, abs=1.5)
    assert a_part.query_spans[0].start == pytest.approx(4, abs=1.5)
    assert b_part.bank_spans[0].start == pytest.approx(1, abs=1.5)
    assert b_part.query_spans[0].start == pytest.approx(13, abs=1.5)
    with db.session() as session:
        stored = {h.id: h for h in ScanStore(session).hits(scan_id=report.scan_id)}
    assert all(stored[h.id].frames == h.frames for h in report.hits)
    assert stored[by_name["a-trimmed.mp4"].id].as_json()["frames"]["rule"] == "part"


def test_frames_survive_export_import_and_withdrawal(
    db: Database, settings: Settings, world: dict[str, Path]
) -> None:
    ids = _register(db, settings, world)
    text = export_bank(db, "victims", "json")
    copied = import_bank(db, "partner", text, "json")
    with db.session() as session:
        store = BankStore(session)
        originals = {e.id: e for e in store.entries("victims")}
    for entry in copied:
        source = originals[next(i for i in ids.values() if i in originals)]
        # Keypoints stay home unless exported on purpose, as pictures' do.
        shared = {s.kind for s in source.signals} - {SignalKind.VORB}
        assert {s.kind for s in entry.signals} == shared
    with_keypoints = export_bank(db, "victims", "json", with_local_features=True)
    [again, _] = import_bank(db, "partner-trusted", with_keypoints, "json")
    assert SignalKind.VORB in {s.kind for s in again.signals}
    hma = export_bank(db, "victims", "hma")
    video_lines = [line for line in hma.splitlines() if line.startswith("vpdq ")]
    assert len(video_lines) == 2 and "vpdq-crop" not in hma and "vpdq-centre" not in hma
    [entry] = parse_entries(video_lines[0] + "\n", "hma")
    assert json.loads(video_lines[0].partition(" ")[2])[0].count(",") == 2
    assert entry.signals[0].kind is SignalKind.VPDQ
    with db.session() as session:
        for entry in [
            *BankStore(session).entries("victims"),
            *BankStore(session).entries("partner"),
            *BankStore(session).entries("partner-trusted"),
        ]:
            BankStore(session).withdraw(entry.id)
    report = Scanner(db, settings).scan_folder(world["few"])
    assert report.hashed == 4 and report.hits == []


def test_a_vpdq_file_from_hash_frames_registers_the_video(
    db: Database, settings: Settings, world: dict[str, Path], tmp_path: Path
) -> None:
    runner = CliRunner()
    home = ["--home", str(settings.home)]
    shown = runner.invoke(app, [*home, "hash", str(world["a"])])
    assert shown.exit_code == 0, shown.output
    assert "video 320x240" in shown.output and "h264" in shown.output
    frames = runner.invoke(app, [*home, "hash", "--frames", str(world["a"])])
    assert frames.exit_code == 0, frames.output
    lines = frames.stdout.splitlines()  # feature lines only: no header Meta's tools reject
    assert len(lines) == 12 and not lines[0].startswith("#")
    assert lines[0].split(",")[0] == "0" and lines[0].endswith(",0.000")
    feature_file = tmp_path / "a.vpdq.txt"
    feature_file.write_text(frames.stdout)
    [entry] = import_bank(db, "partner", feature_file.read_text(), "vpdq", label="from a partner")
    assert [s.kind for s in entry.signals] == [SignalKind.VPDQ]
    assert export_bank(db, "partner", "vpdq") == "\n".join(lines) + "\n"
    report = Scanner(db, settings).scan_folder(world["few"])
    assert {Path(h.location).name for h in report.hits} >= {"a-low-bitrate.mp4", "a-mirror.mp4"}
    as_json = runner.invoke(app, [*home, "hash", "--json", "--frames", str(world["a"])])
    doc = json.loads(as_json.stdout)
    assert doc["video"]["kept"] == len(doc["video"]["frames"]) == 12


def test_a_video_without_reliable_frames_registers_digests_with_a_warning(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    from PIL import Image

    flat = [vc.Shot(Image.new("RGB", (64, 48), (40, 40, 40)), 3.0)]
    path = vc.encode(vc.render(flat, SIZE, FPS, noise=0), tmp_path / "flat.mp4", FPS)
    [result] = register_files(db, settings, "victims", [path])
    assert result.entry is not None
    assert {s.kind for s in result.entry.signals} == {SignalKind.MD5, SignalKind.SHA256}
    assert "no video frame of reliable quality" in (result.warning or "")


def test_a_video_on_a_web_page_is_found_with_its_frames(
    db: Database, settings: Settings, world: dict[str, Path]
) -> None:
    from tests.sources.sitekit import serve

    ids = _register(db, settings, world)
    with serve() as site:
        site.image(
            "/v/reupload.mp4",
            (world["inbox"] / "a-low-bitrate.mp4").read_bytes(),
            content_type="video/mp4",
        )
        site.image("/v/other.mp4", world["u"].read_bytes(), content_type="video/mp4")
        site.page("/", '<video src="/v/reupload.mp4"></video><video><source src="/v/other.mp4">')
        home = ["--home", str(settings.home)]
        args = ["scan", site.url("/"), "--allow-host", "127.0.0.1", "--json"]
        result = CliRunner().invoke(app, [*home, *args])
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    [hit] = hits
    assert hit["url"] == site.url("/v/reupload.mp4") and hit["entry"] == ids["a"]
    assert hit["signal"] == "vpdq" and hit["frames"]["rule"] == "full"
    assert hit["frames"]["bank_spans"][0][0] == 0


def test_a_still_of_a_registered_video_is_found_at_its_time(
    db: Database, settings: Settings, world: dict[str, Path], tmp_path: Path
) -> None:
    from PIL import Image

    ids = _register(db, settings, world)
    folder = tmp_path / "stills"
    folder.mkdir()
    t, rgb = next((t, rgb) for t, rgb in vc.decoded(world["a"]) if t >= 5.5)
    Image.fromarray(rgb).resize((480, 360)).save(folder / "screenshot.jpg", quality=70)
    Image.fromarray(next(rgb for _, rgb in vc.decoded(world["u"]))).save(folder / "other.png")
    # The moment of a pan or zoom (every quarter second) farthest from every sampled frame:
    # PDQ of the whole frame cannot reach it; the crops and keypoints of the frames that
    # stand for it do, with no picture registered (a scan then takes keypoints for them).
    sampled = hash_video(world["a"]).frames
    far, moment = max(
        (min(pdq_of_pixels(pdq_pixels(rgb)).distance(f.pdq) for f in sampled), (t, rgb))
        for t, rgb in vc.decoded(world["a"])
        if round(t * FPS) % (FPS // 4) == 0
    )
    assert far > 31
    Image.fromarray(moment[1]).save(folder / "between.jpg", quality=80)
    report = Scanner(db, settings).scan_folder(folder)
    hits = {Path(h.location).name: h for h in report.hits}
    assert set(hits) == {"screenshot.jpg", "between.jpg"}
    for name, at in (("screenshot.jpg", t), ("between.jpg", moment[0])):
        hit = hits[name]
        assert hit.entry == ids["a"] and hit.frames is not None and hit.frames.rule == "frame"
        [span] = hit.frames.bank_spans
        assert span.start - 1 <= at <= span.end + 1 and span.end > span.start
    assert hits["screenshot.jpg"].frames.describe().startswith("a still of 0:0")
