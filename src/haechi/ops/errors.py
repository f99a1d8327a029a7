"""Errors of operations (backup, restore, drills, upgrades, retention).

They hang under :class:`haechi.errors.HaechiError` like the rest::

    HaechiError
    └── OpsError                 an operation refused or could not finish
        ├── BackupKeyError       a recipient or identity that cannot be read or used
        ├── BackupDamaged        a backup whose bytes or contents do not check (names the file)
        ├── WrongKey             a backup not encrypted for any identity given
        ├── RestoreRefused       a restore target that is not empty, or a chain not given whole
        └── RetentionError       a retention policy that cannot be set or applied

Each message says what to do. A failed check of ``backup verify`` is reported, not raised.
"""

from __future__ import annotations

from haechi.errors import HaechiError


class OpsError(HaechiError):
    """An operation refused or could not finish."""


class BackupKeyError(OpsError):
    """A recipient (public key) or identity (private key) file that cannot be read or used."""

    exit_code = 2


class BackupDamaged(OpsError):
    """A backup whose bytes or contents do not check; the message names the damaged file."""


class WrongKey(OpsError):
    """A backup that none of the identities given can open."""


class RestoreRefused(OpsError):
    """A restore that would overwrite something, or that lacks a backup it builds on."""

    exit_code = 2


class RetentionError(OpsError):
    """A retention policy that cannot be set or applied."""
