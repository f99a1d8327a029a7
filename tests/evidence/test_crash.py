"""Kill the capturing process at random moments; nothing sealed may be lost or altered.

A worker process (:mod:`tests.evidence.crash_worker`) captures items from a loopback site in a
loop and is SIGKILLed at a random moment, again and again (``KILLS`` times; the whole test is
bounded to about a minute). Afterwards: the log opens and its whole chain checks, every capture
the worker reported as sealed is there with the same id and intact objects, every checkpoint
verifies and is a prefix of the log, one more run completes the remaining items (each item
captured exactly once), and a bundle of everything verifies.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from haechi.evidence import merkle
from haechi.evidence.bundle import export_bundle
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.log import EntryKind, EvidenceLog
from haechi.evidence.signing import SigningKey
from haechi.evidence.verify import verify_bundle
from tests.evidence.site import Answer, Site, jpeg_bytes

KILLS = 50
ITEMS = 1500
BUDGET = 75.0  # seconds for the kill loop; fewer kills if the machine is slow
ROOT = Path(__file__).resolve().parents[2]


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


def _worker(home: Path, key_file: Path, site: Site) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.evidence.crash_worker",
            str(home),
            str(key_file),
            f"http://127.0.0.1:{site.port}",
            str(ITEMS),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_sigkill_never_loses_or_alters_a_sealed_capture(tmp_path: Path, key: SigningKey) -> None:
    home = tmp_path / "evidence"
    key_file = tmp_path / "keys" / "org.pem"
    rng = random.Random(20261125)
    site = _site()
    reported: dict[int, str] = {}
    truncations = 0
    kills = 0
    started = time.monotonic()
    try:
        while kills < KILLS and time.monotonic() - started < BUDGET:
            worker = _worker(home, key_file, site)
            assert worker.stdout is not None
            ready = worker.stdout.readline().split()
            assert ready and ready[0] == "ready", worker.stderr.read() if worker.stderr else ""
            truncations += int(ready[1]) > 0
            time.sleep(rng.uniform(0.0, 0.25))
            worker.send_signal(signal.SIGKILL)
            output, _ = worker.communicate(timeout=30)
            kills += 1
            for line in output.splitlines():
                parts = line.split()
                if parts and parts[0] == "sealed":
                    reported[int(parts[1])] = parts[2]
            if "finished" in output:
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
        final = _worker(home, key_file, site)
        output, errors = final.communicate(timeout=120)
        assert final.returncode == 0 and "finished" in output, errors
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
        f"\n{kills} kills in {time.monotonic() - started:.0f} s, {len(reported)} seals reported "
        f"before a kill, {truncations} torn log tails cut, {len(checkpoints)} checkpoints"
    )
    assert kills >= 30, f"only {kills} kills fitted in {BUDGET} s"
