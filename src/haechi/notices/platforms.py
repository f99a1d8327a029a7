"""The platform directory: who hosts what, where to send the notice, in which language, citing
which law, and how long to wait.

A hit is assigned to a platform by the host of its URL: the platform whose domain is the host
or the longest domain the host ends in (``m.cafe.portal.example`` belongs to whoever claims
``cafe.portal.example``, else ``portal.example``). Regulators (KCSC in Korea) are entries of
the same directory with ``kind = "regulator"`` and a country; block requests go to the
regulator of the organisation's country.

The directory lives in the database; it is exchanged as a file (TOML or JSON, format
``haechi-platforms/v1``) so that groups can share and edit it. A starter list ships with
haechi (``data/platforms.toml``): generic entries with placeholder contacts on ``.example``
domains, marked ``placeholder = true``; no notice is sent to a placeholder until someone has
put in the real contact and removed the flag.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from haechi.notices.errors import PlatformError, PlatformFileError

FORMAT = "haechi-platforms/v1"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


class PlatformKind(StrEnum):
    """Whether an entry hosts content or regulates those who do."""

    HOST = "host"
    REGULATOR = "regulator"


@dataclass(frozen=True)
class Platform:
    """One directory entry. ``name`` is its stable short key (``example-portal``)."""

    name: str
    title: str
    domains: tuple[str, ...]
    language: str = "en"
    kind: PlatformKind = PlatformKind.HOST
    country: str = "KR"
    email: str | None = None
    web_form: str | None = None
    legal_basis: str = ""
    answers: bool = True
    deadline_hours: int | None = None
    removed_markers: tuple[str, ...] = ()
    placeholder: bool = False
    notes: str = ""

    @property
    def contact(self) -> str:
        """Where notices go: the e-mail address, else the web form."""
        return self.email or self.web_form or ""

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form, also the file form of one entry."""
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind.value,
            "country": self.country,
            "domains": list(self.domains),
            "email": self.email,
            "web_form": self.web_form,
            "language": self.language,
            "legal_basis": self.legal_basis,
            "answers": self.answers,
            "deadline_hours": self.deadline_hours,
            "removed_markers": list(self.removed_markers),
            "placeholder": self.placeholder,
            "notes": self.notes,
        }


def normalise_domain(domain: str) -> str:
    """Lower-case, no trailing dot, IDNA (punycode) for non-ASCII names."""
    cleaned = domain.strip().lower().rstrip(".")
    if not cleaned or "/" in cleaned or " " in cleaned:
        raise PlatformError(f"{domain!r} is not a domain name")
    try:
        return cleaned.encode("idna").decode("ascii")
    except UnicodeError:
        raise PlatformError(f"{domain!r} is not a valid domain name") from None


