"""``haechi --help`` stays fast: importing the CLI loads none of the heavy libraries.

Not a timing test: it checks which modules a fresh interpreter has loaded, which is what the
start-up time follows from.
"""

from __future__ import annotations

import json
import subprocess
import sys

from haechi.banks.formats import FORMATS
from haechi.cli.banks import BANK_FORMATS
from haechi.cli.notices import KindChoice, MarkChoice, StatusChoice
from haechi.cli.scans import SOURCE_KINDS
from haechi.notices.model import NoticeKind, NoticeStatus
from haechi.notices.sending import Mark
from haechi.sources import SOURCES

HEAVY = (
    "cv2",
    "av",
    "matplotlib",
    "playwright",
    "skimage",
    "numpy",
    "reportlab",
    "telethon",
    "warcio",
    "alembic",
    "sqlalchemy",
    "jinja2",
    "pydantic",
    "haechi.scan.pipeline",
    "haechi.hashing",
    "haechi.notices",
    "haechi.evidence",
)


def _loaded_after(code: str) -> set[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def _heavy(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_importing_the_cli_loads_no_heavy_library() -> None:
    loaded = _loaded_after("import haechi.cli")
    assert _heavy(loaded) == []


def test_help_loads_no_heavy_library() -> None:
    code = (
        "from haechi.cli import app\n"
        "try:\n"
        "    app(['--help'], prog_name='haechi')\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    loaded = _loaded_after(code)
    assert _heavy(loaded) == []


def test_names_spelled_out_for_help_match_their_sources() -> None:
    assert tuple(SOURCES) == SOURCE_KINDS
    assert tuple(FORMATS) == BANK_FORMATS
    assert [m.value for m in MarkChoice] == [m.value for m in Mark]
    assert [s.value for s in StatusChoice] == [s.value for s in NoticeStatus]
    assert [k.value for k in KindChoice] == [k.value for k in NoticeKind]
