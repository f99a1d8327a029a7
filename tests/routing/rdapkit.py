"""A registry on 127.0.0.1: serves the recorded RDAP answers of ``tests/data/rdap`` (see its
PROVENANCE) at the paths the real registries use, under ``/<registry host>/``.

Every ``http(s)://host/`` in a served body is rewritten to ``http://127.0.0.1:<port>/host/``, so
a link the client follows (a registry's link to the registrar) stays on this machine. A test
can make any path answer a status, a body that is not JSON, or nothing in time, and counts the
requests each path got. The server stops when the ``with`` block ends.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent.parent / "data" / "rdap"

# The URL each recorded answer is asked at: what the client builds from IANA's bootstrap.
RECORDED: dict[str, str] = {
    "data.iana.org/rdap/ipv4.json": "bootstrap/ipv4.json",
    "data.iana.org/rdap/ipv6.json": "bootstrap/ipv6.json",
    "data.iana.org/rdap/dns.json": "bootstrap/dns.json",
    "rdap.arin.net/registry/ip/104.16.1.1": "ip/104.16.0.0.json",
    "rdap.arin.net/registry/ip/74.125.225.229": "ip/74.125.225.229.json",
    "rdap.db.ripe.net/ip/62.239.237.1": "ip/62.239.237.1.json",
    "rdap.lacnic.net/rdap/ip/200.57.141.161": "ip/200.57.141.161.json",
    "rdap.apnic.net/ip/210.107.73.73": "ip/210.107.73.73.json",
    "rdap.verisign.com/com/v1/domain/google.com": "domain/google.com.json",
    "rdap.nic.tube/domain/you.tube": "domain/you.tube.json",
}

_URL = re.compile(rb"https?://([A-Za-z0-9.-]+)/")


@dataclass
class Registry:
    """The running server: its base URL, the request counts, and answers to override."""

    port: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    overrides: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    slow: set[str] = field(default_factory=set)
    stall: float = 2.0

    @property
    def bootstrap_url(self) -> str:
        """What ``HAECHI_ROUTING_BOOTSTRAP_URL`` is set to in the tests."""
        return f"http://127.0.0.1:{self.port}/data.iana.org/rdap/"

    def rewrite(self, body: bytes) -> bytes:
        """Point every URL in ``body`` at this server."""
        return _URL.sub(lambda m: f"http://127.0.0.1:{self.port}/".encode() + m[1] + b"/", body)

    def answer(self, path: str) -> tuple[int, bytes]:
        """Status and body for ``path`` (``host/rest``, no leading slash)."""
        if path in self.overrides:
            return self.overrides[path]
        recorded = RECORDED.get(path)
        if recorded is None:
            return 404, b'{"errorCode": 404, "title": "Not Found"}'
        return 200, self.rewrite((DATA / recorded).read_bytes())


@contextmanager
def serve_registry() -> Iterator[Registry]:
    """The recorded registries on 127.0.0.1, for the duration of the block."""
    registry = Registry()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.lstrip("/")
            registry.hits[path] += 1
            if path in registry.slow:
                time.sleep(registry.stall)
            status, body = registry.answer(path)
            self.send_response(status)
            self.send_header("Content-Type", "application/rdap+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    registry.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
