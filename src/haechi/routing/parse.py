"""Reading registry answers (RDAP, RFC 9083): names, countries and abuse addresses.

Registries nest contacts differently: ARIN puts the abuse role inside the registrant
organisation, RIPE and LACNIC at the top, registrars inside their own entity, and APNIC's
Korean and Japanese networks often name no abuse role at all but list ``abuse@`` addresses in
the network's contacts. So the abuse address is the e-mail of the nearest entity with the
``abuse`` role, else the first ``abuse@`` address anywhere in the answer, else none (and the
route says so). Nothing here raises on odd data: what is missing is ``None``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from haechi.routing.model import Network, Registration

# ARIN writes the organisation's country as a name on the address label's last line.
_COUNTRY_NAMES = {
    "UNITED STATES": "US",
    "CANADA": "CA",
    "KOREA, REPUBLIC OF": "KR",
    "JAPAN": "JP",
    "UNITED KINGDOM": "GB",
    "GERMANY": "DE",
    "NETHERLANDS": "NL",
}


def entities(obj: Mapping[str, Any], roles: tuple[str, ...] = ()) -> Iterator[Mapping[str, Any]]:
    """Every entity in ``obj``, depth first, optionally only those with one of ``roles``."""
    for entity in obj.get("entities") or []:
        if not isinstance(entity, Mapping):
            continue
        entity_roles = [r for r in entity.get("roles") or [] if isinstance(r, str)]
        if not roles or any(r.lower() in roles for r in entity_roles):
            yield entity
        yield from entities(entity, roles)


def vcard(entity: Mapping[str, Any], name: str) -> list[tuple[dict[str, Any], Any]]:
    """The ``(parameters, value)`` of every vCard property ``name`` of an entity (jCard)."""
    card = entity.get("vcardArray")
    if not isinstance(card, list) or len(card) < 2 or not isinstance(card[1], list):
        return []
    found = []
    for prop in card[1]:
        if isinstance(prop, list) and len(prop) >= 4 and str(prop[0]).lower() == name:
            params = prop[1] if isinstance(prop[1], dict) else {}
            found.append((params, prop[3]))
    return found


def entity_name(entity: Mapping[str, Any]) -> str | None:
    """An entity's organisation name, else its full name."""
    for prop in ("org", "fn"):
        for _, value in vcard(entity, prop):
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def emails(entity: Mapping[str, Any]) -> list[str]:
    """An entity's e-mail addresses, as written."""
    return [v.strip() for _, v in vcard(entity, "email") if isinstance(v, str) and "@" in v]


def entity_country(entity: Mapping[str, Any]) -> str | None:
    """An entity's country code, from its vCard (ISO code property or the address)."""
    for _, value in vcard(entity, "iso-3166-1-alpha-2"):
        if isinstance(value, str) and len(value.strip()) == 2:
            return value.strip().upper()
    for params, value in vcard(entity, "adr"):
        cc = params.get("cc")
        if isinstance(cc, str) and len(cc) == 2:
            return cc.upper()
        if isinstance(value, list) and value and isinstance(value[-1], str):
            last = value[-1].strip()
            if len(last) == 2 and last.isalpha():
                return last.upper()
        label = params.get("label")
        if isinstance(label, str) and label.strip():
            tail = label.strip().splitlines()[-1].strip().upper()
            if tail in _COUNTRY_NAMES:
                return _COUNTRY_NAMES[tail]
    return None


def abuse_email(obj: Mapping[str, Any]) -> str | None:
    """The abuse address: an ``abuse@`` address of an ``abuse`` entity, else one of any
    entity, else the first e-mail of an ``abuse`` entity. (APNIC lists the national
    registry's incident team as the abuse role of Korean networks, while the network's own
    contact gives the holder's ``abuse@`` address: the holder is who acts.)"""
    role = [e.lower() for entity in entities(obj, ("abuse",)) for e in emails(entity)]
    anywhere = [e.lower() for entity in entities(obj) for e in emails(entity)]
    for email in (*role, *anywhere):
        if email.startswith("abuse@"):
            return email
    return role[0] if role else None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address as registries write it: ARIN pads IPv4 octets (``074.125.000.000``)."""
    text = text.split("/")[0].strip()
    if "." in text and ":" not in text:
        text = ".".join(str(int(octet)) for octet in text.split("."))
    return ipaddress.ip_address(text)


def _cidr(answer: Mapping[str, Any]) -> str | None:
    for block in answer.get("cidr0_cidrs") or []:
        if isinstance(block, Mapping):
            prefix = block.get("v4prefix") or block.get("v6prefix")
            if prefix and block.get("length") is not None:
                return f"{prefix}/{block['length']}"
    start, end = answer.get("startAddress"), answer.get("endAddress")
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    try:
        first, last = _address(start), _address(end)
        nets = list(ipaddress.summarize_address_range(first, last))
    except (ValueError, TypeError):
        return f"{start} - {end}"
    return str(nets[0]) if len(nets) == 1 else f"{first} - {last}"


def network_of(address: str, answer: Mapping[str, Any], source: str, at: datetime) -> Network:
    """The network an IP answer describes, with its holder and abuse address."""
    registrants = list(entities(answer, ("registrant",)))
    org = next((n for n in map(entity_name, registrants) if n), None)
    country = answer.get("country")
    if not isinstance(country, str) or len(country) != 2:
        country = next((c for c in map(entity_country, registrants) if c), None)
    name, handle = answer.get("name"), answer.get("handle")
    return Network(
        address=address,
        handle=handle if isinstance(handle, str) else None,
        name=name if isinstance(name, str) else None,
        cidr=_cidr(answer),
        country=country.upper() if isinstance(country, str) else None,
        org=org,
        abuse_email=abuse_email(answer),
        source=source,
        fetched_at=at,
    )


def registration_of(
    domain: str, answer: Mapping[str, Any], source: str, at: datetime
) -> Registration:
    """The registrar of a domain answer, with the registrar's abuse address."""
    registrar = next(iter(entities(answer, ("registrar",))), None)
    iana_id = None
    if registrar is not None:
        for public_id in registrar.get("publicIds") or []:
            if isinstance(public_id, Mapping) and "iana" in str(public_id.get("type", "")).lower():
                iana_id = str(public_id.get("identifier"))
    return Registration(
        domain=str(answer.get("ldhName") or domain).lower().rstrip("."),
        registrar=entity_name(registrar) if registrar is not None else None,
        iana_id=iana_id,
        abuse_email=abuse_email(registrar) if registrar is not None else None,
        country=entity_country(registrar) if registrar is not None else None,
        source=source,
        fetched_at=at,
    )
