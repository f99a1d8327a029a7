"""The public verify page in Chromium: a valid card from its QR link, a tampered notice, a
revoked card, the channel search and an impersonation report; and the /.well-known files."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import segno
from PIL import Image
from playwright.sync_api import Browser
from tests.trust.bundles import make_bundle, with_wacz_auth_changed
from tests.trust.cards import qr_link
from tests.web.browser import needs_chromium
from tests.web.serving import loopback, serving

from haechi.members.model import Actor, Role
from haechi.settings import Settings
from haechi.testkit.team import ManualClock, add_member
from haechi.trust import members
from haechi.trust.card import card_pdf
from haechi.trust.channels import ChannelKind, add_channel
from haechi.trust.config import TrustConfig
from haechi.trust.did import published_keys
from haechi.trust.documents import publish, sign
from haechi.trust.keys import Purpose
from haechi.trust.reports import queue
from haechi.trust.statuslist import revoked_in
from haechi.trust.verify import verify_document
from haechi.web import create_app

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One server for the module, with a notice, a valid and a revoked card, one channel."""
    sock, url = loopback()
    home = tmp_path_factory.mktemp("verify") / "home"
    settings = Settings(home=home, workers=1, public_url=url, notice_organisation="해치")
    clock = ManualClock()
    app = create_app(settings, clock=clock)
    db = app.state.db
    config = TrustConfig.from_settings(settings)
    now = clock()
    add_member(db, "volunteer-kim", Role.ANALYST, now=now)
    add_member(db, "volunteer-lee", Role.ANALYST, now=now)
    with db.session() as session:
        card = members.issue(session, config, Actor.console(), "volunteer-kim", now)
        gone = members.issue(session, config, Actor.console(), "volunteer-lee", now)
        members.revoke(session, config, Actor.console(), gone.code, "left the group", now)
        notice = sign(
            session,
            config,
            Purpose.NOTICES,
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential", "HaechiNoticeCredential"],
                "issuer": {"id": config.did, "name": "해치"},
                "validFrom": "2026-11-01T09:00:00Z",
                "credentialSubject": {"platform": "local-portal", "url": "https://p.example/1"},
            },
            now,
        )
        publish(session, "notice", "notice:1", notice, now)
        add_channel(session, Actor.console(), ChannelKind.TELEGRAM, "@haechi_official", "", now)
    with serving(app, sock):
        yield {
            "url": url,
            "card": card,
            "gone": gone,
            "notice": notice,
            "db": db,
            "clock": clock,
            "config": config,
            "settings": settings,
        }


def test_well_known_documents_verify_offline(site: dict[str, Any]) -> None:
    did = httpx.get(f"{site['url']}/.well-known/did.json").json()
    keys = published_keys(did)
    now = site["clock"]() + timedelta(minutes=1)
    assert verify_document(site["notice"], now, keys=keys).valid
    for name in ("haechi-status.json", "haechi-channels.json"):
        listed = httpx.get(f"{site['url']}/.well-known/{name}").json()
        assert verify_document(listed, now, keys=keys).valid, name
    channels = httpx.get(f"{site['url']}/.well-known/haechi-channels.json").json()
    assert channels["credentialSubject"]["channels"][0]["value"] == "@haechi_official"
    # The status list round-trips over HTTP: the revoked card's bit is set, the valid one's not.
    listed = httpx.get(f"{site['url']}/.well-known/haechi-status.json").json()
    assert revoked_in(listed, site["gone"].document["credentialStatus"])
    assert not revoked_in(listed, site["card"].document["credentialStatus"])


def test_the_page_speaks_korean_and_english(site: dict[str, Any]) -> None:
    url = f"{site['url']}/verify?code={site['card'].code}"
    korean = httpx.get(url, headers={"Accept-Language": "ko-KR,ko;q=0.9"}).text
    english = httpx.get(url, headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert "정말 이 단체의 것인가요?" in korean and "Is it really theirs?" not in korean
    assert "Is it really theirs?" in english and "Valid: signed by this organisation" in english


def test_verify_page_in_chromium(site: dict[str, Any], browser: Browser) -> None:
    page = browser.new_page(locale="ko-KR")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: (
            errors.append(r.url) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None
        ),
    )
    # The printed card's QR code, decoded as a phone would, opens the verify page on its code.
    link = qr_link(card_pdf(site["config"], site["card"]))
    assert link == f"{site['url']}/verify?code={site['card'].code}"
    page.goto(link)
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    assert "volunteer-kim" in page.inner_text("#verdict")
    assert "유효함" in page.inner_text("#verdict h2")
    # A revoked card.
    page.goto(f"{site['url']}/verify?code={site['gone'].code}")
    assert page.get_attribute("#verdict", "data-verdict") == "revoked"
    # A tampered notice pasted in: invalid, the reason named, nothing of what it claims shown.
    forged = json.loads(json.dumps(site["notice"]))
    forged["credentialSubject"]["url"] = "https://elsewhere.example/"
    page.goto(f"{site['url']}/verify")
    page.fill("textarea[name=document]", json.dumps(forged))
    page.click("#check-document")
    assert page.get_attribute("#verdict", "data-verdict") == "invalid"
    assert page.locator("[data-reason=signature-mismatch]").count() == 1
    assert "elsewhere.example" not in page.inner_text("#verdict")
    # The untouched notice, pasted the same way, is valid.
    page.fill("textarea[name=document]", json.dumps(site["notice"]))
    page.click("#check-document")
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    # "Is this account theirs?" and a report of the impersonator.
    page.goto(f"{site['url']}/verify?q=t.me/haechi_official#channels")
    assert page.get_attribute("#channel-answer", "data-answer") == "ours"
    page.goto(f"{site['url']}/verify?q=@haechi_0fficial#channels")
    assert page.get_attribute("#channel-answer", "data-answer") == "not-ours"
    page.select_option("select[name=kind]", "telegram")
    page.fill("#report textarea[name=description]", "돈을 보내라고 했습니다")
    page.click("#report button[type=submit]")
    assert page.is_visible("#reported")
    with site["db"].session() as session:
        [report] = queue(session)
    assert report.value == "@haechi_0fficial" and report.kind == "telegram"
    assert not errors, errors
    page.close()


