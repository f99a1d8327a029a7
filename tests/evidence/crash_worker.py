"""The processes the crash tests kill, forked from one warm parent so each kill costs little.

``python -m tests.evidence.crash_worker`` imports haechi once, then reads commands from stdin,
one a line, and forks a worker for each: it prints ``pid <pid>``, and on the next line
(``end``) waits for the worker to end (done or killed) and prints ``done <status>``. Each
worker writes its progress, one line at a time, to the file named last on its command line:

- ``capture HOME KEYFILE BASE_URL N OUT`` opens the locker (which cuts a torn last log line),
  skips items already sealed (found by ``hit_id`` in the log's captures) and captures items
  0..n-1 of a loopback site without screenshots, writing ``sealed <item> <capture id>`` after
  each seal returns;
- ``scan HOME TARGET OUT`` runs a capturing scan of TARGET (a loopback site or a Telegram
  export) through the real pipeline, as ``haechi scan`` does: hits a killed run left pending
  are settled first, then new hits are sealed as found.

Both write ``ready`` when their work starts and ``finished`` when it is done. The tests SIGKILL
the workers at random moments and check what survived.
"""

from __future__ import annotations

import asyncio
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from haechi.evidence.capture import CaptureRequest
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.recorder import HttpRecorder
from haechi.evidence.screenshot import NoScreenshots
from haechi.evidence.signing import load_key
from haechi.scan.intake import source_options
from haechi.scan.pipeline import Scanner
from haechi.scan.preserve import EvidenceKeeper, evidence_config
from haechi.settings import Settings
from haechi.sources import open_source
from haechi.sources.safety import FetchPolicy
from haechi.store.database import open_database

LOOPBACK = ("127.0.0.1",)
Emit = Callable[[str], None]


def crash_settings(home: Path) -> Settings:
    """The settings of the scanning worker and of the test that checks its home."""
    return Settings(home=home, workers=1, evidence_screenshots=False, evidence_checkpoint_every=5)


async def capture_items(home: Path, key_file: Path, base: str, count: int, emit: Emit) -> None:
    locker = EvidenceLocker(home, key=load_key(key_file), checkpoint_every=7)
    done = {int(c.context["hit_id"]) for c in locker.captures()}
    emit(f"ready {locker.log.opened.truncated_bytes} {len(done)}")
    camera = NoScreenshots("crash test")
    async with HttpRecorder(FetchPolicy(allow=LOOPBACK)) as recorder:
        for item in range(count):
            if item in done:
                continue
            request = CaptureRequest(
                f"{base}/post/{item}", f"{base}/media/{item}.jpg", {"hit_id": item}
            )
            record = await locker.capture(request, recorder, camera)
            emit(f"sealed {item} {record.id}")
    emit("finished")


def scan(home: Path, target: str, emit: Emit) -> None:
    settings = crash_settings(home)
    db = open_database(settings)
    source = open_source(target, None, source_options(settings, LOOPBACK))
    with EvidenceKeeper(evidence_config(settings, LOOPBACK)) as keeper:
        scanner = Scanner(db, settings, keeper)
        emit("ready")
        report = scanner.scan_source(source, target)
    emit(f"finished {len(report.hits)} {len(report.repaired)}")
    db.close()


def _work(args: list[str]) -> None:
    with open(args[-1], "a", buffering=1, encoding="utf-8") as out:

        def emit(line: str) -> None:
            out.write(line + "\n")

        if args[0] == "capture":
            home, key_file, base, count = args[1:5]
            asyncio.run(capture_items(Path(home), Path(key_file), base, int(count), emit))
        else:
            scan(Path(args[1]), args[2], emit)


def serve() -> None:
    """Fork a worker per command read from stdin; report its pid, then how it ended.

    The worker is reaped only when the next line (``end``) arrives: until then its pid stays
    its own even if it has finished, so the test never signals a stranger.
    """
    for line in sys.stdin:
        args = line.split()
        if not args or args == ["end"]:
            continue
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _work(args)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        print(f"pid {pid}", flush=True)
        sys.stdin.readline()  # "end"
        _, status = os.waitpid(pid, 0)
        print(f"done {status}", flush=True)


if __name__ == "__main__":
    serve()
