"""The monthly chart with many platforms: its legend wraps inside the chart, in both charts
(SVG and PNG), and every platform is named."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from PIL import Image

from haechi.transparency.charts import WIDTH, trend_chart
from haechi.transparency.figures import ALL
from haechi.transparency.png import trend_png
from haechi.transparency.report import MEASURES, PublicReport, Row

SVG = "{http://www.w3.org/2000/svg}"


def _report(platforms: int) -> PublicReport:
    months = ("2026-10", "2026-11", "2026-12")
    rows = [
        Row(p, f"Platform number {i}", column, {m: (i + 5) if m == "notices_sent" else None
            for m in MEASURES}, ())
        for i, p in enumerate([*(f"p{i:02d}" for i in range(platforms)), ALL])
        for column in (*months, "2026-Q4")
    ]  # fmt: skip
    moment = datetime(2026, 10, 1, tzinfo=UTC)
    return PublicReport(
        "2026-Q4", "Asia/Seoul", moment, moment, moment, 5, "org", months, tuple(rows)
    )


def test_the_legend_wraps_with_many_platforms() -> None:
    root = ET.fromstring(trend_chart(_report(24), lambda s: s))
    height = float(root.get("height", "0"))
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert all(f"Platform number {i}" in labels for i in range(24))
    swatches = [r for r in root.iter(f"{SVG}rect") if r.get("width") == "12"]
    rows = {float(r.get("y", "0")) for r in swatches}
    assert len(swatches) == 25 and len(rows) >= 3  # wrapped onto several lines
    for rect in swatches:
        assert float(rect.get("x", "0")) + 12 < WIDTH and float(rect.get("y", "0")) < height
    png = Image.open(io.BytesIO(trend_png(_report(24))))
    assert png.format == "PNG" and png.height > 400
