"""The hooks where documents leave the team: notices, police packages, hash-list labels.

Each takes what its module is about to send and gives back the redacted version with its
statement; the owning module calls it at the one place the document is made, so nothing
leaves unredacted by another path.

- A notice's text is redacted with the case terms of the hits it cites and the resident
  registration number pattern, keeping whole every address it must carry: the URLs it reports
  and every e-mail address or URL in its context (the platform's, the host's desk, our own).
  The other patterns are not applied: a notice is written by the team from its templates, and
  the phone numbers and addresses in it are the team's and the desks' own. When anything was
  taken out, one line at the end says so, in Korean and English, with the count.
- A police package's facts (``hits.json``) and report lines are redacted the same way,
  unless the case records that the police may learn her name (``police_may_name``).
- A hash-list export's labels are redacted with the terms of each entry's case.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from haechi.redaction.cases import case_terms, hit_terms
from haechi.redaction.statement import Kind, Statement
from haechi.redaction.terms import Terms
from haechi.redaction.text import Redactor
from haechi.store.database import Database

_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.I)
NOTICE_NOTE = (
    "※ 피해자 보호를 위해 개인정보 {n}건을 {marker}(으)로 가렸습니다. / "
    "{n} item(s) of the victim's personal data were replaced by {marker} to protect her."
)


def strings_in(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string inside ``value`` (mappings, sequences, dataclasses), a few levels deep."""
    if depth > 5:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from strings_in(item, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from strings_in(getattr(value, f.name), depth + 1)


def addresses_in(values: Iterable[Any]) -> tuple[str, ...]:
    """The URLs and e-mail addresses inside ``values``: what a document must carry whole."""
    found: dict[str, None] = {}
    for value in values:
        for text in strings_in(value):
            if _ADDRESS.fullmatch(text.strip()):
                found[text.strip()] = None
            for m in _ADDRESS.finditer(text):
                found[m.group().rstrip(".,;)")] = None
    return tuple(sorted(found, key=len, reverse=True))


def redact_notice_text(
    session: Session, text: str, hit_ids: Iterable[int], context: Any
) -> tuple[str, Statement]:
    """A notice's text for sending (see the module docstring) and its statement."""
    redactor = Redactor(
        hit_terms(session, hit_ids),
        keep=addresses_in([context]),
        pattern_kinds=frozenset({Kind.RRN}),
    )
    done = redactor.redact(text)
    if not done.statement.total:
        return text, done.statement
    marker = next(iter(done.statement.markers))
    note = NOTICE_NOTE.format(n=done.statement.total, marker=marker)
    return f"{done.text.rstrip()}\n\n{note}\n", done.statement


def redact_facts(
    value: Any, redactor: Redactor, keep_keys: frozenset[str]
) -> tuple[Any, Statement]:
    """A JSON document with every string redacted but those under ``keep_keys`` (URLs,
    digests, ids the recipient needs whole)."""
    statement = Statement()

    def walk(item: Any, key: str | None) -> Any:
        nonlocal statement
        if isinstance(item, dict):
            return {k: walk(v, k) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, key) for v in item]
        if isinstance(item, str) and key not in keep_keys:
            done = redactor.redact(item, f"field:{key}" if key else "text")
            statement = statement + done.statement
            return done.text
        return item

    return walk(value, None), statement


def redact_labels(
    session: Session, labels: Iterable[tuple[str, str | None]]
) -> tuple[list[str], Statement]:
    """Labels of a hash-list export, each redacted with its entry's case terms and patterns."""
    cache: dict[str | None, Redactor] = {}
    out: list[str] = []
    statement = Statement()
    for label, ref in labels:
        if ref not in cache:
            cache[ref] = Redactor(case_terms(session, [ref]) if ref else Terms())
        done = cache[ref].redact(label, "label")
        out.append(done.text)
        statement = statement + done.statement
    return out, statement


POLICE_KEEP = frozenset(
    {
        "url", "page", "sha256", "md5", "pdq", "format", "ref", "case", "station", "made_at",
        "answer_due", "found_at", "posted_at", "created_at", "closed_at", "status", "kind",
        "review", "source", "signal", "platform", "id", "sealed",
    }
)  # fmt: skip
"""Keys of a police package's facts kept whole: addresses, digests, ids, times, statuses."""


@dataclasses.dataclass
class PoliceShield:
    """How one police package is redacted: unless the case allows her name, every string
    but the kept keys, and a local file's name; the statement goes into the package."""

    redactor: Redactor | None  # None: she allowed the police to learn her name
    statement: Statement = dataclasses.field(default_factory=Statement)

    def location(self, text: str) -> str:
        """A hit's location for the report: a URL whole, a file name redacted."""
        if self.redactor is None or _ADDRESS.fullmatch(text):
            return text
        done = self.redactor.redact(text, "file name")
        self.statement = self.statement + done.statement
        return done.text

    def facts(self, value: Any) -> Any:
        """The package's JSON facts, redacted (see :data:`POLICE_KEEP`)."""
        if self.redactor is None:
            return value
        out, statement = redact_facts(value, self.redactor, POLICE_KEEP)
        self.statement = self.statement + statement
        return out

    def write_statement(self, folder: Path) -> None:
        """``redaction.json`` and ``redaction.txt`` in the package."""
        doc = {
            **self.statement.as_json(),
            "applied": self.redactor is not None,
            "reason": (
                "redacted: the case does not record that the police may learn her name"
                if self.redactor is not None
                else "not redacted: the case records that the police may learn her name"
            ),
        }
        (folder / "redaction.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        head = (
            ""
            if self.redactor is not None
            else (
                "피해자가 경찰에 이름을 알리는 데 동의하여 가리지 않았습니다. / Not redacted: she "
                "agreed that the police may learn her name.\n\n"
            )
        )
        (folder / "redaction.txt").write_text(head + self.statement.as_text(), encoding="utf-8")


def police_shield(db: Database, ref: str) -> PoliceShield:
    """The shield for a police package of case ``ref`` (see :class:`PoliceShield`)."""
    from haechi.casework.cases import consent_of

    with db.session() as session:
        if consent_of(session, ref).police_may_name is True:
            return PoliceShield(None)
        return PoliceShield(Redactor(case_terms(session, [ref])))
