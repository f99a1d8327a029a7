"""Recognising a CDN in front of a site by the registry's names for the network.

A site behind a CDN resolves to the CDN's addresses, so the "host" RDAP names is the CDN. The
CDN does not hold the files (its cache does) but it can pass a notice to the origin host, name
the host when asked, and for some kinds of content stop serving it: it is the first desk, and
the notice says what it is responsible for. Recognised by the network name, handle or holder
(RDAP, as registries write them): a small table, not an exhaustive list.
"""

from __future__ import annotations

from haechi.routing.model import Network

# (stable short name, how people call it, upper-case fragments of network names / holders)
CDNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("cloudflare", "Cloudflare", ("CLOUDFLARE",)),
    ("akamai", "Akamai", ("AKAMAI",)),
    ("fastly", "Fastly", ("FASTLY", "SKYCA-3")),  # ARIN: Fastly's networks are SKYCA-3
    ("cloudfront", "Amazon CloudFront", ("AMAZON-CF", "AMAZO-CF", "CLOUDFRONT")),
    ("imperva", "Imperva (Incapsula)", ("INCAPSULA", "IMPERVA")),
    ("ddos-guard", "DDoS-Guard", ("DDOS-GUARD",)),
    ("bunny", "bunny.net", ("BUNNYWAY", "BUNNYCDN")),
    ("stackpath", "StackPath", ("STACKPATH", "HIGHWINDS")),
    ("gcore", "Gcore", ("G-CORE", "GCORE")),
)


def cdn_of(network: Network) -> tuple[str, str] | None:
    """``(short name, title)`` of the CDN a network belongs to, or ``None``."""
    names = " ".join(n.upper() for n in (network.name, network.handle, network.org) if n)
    for key, title, fragments in CDNS:
        if any(fragment in names for fragment in fragments):
            return key, title
    return None
