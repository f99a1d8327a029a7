"""Asking the registries (RDAP): IP networks over httpx, domains through ``whodap``.

The server for an address or a TLD comes from IANA's bootstrap files, fetched from a
configurable folder (tests serve recorded files on 127.0.0.1). Every answer is kept in the
database with its date and reused until it is older than ``cache_days``; so is each bootstrap
file. Requests to one registry server are spaced by ``min_interval`` (registries throttle and
block bulk clients), waiting on an injectable clock. A private, loopback or reserved address is
refused before anything is sent. Failures raise :class:`LookupFailed` with what went wrong;
the router turns them into a partial route.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import httpx2
import whodap
from sqlalchemy import select

from haechi.routing.config import RoutingSettings
from haechi.routing.errors import LookupFailed, PrivateAddress
from haechi.sources.safety import address_problem
from haechi.store.database import Database
from haechi.store.routing_models import RoutingLookupRow

Json = Mapping[str, Any]


@dataclass(frozen=True)
class Answer:
    """A registry answer: what was asked, where, when, and whether it came from the cache."""

    kind: str
    query: str
    url: str
    body: Json
    fetched_at: datetime
    cached: bool


class Pacer:
    """Spaces requests to one server by ``interval`` seconds, on an injectable clock."""

    def __init__(
        self,
        interval: float,
        ticker: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval, self.ticker, self.sleep = interval, ticker, sleep
        self._last: dict[str, float] = {}

    def wait(self, url: str) -> None:
        """Wait until ``url``'s server may be asked again, then note the request."""
        server = urlsplit(url).netloc.lower()
        last = self._last.get(server)
        if last is not None:
            due = last + self.interval - self.ticker()
            if due > 0:
                self.sleep(due)
        self._last[server] = self.ticker()


def public_address(text: str) -> str:
    """``text`` as a normalised IP address, or :class:`PrivateAddress` if it is not public."""
    try:
        ip = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        raise LookupFailed(f"{text!r} is not an IP address") from None
    problem = address_problem(ip)
    if problem is not None:
        raise PrivateAddress(f"{problem}: no registry is asked about it")
    return str(ip)


