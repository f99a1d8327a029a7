"""A registered item's journey: every sighting on every platform, in time order.

The events of each sighting are what the team recorded about it: when it was up (``first-seen``
for the earliest copy of the item, ``seen-again`` for every later copy, elsewhere by
definition, since a hit is one place), ``captured`` (each sealed capture), ``reported`` (each
notice sent that cited it) and ``removed`` (the first removal recorded, re-check that found it
gone, or capture that found it already gone). A copy seen after another was removed is marked
``after_removal``: the re-uploads that keep a victim's content alive.

A case's timeline is that of her entries and of the hits added to her case. Entries are named
by id only: their labels and banks can carry her name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from haechi.notices.errors import CaseError
from haechi.store.cases import CaseStore
from haechi.store.database import Database
from haechi.store.models import EntryRow
from haechi.tracking.errors import NotTracked
from haechi.tracking.sightings import CountryLookup, Sighting, load_sightings


class EventKind(StrEnum):
    """What happened to a sighting; the stable names of the JSON and the chart."""

    FIRST_SEEN = "first-seen"
    SEEN_AGAIN = "seen-again"
    CAPTURED = "captured"
    REPORTED = "reported"
    REMOVED = "removed"


_ORDER = {kind: n for n, kind in enumerate(EventKind)}


@dataclass(frozen=True)
class Event:
    """One dated thing that happened to one sighting."""

    at: datetime
    kind: EventKind
    hit_id: int
    entry_id: int
    platform: str | None
    country: str | None
    detail: str
    ref: str | None = None  # the capture id or notice id it names
    after_removal: bool = False

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "at": self.at.isoformat(),
            "event": self.kind.value,
            "hit": self.hit_id,
            "entry": self.entry_id,
            "platform": self.platform,
            "country": self.country,
            "detail": self.detail,
            "ref": self.ref,
            "after_removal": self.after_removal,
        }


@dataclass(frozen=True)
class Timeline:
    """The sightings of one entry or one case and their events, in time order."""

    subject: str  # "entry" or "case"
    key: str  # the entry id or the case reference
    entries: tuple[int, ...]
    sightings: tuple[Sighting, ...]
    events: tuple[Event, ...]
    reuploads_after_removal: frozenset[int] = frozenset()  # hit ids

    @property
    def platforms(self) -> list[str]:
        """The platforms it was seen on, in the order first met (unknown last)."""
        seen = dict.fromkeys(s.platform for s in self.sightings if s.platform)
        return list(seen)

    def only(self, platform: str | None) -> Timeline:
        """This timeline with one platform's sightings and events only (all for ``None``)."""
        if not platform:
            return self
        return Timeline(
            self.subject,
            self.key,
            self.entries,
            tuple(s for s in self.sightings if s.platform == platform),
            tuple(e for e in self.events if e.platform == platform),
            frozenset(h for h in self.reuploads_after_removal if self._platform(h) == platform),
        )

    def _platform(self, hit_id: int) -> str | None:
        return next((s.platform for s in self.sightings if s.hit_id == hit_id), None)

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form: no labels, no bank names, no personal data."""
        return {
            self.subject: int(self.key) if self.subject == "entry" else self.key,
            "entries": list(self.entries),
            "platforms": self.platforms,
            "countries": sorted({s.country for s in self.sightings if s.country}),
            "sightings": [
                {**s.as_json(), "after_removal": s.hit_id in self.reuploads_after_removal}
                for s in self.sightings
            ],
            "events": [e.as_json() for e in self.events],
        }


def build(
    subject: str, key: str, entries: Sequence[int], sightings: Sequence[Sighting]
) -> Timeline:
    """The events of these sightings, in time order (then by kind, then by hit)."""
    events: list[Event] = []
    first_of: dict[int, int] = {}
    for s in sightings:  # already in seen_at order
        first_of.setdefault(s.entry_id, s.hit_id)
    removed_at: dict[int, list[datetime]] = {}
    for s in sightings:
        if s.removal is not None:
            removed_at.setdefault(s.entry_id, []).append(s.removal.at)
    again: set[int] = set()
    for s in sightings:
        where = (s.platform, s.country)
        first = first_of[s.entry_id] == s.hit_id
        after = not first and any(at < s.seen_at for at in removed_at.get(s.entry_id, []))
        if after:
            again.add(s.hit_id)
        how = "posted" if s.posted_at else "found"
        place = s.container or s.page or s.location
        events.append(
            Event(
                s.seen_at, EventKind.FIRST_SEEN if first else EventKind.SEEN_AGAIN, s.hit_id,
                s.entry_id, *where, f"{how}: {place}", None, after,
            )
        )  # fmt: skip
        for capture in s.captures:
            events.append(
                Event(
                    capture.sealed_at, EventKind.CAPTURED, s.hit_id, s.entry_id, *where,
                    f"{capture.kind} capture", capture.id,
                )
            )  # fmt: skip
        for report in s.reports:
            events.append(
                Event(
                    report.sent_at, EventKind.REPORTED, s.hit_id, s.entry_id, *where,
                    f"{report.kind} notice to {report.platform}", str(report.notice_id),
                )
            )  # fmt: skip
        if s.removal is not None:
            events.append(
                Event(s.removal.at, EventKind.REMOVED, s.hit_id, s.entry_id, *where, s.removal.how)
            )
    events.sort(key=lambda e: (e.at, _ORDER[e.kind], e.hit_id, e.ref or ""))
    return Timeline(subject, key, tuple(entries), tuple(sightings), tuple(events), frozenset(again))


def entry_timeline(db: Database, entry_id: int, locate: CountryLookup | None = None) -> Timeline:
    """The journey of one registered entry (withdrawn ones too: their hits are kept)."""
    with db.session() as session:
        if session.scalar(select(EntryRow.id).where(EntryRow.id == entry_id)) is None:
            raise NotTracked(f"no bank entry {entry_id}")
        sightings = load_sightings(session, entry_ids=[entry_id], locate=locate)
    return build("entry", str(entry_id), [entry_id], sightings)


def case_timeline(db: Database, ref: str, locate: CountryLookup | None = None) -> Timeline:
    """The journey of a case's content: its entries' hits and the hits added to it."""
    with db.session() as session:
        cases = CaseStore(session)
        try:
            entries = cases.entry_ids(ref)
            hits = cases.hit_ids(ref)
        except CaseError:
            raise NotTracked(f"no case {ref}") from None
        sightings = load_sightings(session, hit_ids=hits, locate=locate)
    return build("case", ref, entries, sightings)


def timeline_of(db: Database, target: str, locate: CountryLookup | None = None) -> Timeline:
    """``ENTRY|CASE`` as the command takes it: a number is an entry id, anything else a case."""
    text = target.strip()
    if not text:
        raise NotTracked("name a bank entry id or a case reference")
    if text.isdigit():
        try:
            return entry_timeline(db, int(text), locate)
        except NotTracked:
            try:
                return case_timeline(db, text, locate)  # a reference may be digits only
            except NotTracked:
                raise NotTracked(f"no bank entry or case {text}") from None
    return case_timeline(db, text, locate)
