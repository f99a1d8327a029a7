"""Debian's Chromium for the web tests, in one place: its path and launch arguments, the skip
mark where it is missing, signing in through the pages and saving screenshots when
``HAECHI_SCREENSHOTS=<folder>`` is set. The ``browser`` fixture (one per module) is in
:mod:`tests.web.conftest`; a module that needs other arguments overrides it with
:func:`launch`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

if TYPE_CHECKING:
    from tests.web.conftest import Server

    from haechi.testkit.team import TeamMember

CHROMIUM = Path("/usr/bin/chromium")
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)",
)


@contextmanager
def launch(*extra_args: str) -> Iterator[Browser]:
    """Chromium with the tests' arguments (and ``extra_args``), closed when the block ends."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*ARGS, *extra_args]
        )
        try:
            yield chromium
        finally:
            chromium.close()


def sign_in(page: Page, server: Server, member: TeamMember) -> None:
    """Sign in through the pages: password, then the member's current TOTP code."""
    page.goto(f"{server.url}/signin")
    page.fill("input[name=name]", member.name)
    page.fill("input[name=password]", member.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/signin/code")
    page.fill("input[name=code]", member.code(server.clock()))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def shoot(page: Page, name: str) -> None:
    """Save the whole page as ``<name>.png`` under ``$HAECHI_SCREENSHOTS``, when it is set."""
    folder = os.environ.get("HAECHI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
