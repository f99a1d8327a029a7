"""A loopback web site for evidence tests: routes of fixed answers, plain HTTP or HTTPS.

Used by the tests (through the ``serve_site`` fixture), by the crash test's worker process
and by ``bench/evidence.py``; it only ever listens on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import gzip
import io
import ipaddress
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image


def jpeg_bytes(seed: int = 1, size: tuple[int, int] = (96, 64)) -> bytes:
    """A small JPEG whose colour depends on ``seed``."""
    buffer = io.BytesIO()
    colour = ((seed * 67) % 256, (seed * 131) % 256, (seed * 29) % 256)
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


PAGE = (
    b"<!doctype html><html><head><title>post</title><link rel=stylesheet href=/style.css>"
    b"</head><body><h1>A forum post</h1><p>posted by someone</p>"
    b"<img src='/media/photo.jpg' width=96 height=64></body></html>"
)


@dataclass
class Answer:
    """A fixed answer: status, headers, body; ``chunked`` sends it in two chunks."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunked: bool = False


def default_routes() -> dict[str, Answer]:
    """A page behind a redirect, its stylesheet (gzipped), the matched photo, and oddities."""
    return {
        "/": Answer(200, [("Content-Type", "text/html; charset=utf-8")], PAGE),
        "/post/1": Answer(302, [("Location", "/")]),
        "/style.css": Answer(
            200,
            [("Content-Type", "text/css"), ("Content-Encoding", "gzip")],
            gzip.compress(b"h1{color:#c00}"),
        ),
        "/media/photo.jpg": Answer(200, [("Content-Type", "image/jpeg")], jpeg_bytes(1)),
        "/chunked": Answer(200, [("Content-Type", "text/html")], b"<p>one</p><p>two</p>", True),
        "/big": Answer(200, [("Content-Type", "application/octet-stream")], b"x" * 200_000),
    }


class _QuietServer(ThreadingHTTPServer):
    """A server that does not print tracebacks when a killed client resets its connection."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class Site:
    """A running loopback server; ``url(path)`` gives full URLs. Stop with :meth:`close`."""

    def __init__(self, routes: dict[str, Answer], tls: ssl.SSLContext | None = None) -> None:
        self.routes = routes
        self.hits: list[str] = []
        handler = _handler(self)
        self.server = _QuietServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(site: Site) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer and the benchmark measures TCP.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            site.hits.append(self.path)
            answer = site.routes.get(self.path.split("?", 1)[0]) or Answer(
                404, [("Content-Type", "text/plain")], b"not found"
            )
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            if answer.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                half = len(answer.body) // 2
                for part in (answer.body[:half], answer.body[half:]):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

    return Handler


@dataclass(frozen=True)
class TestCertificate:
    """A self-signed certificate for 127.0.0.1, and contexts for a server and a client."""

    der: bytes
    server: ssl.SSLContext
    client: ssl.SSLContext


def self_signed(folder: Path) -> TestCertificate:
    """Make a certificate for 127.0.0.1 valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "haechi test site")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = folder / "cert.pem"
    key_path = folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return TestCertificate(cert.public_bytes(serialization.Encoding.DER), server, client)
