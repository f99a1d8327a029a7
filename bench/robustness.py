"""Which re-upload edits haechi finds, how often it matches unrelated images, and what it costs.

Two matchers side by side on the same queries:

* **PDQ**: the eight dihedral PDQ variants of the query (and of the picture inside uniform
  borders) against each photo's registered PDQ hashes at <= 31 bits; what haechi did before
  its second stage.
* **haechi**: the real path. Photos are registered with ``register_files`` into a temporary
  SQLite database, and queries are hashed with the scan's own options and matched by
  ``BankMatcher`` (PDQ, PDQ of crops and chrome-free regions, ORB with RANSAC and PDQ
  verification).

Registered: the 8 testkit photos and, in this bench only, the two halves of each (24 in all;
a photo and its halves are *related*, so a query of one matching another is counted apart,
neither as recall nor as a false match). Unrelated: ``unrelated_images`` (faces, crops of
other sample images, synthetic images), each put through every transform too.

    .venv/bin/python bench/robustness.py > bench/RESULTS-robustness.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from haechi.banks.service import register_files
from haechi.hashing import HashOptions, MediaHashes, hash_bytes
from haechi.hashing.geometry import MIN_INLIERS, VERIFY_RADIUS, FeatureBank
from haechi.hashing.local import LocalFeatures
from haechi.hashing.signals import SignalKind
from haechi.index import LinearIndex, hex_to_hashes
from haechi.scan.matcher import BankMatcher, Match
from haechi.scan.pipeline import hash_options
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database, open_database
from haechi.testkit import TRANSFORMS, lossless_bytes, registered_photos, unrelated_images

# Families the issue sets targets for: recall >= 0.95, except the two marked 0.5.
FAMILIES: dict[str, tuple[tuple[str, ...], float]] = {
    "scale 25-200 %": (("resize-25", "resize-50", "resize-200"), 0.95),
    "JPEG 20-95": (("jpeg-20", "jpeg-30", "jpeg-50", "jpeg-95"), 0.95),
    "crop 2-10 %": (
        ("crop-2", "crop-5", "crop-10", "crop-2-corner", "crop-5-corner", "crop-10-corner"),
        0.95,
    ),
    "crop 25 %": (("crop-25", "crop-25-corner"), 0.5),
    "caption bars": (("caption-top", "caption-bottom"), 0.95),
    "letterbox, border": (("letterbox-16x9", "border"), 0.95),
    "phone screenshot": (("screenshot",), 0.95),
    "sticker": (("sticker",), 0.95),
    "watermark": (("watermark",), 0.95),
    "mirror": (("flip",), 0.95),
    "90° rotations": (("rotate-90", "rotate-180", "rotate-270"), 0.95),
    "small rotations ±5°": (("rotate-5", "rotate-minus-5"), 0.5),
    "grayscale": (("grayscale",), 0.95),
    "brightness, contrast": (("brighter", "darker", "contrast-up", "contrast-down"), 0.95),
    "blur": (("blur",), 0.95),
}
PDQ_ONLY = HashOptions(dihedral=True, regions=False, local=False)
TIMING_QUERIES = 300
SCALING_QUERIES = 100
BRUTE_FORCE_QUERIES = 10


def bench_photos() -> dict[str, Image.Image]:
    """The testkit photos and the two halves of each (side by side, or one above the other)."""
    photos = registered_photos()
    out = dict(photos)
    for name, image in photos.items():
        w, h = image.size
        if w >= h:
            out[f"{name}/left"] = image.crop((0, 0, w // 2, h))
            out[f"{name}/right"] = image.crop((w // 2, 0, w, h))
        else:
            out[f"{name}/top"] = image.crop((0, 0, w, h // 2))
            out[f"{name}/bottom"] = image.crop((0, h // 2, w, h))
    return out


def family_of(name: str) -> str:
    """The source photo a bench photo comes from."""
    return name.split("/")[0]


@dataclass
class Matchers:
    """The real matcher, and a PDQ-only one over the same bank's PDQ signals."""

    haechi: BankMatcher
    pdq: BankMatcher
    scan_options: HashOptions
    names: dict[int, str]

    def haechi_matches(self, data: bytes) -> tuple[MediaHashes, list[Match]]:
        media = hash_bytes(data, self.scan_options)
        return media, self.haechi.match([media])[0]

    def pdq_matches(self, data: bytes) -> list[Match]:
        return self.pdq.match([hash_bytes(data, PDQ_ONLY)])[0]


