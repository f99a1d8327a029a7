"""Errors of routing; only what a caller can act on is raised, the rest is a recorded failure.

::

    HaechiError
    └── RoutingError          a URL routing cannot take (not http(s), no host)
        └── PrivateAddress    an address no registry is asked about (private, loopback, ...)

Registry failures (time-outs, 404, bad JSON) are not raised out of :func:`route`: they become
:class:`~haechi.routing.model.Failure` entries of a partial route.
"""

from __future__ import annotations

from haechi.errors import HaechiError


class RoutingError(HaechiError):
    """A URL or address routing cannot work with; the message says why."""

    exit_code = 2


class PrivateAddress(RoutingError):
    """A private, loopback, link-local or reserved address: never looked up anywhere."""

    exit_code = 3


class LookupFailed(RoutingError):
    """One registry lookup failed (kept inside routing: it becomes a route's failure)."""

    exit_code = 1
