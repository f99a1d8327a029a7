"""The negative bank: hashes a person confirmed are *not* a given entry, and the one test of it.

A platform reports a match as a false positive; once a reviewer accepts it, the hash it sent
becomes a negative signal of that entry. :meth:`NegativeBank.suppresses` is the only place that
decides whether a match is such a false positive again, and both matching paths ask it: the
platform API (from its snapshot) and the team's own scans (:class:`haechi.scan.matcher.
BankMatcher`), so a confirmed false positive stops matching for platforms and for the team alike.

A PDQ-like match is suppressed when any of the query's hashes (as sent, or the variant that
matched) lies within :data:`NEGATIVE_RADIUS` bits of a negative signal of that entry; an exact
match when the query's MD5 or SHA-256 is one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.index.base import HASH_BYTES, hamming
from haechi.store.platform_api_models import NegativeSignalRow

NEGATIVE_RADIUS = 16
"""A query this close to a confirmed false positive of an entry is that false positive again."""

EXACT_KINDS = frozenset({"md5", "sha256"})


@dataclass(frozen=True)
class NegativeBank:
    """Every negative signal, by entry: PDQ-like hashes as arrays, digests as a set."""

    near: dict[int, npt.NDArray[np.uint8]] = field(default_factory=dict)
    """Entry id -> (k, 32) PDQ hashes that are not that entry."""
    exact: frozenset[tuple[int, str]] = frozenset()
    """(entry id, lower-case hex digest) pairs that are not that entry."""

    @classmethod
    def of(cls, rows: Iterable[tuple[int, str, str]]) -> NegativeBank:
        """From ``(entry id, signal kind, hex)`` triples, as the table and the manifest hold."""
        near: dict[int, list[bytes]] = {}
        exact: set[tuple[int, str]] = set()
        for entry_id, kind, value in rows:
            if kind in EXACT_KINDS:
                exact.add((int(entry_id), str(value).lower()))
            else:
                near.setdefault(int(entry_id), []).append(bytes.fromhex(value))
        return cls(
            {
                e: np.frombuffer(b"".join(v), dtype=np.uint8).reshape(-1, HASH_BYTES)
                for e, v in near.items()
            },
            frozenset(exact),
        )

    @classmethod
    def load(cls, session: Session) -> NegativeBank:
        """The negative bank as the database holds it now."""
        return cls.of(triples(session))

    def __len__(self) -> int:
        return sum(int(v.shape[0]) for v in self.near.values()) + len(self.exact)

    def suppresses(
        self,
        entry_id: int,
        near: npt.NDArray[np.uint8] | None = None,
        digests: Iterable[str] = (),
    ) -> bool:
        """Whether a match of ``entry_id`` by these query hashes is a confirmed false positive.

        ``near`` holds the query's PDQ hashes as ``(n, 32)`` (or one ``(32,)``) bytes;
        ``digests`` its MD5 and SHA-256 in hex.
        """
        if any((entry_id, d.lower()) in self.exact for d in digests):
            return True
        negatives = self.near.get(entry_id)
        if negatives is None or near is None or near.size == 0:
            return False
        queries = near.reshape(-1, HASH_BYTES)
        return any(bool((hamming(negatives, q) <= NEGATIVE_RADIUS).any()) for q in queries)


def triples(session: Session) -> list[tuple[int, str, str]]:
    """``(entry id, signal kind, hex)`` of every negative signal, oldest first."""
    rows = session.execute(
        select(
            NegativeSignalRow.entry_id, NegativeSignalRow.signal_kind, NegativeSignalRow.signal
        ).order_by(NegativeSignalRow.id)
    )
    return [(int(e), str(k), str(s)) for e, k, s in rows]
