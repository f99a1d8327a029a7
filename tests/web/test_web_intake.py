"""The victim's intake in Debian's Chromium: the page's hasher equals Meta's C++ tool on the
project's copy of Meta's PDQ reference set, bit for bit; a whole registration on a phone-sized
screen by keyboard sends no image byte; she comes back with her phrase and withdraws. And the
support centre's one-time link, and a reviewer's approval, through the same server."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Request, Route
from tests.web.browser import launch, needs_chromium
from tests.web.conftest import Server

from haechi.cases.personal import Consent, read_personal
from haechi.hashing import video_clips as vc
from haechi.hashing.decode import DecodeLimits, decode_image
from haechi.hashing.pdq import pdq_of_pixels
from haechi.hashing.signals import PdqHash
from haechi.hashing.video import hash_video
from haechi.intake.review import pending
from haechi.members.model import Actor, Role
from haechi.store.banks import BankStore
from haechi.store.cases import CaseStore
from haechi.testkit import registered_photos

LAN = "--host-resolver-rules=MAP centre.test 127.0.0.1"  # a centre's server on its LAN
REFERENCE = Path(__file__).parents[1] / "data" / "pdq"
SHOTS = os.environ.get("HAECHI_INTAKE_SCREENSHOTS")  # e.g. docs/screenshots
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF", b"GIF8", b"\x00\x00\x00")

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch(LAN) as chromium:
        yield chromium


@pytest.fixture(autouse=True)
def light_proof_of_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAECHI_INTAKE_POW_BITS", "8")


def serve_files(page: Page, files: dict[str, bytes]) -> None:
    """Answer ``/testdata/<name>`` in the page from memory (the server never sees them)."""

    def answer(route: Route) -> None:
        name = route.request.url.split("/testdata/", 1)[1]
        route.fulfill(status=200, body=files[name], content_type="application/octet-stream")

    page.route("**/testdata/**", answer)


HASH_ALL = """async (names) => {
  const m = await import('/static/intake/hash.js');
  const out = {};
  for (const name of names) {
    const blob = await (await fetch('/testdata/' + name)).blob();
    out[name] = await m.hashImage(blob);
  }
  return out;
}"""


DIGEST_LENGTHS = """async (lengths) => {
  const m = await import('/static/intake/hash.js');
  const out = [];
  for (const n of lengths) {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = (i * 7 + n) & 255;
    out.push([m.md5(bytes), m.sha256Js(bytes), m.sha256Js(bytes.subarray(1))]);
  }
  return out;
}"""
# Every padding case up to three blocks, and a long run of whole blocks with a tail.
LENGTHS = [*range(200), 1_000_003]


def digests(n: int) -> list[str]:
    data = bytes((i * 7 + n) & 255 for i in range(n))
    return [
        hashlib.md5(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
        hashlib.sha256(data[1:]).hexdigest(),
    ]


def python_hash(data: bytes) -> PdqHash:
    return pdq_of_pixels(decode_image(data, DecodeLimits(exact=True)).pixels)


def test_page_hashes_equal_metas_reference_exactly(server: Server, browser: Browser) -> None:
    text = (REFERENCE / "expected-cpp-cli.csv").read_text(encoding="utf-8")
    expected = list(csv.DictReader(text.splitlines()))
    # Every image of the project's copy of Meta's set: the C++ tool's 22 JPEGs, and those it
    # cannot read or did not hash (PIL's modes, the RGBA PNGs, the LabelMe photos, the phone
    # photos with EXIF orientations 1, 3, 6 and 8, hashed as stored, as haechi does), for
    # which haechi's own hashes are the reference.
    images = REFERENCE / "images"
    reference = sorted(p.relative_to(images).as_posix() for p in images.rglob("*.*"))
    files = {name: (images / name).read_bytes() for name in reference}
    # And a photo of our own with an EXIF orientation of 6.
    turned = io.BytesIO()
    photo = next(iter(registered_photos().values())).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    photo.save(turned, "JPEG", quality=90, exif=exif.tobytes())
    files["turned.jpg"] = turned.getvalue()
    # Bilevel files Pillow reads as mode "1" (haechi blurs them to grey levels first), and a
    # two-colour palette PNG (1-bit too, but mode "P": not blurred).
    halftone = Image.open(io.BytesIO(files["misc-images/modes/1.png"]))
    for name, image, kw in [
        ("bilevel.bmp", halftone, {}),
        ("bilevel-odd.png", halftone.crop((5, 7, 306, 250)), {}),
        ("palette-1bit.png", halftone.convert("L").convert("P", colors=2), {"bits": 1}),
    ]:
        out = io.BytesIO()
        image.save(out, name.rsplit(".", 1)[1].upper(), **kw)
        files[name] = out.getvalue()

    page = browser.new_page()
    serve_files(page, files)
    page.goto(f"{server.url}/intake")
    got = page.evaluate(HASH_ALL, list(files))
    by_hand = page.evaluate(DIGEST_LENGTHS, LENGTHS)
    page.close()
    # MD5 by hand in JavaScript (WebCrypto has none), and SHA-256 by hand for pages without
    # WebCrypto (plain HTTP), also from a view that does not start its buffer.
    assert by_hand == [digests(n) for n in LENGTHS]

    for row in expected:
        h = got[row["path"]]
        assert (h["pdq"], h["quality"]) == (row["pdq_hex"], int(row["quality"])), row["path"]
    assert len(expected) == 22  # every image Meta's tool hashed, each bit for bit
    assert len(reference) == 44 and {r["path"] for r in expected} <= set(reference)
    for name, data in files.items():
        assert got[name]["md5"] == hashlib.md5(data).hexdigest(), name
        assert got[name]["sha256"] == hashlib.sha256(data).hexdigest(), name
    cpp = {r["path"] for r in expected}
    beyond = [n for n in files if n not in cpp]
    differ = {}
    for name in beyond:
        mine = python_hash(files[name])
        theirs = PdqHash.from_hex(got[name]["pdq"], got[name]["quality"])
        if theirs.distance(mine) or theirs.quality != mine.quality:
            differ[name] = (theirs.distance(mine), theirs.quality, mine.quality)
    # Bit for bit haechi's own hashes too, bilevel halftones included (blurred as Pillow does).
    assert differ == {}


HASH_VIDEO = """async (name) => {
  const m = await import('/static/intake/hash.js');
  const blob = new Blob([await (await fetch('/testdata/' + name)).arrayBuffer()],
                        {type: 'video/mp4'});
  return await m.hashVideo(blob);
}"""


def test_video_frames_close_to_haechis(server: Server, browser: Browser, tmp_path: Path) -> None:
    """One frame a second through the browser's decoder, against haechi's own frame hashes, on
    two clips made from real photos: a small one, and one in HD (sampled down to 512x512)."""
    photos = list(registered_photos().values())
    clips = {
        "small.mp4": vc.encode(
            vc.render(vc.shots_of(photos[:3], 3.0, seed=2), (320, 240), 24),
            tmp_path / "small.mp4", 24, gop=48, faststart=True,
        ),
        "hd.mp4": vc.encode(
            vc.render(vc.shots_of(photos[3:6], 2.0, seed=3), (1280, 720), 30),
            tmp_path / "hd.mp4", 30, gop=60, faststart=True,
        ),
    }  # fmt: skip
    page = browser.new_page()
    serve_files(page, {name: clip.read_bytes() for name, clip in clips.items()})
    page.goto(f"{server.url}/intake/select?consent=yes")  # its policy lets blob: media play
    got = {name: page.evaluate(HASH_VIDEO, name) for name in clips}
    page.close()
    for name, clip in clips.items():
        seconds = {"small.mp4": 9, "hd.mp4": 6}[name]
        video = got[name]
        assert video["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
        assert video["md5"] == hashlib.md5(clip.read_bytes()).hexdigest()
        theirs = {round(f.timestamp): f.pdq for f in hash_video(clip).frames}
        assert video["frames"] is not None and len(video["frames"]) == seconds
        distances = [
            PdqHash.from_hex(f["pdq"], f["quality"]).distance(theirs[f["second"]])
            for f in video["frames"]
            if f["second"] in theirs
        ]
        assert len(distances) >= seconds - 1
        mean = statistics.mean(distances)
        print(f"\n{name}: browser vs haechi frame PDQ: {distances} (mean {mean:.1f})")
        assert max(distances) <= 31  # within haechi's matching radius, every second


def test_plain_http_in_a_lan_works_and_says_https_is_expected(
    server: Server, browser: Browser
) -> None:
    """No WebCrypto off HTTPS (but on this computer itself): SHA-256 and the proof-of-work
    come from hash.js's own code, and the page says plainly that HTTPS is expected."""
    lan = server.url.replace("127.0.0.1", "centre.test")
    photo = REFERENCE / "images" / "reg-test-input" / "dih" / "bridge-1-original.jpg"
    page = browser.new_page()
    page.goto(f"{server.url}/intake")
    assert page.locator("#intake-insecure").count() == 0  # loopback is a secure context
    page.goto(f"{lan}/intake")
    assert "HTTPS" in (page.text_content("#intake-insecure") or "")
    page.goto(f"{lan}/intake/select?consent=yes")
    assert page.evaluate("() => [isSecureContext, Boolean(globalThis.crypto?.subtle)]") == [
        False,
        False,
    ]
    assert page.locator("#intake-insecure").is_visible()
    page.set_input_files("#intake-files", [str(photo)])
    page.wait_for_selector("#intake-send:not([disabled])")
    page.click("#intake-send")
    page.wait_for_selector("#case-number")
    page.close()
    with server.db.session() as session:
        [entry] = BankStore(session).entries("intake-pending")
    values = {s.kind.value: s.value for s in entry.signals}
    assert values["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert values["pdq"] == python_hash(photo.read_bytes()).hex


# A partner's own page, as the README shows it: hash in the visitor's browser, post JSON.
PARTNER = """async ([haechi, name]) => {
  const { hashImage, solveChallenge } = await import(`${haechi}/static/intake/hash.js`);
  const file = await (await fetch(name)).blob();
  const items = [{ kind: "image", ...(await hashImage(file)) }];
  const api = `${haechi}/api/v1/intake`;
  const { challenge, bits } = await (await fetch(`${api}/challenge`, { method: "POST" })).json();
  const nonce = await solveChallenge(challenge, bits);
  const answer = await fetch(`${api}/submissions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ items, choices: ["notify"], challenge, nonce }),
  });
  return { status: answer.status, kit: await answer.json(), items };
}"""


@contextmanager
def partner_site(files: dict[str, bytes]) -> Iterator[str]:
    """Another origin on this computer (another port) serving a blank page and some files."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path.lstrip("/"), b"<!doctype html><title>partner</title>")
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()
        thread.join()


def test_a_partners_page_registers_through_the_json_api(server: Server, browser: Browser) -> None:
    photo = REFERENCE / "images" / "reg-test-input" / "dih" / "bridge-1-original.jpg"
    with partner_site({"photo.jpg": photo.read_bytes()}) as partner:
        page = browser.new_page()
        page.goto(f"{partner}/")
        got = page.evaluate(PARTNER, [server.url, "photo.jpg"])
        page.close()
    assert got["status"] == 201, got
    kit = got["kit"]
    assert re.fullmatch(r"HC-[0-9A-Z]{5}-[0-9A-Z]{5}", kit["case_number"])
    assert (kit["entries"], kit["folded"], kit["notes"]) == (1, 0, [])
    [item] = got["items"]
    assert item["pdq"] == python_hash(photo.read_bytes()).hex
    assert item["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    recovered = server.client().post(
        "/intake/recover", data={"number": kit["case_number"], "phrase": kit["recovery_phrase"]}
    )
    assert recovered.status_code == 200 and 'id="intake-counts"' in recovered.text


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"intake-{name}.png"), full_page=True)


def test_whole_flow_on_a_phone_by_keyboard_sends_no_image(server: Server, browser: Browser) -> None:
    context = browser.new_context(
        locale="ko-KR", viewport={"width": 390, "height": 844}, device_scale_factor=1
    )
    page = context.new_page()
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request))
    page.goto(f"{server.url}/intake")
    assert page.locator("h1").text_content() == "이미지를 보내지 않고 등록하기"
    _shot(page, "consent")
    page.focus("#choice-notify")
    page.keyboard.press("Space")
    page.focus("#consent")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/intake/select\?.*notify=yes.*"))
    files = [
        REFERENCE / "images" / "reg-test-input" / "dih" / "bridge-1-original.jpg",
        REFERENCE / "images" / "bridge-mods" / "blur-a-little.jpg",  # folded with the first
        REFERENCE / "images" / "misc-images" / "small.jpg",  # quality 0: explained
        REFERENCE / "images" / "misc-images" / "wee.jpg",
    ]
    page.set_input_files("#intake-files", [str(f) for f in files])
    page.wait_for_selector("#intake-send:not([disabled])")
    _shot(page, "select")
    page.focus("#intake-send")
    page.keyboard.press("Enter")
    page.wait_for_selector("#case-number")
    _shot(page, "kit")
    number = page.text_content("#case-number") or ""
    phrase = page.text_content("#recovery-phrase") or ""
    assert re.fullmatch(r"HC-[0-9A-Z]{5}-[0-9A-Z]{5}", number), number
    assert "3" in (page.text_content("#intake-registered") or "")  # four files, one folded
    notes = page.text_content(".intake-notes") or ""
    assert "파일 2" in notes and "파일 3" in notes

    sizes = {f.name: f.stat().st_size for f in files}
    for request in sent:
        body = request.post_data_buffer or b""
        assert not body.startswith(IMAGE_SIGNATURES), request.url
        for f in files:
            assert f.read_bytes()[:64] not in body
        assert len(body) < 2_000 * len(files), (request.url, len(body))
        assert not request.url.startswith(("http://", "https://")) or request.url.startswith(
            server.url
        ), request.url  # no third party
    [submit] = [r for r in sent if r.method == "POST"]
    assert min(sizes.values()) > 1000 and b"image" in (submit.post_data_buffer or b"")
    # Her kit saved as a file, made in the page (no e-mail, no phone, nothing sent).
    with page.expect_download() as saved:
        page.focus("[data-action=save]")
        page.keyboard.press("Enter")
    kit = Path(saved.value.path()).read_text(encoding="utf-8")
    assert number in kit and phrase in kit and f"{server.url}/intake/recover" in kit
    assert saved.value.suggested_filename == "haechi-case.txt"

    page.goto(f"{server.url}/intake/recover")
    _shot(page, "recover")
    page.focus("#number")
    page.keyboard.type(number.lower())
    page.keyboard.press("Tab")
    page.keyboard.type(phrase)
    page.keyboard.press("Enter")
    page.wait_for_selector("#intake-counts")
    _shot(page, "status")
    assert page.text_content("#count-found") == "0"
    page.focus("#confirm")
    page.keyboard.press("Space")
    page.focus("#withdraw")
    page.keyboard.press("Enter")
    page.wait_for_selector("#intake-withdrawn")
    _shot(page, "withdrawn")
    with server.db.session() as session:
        entries = list(BankStore(session).entries("intake-pending", include_withdrawn=True))
    assert len(entries) == 3 and all(e.withdrawn_at and not e.signals for e in entries)
    context.close()


def test_centre_link_joins_her_case_and_waits_for_a_reviewer(server: Server) -> None:
    liaison = server.sign_in(server.add("centre-kim", Role.LIAISON))
    reviewer = server.sign_in(server.add("rev-lee", Role.REVIEWER))
    with server.db.session() as session:
        ref = CaseStore(session).create(server.clock()).ref
    page = liaison.post("/intakes/links", {"case": ref})
    assert page.status_code == 200, page.text
    link = re.search(r'id="intake-link" href="([^"]+)"', page.text)
    assert link, page.text
    token = link.group(1).rsplit("/", 1)[1]
    victim = server.client()
    assert victim.get(f"/intake/start/{token}").status_code == 200
    select = victim.get("/intake/select", params={"consent": "yes", "link": token})
    policy = select.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "media-src 'self' blob:" in policy
    item = {
        "kind": "image",
        "pdq": "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22",
        "quality": 100,
        "md5": "0" * 32,
        "sha256": "1" * 64,
    }
    form = {"items": json.dumps([item]), "choices": "notify,share,link", "link": token}
    answer = victim.post("/intake/submit", data=form)
    assert answer.status_code == 201, answer.text
    again = victim.post("/intake/submit", data=form)
    assert again.status_code == 403  # the link is spent
    with server.db.session() as session:
        [entry] = BankStore(session).entries("intake-pending")
        assert entry.case_ref == ref
        view = read_personal(session, Actor.console(), ref, now=server.clock())
        assert view.data is not None
        assert view.data.consent == {Consent.TAKEDOWN, Consent.HASH_SHARING}
    [waiting] = reviewer.get("/api/v1/intakes/pending").json()
    assert (waiting["share"], waiting["centre"]) == (True, True)
    decision = {"entry": str(waiting["id"]), "decision": "approve"}
    assert liaison.post("/intakes/decide", decision).status_code == 403  # not a reviewer
    done = reviewer.http.post(
        "/api/v1/intakes/decisions",
        json={"entries": [waiting["id"]], "decision": "approve"},
        headers={"X-CSRF-Token": reviewer.csrf},
    )
    assert done.status_code == 200, done.text
    assert pending(server.db) == []
    with server.db.session() as session:
        assert [e.id for e in BankStore(session).entries("intake-shared")] == [entry.id]
