"""The police report PDF as a station sees it: its Korean drawn from an embedded font, its
real creation date, and no folder of the analyst's computer in it or in the package."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from haechi.cases import make_police_report, new_case
from haechi.cases.pdf import HitLine, NoticeLine, ReportContent, report_pdf
from haechi.cases.police import public_location
from haechi.notices import Decision, decide
from haechi.scan.model import MatchDetail, Sighting
from haechi.store.scans import ScanStore
from tests.notices.world import CASE, World

MADE = datetime(2026, 11, 26, 9, 30, 15, tzinfo=UTC)
LOCAL = "/home/analyst-kim/Downloads/ChatExport_2026-11-01/photos/photo_3@01-11-2026_21-04-55.jpg"

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftoppm, pdffonts, pdftotext) is not installed",
)


def content(station: str = "서울경찰청 사이버수사과") -> ReportContent:
    return ReportContent(
        case_ref=CASE,
        station=station,
        organisation="해치 지원센터",
        made_at=MADE,
        answer_due=MADE + timedelta(days=14),
        hits=[
            HitLine(
                7,
                "https://board.example/img/a.jpg",
                "https://board.example/post/1",
                MADE - timedelta(days=2),
                "ab" * 32,
                "pdq 4",
                "cap-1",
                "2026-11-24T10:00:00+00:00",
                "게시 중 (still online); 통지 1회",
            )
        ],
        notices=[NoticeLine(3, "local-portal", "takedown", MADE - timedelta(days=1), "no-answer")],
        bundle_name="evidence.wacz",
        bundle_sha256="cd" * 32,
        bundle_key_id="key-1",
        captures=1,
    )


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def _first_page(pdf: bytes, tmp: Path, name: str) -> Image.Image:
    source = tmp / f"{name}.pdf"
    source.write_bytes(pdf)
    _run(
        "pdftoppm", "-r", "100", "-gray", "-f", "1", "-l", "1", "-png", str(source), str(tmp / name)
    )
    [page] = sorted(tmp.glob(f"{name}*.png"))
    return Image.open(page).convert("L")


def _ink(image: Image.Image) -> int:
    """How much is drawn: the page's darkness summed over its pixels."""
    return int((255 - np.asarray(image, dtype=np.int64)).sum())


@needs_poppler
def test_the_korean_font_is_embedded_and_its_glyphs_are_drawn(tmp_path: Path) -> None:
    pdf = report_pdf(content())
    (tmp_path / "report.pdf").write_bytes(pdf)
    fonts = _run("pdffonts", str(tmp_path / "report.pdf")).splitlines()[2:]
    assert fonts, "the PDF uses no font at all"
    for line in fonts:  # name type encoding emb sub uni object-id
        assert "NanumSquare" in line and "TrueType" in line, line
        emb, sub, uni = line.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), f"not embedded as a subset: {line}"
    text = _run("pdftotext", "-layout", str(tmp_path / "report.pdf"), "-")
    assert "디지털 성범죄 피해 수사 의뢰 자료" in text and "서울경찰청 사이버수사과" in text

    # Drawn glyphs, not blanks or .notdef boxes: a station's name adds ink, and two names of
    # the same length in different syllables draw differently (boxes would be identical).
    empty = _first_page(report_pdf(content(station="-")), tmp_path, "empty")
    one = _first_page(report_pdf(content(station="가나다라마")), tmp_path, "one")
    other = _first_page(report_pdf(content(station="경찰청수사")), tmp_path, "other")
    assert _ink(one) - _ink(empty) > 255 * 25, (_ink(one), _ink(empty))  # 25 black pixels
    assert ImageChops.difference(one, other).getbbox() is not None


def test_the_creation_date_is_the_reports_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "946684800")  # reportlab's 2000-01-01, by env
    for made in (MADE, MADE + timedelta(days=400, hours=5)):
        meta = PdfReader(io.BytesIO(report_pdf(replace(content(), made_at=made)))).metadata
        assert meta is not None
        assert meta.creation_date == made and meta.modification_date == made


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        (LOCAL, "photo_3@01-11-2026_21-04-55.jpg"),
        ("C:\\Users\\kim\\Desktop\\export\\video_1.mp4", "video_1.mp4"),
        ("file:///home/kim/x/y.png", "y.png"),
        ("relative/dir/z.webp", "z.webp"),
        ("https://t.me/c/1234/56", "https://t.me/c/1234/56"),
        ("https://board.example/a/b.jpg?x=1", "https://board.example/a/b.jpg?x=1"),
        ("telegram-export:1234/56", "telegram-export:1234/56"),
    ],
)
def test_public_location_keeps_urls_and_names_only_files(location: str, shown: str) -> None:
    assert public_location(location) == shown


def _local_hit(world: World) -> int:
    """A hit found in a Telegram export on the analyst's disk, under the world's case entry."""
    with world.db.session() as session:
        scans = ScanStore(session)
        scan_id = scans.start("/home/analyst-kim/Downloads/ChatExport_2026-11-01", "telegram")
        hit = scans.add_hit(
            scan_id,
            world.hits["a"].entry,
            MatchDetail("pdq", 6),
            "ef" * 32,
            Sighting(LOCAL, "telegram-export", found_in="https://t.me/c/1234/56"),
        )
        assert hit is not None
        return hit.id


def test_the_package_names_local_files_but_never_the_analysts_folders(world: World) -> None:
    desk = world.desk
    new_case(desk, CASE)
    local = _local_hit(world)
    decide(desk, [world.hits["a"].id, local], Decision.CONFIRMED, "reviewer-1")
    package = make_police_report(desk, CASE, "서울경찰청", world.tmp / "reports")
    pdf = (package.folder / "report.pdf").read_bytes()
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "photo_3@01-11-2026_21-04-55.jpg" in text and "https://t.me/c/1234/56" in text
    assert "ef" * 32 in text
    assert "analyst-kim" not in text and "Downloads" not in text and "ChatExport" not in text
    facts_text = (package.folder / "hits.json").read_text(encoding="utf-8")
    assert "analyst-kim" not in facts_text and "ChatExport" not in facts_text
    facts = json.loads(facts_text)
    [shown] = [h for h in facts["hits"] if h["id"] == local]
    assert shown["path"] == "photo_3@01-11-2026_21-04-55.jpg"
    assert shown["page"] == "https://t.me/c/1234/56"
    assert '"label"' not in facts_text and '"bank"' not in facts_text  # labels, bank names stay
    assert all(isinstance(h["entry"], int) for h in facts["hits"])  # the entry id says which
    assert world.hits["a"].location in facts_text  # a web hit keeps its URL
