"""The acting commands a first day needs: cases named as typed, cases made by ``bank add``,
re-checks on demand, and the platform directory edited one entry at a time."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import typer
from tests.notices.world import PAGES, World, world_on_loopback
from typer.testing import CliRunner

from haechi.cli import app, mount
from haechi.cli.common import CommandEnv

runner = CliRunner()


def run_home(home: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--home", str(home), *args])
    assert result.exit_code == code, result.output
    return result.output


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in output.splitlines() if x.startswith("{")]


def test_case_new_takes_the_reference_as_typed_and_keeps_ref(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert "case C-2026-001 opened" in run_home(home, "case", "new", "C-2026-001")
    assert "case C-2026-002 opened" in run_home(home, "case", "new", "--ref", "C-2026-002")
    assert "already exists" in run_home(home, "case", "new", "C-2026-001", code=1)
    assert "--ref" not in run_home(home, "case", "new", "--help")  # a hidden alias
    refs = [c["ref"] for c in lines(run_home(home, "case", "list", "--json"))]
    assert refs == ["C-2026-001", "C-2026-002"]


def test_bank_add_with_a_new_case_opens_it(tmp_path: Path, make_photo: Callable[..., Path]) -> None:
    home = tmp_path / "h"
    photo = str(make_photo(7))
    output = run_home(home, "bank", "add", "victims", photo, "--case", "C-2026-009")
    assert "case C-2026-009 opened" in output
    [shown] = lines(run_home(home, "case", "show", "C-2026-009", "--json"))
    assert len(shown["entries"]) == 1  # type: ignore[arg-type]
    output = run_home(home, "bank", "add", "victims", str(make_photo(8)), "--case", "C-2026-009")
    assert "opened" not in output  # the second time it exists


def test_platforms_add_and_edit(tmp_path: Path) -> None:
    home = tmp_path / "h"
    output = run_home(
        home, "platforms", "add", "pics", "--domain", "pics.example", "--email", "a@pics.example"
    )
    assert "platform pics added (pics.example)" in output
    assert "exists already" in run_home(
        home, "platforms", "add", "pics", "--domain", "x.example", "--email", "a@x.example", code=1
    )
    assert "not an address" in run_home(
        home, "platforms", "add", "bad", "--domain", "b.example", "--email", "nobody", code=2
    )
    run_home(home, "platforms", "edit", "pics", "--language", "ko", "--domain", "img.pics.example")
    [pics] = lines(run_home(home, "platforms", "list", "--json"))
    assert pics["language"] == "ko" and pics["domains"] == ["img.pics.example"]
    assert pics["email"] == "a@pics.example"  # what was not given stays
    assert "no platform named 'nope'" in run_home(
        home, "platforms", "edit", "nope", "--notes", "x", code=1
    )


def test_starter_directory_has_telegram_and_warns_of_placeholders_once(tmp_path: Path) -> None:
    home = tmp_path / "h"
    first = run_home(home, "platforms", "import", "--starter")
    assert "placeholders" in first and "telegram" not in first.split("placeholders")[1]
    again = run_home(home, "platforms", "import", "--starter")
    assert "placeholders" not in again
    by_name = {p["name"]: p for p in lines(run_home(home, "platforms", "list", "--json"))}
    telegram = by_name["telegram"]
    assert telegram["email"] == "abuse@telegram.org" and telegram["placeholder"] is False
    assert "t.me" in telegram["domains"]  # type: ignore[operator]


def _app(world: World, env: CommandEnv) -> typer.Typer:
    acting = typer.Typer()

    @acting.callback()
    def main() -> None:
        """haechi, as the tests mount it."""

    mount(acting, lambda: env)
    return acting


def test_recheck_now_and_allow_host(tmp_path: Path) -> None:
    with world_on_loopback(tmp_path) as world:
        _recheck_now_and_allow_host(world)


def _recheck_now_and_allow_host(world: World) -> None:
    # No allow-list anywhere: only --allow-host lets the re-check reach the loopback site.
    config = replace(world.desk.config, allow_hosts=())
    env = CommandEnv(world.settings, config, world.clock)
    acting = _app(world, env)

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(acting, list(args))
        assert result.exit_code == code, result.output
        return result.output

    run("review", "confirm", "--all", "--platform", "local-portal", "--reviewer", "r1")
    [draft] = lines(run("notices", "draft", "--json"))
    run("notices", "approve", str(draft["id"]))
    run("notices", "send")
    assert "no re-check is due" in run("recheck")  # just sent: not due yet
    world.site.image(PAGES["a"][2], b"", status=404, content_type="text/plain")
    refused = lines(run("recheck", "--now", "--json"))
    assert {c["outcome"] for c in refused if "outcome" in c} == {"unreachable"}
    checks = lines(run("recheck", "--now", "--allow-host", "127.0.0.1", "--json"))
    outcomes = {c["hit"]: c["outcome"] for c in checks if "outcome" in c}
    assert outcomes == {world.hits["a"].id: "removed", world.hits["b"].id: "present"}
