"""The PDF summary of a police report package, in Korean with English in brackets.

Drawn with reportlab. Korean text is set in NanumSquare (a TrueType font under the SIL Open
Font License, shipped in ``fonts/`` beside its licence) and the glyphs used are embedded as a
subset: a station's computer without a Korean font must still show every word, which a CID font
left to the viewer (reportlab's ``HYSMyeongJo``) does not do. Long URLs and SHA-256 values wrap
anywhere (``wordWrap="CJK"``). The victim appears only by the case reference; files are named,
never given with the analyst's folders. The PDF's creation date is the report's own time.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from importlib.resources import files
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from haechi.notices.render import utc_text

FONT = "NanumSquare"
FONT_FILE = "NanumSquareR.ttf"


@dataclass(frozen=True)
class HitLine:
    """One hit as the report lists it."""

    hit_id: int
    url: str
    page: str | None
    found_at: datetime
    sha256: str
    match: str
    capture: str | None
    sealed: str | None
    takedown: str


@dataclass(frozen=True)
class NoticeLine:
    """One notice as the report lists it."""

    notice_id: int
    platform: str
    kind: str
    sent_at: datetime | None
    status: str


@dataclass(frozen=True)
class ReportContent:
    """What the PDF says."""

    case_ref: str
    station: str
    organisation: str
    made_at: datetime
    answer_due: datetime
    hits: Sequence[HitLine]
    notices: Sequence[NoticeLine]
    bundle_name: str | None
    bundle_sha256: str | None
    bundle_key_id: str | None
    captures: int


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        data = files("haechi.cases").joinpath("fonts", FONT_FILE).read_bytes()
        pdfmetrics.registerFont(TTFont(FONT, io.BytesIO(data)))
    return FONT


def _dated_canvas(made_at: datetime) -> Any:
    """A canvas maker whose PDF says it was created (and modified) at ``made_at``, in UTC."""
    stamp = made_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")

    def make(*args: Any, **kwargs: Any) -> Canvas:
        canvas = Canvas(*args, **kwargs)
        canvas.setDateFormatter(lambda *_: stamp)
        return canvas

    return make


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=font, fontSize=11, leading=15, spaceBefore=8)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=font, fontSize=7, leading=9, wordWrap="CJK")
    return title, heading, body, cell


def _table(rows: list[list[Paragraph]], widths: Sequence[float]) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), _font()),  # cells default to Helvetica
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def report_pdf(content: ReportContent) -> bytes:
    """The PDF bytes of a report summary."""
    title, heading, body, cell = _styles()

    def p(text: str, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Police report {content.case_ref}",
        author=content.organisation,
        invariant=0,
        initialFontName=FONT,  # the page's first font: no unembedded Helvetica
    )
    story: list[object] = [
        p("디지털 성범죄 피해 수사 의뢰 자료 (Police report)", title),
        _table(
            [
                [p("항목 (Item)"), p("내용 (Detail)")],
                [p("사건 참조번호 (Case reference)"), p(content.case_ref)],
                [p("제출처 (Police station)"), p(content.station)],
                [p("작성 단체 (Organisation)"), p(content.organisation)],
                [p("작성 일시 (Made)"), p(utc_text(content.made_at))],
                [p("회신 요청 기한 (Answer requested by)"), p(utc_text(content.answer_due))],
            ],
            [60 * mm, 120 * mm],
        ),
        Spacer(1, 4 * mm),
        p(
            "피해자의 이름 등 개인정보는 이 문서에 없습니다. 피해자 확인은 작성 단체를 통해 "
            "사건 참조번호로 해 주십시오. (The victim's identity is not in this document; "
            "ask the organisation, quoting the case reference.) 피해 이미지는 첨부하지 않으며 "
            "SHA-256 값과 보존된 증거로 확인할 수 있습니다.",
            body,
        ),
        p("요약 (Summary)", heading),
        p(
            f"발견된 게시물 {len(content.hits)}건, 보존된 증거 캡처 {content.captures}건, "
            f"삭제 요청 통지 {len(content.notices)}건. "
            f"({len(content.hits)} items found, {content.captures} captures preserved, "
            f"{len(content.notices)} notices.)",
            body,
        ),
        p("발견된 게시물 (Items found)", heading),
    ]
    hit_rows = [
        [
            p("#"),
            p("파일 / 페이지 URL (File / page)"),
            p("발견 (Found, UTC)"),
            p("SHA-256 / 일치 (Match)"),
            p("증거 캡처 (Capture)"),
            p("삭제 현황 (Takedown)"),
        ]
    ]
    for line in content.hits:
        hit_rows.append(
            [
                p(str(line.hit_id)),
                p(line.url + (f"\n페이지: {line.page}" if line.page else "")),
                p(utc_text(line.found_at)),
                p(f"{line.sha256} ({line.match})"),
                p(f"{line.capture} ({line.sealed})" if line.capture else "-"),
                p(line.takedown),
            ]
        )
    story.append(_table(hit_rows, [8 * mm, 52 * mm, 22 * mm, 40 * mm, 30 * mm, 28 * mm]))
    story.append(p("삭제 요청 경과 (Notices)", heading))
    if content.notices:
        header = ["#", "대상 (Platform)", "종류 (Kind)", "발송 (Sent)", "상태 (Status)"]
        rows = [[p(h) for h in header]]
        for n in content.notices:
            rows.append(
                [
                    p(str(n.notice_id)),
                    p(n.platform),
                    p(n.kind),
                    p(utc_text(n.sent_at)),
                    p(n.status),
                ]
            )
        story.append(_table(rows, [10 * mm, 55 * mm, 30 * mm, 45 * mm, 40 * mm]))
    else:
        story.append(p("없음 (none)", body))
    story.append(p("증거 묶음 (Evidence bundle)", heading))
    if content.bundle_name:
        story.append(
            p(
                f"{content.bundle_name} — SHA-256 {content.bundle_sha256}; 서명 키 "
                f"(signing key) {content.bundle_key_id}. WACZ 형식으로 ReplayWeb.page 등 "
                "표준 도구에서 열 수 있으며, 작성 단체가 공개한 키로 위변조 여부를 오프라인으로 "
                "검증할 수 있습니다 (haechi verify). (Opens in standard web-archive tools; "
                "verifiable offline against the organisation's published key.)",
                body,
            )
        )
    else:
        story.append(p("보존된 캡처 없음 (no captures to bundle)", body))
    doc.build(story, canvasmaker=_dated_canvas(content.made_at))
    return out.getvalue()
