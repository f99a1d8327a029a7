"""``haechi members credential``: volunteers' signed credentials and their printable cards.

``issue NAME`` signs a credential for an active member and can write her card (PDF with a QR
code that opens the verify page); ``revoke CODE`` sets its bit in the public status list;
``list NAME`` shows hers. (``haechi admin create`` makes members; this group only speaks for
them to the outside.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from haechi.cli.common import EnvFactory, JsonOpt, command_group, database, guard, out, print_json
from haechi.cli.trust import trust_config
from haechi.errors import ConfigError


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi members`` to ``app``."""
    members_app = command_group("What the team's members can show to the outside.")
    app.add_typer(members_app, name="members")
    credential_app = command_group("Members' signed credentials (revocable, with a card).")
    members_app.add_typer(credential_app, name="credential")

    @credential_app.command("issue")
    @guard
    def issue_cmd(
        name: Annotated[str, typer.Argument(help="The member's pseudonym.")],
        days: Annotated[int, typer.Option(min=1, help="Days it is valid.")] = 365,
        card: Annotated[
            Path | None, typer.Option(help="Write her printable card (PDF) here.")
        ] = None,
        out_file: Annotated[
            Path | None, typer.Option("--out", help="Write the credential (JSON) here.")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Sign a credential for member NAME; print its verification code and link."""
        from haechi.members.model import Actor
        from haechi.trust.card import card_pdf
        from haechi.trust.members import issue
        from haechi.trust.notary import document_bytes

        e, config = env(), trust_config(env)
        with database(e.settings) as db, db.session() as session:
            published = issue(session, config, Actor.console(), name, e.clock(), days)
        try:
            if out_file is not None:
                out_file.write_bytes(document_bytes(published.document))
            if card is not None:
                card.write_bytes(card_pdf(config, published))
        except OSError as exc:
            raise ConfigError(f"cannot write: {exc}") from None
        if as_json:
            print_json({**published.as_json(), "link": config.verify_link(published.code)})
            return
        out.print(
            f"issued {published.code} to {escape(name)}; check at "
            f"{config.verify_link(published.code)}"
        )

    @credential_app.command("revoke")
    @guard
    def revoke_cmd(
        code: Annotated[str, typer.Argument(help="The credential's verification code.")],
        reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
    ) -> None:
        """Revoke a member credential: its card fails verification from now on."""
        from haechi.members.model import Actor
        from haechi.trust.members import revoke

        e, config = env(), trust_config(env)
        with database(e.settings) as db, db.session() as session:
            published = revoke(session, config, Actor.console(), code, reason, e.clock())
        out.print(f"revoked {published.code} ({published.subject})")

    @credential_app.command("list")
    @guard
    def list_cmd(
        name: Annotated[str, typer.Argument(help="The member's pseudonym.")],
        as_json: JsonOpt = False,
    ) -> None:
        """A member's credentials, newest first."""
        from haechi.trust.members import credentials_of

        e = env()
        with database(e.settings) as db, db.session() as session:
            found = credentials_of(session, name)
        for item in found:
            if as_json:
                print_json(item.as_json())
                continue
            state = f"revoked {item.revoked_at:%Y-%m-%d}" if item.revoked_at else "issued"
            out.print(
                f"{item.code}  {item.issued_at:%Y-%m-%d}  "
                f"until {item.document.get('validUntil', '')[:10]}  {state}"
            )
