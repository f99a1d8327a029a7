"""``haechi admin create NAME``: the team server's first admin, made at its console.

The password comes from ``--password-file`` or standard input (asked twice, unseen, at a
terminal), never from the command line, where other users could read it. The member's TOTP
secret is printed as a provisioning URI and a QR code for her authenticator app, with her
recovery codes; ``--json`` prints them as one object for provisioning scripts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from haechi.cli.common import EnvFactory, command_group, database, guard, out, print_json
from haechi.errors import ConfigError


def read_password(password_file: Path | None) -> str:
    """The password from the file (its first line), or from standard input."""
    if password_file is not None:
        try:
            text = password_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the password file {password_file}: {exc}") from None
        return text.splitlines()[0] if text else ""
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi admin`` to ``app``."""
    admin_app = command_group("Members of the team server (haechi serve).")
    app.add_typer(admin_app, name="admin")

    @admin_app.command("create")
    @guard
    def create_cmd(
        name: Annotated[str, typer.Argument(help="The member's pseudonym.")],
        password_file: Annotated[
            Path | None,
            typer.Option(help="Read the password from this file; default: standard input."),
        ] = None,
        role: Annotated[str, typer.Option(help="Role of the new member.")] = "admin",
        as_json: Annotated[
            bool, typer.Option("--json", help='Print {"member", "totp_uri", "recovery_codes"}.')
        ] = False,
    ) -> None:
        """Create a member (the first admin); print her TOTP key as a URI and a QR code."""
        from haechi.members.model import Actor, parse_role
        from haechi.members.service import create_member

        password = read_password(password_file)
        e = env()
        with database(e.settings) as db, db.session() as session:
            enrolment = create_member(
                session, Actor.console(), name, password, role=parse_role(role), now=e.clock()
            )
        if as_json:
            print_json(enrolment.as_json())
            return
        import segno

        out.print(f"created {escape(name)} ({enrolment.member.role.value})")
        out.print("Add this key to an authenticator app (scan the code or open the URI):")
        out.print(escape(enrolment.totp_uri), soft_wrap=True)
        segno.make(enrolment.totp_uri, error="m").terminal(out=sys.stdout, compact=True)
        out.print("Recovery codes (each works once; keep them offline):")
        for code in enrolment.recovery_codes:
            out.print(f"  {code}")