def test_reports_from_other_sites_are_refused(site: dict[str, Any]) -> None:
    answer = httpx.post(
        f"{site['url']}/verify/report",
        data={"kind": "phone", "value": "010-0000-0000"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403


def test_the_page_names_a_document_signed_but_never_published(site: dict[str, Any]) -> None:
    """A stolen key's work: signed with the notices key, never sent, so never published."""
    config = site["config"]
    forged = {k: v for k, v in site["notice"].items() if k != "proof"}
    forged["credentialSubject"] = {"platform": "local-portal", "url": "https://critic.example/"}
    with site["db"].session() as session:
        unpublished = sign(session, config, Purpose.NOTICES, forged, site["clock"]())
    answer = httpx.post(f"{site['url']}/verify", data={"document": json.dumps(unpublished)})
    assert answer.status_code == 200
    assert 'data-verdict="invalid"' in answer.text and 'data-reason="not-published"' in answer.text
    api = httpx.post(f"{site['url']}/api/v1/verify", json={"document": unpublished}).json()
    assert api["reasons"] == ["not-published"]


def test_uploads_are_checked_and_oversized_ones_refused_unread(site: dict[str, Any]) -> None:
    """A file upload is checked like a pasted document; a body declared larger than 64 MB is
    refused before a byte of it is read (the page is public)."""
    notice = json.dumps(site["notice"]).encode()
    answer = httpx.post(f"{site['url']}/verify", files={"upload": ("notice.json", notice)})
    assert answer.status_code == 200 and 'data-verdict="valid"' in answer.text
    host, port = site["url"].removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(
            b"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b"
            b"\r\nContent-Length: 999999999\r\n\r\n"
        )
        status = raw.recv(4096).split(b"\r\n", 1)[0]
    assert status == b"HTTP/1.1 413 Request Entity Too Large", status


def test_a_bundle_uploaded_is_checked_with_both_signatures(
    site: dict[str, Any], tmp_path: Path
) -> None:
    bundle = make_bundle(site["settings"], tmp_path / "evidence.wacz")
    changed = with_wacz_auth_changed(bundle, tmp_path / "changed.wacz")
    good = httpx.post(f"{site['url']}/verify", files={"upload": ("e.wacz", bundle.read_bytes())})
    assert good.status_code == 200 and 'data-verdict="valid"' in good.text
    assert "<td>wacz:auth</td><td>verified</td>" in good.text
    assert "<td>checkpoint:signature</td><td>verified</td>" in good.text
    bad = httpx.post(f"{site['url']}/verify", files={"upload": ("e.wacz", changed.read_bytes())})
    assert 'data-verdict="invalid"' in bad.text and "<td>wacz:auth</td><td>failed</td>" in bad.text


def _photo(link: str, kind: str = "JPEG") -> bytes:
    """A phone-like picture of a QR code: grey background, the code off-centre, JPEG."""
    png = io.BytesIO()
    segno.make(link, error="m").save(png, kind="png", scale=6, border=4)
    code = Image.open(io.BytesIO(png.getvalue()))
    photo = Image.new("RGB", (1200, 900), (182, 180, 175))
    photo.paste(code.convert("RGB"), (430, 240))
    buffer = io.BytesIO()
    photo.save(buffer, kind, quality=85)
    return buffer.getvalue()


def test_a_photo_of_a_qr_code_is_read_and_only_our_own_links_followed(
    site: dict[str, Any],
) -> None:
    url = f"{site['url']}/verify"
    card = site["card"]
    ours = httpx.post(url, files={"upload": ("card.jpg", _photo(f"{url}?code={card.code}"))})
    assert ours.status_code == 200 and 'data-verdict="valid"' in ours.text
    assert card.code in ours.text and "volunteer-kim" in ours.text
    gone = _photo(f"{url}?code={site['gone'].code}", "PNG")
    assert 'data-verdict="revoked"' in httpx.post(url, files={"upload": ("c.png", gone)}).text
    fake = "https://haechi-verify.example/verify?code=" + card.code
    lure = httpx.post(url, files={"upload": ("card.jpg", _photo(fake))})
    assert lure.status_code == 400 and 'data-verdict="foreign-link"' in lure.text
    assert fake in lure.text and "volunteer-kim" not in lure.text
    blank = io.BytesIO()
    Image.new("RGB", (400, 300), (255, 255, 255)).save(blank, "PNG")
    nothing = httpx.post(url, files={"upload": ("blank.png", blank.getvalue())})
    assert nothing.status_code == 400 and "no QR code" in nothing.text
