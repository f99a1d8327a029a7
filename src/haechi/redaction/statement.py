"""What was redacted and why: kinds and counts, never the values.

Every redacted document that leaves the team goes out with a statement, so the recipient
knows that something was taken out and of which kind (a name, a phone number, ...), and a
support worker can check that nothing the case holds went out. The statement is built from
the spans found, counted by kind, by source (the case's sealed personal data, or a pattern)
and by part of the document (text, page title, an attribute); the values themselves are
never kept in it, nor logged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

STATEMENT_FORMAT = "haechi-redaction/v1"
MARKER_KO = "[비공개]"
MARKER_EN = "[REDACTED]"


class Kind(StrEnum):
    """Kinds of personal data (stable short names, used in statements and the CLI)."""

    NAME = "name"
    PHONE = "phone"
    RRN = "rrn"  # Korean resident registration number
    EMAIL = "email"
    HANDLE = "handle"  # a social-media account
    SCHOOL = "school"
    WORKPLACE = "workplace"
    CONTACT = "contact"  # any other contact the case records


class Source(StrEnum):
    """Where the knowledge of an item came from."""

    CASE = "case"  # the case's sealed personal data
    PATTERN = "pattern"  # a pattern that holds for anyone's data of this kind


WHY: dict[Kind, tuple[str, str]] = {
    Kind.NAME: ("the victim's name or given name", "피해자의 이름"),
    Kind.PHONE: ("a phone number", "전화번호"),
    Kind.RRN: ("a Korean resident registration number", "주민등록번호"),
    Kind.EMAIL: ("an e-mail address", "이메일 주소"),
    Kind.HANDLE: ("a social-media account", "SNS 계정"),
    Kind.SCHOOL: ("the victim's school", "피해자의 학교"),
    Kind.WORKPLACE: ("the victim's workplace", "피해자의 직장"),
    Kind.CONTACT: ("a contact of the victim's", "피해자의 연락처"),
}
SOURCE_WHY: dict[Source, tuple[str, str]] = {
    Source.CASE: (
        "recorded in the case's sealed personal data",
        "사건의 암호화된 개인정보에 기록됨",
    ),
    Source.PATTERN: ("matched by its pattern", "형식으로 찾음"),
}
KEPT_WHY = (
    "inside an address the recipient must act on (a reported URL or its own address)",
    "수신자가 조치해야 할 주소(신고한 URL 등) 안에 있어 남김",
)


def marker_for(text: str) -> str:
    """``[비공개]`` for a text with Korean in it, ``[REDACTED]`` otherwise."""
    return MARKER_KO if any("\uac00" <= ch <= "\ud7a3" for ch in text) else MARKER_EN


@dataclass(frozen=True)
class Statement:
    """Counts of what was redacted, by kind, source and part of the document."""

    counts: Counter[tuple[Kind, Source]] = field(default_factory=Counter)
    parts: Counter[str] = field(default_factory=Counter)
    kept: int = 0
    markers: frozenset[str] = frozenset()

    @property
    def total(self) -> int:
        """How many items were replaced by a marker."""
        return sum(self.counts.values())

    def by_kind(self) -> dict[str, int]:
        """Items redacted per kind (both sources together)."""
        found: Counter[str] = Counter()
        for (kind, _), n in self.counts.items():
            found[kind.value] += n
        return dict(sorted(found.items()))

    def __add__(self, other: Statement) -> Statement:
        return Statement(
            self.counts + other.counts,
            self.parts + other.parts,
            self.kept + other.kept,
            self.markers | other.markers,
        )

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form (``redaction.json``)."""
        return {
            "format": STATEMENT_FORMAT,
            "total": self.total,
            "markers": sorted(self.markers),
            "redacted": [
                {
                    "kind": kind.value,
                    "source": source.value,
                    "count": n,
                    "why": f"{WHY[kind][0]}, {SOURCE_WHY[source][0]}",
                    "why_ko": f"{WHY[kind][1]}, {SOURCE_WHY[source][1]}",
                }
                for (kind, source), n in sorted(self.counts.items())
            ],
            "by_kind": self.by_kind(),
            "parts": dict(sorted(self.parts.items())),
            "kept": self.kept,
            "kept_why": KEPT_WHY[0] if self.kept else None,
        }

    def as_text(self) -> str:
        """The statement for people (``redaction.txt``), in Korean and English."""
        lines = [
            "개인정보 비공개 처리 내역 / Statement of redaction",
            "",
            "피해자를 보호하기 위해 아래 개인정보를 가렸습니다. 값은 기록하지 않습니다.",
            "To protect the victim, the personal data below was redacted; the values are not "
            "recorded anywhere in this statement.",
            "",
        ]
        if not self.counts:
            lines.append("가린 항목 없음 / nothing was redacted")
        for (kind, source), n in sorted(self.counts.items()):
            lines.append(
                f"- {WHY[kind][1]} {n}건 ({SOURCE_WHY[source][1]}) / "
                f"{n} x {WHY[kind][0]} ({SOURCE_WHY[source][0]})"
            )
        if self.parts:
            where = ", ".join(f"{part}: {n}" for part, n in sorted(self.parts.items()))
            lines += ["", f"위치 / where: {where}"]
        if self.kept:
            lines += ["", f"남긴 항목 / kept: {self.kept} ({KEPT_WHY[1]} / {KEPT_WHY[0]})"]
        if self.markers:
            lines += ["", f"표시 / marker: {', '.join(sorted(self.markers))}"]
        return "\n".join(lines) + "\n"
