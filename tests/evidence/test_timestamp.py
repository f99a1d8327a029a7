"""RFC 3161 time-stamps against a tiny TSA on 127.0.0.1 built with asn1crypto.

The TSA is minimal (one EC key, a self-signed certificate, no accuracy or policy checks) but
its answers are real DER TimeStampResp structures, so the request building, the response
reading and the offline token check are exercised end to end. A public TSA is not contacted.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import algos, cms, core, tsp, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from haechi.evidence.bundle import export_bundle
from haechi.evidence.errors import TimestampError
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.signing import SigningKey
from haechi.evidence.timestamp import TsaClient, build_request, verify_token
from haechi.evidence.verify import CheckStatus, verify_bundle
from tests.evidence.conftest import capture_now
from tests.evidence.site import Site


class TinyTsa:
    """Signs TSTInfo for each request; ``refuse`` makes it answer "rejection"."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "haechi test TSA")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            cx509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(4242)
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(
                cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .sign(self.key, hashes.SHA256())
        )
        self.cert = x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        self.refuse = False
        self.serial = 0

    def answer(self, body: bytes) -> bytes:
        request = tsp.TimeStampReq.load(body)
        if self.refuse:
            # SEQUENCE { PKIStatusInfo { status rejection (2) } }, no token: asn1crypto's
            # schema insists on the token, so the DER is written out.
            return bytes.fromhex("3005300302 0102".replace(" ", ""))
        self.serial += 1
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": "1.3.6.1.4.1.99999.1",
                "message_imprint": request["message_imprint"],
                "serial_number": self.serial,
                "gen_time": datetime.datetime.now(datetime.UTC).replace(microsecond=0),
                "nonce": request["nonce"],
            }
        )
        info_der = info.dump()
        attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute(
                    {"type": "message_digest", "values": [hashlib.sha256(info_der).digest()]}
                ),
            ]
        )
        signature = self.key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signed = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(info_der),
                },
                "certificates": [self.cert],
                "signer_infos": [
                    {
                        "version": "v1",
                        "sid": cms.SignerIdentifier(
                            {
                                "issuer_and_serial_number": {
                                    "issuer": self.cert.issuer,
                                    "serial_number": self.cert.serial_number,
                                }
                            }
                        ),
                        "digest_algorithm": {"algorithm": "sha256"},
                        "signed_attrs": attrs,
                        "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                        "signature": signature,
                    }
                ],
            }
        )
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed})
        return bytes(
            tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()
        )


@pytest.fixture
def tsa() -> Iterator[tuple[TinyTsa, str]]:
    authority = TinyTsa()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answer = authority.answer(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield authority, f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    server.server_close()


def test_a_token_is_over_the_digest_and_checks_offline(tsa: tuple[TinyTsa, str]) -> None:
    _, url = tsa
    digest = hashlib.sha256(b"checkpoint signature").digest()
    token = TsaClient(url)(digest)
    check = verify_token(token, digest)
    assert check.valid, check.detail
    assert "haechi test TSA" in check.detail and check.time is not None
    assert not verify_token(token, hashlib.sha256(b"other").digest()).valid
    damaged = bytearray(token)
    damaged[-5] ^= 0x01  # inside the TSA's signature
    assert not verify_token(bytes(damaged), digest).valid


def test_a_refusal_is_an_error(tsa: tuple[TinyTsa, str]) -> None:
    authority, url = tsa
    authority.refuse = True
    with pytest.raises(TimestampError, match="rejection"):
        TsaClient(url)(bytes(32))


def test_requests_are_sha256_with_a_nonce() -> None:
    request = tsp.TimeStampReq.load(build_request(bytes(range(32)), 12345))
    assert request["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert request["nonce"].native == 12345 and request["cert_req"].native is True


def test_bundled_checkpoints_carry_a_checked_token(
    tsa: tuple[TinyTsa, str], tmp_path: Path, key: SigningKey, site: Site
) -> None:
    _, url = tsa
    locker = EvidenceLocker(tmp_path / "evidence", key=key, stamp=TsaClient(url))
    record = capture_now(locker, site.url("/"))
    summary = export_bundle(locker, [record.id], tmp_path / "stamped.wacz")
    assert summary.checkpoint.timestamp_token is not None
    report = verify_bundle(summary.path, [key.key_id])
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.check("checkpoint:timestamp").status is CheckStatus.VERIFIED
    # A token moved from another checkpoint does not fit this signature.
    other = replace(summary.checkpoint, signature=base64.b64encode(bytes(64)).decode())
    token = base64.b64decode(other.timestamp_token or "")
    assert not verify_token(token, hashlib.sha256(other.signature_bytes()).digest()).valid
