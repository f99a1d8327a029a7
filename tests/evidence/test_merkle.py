"""Merkle trees against RFC 6962's reference vectors and a brute-force check of every proof."""

from __future__ import annotations

import pytest

from haechi.evidence import merkle

# The leaves and roots used by Certificate Transparency's reference tests (trillian/go).
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(b"entry %d" % i) for i in range(n)]


def test_roots_match_certificate_transparency_vectors() -> None:
    hashed = [merkle.leaf_hash(d) for d in CT_LEAVES]
    for size, root in CT_ROOTS.items():
        assert merkle.root_hash(hashed, size).hex() == root
    assert merkle.root_hash([]) == merkle.EMPTY_ROOT


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    a, b = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    assert merkle.leaf_hash(a + b) != merkle.node_hash(a, b)


@pytest.mark.parametrize("size", range(1, 34))
def test_every_inclusion_proof_verifies_and_wrong_ones_do_not(size: int) -> None:
    tree = leaves(size)
    root = merkle.root_hash(tree)
    for index in range(size):
        proof = merkle.inclusion_proof(index, tree)
        assert merkle.verify_inclusion(tree[index], index, size, proof, root)
        other = (index + 1) % size
        if other != index:
            assert not merkle.verify_inclusion(tree[other], index, size, proof, root)
            assert not merkle.verify_inclusion(tree[index], other, size, proof, root)
        if proof:
            bad = [bytes(32), *proof[1:]]
            assert not merkle.verify_inclusion(tree[index], index, size, bad, root)
        assert not merkle.verify_inclusion(tree[index], index, size, proof, bytes(32))


@pytest.mark.parametrize("size", range(1, 20))
def test_every_consistency_proof_verifies(size: int) -> None:
    tree = leaves(size)
    root = merkle.root_hash(tree)
    for old in range(0, size + 1):
        old_root = merkle.root_hash(tree, old)
        proof = merkle.consistency_proof(old, tree)
        assert merkle.verify_consistency(old, size, old_root, root, proof)
        if 0 < old < size:
            forged = merkle.root_hash([*leaves(old - 1), merkle.leaf_hash(b"forged")])
            assert not merkle.verify_consistency(old, size, forged, root, proof)


def test_proofs_are_logarithmic() -> None:
    tree = leaves(1000)
    assert len(merkle.inclusion_proof(500, tree)) <= 10
