"""Reviewer safety in Debian's Chromium: previews are blurred and grey, the page holds no
clear-image URL before a reveal, a reveal is audited and blurs again when the pointer leaves,
bulk confirmation works from the keyboard, and the preview endpoint and every media page
refuse the roles that may not see media (an auditor, a member in probation).

With ``HAECHI_SCREENSHOTS=<folder>`` the test also saves the reviewing pages, in Korean, as
PNG files there (``docs/screenshots`` holds the ones committed).
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser
from tests.web.browser import needs_chromium, shoot, sign_in
from tests.web.conftest import Server

from haechi.audit import trail
from haechi.members.model import Role
from haechi.settings import Settings
from haechi.testkit.hits import seed_review_world

pytestmark = needs_chromium

# How far from grey the preview's pixels are: 0 for a greyscale image.
COLOUR = """img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let most = 0;
  for (let i = 0; i < d.length; i += 4) {
    most = Math.max(most, Math.abs(d[i] - d[i + 1]), Math.abs(d[i + 1] - d[i + 2]));
  }
  return most;
}"""


def test_reviewer_safety_in_a_browser(
    server: Server, browser: Browser, settings: Settings, tmp_path: Path
) -> None:
    world = seed_review_world(server.db, settings, tmp_path / "files", server.clock())
    reviewer = server.add("rina", Role.REVIEWER)
    page = browser.new_page(locale="ko-KR")
    sign_in(page, server, reviewer)
    page.goto(f"{server.url}/review")
    assert "reveal=" not in page.content()  # no clear image is even named before a reveal
    first = world.with_preview[0]
    image = page.locator(f"#hit-{first} img.preview")
    image.wait_for()
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=image.element_handle())
    assert image.evaluate(COLOUR) <= 1  # greyscale: blurred by default
    assert page.locator(f"#hit-{world.without_preview} img").count() == 0
    # The second hit's outline lies over its blurred preview, scaled with it: the box's
    # fractions of the image's own frame (25-75 % across, 20-70 % down).
    second = world.with_preview[1]
    shown = page.locator(f"#hit-{second} img.preview")
    page.wait_for_function(loaded, arg=shown.element_handle())
    frame = shown.bounding_box()
    outline = page.locator(f"#hit-{second} svg.found-region rect").bounding_box()
    assert frame is not None and outline is not None
    fractions = (
        (outline["x"] - frame["x"]) / frame["width"],
        (outline["y"] - frame["y"]) / frame["height"],
        (outline["x"] + outline["width"] - frame["x"]) / frame["width"],
        (outline["y"] + outline["height"] - frame["y"]) / frame["height"],
    )
    assert all(abs(a - b) < 0.03 for a, b in zip(fractions, (0.25, 0.2, 0.75, 0.7), strict=True))
    shoot(page, "review-queue")

    page.locator(f"#hit-{first} button.reveal").click()
    page.wait_for_function(
        "img => img.src.includes('reveal=') && img.complete && img.naturalWidth > 0",
        arg=image.element_handle(),
    )
    assert image.evaluate(COLOUR) > 10  # the clear picture, in colour
    with server.db.session() as session:
        revealed = trail.events(session, kind="preview.revealed")
    assert [(e.actor_name, e.detail) for e in revealed] == [("rina", {"hit": first})]
    page.mouse.move(1, 1)  # the pointer leaves: blurred again
    page.wait_for_function("img => !img.src.includes('reveal=')", arg=image.element_handle())

    # Bulk confirmation from the keyboard: j moves down, x selects, c confirms the selection.
    for key in ("j", "x", "j", "x"):
        page.keyboard.press(key)
    for hit in world.with_preview:
        assert page.is_checked(f"#hit-{hit} input[name=hit]")
    assert not page.is_checked(f"#hit-{world.without_preview} input[name=hit]")
    with page.expect_navigation():
        page.keyboard.press("c")
    assert page.locator("tr.hit").count() == 1
    assert page.locator(f"#hit-{world.without_preview}").count() == 1
    with server.db.session() as session:
        reviewed = trail.events(session, kind="hits.reviewed")
    assert reviewed[0].detail["hits"] == list(world.with_preview)

    if os.environ.get("HAECHI_SCREENSHOTS"):
        for path, name in (
            ("/dashboard", "dashboard"),
            (f"/hits/{first}", "hit"),
            ("/settings", "settings-blur"),
        ):
            page.goto(f"{server.url}{path}")
            shoot(page, name)
        analyst = browser.new_page(locale="ko-KR")
        sign_in(analyst, server, server.add("ana", Role.ANALYST))
        analyst.goto(f"{server.url}/watches")
        analyst.fill("#watch-form input[name=target]", "https://board.example/")
        with analyst.expect_navigation():
            analyst.click("#watch-form button[type=submit]")
        watch = analyst.get_attribute("#watches tbody a", "href") or ""
        for path, name in (
            ("/banks", "register"),
            ("/banks/victims", "bank-entries"),
            ("/scans", "scans"),
            ("/watches", "watches"),
            (watch, "watch"),
        ):
            analyst.goto(f"{server.url}{path}")
            shoot(analyst, name)
        admin = browser.new_page(locale="ko-KR")
        sign_in(admin, server, server.add("ada", Role.ADMIN))
        admin.goto(f"{server.url}/review/policy")
        shoot(admin, "review-policy")
        admin.close()
        analyst.close()

    # Roles that may not see media: the preview itself is refused, no page shows an image,
    # and their settings offer no blur strength (they have nothing to blur).
    for name, role in (("aud", Role.AUDITOR), ("newbie", Role.PROBATION)):
        other = browser.new_page(locale="ko-KR")
        sign_in(other, server, server.add(name, role))
        refused = other.goto(f"{server.url}/hits/{first}/preview")
        assert refused is not None and refused.status == 403, role
        for path in ("/review", f"/hits/{first}"):
            other.goto(f"{server.url}{path}")
            assert other.locator("img").count() == 0, (role, path)
            assert f"/hits/{first}/preview" not in other.content(), (role, path)
        other.goto(f"{server.url}/settings")
        assert other.locator("#preview-form").count() == 0, role
        other.close()
    page.close()
