"""``haechi platforms``: the directory of platforms and regulators notices go to."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

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
        from haechi.notices.directory import list_platforms

        with open_desk(env()) as desk:
            found = list_platforms(desk.db)
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
        from haechi.notices.directory import new_placeholders

        e = env()
        with open_desk(e) as desk, desk.db.session() as session:
            store = PlatformStore(session)
            placeholders = new_placeholders(store.all(), platforms)
            added, updated = store.save(platforms, e.clock())
        out.print(f"{added} platform(s) added, {updated} updated")
        if placeholders:
            err.print(
                f"[yellow]placeholders (nothing is sent to them until edited):[/] "
                f"{', '.join(placeholders)}"
            )

    mount_edits(platforms_app, env)

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


# The options of `platforms add` and `platforms edit`, named like the directory file's keys.
TitleOpt = Annotated[str | None, typer.Option(help="Full name shown in notices.")]
DomainOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--domain", metavar="DOMAIN", help="A domain it hosts (subdomains included); repeatable."
    ),
]
EmailOpt = Annotated[str | None, typer.Option(help="Abuse address notices are sent to.")]
WebFormOpt = Annotated[
    str | None, typer.Option("--web-form", help="Report form URL (when there is no e-mail).")
]
LanguageOpt = Annotated[str | None, typer.Option(help="Language of its notices: ko, en.")]
KindOpt = Annotated[str | None, typer.Option(help="host or regulator.")]
CountryOpt = Annotated[str | None, typer.Option(help="Two-letter country code, e.g. KR.")]
LegalOpt = Annotated[
    str | None, typer.Option("--legal-basis", help="The law or terms a notice cites.")
]
DeadlineOpt = Annotated[
    int | None, typer.Option("--deadline-hours", help="Hours it has before a repeat notice.")
]
MarkerOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--removed-marker", metavar="TEXT", help="Text of its removed-content page; repeatable."
    ),
]
NotesOpt = Annotated[str | None, typer.Option(help="Notes for the group.")]


def _fields(**given: Any) -> dict[str, Any]:
    """The directory-file fields the person gave (``None``: not given)."""
    renamed = {"domain": "domains", "removed_marker": "removed_markers"}
    return {renamed.get(k, k): v for k, v in given.items() if v is not None}


def mount_edits(platforms_app: typer.Typer, env: EnvFactory) -> None:
    """``platforms add`` and ``platforms edit``: one entry at a time, no file round trip."""

    @platforms_app.command("add")
    @guard
    def add(
        name: Annotated[str, typer.Argument(help="Stable short key, e.g. telegram.")],
        title: TitleOpt = None,
        domain: DomainOpt = None,
        email: EmailOpt = None,
        web_form: WebFormOpt = None,
        language: LanguageOpt = None,
        kind: KindOpt = None,
        country: CountryOpt = None,
        legal_basis: LegalOpt = None,
        deadline_hours: DeadlineOpt = None,
        removed_marker: MarkerOpt = None,
        notes: NotesOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Add a platform: its domains and where its notices go."""
        from haechi.notices.directory import add_platform

        fields = _fields(
            name=name,
            title=title,
            domain=domain,
            email=email,
            web_form=web_form,
            language=language,
            kind=kind,
            country=country,
            legal_basis=legal_basis,
            deadline_hours=deadline_hours,
            removed_marker=removed_marker,
            notes=notes,
        )
        with open_desk(env()) as desk:
            platform = add_platform(desk, fields)
        if as_json:
            print_json(platform.as_json())
        else:
            out.print(f"platform {platform.name} added ({', '.join(platform.domains)})")

    @platforms_app.command("edit")
    @guard
    def edit(
        name: Annotated[str, typer.Argument(help="The platform to change.")],
        title: TitleOpt = None,
        domain: DomainOpt = None,
        email: EmailOpt = None,
        web_form: WebFormOpt = None,
        language: LanguageOpt = None,
        kind: KindOpt = None,
        country: CountryOpt = None,
        legal_basis: LegalOpt = None,
        deadline_hours: DeadlineOpt = None,
        removed_marker: MarkerOpt = None,
        notes: NotesOpt = None,
        answers: Annotated[
            bool | None,
            typer.Option("--answers/--no-answers", help="Whether it is known to reply."),
        ] = None,
        placeholder: Annotated[
            bool | None,
            typer.Option(
                "--placeholder/--no-placeholder",
                help="--no-placeholder once its contact is checked: notices may go to it.",
            ),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Change some fields of a platform; --domain and --removed-marker replace the lists."""
        from haechi.notices.directory import edit_platform

        changes = _fields(
            title=title,
            domain=domain,
            email=email,
            web_form=web_form,
            language=language,
            kind=kind,
            country=country,
            legal_basis=legal_basis,
            deadline_hours=deadline_hours,
            removed_marker=removed_marker,
            notes=notes,
            answers=answers,
            placeholder=placeholder,
        )
        if not changes:
            raise typer.BadParameter("give at least one field to change (see --help)")
        with open_desk(env()) as desk:
            platform = edit_platform(desk, name, changes)
        if as_json:
            print_json(platform.as_json())
        else:
            flag = " (still a placeholder)" if platform.placeholder else ""
            out.print(f"platform {platform.name} changed{flag}")
