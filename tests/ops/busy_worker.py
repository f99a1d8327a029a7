"""Scans one Telegram export after another into a home until told to stop (``stop`` file).

Run by the tests as a separate process, so a backup meets a home that a scan is writing:
every round records new hits and seals new captures. ``rounds`` holds the rounds finished.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.ops.conftest import add_scan, home_settings


def main(root: Path) -> None:
    settings = home_settings(root)
    done = 0
    while not (root / "stop").exists() and done < 200:
        add_scan(settings, root / f"busy-{done}", [1, 2], chat_id=5000 + done)
        done += 1
        (root / "rounds").write_text(str(done))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
