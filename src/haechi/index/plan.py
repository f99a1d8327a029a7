"""How a segment of ``n`` entries is cut into substring tables.

Table 0 is the segment's own order: rows are sorted by hash bits 0-31, so the table needs no
entries, only bucket boundaries, and its key bits need not be stored with the hash (the bucket
gives them); its low ``ext_bits`` bits, stored beside the hash, filter its candidates. Tables
1.. each store one packed row number per entry. Radius 31 splits as ``sum(rho + 1) = 32``:

* ``fast`` (the default): 10 tables, two at radius 3 (table 0 and table 1, one bit wider than
  the rest) and eight at radius 2, keys about ``log2 n`` bits: 62 bytes an entry at 10M.
* ``compact``: 9 tables, five at radius 3 and four at radius 2: 3 bytes an entry fewer, and
  fewer queries a second (more probes at radius 3; ``bench/index.py`` measures both).

Both are exact: only the number of tables and bits change, never the pigeonhole argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

HASH_BITS = 256
DESIGN_RADIUS = 31  # PDQ's match threshold: the radius the layouts are tuned for
TABLE0_BITS = 32  # table 0's region: hash bits 0-31
MAX_KEY_BITS = 26
MIN_KEY_BITS = 8
Profile = Literal["fast", "compact"]
PROFILES: tuple[Profile, ...] = ("fast", "compact")
_TABLES = {"fast": 10, "compact": 9}


@dataclass(frozen=True)
class TableSpec:
    """Where one substring table looks in the hash.

    Its region is bits ``[bit_offset, bit_offset + ext_bits + key_bits)``: the low ``ext_bits``
    (table 0 only) filter candidates, the ``key_bits`` above them address the buckets.
    """

    bit_offset: int
    key_bits: int
    ext_bits: int

    @property
    def width(self) -> int:
        return self.ext_bits + self.key_bits


@dataclass(frozen=True)
class Layout:
    """A segment's tables and the bit width of a row number and of a packed table entry."""

    row_bits: int
    entry_bits: int
    specs: tuple[TableSpec, ...]


def plan_tables(n: int, profile: Profile = "fast") -> Layout:
    """The table layout for a segment of ``n`` entries (see the module docstring)."""
    m = _TABLES[profile]
    row_bits = max(1, (n - 1).bit_length())
    base = max(MIN_KEY_BITS, round(math.log2(max(n, 2))))
    wide = (DESIGN_RADIUS + 1) % m  # tables 0..wide-1 get the larger radius
    k0 = min(TABLE0_BITS - MIN_KEY_BITS, base)
    keys = [min(MAX_KEY_BITS, base + 1 if j < wide else base) for j in range(1, m)]
    while sum(keys) > HASH_BITS - TABLE0_BITS:
        keys[keys.index(max(keys))] -= 1
    specs = [TableSpec(0, k0, TABLE0_BITS - k0)]
    offset = TABLE0_BITS
    for k in keys:
        specs.append(TableSpec(offset, k, 0))
        offset += k
    return Layout(row_bits, max(8, row_bits), tuple(specs))
