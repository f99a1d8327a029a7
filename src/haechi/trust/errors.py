"""Errors of the organisation's identity and signed documents::

    HaechiError
    ├── ConfigError
    │   └── TrustKeyError       a signing key that is missing, unreadable or unusable
    └── TrustError              a document, credential, channel or report the request got wrong
        └── UnknownDocument     no published document has this verification code or number

A document that does not verify is *not* an error: verification returns a
:class:`~haechi.trust.result.Verification` naming what failed.
"""

from __future__ import annotations

from haechi.errors import ConfigError, HaechiError


class TrustKeyError(ConfigError):
    """A trust signing key cannot be had or used as it is."""


class TrustError(HaechiError):
    """A trust operation asked for something that cannot be done (the message says why)."""


class UnknownDocument(TrustError):
    """No published document matches the code or number given."""
