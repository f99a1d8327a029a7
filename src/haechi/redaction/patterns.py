"""Personal data found by its shape, whoever it belongs to.

Phone numbers (Korean mobile and landline, ``+`` international, North American), Korean
resident registration numbers, e-mail addresses and social-media accounts. Each pattern is
written to miss the numbers pages are full of (dates, prices, order and tracking numbers,
SHA-256 digests): a resident registration number must carry a real birth date and a valid
sex/century digit, and when written as 13 bare digits also its checksum or a word such as
``주민`` before it (numbers issued since October 2020 have no checksum, and bare 13-digit
runs are common); landline numbers need separators; a handle needs a letter and cannot be
part of an e-mail address or a CSS at-rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from haechi.redaction.names import words
from haechi.redaction.spans import Span
from haechi.redaction.statement import Kind, Source

_SEP = r"[ \t.\-\u2010-\u2015]"

_MOBILE = re.compile(
    rf"(?<![\d+])(?:\+82{_SEP}?(?:\(0\))?|0)1[016789](?:{_SEP}?\d{{3,4}}{_SEP}?\d{{4}}|\)\d{{3,4}}-\d{{4}})(?!\d)"
)
_LANDLINE = re.compile(
    rf"(?<![\d+])(?:\+82{_SEP}?|\(?0)(?:2|[3-6][1-5]|70|50[2-8]|80)\)?{_SEP}\d{{3,4}}{_SEP}\d{{4}}(?!\d)"
    rf"|(?<![\d+])\(0(?:2|[3-6][1-5]|70)\)\s?\d{{3,4}}{_SEP}\d{{4}}(?!\d)"
)
_INTERNATIONAL = re.compile(
    rf"(?<![\w+])\+[1-9]\d{{0,2}}(?:{_SEP}?\(\d{{1,4}}\))?(?:{_SEP}?\d{{1,5}}){{2,5}}(?!\d)"
)
_NANP = re.compile(r"(?<![\d\-.])\(?[2-9]\d{2}\)?[ .\-][2-9]\d{2}[ .\-]\d{4}(?![\d\-])")

_RRN = re.compile(
    r"(?<![\d\-])(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
    r"(\s?[-\u2010-\u2015]\s?)?([0-9])(\d{6}|\*{6})(?![\d*])"
)
_RRN_MASKED = re.compile(r"(?<![\d\-])\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s?-\s?\*{7}")
_RRN_WORDS = re.compile(r"(주민|등록번호|주민번호|RRN|resident)", re.IGNORECASE)
_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)

_EMAIL = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![\w\-])"
)
_AT_RULES = words(
    "media import font-face keyframes charset supports page namespace layer container "
    "property document viewport"
)
_HANDLE = re.compile(
    r"(?<![\w.%+\-@/])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@])"
)
SOCIAL_SITES = (
    r"instagram\.com|instagr\.am|twitter\.com|x\.com|facebook\.com|fb\.com|m\.facebook\.com"
    r"|tiktok\.com|youtube\.com|threads\.net|threads\.com|t\.me|telegram\.me|twitch\.tv"
    r"|linkedin\.com/in|blog\.naver\.com|band\.us/@?|snapchat\.com/add|ask\.fm|pinterest\.com"
    r"|onlyfans\.com|github\.com|story\.kakao\.com|open\.kakao\.com/o"
)
_SOCIAL_URL = re.compile(
    rf"(?<![\w.\-])(?:https?://)?(?:www\.|m\.|mobile\.)?(?:{SOCIAL_SITES})/@?"
    r"([A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,60}[A-Za-z0-9_])?)",
    re.IGNORECASE,
)
_NOT_ACCOUNTS = words(
    "p reel reels explore watch share intent home hashtag search tags tag login signup "
    "about help privacy legal stories s status i web"
)
_LABELLED_HANDLE = re.compile(
    r"(?:인스타(?:그램)?|인스타\s?아이디|트위터|틱톡|카톡|카카오톡|텔레(?:그램)?|스냅챗|라인|페북|"
    r"\b(?:IG|insta(?:gram)?|twitter|tiktok|kakao(?:talk)?|telegram|snapchat|snap)\b)"
    r"\s*(?:아이디|계정|ID|id|handle)?\s*[:：=]?\s*@?([A-Za-z][A-Za-z0-9_.]{2,29})(?![\w@])",
    re.IGNORECASE,
)


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def phones(text: str) -> Iterator[Span]:
    """Phone numbers: Korean mobile and landline, ``+`` international, North American."""
    for pattern in (_MOBILE, _LANDLINE):
        for m in pattern.finditer(text):
            yield Span(m.start(), m.end(), Kind.PHONE, Source.PATTERN)
    for m in _INTERNATIONAL.finditer(text):
        if 8 <= _digits(m.group()) <= 15:
            yield Span(m.start(), m.end(), Kind.PHONE, Source.PATTERN)
    for m in _NANP.finditer(text):
        yield Span(m.start(), m.end(), Kind.PHONE, Source.PATTERN)


def _birth_date(yy: str, mm: str, dd: str, code: str) -> date | None:
    century = {
        "1": 1900,
        "2": 1900,
        "5": 1900,
        "6": 1900,
        "3": 2000,
        "4": 2000,
        "7": 2000,
        "8": 2000,
        "9": 1800,
        "0": 1800,
    }[code]
    try:
        return date(century + int(yy), int(mm), int(dd))
    except ValueError:
        return None


def rrn_checksum_ok(digits: str) -> bool:
    """The check digit of a resident registration number issued before October 2020."""
    total = sum(int(d) * w for d, w in zip(digits[:12], _RRN_WEIGHTS, strict=True))
    return (11 - total % 11) % 10 == int(digits[12])


def resident_numbers(text: str) -> Iterator[Span]:
    """Resident registration numbers (``YYMMDD-GNNNNNN``, with or without the hyphen, or
    masked after the sex digit); see the module docstring for the checks."""
    for m in _RRN.finditer(text):
        yy, mm, dd, sep, code, rest = m.groups()
        if _birth_date(yy, mm, dd, code) is None:
            continue
        if not sep and code in "09":
            continue  # 1800s births, bare: far likelier another number
        if not sep:
            digits = yy + mm + dd + code + rest
            near = text[max(0, m.start() - 20) : m.start()]
            if "*" in rest or not (rrn_checksum_ok(digits) or _RRN_WORDS.search(near)):
                continue
        yield Span(m.start(), m.end(), Kind.RRN, Source.PATTERN)
    for m in _RRN_MASKED.finditer(text):
        yield Span(m.start(), m.end(), Kind.RRN, Source.PATTERN)


def emails(text: str) -> Iterator[Span]:
    """E-mail addresses."""
    for m in _EMAIL.finditer(text):
        yield Span(m.start(), m.end(), Kind.EMAIL, Source.PATTERN)


def handles(text: str) -> Iterator[Span]:
    """Social-media accounts: ``@name``, a profile URL's name, ``인스타: name``.

    For a profile URL only the account's name is redacted, so the reader still sees which
    site it was on.
    """
    for m in _HANDLE.finditer(text):
        name = m.group(1)
        if name.lower() in _AT_RULES or not any(ch.isalpha() for ch in name):
            continue
        yield Span(m.start(), m.end(), Kind.HANDLE, Source.PATTERN)
    for m in _SOCIAL_URL.finditer(text):
        if m.group(1).lower() not in _NOT_ACCOUNTS:
            yield Span(m.start(1), m.end(1), Kind.HANDLE, Source.PATTERN)
    for m in _LABELLED_HANDLE.finditer(text):
        yield Span(m.start(1), m.end(1), Kind.HANDLE, Source.PATTERN)


def pattern_spans(text: str) -> Iterator[Span]:
    """Every span any pattern finds in ``text``."""
    yield from resident_numbers(text)
    yield from emails(text)
    yield from phones(text)
    yield from handles(text)
