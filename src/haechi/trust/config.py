"""What the trust services need from settings: where keys live, the passphrase, the address.

The organisation is ``did:web`` at its public address (``HAECHI_PUBLIC_URL``): the DID
document is served at ``/.well-known/did.json`` there, and verify links point there. A
server without the setting uses the address it is reached at (:meth:`TrustConfig.at`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, urlsplit

from haechi.errors import ConfigError
from haechi.settings import Settings

DEFAULT_PUBLIC_URL = "http://localhost:8000"


def did_web(public_url: str) -> str:
    """The ``did:web`` of an address: host (port as ``%3A``) and path segments joined by ``:``."""
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"HAECHI_PUBLIC_URL must be an http(s) address, not {public_url!r}")
    host = parts.hostname + (f"%3A{parts.port}" if parts.port else "")
    path = [quote(p, safe="") for p in parts.path.split("/") if p]
    return ":".join(["did:web", host, *path])


@dataclass(frozen=True)
class TrustConfig:
    """The home (keys under ``trust/keys``), the key passphrase, the public address."""

    home: Path
    passphrase: str | None = field(default=None, repr=False)
    public_url: str = DEFAULT_PUBLIC_URL
    organisation: str = "haechi"
    evidence_key_file: Path | None = None
    fixed: bool = False  # the address was set, rather than taken from a request

    @classmethod
    def from_settings(cls, settings: Settings) -> TrustConfig:
        """The config of ``settings``."""
        passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
        return cls(
            home=settings.home,
            passphrase=passphrase,
            public_url=(settings.public_url or DEFAULT_PUBLIC_URL).rstrip("/"),
            organisation=settings.notice_organisation,
            evidence_key_file=settings.evidence_key_file,
            fixed=settings.public_url is not None,
        )

    def at(self, base_url: str) -> TrustConfig:
        """This config as served from ``base_url``, unless a public address was set."""
        return self if self.fixed else replace(self, public_url=base_url.rstrip("/"))

    @property
    def keys_dir(self) -> Path:
        """Where the private key files are (0600 each, encrypted with the passphrase)."""
        return self.home / "trust" / "keys"

    @property
    def did(self) -> str:
        """The organisation's DID."""
        return did_web(self.public_url)

    def verify_link(self, code: str | None = None) -> str:
        """The public verify page, opening on ``code`` when given."""
        return f"{self.public_url}/verify" + (f"?code={quote(code)}" if code else "")

    @property
    def status_list_url(self) -> str:
        """Where the revocation status list of member credentials is published."""
        return f"{self.public_url}/.well-known/haechi-status.json"
