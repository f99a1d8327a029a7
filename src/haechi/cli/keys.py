"""``haechi keys``: the data key that seals personal data and labels (status, rotation)."""

from __future__ import annotations

from typing import Annotated

import typer

from haechi.cli.common import EnvFactory, JsonOpt, command_group, database, guard, out, print_json


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi keys`` to ``app``."""
    keys_app = command_group("The data key that seals victims' personal data and bank labels.")
    app.add_typer(keys_app, name="keys")

    @keys_app.command("status")
    @guard
    def status(as_json: JsonOpt = False) -> None:
        """Where the data key is, and how many sealed values each key holds."""
        from haechi.crypto.rotation import key_status
        from haechi.crypto.vault import data_key_warnings, engine_vault

        e = env()
        with database(e.settings) as db:
            found = key_status(db, engine_vault(db.engine))
        if as_json:
            print_json({"source": found.source, "current": found.current, "sealed": found.by_key})
            return
        out.print(f"data key {found.current} in {found.source}")
        for key, count in found.by_key.items():
            mark = " (current)" if key == found.current else " (rotation unfinished)"
            out.print(f"  {key}{mark}: {count} sealed value(s)")
        for warning in data_key_warnings(e.settings):
            out.print(f"warning: {warning}")

    @keys_app.command("rotate")
    @guard
    def rotate(
        as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
    ) -> None:
        """Seal everything again under a new data key, then drop the old one.

        Each row is sealed again in its own transaction; the old key stays in the key file
        until every value is under the new one. A rotation that stopped is finished by running
        this again.
        """
        from haechi.crypto import rotation
        from haechi.crypto.vault import engine_vault
        from haechi.members.model import Actor

        e = env()
        with database(e.settings) as db:
            report = rotation.rotate(db, engine_vault(db.engine), Actor.console(), now=e.clock())
        if as_json:
            print_json(report.as_json())
            return
        verb = "finished the rotation to" if report.resumed else "rotated to"
        out.print(
            f"{verb} data key {report.key_id}: {report.labels} label(s), "
            f"{report.personal} case(s) and {report.secrets} member secret(s) sealed again"
        )
        if report.retired:
            out.print(f"retired: {', '.join(report.retired)}")
        if report.still_to_do:
            out.print(f"still to do: {report.still_to_do}")
