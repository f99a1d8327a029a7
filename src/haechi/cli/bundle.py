"""``haechi bundle``: the redacted bundle a platform (or any outsider) receives for a notice or
for hits: the sealed evidence untouched, the captured pages redacted, the statement."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from haechi.cli.common import EnvFactory, JsonOpt, database, guard, print_json
from haechi.cli.common import soft_out as out


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi bundle`` to ``app``."""

    @app.command("bundle")
    @guard
    def bundle_cmd(
        out_path: Annotated[
            Path,
            typer.Option("--out", "-o", help="A new (or empty) folder, or a file ending in .zip."),
        ],
        notice: Annotated[
            int | None, typer.Option(help="The notice whose cited hits to bundle.", min=1)
        ] = None,
        hit: Annotated[list[int] | None, typer.Option(help="A hit to bundle; repeatable.")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Write the bundle for a platform: evidence.wacz exactly as sealed, redacted/ (each
        captured page with the victim's data taken out), redaction.json/.txt and SHA256SUMS.
        The export is audited."""
        from haechi.members.model import Actor
        from haechi.redaction import delivery
        from haechi.scan.preserve import evidence_config

        if (notice is None) == (not hit):
            raise delivery.BundleRefused("name either --notice or one or more --hit")
        e = env()
        config = evidence_config(e.settings)
        with database(e.settings) as db:
            subject = (
                delivery.for_notice(db, notice)
                if notice is not None
                else delivery.for_hits(hit or [])
            )
            if out_path.suffix.lower() == ".zip":
                if out_path.exists():
                    raise delivery.BundleRefused(f"{out_path} exists; name a new file")
                out_path.parent.mkdir(parents=True, exist_ok=True)
                zipped = delivery.zipped_bundle(
                    db, config, subject, e.settings.home, Actor.console()
                )
                out_path.write_bytes(zipped.data)
                made = zipped.bundle
            else:
                made = delivery.write_bundle(db, config, subject, out_path, Actor.console())
        if as_json:
            print_json(
                {
                    "out": str(out_path),
                    "ids": list(subject.ids),
                    "captures": list(made.export.capture_ids),
                    "missing": [m.describe() for m in made.export.missing],
                    "files": made.files,
                    "redaction": made.statement.as_json(),
                }
            )
            return
        out.print(escape(f"wrote {out_path}: {len(made.export.capture_ids)} capture(s)"))
        for missing in made.export.missing:
            out.print(escape(f"not in the bundle: {missing.describe()}"))
        out.print(made.statement.as_text(), end="", markup=False)
