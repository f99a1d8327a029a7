"""``haechi platforms``: the directory of platforms and regulators notices go to."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from haechi.cli.common import (
    EnvFactory,
    JsonOpt,
    command_group,
    guard,
    open_desk,
    print_json,
    print_table,
)
from haechi.cli.common import soft_err as err
from haechi.cli.common import soft_out as out


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi platforms`` to ``app``."""
    platforms_app = command_group("The platform directory.")
    app.add_typer(platforms_app, name="platforms")

    @platforms_app.command("list")
    @guard
    def list_platforms(as_json: JsonOpt = False) -> None:
        """Every platform and regulator."""
        from haechi.store.notices import PlatformStore

        with open_desk(env()) as desk, desk.db.session() as session:
            found = PlatformStore(session).all()
        if as_json:
            for p in found:
                print_json(p.as_json())
            return
        table = Table("platform", "kind", "domains", "contact", "lang", "deadline", box=None)
        for p in found:
            flag = " [yellow](placeholder)[/]" if p.placeholder else ""
            table.add_row(
                p.name + flag,
                p.kind.value,
                ", ".join(p.domains),
                p.contact,
                p.language,
                f"{p.deadline_hours or ''}h" if p.deadline_hours else "default",
            )
        print_table(table, out)
        if not found:
            out.print("no platforms yet: `haechi platforms import --starter` to begin")

    @platforms_app.command("import")
    @guard
    def import_platforms(
        file: Annotated[Path | None, typer.Argument(help="A TOML or JSON directory file.")] = None,
        starter: Annotated[
            bool, typer.Option(help="Import the bundled starter list (placeholders).")
        ] = False,
        fmt: Annotated[str | None, typer.Option("--format", help="toml or json.")] = None,
    ) -> None:
        """Add or update platforms from a directory file (by name)."""
        from haechi.notices.platforms import (
            guess_platform_format,
            parse_platforms,
            starter_platforms,
        )
        from haechi.store.notices import PlatformStore

        if (file is None) == (not starter):
            raise typer.BadParameter("give a FILE or --starter")
        if file is not None:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                err.print(f"[bold red]error:[/] cannot read {file}: {exc}")
                raise typer.Exit(1) from None
            platforms = parse_platforms(text, fmt or guess_platform_format(file.name))
        else:
            platforms = starter_platforms()
        e = env()
        with open_desk(e) as desk, desk.db.session() as session:
            added, updated = PlatformStore(session).save(platforms, e.clock())
        out.print(f"{added} platform(s) added, {updated} updated")
        placeholders = [p.name for p in platforms if p.placeholder]
        if placeholders:
            err.print(
                f"[yellow]placeholders (nothing is sent to them until edited):[/] "
                f"{', '.join(placeholders)}"
            )

    @platforms_app.command("export")
    @guard
    def export_platforms(
        out_file: Annotated[
            Path | None, typer.Option("--out", "-o", help="Default: stdout.")
        ] = None,
        fmt: Annotated[str | None, typer.Option("--format", help="toml or json.")] = None,
    ) -> None:
        """Write the directory as a file to edit and import again."""
        from haechi.notices.platforms import dump_platforms, guess_platform_format
        from haechi.store.notices import PlatformStore

        chosen = fmt or (guess_platform_format(out_file.name) if out_file else "toml")
        with open_desk(env()) as desk, desk.db.session() as session:
            text = dump_platforms(PlatformStore(session).all(), chosen)
        if out_file is None or str(out_file) == "-":
            sys.stdout.write(text)
        else:
            out_file.write_text(text, encoding="utf-8")
            err.print(f"wrote {out_file}")
