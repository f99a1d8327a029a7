"""RFC 3161 time-stamps of checkpoints, from a time-stamping authority (TSA) the caller names.

A checkpoint's own time is the organisation's word. A token from an independent TSA shows the
checkpoint's signature existed by the TSA's time, which matters when the defence asks whether
evidence was made up after the fact. The token is requested over SHA-256 of the checkpoint's
signature and kept, base64, in the checkpoint (``timestamp_token``).

Requests and responses are built and read with ``asn1crypto``; the TSA's CMS signature is
checked with ``cryptography`` against the certificate inside the token. Whether that
certificate chains to a TSA the court trusts is *not* decided here: the report says so.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from asn1crypto import algos, cms, parser, tsp  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509 import load_der_x509_certificate

from haechi.evidence.errors import TimestampError

_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def build_request(digest: bytes, nonce: int) -> bytes:
    """A DER TimeStampReq for a SHA-256 ``digest``, asking for the TSA's certificate."""
    if len(digest) != 32:
        raise ValueError("the digest must be SHA-256 (32 bytes)")
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return bytes(request.dump())


def read_response(der: bytes, digest: bytes, nonce: int) -> bytes:
    """The token (DER ContentInfo) from a TimeStampResp; :class:`TimestampError` if unusable."""
    try:
        status_info = _status_info(der)
        status = status_info["status"].native
    except (ValueError, TypeError) as exc:
        raise TimestampError(f"the TSA's answer is not a TimeStampResp ({exc})") from exc
    if status not in ("granted", "granted_with_mods"):
        text = status_info["status_string"].native
        raise TimestampError(f"the TSA refused: {status} {' '.join(text or ())}".strip())
    try:
        token = tsp.TimeStampResp.load(der)["time_stamp_token"]
    except (ValueError, TypeError) as exc:
        raise TimestampError(f"the TSA granted but sent no readable token ({exc})") from exc
    info = _tst_info(token)
    if info["nonce"].native != nonce:
        raise TimestampError("the TSA's token answers another request (nonce differs)")
    check = verify_token(bytes(token.dump()), digest)
    if not check.valid:
        raise TimestampError(f"the TSA's token does not check: {check.detail}")
    return bytes(token.dump())


def _status_info(der: bytes) -> tsp.PKIStatusInfo:
    """The PKIStatusInfo of a TimeStampResp, also of a refusal that carries no token.

    asn1crypto's schema requires the token, so the first element is read on its own.
    """
    _, _, _, _, contents, _ = parser.parse(der, strict=True)
    _, _, _, header, inner, _ = parser.parse(contents)
    return tsp.PKIStatusInfo.load(header + inner)


class TsaClient:
    """Asks one TSA for tokens over HTTP (``application/timestamp-query``)."""

    def __init__(self, url: str, timeout: float = 20.0) -> None:
        self.url = url
        self.timeout = timeout

    def __call__(self, digest: bytes) -> bytes:
        """A verified token for ``digest``; :class:`TimestampError` if none can be had."""
        nonce = secrets.randbits(63)
        try:
            answer = httpx.post(
                self.url,
                content=build_request(digest, nonce),
                headers={"Content-Type": "application/timestamp-query"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise TimestampError(f"TSA {self.url} did not answer: {exc}") from exc
        if answer.status_code != 200:
            raise TimestampError(f"TSA {self.url} answered HTTP {answer.status_code}")
        return read_response(answer.content, digest, nonce)


@dataclass(frozen=True)
class TokenCheck:
    """The result of checking a token: valid or not, the TSA's time, and what was checked."""

    valid: bool
    time: str | None
    detail: str


def _tst_info(token: cms.ContentInfo) -> tsp.TSTInfo:
    signed = token["content"]
    return signed["encap_content_info"]["content"].parsed


def _verify_signature(cert_der: bytes, signature: bytes, data: bytes, algo: str) -> None:
    public = load_der_x509_certificate(cert_der).public_key()
    hash_type = _HASHES.get(algo, hashes.SHA256)()
    if isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, data, padding.PKCS1v15(), hash_type)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        public.verify(signature, data, ec.ECDSA(hash_type))
    elif isinstance(public, ed25519.Ed25519PublicKey):
        public.verify(signature, data)
    else:
        raise InvalidSignature("unsupported TSA key type")


def verify_token(token_der: bytes, digest: bytes) -> TokenCheck:
    """Check a token offline: it is over ``digest`` and its CMS signature is the TSA cert's."""
    try:
        token = cms.ContentInfo.load(token_der)
        signed = token["content"]
        info = _tst_info(token)
        imprint = info["message_imprint"]
        when = info["gen_time"].native
        if imprint["hash_algorithm"]["algorithm"].native != "sha256":
            return TokenCheck(False, None, "the token is not over a SHA-256 digest")
        if imprint["hashed_message"].native != digest:
            return TokenCheck(False, when.isoformat(), "the token is over other data")
        signer = signed["signer_infos"][0]
        certs = [c.chosen for c in signed["certificates"] or [] if c.name == "certificate"]
        sid = signer["sid"].chosen
        cert = next(
            (
                c
                for c in certs
                if isinstance(sid, cms.IssuerAndSerialNumber)
                and c.serial_number == sid["serial_number"].native
                and c.issuer == sid["issuer"]
            ),
            None,
        )
        if cert is None:
            return TokenCheck(False, when.isoformat(), "the TSA's certificate is not in the token")
        algo = signer["digest_algorithm"]["algorithm"].native
        content = signed["encap_content_info"]["content"].contents
        attrs = signer["signed_attrs"]
        message_digest = next(
            a["values"][0].native for a in attrs if a["type"].native == "message_digest"
        )
        if hashlib.new(algo, content).digest() != message_digest:
            return TokenCheck(False, when.isoformat(), "the signed digest of TSTInfo differs")
        _verify_signature(cert.dump(), signer["signature"].native, _as_set(attrs), algo)
    except InvalidSignature:
        return TokenCheck(False, None, "the TSA's signature does not verify")
    except (ValueError, TypeError, KeyError, StopIteration, AttributeError) as exc:
        return TokenCheck(False, None, f"not a readable RFC 3161 token ({exc})")
    subject = cert.subject.human_friendly
    return TokenCheck(
        True,
        when.isoformat(),
        f"time {when.isoformat()} from {subject} (chain to a trusted TSA not checked)",
    )


def _as_set(attrs: cms.CMSAttributes) -> bytes:
    """Signed attributes re-tagged as a SET, the bytes a CMS signature covers (RFC 5652 5.4)."""
    der = bytes(attrs.dump())
    return b"\x31" + der[1:]
