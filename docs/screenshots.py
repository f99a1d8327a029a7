"""Screenshots of the team server's main pages in Korean and English, for the README.

Runs `haechi demo --serve` in a temporary folder (the whole flow, then the web app over the
demo's home), signs in with its one-time link in Debian's Chromium, asks for a scan of the
demo's board so the jobs pages have something to show, and saves each page twice under
docs/screenshots/ (``<page>-ko.png``, ``<page>-en.png``). Run it from the repository:
``.venv/bin/python docs/screenshots.py``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).parent / "screenshots"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+)/demo/signin/(\S+)")
BOARD = re.compile(r"the board \((http://127\.0\.0\.1:(\d+))/board/\)")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = ("home", "jobs", "job", "members", "audit", "sessions", "settings")


def start_demo(folder: Path) -> tuple[subprocess.Popen[str], str, str, str]:
    """The demo server, its base URL, its sign-in link and its board's URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAECHI_")}
    env |= {"HAECHI_EVIDENCE_SCREENSHOTS": "0", "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    haechi = Path(sys.executable).with_name("haechi")
    process = subprocess.Popen(
        [str(haechi), "demo", "--serve", "--port", "0"],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    board = ""
    for line in process.stdout:
        if found := BOARD.search(line):
            board = found.group(1)
        if found := LINK.search(line):
            return process, found.group(1), found.group(0), board
    raise SystemExit("the demo ended without a sign-in link")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        process, base, link, board = start_demo(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                for locale in ("ko", "en"):
                    context.set_extra_http_headers({"Accept-Language": locale})
                    page.goto(f"{base}/signin")
                    page.screenshot(path=str(OUT / f"signin-{locale}.png"))
                page.goto(link)
                page.goto(f"{base}/jobs")
                page.fill("input[name=target]", f"{board}/board/")
                page.fill("input[name=allow_hosts]", "127.0.0.1")
                page.click("#scan-form button")
                job_url = page.url
                for _ in range(600):  # until the scan ends (the page refreshes itself)
                    state = page.get_attribute("#job-state", "class") or ""
                    if state in ("job-done", "job-failed"):
                        break
                    time.sleep(0.5)
                    page.reload()
                for locale in ("ko", "en"):
                    context.set_extra_http_headers({"Accept-Language": locale})
                    for name in PAGES:
                        path = {"job": job_url, "home": f"{base}/"}.get(name, f"{base}/{name}")
                        page.goto(path)
                        page.screenshot(path=str(OUT / f"{name}-{locale}.png"), full_page=True)
                browser.close()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=120)
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
