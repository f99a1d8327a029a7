"""Proof against impersonators: the organisation's keys, signed documents, and checking them.

``keys`` (per-purpose Ed25519 keys, files encrypted at rest, rotation and revocation), ``did``
(the did:web document), ``proof`` (Data Integrity eddsa-jcs-2022), ``credentials`` (what a
notice, a police package and a member credential say), ``statuslist`` (Bitstring Status List),
``documents`` (signing, publishing with verification codes, checking with our own keys),
``verify`` (the verdict with named reasons), ``notary`` (signing notices and police
packages), ``members`` (member credentials), ``channels`` (the official-channels registry),
``reports`` (impersonation reports), ``card`` (the printable member card).
"""
