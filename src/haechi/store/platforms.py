"""Storage of the platform directory: each platform's desk, domains and removal markers.

The directory's rules (parsing, matching a URL to a platform) live in
:mod:`haechi.notices.platforms`; this keeps them in the database within one session.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from haechi.notices.errors import PlatformError
from haechi.notices.platforms import Platform, PlatformDirectory, PlatformKind
from haechi.store.models import PlatformDomainRow, PlatformRow


def _platform(row: PlatformRow) -> Platform:
    return Platform(
        name=row.name,
        title=row.title,
        domains=tuple(d.domain for d in row.domains),
        language=row.language,
        kind=PlatformKind(row.kind),
        country=row.country,
        email=row.email,
        web_form=row.web_form,
        legal_basis=row.legal_basis,
        answers=row.answers,
        deadline_hours=row.deadline_hours,
        removed_markers=tuple(json.loads(row.removed_markers)),
        placeholder=row.placeholder,
        notes=row.notes,
    )


class PlatformStore:
    """The platform directory within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, name: str) -> PlatformRow:
        row = self.session.scalar(select(PlatformRow).where(PlatformRow.name == name))
        if row is None:
            raise PlatformError(
                f"no platform named {name!r}; see `haechi platforms list`, add it with "
                "`haechi platforms import FILE`"
            )
        return row

    def get(self, name: str) -> Platform:
        """One platform by name, or :class:`PlatformError`."""
        return _platform(self._row(name))

    def row_id(self, name: str) -> int:
        """The database id of a platform."""
        return self._row(name).id

    def all(self) -> list[Platform]:
        """Every platform, by name."""
        rows = self.session.scalars(
            select(PlatformRow)
            .options(selectinload(PlatformRow.domains))
            .order_by(PlatformRow.name)
        )
        return [_platform(r) for r in rows]

    def directory(self) -> PlatformDirectory:
        """The directory for assigning hits."""
        return PlatformDirectory(self.all())

    def save(self, platforms: Sequence[Platform], now: datetime) -> tuple[int, int]:
        """Add or replace platforms by name; returns ``(added, updated)``.

        Domains move with the file: an import may hand a domain from one of its platforms to
        another, but not take one from a platform it does not mention.
        """
        incoming = {p.name for p in platforms}
        claimed = {
            domain: name
            for domain, name in self.session.execute(
                select(PlatformDomainRow.domain, PlatformRow.name).join(
                    PlatformRow, PlatformRow.id == PlatformDomainRow.platform_id
                )
            )
            if name not in incoming
        }
        for platform in platforms:
            for domain in platform.domains:
                if domain in claimed:
                    raise PlatformError(
                        f"domain {domain} of {platform.name} already belongs to "
                        f"{claimed[domain]}; remove it there first"
                    )
        existing = {
            row.name: row
            for row in self.session.scalars(
                select(PlatformRow).where(PlatformRow.name.in_(list(incoming)))
            )
        }
        for row in existing.values():
            row.domains.clear()
        self.session.flush()  # old domains gone before any of them moves to another platform
        for platform in platforms:
            row = existing.get(platform.name) or PlatformRow(name=platform.name)
            row.title = platform.title
            row.kind = platform.kind.value
            row.country = platform.country
            row.email = platform.email
            row.web_form = platform.web_form
            row.language = platform.language
            row.legal_basis = platform.legal_basis
            row.answers = platform.answers
            row.deadline_hours = platform.deadline_hours
            row.removed_markers = json.dumps(list(platform.removed_markers), ensure_ascii=False)
            row.placeholder = platform.placeholder
            row.notes = platform.notes
            row.updated_at = now
            row.domains = [PlatformDomainRow(domain=d) for d in platform.domains]
            self.session.add(row)
        self.session.flush()
        return len(incoming - set(existing)), len(existing)
