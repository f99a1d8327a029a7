"""Redacting text: names with particles, numbers and accounts by pattern, what must stay."""

from __future__ import annotations

import pytest

from haechi.redaction import Kind, Source, Terms, redact_text
from haechi.redaction.patterns import rrn_checksum_ok
from haechi.testkit.redaction_set import make_rrn

JIWOO = Terms.of(
    "김지우 (Jiwoo Kim)",
    [
        "010-5550-1234",
        "jiwoo.kim97@example.com",
        "@jw_k",
        "학교: 한빛여자고등학교",
        "직장: 해치물산",
    ],
)


@pytest.mark.parametrize(
    "text",
    [
        "지우가 올림",
        "지우의 사진",
        "지우는 학생",
        "지우를 찾음",
        "지우야 봐",
        "지우씨 맞죠",
        "지우씨가",
        "지우한테서",
        "지우였대",
        "김지우",
        "김 지우 양",
        "지우 2학년",
        "(지우)",
    ],
)
def test_korean_names_are_found_with_their_particles(text: str) -> None:
    done = redact_text(text, JIWOO, patterns=False)
    assert "지우" not in done.text
    assert done.statement.counts[(Kind.NAME, Source.CASE)] == 1


@pytest.mark.parametrize(
    "text", ["지우개 샀음", "지우고 다시", "지우기 버튼", "낙지우동", "지우다"]
)
def test_words_holding_her_name_stay(text: str) -> None:
    done = redact_text(text, JIWOO, patterns=False)
    assert done.text == text
    assert done.statement.total == 0


def test_only_the_name_is_replaced_and_the_particle_stays() -> None:
    assert redact_text("지우가 올린 영상", JIWOO).text == "[비공개]가 올린 영상"
    assert redact_text("Jiwoo Kim's album", JIWOO).text == "[REDACTED]'s album"


def test_a_case_phone_matches_written_any_way() -> None:
    for written in (
        "010-5550-1234",
        "01055501234",
        "+82 10 5550 1234",
        "010.5550.1234",
        "+82-10-5550-1234",
        "010 5550 1234",
    ):
        done = redact_text(f"call {written} now", JIWOO, patterns=False)
        assert done.text == "call [REDACTED] now", written


def test_schools_match_in_long_and_short_form_and_workplaces_as_written() -> None:
    done = redact_text(
        "한빛여고 다니고 한빛여자고등학교 졸업, 해치물산 근무", JIWOO, patterns=False
    )
    assert done.text == "[비공개] 다니고 [비공개] 졸업, [비공개] 근무"
    assert done.statement.by_kind() == {"school": 2, "workplace": 1}


def test_an_email_local_part_is_taken_as_her_account_too() -> None:
    done = redact_text("계정 jiwoo.kim97 / mail jiwoo.kim97@example.com", JIWOO, patterns=False)
    assert "jiwoo.kim97" not in done.text


def test_patterns_find_anyones_numbers_and_accounts() -> None:
    text = (
        "연락 010-9999-0000, (02) 123-4567, +44 20 7946 0958, mail a.b@example.org, "
        "@someone, instagram.com/some.one, 인스타: other_one"
    )
    done = redact_text(text)
    assert done.statement.by_kind() == {"email": 1, "handle": 3, "phone": 3}
    assert "instagram.com/[비공개]" in done.text  # the site stays, the account goes


@pytest.mark.parametrize(
    "text",
    [
        "2024-11-20 13:45",
        "₩35,000 1,250,000원",
        "주문번호 20241120998877",
        "v2.10.3",
        "계좌 110-123-456789",
        "사업자 123-45-67890",
        "@media screen",
        "meet @ 3pm",
        "ISBN 978-89-1234-567-8",
        "203.0.113.7",
        "9913451234567",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c1ac9c7d4f3a2a1b0",
    ],
)
def test_numbers_pages_are_full_of_stay(text: str) -> None:
    assert redact_text(text).text == text


def test_resident_numbers_need_a_real_date_and_bare_ones_a_checksum_or_a_word() -> None:
    import random

    rng = random.Random(1)
    valid, new_style = make_rrn(rng, True), make_rrn(rng, False)
    assert rrn_checksum_ok(valid) and not rrn_checksum_ok(new_style)
    hyphened = f"{new_style[:6]}-{new_style[6:]}"  # issued since 2020: no checksum to check
    assert redact_text(f"번호 {hyphened}").statement.by_kind() == {"rrn": 1}
    assert redact_text(f"번호 {valid}").statement.by_kind() == {"rrn": 1}
    assert redact_text(f"x {new_style}").statement.total == 0  # bare, no checksum, no word
    assert redact_text(f"주민번호 {new_style}").statement.by_kind() == {"rrn": 1}
    assert redact_text("991345-1234567").statement.total == 0  # no 45th of month 13
    assert redact_text("950101-2******").statement.by_kind() == {"rrn": 1}


def test_kept_strings_go_out_whole_and_are_counted() -> None:
    url = "https://board.example/jiwoo_kim/1"
    done = redact_text(f"URL: {url} 지우가", JIWOO, keep=[url])
    assert url in done.text and "[비공개]가" in done.text
    assert done.statement.kept == 1


def test_the_statement_names_kinds_and_counts_never_values() -> None:
    done = redact_text("지우가 010-5550-1234 로 연락, jiwoo.kim97@example.com", JIWOO)
    doc = done.statement.as_json()
    text = done.statement.as_text() + str(doc)
    assert doc["total"] == 3 and doc["by_kind"] == {"email": 1, "name": 1, "phone": 1}
    for value in ("지우", "5550", "jiwoo", "example.com"):
        assert value not in text
    assert "1234" not in repr(JIWOO) and "지우" not in repr(JIWOO)
