"""The client's retries (429/503 with Retry-After, connection errors) and timeout, against a
real HTTP server on 127.0.0.1 that answers from a script."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from haechi.client import HaechiClient, HaechiClientError

OK = (200, {}, {"answers": []})


@contextmanager
def scripted(*answers: tuple[int, dict[str, str], object], delay: float = 0) -> Iterator[list[str]]:
    """A server answering each request with the next scripted answer (the last one repeats);
    yields the list of the request lines it received, then its URL is ``seen.url``."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            seen.append(self.headers.get("authorization", ""))
            status, headers, body = answers[min(len(seen), len(answers)) - 1]
            if delay:
                time.sleep(delay)
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up waiting

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        seen.append(f"http://127.0.0.1:{server.server_address[1]}")
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def _client(url: str, **kw: float) -> HaechiClient:
    return HaechiClient(url, "hk_test", **kw)  # type: ignore[arg-type]


def test_429_and_503_are_retried_after_the_wait_they_ask() -> None:
    with scripted(
        (429, {"Retry-After": "1"}, {"detail": "over this key's rate"}),
        (503, {"Retry-After": formatdate(time.time() + 1, usegmt=True)}, {"detail": "building"}),
        OK,
    ) as seen:
        url = seen.pop(0)
        with _client(url, retries=3) as client:
            assert client.lookup("pdq", ["ab" * 32]).match is False
    assert seen == ["Bearer hk_test"] * 3


def test_a_long_wait_or_spent_retries_end_in_a_clear_error() -> None:
    with scripted(
        (429, {"Retry-After": "3600"}, {"detail": "over this key's daily quota"})
    ) as seen:
        url = seen.pop(0)
        with _client(url, retries=3, max_wait=10) as client, pytest.raises(HaechiClientError) as e:
            client.lookup("pdq", ["ab" * 32])
    assert e.value.status == 429 and "daily quota" in str(e.value)
    assert len(seen) == 1  # not retried: the quota comes back tomorrow

    with scripted((503, {"Retry-After": "0"}, {"detail": "index not ready"})) as seen:
        url = seen.pop(0)
        with _client(url, retries=2) as client, pytest.raises(HaechiClientError) as e:
            client.lookup("pdq", ["ab" * 32])
    assert e.value.status == 503 and len(seen) == 3  # the first try and two retries


def test_timeout_and_unreachable_server() -> None:
    with scripted(OK, delay=3) as seen:
        url = seen.pop(0)
        with _client(url, timeout=0.3, retries=1) as client, pytest.raises(HaechiClientError) as e:
            client.lookup("pdq", ["ab" * 32])
    assert e.value.status is None and "cannot reach" in str(e.value)
    assert len(seen) == 2  # timed out twice: once and one retry

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        client = _client(f"http://127.0.0.1:{port}", retries=1)
        with client, pytest.raises(HaechiClientError) as e:
            client.lookup("pdq", ["ab" * 32])
    assert e.value.status is None and "cannot reach" in str(e.value)
