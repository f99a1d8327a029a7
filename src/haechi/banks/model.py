"""What a bank holds: entries of signals with a label and an optional case reference."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from haechi.hashing.signals import Signal


@dataclass(frozen=True)
class Bank:
    """A named list of registered content, e.g. one support centre's victims' hashes."""

    id: int
    name: str
    description: str
    created_at: datetime
    entries: int = 0


@dataclass(frozen=True)
class BankEntry:
    """One registered piece of content. Holds signals only; the content is never stored."""

    id: int
    bank: str
    label: str
    case_ref: str | None
    added_at: datetime
    signals: tuple[Signal, ...] = field(default=())
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class NewEntry:
    """An entry to add: its signals and how to label it."""

    signals: tuple[Signal, ...]
    label: str = ""
    case_ref: str | None = None
    added_at: datetime | None = None
