"""A small world on loopback for the notice and case tests: registered photos, a site on
127.0.0.1 (also reached as ``localhost``, a second platform) whose pages carry copies of them,
a scan that found and captured them, a mail server that keeps what it is sent, and a clock the
test moves.
"""

from __future__ import annotations

import io
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from PIL import Image

from haechi.banks.service import register_files
from haechi.evidence import EvidenceConfig
from haechi.notices import Desk, NoticeConfig, SmtpConfig, SmtpSecurity
from haechi.notices.platforms import parse_platforms
from haechi.scan.intake import source_options
from haechi.scan.model import Hit, ScanReport
from haechi.scan.pipeline import Scanner
from haechi.scan.preserve import EvidenceKeeper, evidence_config
from haechi.settings import Settings
from haechi.sources import FetchPolicy, open_source
from haechi.store.database import Database, open_database
from haechi.store.notices import PlatformStore
from haechi.testkit.photos import registered_photos
from tests.sources.sitekit import Site, serve

ALLOW = ["127.0.0.1", "localhost", "::1"]
CASE = "CASE-2026-001"

DIRECTORY = """
format = "haechi-platforms/v1"

[[platform]]
name = "local-portal"
title = "로컬 포털"
domains = ["127.0.0.1"]
email = "abuse@local-portal.example"
language = "ko"
legal_basis = "정보통신망법 제44조의2"
deadline_hours = 24
removed_markers = ["삭제된 게시물입니다"]

[[platform]]
name = "local-host"
title = "Local image host"
domains = ["localhost"]
email = "abuse@local-host.example"
language = "en"
legal_basis = "Terms of service"
deadline_hours = 24
removed_markers = ["This content has been removed"]

[[platform]]
name = "regulator"
title = "방송통신심의위원회"
kind = "regulator"
country = "KR"
email = "report@regulator.example"
language = "ko"
legal_basis = "방송통신위원회법 제21조"
"""


class Clock:
    """A clock the test moves; starts an hour after the real now, on the hour."""

    def __init__(self) -> None:
        real = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self.now = real + timedelta(hours=2)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(raw) for _, _, raw in self.received]  # type: ignore[misc]


class _LoopbackController(Controller):  # type: ignore[misc]
    """aiosmtpd's controller on a port the system picks (it connects back to its port)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def world_on_loopback(tmp: Path) -> Iterator[World]:
    """The world of :func:`build_world` with its site and mail server, all stopped afterwards."""
    settings = settings_for(tmp)
    with serve() as site, smtp_server() as (mailbox, port):
        db = open_database(settings)
        try:
            yield build_world(tmp, site, db, settings, mailbox, port)
        finally:
            db.close()


@contextmanager
def smtp_server(**kwargs: Any) -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 in a thread, stopped when the block ends."""
    mailbox = Mailbox()
    controller = _LoopbackController(mailbox, hostname="127.0.0.1", port=0, **kwargs)
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def jpeg(image: Image.Image, quality: int = 80, size: tuple[int, int] = (320, 240)) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").resize(size).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def notice_config(port: int, **changes: Any) -> NoticeConfig:
    smtp = SmtpConfig(host="127.0.0.1", port=port, security=SmtpSecurity.NONE, timeout=5)
    base: dict[str, Any] = {
        "organisation": "해치 지원센터",
        "organisation_en": "Haechi Support Centre",
        "from_address": "takedown@haechi-centre.example",
        "allow_hosts": tuple(ALLOW),
        "smtp": smtp,
    }
    base.update(changes)
    return NoticeConfig(**base)


def fetch_policy() -> FetchPolicy:
    return FetchPolicy(
        allow=tuple(ALLOW), total_timeout=10, connect_timeout=2, read_timeout=2, retries=0
    )


def scan_urls(
    db: Database, settings: Settings, evidence: EvidenceConfig, urls: list[str], list_file: Path
) -> ScanReport:
    """Scan pages by URL list, capturing every hit."""
    list_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    options = source_options(settings, ALLOW)
    source = open_source(str(list_file), "url-list", options)
    with EvidenceKeeper(evidence) as keeper:
        report = Scanner(db, settings, keeper).scan_source(source, str(list_file))
    assert not report.capture_failures, report.capture_failures
    return report


