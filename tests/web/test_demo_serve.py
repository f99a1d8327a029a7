"""`haechi demo --serve`: the whole flow, then the web app over the demo's home on 127.0.0.1
with a one-time sign-in link for the demo admin; every page says DEMO; Ctrl-C stops it."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

LINK = re.compile(r"(http://127\.0\.0\.1:\d+)/demo/signin/(\S+)")


@pytest.mark.sqlite_only  # a new user's defaults: the demo's home is a SQLite file, always
def test_the_demo_serves_the_web_app_with_a_one_time_link(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAECHI_")}
    env |= {"HAECHI_EVIDENCE_SCREENSHOTS": "0", "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    haechi = Path(sys.executable).with_name("haechi")
    process = subprocess.Popen(
        [str(haechi), "demo", "--serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    try:
        while (line := lines.get(timeout=900)) is not None:
            seen.append(line)
            if found := LINK.search(line):
                break
        else:
            raise AssertionError("no sign-in link:\n" + "".join(seen))
        base, token = found.group(1), found.group(2)
        with httpx.Client(base_url=base, timeout=60) as browser:
            assert browser.get("/").status_code == 401  # not signed in yet
            signed = browser.get(f"/demo/signin/{token}")
            assert signed.status_code == 303 and signed.headers["location"] == "/"
            home = browser.get("/", headers={"Accept-Language": "en"})
            assert home.status_code == 200 and 'id="demo-banner"' in home.text
            assert "demo-admin" in home.text
            jobs = browser.get("/jobs", headers={"Accept-Language": "ko"})
            assert jobs.status_code == 200 and "DEMO" in jobs.text and "작업" in jobs.text
        with httpx.Client(base_url=base, timeout=60) as other:
            again = other.get(f"/demo/signin/{token}")  # used: it signs no one in again
            assert again.status_code == 410 and "DEMO" in again.text
            assert other.get("/").status_code == 401
            assert other.get("/demo/signin/" + "x" * 43).status_code == 410
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        finally:
            assert process.stdout is not None
            process.stdout.close()
    assert code == 0, "".join(seen)
