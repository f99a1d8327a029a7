"""Hashing: PDQ for images, MD5 and SHA-256 for exact copies; pure functions, no storage."""

from haechi.hashing.decode import DecodedImage, DecodeLimits, decode_image, pdq_pixels
from haechi.hashing.media import HashOptions, MediaHashes, Outcome, hash_bytes, hash_file
from haechi.hashing.pdq import pdq_dihedral, pdq_of_pixels
from haechi.hashing.signals import PDQ_RELIABLE_QUALITY, PdqHash, Signal, SignalKind

__all__ = [
    "PDQ_RELIABLE_QUALITY",
    "DecodeLimits",
    "DecodedImage",
    "HashOptions",
    "MediaHashes",
    "Outcome",
    "PdqHash",
    "Signal",
    "SignalKind",
    "decode_image",
    "hash_bytes",
    "hash_file",
    "pdq_dihedral",
    "pdq_of_pixels",
    "pdq_pixels",
]
