"""``haechi redact --case REF FILE``: a text or HTML file as it would leave the team."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from haechi.cli.common import EnvFactory, database, err, guard


class DocKind(StrEnum):
    """How to read the file: told from its content, or named."""

    AUTO = "auto"
    TEXT = "text"
    HTML = "html"


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi redact`` to ``app``."""

    @app.command("redact")
    @guard
    def redact(
        file: Annotated[Path, typer.Argument(help="A text or HTML file.")],
        case: Annotated[str, typer.Option("--case", help="The case whose victim to protect.")],
        kind: Annotated[DocKind, typer.Option(help="auto, text or html.")] = DocKind.AUTO,
        statement: Annotated[
            Path | None,
            typer.Option(help="Write the statement (JSON) to this file instead of stderr."),
        ] = None,
        marker: Annotated[
            str | None, typer.Option(help="The marker (default [비공개] or [REDACTED]).")
        ] = None,
    ) -> None:
        """Print FILE redacted for case REF, so a person can check what would go out.

        The redacted document goes to stdout; the statement of what was redacted and why
        (kinds and counts, never the values) to stderr, or to --statement as JSON.
        """
        from haechi.redaction.service import read_document, redact_for_case

        data = read_document(file)
        e = env()
        with database(e.settings) as db:
            done = redact_for_case(db, case, data, kind.value, marker)
        sys.stdout.write(done.text if done.text.endswith("\n") else done.text + "\n")
        sys.stdout.flush()
        if statement is not None:
            doc = json.dumps(done.statement.as_json(), ensure_ascii=False, indent=2)
            statement.write_text(doc + "\n", encoding="utf-8")
        else:
            err.print(done.statement.as_text(), end="", markup=False)
