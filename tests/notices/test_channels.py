"""Delivery: SMTP with STARTTLS and a login, implicit TLS, servers that refuse or are not there,
placeholder platforms, and web-form platforms that a person submits to."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from haechi.notices import (
    Channel,
    Decision,
    NoticeStatus,
    SmtpConfig,
    SmtpSecurity,
    approve,
    decide,
    draft_notices,
    send,
)
from haechi.notices.errors import IllegalTransition
from haechi.notices.platforms import parse_platforms
from haechi.notices.sending import Mark, mark
from haechi.store.notices import NoticeStore, PlatformStore
from tests.notices.world import DIRECTORY, World, free_port, smtp_server, tls_contexts


def _confirm_all(world: World) -> None:
    decide(world.desk, [h.id for h in world.hits.values()], Decision.CONFIRMED, "reviewer-1")


def _draft_portal(world: World) -> int:
    _confirm_all(world)
    drafted = {n.platform: n for n in draft_notices(world.desk).notices}
    approve(world.desk, [drafted["local-portal"].id])
    return drafted["local-portal"].id


def _with_smtp(world: World, smtp: SmtpConfig) -> None:
    world.desk = replace(world.desk, config=replace(world.desk.config, smtp=smtp))


def _login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"centre", b"s3cret")
    return AuthResult(success=ok, handled=False)


def test_starttls_and_login(world: World, tmp_path: Path) -> None:
    context, cert = tls_contexts(tmp_path)
    notice_id = _draft_portal(world)
    with smtp_server(
        tls_context=context,
        require_starttls=True,
        authenticator=_login,
        auth_require_tls=True,
        auth_required=True,
    ) as (mailbox, port):
        smtp = SmtpConfig(
            "127.0.0.1",
            port,
            SmtpSecurity.STARTTLS,
            "centre",
            "wrong",
            timeout=5,
            ca_file=cert,
        )
        _with_smtp(world, smtp)
        refused = send(world.desk)
        assert [n for n, _ in refused.failed] == [notice_id]
        assert "535" in refused.failed[0][1] or "auth" in refused.failed[0][1].lower()
        with world.db.session() as session:
            assert NoticeStore(session).get(notice_id).status is NoticeStatus.APPROVED

        _with_smtp(world, replace(smtp, password="s3cret"))
        result = send(world.desk)
        assert [n.id for n in result.sent] == [notice_id]
        [message] = mailbox.messages()
        assert message["X-Haechi-Notice"] == str(notice_id)


def test_implicit_tls(world: World, tmp_path: Path) -> None:
    context, cert = tls_contexts(tmp_path)
    notice_id = _draft_portal(world)
    with smtp_server(ssl_context=context) as (mailbox, port):
        _with_smtp(world, SmtpConfig("127.0.0.1", port, SmtpSecurity.SSL, timeout=5, ca_file=cert))
        assert [n.id for n in send(world.desk).sent] == [notice_id]
        assert len(mailbox.received) == 1


def test_untrusted_certificate_is_refused(world: World, tmp_path: Path) -> None:
    context, _ = tls_contexts(tmp_path)
    _draft_portal(world)
    with smtp_server(tls_context=context) as (mailbox, port):
        _with_smtp(world, SmtpConfig("127.0.0.1", port, SmtpSecurity.STARTTLS, timeout=5))
        result = send(world.desk)
        assert result.sent == [] and "certificate" in result.failed[0][1].lower()
        assert mailbox.received == []


def test_no_server_leaves_the_notice_approved(world: World) -> None:
    notice_id = _draft_portal(world)
    _with_smtp(world, SmtpConfig("127.0.0.1", free_port(), SmtpSecurity.NONE, timeout=2))
    result = send(world.desk)
    assert result.sent == [] and result.failed[0][0] == notice_id
    assert "mail server 127.0.0.1" in result.failed[0][1]
    with world.db.session() as session:
        assert NoticeStore(session).get(notice_id).status is NoticeStatus.APPROVED


def test_placeholder_platforms_get_nothing(world: World) -> None:
    text = DIRECTORY.replace(
        'deadline_hours = 24\nremoved_markers = ["삭제된',
        'deadline_hours = 24\nplaceholder = true\nremoved_markers = ["삭제된',
    )
    with world.db.session() as session:
        PlatformStore(session).save(parse_platforms(text), world.clock())
    notice_id = _draft_portal(world)
    result = send(world.desk)
    assert result.failed[0][0] == notice_id and "placeholder" in result.failed[0][1]
    assert world.mailbox.received == []


def test_web_form_platform_is_pasted_then_marked_submitted(world: World) -> None:
    text = DIRECTORY.replace(
        'email = "abuse@local-portal.example"', 'web_form = "http://127.0.0.1/report-form"'
    )
    with world.db.session() as session:
        PlatformStore(session).save(parse_platforms(text), world.clock())
    notice_id = _draft_portal(world)
    result = send(world.desk)
    [manual] = result.manual
    assert manual.id == notice_id and manual.channel is Channel.WEB_FORM
    assert manual.recipient == "http://127.0.0.1/report-form"
    assert world.mailbox.received == [] and result.sent == []
    assert world.hits["a"].sha256 in manual.body

    with pytest.raises(IllegalTransition):
        mark(world.desk, notice_id, Mark.ACKNOWLEDGED)
    submitted, problems = mark(world.desk, notice_id, Mark.SUBMITTED, "pasted by reviewer-1")
    assert problems == []
    assert submitted.status is NoticeStatus.SENT and submitted.sent_at == world.clock()
    assert submitted.deadline is not None
    assert (submitted.deadline - world.clock()).total_seconds() == 24 * 3600
    acknowledged, _ = mark(world.desk, notice_id, Mark.ACKNOWLEDGED, "ticket 1234")
    assert acknowledged.acknowledged_at == world.clock()
    removed, _ = mark(world.desk, notice_id, Mark.REMOVED)
    assert removed.status is NoticeStatus.REMOVED and removed.open_items == ()
    assert [e.status for e in removed.events] == [
        NoticeStatus.DRAFTED,
        NoticeStatus.APPROVED,
        NoticeStatus.SENT,
        NoticeStatus.ACKNOWLEDGED,
        NoticeStatus.REMOVED,
    ]
    with pytest.raises(IllegalTransition, match="final"):
        mark(world.desk, notice_id, Mark.REFUSED)
