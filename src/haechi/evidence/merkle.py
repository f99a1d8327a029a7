"""Merkle trees as Certificate Transparency builds them (RFC 6962 / RFC 9162, section 2.1).

A checkpoint signs one root hash over every log entry so far. With the same hashing as CT, a
third party can check that one entry is in the log (an *inclusion proof*: a few hashes, which
reveal nothing about the other entries) and that a later checkpoint extends an earlier one
without rewriting it (a *consistency proof*). The hashing is domain-separated so a leaf can
never pass for an inner node: ``leaf = SHA-256(0x00 || data)``, ``node = SHA-256(0x01 || l || r)``.

Everything here is pure: lists of 32-byte hashes in, hashes and booleans out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def _root(leaves: Sequence[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(_root(leaves[:k]), _root(leaves[k:]))


def root_hash(leaves: Sequence[bytes], size: int | None = None) -> bytes:
    """MTH over the first ``size`` leaf hashes (all of them by default)."""
    size = len(leaves) if size is None else size
    if not 0 <= size <= len(leaves):
        raise ValueError(f"tree size {size} is outside 0..{len(leaves)}")
    return _root(leaves[:size])


def _path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    n = len(leaves)
    if n <= 1:
        return []
    k = _split(n)
    if index < k:
        return [*_path(index, leaves[:k]), _root(leaves[k:])]
    return [*_path(index - k, leaves[k:]), _root(leaves[:k])]


def inclusion_proof(index: int, leaves: Sequence[bytes], size: int | None = None) -> list[bytes]:
    """PATH(index, D[size]): the audit path proving leaf ``index`` is in the tree of ``size``."""
    size = len(leaves) if size is None else size
    if not 0 <= index < size <= len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    return _path(index, leaves[:size])


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` puts leaf hash ``leaf`` at ``index`` in the tree (``size``, ``root``).

    The algorithm of RFC 9162, section 2.1.3.2.
    """
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [_root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), _root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _root(leaves[:k])]


def consistency_proof(
    old_size: int, leaves: Sequence[bytes], size: int | None = None
) -> list[bytes]:
    """PROOF(old_size, D[size]): shows the tree of ``old_size`` is a prefix of that of ``size``."""
    size = len(leaves) if size is None else size
    if not 0 <= old_size <= size <= len(leaves):
        raise ValueError(f"no consistency proof from {old_size} to {size}")
    if old_size in (0, size):
        return []
    return _subproof(old_size, leaves[:size], True)


def verify_consistency(
    old_size: int, size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree (old_size, old_root) is a prefix of (size, root).

    The algorithm of RFC 9162, section 2.1.4.2.
    """
    if not 0 <= old_size <= size:
        return False
    if old_size == size:
        return not proof and old_root == root
    if old_size == 0:
        return not proof  # the empty tree is a prefix of every tree
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == root and sn == 0
