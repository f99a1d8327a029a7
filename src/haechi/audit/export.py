"""The audit trail written out for auditors: CSV for spreadsheets, JSON lines for tools.

CSV cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) are
prefixed with ``'``: a member's chosen name must not become code in an auditor's spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from haechi.audit.trail import AuditEvent

COLUMNS = (
    "id",
    "at",
    "kind",
    "actor_id",
    "actor",
    "subject_id",
    "subject",
    "address",
    "detail",
    "prev_hash",
    "row_hash",
)


def _cell(value: object) -> str:
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_csv(events: Iterable[AuditEvent]) -> str:
    """The events as CSV with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for event in events:
        data = event.as_json()
        writer.writerow([_cell(data[column]) for column in COLUMNS])
    return buffer.getvalue()


def to_json_lines(events: Iterable[AuditEvent]) -> str:
    """The events as JSON, one object per line."""
    return "".join(json.dumps(e.as_json(), ensure_ascii=False) + "\n" for e in events)
