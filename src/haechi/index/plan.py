"""How a segment of ``n`` entries is cut into substring tables, and how many bits each needs.

Two layouts, one format. ``fast`` (the default) is tuned for queries: regions about ``log2 n``
bits wide, so a probe finds about one entry, and about 11 tables at 10M. ``compact`` trades
query speed for memory: 8 tables, each probed at radius 3 for PDQ's 31, with fewer key bits and
only two filter bits per entry, which brings a 10M-entry index under 64 bytes per entry. Both
are exact: only the number of tables and bits change, never the pigeonhole argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

HASH_BITS = 256
Profile = Literal["fast", "compact"]
PROFILES: tuple[Profile, ...] = ("fast", "compact")


@dataclass(frozen=True)
class TableSpec:
    """Where one substring table looks in the hash.

    ``key_bits`` bits starting at ``bit_offset`` address the table's buckets (all tables of a
    file share ``key_bits``); the next ``ext_bits`` bits are kept beside each entry so that
    candidates can be filtered before the full hash is read.
    """

    bit_offset: int
    key_bits: int
    ext_bits: int


@dataclass(frozen=True)
class Layout:
    """A segment's tables and the bit width of a row number and of a packed table entry."""

    row_bits: int
    entry_bits: int
    specs: tuple[TableSpec, ...]


def plan_tables(n: int, profile: Profile = "fast") -> Layout:
    """The table layout for a segment of ``n`` entries.

    ``fast``: regions about ``log2 n`` bits wide make a probe find about one entry, which
    balances the number of probes against the number of candidates (measured fastest at 1M and
    10M). ``compact``: 8 regions of 32 bits, buckets of about 8 entries, 2 filter bits.
    """
    row_bits = max(1, (n - 1).bit_length())
    lg = math.log2(max(n, 2))
    if profile == "compact":
        m, key_bits, ext_cap = 8, max(8, math.floor(lg) - 3), 2
    else:
        m = min(16, max(8, math.ceil(HASH_BITS / (lg + 1.5))))
        key_bits = min(31, max(8, math.floor(lg) - 1))
        ext_cap = min(8, max(0, 32 - row_bits))
    bounds = [round(j * HASH_BITS / m) for j in range(m + 1)]
    specs = []
    for j in range(m):
        width = bounds[j + 1] - bounds[j]
        kb = min(width, key_bits)
        specs.append(TableSpec(bounds[j], kb, min(width - kb, ext_cap)))
    entry_bits = max(8, row_bits + max(s.ext_bits for s in specs))
    if profile == "fast":
        # Whole bytes: a gather of 3- or 4-byte entries is one load, an odd width two more
        # numpy passes (about 15 % of a query at 10M, where 26 bits become 32).
        entry_bits = (entry_bits + 7) // 8 * 8
    return Layout(row_bits, entry_bits, tuple(specs))
