"""A key's rate holds across worker processes: buckets in one shared file, checked from two
processes with a stopped clock, and two real servers over one home."""

from __future__ import annotations

import multiprocessing
import socket
import time
from pathlib import Path

import httpx
import numpy as np

from haechi.banks.model import NewEntry
from haechi.hashing.signals import Signal, SignalKind
from haechi.members.model import Actor
from haechi.platform_api.keys import create_key
from haechi.platform_api.ratelimit import RateLimiter, SharedBuckets
from haechi.platform_api.runtime import RATES, api_folder
from haechi.platform_api.sharing import share_bank
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import open_database

SPAWN = multiprocessing.get_context("spawn")


def _spend(path: str, at: float, rate: int, tries: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    limiter = RateLimiter(SharedBuckets(Path(path), clock=lambda: at))
    out.put(sum(1 for _ in range(tries) if limiter.admit(7, rate) is None))


def test_two_processes_share_one_bucket(tmp_path: Path) -> None:
    path = tmp_path / "rates.bin"
    out = SPAWN.Queue()
    workers = [SPAWN.Process(target=_spend, args=(str(path), 500.0, 100, 300, out)) for _ in "ab"]
    for w in workers:
        w.start()
    admitted = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert sum(admitted) == 100, admitted  # one second's worth, not one per process


def test_buckets_refill_at_the_rate_and_survive_a_reboot(tmp_path: Path) -> None:
    now = [1000.0]
    buckets = SharedBuckets(tmp_path / "rates.bin", clock=lambda: now[0])
    assert buckets.take(3, 10, 100) == (10, 0.0)
    granted, wait = buckets.take(3, 10, 1)
    assert granted == 0 and 0 < wait <= 0.1
    now[0] += 0.5
    assert buckets.take(3, 10, 100)[0] == 5
    assert buckets.take(4, 10, 100)[0] == 10  # another key, its own bucket
    now[0] = 1.0  # the machine restarted: the monotonic clock began again
    assert buckets.take(3, 10, 100)[0] == 10
    buckets.close()
    reopened = SharedBuckets(tmp_path / "rates.bin", clock=lambda: now[0])
    assert reopened.take(3, 10, 100)[0] == 0  # the file kept the empty bucket
    reopened.close()


def _serve(home: str, port: int) -> None:
    import uvicorn

    from haechi.web import create_app

    app = create_app(Settings(home=Path(home), workers=1))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_server_processes_hold_one_rate(settings: Settings) -> None:
    pdq = bytes(np.random.default_rng(3).integers(0, 256, 32, dtype=np.uint8)).hex()
    db = open_database(settings)
    with db.session() as session:
        BankStore(session).create("b")
        BankStore(session).add_entries("b", [NewEntry((Signal(SignalKind.PDQ, pdq, 100),))])
        share_bank(session, Actor.console(), "b")
        key = create_key(session, Actor.console(), "pics", rate_per_second=2).secret
    db.close()
    ports = [_free_port(), _free_port()]
    servers = [SPAWN.Process(target=_serve, args=(str(settings.home), p)) for p in ports]
    for s in servers:
        s.start()
    clients = [
        httpx.Client(base_url=f"http://127.0.0.1:{p}", headers={"X-API-Key": key}, timeout=120)
        for p in ports
    ]
    try:
        for client in clients:
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
        params = {"signal_type": "pdq", "signal": pdq}
        for client in clients:  # each server has read the key and mapped the index
            while client.get("/api/v1/lookup", params=params).status_code != 200:
                time.sleep(1.1)
        time.sleep(1.1)  # the bucket is full again
        start = time.monotonic()
        codes = [clients[k % 2].get("/api/v1/lookup", params=params).status_code for k in range(20)]
        elapsed = time.monotonic() - start
    finally:
        for client in clients:
            client.close()
        for s in servers:
            s.terminate()
            s.join(timeout=30)
    assert set(codes) == {200, 429}
    # One bucket of 2 a second for both servers: its burst plus what refilled while we asked
    # (two per-process buckets would have let 4 through at once, and twice the refill).
    assert codes.count(200) <= 2 + int(2 * elapsed) + 1, (codes, elapsed)
    assert RATES in {p.name for p in api_folder(settings).iterdir()}
