"""Latency of the team's daily pages with 100,000 hits and 1,000 cases on SQLite.

Not a test: ``python bench/web.py [--hits 100000] [--cases 1000] [--requests 300]``.

1. A fresh home gets ``--cases`` cases (one bank entry each), ``--hits`` hits over them (half
   reviewed), 5,000 sent notices over 20 platforms (half overdue, a quarter removed this
   week) and 200 police reports waiting, by bulk SQL inserts; and one admin.
2. The same app ``haechi serve`` runs is served by uvicorn in a process of its own on
   127.0.0.1 (no scheduler), with one extra mount for the peer.
3. One client signs in (password and TOTP, as a person does) and asks, back to back, for each
   page ``--requests`` times after a warm-up: the dashboard, the review queue (first page,
   and a filtered page sorted by distance), and hit pages of random hits.
4. The peer, in the same run and the same server: ``/health`` (the stack's floor: routing,
   middleware, the session cookie) and a static file the size of the review queue's page
   served by the same uvicorn and Starlette (the cost of moving that many bytes).

Prints a Markdown table (p50, p99, mean bytes) and the command, and writes them to
``bench/RESULTS-web.md``. The goal is a p99 under 150 ms for each page.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PEER_FILE = "page.html"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill_home(home: Path, hits: int, cases: int) -> tuple[str, str, str]:
    """The world, bulk-inserted; returns the admin's name, password and TOTP secret."""
    from sqlalchemy import insert, select

    from haechi.members.model import Role
    from haechi.settings import Settings
    from haechi.store.database import open_database
    from haechi.store.models import (
        CaseRow,
        HitRow,
        NoticeItemRow,
        NoticeRow,
        PlatformDomainRow,
        PlatformRow,
        PoliceReportRow,
        utcnow,
    )
    from haechi.testkit.hits import bulk_hits
    from haechi.testkit.team import add_member

    now = utcnow()
    db = open_database(Settings(home=home))
    try:
        bulk_hits(db, hits, cases, now)
        with db.session() as session:
            session.execute(
                insert(PlatformRow),
                [
                    {"name": f"p{i}", "title": f"Platform {i}", "kind": "host",
                     "country": "KR", "email": f"abuse@p{i}.example", "web_form": None,
                     "language": "ko", "legal_basis": "", "answers": True, "deadline_hours": 24,
                     "removed_markers": "[]", "placeholder": False, "notes": "",
                     "updated_at": now}
                    for i in range(20)
                ],
            )  # fmt: skip
            platforms = list(session.scalars(select(PlatformRow.id).order_by(PlatformRow.id)))
            session.execute(
                insert(PlatformDomainRow),
                [{"platform_id": p, "domain": f"host{i}.example"} for i, p in enumerate(platforms)],
            )
            notices = [
                {"platform_id": platforms[i % 20], "kind": "takedown", "channel": "email",
                 "language": "ko", "status": "sent", "recipient": "abuse@example",
                 "subject": "s", "text": "t", "text_sha256": "0" * 64,
                 "created_at": now - timedelta(days=3), "sent_at": now - timedelta(days=3),
                 "deadline": now + timedelta(days=1 if i % 2 else -1)}
                for i in range(5000)
            ]  # fmt: skip
            session.execute(insert(NoticeRow), notices)
            ids = list(session.scalars(select(NoticeRow.id).order_by(NoticeRow.id)))
            first_hits = list(session.scalars(select(HitRow.id).order_by(HitRow.id).limit(5000)))
            session.execute(
                insert(NoticeItemRow),
                [
                    {"notice_id": n, "hit_id": h, "url": f"https://x.example/{h}",
                     "sha256": "0" * 64,
                     "removed_at": now - timedelta(days=2) if k % 4 == 0 else None}
                    for k, (n, h) in enumerate(zip(ids, first_hits, strict=True))
                ],
            )  # fmt: skip
            case_ids = list(session.scalars(select(CaseRow.id).order_by(CaseRow.id).limit(200)))
            session.execute(
                insert(PoliceReportRow),
                [
                    {"case_id": c, "station": "Seoul Mapo", "made_at": now - timedelta(days=9),
                     "answer_due": now + timedelta(days=5), "remind_every_seconds": 604800,
                     "package": "p", "pdf_sha256": "0" * 64}
                    for c in case_ids
                ],
            )  # fmt: skip
        member = add_member(db, "bench-admin", Role.ADMIN, now=now)
    finally:
        db.close()
    return member.name, member.password, member.totp_secret


