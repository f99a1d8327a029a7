"""Video hashing: speed against Meta's vpdq, frame agreement, recall per edit, false matches.

One run, on clips the bench makes itself from the testkit's real photos
(:mod:`haechi.hashing.video_clips`: pans and zooms, sensor noise, hard cuts):

* **Speed.** A 720p and a 1080p H.264 clip of a few minutes, keyframes every 2 s (as
  streaming sites encode), and the 720p clip again with x264's default keyframe interval of
  250 frames. Each is hashed at one frame a second by ``hash_video`` and by ``vpdq`` with the
  same number of threads (one, then two), after one warm-up; the figure is the best of three
  runs, in multiples of real time.
* **Agreement.** For each frame vpdq hashed, the frame haechi hashed in the same one-second
  window (unfolded, all qualities): the mean Hamming distance between the two.
* **Recall and false matches.** Registered: one short clip per testkit photo (several shots
  of it), through ``register_files``. Queries: every registered clip put through each edit
  (re-encodes, crops of 5-25 % centred and off-centre, mirror, turn, caption bars,
  picture-in-picture), compilations of two or three registered clips (whole, or excerpts of
  a few seconds) between unrelated ones, and unrelated clips made the same way from other
  pictures (``unrelated_images``): ``--edited`` of them through every edit, ``--unrelated`` as
  they are; all scanned as one folder by ``Scanner``; so are a still of each registered clip
  (a screenshot) and unrelated pictures, which are searched among the registered frames. A hit
  on an unrelated query, or on the wrong registered clip, is a false match.
* **Cost.** Hashing time per query minute (720p) as a scan hashed videos before the second
  stage and as it does now, the matching time per query minute against the registered clips,
  and the bytes a bank keeps per registered minute, beside ``vpdq``'s feature file.

    .venv/bin/python bench/video.py > bench/RESULTS-video.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from PIL import Image

from haechi.banks.service import register_files
from haechi.hashing import video_clips as vc
from haechi.hashing.signals import SignalKind
from haechi.hashing.video import VideoOptions, hash_video
from haechi.hashing.video_local import VideoFeatures
from haechi.scan.pipeline import Scanner
from haechi.scan.video_matcher import VideoBank
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import open_database
from haechi.testkit import registered_photos, unrelated_images

try:
    import vpdq
except ImportError as exc:  # measured without it, and the results say why
    vpdq = None
    VPDQ_MISSING = f"`import vpdq` failed: {exc}"
else:
    VPDQ_MISSING = ""


def _crop(edit: vc.FrameEdit) -> Callable[[Path, Path], Path]:
    return lambda s, d: vc.transcode(s, d, edit=edit)


EDITS: dict[str, Callable[[Path, Path], Path]] = {
    "re-encoded at low bitrate (crf 40)": lambda s, d: vc.transcode(s, d, crf=40),
    "resized to half": lambda s, d: vc.transcode(s, d, edit=vc.scaled(0.5)),
    "15 frames/s (from 24)": lambda s, d: vc.transcode(s, d, fps=15),
    "trimmed (first 2 s, last 3 s cut)": lambda s, d: vc.transcode(s, d, start=2, end=9),
    "letterboxed": lambda s, d: vc.transcode(s, d, edit=vc.letterboxed),
    "logo overlaid": lambda s, d: vc.transcode(s, d, edit=vc.with_logo),
    **{f"cropped {p} % (centred)": _crop(vc.cropped(p)) for p in (5, 10, 15, 20, 25)},
    **{f"cropped {p} % (right and bottom)": _crop(vc.cropped_off_centre(p)) for p in (10, 20)},
    "mirrored": lambda s, d: vc.transcode(s, d, edit=vc.mirrored),
    "turned a quarter": lambda s, d: vc.transcode(s, d, edit=vc.turned),
    "caption bar above": lambda s, d: vc.transcode(s, d, edit=vc.captioned(True)),
    "caption bar below": lambda s, d: vc.transcode(s, d, edit=vc.captioned(False)),
}
PIP = "picture-in-picture (half size, over another picture)"
COMPILATION = "compilation of 3 registered + 1 unrelated"
EXCERPTS = "compilation of 5 s excerpts of 2-3 registered + unrelated"
STILL = "still of a frame (3/4 size, JPEG 70)"
PICTURES = "unrelated pictures against the frames"
SMALL = (320, 240)
SMALL_FPS = 24
SHOT = 4.0  # seconds per shot; clips are three shots


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def make_long(folder: Path, size: tuple[int, int], seconds: int, gop: int | None) -> Path:
    photos = list(registered_photos().values())
    shots = vc.shots_of(photos * (seconds // (8 * len(photos)) + 1), 8.0, seed=size[0])
    shots = shots[: seconds // 8]
    name = f"{size[1]}p-{'gop' + str(gop) if gop else 'x264default'}.mp4"
    return vc.encode(vc.render(shots, size, 30), folder / name, 30, crf=23, gop=gop)


def speed(clips: list[Path], runs: int) -> list[str]:
    rows = [
        "| clip | threads | haechi s | haechi x real time | vpdq s | vpdq x real time"
        " | haechi / vpdq | frames decoded (haechi) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    extra: list[str] = []
    for clip in clips:
        length = hash_video(clip).duration
        for threads in (1, 2):
            options = VideoOptions(threads=threads)
            hash_video(clip, options)  # warm-up: page cache, FFmpeg's first allocations
            ours = best_of(runs, lambda c=clip, o=options: hash_video(c, o))
            decoded = hash_video(clip, options).decoded
            if vpdq is not None:
                theirs = best_of(
                    runs,
                    lambda c=clip, t=threads: vpdq.computeHash(
                        str(c), seconds_per_hash=1.0, thread_count=t
                    ),
                )
                ref = f"{theirs:.2f} | {length / theirs:.1f} | {theirs / ours:.2f}x"
            else:
                ref = "n/a | n/a | n/a"
            rows.append(
                f"| {clip.stem} ({length:.0f} s) | {threads} | {ours:.2f} | "
                f"{length / ours:.1f} | {ref} | {decoded:,} |"
            )
            log(rows[-1])
        # What a scan pays: before the second stage, each frame's mirror image, picture
        # inside borders and centre too; with it, every turn, caption bars and keypoints.
        before = VideoOptions(threads=2, mirror=True, content=True, centre=True)
        old = best_of(runs, lambda c=clip, o=before: hash_video(c, o))
        now = _query_options()
        new = best_of(runs, lambda c=clip, o=now: hash_video(c, o))
        for label, took in (
            ("as a scan hashed it before (+ mirror, borders, centre)", old),
            ("as a scan hashes it now (+ turns, caption bars, keypoints)", new),
        ):
            rows.append(f"| {clip.stem}, {label} | 2 | {took:.2f} | {length / took:.1f} | | | | |")
            log(rows[-1])
        extra.append(
            f"| {clip.stem} | {old / length * 60:.2f} | {new / length * 60:.2f} | "
            f"{(new - old) / length * 60:+.2f} |"
        )
    rows += [
        "",
        "Hashing seconds per query minute, as a scan hashes (two threads):",
        "",
        "| clip | before the second stage | with it | extra per query minute |",
        "|---|---:|---:|---:|",
        *extra,
    ]
    return rows


def agreement(clips: list[Path]) -> list[str]:
    if vpdq is None:
        return ["vpdq is not installed: no agreement measured."]
    rows = [
        "| clip | frames compared | mean distance | median | max | share <= 31 bits |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for clip in clips:
        ours = hash_video(clip, VideoOptions(fold_distance=-1, min_quality=0))
        by_window = {int(f.timestamp + 1e-6): f.pdq for f in ours.frames}
        distances = []
        for feature in vpdq.computeHash(str(clip), seconds_per_hash=1.0):
            mine = by_window.get(int(feature.timestamp + 1e-6))
            if mine is not None:
                distances.append(mine.distance(type(mine).from_hex(feature.hex, 100)))
        near = sum(1 for d in distances if d <= 31) / max(1, len(distances))
        rows.append(
            f"| {clip.stem} | {len(distances)} | {statistics.mean(distances):.1f} | "
            f"{statistics.median(distances):.0f} | {max(distances)} | {near:.3f} |"
        )
        log(rows[-1])
    return rows


def _clip(shots: list[vc.Shot], path: Path, seed: int) -> Path:
    return vc.encode(vc.render(shots, SMALL, SMALL_FPS, seed=seed), path, SMALL_FPS)


def _query_options() -> VideoOptions:
    return VideoOptions(
        threads=2, dihedral=True, content=True, regions=True, centre=True, local=True
    )


def recall(
    folder: Path, edited: int, unrelated_count: int, pictures: int, long_clip: Path
) -> tuple[list[str], list[str]]:
    registered_dir, queries = folder / "registered", folder / "queries"
    registered_dir.mkdir()
    queries.mkdir()
    photos = registered_photos()
    originals: dict[str, Path] = {}
    for k, (name, photo) in enumerate(photos.items()):
        shots = vc.shots_of([photo, photo, photo], SHOT, seed=k)
        originals[name] = _clip(shots, registered_dir / f"{name}.mp4", k)
    others = [n.image for n in unrelated_images(3 * edited + 2 * unrelated_count + 1, seed=7)]
    background = others.pop()
    unrelated = [
        _clip(vc.shots_of(others[3 * k : 3 * k + 3], SHOT, seed=100 + k), folder / f"u-{k}.mp4", k)
        for k in range(edited)
    ]
    expected: dict[str, tuple[str, set[str]]] = {}  # query file -> (edit, registered names)
    edits = {**EDITS, PIP: lambda s, d: vc.transcode(s, d, edit=vc.picture_in_picture(background))}
    for e, (edit_name, edit) in enumerate(edits.items()):
        for name, src in originals.items():
            dst = edit(src, queries / f"{name}--e{e}.mp4")
            expected[dst.name] = (edit_name, {name})
        for k, src in enumerate(unrelated):
            dst = edit(src, queries / f"unrelated-{k}--e{e}.mp4")
            expected[dst.name] = (edit_name, set())
        log(f"made {edit_name}")
    names = list(originals)
    for k in range(len(names)):
        parts = [names[k], names[(k + 1) % len(names)], names[(k + 3) % len(names)]]
        paths = [
            originals[parts[0]],
            unrelated[k % len(unrelated)],
            *(originals[p] for p in parts[1:]),
        ]
        dst = vc.concatenate(paths, queries / f"compilation-{k}.mp4", SMALL, SMALL_FPS)
        expected[dst.name] = (COMPILATION, set(parts))
        # Five seconds of two or three registered clips, from anywhere in them, between others.
        chosen = parts[: 2 + k % 2]
        pieces: list[vc.Excerpt] = [(unrelated[k % len(unrelated)], 0.0, 4.0)]
        for j, part in enumerate(chosen):
            at = float((2 + 3 * j + k) % 7)
            pieces += [(originals[part], at, at + 5.0), (unrelated[(k + j + 1) % edited], 4, 7)]
        dst = vc.concatenate(pieces, queries / f"excerpts-{k}.mp4", SMALL, SMALL_FPS)
        expected[dst.name] = (EXCERPTS, set(chosen))
    log("made the compilations")
    for k in range(unrelated_count):
        shots = vc.shots_of(others[3 * edited + 2 * k : 3 * edited + 2 * k + 2], SHOT, seed=900 + k)
        dst = _clip(shots, queries / f"unrelated-{k}--e-none.mp4", k)
        expected[dst.name] = ("(unedited)", set())
    log("made the unrelated clips")
    for name, src in originals.items():
        rgb = next(rgb for t, rgb in vc.decoded(src) if t >= 5.5)
        still = Image.fromarray(vc.scaled(0.75)(rgb))
        still.save(queries / f"{name}--still.jpg", quality=70)
        expected[f"{name}--still.jpg"] = (STILL, {name})
    for k, named in enumerate(unrelated_images(pictures, seed=11)):
        named.image.convert("RGB").save(queries / f"picture-{k}.jpg", quality=85)
        expected[f"picture-{k}.jpg"] = (PICTURES, set())
    settings = Settings(home=folder / "home", workers=2)
    db = open_database(settings)
    try:
        done = register_files(db, settings, "bench", list(originals.values()))
        entry_of = {}
        for name, result in zip(originals, done, strict=True):
            assert result.entry is not None
            entry_of[result.entry.id] = name
        cost_rows = costs(db, list(originals.values()), long_clip)
        t0 = time.perf_counter()
        report = Scanner(db, settings).scan_folder(queries)
        scan_seconds = time.perf_counter() - t0
    finally:
        db.close()
    got: dict[str, set[str]] = {q: set() for q in expected}
    rules: dict[str, list[str]] = {}
    for hit in report.hits:
        got[Path(hit.location).name].add(entry_of.get(hit.entry, f"entry {hit.entry}"))
        if hit.frames is not None:
            rules.setdefault(expected[Path(hit.location).name][0], []).append(hit.frames.rule)
    rows = [
        "| edit | queries | found | recall | false matches | rules that matched |",
        "|---|---:|---:|---:|---:|---|",
    ]
    total_false = 0
    for edit_name in [*edits, COMPILATION, EXCERPTS, "(unedited)", STILL]:
        items = [q for q, (e, _) in expected.items() if e == edit_name]
        wanted = sum(len(expected[q][1]) for q in items)
        found = sum(len(expected[q][1] & got[q]) for q in items)
        false = sum(len(got[q] - expected[q][1]) for q in items)
        total_false += false
        counts = {
            r: rules.get(edit_name, []).count(r) for r in sorted(set(rules.get(edit_name, [])))
        }
        rec = f"{found / wanted:.3f}" if wanted else "-"
        rows.append(
            f"| {edit_name} | {len(items)} | {found}/{wanted} | {rec} | {false} | "
            f"{', '.join(f'{r} {n}' for r, n in counts.items())} |"
        )
    rows.append(
        f"| {PICTURES} | {pictures} | - | - | "
        f"{sum(len(got[q]) for q, (e, _) in expected.items() if e == PICTURES)} | |"
    )
    total_false += sum(len(got[q]) for q, (e, _) in expected.items() if e == PICTURES)
    rows.append("")
    rows.append(
        f"{len(expected)} queries ({sum(1 for q in expected if not expected[q][1])} unrelated: "
        f"{edited} unrelated clips through every edit, {unrelated_count} more as they are, "
        f"{pictures} pictures), {report.hashed} hashed, {report.failed} failed; scan of the "
        f"folder {scan_seconds:.1f} s; false matches in all: {total_false}."
    )
    return rows, cost_rows


def costs(db: Any, registered: list[Path], long_clip: Path) -> list[str]:
    """Storage per registered minute (today's records, the second stage's, vpdq's feature
    file) and matching time per query minute against the registered clips."""
    with db.session() as session:
        store = BankStore(session)
        size = {k: sum(len(r) for _, r in store.feature_records(k)) for k in SignalKind}
    minutes = sum(hash_video(p).duration for p in registered) / 60
    today = sum(size[k] for k in SignalKind if k.is_video)
    theirs = "n/a"
    if vpdq is not None:
        text = sum(
            len(f"{f.frame_number},{f.quality},{f.hex},{f.timestamp:.3f}\n")
            for p in registered
            for f in vpdq.computeHash(str(p), seconds_per_hash=1.0)
        )
        theirs = f"{text / minutes / 1024:.1f} KB (feature-file text)"
    representatives = crops_only = 0
    with db.session() as session:
        for _, record in BankStore(session).feature_records(SignalKind.VORB):
            frames = VideoFeatures.from_bytes(record).frames
            representatives += sum(1 for k in frames if len(k.features) > 0)
            crops_only += sum(1 for k in frames if len(k.features) == 0)
    bank = VideoBank.load(db)
    query = hash_video(long_clip, _query_options())
    per_minute = 60 / query.duration
    variants = list(query.variants.values())
    plain = best_of(3, lambda: bank.search(query.signature, variants))
    full = best_of(3, lambda: bank.search(query.signature, variants, query.local))
    return [
        "| what | before the second stage | with it | vpdq |",
        "|---|---:|---:|---:|",
        f"| bank bytes per registered minute | {today / minutes / 1024:.1f} KB | "
        f"{(today + size[SignalKind.VORB]) / minutes / 1024:.1f} KB | {theirs} |",
        f"| frames per registered minute with keypoints (representatives) / crop hashes only | "
        f"| {representatives / minutes:.1f} / {crops_only / minutes:.1f} | |",
        f"| matching s per query minute ({len(registered)} registered clips, 720p query, "
        f"{len(query.local)} frames with keypoints) | {plain * per_minute:.3f} | "
        f"{full * per_minute:.3f} | |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=150, help="length of the speed clips")
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the best counts")
    parser.add_argument(
        "--edited", type=int, default=6, help="unrelated clips put through every edit"
    )
    parser.add_argument(
        "--unrelated", type=int, default=200, help="more unrelated clips, as they are"
    )
    parser.add_argument("--pictures", type=int, default=500, help="unrelated pictures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="haechi-video-bench-") as tmp:
        folder = Path(tmp)
        log("making the speed clips")
        clips = [
            make_long(folder, (1280, 720), args.seconds, 60),
            make_long(folder, (1280, 720), args.seconds, None),
            make_long(folder, (1920, 1080), args.seconds, 60),
        ]
        speed_rows = speed(clips, args.runs)
        agree_rows = agreement(clips)
        recall_rows, cost_rows = recall(
            folder, args.edited, args.unrelated, args.pictures, clips[0]
        )
    try:
        vpdq_version = version("vpdq")
    except PackageNotFoundError:
        vpdq_version = "not installed"
    print("# Video hashing (vPDQ): speed, agreement with Meta's vpdq, recall, false matches\n")
    print(
        f"    .venv/bin/python bench/video.py {' '.join(sys.argv[1:])} > bench/RESULTS-video.md\n"
    )
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python "
        f"{platform.python_version()}; PyAV {version('av')}; vpdq {vpdq_version}. "
        "One frame a second on both sides."
    )
    if VPDQ_MISSING:
        print(f"\nvpdq could not be used: {VPDQ_MISSING}")
    print("\n## Speed\n")
    print("\n".join(speed_rows))
    print("\n## Frame agreement with vpdq\n")
    print("\n".join(agree_rows))
    print("\n## Recall per edit and false matches (real register and scan path)\n")
    print("\n".join(recall_rows))
    print("\n## Cost of the second stage\n")
    print("\n".join(cost_rows))


if __name__ == "__main__":
    main()
