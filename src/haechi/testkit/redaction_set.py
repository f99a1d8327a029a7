"""A scripted set of captions and page snippets with planted personal data and distractors.

Used by the redaction tests (recall must be 1.0) and ``bench/redaction.py`` (precision and
recall). Every sample is made by code from a few invented victims and templates written like
the captions and board pages support centres see: Korean names with particles attached,
romanised names, phone numbers written every way, resident registration numbers with and
without the hyphen, e-mail addresses, accounts, schools and workplaces; and distractors that
must survive: words holding her given name (``지우개``, ``소라게``, ``하늘색``), dates, prices,
order, account and tracking numbers, digests, ``@media``, other people's names. No real
person's data is in it: names are common ones, numbers are in no real series (``555``,
``010-0xxx``-style blocks and checksum-made registration numbers).

A sample's text is made of segments; a planted segment is personal data of the case's victim,
a distractor segment must come out unchanged. Measuring is by counts on the output, so it
works the same for plain text and HTML (where the parser may re-escape markup).
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, field

from haechi.redaction.patterns import rrn_checksum_ok


@dataclass(frozen=True)
class Persona:
    """An invented victim, as her case records her and as captions write her."""

    full: str
    given: str
    latin: str
    latin_given: str
    phone: str
    email: str
    handle: str
    school: str
    school_short: str
    work: str
    near_words: tuple[str, ...]  # words that hold her given name and are not her
    consonant: bool  # her given name ends in a consonant (이/아/은/을 particles)

    @property
    def contacts(self) -> tuple[str, ...]:
        return (
            self.phone,
            self.email,
            f"@{self.handle}",
            f"학교: {self.school}",
            f"직장: {self.work}",
        )

    @property
    def name_field(self) -> str:
        return f"{self.full} ({self.latin})"


PERSONAS = (
    Persona(
        "김지우",
        "지우",
        "Jiwoo Kim",
        "Jiwoo",
        "010-5550-1234",
        "jiwoo.kim97@example.com",
        "jiwoo_k97",
        "한빛여자고등학교",
        "한빛여고",
        "해치물산",
        ("지우개", "지우고", "지우기"),
        False,
    ),
    Persona(
        "이하나",
        "하나",
        "Hana Lee",
        "Hana",
        "010-5551-2345",
        "hana.lee@example.org",
        "hana_lee.22",
        "새솔중학교",
        "새솔중",
        "달빛카페 연남점",
        ("하나씩", "하나같이", "하나도 없다"),
        False,
    ),
    Persona(
        "박서연",
        "서연",
        "Seoyeon Park",
        "Seoyeon",
        "010-5552-3456",
        "sy.park@example.net",
        "seoyeon.p",
        "푸른대학교",
        "푸른대",
        "미래소프트",
        ("서연구소",),
        True,
    ),
    Persona(
        "최민준",
        "민준",
        "Minjun Choi",
        "Minjun",
        "010-5553-4567",
        "mj.choi@example.com",
        "minjun_c",
        "가람고등학교",
        "가람고",
        "한결물류",
        ("민준비",),
        True,
    ),
    Persona(
        "강소라",
        "소라",
        "Sora Kang",
        "Sora",
        "010-5554-5678",
        "sora.kang@example.com",
        "sora.kang_",
        "바다초등학교",
        "바다초",
        "소라네 분식",
        ("소라게", "소라빵"),
        False,
    ),
    Persona(
        "윤하늘",
        "하늘",
        "Haneul Yoon",
        "Haneul",
        "010-5555-6789",
        "haneul.y@example.org",
        "sky_haneul",
        "별빛여자중학교",
        "별빛여중",
        "하늘정밀",
        ("하늘색", "하늘빛", "하늘이 맑은 날"),
        True,
    ),
    Persona(
        "남궁민서",
        "민서",
        "Minseo Namgung",
        "Minseo",
        "010-5556-7890",
        "minseo.ng@example.com",
        "minseo.ng",
        "한울고등학교",
        "한울고",
        "누리은행 본점",
        ("민서재",),
        False,
    ),
)

# Templates: {given}{p} (given name + a particle), {full}, {latin}, {latin_given}, {phone*},
# {email}, {handle}, {url_handle}, {school}, {school_short}, {work}, {rrn}, {rrn_bare},
# {near} (a distractor word), {x:...} (a literal distractor).
KO_CAPTIONS = (
    "{given}{p} 올린 영상 유출됨 ㅋㅋ 연락처 {phone}",
    "{school_short} {x:2학년} {given}{p} 실물 ㄷㄷ 인스타 @{handle}",
    "{full} {x:2024.11.20} 사진 모음. 원본은 {x:주문번호 20241120998877} 참고",
    "{given}{p} 폰번호 {phone_plain} 카톡 안 받음",
    "{given}{p} {work}에서 일한다던데 {near} 들고 있는 거",
    "전화 {phone_intl} 로 {given}{p} 찾아가라 ({x:1,250,000원})",
    "{given}{p} 주민번호 {rrn} 유출",
    "주민 {rrn_bare} 이게 {given}{p} 거라고?",
    "메일 {email} 이거 {full} 맞음? {x:#13}",
    "instagram.com/{handle} 이 계정 {given}{p} 본계임",
    "{near} 가지고 놀다가 찍힌 {given}{p} {x:영상 3편}",
    "{school} 다니는 {given}{p} 찾음 {x:₩35,000}",
    "{given}{p} 얘기: {near}랑 상관없음, {x:010은 국번이 아님}",
    "{full} 양 {x:2023-08-15} 촬영, 계좌 {x:110-123-456789}",
    "{given}{p} 근처 {school_short} 정문 {x:택배 6078-1234-5678}",
    "{x:박서준} 닮은 {x:김민지} 말고 {given}{p} 얘기임 {x:사업자 123-45-67890}",
    "{near} {x:지워주세요} {given}{p} {x:9913451234567}",
)
EN_CAPTIONS = (
    "{latin} leaked pics, hit her up at {phone_intl}",
    "{latin_given}'s private album from {x:2024-11-20}, email {email}",
    "is this {latin_given}? @{handle} on insta, price {x:$35}",
    "Full set of {latin} ({x:ISBN 978-89-1234-567-8}) call {phone_us}",
    "{latin_given} works at {work} lol. order {x:#20241120998877}",
    "found {latin_given} on instagram.com/{handle} — {x:v2.10.3} mirror",
    "sha {x:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c1ac9c7d4f3a2a1b0} {latin} clip",
    "{latin} from {school}, {x:CSS @media} no relation",
    "DM @{handle} or text {phone}. meet {x:@ 3pm}",
    "{x:Kimchi} recipe? no, {latin_given} video, {x:tracking 1Z999AA10123456784}",
    "not {x:Hanami} or {x:Soraya} or {x:Parkinson}: {latin} at {x:203.0.113.7}",
)
HTML_PAGES = (
    "<html><head><title>{given}{p} 영상 - 게시판</title>"
    '<meta name="description" content="{full} {phone}"></head>'
    '<body><h1>{given}{p} 유출</h1><img src="/a.jpg" alt="{given}{p} 사진">'
    "<p>{near} <b>{x:조회 1,024}</b> 작성 {x:2024.11.20}</p></body></html>",
    '<div class="post"><a href="https://instagram.com/{handle}" title="{latin}">프로필</a>'
    "<figcaption>{school_short} {given}{p} — {x:댓글 12}</figcaption></div>",
    "<!DOCTYPE html><html><head><title>{latin} leak</title>"
    "<style>{x:@media} (max-width: 600px) {{ p {{ color: red }} }}</style></head>"
    '<body><p data-user="{handle}">mail {email} &amp; {x:more &gt; 10 pics}</p></body></html>',
    '<ul><li title="{full}">{given}{p} {work}</li><li>{x:price 35,000원}</li></ul>'
    '<script type="application/ld+json">{{"author": "{latin}"}}</script>',
)
KO_PARTICLES = ("", "가", "의", "는", "를", "야", "씨", "씨가", "한테", "랑", "도")
KO_PARTICLES_CONSONANT = ("", "이가", "의", "은", "을", "아", "씨", "이는", "이랑", "이도")
_SLOT = re.compile(r"\{(\w+)(?::([^}]*))?\}")


@dataclass
class Sample:
    """One document: its text, what was planted in it and what must survive."""

    text: str
    kind: str  # "text" or "html"
    language: str
    persona: Persona
    planted: list[tuple[str, str]] = field(default_factory=list)  # (value, kind)
    distractors: list[str] = field(default_factory=list)


def make_rrn(rng: random.Random, checksum: bool) -> str:
    """A resident registration number: a real date, and a valid check digit if ``checksum``."""
    while True:
        yy, mm, dd = rng.randint(80, 99), rng.randint(1, 12), rng.randint(1, 28)
        digits = f"{yy:02d}{mm:02d}{dd:02d}{rng.choice('12')}{rng.randint(0, 99999):05d}"
        for last in range(10):
            ok = rrn_checksum_ok(digits + str(last))
            if ok == checksum:
                return digits + str(last)


def _phone_variants(p: Persona) -> dict[str, str]:
    digits = p.phone.replace("-", "")
    return {
        "phone": p.phone,
        "phone_plain": digits,
        "phone_intl": f"+82 10-{digits[3:7]}-{digits[7:]}",
        "phone_us": "(415) 555-0" + digits[-3:],
    }


def _fill(template: str, p: Persona, rng: random.Random, html_mode: bool) -> Sample:
    values = {
        **_phone_variants(p),
        "full": p.full,
        "latin": p.latin,
        "latin_given": p.latin_given,
        "email": p.email,
        "handle": p.handle,
        "url_handle": p.handle,
        "school": p.school,
        "school_short": p.school_short,
        "work": p.work,
    }
    kinds = {
        "full": "name",
        "latin": "name",
        "latin_given": "name",
        "given": "name",
        "email": "email",
        "handle": "handle",
        "url_handle": "handle",
        "school": "school",
        "school_short": "school",
        "work": "workplace",
        "rrn": "rrn",
        "rrn_bare": "rrn",
    }
    sample = Sample("", "html" if html_mode else "text", "ko", p)
    out, last = [], 0
    for m in _SLOT.finditer(template):
        out.append(template[last : m.start()])
        last = m.end()
        slot, literal = m.group(1), m.group(2)
        if slot == "x":
            assert literal is not None
            out.append(literal)
            sample.distractors.append(html.unescape(literal))
            continue
        if slot == "near":
            word = rng.choice(p.near_words)
            out.append(word)
            sample.distractors.append(word)
            continue
        if slot == "p":
            particles = KO_PARTICLES_CONSONANT if p.consonant else KO_PARTICLES
            out.append(rng.choice(particles))
            continue
        if slot in ("rrn", "rrn_bare"):
            number = make_rrn(rng, checksum=slot == "rrn_bare" or rng.random() < 0.5)
            value = f"{number[:6]}-{number[6:]}" if slot == "rrn" else number
        elif slot == "given":
            value = p.given
        else:
            value = values[slot]
        out.append(value)
        sample.planted.append((value, kinds.get(slot, "phone")))
    out.append(template[last:])
    sample.text = "".join(out)
    if any("\uac00" <= ch <= "\ud7a3" for ch in template) is False:
        sample.language = "en"
    return sample


def scripted_set(seed: int = 22, rounds: int = 4) -> list[Sample]:
    """The whole set: every template with every persona ``rounds`` times over (seeded)."""
    rng = random.Random(seed)
    samples = []
    for _ in range(rounds):
        for template in KO_CAPTIONS + EN_CAPTIONS:
            samples.append(_fill(template, rng.choice(PERSONAS), rng, False))
        for template in HTML_PAGES:
            samples.append(_fill(template, rng.choice(PERSONAS), rng, True))
    return samples


@dataclass(frozen=True)
class Measurement:
    """Counts over a set: planted items found or leaked, finds that were not planted."""

    planted: int
    leaked: int
    redactions: int  # spans the redactor replaced
    distractors: int
    broken: int  # distractors changed by the redaction

    @property
    def found(self) -> int:
        return self.planted - self.leaked

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def false_redactions(self) -> int:
        return max(0, self.redactions - self.found)

    @property
    def precision(self) -> float:
        return self.found / self.redactions if self.redactions else 1.0

    def __add__(self, other: Measurement) -> Measurement:
        return Measurement(
            self.planted + other.planted,
            self.leaked + other.leaked,
            self.redactions + other.redactions,
            self.distractors + other.distractors,
            self.broken + other.broken,
        )


def measure(sample: Sample, output: str, redactions: int) -> Measurement:
    """How the redaction of one sample went (see the module docstring).

    A planted value is leaked when it is still in the output more often than the surviving
    distractors holding it explain (``지우`` inside a surviving ``지우개`` is no leak).
    """
    out = html.unescape(output)
    leaked = 0
    for value in dict.fromkeys(v for v, _ in sample.planted):
        inside = sum(out.count(d) * d.count(value) for d in dict.fromkeys(sample.distractors))
        leaked += min(
            sum(1 for v, _ in sample.planted if v == value), max(0, out.count(value) - inside)
        )
    broken = sum(
        1 for d in sample.distractors if out.count(d) < html.unescape(sample.text).count(d)
    )
    return Measurement(len(sample.planted), leaked, redactions, len(sample.distractors), broken)
