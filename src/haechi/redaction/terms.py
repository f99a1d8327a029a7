"""What one case's sealed personal data says to look for, compiled once.

From her name (:mod:`haechi.redaction.names`) and each contact: a phone number matches
written any way (``010-1234-5678``, ``01012345678``, ``+82 10 1234 5678``), an e-mail address
matches whole and its local part alone (``jiwoo.kim97`` is often her account name too), an
account (``@jiwoo_k``, ``instagram.com/jiwoo_k``) matches as a handle, and a contact line
labelled ``school:``/``학교:`` or ``work:``/``직장:``/``회사:`` names her school or workplace,
matched with the usual short forms (``한빛여자고등학교`` and ``한빛여고``). Any other contact
matches as written. The personal data's own ``school`` and ``workplace`` fields are read the
same way as those labelled lines (several may be given, split by ``,`` or ``;``).

The values stay inside this object: its ``repr`` shows counts only, so a log line or a
traceback never carries them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from haechi.redaction.names import AFTER_HANGUL, HANGUL, name_pattern
from haechi.redaction.spans import Span
from haechi.redaction.statement import Kind, Source

_LABELS: dict[str, Kind] = {
    "school": Kind.SCHOOL,
    "학교": Kind.SCHOOL,
    "work": Kind.WORKPLACE,
    "workplace": Kind.WORKPLACE,
    "직장": Kind.WORKPLACE,
    "회사": Kind.WORKPLACE,
    "employer": Kind.WORKPLACE,
    "name": Kind.NAME,
    "이름": Kind.NAME,
    "별명": Kind.NAME,
    "nickname": Kind.NAME,
    "alias": Kind.NAME,
}
_LABEL = re.compile(r"^\s*([A-Za-z가-힣]+)\s*[:：]\s*(.+)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDLE = re.compile(r"^@?([A-Za-z0-9_][A-Za-z0-9_.]{1,29})$")
_PROFILE = re.compile(
    r"^(?:https?://)?(?:www\.|m\.)?[a-z0-9.\-]+\.[a-z]{2,}/@?([A-Za-z0-9_.\-]{2,60})/?$", re.I
)
_SCHOOL_FORMS = (
    ("여자고등학교", ("여고",)),
    ("고등학교", ("고", "고교")),
    ("여자중학교", ("여중",)),
    ("중학교", ("중",)),
    ("초등학교", ("초",)),
    ("대학교", ("대",)),
)


@dataclass(frozen=True)
class Term:
    """One compiled pattern of one kind."""

    kind: Kind
    pattern: re.Pattern[str] = field(repr=False)


def _phone_pattern(digits: str) -> str:
    national = digits[1:] if digits.startswith("0") else digits
    sep = r"[\s.\-()]{0,2}"
    body = sep.join(re.escape(d) for d in national)
    return (
        rf"(?<!\d)(?:\+82{sep}(?:\(0\))?{sep}|0{sep}){body}(?!\d)"
        if digits.startswith("0")
        else rf"(?<!\d)\+?{body}(?!\d)"
    )


def _literal(text: str) -> str:
    parts = [re.escape(p) for p in text.split()]
    core = r"\s*".join(parts)
    left = r"(?<![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", text) else ""
    right = r"(?![A-Za-z0-9])" if re.search(r"[A-Za-z0-9]$", text) else ""
    return left + core + right


def _school_pattern(name: str) -> str:
    compact = name.replace(" ", "")
    long_forms = [compact]
    short_forms: list[str] = []
    for suffix, shorts in _SCHOOL_FORMS:
        if compact.endswith(suffix) and len(compact) > len(suffix) + 1:
            stem = compact[: -len(suffix)]
            short_forms += [stem + s for s in shorts]
            break
        for short in shorts:
            if compact.endswith(short) and len(compact) > len(short) + 1 and suffix != "대학교":
                long_forms.append(compact[: -len(short)] + suffix)
    alternatives = [_literal(name)] + [re.escape(f) for f in long_forms]
    short = "|".join(re.escape(f) for f in short_forms)
    if short:
        alternatives.append(rf"(?<![{HANGUL}])(?:{short}){AFTER_HANGUL}")
    return "|".join(dict.fromkeys(alternatives))


def _handle_pattern(handle: str) -> str:
    return rf"(?<![A-Za-z0-9_.])@?{re.escape(handle)}(?![A-Za-z0-9_])"


def contact_terms(contact: str) -> list[Term]:
    """The terms one contact line gives (see the module docstring)."""
    from haechi.crypto.vault import ContactKind, normalise_contact

    value = contact.strip()
    if not value:
        return []
    labelled = _LABEL.match(value)
    if labelled and labelled.group(1).lower() in _LABELS:
        kind, value = _LABELS[labelled.group(1).lower()], labelled.group(2).strip()
        if kind is Kind.NAME:
            return name_terms(value)
        if kind is Kind.SCHOOL:
            return [Term(kind, re.compile(_school_pattern(value), re.I))]
        return [Term(kind, re.compile(_literal(value), re.I))]
    kind_, normal = normalise_contact(value)
    if kind_ is ContactKind.PHONE:
        return [Term(Kind.PHONE, re.compile(_phone_pattern(normal)))]
    if kind_ is ContactKind.EMAIL or _EMAIL.match(value):
        local = normal.partition("@")[0]
        terms = [Term(Kind.EMAIL, re.compile(re.escape(normal), re.I))]
        if len(local) >= 5 and re.fullmatch(r"[a-z0-9_.]+", local):
            terms.append(Term(Kind.HANDLE, re.compile(_handle_pattern(local), re.I)))
        return terms
    for pattern in (_HANDLE, _PROFILE):
        m = pattern.match(value)
        if m and (value.startswith("@") or pattern is _PROFILE or len(m.group(1)) >= 4):
            return [Term(Kind.HANDLE, re.compile(_handle_pattern(m.group(1)), re.I))]
    return [Term(Kind.CONTACT, re.compile(_literal(value), re.I))]


def place_terms(kind: Kind, value: str) -> list[Term]:
    """The terms of a school or workplace field; several may be given, split by ``,``/``;``."""
    out = []
    for part in re.split(r"[,;]+", value):
        part = part.strip()
        if len(part) >= 2:
            found = _school_pattern(part) if kind is Kind.SCHOOL else _literal(part)
            out.append(Term(kind, re.compile(found, re.I)))
    return out


def name_terms(name: str) -> list[Term]:
    """The terms of a name field; several names may be given, split by ``,``, ``/`` or ``()``."""
    out = []
    for part in re.split(r"[,/;()（）]+", name):
        found = name_pattern(part)
        if found:
            out.append(Term(Kind.NAME, re.compile(found, re.I)))
    return out


@dataclass(frozen=True)
class Terms:
    """The compiled terms of one or more cases; ``repr`` shows counts only."""

    terms: tuple[Term, ...] = field(default=(), repr=False)
    cases: int = 0

    @classmethod
    def of(
        cls, name: str = "", contacts: Sequence[str] = (), school: str = "", workplace: str = ""
    ) -> Terms:
        """The terms of one victim's name, contacts, school and workplace."""
        found = name_terms(name) if name else []
        for contact in contacts:
            found += contact_terms(contact)
        found += place_terms(Kind.SCHOOL, school) + place_terms(Kind.WORKPLACE, workplace)
        return cls(tuple(found), 1)

    def __add__(self, other: Terms) -> Terms:
        return Terms(self.terms + other.terms, self.cases + other.cases)

    def __len__(self) -> int:
        return len(self.terms)

    def spans(self, text: str) -> Iterator[Span]:
        """Every place in ``text`` a term matches."""
        for term in self.terms:
            for m in term.pattern.finditer(text):
                if m.end() > m.start():
                    yield Span(m.start(), m.end(), term.kind, Source.CASE)


def combine(parts: Iterable[Terms]) -> Terms:
    """Several cases' terms as one."""
    out = Terms()
    for part in parts:
        out = out + part
    return out
