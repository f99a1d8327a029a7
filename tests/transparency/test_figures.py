"""The public report's figures from the scripted world, checked exactly; small cells hidden and
not recoverable from the sums; periods; the same definitions as ``haechi stats``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from haechi.notices.stats import platform_stats
from haechi.transparency import PeriodError, ThresholdError, parse_period
from haechi.transparency.figures import ALL, COUNTS, window_figures
from haechi.transparency.period import Window
from haechi.transparency.report import PublicReport, build_report, relations
from haechi.transparency.suppression import exposed, recoverable
from tests.transparency.world import World


def _report(world: World, period: str = "2026-Q4", threshold: int = 5) -> PublicReport:
    with world.db.session() as session:
        return build_report(session, parse_period(period), world.clock(), threshold, "org")


def _raw(world: World, period: str) -> dict[str, dict[str, int]]:
    with world.db.session() as session:
        figures = window_figures(session, parse_period(period).window, world.clock())
    return {p: f.counts for p, f in figures.items()}


def test_periods() -> None:
    q4 = parse_period("2026-q4")
    assert q4.name == "2026-Q4" and [m.name for m in q4.months] == ["2026-10", "2026-11", "2026-12"]
    assert q4.window.start == datetime(2026, 9, 30, 15, tzinfo=UTC)  # midnight in Seoul
    assert q4.window.end == datetime(2026, 12, 31, 15, tzinfo=UTC)
    assert len(parse_period("2026").months) == 12
    november = parse_period("2026-11", "UTC")
    assert november.window == Window(
        "2026-11", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    )
    for bad in ("2026-Q5", "2026-13", "26-Q1", "last quarter", "2026-11-01"):
        with pytest.raises(PeriodError):
            parse_period(bad)
    with pytest.raises(PeriodError):
        parse_period("2026", "Mars/Olympus")


def test_raw_figures_exactly(world: World) -> None:
    raw = _raw(world, "2026-Q4")
    keys = (
        "notices_sent",
        "items_reported",
        "items_removed",
        "never_removed",
        "reuploads_after_removal",
        "escalations",
    )
    assert [raw["vidhub"][k] for k in keys] == [5, 15, 10, 5, 5, 0]
    assert [raw["picshare"][k] for k in keys] == [6, 12, 9, 3, 0, 0]
    assert [raw["boardnet"][k] for k in keys] == [2, 2, 0, 2, 0, 1]
    assert [raw[ALL][k] for k in keys] == [13, 29, 19, 10, 5, 1]
    october, november = _raw(world, "2026-10"), _raw(world, "2026-11")
    assert [october["picshare"][k] for k in keys] == [5, 10, 8, 2, 0, 0]
    assert [november["picshare"][k] for k in keys] == [1, 2, 1, 1, 0, 0]
    assert october["vidhub"]["reuploads_after_removal"] == 0  # found before its removal
    assert november["vidhub"]["reuploads_after_removal"] == 5  # not the rejected one
    assert "boardnet" not in october and november["boardnet"]["escalations"] == 1
    assert _raw(world, "2026-12") == {ALL: dict.fromkeys(COUNTS, 0)}


def test_times_and_shares_exactly(world: World) -> None:
    report = _report(world)
    vidhub = report.row("vidhub").values
    assert vidhub["median_hours_to_removal"] == pytest.approx(5.5)  # 1..10 hours
    assert vidhub["p90_hours_to_removal"] == pytest.approx(9 + 0.1 * (10 - 9))
    assert vidhub["never_removed_share"] == pytest.approx(5 / 15)
    assert (vidhub["items_reported"], vidhub["items_removed"]) == (15, 10)
    assert vidhub["reuploads_after_removal"] == 5
    picshare = report.row("picshare").values
    assert picshare["median_hours_to_removal"] == pytest.approx(8)  # 1 2 3 5 8 13 21 34 89
    assert picshare["p90_hours_to_removal"] == pytest.approx(34 + 0.2 * (89 - 34))
    total = report.row(ALL).values
    assert (total["notices_sent"], total["items_reported"], total["items_removed"]) == (13, 29, 19)
    assert total["never_removed_share"] == pytest.approx(10 / 29)
    assert total["median_hours_to_removal"] == pytest.approx(6)  # 19 times pooled
    assert report.months == ("2026-10", "2026-11", "2026-12")
    assert _report(world, "2026-11").months == ()  # a month has no months of its own


def test_small_cells_hidden_and_not_recoverable(world: World) -> None:
    report = _report(world)
    board = report.row("boardnet")
    for measure in ("notices_sent", "items_reported", "never_removed", "escalations"):
        assert board.values[measure] is None and measure in board.suppressed
    assert board.values["never_removed_share"] is None
    picshare = report.row("picshare")
    assert picshare.values["never_removed"] is None  # 3 items
    assert picshare.values["never_removed_share"] is None  # 3/12 would give it back
    assert picshare.values["items_reported"] is None  # 12 - 9 would give it back
    assert report.row("picshare", "2026-11").values["notices_sent"] is None  # 1 notice
    assert report.row(ALL).values["escalations"] is None  # 1, and boardnet's only
    # No shown cell holds a count from 1 to 4, and no sum gives a hidden one back.
    values, hidden = {}, set()
    for row in report.rows:
        for m in COUNTS:
            key = (m, row.platform, row.column)
            shown = row.values[m]
            if shown is None:
                hidden.add(key)
            else:
                assert not 0 < int(shown) < 5, key
                values[key] = int(shown)
    raw_all = {}
    with world.db.session() as session:
        for column in [*report.months, report.period]:
            window = parse_period(column).window.clipped(world.clock())
            for p, f in window_figures(session, window, world.clock(), report.platforms).items():
                for m in COUNTS:
                    raw_all[(m, p, column)] = f.counts[m]
    assert {k: raw_all[k] for k in values} == values
    sums = relations(report.platforms, [*report.months, report.period], report.period)
    assert recoverable(values | {k: raw_all[k] for k in hidden}, sums, hidden) == {}
    assert [r for r in sums if exposed(r, raw_all, hidden, 5)] == []
    # A higher threshold hides more; a lower one is refused.
    assert len(_hidden(_report(world, threshold=20))) > len(_hidden(report))
    with pytest.raises(ThresholdError):
        _report(world, threshold=4)


def _hidden(report: PublicReport) -> list[tuple[str, str, str]]:
    return [(m, r.platform, r.column) for r in report.rows for m in r.suppressed]


def test_a_window_of_all_time_gives_haechi_stats_figures(world: World) -> None:
    everything = Window("all", datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    with world.db.session() as session:
        ours = window_figures(session, everything, world.clock())
    for theirs in platform_stats(world.desk):
        mine = ours[theirs.platform]
        assert (
            mine.counts["notices_sent"],
            mine.counts["items_reported"],
            mine.counts["items_removed"],
            mine.counts["reuploads_after_removal"],
        ) == (theirs.notices_sent, theirs.items_reported, theirs.items_removed, theirs.reuploads), (
            theirs.platform
        )
        assert mine.median_hours == pytest.approx(theirs.median_hours)
        assert mine.p90_hours == pytest.approx(theirs.p90_hours)
    assert set(ours) - {ALL} == {s.platform for s in platform_stats(world.desk)}


def test_the_json_form_round_trips(world: World) -> None:
    report = _report(world)
    assert PublicReport.from_json(report.as_json()) == report
