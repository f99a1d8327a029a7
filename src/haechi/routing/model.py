"""What routing finds: the network behind a host, the domain's registration, the desks that
can act on it, in order, and what could not be found.

Each value has ``as_json`` with the stable keys ``haechi route --json`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Who a desk is, and so what a notice to it asks."""

    PLATFORM = "platform"  # the site's own desk, from the platform directory
    CDN = "cdn"  # a CDN in front of the host: forwards to the host or names it
    HOST = "host"  # the hosting provider of the IP address
    REGISTRAR = "registrar"  # the domain's registrar
    HOTLINE = "hotline"  # the country's INHOPE hotline
    REGULATOR = "regulator"  # KCSC: access blocking in Korea of a site abroad


@dataclass(frozen=True)
class Network:
    """An IP network as its regional registry records it."""

    address: str
    handle: str | None
    name: str | None
    cidr: str | None
    country: str | None
    org: str | None
    abuse_email: str | None
    source: str
    fetched_at: datetime

    @property
    def label(self) -> str:
        """``203.0.113.7 (network EXAMPLE-NET, 203.0.113.0/24)``: what a notice cites."""
        parts = [p for p in (self.name and f"network {self.name}", self.cidr) if p]
        return f"{self.address} ({', '.join(parts)})" if parts else self.address

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "address": self.address,
            "handle": self.handle,
            "name": self.name,
            "cidr": self.cidr,
            "country": self.country,
            "org": self.org,
            "abuse_email": self.abuse_email,
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat(),
        }


@dataclass(frozen=True)
class Registration:
    """A domain's registration: its registrar and the registrar's abuse contact."""

    domain: str
    registrar: str | None
    iana_id: str | None
    abuse_email: str | None
    country: str | None
    source: str
    fetched_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "domain": self.domain,
            "registrar": self.registrar,
            "iana_id": self.iana_id,
            "abuse_email": self.abuse_email,
            "country": self.country,
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat(),
        }


@dataclass(frozen=True)
class Desk:
    """A desk that can act on the URL, what it is responsible for and where to write."""

    role: Role
    name: str
    email: str | None
    web_form: str | None
    country: str | None
    language: str
    responsible_for: str  # what the notice cites: "hosting 203.0.113.7 (...)"
    source: str  # "directory", an RDAP URL, "INHOPE member list (...)"
    platform: str | None = None  # its directory entry, when it has one

    @property
    def contact(self) -> str:
        """Where a notice goes: the e-mail address, else the web form."""
        return self.email or self.web_form or ""

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "role": self.role.value,
            "name": self.name,
            "email": self.email,
            "web_form": self.web_form,
            "country": self.country,
            "language": self.language,
            "responsible_for": self.responsible_for,
            "source": self.source,
            "platform": self.platform,
        }


@dataclass(frozen=True)
class Failure:
    """One step that found nothing: ``step`` is dns, ip, domain or address."""

    step: str
    detail: str

    def as_json(self) -> dict[str, str]:
        """The stable JSON form."""
        return {"step": self.step, "detail": self.detail}


@dataclass
class Route:
    """Who can act on one URL. ``desks`` are in the order to write to them; the first is the
    channel. ``block`` is where to ask for access blocking in the organisation's country of a
    site hosted abroad. A private address is never looked up: ``private`` says so."""

    url: str
    host: str
    checked_at: datetime
    addresses: list[str] = field(default_factory=list)
    private: bool = False
    platform: str | None = None
    network: Network | None = None
    cdn: str | None = None
    registration: Registration | None = None
    country: str | None = None
    desks: list[Desk] = field(default_factory=list)
    block: Desk | None = None
    failures: list[Failure] = field(default_factory=list)

    @property
    def channel(self) -> Desk | None:
        """The desk to write to first, if any was found."""
        return self.desks[0] if self.desks else None

    @property
    def language(self) -> str:
        """The language of the notice to the channel (English when there is none)."""
        return self.channel.language if self.channel else "en"

    @property
    def complete(self) -> bool:
        """Whether every lookup succeeded."""
        return not self.failures

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form (``haechi route --json``)."""
        channel = self.channel
        return {
            "url": self.url,
            "host": self.host,
            "checked_at": self.checked_at.isoformat(),
            "addresses": list(self.addresses),
            "private": self.private,
            "platform": self.platform,
            "network": self.network.as_json() if self.network else None,
            "cdn": self.cdn,
            "registration": self.registration.as_json() if self.registration else None,
            "country": self.country,
            "channel": channel.role.value if channel else None,
            "language": self.language,
            "desks": [d.as_json() for d in self.desks],
            "block": self.block.as_json() if self.block else None,
            "failures": [f.as_json() for f in self.failures],
            "complete": self.complete,
        }