def load_matchers(db: Database, settings: Settings, names: dict[int, str]) -> Matchers:
    haechi = BankMatcher.load(db, settings)
    with db.session() as session:
        rows = [r for r in BankStore(session).pdq_signals() if r[3] >= settings.pdq_min_quality]
    index = LinearIndex()
    index.add(np.array([r[0] for r in rows], np.int64), hex_to_hashes([r[2] for r in rows]))
    pdq = BankMatcher(db, index, {r[0]: r[1] for r in rows}, settings)
    return Matchers(haechi, pdq, hash_options(settings, True), names)


def register(home: Path, photos: dict[str, Image.Image]) -> tuple[Settings, dict[int, str]]:
    """Register every photo through ``register_files``; the names of the entry ids."""
    settings = Settings(home=home, workers=1)
    folder = home / "photos"
    folder.mkdir(parents=True)
    paths = []
    for k, (name, image) in enumerate(photos.items()):
        path = folder / f"{k:03d}.png"
        image.save(path)
        paths.append((name, path))
    db = open_database(settings)
    try:
        done = register_files(db, settings, "bench", [p for _, p in paths])
    finally:
        db.close()
    names = {}
    for (name, _), result in zip(paths, done, strict=True):
        assert result.entry is not None, name
        names[result.entry.id] = name
    return settings, names


@dataclass
class Outcome:
    """What one transform did, over every registered photo."""

    n: int = 0
    pdq_found: int = 0
    haechi_found: int = 0
    found_by: Counter[str] = field(default_factory=Counter)
    missed: list[str] = field(default_factory=list)
    related: int = 0


def measure_recall(m: Matchers, photos: dict[str, Image.Image]) -> dict[str, Outcome]:
    by_name = {v: k for k, v in m.names.items()}
    results: dict[str, Outcome] = {}
    for tname, transform in TRANSFORMS.items():
        out = results.setdefault(tname, Outcome())
        for name, image in photos.items():
            data = lossless_bytes(transform(image))
            own = by_name[name]
            out.n += 1
            out.pdq_found += any(x.entry_id == own for x in m.pdq_matches(data))
            _, found = m.haechi_matches(data)
            mine = [x for x in found if x.entry_id == own]
            if mine:
                out.haechi_found += 1
                out.found_by[mine[0].signal_kind.value] += 1
            else:
                out.missed.append(name)
            out.related += sum(x.entry_id != own for x in found)
    return results


def _unrelated_queries(n: int, seed: int, part: int, parts: int) -> Iterator[tuple[str, bytes]]:
    for k, item in enumerate(unrelated_images(n, seed)):
        if k % parts != part:
            continue
        yield f"{item.name}", lossless_bytes(item.image)
        for tname, transform in TRANSFORMS.items():
            yield f"{item.name} {tname}", lossless_bytes(transform(item.image))


@dataclass(frozen=True)
class FalseMatch:
    query: str
    photo: str
    kind: str
    distance: int
    inliers: int | None


def _false_matches_part(
    home: str, names: dict[int, str], n: int, seed: int, part: int, parts: int
) -> tuple[int, list[FalseMatch], list[FalseMatch], list[tuple[int, int]]]:
    settings = Settings(home=Path(home), workers=1)
    db = open_database(settings)
    try:
        m = load_matchers(db, settings, names)
        checked = 0
        haechi: list[FalseMatch] = []
        pdq: list[FalseMatch] = []
        inliers_seen: list[tuple[int, int]] = []
        for label, data in _unrelated_queries(n, seed, part, parts):
            checked += 1
            media, found = m.haechi_matches(data)
            haechi += [
                FalseMatch(label, names[x.entry_id], x.signal_kind.value, x.distance, x.inliers)
                for x in found
            ]
            pdq += [
                FalseMatch(label, names[x.entry_id], x.signal_kind.value, x.distance, None)
                for x in m.pdq_matches(data)
            ]
            inliers_seen.append(_aligned(m, media))
        return checked, haechi, pdq, inliers_seen
    finally:
        db.close()


def _aligned(m: Matchers, media: MediaHashes) -> tuple[int, int]:
    """For the entries RANSAC aligned with this query, verified or not: the most agreeing
    keypoints (0 if none), and the nearest aligned crop's PDQ distance (256 if none)."""
    if media.features is None or media.view is None:
        return 0, 256
    found = m.haechi.local.search(media.features, media.view, verify_radius=256)
    return max((f.inliers for f in found), default=0), min((f.distance for f in found), default=256)


