"""The trust actions in the JSON API over a real server: reports, channels, member
credentials, a sent notice's credential, and the public ``POST /api/v1/verify`` (documents,
codes, a stolen key's back-dated forgery, its rate limit)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.notices.world import DIRECTORY
from tests.trust.cards import qr_link
from tests.web.conftest import Server
from tests.web.serving import loopback, serving

from haechi.evidence.signing import load_key
from haechi.members.model import Role
from haechi.notices.model import Channel, NoticeKind, NoticeStatus
from haechi.notices.platforms import parse_platforms
from haechi.settings import Settings
from haechi.store.notices import NoticeStore, PlatformStore
from haechi.testkit.team import ManualClock
from haechi.trust.channels import ChannelKind
from haechi.trust.config import TrustConfig
from haechi.trust.proof import sign_document
from haechi.trust.reports import submit
from haechi.trust.statuslist import revoked_in
from haechi.web import create_app
from haechi.web.routes.verify import verifications


@dataclass
class HomeServer(Server):
    home: Path = Path()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeServer]:
    """A server at a fixed public address (notices are signed for it), with one sent notice."""
    sock, url = loopback()
    settings = Settings(home=tmp_path_factory.mktemp("api") / "home", workers=1, public_url=url)
    clock = ManualClock()
    app = create_app(settings, clock=clock)
    with app.state.db.session() as session:
        PlatformStore(session).save(parse_platforms(DIRECTORY), clock())
        notices = NoticeStore(session)
        notice = notices.create(
            "local-portal", NoticeKind.TAKEDOWN, Channel.WEB_FORM, "ko", "", "삭제 요청",
            "https://127.0.0.1/p/1", "ab" * 32, [], clock(),
        )  # fmt: skip
        notices.transition(notice.id, NoticeStatus.APPROVED, clock())
        notices.transition(notice.id, NoticeStatus.SENT, clock())
        submit(session, ChannelKind.TELEGRAM, "@haechi_0fficial", "돈을 요구함", clock())
    with serving(app, sock):
        running = HomeServer(url, clock, app.state.db, home=settings.home)
        try:
            yield running
        finally:
            for client in running.clients:
                client.close()


def _csrf(client: Any) -> dict[str, str]:
    return {"X-CSRF-Token": client.csrf}


def test_the_team_works_reports_channels_and_credentials(server: HomeServer) -> None:
    admin = server.sign_in(server.add("api-admin", Role.ADMIN))
    analyst = server.sign_in(server.add("api-analyst", Role.ANALYST))
    [report] = analyst.get("/api/v1/trust/reports").json()["items"]
    closed = analyst.http.post(
        f"/api/v1/trust/reports/{report['id']}/close",
        json={"note": "reported"},
        headers=_csrf(analyst),
    )
    assert closed.status_code == 200 and closed.json()["closed_by"] == "api-analyst"
    assert analyst.get("/api/v1/trust/reports").json()["items"] == []
    assert len(analyst.get("/api/v1/trust/reports?all=true").json()["items"]) == 1
    # Channels: admins change the registry; a typo'd kind or a repeat is a clear 400.
    body = {"kind": "bank", "value": "110-123-456789", "label": "후원 계좌"}
    assert (
        analyst.http.post("/api/v1/trust/channels", json=body, headers=_csrf(analyst)).status_code
        == 403
    )
    added = admin.http.post("/api/v1/trust/channels", json=body, headers=_csrf(admin))
    assert added.status_code == 201, added.text
    again = admin.http.post("/api/v1/trust/channels", json=body, headers=_csrf(admin))
    assert again.status_code == 400 and "listed already" in again.json()["detail"]
    wrong = admin.http.post(
        "/api/v1/trust/channels", json={**body, "kind": "fax"}, headers=_csrf(admin)
    )
    assert wrong.status_code == 400
    assert analyst.get("/api/v1/trust/channels").json()["items"][0]["value"] == "110-123-456789"
    gone = admin.http.delete(f"/api/v1/trust/channels/{added.json()['id']}", headers=_csrf(admin))
    assert gone.status_code == 200 and admin.get("/api/v1/trust/channels").json()["items"] == []
    # Member credentials: issue, list, revoke; the public check follows.
    issued = admin.http.post(
        "/api/v1/trust/credentials",
        json={"member": "api-analyst", "days": 30},
        headers=_csrf(admin),
    )
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]
    assert issued.json()["link"] == f"{server.url}/verify?code={code}"
    listed = admin.get("/api/v1/trust/credentials", params={"member": "api-analyst"}).json()
    assert [c["code"] for c in listed["items"]] == [code]
    assert (
        analyst.get("/api/v1/trust/credentials", params={"member": "api-analyst"}).status_code
        == 403
    )
    public = server.client()
    assert public.post("/api/v1/verify", json={"code": code}).json()["verdict"] == "valid"
    revoked = admin.http.post(
        "/api/v1/trust/credentials/revoke",
        json={"code": code, "reason": "left"},
        headers=_csrf(admin),
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    answer = public.post("/api/v1/verify", json={"code": code}).json()
    assert answer["verdict"] == "revoked" and answer["reasons"] == ["revoked"]
    assert answer["code"] == code
    nobody = admin.http.post(
        "/api/v1/trust/credentials", json={"member": "nobody"}, headers=_csrf(admin)
    )
    assert nobody.status_code == 404


def test_a_notice_credential_checks_and_a_back_dated_forgery_fails(server: HomeServer) -> None:
    analyst = server.sign_in(server.add("api-notices", Role.ANALYST))
    exported = analyst.get("/api/v1/trust/notices/1/credential")
    assert exported.status_code == 200, exported.text
    document = exported.json()["document"]
    assert document["credentialSubject"]["platform"] == "local-portal"
    assert analyst.get("/api/v1/trust/notices/999/credential").status_code == 404
    public = server.client()
    checked = public.post("/api/v1/verify", json={"document": document}).json()
    assert checked["verdict"] == "valid" and checked["unchecked"] == [], checked
    as_text = public.post("/api/v1/verify", json={"document": json.dumps(document)}).json()
    assert as_text["verdict"] == "valid"
    by_code = public.post("/api/v1/verify", json={"code": exported.json()["code"]}).json()
    assert by_code["verdict"] == "valid"
    # Someone who copied the notices key signs a notice of her own, dated last year.
    config = TrustConfig(home=server.home, public_url=server.url, fixed=True)
    method = document["proof"]["verificationMethod"]
    stolen = load_key(config.keys_dir / f"{method.split('#')[1]}.pem")
    forged = sign_document(
        {**document, "credentialSubject": {**document["credentialSubject"], "platform": "x"}},
        stolen,
        method,
        "2025-11-01T09:00:00Z",
    )
    answer = public.post("/api/v1/verify", json={"document": forged}).json()
    assert answer["verdict"] == "invalid" and answer["reasons"] == ["not-published"]
    assert answer["document"] == {}
    assert public.post("/api/v1/verify", json={}).status_code == 400
    assert public.post("/api/v1/verify", json={"code": "AAAAA-AAAAA"}).status_code == 404
    assert public.post("/api/v1/verify", json={"document": "not json"}).status_code == 400


def test_checks_are_rate_limited_per_address(
    server: HomeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verifications, "limit", 2)
    monkeypatch.setattr(verifications, "seen", {})
    public = server.client()
    answers = [public.post("/api/v1/verify", json={"code": "AAAAA-AAAAA"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [404, 404, 429]
    assert public.get("/verify", params={"code": "AAAAA-AAAAA"}).status_code == 429


def test_the_team_pages_take_reports_from_the_public_and_keep_the_registry(
    server: HomeServer,
) -> None:
    """A report sent on /verify lands in the team's queue page and is closed there; a channel
    an admin lists on /trust/channels is "ours" on the public page at once."""
    public = server.client()
    sent = public.post(
        "/verify/report",
        data={"kind": "phone", "value": "010-9999-0000", "description": "후원금을 요구함"},
    )
    assert sent.status_code == 200 and 'id="reported"' in sent.text
    analyst = server.sign_in(server.add("pages-analyst", Role.ANALYST))
    queue_page = analyst.get("/trust/reports")
    assert queue_page.status_code == 200 and "010-9999-0000" in queue_page.text
    assert public.get("/trust/reports").status_code in (303, 401)  # the team's only
    [report] = analyst.get("/api/v1/trust/reports").json()["items"]
    closed = analyst.post(f"/trust/reports/{report['id']}/close", {"note": "통신사에 신고"})
    assert closed.status_code == 303
    assert "통신사에 신고" in analyst.get("/trust/reports").text
    assert analyst.get("/api/v1/trust/reports").json()["items"] == []
    listed = {"kind": "website", "value": "https://donate.haechi.example", "label": "후원"}
    assert analyst.post("/trust/channels", listed).status_code == 403  # admins keep the list
    admin = server.sign_in(server.add("pages-admin", Role.ADMIN))
    assert admin.post("/trust/channels", listed).status_code == 303
    assert "donate.haechi.example" in admin.get("/trust/channels").text
    answer = public.get("/verify", params={"q": "donate.haechi.example"})
    assert 'data-answer="ours"' in answer.text


def test_admins_issue_print_and_revoke_credentials_on_their_page(server: HomeServer) -> None:
    server.add("page-volunteer", Role.ANALYST)
    analyst = server.sign_in(server.add("page-analyst", Role.ANALYST))
    assert analyst.get("/trust/credentials").status_code == 403  # admins only
    admin = server.sign_in(server.add("page-admin", Role.ADMIN))
    assert 'href="/trust/credentials"' in admin.get("/").text
    issued = admin.post("/trust/credentials", {"member": "page-volunteer", "days": "30"})
    assert issued.status_code == 303
    page = admin.get("/trust/credentials").text
    code, *_ = re.findall(r'<tr data-code="([^"]+)">', page)  # newest first
    row = page[page.index(f'data-code="{code}"') :]
    assert "page-volunteer" in row[: row.index("</tr>")]
    card = admin.get(f"/trust/credentials/{code}/card.pdf")
    assert card.status_code == 200 and card.headers["content-type"] == "application/pdf"
    link = qr_link(card.content)
    assert link == f"{server.url}/verify?code={code}"
    public = server.client()
    assert 'data-verdict="valid"' in public.get(link).text
    nobody = admin.post("/trust/credentials", {"member": "nobody", "days": "30"})
    assert nobody.status_code == 400 and "nobody" in nobody.text
    assert admin.post("/trust/credentials", {"member": "x", "days": "0"}).status_code == 400
    assert admin.get("/trust/credentials/AAAAA-AAAAA/card.pdf").status_code == 404
    revoked = admin.post(f"/trust/credentials/{code}/revoke", {"reason": "활동 종료"})
    assert revoked.status_code == 303
    assert 'data-verdict="revoked"' in public.get(link).text
    credential = public.post("/api/v1/verify", json={"code": code}).json()
    assert credential["reasons"] == ["revoked"]
    status = public.get("/.well-known/haechi-status.json").json()
    assert revoked_in(status, credential["document"]["credentialStatus"])
