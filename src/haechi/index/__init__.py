"""Exact Hamming-radius search over 256-bit hashes (PDQ and other 256-bit descriptors)."""

from haechi.index.base import (
    HASH_BYTES,
    MatchIndex,
    RangeResult,
    as_hashes,
    hamming,
    hex_to_hashes,
)
from haechi.index.linear import LinearIndex
from haechi.index.mih import MultiIndexHashing

__all__ = [
    "HASH_BYTES",
    "LinearIndex",
    "MatchIndex",
    "MultiIndexHashing",
    "RangeResult",
    "as_hashes",
    "hamming",
    "hex_to_hashes",
]