def timing_queries(photos: dict[str, Image.Image], seed: int) -> tuple[list[bytes], list[bytes]]:
    """Random (transform, picture) pairs: copies of registered pictures, and of unrelated ones
    (from a different seed than the false-match run, so none is timed twice)."""
    rng = np.random.default_rng(seed)
    half = TIMING_QUERIES // 2
    unrelated = [item.image for item in unrelated_images(half, seed + 1)]
    names = list(TRANSFORMS)
    copies = [
        lossless_bytes(TRANSFORMS[names[int(t)]](photos[list(photos)[int(p)]]))
        for t, p in zip(
            rng.integers(len(names), size=half), rng.integers(len(photos), size=half), strict=True
        )
    ]
    others = [
        lossless_bytes(TRANSFORMS[names[int(t)]](image))
        for t, image in zip(rng.integers(len(names), size=half), unrelated, strict=True)
    ]
    return copies, others


def _bank_features(image: Image.Image) -> LocalFeatures | None:
    return hash_bytes(lossless_bytes(image), HashOptions(register=True)).features


def measure_scaling(
    m: Matchers, photos: dict[str, Image.Image], sizes: Sequence[int], seed: int, workers: int
) -> list[tuple[int, int, float, float, float, int]]:
    """Local-feature search as the bank grows, against brute force over the same descriptors.

    Filler entries are real ORB records of unrelated images (seed ``seed + 2``, used nowhere
    else), so descriptor statistics are those of photos, not of random bits. Per size: entries,
    keypoints, ms per query of :class:`FeatureBank` and of OpenCV's brute-force 2-NN, the share
    of queries whose own entry is still found, and matches to filler entries (false).
    """
    filler_images = [item.image for item in unrelated_images(max(sizes), seed + 2)]
    with ProcessPoolExecutor(workers) as pool:
        filler = [f for f in pool.map(_bank_features, filler_images, chunksize=16) if f]
    by_name = {v: k for k, v in m.names.items()}
    rng = np.random.default_rng(seed)
    names = [n for n in TRANSFORMS if n not in ("flip",)]
    queries = []
    for t, p in zip(
        rng.integers(len(names), size=SCALING_QUERIES),
        rng.integers(len(photos), size=SCALING_QUERIES),
        strict=True,
    ):
        name = list(photos)[int(p)]
        data = lossless_bytes(TRANSFORMS[names[int(t)]](photos[name]))
        queries.append((by_name[name], hash_bytes(data, m.scan_options)))
    with m.haechi.db.session() as session:
        own = [(e, LocalFeatures.from_bytes(r)) for e, r in BankStore(session).feature_records()]
    rows = []
    for size in sizes:
        bank = FeatureBank()
        for entry_id, features in own:
            bank.add(entry_id, features)
        for k, features in enumerate(filler[:size]):
            bank.add(-1 - k, features)
        descriptors = np.concatenate(
            [f.descriptors for _, f in own] + [f.descriptors for f in filler[:size]]
        )
        bank.search(queries[0][1].features, queries[0][1].view)  # builds the tables
        found = false = 0
        start = time.perf_counter()
        for entry_id, media in queries:
            assert media.features is not None and media.view is not None
            hits = bank.search(media.features, media.view)
            found += any(h.key == entry_id for h in hits)
            false += sum(h.key < 0 for h in hits)
        ours = (time.perf_counter() - start) / len(queries) * 1000
        matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
        start = time.perf_counter()
        for _, media in queries[:BRUTE_FORCE_QUERIES]:
            assert media.features is not None
            # OpenCV caps one train matrix at 2^18 rows: search the bank in slices.
            for at in range(0, descriptors.shape[0], 1 << 17):
                matcher.knnMatch(media.features.descriptors, descriptors[at : at + (1 << 17)], k=2)
        brute = (time.perf_counter() - start) / BRUTE_FORCE_QUERIES * 1000
        rows.append((len(bank), bank.keypoints, ours, brute, found / len(queries), false))
    return rows


def measure_timing(m: Matchers, queries: Sequence[bytes]) -> tuple[float, float]:
    """Mean ms per query, hash + match, of PDQ-only and of haechi, on the same queries.

    The two paths run back to back on each query, so both see the same machine.
    """
    pdq = full = 0.0
    for data in queries:
        start = time.perf_counter()
        m.pdq_matches(data)
        middle = time.perf_counter()
        m.haechi_matches(data)
        pdq += middle - start
        full += time.perf_counter() - middle
    return pdq / len(queries) * 1000, full / len(queries) * 1000


