"""The rules a person relies on: the notice workflow refuses what it must, reviews guard
notices, templates render strictly and fall back to English, overdue is what it says."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from haechi.notices import (
    Decision,
    Desk,
    HitFilter,
    IllegalTransition,
    NoticeConfig,
    NoticeStatus,
    Renderer,
    approve,
    decide,
    decide_all,
    discard,
    draft_notices,
    parse_platforms,
    queue,
)
from haechi.notices.errors import NoticeError, ReviewError
from haechi.notices.model import WAITING, NoticeKind
from haechi.notices.sending import Mark, mark
from haechi.notices.stats import percentile
from haechi.notices.workflow import ALLOWED, FINAL, check_transition
from haechi.store.database import Database
from haechi.store.notices import NoticeStore, PlatformStore
from tests.notices.world import DIRECTORY, make_hits

T0 = datetime(2026, 11, 26, 9, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def desk(db: Database) -> Iterator[Desk]:
    with db.session() as session:
        PlatformStore(session).save(parse_platforms(DIRECTORY), T0)
    yield Desk(db, NoticeConfig(organisation="Test centre"), Clock())


def test_every_status_change_is_in_the_table_or_refused() -> None:
    for current in NoticeStatus:
        for wanted in NoticeStatus:
            if wanted in ALLOWED[current]:
                check_transition(1, current, wanted)
            else:
                with pytest.raises(IllegalTransition, match=f"notice 1 cannot go from {current}"):
                    check_transition(1, current, wanted)
    assert {NoticeStatus.REMOVED, NoticeStatus.REFUSED, NoticeStatus.DISCARDED} == FINAL
    assert NoticeStatus.SENT not in ALLOWED[NoticeStatus.DRAFTED]  # never without approval
    assert NoticeStatus.DISCARDED not in ALLOWED[NoticeStatus.SENT]  # what went out stays out


def test_drafts_only_confirmed_hits_and_names_unassigned_ones(desk: Desk) -> None:
    a, b, c = make_hits(
        desk.db,
        ["http://127.0.0.1/img/a.jpg", "http://localhost/b.jpg", "http://elsewhere.test/c.jpg"],
    )
    assert draft_notices(desk).notices == []
    decide(desk, [a.id, c.id], Decision.CONFIRMED, "reviewer-1")
    drafted = draft_notices(desk)
    assert [n.platform for n in drafted.notices] == ["local-portal"]
    assert [h.id for h in drafted.unassigned] == [c.id]
    [notice] = drafted.notices
    assert notice.items[0].capture_id is None  # no capture: cited by SHA-256 alone
    assert "증거 보존" not in notice.text and a.sha256 in notice.text
    assert [h.id for h in queue(desk)] == [b.id]

    with pytest.raises(ReviewError, match="cited by a notice"):
        decide(desk, [a.id], Decision.REJECTED, "reviewer-1")
    discard(desk, notice.id, "wrong platform")
    decide(desk, [a.id], Decision.REJECTED, "reviewer-1", "second look: not her")
    assert draft_notices(desk).notices == []
    with pytest.raises(IllegalTransition, match="final"):
        approve(desk, [notice.id])


def test_review_needs_a_reviewer_known_hits_and_filters_for_bulk(desk: Desk) -> None:
    [a] = make_hits(desk.db, ["http://127.0.0.1/a.jpg"])
    with pytest.raises(ReviewError, match="who reviewed"):
        decide(desk, [a.id], Decision.CONFIRMED, " ")
    with pytest.raises(ReviewError, match="no hit with id 999"):
        decide(desk, [a.id, 999], Decision.CONFIRMED, "reviewer-1")
    with pytest.raises(ReviewError, match="at least one filter"):
        decide_all(desk, HitFilter(), Decision.CONFIRMED, "reviewer-1")
    assert decide_all(desk, HitFilter(bank="nobody"), Decision.CONFIRMED, "reviewer-1") == []
    [review] = decide_all(desk, HitFilter(bank="victims"), Decision.CONFIRMED, "reviewer-1")
    assert review.decided_at == T0 and review.reviewer == "reviewer-1"
    assert queue(desk, decision=Decision.CONFIRMED)[0].id == a.id


def test_overdue_means_sent_past_deadline_with_something_still_up(desk: Desk) -> None:
    [a] = make_hits(desk.db, ["http://127.0.0.1/a.jpg"])
    decide(desk, [a.id], Decision.CONFIRMED, "reviewer-1")
    [notice] = draft_notices(desk).notices
    approve(desk, [notice.id])
    sent, _ = mark(desk, notice.id, Mark.SUBMITTED)
    assert sent.deadline == T0 + timedelta(hours=24)
    assert not sent.overdue(T0 + timedelta(hours=24))
    assert sent.overdue(T0 + timedelta(hours=24, seconds=1))
    assert sent.status in WAITING
    with desk.db.session() as session:
        NoticeStore(session).mark_removed(a.id, T0 + timedelta(hours=2), "test")
        assert not NoticeStore(session).get(notice.id).overdue(T0 + timedelta(days=3))


def test_templates_fall_back_to_english_and_take_the_organisations_own(tmp_path: Path) -> None:
    context = {
        "organisation": "Org",
        "platform": parse_platforms(DIRECTORY)[1],
        "notice_id": 7,
        "kind": "takedown",
        "items": [],
        "now": T0,
        "checked_at": T0,
        "deadline_hours": 24,
        "previous": None,
        "repeat": 0,
        "history": [],
    }
    bundled = Renderer()
    assert {"ko", "en"} <= set(bundled.languages("takedown"))
    assert {"ko", "en"} <= set(bundled.languages("block-request"))
    assert bundled.render("takedown", "fr", context).language == "en"  # no French
    own = tmp_path / "templates"
    own.mkdir()
    (own / "takedown.ja.txt.j2").write_text(
        "Subject: 削除依頼 #{{ notice_id }}\n{{ organisation }}\n", encoding="utf-8"
    )
    rendered = Renderer(own).render("takedown", "ja", context)
    assert (rendered.language, rendered.subject) == ("ja", "削除依頼 #7")
    (own / "takedown.xx.txt.j2").write_text("Subject: {{ nonsense }}\n", encoding="utf-8")
    with pytest.raises(NoticeError, match="nonsense"):
        Renderer(own).render("takedown", "xx", context)
    (own / "takedown.yy.txt.j2").write_text("no subject\n", encoding="utf-8")
    with pytest.raises(NoticeError, match="Subject"):
        Renderer(own).render("takedown", "yy", context)


def test_notices_are_bilingual_where_it_helps(tmp_path: Path) -> None:
    context = {
        "organisation": "해치 지원센터",
        "platform": parse_platforms(DIRECTORY)[1],
        "notice_id": 7,
        "kind": "takedown",
        "items": [],
        "now": T0,
        "checked_at": T0,
        "deadline_hours": 24,
        "previous": None,
        "repeat": 0,
        "history": [],
    }
    english = {**context, "organisation": "Haechi Centre"}
    renderer = Renderer()
    both = renderer.render_notice("takedown", "ko", context, english)
    assert both.language == "ko, en" and both.subject.startswith("[삭제 요청]")
    korean, _, after = both.text.partition("---------- English ----------")
    assert korean.startswith("Subject: [삭제 요청]") and "해치 지원센터" in korean
    assert after.lstrip().startswith("To the abuse team") and "Haechi Centre" in after
    assert both.text.count("Subject:") == 1 and both.text.endswith("\n")
    assert both.sha256 == hashlib.sha256(both.text.encode()).hexdigest()
    for language in ("en", "fr"):  # English reads itself; a language without templates too
        alone = renderer.render_notice("takedown", language, context, english)
        assert alone.language == "en" and "English ----" not in alone.text
        assert "Haechi Centre" in alone.text and "해치" not in alone.text
    own = tmp_path / "templates"
    own.mkdir()
    (own / "takedown.ja.txt.j2").write_text(
        "Subject: 削除依頼 #{{ notice_id }}\n{{ organisation }}\n", encoding="utf-8"
    )
    ja = Renderer(own).render_notice("takedown", "ja", context, english)
    assert ja.language == "ja, en" and ja.subject == "削除依頼 #7"


def test_each_status_and_kind_has_one_wording_per_language() -> None:
    for status in NoticeStatus:
        assert status.label("ko") and status.label("en") and status.label("ko") != status.label()
    assert NoticeStatus.NO_ANSWER.label() == "no answer"
    assert NoticeStatus.NO_ANSWER.label("ko") == "무응답"
    assert NoticeStatus.SENT.label("fr") == "sent"  # English for any other language
    for kind in NoticeKind:
        assert kind.label("ko") and kind.label("en")
    env = Renderer().env
    line = env.from_string('{{ s|status("ko") }} / {{ s|status }} / {{ k|kind("ko") }}')
    assert line.render(s="no-answer", k=NoticeKind.REPEAT) == "무응답 / no answer / 삭제 재요청"


def test_percentile_interpolates_like_numpy() -> None:
    import numpy as np

    values = [2.0, 4.0, 10.0, 11.5, 30.0]
    for q in (0, 10, 50, 90, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    assert percentile([5.0], 90) == 5.0
