"""Errors of sealing data at rest::

    HaechiError
    ├── ConfigError
    │   └── DataKeyError      the data key is missing, unreadable, or not the one data was
    │                         sealed under: the operator must fix where keys live
    └── SealedDataError       a sealed value that does not open: damaged, or moved from
                              another row
"""

from __future__ import annotations

from haechi.errors import ConfigError, HaechiError


class DataKeyError(ConfigError):
    """The data key cannot be had, or does not open what was sealed."""


class SealedDataError(HaechiError):
    """A sealed value fails its authentication: altered, or copied from another row."""
