"""``haechi serve`` itself: the real command, on a free port of 127.0.0.1, stopped at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_haechi_serve_answers_and_stops(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HAECHI_HOME": str(tmp_path / "home")}
    haechi = Path(sys.executable).parent / "haechi"
    command = [str(haechi), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        answer = None
        while answer is None:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=60)
            except httpx.TransportError:
                time.sleep(0.05)
        assert answer.json() == {"status": "ok"}
        signin = httpx.get(
            f"http://127.0.0.1:{port}/signin", headers={"Accept-Language": "en"}, timeout=60
        )
        assert "Sign in" in signin.text and "server" not in signin.headers
    finally:
        server.send_signal(signal.SIGINT)
        server.wait()
        if server.stdout:
            server.stdout.close()
    assert server.returncode == 0
    # Its home holds the database, unless the PostgreSQL pass named one (tests/conftest.py).
    assert (tmp_path / "home" / "haechi.db").is_file() != ("HAECHI_DATABASE_URL" in env)
