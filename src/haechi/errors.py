"""The one error hierarchy of haechi.

Every error a user can meet is a :class:`HaechiError` whose message says what to do. Only the
CLI and the web layer turn these into exit codes and HTTP answers::

    HaechiError
    ├── ConfigError          settings or key files that cannot be used
    ├── StoreError           the database cannot be opened or migrated
    ├── BankError            unknown bank, unknown entry, bad import file
    │   └── ImportFormatError
    ├── MediaError           a file that cannot be read or decoded as media
    │   ├── MediaTooLarge
    │   └── UnsupportedMedia
    └── IndexError_          a damaged or mismatched matching index
"""

from __future__ import annotations


class HaechiError(Exception):
    """Base of every error haechi raises on purpose."""

    exit_code: int = 1


class ConfigError(HaechiError):
    """Settings, paths or key files that cannot be used as given."""

    exit_code = 2


class StoreError(HaechiError):
    """The database cannot be opened, migrated or written."""


class BankError(HaechiError):
    """A bank or bank entry that does not exist, or an operation it refuses."""


class ImportFormatError(BankError):
    """A hash-list file that cannot be read; the message names the line."""


class MediaError(HaechiError):
    """A file that cannot be read or decoded as an image or video."""


class MediaTooLarge(MediaError):
    """A file or image beyond the configured size caps (decompression bombs land here)."""


class UnsupportedMedia(MediaError):
    """Bytes that are not an image or video haechi can decode."""


class IndexError_(HaechiError):  # trailing _ : not the builtin IndexError
    """A matching index file that is damaged or does not fit the data it claims to hold."""