@dataclass
class World:
    site: Site
    settings: Settings
    db: Database
    clock: Clock
    desk: Desk
    mailbox: Mailbox
    evidence: EvidenceConfig
    hits: dict[str, Hit]  # by letter a..e
    tmp: Path

    def url(self, host: str, path: str) -> str:
        port = self.site.base_url.rsplit(":", 1)[1]
        return f"http://{host}:{port}{path}"


PHOTOS = {"a": "chelsea", "b": "coffee", "c": "astronaut", "d": "rocket", "e": "retina"}
PAGES = {  # letter -> (host, page, media)
    "a": ("127.0.0.1", "/board/1", "/img/a.jpg"),
    "b": ("127.0.0.1", "/board/2", "/img/b.jpg"),
    "c": ("localhost", "/post/3", "/media/c.jpg"),
    "d": ("localhost", "/post/4", "/media/d.jpg"),
    "e": ("localhost", "/post/5", "/media/e.jpg"),
}


def settings_for(tmp: Path) -> Settings:
    return Settings(home=tmp / "home", workers=1, allow_hosts=ALLOW, evidence_screenshots=False)


def build_world(
    tmp: Path, site: Site, db: Database, settings: Settings, mailbox: Mailbox, port: int
) -> World:
    """Register five photos (a and b under case CASE), publish copies, scan and capture."""
    photos = registered_photos()
    originals = tmp / "originals"
    originals.mkdir()
    paths: dict[str, Path] = {}
    for letter, name in PHOTOS.items():
        paths[letter] = originals / f"{letter}.png"
        photos[name].save(paths[letter])
    register_files(db, settings, "victims", [paths["a"], paths["b"]], case_ref=CASE)
    register_files(db, settings, "victims", [paths[x] for x in "cde"])
    urls = []
    for letter, (host, page, media) in PAGES.items():
        site.image(media, jpeg(photos[PHOTOS[letter]]), content_type="image/jpeg")
        site.page(page, f'<html><body><h1>post</h1><img src="{media}"></body></html>')
        port_part = site.base_url.rsplit(":", 1)[1]
        urls.append(f"http://{host}:{port_part}{page}")
    evidence = evidence_config(settings, ALLOW)
    report = scan_urls(db, settings, evidence, urls, tmp / "urls.txt")
    by_path = {h.location.split(":", 2)[2].split("/", 1)[1]: h for h in report.hits}
    hits = {letter: by_path[media.lstrip("/")] for letter, (_, _, media) in PAGES.items()}
    assert len(report.captures) == 5
    clock = Clock()
    with db.session() as session:
        PlatformStore(session).save(parse_platforms(DIRECTORY), clock())
    desk = Desk(db, notice_config(port), clock, evidence)
    return World(site, settings, db, clock, desk, mailbox, evidence, hits, tmp)


def tls_contexts(tmp: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1, and its file."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / "smtp-cert.pem", tmp / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


def make_hits(db: Database, urls: list[str], bank: str = "victims") -> list[Hit]:
    """Hits recorded straight through the stores (no scan, no capture), one entry each."""
    from haechi.banks.model import NewEntry
    from haechi.hashing import Signal, SignalKind
    from haechi.scan.model import MatchDetail, Sighting
    from haechi.store.banks import BankStore
    from haechi.store.scans import ScanStore

    out = []
    with db.session() as session:
        banks, scans = BankStore(session), ScanStore(session)
        banks.get_or_create(bank)
        scan_id = scans.start("test", "url-list")
        for n, url in enumerate(urls):
            digest = f"{n:064x}"
            [entry] = banks.add_entries(bank, [NewEntry((Signal(SignalKind.SHA256, digest),))])
            hit = scans.add_hit(
                scan_id, entry.id, MatchDetail("sha256", 0), digest, Sighting(url, "web")
            )
            assert hit is not None
            out.append(hit)
    return out