def storage(db: Database) -> tuple[float, float, float]:
    """Mean per entry: pdq-crop signals, their bytes (32 each), the ORB record's bytes."""
    with db.session() as session:
        store = BankStore(session)
        entries = list(store.entries("bench"))
    crops = [sum(s.kind is SignalKind.PDQ_CROP for s in e.signals) for e in entries]
    records = [len(s.record()) for e in entries for s in e.signals if s.kind is SignalKind.ORB]
    return statistics.mean(crops), statistics.mean(crops) * 32, statistics.mean(records)


def main(argv: list[str] | None = None) -> int:
    """Measure and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--unrelated", type=int, default=500, help="unrelated images to check")
    parser.add_argument("--seed", type=int, default=0, help="seed of the unrelated images")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--scale",
        default="0,1000,5000",
        help="filler entries for the local-feature scaling run (comma-separated)",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    photos = bench_photos()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        settings, names = register(home, photos)
        db = open_database(settings)
        try:
            m = load_matchers(db, settings, names)
            crop_signals, crop_bytes, record_bytes = storage(db)
            recall = measure_recall(m, photos)
            true_queries, unrelated_queries = timing_queries(photos, args.seed)
            mixed = true_queries + unrelated_queries
            pdq_ms, haechi_ms = measure_timing(m, mixed)
            pdq_true_ms, haechi_true_ms = measure_timing(m, true_queries)
            sizes = [int(v) for v in args.scale.split(",") if v.strip()]
            scaling = measure_scaling(m, photos, sizes, args.seed, args.workers) if sizes else []
        finally:
            db.close()
        parts = max(1, args.workers)
        with ProcessPoolExecutor(parts) as pool:
            futures = [
                pool.submit(
                    _false_matches_part, str(home), names, args.unrelated, args.seed, p, parts
                )
                for p in range(parts)
            ]
            done = [f.result() for f in futures]
    checked = sum(d[0] for d in done)
    false_haechi = [x for d in done for x in d[1]]
    false_pdq = [x for d in done for x in d[2]]
    raw_inliers = sorted((i for d in done for i, _ in d[3]), reverse=True)
    aligned_bits = sorted(b for d in done for i, b in d[3] if i >= MIN_INLIERS)
    elapsed = time.perf_counter() - started

    out = [
        "# Re-upload robustness on real photos: PDQ alone and haechi's two-stage matcher",
        "",
        f"Registered: {len(photos)} pictures, the 8 testkit photos "
        f"({', '.join(registered_photos())}) and the two halves of each, through "
        "`register_files` into a temporary SQLite database. Each transform is applied to "
        "every picture and the result, as a lossless file, is hashed and matched as a scan "
        "does. A copy counts as found when its own entry is matched. *PDQ*: dihedral PDQ "
        "variants (and the unbordered picture) at ≤ 31 bits against the whole-picture "
        "hashes. *haechi*: `BankMatcher` with PDQ, PDQ of crops and of chrome-free regions, "
        "and ORB keypoints verified by RANSAC and the PDQ of the aligned crop.",
        "",
        "| family | transforms | n | recall PDQ | recall haechi | target | |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for family, (members, target) in FAMILIES.items():
        n = sum(recall[t].n for t in members)
        p = sum(recall[t].pdq_found for t in members) / n
        h = sum(recall[t].haechi_found for t in members) / n
        verdict = "ok" if h >= target else "**below target**"
        out.append(
            f"| {family} | {', '.join(members)} | {n} | {p:.3f} | {h:.3f} | ≥ {target} "
            f"| {verdict} |"
        )
    out += [
        "",
        "## Per transform",
        "",
        "| transform | n | recall PDQ | recall haechi | found by (haechi) | related "
        "| missed by haechi |",
        "|---|---:|---:|---:|---|---:|---|",
    ]
    for tname, r in recall.items():
        by = ", ".join(f"{k} {v}" for k, v in r.found_by.most_common())
        missed = "all" if len(r.missed) == r.n else ", ".join(r.missed)
        out.append(
            f"| {tname} | {r.n} | {r.pdq_found / r.n:.3f} | {r.haechi_found / r.n:.3f} | {by} "
            f"| {r.related} | {missed} |"
        )
    out += [
        "",
        "*found by* names the best signal that matched the copy's own entry (exact digests, "
        "`pdq`, `pdq-crop`, `orb`). *related* counts matches of the copy to the other pictures "
        "of the same photo (its halves, or its whole): true matches, not counted above.",
        "",
        "## False matches",
        "",
        f"{checked} queries: {args.unrelated} unrelated images from `unrelated_images(n="
        f"{args.unrelated}, seed={args.seed})`, each as it is and through every one of the "
        f"{len(TRANSFORMS)} transforms, against all {len(photos)} registered pictures.",
        "",
        f"- **PDQ**: {len(false_pdq)} false matches.",
        f"- **haechi**: {len(false_haechi)} false matches.",
        f"- Before verification: unrelated queries with {MIN_INLIERS} or more keypoints "
        "agreeing with one similarity transform (enough to be verified): "
        f"{sum(i >= MIN_INLIERS for i in raw_inliers)} (the most agreeing: "
        f"{', '.join(map(str, raw_inliers[:5]))}); passed verification: "
        f"{sum(x.kind == 'orb' for x in false_haechi)}; nearest aligned crop of those: "
        + (", ".join(map(str, aligned_bits[:5])) if aligned_bits else "none")
        + f" bits from the bank's hash of it (radius {VERIFY_RADIUS}).",
    ]
    out += [
        f"  - `{x.query}` matched `{x.photo}` by {x.kind} at {x.distance} bits"
        + (f", {x.inliers} inliers" if x.inliers is not None else "")
        for x in (false_haechi + false_pdq)[:20]
    ]
    out += [
        "",
        "Why a match by local features is safe: RANSAC must find at least "
        f"{MIN_INLIERS} keypoint pairs agreeing with one similarity transform, and then the "
        "query, warped onto the bank picture's frame, must give a crop whose PDQ hash is "
        f"within {VERIFY_RADIUS} bits of the hash the bank kept of that same crop. Chance "
        "alignments happen (above), chance agreement of an aligned crop's PDQ does not: "
        "unrelated pictures' PDQ hashes sit about 128 bits apart.",
        "",
        "## Cost",
        "",
        f"- Storage per registered picture, beside the PDQ and digests kept before: "
        f"{crop_signals:.1f} `pdq-crop` signals ({crop_bytes:.0f} bytes of hashes) and one "
        f"`orb` record of {record_bytes:.0f} bytes on average (256 keypoints x 36 bytes, the "
        "crops' boxes and hashes), i.e. about "
        f"{crop_bytes + record_bytes:.0f} bytes in all.",
        f"- Per query, hash + match, one core, same run, {len(photos)} pictures in the bank: "
        f"{TIMING_QUERIES} mixed queries (half transformed copies, half unrelated): PDQ-only "
        f"{pdq_ms:.1f} ms, haechi {haechi_ms:.1f} ms (x{haechi_ms / pdq_ms:.2f}); "
        f"transformed copies only: PDQ-only {pdq_true_ms:.1f} ms, haechi {haechi_true_ms:.1f} "
        f"ms (x{haechi_true_ms / pdq_true_ms:.2f}).",
        "",
        "### Local-feature search as the bank grows",
        "",
        f"{SCALING_QUERIES} transformed copies of the registered pictures searched by local "
        "features alone, the bank padded with real ORB records of unrelated images. "
        "*chunk tables*: haechi's `FeatureBank` (sixteen sorted 16-bit chunk tables, RANSAC, "
        "PDQ verification: the whole second stage); *brute force*: OpenCV's "
        "`BFMatcher(NORM_HAMMING).knnMatch(k=2)` over the same descriptors, candidate search "
        "only. *found*: share of copies whose own entry is found by local features; *false*: "
        "matches to filler entries.",
        "",
        "| entries | keypoints | chunk tables ms/query | brute force ms/query | found | false |",
        "|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {n} | {k:,} | {ours:.1f} | {brute:.1f} | {found:.2f} | {false} |"
            for n, k, ours, brute, found, false in scaling
        ),
        "",
        "## Reproduce",
        "",
        "```",
        f".venv/bin/python bench/robustness.py --unrelated {args.unrelated} --seed {args.seed} "
        "> bench/RESULTS-robustness.md",
        "```",
        "",
        f"Python {platform.python_version()}, Pillow {version('pillow')}, pdqhash "
        f"{version('pdqhash')}, OpenCV {version('opencv-python-headless')}, numpy "
        f"{version('numpy')}, scikit-image {version('scikit-image')}; {parts} worker processes "
        f"for the false-match run; {elapsed:.0f} s.",
    ]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
