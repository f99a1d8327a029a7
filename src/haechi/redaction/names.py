"""Patterns for one person's name, Korean or Latin, as people write it in captions.

Koreans call each other by the given name with a particle or an ending attached and no space
(``지우가``, ``지우의``, ``지우야``, ``지우씨``), so a Korean name matches when it stands alone or
is followed only by particles and endings from :data:`PARTICLES`; and it never matches when a
Hangul syllable comes before it, or when another syllable follows that is not a particle:
``지우개`` (an eraser), ``지우고`` and ``지우기`` (forms of *to erase*) and ``낙지우동`` stay.
``지우는`` is both *Jiwoo (topic)* and *erasing*; it is redacted, as the safer error. Only the
name is replaced: the particle stays, so the sentence still reads.

A full name ``김지우`` also yields its given name ``지우`` (two syllables or more; one-syllable
given names alone would hit too many words), and ``김 지우``. Compound surnames (``남궁``,
``황보``, ...) are split as such. A Latin name matches as a whole word in either order, and its
given name alone; a surname alone (Kim, Lee) is never enough. Names written in a URL are found
percent-encoded too.
"""

from __future__ import annotations

import re
from urllib.parse import quote

HANGUL = "\uac00-\ud7a3"


def words(text: str) -> frozenset[str]:
    """The space-separated words of ``text`` (long word lists read better as prose)."""
    return frozenset(text.split())


COMPOUND_SURNAMES = words("남궁 황보 제갈 선우 독고 사공 서문 동방 어금 망절 소봉")
LATIN_SURNAMES = words(
    "kim lee yi rhee park pak bak choi choe jung jeong chung kang cho jo yoon yun jang chang "
    "lim im han oh seo suh shin sin kwon hwang ahn an song yoo yu ryu hong jeon chun go ko "
    "moon mun son yang bae baek paik heo huh nam noh roh ha kwak jin"
)
PARTICLES = tuple(
    sorted(
        words(
            "이 가 의 은 는 을 를 야 아 씨 님 양 군 와 과 랑 이랑 하고 "
            "에게 에게서 한테 한테서 께 께서 도 만 까지 부터 조차 마저 보다 "
            "처럼 같이 네 여 이여 에 로 으로 라고 이라고 라는 이라는 란 이란 "
            "요 이요 이다 이야 이에요 예요 이었 였 이었다 였다 였어 이었어 였대 "
            "이었대 이래 래 라서 이라서 이지 지 죠 이죠 인데 인가 인가요 이니 "
            "니 냐 이냐 두 쌤 선배 후배 언니 누나 오빠 형 동생 학생 님이 씨가 "
            "씨는 씨의 씨를 이한테 이에게 이도 이만 이네 이는 이를 이의 이가 "
            "이와 이랑은 한테는 에게는 들 이들 ㅋ ㅋㅋ ㅎㅎ"
        ),
        key=len,
        reverse=True,
    )
)
_TAIL = "(?:" + "|".join(PARTICLES) + ")"
AFTER_HANGUL = rf"(?={_TAIL}{{0,3}}(?![{HANGUL}]))"


def is_hangul(text: str) -> bool:
    """Whether ``text`` is Hangul syllables (spaces between them allowed) and nothing else."""
    return bool(text.strip()) and all("\uac00" <= ch <= "\ud7a3" or ch == " " for ch in text)


def hangul_forms(name: str) -> list[str]:
    """The written forms of a Korean name: full, full with a space, given name alone."""
    compact = name.replace(" ", "")
    forms = [compact]
    if len(compact) >= 3:
        surname_len = 2 if compact[:2] in COMPOUND_SURNAMES and len(compact) >= 4 else 1
        surname, given = compact[:surname_len], compact[surname_len:]
        forms.append(f"{surname} {given}")
        if len(given) >= 2:
            forms.append(given)
    elif " " in name.strip():
        forms.append(name.strip())
    return list(dict.fromkeys(forms))


def hangul_pattern(forms: list[str]) -> str:
    """A Korean name's forms as one regex: no syllable before, only particles after."""
    alternatives = "|".join(
        re.escape(f).replace(r"\ ", r"\s?") for f in sorted(forms, key=len, reverse=True)
    )
    return rf"(?<![{HANGUL}])(?:{alternatives}){AFTER_HANGUL}"


def latin_pattern(name: str) -> str | None:
    """A Latin name as one regex: whole words, either order, the given name alone."""
    tokens = [t for t in re.split(r"[\s,]+", name.strip()) if t]
    if not tokens or not all(re.fullmatch(r"[A-Za-z][A-Za-z'\-.]*", t) for t in tokens):
        return None

    def token(t: str) -> str:
        return r"[\s\-]?".join(re.escape(p) for p in re.split(r"[\-]", t) if p)

    sep = r"[\s\-_.]*"
    forms = [sep.join(token(t) for t in tokens)]
    if len(tokens) > 1:
        forms.append(sep.join(token(t) for t in reversed(tokens)))
        forms.append(sep.join(token(t) for t in [tokens[-1], *tokens[:-1]]))
    forms += [
        token(t) for t in tokens if len(t.replace("-", "")) >= 4 and t.lower() not in LATIN_SURNAMES
    ]
    if len(tokens) == 1 and tokens[0].lower() in LATIN_SURNAMES:
        return None
    alternatives = "|".join(dict.fromkeys(forms))
    return rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])"


def percent_forms(forms: list[str]) -> list[str]:
    """The forms as a URL writes them (UTF-8 percent-encoded, either case)."""
    out = []
    for form in forms:
        encoded = quote(form.replace(" ", ""))
        out += [encoded, encoded.lower()]
    return out


def name_pattern(name: str) -> str | None:
    """One regex for every form of ``name`` (Korean or Latin), or ``None`` for nothing usable."""
    name = name.strip()
    if not name:
        return None
    if is_hangul(name):
        forms = hangul_forms(name)
        encoded = "|".join(re.escape(f) for f in percent_forms(forms))
        return f"{hangul_pattern(forms)}|{encoded}"
    return latin_pattern(name)
