"""The commands through Typer's runner, mounted on an app the way cli.py mounts them."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from haechi.cli import mount
from haechi.cli.common import CommandEnv
from tests.notices.world import CASE, PAGES, World, fetch_policy

runner = CliRunner()


def _app(world: World) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """haechi, as the tests mount it."""

    env = CommandEnv(world.settings, world.desk.config, world.clock, fetch_policy())
    mount(app, lambda: env)
    return app


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_commands_end_to_end(world: World, tmp_path: Path) -> None:
    app = _app(world)

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output

    # platforms
    listed = _lines(run("platforms", "list", "--json"))
    assert {p["name"] for p in listed} == {"local-portal", "local-host", "regulator"}
    exported = tmp_path / "platforms.toml"
    run("platforms", "export", "--out", str(exported))
    assert "0 platform(s) added, 3 updated" in run("platforms", "import", str(exported))
    assert "5 platform(s) added" in run("platforms", "import", "--starter")
    bad = tmp_path / "bad.toml"
    bad.write_text('format = "haechi-platforms/v1"\n[[platform]]\nname = "x"\n', encoding="utf-8")
    assert "email or a web_form" in run("platforms", "import", str(bad), code=2)

    # review
    assert len(_lines(run("review", "list", "--json"))) == 5
    out = run("review", "confirm", "--all", "--platform", "local-portal", "--reviewer", "r1")
    assert "2 hit(s) confirmed" in out
    assert "not both" in run("review", "confirm", "--reviewer", "r1", code=1)
    hit_d = str(world.hits["d"].id)
    run("review", "reject", hit_d, "--reviewer", "r1", "--reason", "false match")
    rejected = _lines(run("review", "list", "--status", "rejected", "--json"))
    assert [h["id"] for h in rejected] == [world.hits["d"].id]

    # notices
    [draft] = _lines(run("notices", "draft", "--json"))
    assert draft["platform"] == "local-portal" and draft["status"] == "drafted"
    notice_id = str(draft["id"])
    assert "approve it first" in run("notices", "send", notice_id, code=1)
    run("notices", "approve", notice_id)
    [sent] = _lines(run("notices", "send", "--json"))
    assert sent["status"] == "sent" and sent["deadline"]
    assert len(world.mailbox.received) == 1
    text = run("notices", "show", notice_id, "--text")
    assert world.hits["a"].sha256 in text and "Subject:" not in text
    shown = _lines(run("notices", "show", notice_id, "--json"))[0]
    assert [e["status"] for e in shown["events"]] == ["drafted", "approved", "sent"]
    assert _lines(run("notices", "list", "--overdue", "--json")) == []
    world.clock.advance(hours=25)
    [late] = _lines(run("notices", "list", "--overdue", "--json"))
    assert late["id"] == draft["id"] and late["overdue"] is True
    assert "no notice with id 999" in run("notices", "mark", "999", "removed", code=1)

    # re-check: a is gone, b is still there -> a repeat notice is drafted
    world.site.image(PAGES["a"][2], b"", status=404, content_type="text/plain")
    checks = _lines(run("recheck", "--json"))
    outcomes = {c["hit"]: c["outcome"] for c in checks if "outcome" in c}
    assert outcomes == {world.hits["a"].id: "removed", world.hits["b"].id: "present"}
    [repeat] = [c for c in checks if c.get("action") == "drafted"]
    assert repeat["kind"] == "repeat" and repeat["previous"] == draft["id"]
    assert "no re-check is due" in run("recheck")
    kinds = {n["kind"] for n in _lines(run("notices", "list", "--kind", "repeat", "--json"))}
    assert kinds == {"repeat"}
    run("notices", "discard", str(repeat["id"]))
    assert "is removed" in run("notices", "mark", notice_id, "removed", "--note", "done")

    # stats
    charts = tmp_path / "charts"
    [figures] = _lines(run("stats", "--json", "--charts", str(charts)))
    assert figures["platform"] == "local-portal" and figures["items_removed"] == 2
    assert figures["median_hours_to_removal"] == 25
    assert (charts / "notice-stats.png").is_file() and (charts / "notice-stats.svg").is_file()
    assert "local-portal" in run("stats")

    # case and police report
    [case] = _lines(run("case", "new", "--ref", CASE, "--json"))
    assert case["ref"] == CASE
    assert "never the victim's name" in run("case", "new", "--ref", "홍길동", code=1)
    run("case", "add", CASE, "--hit", str(world.hits["c"].id))
    shown_case = _lines(run("case", "show", CASE, "--json"))[0]
    assert {h["id"] for h in shown_case["hits"]} == {world.hits[x].id for x in "abc"}
    assert CASE in run("case", "list")
    [report] = _lines(
        run("report", "make", CASE, "--station", "Station 1", "--out", str(tmp_path), "--json")
    )
    assert set(report["files"]) == {
        "report.pdf",
        "evidence.wacz",
        "hits.json",
        "credential.json",
        "redaction.json",
        "redaction.txt",
    }
    assert [r["id"] for r in _lines(run("report", "list", "--waiting", "--json"))] == [report["id"]]
    assert "no reminder is due" in run("report", "reminders")
    world.clock.advance(days=15)
    assert [r["id"] for r in _lines(run("report", "reminders", "--json"))] == [report["id"]]
    run("report", "answered", str(report["id"]), "--answer", "case 77")
    assert _lines(run("report", "list", "--waiting", "--json")) == []
