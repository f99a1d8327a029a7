"""Load benchmark of the platform API against the stack HMA serves /m/lookup with.

Not a test: ``python bench/api.py [--hashes 1000000] [--seconds 20] [--clients 200]``.

1. A fresh home gets ``--hashes`` random PDQ hashes in one shared bank (bulk SQL inserts,
   quality 100), and one API key without practical limits.
2. ``haechi serve --workers 2 --no-scheduler`` serves it on 127.0.0.1; the first lookup
   builds the memory-mapped index that both workers then map.
3. The peer: HMA 2 itself needs PostgreSQL and its Flask app; here it is the same stack HMA
   uses, a Flask app under gunicorn (2 workers, 4 threads each, as many processes as ours)
   answering ``GET /m/lookup`` in HMA's shape from python-threatexchange's ``PdqSignal``
   index (``PDQIndex``, the class HMA builds for PDQ) over the same hashes.
4. Load comes from ``--procs`` processes on 127.0.0.1, each an asyncio/aiohttp loop with
   ``clients / procs`` concurrent clients issuing requests back to back for ``--seconds``:
   half the queries are registered hashes with 8 bits flipped, half random (no match).
   Single lookups go to both servers; batches of ``--batch`` hashes to haechi only (HMA has no
   batch endpoint). Every answer must be 200, else it counts as an error.
5. The paced rows: the same 200 clients together send ``--rate`` single lookups a second
   (each on a fixed schedule), the issue's goal of 1,000 lookups/s with p99 under 20 ms. A
   closed loop of 200 clients measures the most a server can answer, but its latency is mostly
   time queued behind the other 199 clients (p99 under 20 ms would need 10,000 answers/s);
   latency at a stated rate is what a platform's upload path sees. Latency counts from the
   request's scheduled time, so a server that falls behind pays for its backlog. They run
   first, and every row starts only once both servers answer a probe within 50 ms again, so
   that no row inherits the queue another left.

Prints a Markdown table (requests/s, lookups/s, p50/p99 latency, errors) and writes it to
``bench/RESULTS-api.md``. Needs ``pip install -e '.[bench]'`` (threatexchange, flask,
gunicorn, aiohttp).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
WARM_UP = 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_hashes(n: int, seed: int = 17) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 32), dtype=np.uint8)


def fill_home(home: Path, hashes: np.ndarray) -> str:
    """The banks, bulk-inserted; returns an API key."""
    from sqlalchemy import insert

    from haechi.members.model import Actor
    from haechi.platform_api.keys import create_key
    from haechi.settings import Settings
    from haechi.store.database import open_database
    from haechi.store.models import BankRow, EntryRow, SignalRow
    from haechi.store.platform_api_models import BankShareRow

    db = open_database(Settings(home=home))
    now = datetime.now(UTC)
    with db.session() as session:
        bank = BankRow(name="bench", description="", created_at=now)
        session.add(bank)
        session.flush()
        step = 50_000
        for start in range(0, len(hashes), step):
            chunk = hashes[start : start + step]
            first = start + 1
            session.execute(
                insert(EntryRow),
                [
                    {"id": first + k, "bank_id": bank.id, "label": "", "added_at": now}
                    for k in range(len(chunk))
                ],
            )
            session.execute(
                insert(SignalRow),
                [
                    {
                        "entry_id": first + k,
                        "kind": "pdq",
                        "value": h.tobytes().hex(),
                        "quality": 100,
                    }
                    for k, h in enumerate(chunk)
                ],
            )
        session.add(
            BankShareRow(bank_id=bank.id, public_name="BENCH", shared_at=now, shared_by="bench")
        )
        key = create_key(
            session, Actor.console(), "bench", rate_per_second=10**9, daily_quota=2**62 // 2
        ).secret
    db.close()
    return key


PEER_APP = textwrap.dedent(
    """
    import os
    import numpy as np
    from flask import Flask, request, abort
    from threatexchange.signal_type.pdq.signal import PdqSignal

    hashes = np.load(os.environ["BENCH_HASHES"])
    index = PdqSignal.get_index_cls().build(
        (h.tobytes().hex(), i + 1) for i, h in enumerate(hashes)
    )
    app = Flask(__name__)

    @app.get("/m/lookup")
    def lookup():
        signal = request.args.get("signal", "")
        try:
            signal = PdqSignal.validate_signal_str(signal)
        except Exception as e:
            abort(400, f"invalid signal: {e}")
        out = {}
        for m in index.query(signal):
            out.setdefault("BENCH", []).append(
                {"bank_content_id": m.metadata, "distance": m.similarity_info.pretty_str()}
            )
        return out
    """
)


def wait_ready(url: str, headers: dict[str, str], timeout: float = 900) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = httpx.get(url, headers=headers, timeout=600)
            if got.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not answer")


def settle(probes: list[tuple[str, dict[str, str]]], timeout: float = 120) -> None:
    """Wait until every server answers a lookup within 50 ms: the last row's queue is gone."""
    import httpx

    deadline = time.monotonic() + timeout
    for url, headers in probes:
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            httpx.get(url, headers=headers, timeout=timeout)
            if time.perf_counter() - t0 < 0.05:
                break
            time.sleep(0.5)