def host_of(url: str) -> str | None:
    """The normalised host of an http(s) URL, or ``None``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        return normalise_domain(parts.hostname)
    except PlatformError:
        return None


@dataclass
class PlatformDirectory:
    """Platforms by name and by domain, for assigning hits."""

    platforms: list[Platform] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_domain: dict[str, Platform] = {}
        for platform in self.platforms:
            for domain in platform.domains:
                other = self._by_domain.get(domain)
                if other is not None and other.name != platform.name:
                    raise PlatformError(
                        f"domain {domain} is claimed by both {other.name} and {platform.name}"
                    )
                self._by_domain[domain] = platform

    def for_host(self, host: str) -> Platform | None:
        """The platform of a host: the longest claimed domain the host is or ends in."""
        labels = host.split(".")
        for start in range(len(labels)):
            found = self._by_domain.get(".".join(labels[start:]))
            if found is not None:
                return found
        return None

    def for_url(self, url: str) -> Platform | None:
        """The platform of an http(s) URL, or ``None`` (no URL, or nobody claims its host)."""
        host = host_of(url)
        return self.for_host(host) if host else None

    def regulator(self, country: str) -> Platform | None:
        """The regulator that takes block requests in ``country``."""
        return next(
            (
                p
                for p in self.platforms
                if p.kind is PlatformKind.REGULATOR and p.country == country.upper()
            ),
            None,
        )


# -- files -----------------------------------------------------------------------------


def _text(entry: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise PlatformFileError(f"{where}: {key} must be text")
    return value


def _strings(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PlatformFileError(f"{where}: {key} must be a list of texts")
    return tuple(value)


def platform_from(entry: Mapping[str, Any], where: str = "platform") -> Platform:
    """One entry of a directory file, checked; errors name ``where``."""
    if not isinstance(entry, Mapping):
        raise PlatformFileError(f"{where}: not a table")
    name = _text(entry, "name", where, "")
    where = f"{where} {name!r}" if name else where
    if not NAME.match(name):
        raise PlatformFileError(
            f"{where}: name must be lower-case letters, digits and '-' (e.g. example-portal)"
        )
    try:
        kind = PlatformKind(_text(entry, "kind", where, "host"))
    except ValueError:
        raise PlatformFileError(f"{where}: kind must be host or regulator") from None
    language = _text(entry, "language", where, "en")
    if not _LANG.match(language):
        raise PlatformFileError(f"{where}: language must be a code like ko or en")
    country = _text(entry, "country", where, "KR").upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise PlatformFileError(f"{where}: country must be a two-letter code like KR")
    email = entry.get("email") or None
    web_form = entry.get("web_form") or None
    if email is not None and (not isinstance(email, str) or "@" not in email):
        raise PlatformFileError(f"{where}: email {email!r} is not an address")
    if web_form is not None and (
        not isinstance(web_form, str) or not web_form.startswith(("http://", "https://"))
    ):
        raise PlatformFileError(f"{where}: web_form must be an http(s) URL")
    if email is None and web_form is None:
        raise PlatformFileError(f"{where}: give an email or a web_form to send notices to")
    try:
        domains = tuple(normalise_domain(d) for d in _strings(entry, "domains", where))
    except PlatformError as exc:
        raise PlatformFileError(f"{where}: {exc}") from None
    if kind is PlatformKind.HOST and not domains:
        raise PlatformFileError(f"{where}: a host needs at least one domain")
    deadline = entry.get("deadline_hours")
    if deadline is not None and (not isinstance(deadline, int) or deadline <= 0):
        raise PlatformFileError(f"{where}: deadline_hours must be a positive whole number")
    for flag in ("answers", "placeholder"):
        if not isinstance(entry.get(flag, flag == "answers"), bool):
            raise PlatformFileError(f"{where}: {flag} must be true or false")
    return Platform(
        name=name,
        title=_text(entry, "title", where, name) or name,
        domains=domains,
        language=language,
        kind=kind,
        country=country,
        email=email,
        web_form=web_form,
        legal_basis=_text(entry, "legal_basis", where, ""),
        answers=bool(entry.get("answers", True)),
        deadline_hours=deadline,
        removed_markers=_strings(entry, "removed_markers", where),
        placeholder=bool(entry.get("placeholder", False)),
        notes=_text(entry, "notes", where, ""),
    )


def parse_platforms(text: str, fmt: str = "toml") -> list[Platform]:
    """Read a directory file (``toml`` or ``json``); names and domains must be unique."""
    try:
        data: Any = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise PlatformFileError(f"not a {fmt.upper()} platform file: {exc}") from None
    if not isinstance(data, dict):
        raise PlatformFileError("a platform file is a table with format and platform entries")
    if data.get("format", FORMAT) != FORMAT:
        raise PlatformFileError(f"unknown format {data.get('format')!r}; expected {FORMAT}")
    entries = data.get("platform", [])
    if not isinstance(entries, list):
        raise PlatformFileError("platform must be a list of entries ([[platform]] in TOML)")
    platforms = [platform_from(e, f"platform #{n}") for n, e in enumerate(entries, 1)]
    names = [p.name for p in platforms]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise PlatformFileError(f"platform {dup!r} appears twice")
    try:
        PlatformDirectory(platforms)
    except PlatformError as exc:
        raise PlatformFileError(str(exc)) from None
    return platforms


def guess_platform_format(filename: str) -> str:
    """``json`` for ``*.json``, else ``toml``."""
    return "json" if filename.lower().endswith(".json") else "toml"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are valid TOML
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def dump_platforms(platforms: Sequence[Platform], fmt: str = "toml") -> str:
    """A directory file of ``platforms`` that :func:`parse_platforms` reads back unchanged."""
    if fmt == "json":
        doc = {"format": FORMAT, "platform": [p.as_json() for p in platforms]}
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    lines = [
        "# haechi platform directory: one [[platform]] per platform or regulator.",
        "# Hits are assigned by URL domain (subdomains included). Edit and import with",
        "# `haechi platforms import FILE`.",
        f"format = {_toml_value(FORMAT)}",
    ]
    for platform in platforms:
        lines += ["", "[[platform]]"]
        for key, value in platform.as_json().items():
            if value is None:
                continue
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def starter_text() -> str:
    """The bundled starter directory file (placeholders: edit before use)."""
    return (resources.files("haechi.notices") / "data" / "platforms.toml").read_text("utf-8")


def starter_platforms() -> list[Platform]:
    """The bundled starter directory."""
    return parse_platforms(starter_text(), "toml")
