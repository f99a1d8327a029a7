"""Every command's help reads like a Unix tool's: no Python type names beside options and
arguments (``<bool>``, ``<str>``, ``<list[Path]>``), no ``--no-no-`` flags."""

from __future__ import annotations

import re
from collections.abc import Iterator

import typer
from typer.testing import CliRunner

from haechi.cli import app

TYPE_NAME = re.compile(r"(--[\w-]+|\.\.\.|^\s+\w+)\s+<[a-z][^>|]*>", re.M)  # choices <a|b> stay


def _commands(group: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    commands: dict[str, object] = getattr(group, "commands", {})  # a group of commands
    for name, command in commands.items():
        yield from _commands(command, (*path, name))


def test_no_type_names_in_any_help() -> None:
    runner = CliRunner()
    paths = list(_commands(typer.main.get_command(app)))
    assert len(paths) > 40
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert not TYPE_NAME.search(result.output), (path, result.output)
        assert "--no-no-" not in result.output, path