def queries(hashes: np.ndarray, n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        if k % 2:
            out.append(rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex())
        else:
            h = hashes[rng.integers(0, len(hashes))].copy()
            h[:1] ^= 0xFF  # 8 bits flipped
            out.append(h.tobytes().hex())
    return out


async def _drive(
    kind: str,
    base: str,
    key: str,
    qs: list[str],
    clients: int,
    seconds: float,
    batch: int,
    rate: float,
) -> tuple[list[float], dict[str, int], int]:
    """Closed loop when ``rate`` is 0 (each client sends its next request when the last is
    answered); else paced, ``rate`` requests/s over all clients of this process, each client on a
    fixed schedule and every latency counted from the request's scheduled time, so a server
    that falls behind is charged for the wait (no coordinated omission). Requests sent in the
    first :data:`WARM_UP` seconds (connections being opened) are not counted."""
    import aiohttp

    latencies: list[float] = []
    errors: dict[str, int] = {}
    lookups = 0
    headers = {"Authorization": f"Bearer {key}"}
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(base, headers=headers, connector=connector) as http:
        interval = clients / rate if rate else 0.0
        begin = time.perf_counter()
        counted_from = begin + WARM_UP
        stop_at = counted_from + seconds

        async def client(offset: int, slot: int) -> None:
            nonlocal errors, lookups
            i = offset
            due = begin + interval * slot / clients  # the clients' schedules interleave
            while (due if interval else time.perf_counter()) < stop_at:
                if interval:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                    t0 = due
                    due += interval
                else:
                    t0 = time.perf_counter()
                try:
                    if kind == "batch":
                        body = {
                            "signal_type": "pdq",
                            "signals": [qs[(i + j) % len(qs)] for j in range(batch)],
                        }
                        async with http.post("/api/v1/lookup/batch", json=body) as r:
                            await r.read()
                            ok, why = r.status == 200, f"HTTP {r.status}"
                        n = batch
                    else:
                        path = "/m/lookup" if kind == "hma" else "/api/v1/lookup"
                        params = {"signal_type": "pdq", "signal": qs[i % len(qs)]}
                        async with http.get(path, params=params) as r:
                            await r.read()
                            ok, why = r.status == 200, f"HTTP {r.status}"
                        n = 1
                except (TimeoutError, aiohttp.ClientError) as exc:
                    ok, n, why = False, 0, type(exc).__name__
                if t0 < counted_from:
                    i += 7
                    continue
                latencies.append(time.perf_counter() - t0)
                if ok:
                    lookups += n
                else:
                    errors[why] = errors.get(why, 0) + 1
                i += 7

        await asyncio.gather(*(client(k * 101, k) for k in range(clients)))
    return latencies, errors, lookups


def _proc(args: tuple[str, str, str, list[str], int, float, int, float], out: mp.Queue) -> None:  # type: ignore[type-arg]
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    out.put(asyncio.run(_drive(*args)))


def load(
    kind: str,
    base: str,
    key: str,
    qs: list[str],
    clients: int,
    seconds: float,
    procs: int,
    batch: int,
    rate: float = 0.0,
) -> dict[str, Any]:
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    per = max(1, clients // procs)
    workers = [
        mp.Process(
            target=_proc,
            args=((kind, base, key, qs[p::procs], per, seconds, batch, rate / procs), queue),
        )
        for p in range(procs)
    ]
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    lat = np.array([x for r in results for x in r[0]])
    lookups = sum(r[2] for r in results)
    kinds: dict[str, int] = {}
    for r in results:
        for why, n in r[1].items():
            kinds[why] = kinds.get(why, 0) + n
    return {
        "requests/s": len(lat) / seconds,
        "lookups/s": lookups / seconds,
        "p50 ms": float(np.percentile(lat, 50) * 1000) if len(lat) else float("nan"),
        "p99 ms": float(np.percentile(lat, 99) * 1000) if len(lat) else float("nan"),
        "errors": sum(kinds.values()),
        "error kinds": ", ".join(f"{n} {why}" for why, n in sorted(kinds.items())),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hashes", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--procs", type=int, default=2, help="load-generator processes")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument(
        "--rate",
        type=float,
        default=1000,
        help="requests/s of the paced rows (the issue's 1,000 lookups/s); 0 leaves them out",
    )
    ap.add_argument("--no-peer", action="store_true")
    args = ap.parse_args()

    hashes = make_hashes(args.hashes)
    qs = queries(hashes, 20_000, 5)
    with tempfile.TemporaryDirectory(prefix="haechi-bench-api-") as tmp:
        home = Path(tmp) / "home"
        t0 = time.perf_counter()
        key = fill_home(home, hashes)
        print(f"registered {args.hashes:,} hashes in {time.perf_counter() - t0:.0f} s", flush=True)
        np.save(Path(tmp) / "hashes.npy", hashes)
        (Path(tmp) / "peer_app.py").write_text(PEER_APP)
        env = {
            **os.environ,
            "HAECHI_HOME": str(home),
            "BENCH_HASHES": str(Path(tmp) / "hashes.npy"),
        }
        port, peer_port = free_port(), free_port()
        server_log = Path(tmp) / "haechi-serve.log"
        servers = [
            subprocess.Popen(
                [
                    str(Path(PY).parent / "haechi"),
                    "serve",
                    "--workers",
                    "2",
                    "--no-scheduler",
                    "--port",
                    str(port),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=server_log.open("wb"),
                start_new_session=True,
            )
        ]
        if not args.no_peer:
            servers.append(
                subprocess.Popen(
                    [
                        PY,
                        "-m",
                        "gunicorn",
                        "--workers",
                        "2",
                        "--threads",
                        "4",
                        "--preload",  # the index built once, before the workers fork: both
                        # are ready when one answers, none still building during a row
                        "--bind",
                        f"127.0.0.1:{peer_port}",
                        "--chdir",
                        tmp,
                        "--timeout",
                        "900",
                        "peer_app:app",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        try:
            base = f"http://127.0.0.1:{port}"
            probe = f"/api/v1/lookup?signal_type=pdq&signal={qs[0]}"
            t0 = time.perf_counter()
            wait_ready(base + probe, {"Authorization": f"Bearer {key}"})
            print(f"haechi ready (index built and mapped) in {time.perf_counter() - t0:.0f} s")
            for _ in range(3):  # both workers past their first load
                wait_ready(base + probe, {"Authorization": f"Bearer {key}"})
            if not args.no_peer:  # both built before either is measured
                t0 = time.perf_counter()
                wait_ready(
                    f"http://127.0.0.1:{peer_port}/m/lookup?signal_type=pdq&signal={qs[0]}", {}
                )
                print(f"peer ready after {time.perf_counter() - t0:.0f} s more")
            rows: dict[str, dict[str, Any]] = {}
            peer = f"http://127.0.0.1:{peer_port}"
            peer_name = "peer: Flask+gunicorn+threatexchange PDQIndex GET /m/lookup"
            haechi_auth = {"Authorization": f"Bearer {key}"}
            idle = [(base + probe, haechi_auth)]
            if not args.no_peer:
                idle.append((f"{peer}/m/lookup?signal_type=pdq&signal={qs[0]}", {}))

            def row(name: str, *how: Any) -> None:
                """One row, once both servers have answered what the last row left queued."""
                settle(idle)
                rows[name] = load(*how)

            # The paced rows first, on servers that no earlier row has left busy.
            if args.rate:
                paced = f", paced at {args.rate:,.0f}/s"
                row(
                    "haechi GET /api/v1/lookup" + paced,
                    "single", base, key, qs, args.clients, args.seconds, args.procs, 1, args.rate,
                )  # fmt: skip
                if not args.no_peer:
                    row(
                        peer_name + paced,
                        "hma", peer, key, qs, args.clients, args.seconds, args.procs, 1, args.rate,
                    )  # fmt: skip
            for name, kind in (
                ("haechi GET /api/v1/lookup", "single"),
                ("haechi GET /m/lookup (HMA shape)", "hma"),
            ):
                row(name, kind, base, key, qs, args.clients, args.seconds, args.procs, 1)
            row(
                f"haechi POST /api/v1/lookup/batch ({args.batch} hashes)",
                "batch", base, key, qs, args.clients, args.seconds, args.procs, args.batch,
            )  # fmt: skip
            if not args.no_peer:
                row(peer_name, "hma", peer, key, qs, args.clients, args.seconds, args.procs, 1)
        finally:
            for s in servers:
                os.killpg(s.pid, signal.SIGTERM)
                s.wait(timeout=60)
            # Workers uvicorn's supervisor found unresponsive (no answer to its health check
            # within 5 s) and restarted: their clients' requests fail meanwhile.
            restarts = [
                line
                for line in server_log.read_text(errors="replace").splitlines()
                if "unresponsive" in line.lower() or "died" in line.lower()
            ]
    head = (
        f"{args.hashes:,} registered PDQ hashes, {args.clients} concurrent clients in "
        f"{args.procs} processes, {args.seconds:.0f} s each after a {WARM_UP:.0f} s warm-up, "
        "2 server processes each, "
        f"{os.cpu_count()} cores shared with the load generator; load average at the end "
        f"{os.getloadavg()[0]:.1f}"
    )
    lines = [
        head,
        "",
        "| endpoint | requests/s | lookups/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {r['requests/s']:,.0f} | {r['lookups/s']:,.0f} | "
            f"{r['p50 ms']:.1f} | {r['p99 ms']:.1f} | {r['errors']} |"
        )
    failed = [f"- {name}: {r['error kinds']}" for name, r in rows.items() if r["errors"]]
    if failed:
        lines += ["", "Errors by kind:", *failed]
    lines += ["", f"haechi worker restarts by uvicorn's supervisor: {len(restarts)}"]
    lines += [f"    {line}" for line in restarts[:10]]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "RESULTS-api.md").write_text(
        f"# bench/api.py, {datetime.now(UTC):%F}\n\n{text}\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
