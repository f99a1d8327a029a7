"""Bank storage: banks, their entries and signals. The only place bank SQL is written.

Hex signals are rows of ``signals``; an entry's ``orb`` record (a few kilobytes) and a video's
``vpdq`` frame hashes (about 41 bytes a sampled frame) are one blob each in ``entry_features``.
Callers see both as the entry's signals.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from haechi.banks.model import Bank, BankEntry, NewEntry
from haechi.crypto.labels import keep_label, label_of
from haechi.errors import BankError
from haechi.hashing.signals import Signal, SignalKind
from haechi.store.models import BankRow, EntryRow, FeatureRow, SignalRow, utcnow

_BLOB_KINDS = frozenset(k for k in SignalKind if k.is_local or k.is_video)


def _bank(row: BankRow, entries: int = 0) -> Bank:
    return Bank(row.id, row.name, row.description, row.created_at, entries)


def _entry(row: EntryRow, bank_name: str) -> BankEntry:
    signals = tuple(Signal(SignalKind(s.kind), s.value, s.quality) for s in row.signals)
    signals += tuple(Signal.of_record(f.data, SignalKind(f.kind)) for f in row.features)
    return BankEntry(
        row.id, bank_name, label_of(row), row.case_ref, row.added_at, signals, row.withdrawn_at
    )


def _live_range_signals(min_quality: int) -> tuple[ColumnElement[bool], ...]:
    kinds = [k.value for k in SignalKind if k.is_pdq]
    return (
        SignalRow.kind.in_(kinds),
        EntryRow.withdrawn_at.is_(None),
        func.coalesce(SignalRow.quality, 0) >= min_quality,
    )


class BankStore:
    """Reads and writes banks within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, name: str) -> BankRow:
        row = self.session.scalar(select(BankRow).where(BankRow.name == name))
        if row is None:
            raise BankError(f"no bank named {name!r}; create it with `haechi bank create {name}`")
        return row

    def create(self, name: str, description: str = "") -> Bank:
        """Create a bank; names are unique."""
        name = name.strip()
        if not name:
            raise BankError("a bank needs a name")
        row = BankRow(name=name, description=description)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            raise BankError(f"a bank named {name!r} already exists") from None
        return _bank(row)

    def get(self, name: str) -> Bank:
        """The bank of that name, or :class:`BankError`."""
        row = self._row(name)
        return _bank(row, self._count(row.id))

    def get_or_create(self, name: str) -> tuple[Bank, bool]:
        """The bank of that name, created if missing; the flag says whether it was created."""
        row = self.session.scalar(select(BankRow).where(BankRow.name == name))
        if row is not None:
            return _bank(row, self._count(row.id)), False
        return self.create(name), True

    def _count(self, bank_id: int) -> int:
        return int(
            self.session.scalar(
                select(func.count(EntryRow.id)).where(
                    EntryRow.bank_id == bank_id, EntryRow.withdrawn_at.is_(None)
                )
            )
            or 0
        )

    def all(self) -> list[Bank]:
        """Every bank with its number of live entries."""
        counted = self.session.execute(
            select(EntryRow.bank_id, func.count(EntryRow.id))
            .where(EntryRow.withdrawn_at.is_(None))
            .group_by(EntryRow.bank_id)
        )
        counts = {bank_id: n for bank_id, n in counted}
        rows = self.session.scalars(select(BankRow).order_by(BankRow.name))
        return [_bank(r, counts.get(r.id, 0)) for r in rows]

    def add_entries(self, bank: str, entries: Iterable[NewEntry]) -> list[BankEntry]:
        """Add entries with their signals; each gets an id."""
        bank_row = self._row(bank)
        rows: list[tuple[EntryRow, str]] = []
        for new in entries:
            row = EntryRow(
                bank_id=bank_row.id,
                label="",  # sealed below, once the row has its id
                case_ref=new.case_ref,
                added_at=new.added_at or utcnow(),
            )
            unique = {(s.kind, s.value): s for s in new.signals if s.kind not in _BLOB_KINDS}
            row.signals = [
                SignalRow(kind=s.kind.value, value=s.value, quality=s.quality)
                for s in unique.values()
            ]
            # One record per kind and entry: the last one given wins.
            records = {s.kind: s.record() for s in new.signals if s.kind in _BLOB_KINDS}
            row.features = [FeatureRow(kind=k.value, data=data) for k, data in records.items()]
            self.session.add(row)
            rows.append((row, new.label))
        self.session.flush()
        for row, label in rows:
            keep_label(self.session, row, label)
        self.session.flush()
        return [_entry(r, bank_row.name) for r, _ in rows]

    def entries(self, bank: str, include_withdrawn: bool = False) -> Iterator[BankEntry]:
        """A bank's entries, oldest first."""
        bank_row = self._row(bank)
        query = (
            select(EntryRow)
            .where(EntryRow.bank_id == bank_row.id)
            .options(selectinload(EntryRow.signals), selectinload(EntryRow.features))
            .order_by(EntryRow.id)
        )
        if not include_withdrawn:
            query = query.where(EntryRow.withdrawn_at.is_(None))
        for row in self.session.scalars(query):
            yield _entry(row, bank_row.name)

    def entries_page(
        self,
        bank: str,
        offset: int,
        limit: int,
        include_withdrawn: bool = False,
        newest_first: bool = True,
    ) -> list[BankEntry]:
        """One page of a bank's entries (for lists that must not load a whole bank)."""
        bank_row = self._row(bank)
        order = EntryRow.id.desc() if newest_first else EntryRow.id
        query = (
            select(EntryRow)
            .where(EntryRow.bank_id == bank_row.id)
            .options(selectinload(EntryRow.signals), selectinload(EntryRow.features))
            .order_by(order)
            .offset(offset)
            .limit(limit)
        )
        if not include_withdrawn:
            query = query.where(EntryRow.withdrawn_at.is_(None))
        return [_entry(row, bank_row.name) for row in self.session.scalars(query)]

    def entry(self, entry_id: int) -> BankEntry:
        """One entry by id, or :class:`BankError`."""
        row = self.session.get(EntryRow, entry_id)
        if row is None:
            raise BankError(f"no bank entry with id {entry_id}")
        return _entry(row, row.bank.name)

    def withdraw(self, entry_id: int, when: datetime | None = None) -> BankEntry:
        """Delete an entry's signals for good; the entry stays as a dated tombstone for hits."""
        row = self.session.get(EntryRow, entry_id)
        if row is None:
            raise BankError(f"no bank entry with id {entry_id}")
        if row.withdrawn_at is not None:
            raise BankError(f"entry {entry_id} was already withdrawn at {row.withdrawn_at:%F %T}Z")
        row.signals.clear()
        row.features.clear()
        row.withdrawn_at = when or utcnow()
        self.session.flush()
        return _entry(row, row.bank.name)

    def pdq_signals(self) -> list[tuple[int, int, str, int]]:
        """``(signal id, entry id, hex, quality)`` of every live PDQ signal, for the index."""
        rows = self.session.execute(
            select(SignalRow.id, SignalRow.entry_id, SignalRow.value, SignalRow.quality)
            .join(EntryRow, EntryRow.id == SignalRow.entry_id)
            .where(SignalRow.kind == SignalKind.PDQ.value, EntryRow.withdrawn_at.is_(None))
        )
        return [(sid, eid, value, quality or 0) for sid, eid, value, quality in rows]

    def range_signals(self, min_quality: int = 0) -> list[tuple[int, int, SignalKind, str, int]]:
        """``(signal id, entry id, kind, hex, quality)`` of every live PDQ and PDQ-crop signal."""
        rows = self.session.execute(
            select(
                SignalRow.id, SignalRow.entry_id, SignalRow.kind, SignalRow.value, SignalRow.quality
            )
            .join(EntryRow, EntryRow.id == SignalRow.entry_id)
            .where(*_live_range_signals(min_quality))
        )
        return [(sid, eid, SignalKind(k), v, q or 0) for sid, eid, k, v, q in rows]

    def range_fingerprint(self, min_quality: int) -> tuple[int, int, int]:
        """``(count, max id, sum of ids)`` of what :meth:`range_signals` returns.

        Cheap to compute in SQL; any insert or delete changes it, so a persisted index built
        from the same rows can be trusted when the fingerprints agree.
        """
        count, top, total = self.session.execute(
            select(func.count(SignalRow.id), func.max(SignalRow.id), func.sum(SignalRow.id))
            .join(EntryRow, EntryRow.id == SignalRow.entry_id)
            .where(*_live_range_signals(min_quality))
        ).one()
        return int(count or 0), int(top or 0), int(total or 0)

    def signal_owners(self, signal_ids: Iterable[int]) -> dict[int, tuple[int, SignalKind]]:
        """``signal id -> (entry id, kind)`` for the given signals."""
        wanted = list(set(signal_ids))
        found: dict[int, tuple[int, SignalKind]] = {}
        for start in range(0, len(wanted), 500):
            rows = self.session.execute(
                select(SignalRow.id, SignalRow.entry_id, SignalRow.kind).where(
                    SignalRow.id.in_(wanted[start : start + 500])
                )
            )
            for sid, eid, kind in rows:
                found[sid] = (eid, SignalKind(kind))
        return found

    def feature_records(self, kind: SignalKind = SignalKind.ORB) -> list[tuple[int, bytes]]:
        """``(entry id, record)`` of every live entry's local-features record."""
        rows = self.session.execute(
            select(FeatureRow.entry_id, FeatureRow.data)
            .join(EntryRow, EntryRow.id == FeatureRow.entry_id)
            .where(FeatureRow.kind == kind.value, EntryRow.withdrawn_at.is_(None))
            .order_by(FeatureRow.entry_id)
        )
        return [(entry_id, bytes(data)) for entry_id, data in rows]

    def exact_matches(self, kind: SignalKind, values: Iterable[str]) -> dict[str, list[int]]:
        """Entry ids per value for exact signals (MD5, SHA-256) among the given values."""
        wanted = list(set(values))
        found: dict[str, list[int]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.session.execute(
                select(SignalRow.value, SignalRow.entry_id).where(
                    SignalRow.kind == kind.value, SignalRow.value.in_(chunk)
                )
            )
            for value, entry_id in rows:
                found.setdefault(value, []).append(entry_id)
        return found