class Registries:
    """The RDAP client of one routing run; close it (or use ``with``) when done."""

    def __init__(
        self,
        db: Database,
        settings: RoutingSettings,
        clock: Callable[[], datetime],
        pacer: Pacer | None = None,
    ) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.pacer = pacer or Pacer(settings.min_interval)
        headers = {"Accept": "application/rdap+json", "User-Agent": settings.user_agent}
        self._http = httpx.Client(
            timeout=settings.timeout,
            follow_redirects=True,
            headers=headers,
            event_hooks={"request": [lambda r: self.pacer.wait(str(r.url))]},
        )
        self._http2 = httpx2.Client(
            timeout=settings.timeout,
            follow_redirects=True,
            headers=headers,
            event_hooks={"request": [lambda r: self.pacer.wait(str(r.url))]},
        )

    def __enter__(self) -> Registries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP clients."""
        self._http.close()
        self._http2.close()

    # -- the cache ----------------------------------------------------------------------

    def _cached(self, kind: str, query: str) -> Answer | None:
        oldest = self.clock() - timedelta(days=self.settings.cache_days)
        with self.db.session() as session:
            row = session.scalar(
                select(RoutingLookupRow).where(
                    RoutingLookupRow.kind == kind, RoutingLookupRow.query == query
                )
            )
            if row is None or row.fetched_at < oldest:
                return None
            return Answer(kind, query, row.url, json.loads(row.body), row.fetched_at, True)

    def _keep(self, kind: str, query: str, url: str, body: Json) -> Answer:
        now = self.clock()
        with self.db.session() as session:
            row = session.scalar(
                select(RoutingLookupRow).where(
                    RoutingLookupRow.kind == kind, RoutingLookupRow.query == query
                )
            )
            if row is None:
                row = RoutingLookupRow(kind=kind, query=query)
                session.add(row)
            row.url, row.body, row.fetched_at = url, json.dumps(body), now
        return Answer(kind, query, url, body, now, False)

    # -- HTTP -----------------------------------------------------------------------------

    def _get(self, url: str) -> tuple[str, Json]:
        try:
            response = self._http.get(url)
        except httpx.TimeoutException:
            raise LookupFailed(f"{url}: no answer within {self.settings.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise LookupFailed(f"{url}: {exc}") from None
        if response.status_code == 404:
            raise LookupFailed(f"{url}: not found (404)")
        if response.status_code != 200:
            raise LookupFailed(f"{url}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise LookupFailed(f"{url}: the answer is not JSON") from None
        if not isinstance(body, dict):
            raise LookupFailed(f"{url}: the answer is not an RDAP object")
        return str(response.url), body

    def bootstrap(self, name: str) -> Json:
        """IANA's bootstrap file ``name`` (dns, ipv4, ipv6), cached like any answer."""
        cached = self._cached("bootstrap", name)
        if cached is not None:
            return cached.body
        url = urljoin(self.settings.bootstrap_url.rstrip("/") + "/", f"{name}.json")
        final, body = self._get(url)
        if not isinstance(body.get("services"), list):
            raise LookupFailed(f"{url}: not an RDAP bootstrap file (no services)")
        return self._keep("bootstrap", name, final, body).body

    def _server(self, name: str, matches: Callable[[str], bool]) -> str:
        for service in self.bootstrap(name)["services"]:
            if not (isinstance(service, list) and len(service) == 2):
                continue
            keys, urls = service
            if any(matches(str(k)) for k in keys) and urls:
                return str(next((u for u in urls if str(u).startswith("https")), urls[0]))
        raise LookupFailed(f"no RDAP server in IANA's {name}.json for this query")

    # -- lookups --------------------------------------------------------------------------

    def ip(self, address: str) -> Answer:
        """The network of a public IP address (never a private one: :class:`PrivateAddress`)."""
        address = public_address(address)
        cached = self._cached("ip", address)
        if cached is not None:
            return cached
        ip = ipaddress.ip_address(address)

        def covers(block: str) -> bool:
            try:
                return ip in ipaddress.ip_network(block, strict=False)
            except ValueError:
                return False

        server = self._server(f"ipv{ip.version}", covers)
        final, body = self._get(server.rstrip("/") + f"/ip/{address}")
        return self._keep("ip", address, final, body)

    def domain(self, name: str) -> Answer:
        """A domain's registration: the registry's answer, or the registrar's it links to."""
        name = name.lower().rstrip(".")
        cached = self._cached("domain", name)
        if cached is not None:
            return cached
        label, _, tld = name.rpartition(".")
        if not label:
            raise LookupFailed(f"{name!r} is not a registered domain name")
        server = self._server("dns", lambda key: key.lower() == tld)
        url = server.rstrip("/") + f"/domain/{name}"
        client = whodap.DNSClient(self._http2)
        try:
            response = client.lookup(label, tld, auth_href=url)
            body = json.loads(response.to_json())
        except whodap.errors.NotFoundError:
            raise LookupFailed(f"{url}: not found (404)") from None
        except httpx2.TimeoutException:
            raise LookupFailed(f"{url}: no answer within {self.settings.timeout:g} s") from None
        except (whodap.errors.WhodapError, httpx2.HTTPError) as exc:
            raise LookupFailed(f"{url}: {exc}") from None
        except (AssertionError, AttributeError, ValueError):
            # whodap asserts on an answer that is not JSON
            raise LookupFailed(f"{url}: the answer is not RDAP JSON") from None
        if not isinstance(body, dict):
            raise LookupFailed(f"{url}: the answer is not an RDAP object")
        source = next(
            (
                str(link.get("href"))
                for link in body.get("links") or []
                if isinstance(link, dict) and link.get("rel") == "self" and link.get("href")
            ),
            url,
        )
        return self._keep("domain", name, source, body)
