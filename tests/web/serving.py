"""A real uvicorn server for the web tests: the app in a thread on a socket bound up front to a
free port on 127.0.0.1 (so a test's settings can name its URL before the app exists), stopped
when the block ends."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


def loopback() -> tuple[socket.socket, str]:
    """A socket bound to a free port on 127.0.0.1, and the URL it will answer at."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serving(app: FastAPI, sock: socket.socket | None = None) -> Iterator[str]:
    """Serve ``app`` on ``sock`` (a fresh one when None) until the block ends; yields its URL."""
    if sock is None:
        sock, url = loopback()
    else:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not uv.started:
            if not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        yield url
    finally:
        uv.should_exit = True
        thread.join()
        sock.close()