def serve(home: Path, port: int, peer: Path) -> None:
    """The server process: haechi's app under uvicorn, plus the peer's static mount."""
    import uvicorn
    from fastapi.staticfiles import StaticFiles

    from haechi.settings import Settings
    from haechi.web import create_app

    app = create_app(Settings(home=home))
    app.mount("/bench-peer", StaticFiles(directory=str(peer)), name="bench-peer")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def sign_in(client: httpx.Client, name: str, password: str, secret: str) -> None:
    import re

    import pyotp

    answer = client.post("/signin", data={"name": name, "password": password})
    assert answer.status_code == 303, answer.text
    page = client.get("/signin/code").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    answer = client.post(
        "/signin/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf.group(1)}
    )
    assert answer.status_code == 303, answer.text


def measure(
    client: httpx.Client, rows: list[tuple[str, list[str]]], warm: int = 20
) -> list[tuple[str, float, float, int]]:
    """Per row: p50 and p99 in milliseconds and mean bytes of GETs of its paths.

    Rows are interleaved (one request of each in turn), so a burst of load on this shared
    machine falls on every row alike rather than on whichever was being measured.
    """
    for _, paths in rows:
        for path in paths[:warm]:
            client.get(path)
    times: list[list[float]] = [[] for _ in rows]
    sizes: list[list[int]] = [[] for _ in rows]
    for i in range(max(len(paths) for _, paths in rows)):
        for k, (_, paths) in enumerate(rows):
            start = time.perf_counter()
            answer = client.get(paths[i])
            times[k].append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200, (paths[i], answer.status_code, answer.text[:200])
            sizes[k].append(len(answer.content))
    out = []
    for (label, _), t, size in zip(rows, times, sizes, strict=True):
        t.sort()
        p99 = t[min(len(t) - 1, int(len(t) * 0.99))]
        out.append((label, statistics.median(t), p99, int(statistics.mean(size))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hits", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--serve", nargs=3, metavar=("HOME", "PORT", "PEER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), Path(args.serve[2]))
        return
    with tempfile.TemporaryDirectory(prefix="haechi-bench-web-") as tmp:
        home, peer = Path(tmp) / "home", Path(tmp) / "peer"
        peer.mkdir()
        started = time.perf_counter()
        name, password, secret = fill_home(home, args.hits, args.cases)
        print(f"filled in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(home), str(port), str(peer)], env=env
        )
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{url}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            client = httpx.Client(base_url=url, timeout=60)
            sign_in(client, name, password, secret)
            queue = client.get("/review")
            (peer / PEER_FILE).write_bytes(b"x" * len(queue.content))
            rng = random.Random(3)
            filtered = "/review?bank=bench&source=web&sort=distance&order=desc&page="
            n = args.requests
            rows = [
                ("dashboard `/dashboard`", ["/dashboard"] * n),
                ("review queue `/review`", ["/review"] * n),
                (
                    "review queue, filtered and sorted",
                    [f"{filtered}{rng.randint(1, 20)}" for _ in range(n)],
                ),
                ("hit page `/hits/{id}`", [f"/hits/{rng.randint(1, args.hits)}" for _ in range(n)]),
                ("peer: `/health`", ["/health"] * n),
                ("peer: static file of the queue's size", [f"/bench-peer/{PEER_FILE}"] * n),
            ]
            load_before = os.getloadavg()[0]
            results = measure(client, rows)
            load_after = os.getloadavg()[0]
        finally:
            server.terminate()
            server.wait(10)
    command = (
        f"python bench/web.py --hits {args.hits} --cases {args.cases} --requests {args.requests}"
    )
    lines = [
        f"# Web pages: {args.hits:,} hits, {args.cases:,} cases, SQLite",
        "",
        f"`{command}` on {platform.node() or 'this machine'} ({os.cpu_count()} cores, "
        f"Python {platform.python_version()}); one client, requests back to back and interleaved, "
        "uvicorn in its own process on 127.0.0.1; load average (1 min) "
        f"{load_before:.1f} before, {load_after:.1f} after (the peer rows show what the "
        "machine's load costs every request). Goal: p99 under 150 ms.",
        "",
        "| page | p50 ms | p99 ms | bytes |",
        "|---|---:|---:|---:|",
        *[f"| {label} | {p50:.1f} | {p99:.1f} | {size:,} |" for label, p50, p99, size in results],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "RESULTS-web.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
