"""Kill the capturing process at random moments; nothing sealed may be lost or altered.

Workers (:mod:`tests.evidence.crash_worker`, forked from one warm parent) are SIGKILLed at
random moments, again and again: the number of kills is fixed, never bounded by time, so a
loaded machine only makes the test slower.

A capturing worker captures items from a loopback site in a loop. Afterwards: the log opens
and its whole chain checks, every capture the worker reported as sealed is there with the same
id and intact objects, every checkpoint verifies and is a prefix of the log, one more run
completes the remaining items (each item captured exactly once), and a bundle of everything
verifies.

The same storm hits whole capturing scans (web hits on a loopback site, most of them re-uploads
of known bytes, and a Telegram export): after the kills and one more run, every hit the
database holds is sealed, and one bundle of all of them verifies.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from haechi.evidence import merkle
from haechi.evidence.bundle import export_bundle
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.log import EntryKind, EvidenceLog
from haechi.evidence.signing import SigningKey
from haechi.evidence.verify import verify_bundle
from tests.evidence.sealing_kit import jpeg
from tests.evidence.site import Answer, Site, jpeg_bytes

KILLS = 20
ITEMS = 120
SCAN_KILLS = 10  # per source
PHOTOS = 6
COPIES = 5  # each photo re-uploaded at this many places on the site
ROOT = Path(__file__).resolve().parents[2]


class Forker:
    """The warm parent of the workers: starts one, says when it is ready, kills it."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.runs = 0
        self.errors = (tmp / "worker-errors.txt").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.evidence.crash_worker"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    def start(self, *args: str) -> tuple[int, Path]:
        """Fork a worker for ``args``; returns its pid and the file it writes to."""
        self.runs += 1
        out = self.tmp / f"run-{self.runs}.txt"
        out.touch()
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(" ".join([*args, str(out)]) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "pid", (self.tmp / "worker-errors.txt").read_text()
        return int(line[1]), out

    def wait_ready(self, out: Path) -> str:
        """Block until the worker has written ``ready``; returns that line."""
        give_up = time.monotonic() + 300  # only so a broken worker cannot hang the suite
        while time.monotonic() < give_up:
            for line in out.read_text().splitlines():
                if line.startswith("ready"):
                    return line
            time.sleep(0.005)
        raise AssertionError((self.tmp / "worker-errors.txt").read_text())

    def end(self) -> int:
        """Wait for the worker to end (by itself or killed); returns its wait status."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("end\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "done", (self.tmp / "worker-errors.txt").read_text()
        return int(line[1])

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.errors.close()


@pytest.fixture
def forker(tmp_path: Path) -> Iterator[Forker]:
    running = Forker(tmp_path / "runs")
    yield running
    running.close()


def _lines(out: Path) -> list[list[str]]:
    """A worker's complete lines (one cut by the kill is left out)."""
    text = out.read_text()
    complete = text if text.endswith("\n") else text.rsplit("\n", 1)[0]
    return [line.split() for line in complete.splitlines() if line]


def _site() -> Site:
    routes = {}
    for item in range(ITEMS):
        routes[f"/post/{item}"] = Answer(
            200, [("Content-Type", "text/html")], b"<p>post %d</p>" % item
        )
        routes[f"/media/{item}.jpg"] = Answer(
            200, [("Content-Type", "image/jpeg")], jpeg_bytes(item)
        )
    return Site(routes)


def test_sigkill_never_loses_or_alters_a_sealed_capture(
    tmp_path: Path, key: SigningKey, forker: Forker
) -> None:
    home = tmp_path / "evidence"
    key_file = tmp_path / "keys" / "org.pem"
    rng = random.Random(20261125)
    site = _site()
    args = ("capture", str(home), str(key_file), f"http://127.0.0.1:{site.port}", str(ITEMS))
    reported: dict[int, str] = {}
    truncations = 0
    kills = 0
    try:
        while kills < KILLS:
            pid, out = forker.start(*args)
            truncations += int(forker.wait_ready(out).split()[1]) > 0
            time.sleep(rng.uniform(0.0, 0.5))
            os.kill(pid, signal.SIGKILL)
            forker.end()
            kills += 1
            lines = _lines(out)
            for parts in lines:
                if parts[0] == "sealed":
                    reported[int(parts[1])] = parts[2]
            if ["finished"] in lines:
                break
        # After the storm: the log opens (torn tail cut) and every reported capture is there.
        log = EvidenceLog.open(home / "log.jsonl")
        locker = EvidenceLocker(home, key=key)
        by_item = {int(c.context["hit_id"]): c for c in locker.captures()}
        for item, capture_id in reported.items():
            assert by_item[item].id == capture_id, f"sealed item {item} was lost"
        for record in by_item.values():
            for digest in record.artifacts:
                locker.store.get(digest)  # raises if missing or altered
        # Every checkpoint signed during the storm still describes a prefix of this log.
        leaves = log.leaf_hashes()
        checkpoints = log.checkpoints()
        for checkpoint in checkpoints:
            assert checkpoint.verify(key.public)
            assert merkle.root_hash(leaves, checkpoint.tree_size).hex() == checkpoint.root_hash

        # One more run completes the rest; each item is captured exactly once.
        _, out = forker.start(*args)
        assert forker.end() == 0 and ["finished"] in _lines(out)
    finally:
        site.close()
    locker = EvidenceLocker(home, key=key)
    items = [int(c.context["hit_id"]) for c in locker.captures()]
    assert sorted(items) == list(range(ITEMS))
    assert all(e.kind is EntryKind.CAPTURED for e in locker.log.entries)
    summary = export_bundle(locker, [c.id for c in locker.captures()], tmp_path / "all.wacz")
    report = verify_bundle(summary.path, [key.key_id])
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    print(
        f"\n{kills} kills, {len(reported)} seals reported before a kill, "
        f"{truncations} torn log tails cut, {len(checkpoints)} checkpoints"
    )


def _leak_site() -> Site:
    """Pages linked from one index, each showing a re-encoded copy of a registered photo."""
    routes: dict[str, Answer] = {}
    links = []
    for photo in range(PHOTOS):
        data = jpeg(photo, (288, 216))
        for copy in range(COPIES):
            post = f"/post/{photo}-{copy}"
            links.append(f'<a href="{post}">{post}</a>')
            routes[post] = Answer(
                200, [("Content-Type", "text/html")], b'<img src="/m/%d-%d.jpg">' % (photo, copy)
            )
            routes[f"/m/{photo}-{copy}.jpg"] = Answer(200, [("Content-Type", "image/jpeg")], data)
    routes["/"] = Answer(200, [("Content-Type", "text/html")], "".join(links).encode())
    return Site(routes)


def _storm(forker: Forker, home: Path, target: str, rng: random.Random) -> int:
    """Kill scans of ``target`` at random moments; returns how many died mid-scan."""
    killed = 0
    for _ in range(SCAN_KILLS):
        pid, out = forker.start("scan", str(home), target)
        forker.wait_ready(out)
        time.sleep(rng.uniform(0.0, 0.6))
        os.kill(pid, signal.SIGKILL)
        forker.end()
        killed += not any(parts[0] == "finished" for parts in _lines(out))
    _, out = forker.start("scan", str(home), target)  # one more run, left to finish
    assert forker.end() == 0 and any(parts[0] == "finished" for parts in _lines(out))
    return killed


def test_sigkilled_capturing_scans_leave_every_hit_sealed_after_one_more_run(
    tmp_path: Path, forker: Forker
) -> None:
    from haechi.scan.evidence_export import export_evidence
    from haechi.scan.preserve import ensure_key, evidence_config
    from haechi.store.database import open_database
    from haechi.store.hit_evidence import EvidenceState, HitEvidenceStore
    from haechi.store.scans import ScanStore
    from tests.evidence.crash_worker import crash_settings
    from tests.evidence.sealing_kit import register, telegram_export

    home = tmp_path / "home"
    settings = crash_settings(home)
    db = open_database(settings)
    register(db, settings, tmp_path, range(PHOTOS))
    config = evidence_config(settings)
    ensure_key(config)
    export = telegram_export(tmp_path / "ChatExport", [p % PHOTOS for p in range(12)])
    rng = random.Random(20261201)
    site = _leak_site()
    try:
        killed = _storm(forker, home, f"http://127.0.0.1:{site.port}/", rng)
        killed += _storm(forker, home, str(export), rng)
    finally:
        site.close()

    with db.session() as session:
        hits = ScanStore(session).hits()
        states = HitEvidenceStore(session).of(h.id for h in hits)
    assert {h.source_kind for h in hits} == {"web", "telegram-export"}
    assert len(hits) == PHOTOS * COPIES + 12
    unsealed = {h.id: states[h.id] for h in hits if states[h.id].state is not EvidenceState.SEALED}
    assert not unsealed, unsealed
    result = export_evidence(db, config, [str(h.id) for h in hits], tmp_path / "all.wacz")
    assert result.complete
    report = verify_bundle(result.summary.path, config.own_key_ids())
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert len(report.captures) == len(hits)  # one capture per hit, none taken twice
    db.close()
    print(f"\n{killed} of {2 * SCAN_KILLS} scans killed mid-way; {len(hits)} hits sealed")
