"""The process the crash test kills: captures items 0..n-1 from a loopback site, in order.

``python -m tests.evidence.crash_worker HOME KEYFILE BASE_URL N`` opens the locker (which cuts
a torn last log line), skips items already sealed (found by ``hit_id`` in the log's captures),
and captures the rest without screenshots, printing ``sealed <item> <capture id>`` after each
seal returns. The test SIGKILLs it at random moments and checks what survived.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from haechi.evidence.capture import CaptureRequest
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.recorder import HttpRecorder
from haechi.evidence.screenshot import NoScreenshots
from haechi.evidence.signing import load_key
from haechi.sources.safety import FetchPolicy


async def main(home: Path, key_file: Path, base: str, count: int) -> None:
    locker = EvidenceLocker(home, key=load_key(key_file), checkpoint_every=7)
    done = {int(c.context["hit_id"]) for c in locker.captures()}
    print(f"ready {locker.log.opened.truncated_bytes} {len(done)}", flush=True)
    camera = NoScreenshots("crash test")
    async with HttpRecorder(FetchPolicy(allow=("127.0.0.1",))) as recorder:
        for item in range(count):
            if item in done:
                continue
            request = CaptureRequest(
                f"{base}/post/{item}", f"{base}/media/{item}.jpg", {"hit_id": item}
            )
            record = await locker.capture(request, recorder, camera)
            print(f"sealed {item} {record.id}", flush=True)
    print("finished", flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
