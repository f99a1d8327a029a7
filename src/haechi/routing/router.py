"""Routing one URL to the desks that can act on it, in the order to write to them.

1. The platform directory: a site with its own desk (``haechi platforms``) is written to there.
2. The host's address (DNS, injectable); a private, loopback or reserved address stops here:
   nothing about it is sent to any registry.
3. The network behind the address (RDAP): its holder and abuse address, and whether it is a
   CDN in front of the real host.
4. The domain's registrar (RDAP through the registry) and its abuse address.
5. The desks: platform, else CDN or host abuse, then registrar abuse, then the hotline of the
   country the site is hosted in (INHOPE). A site hosted outside the organisation's country
   also gets ``block``: the regulator (KCSC in Korea) that can have access to it blocked there.
6. The language of each desk: the platform's own, else its country's, else English.

A failed step is a :class:`~haechi.routing.model.Failure` on the route, never an exception.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from datetime import datetime

from haechi.notices.platforms import Platform, PlatformDirectory, host_of
from haechi.routing.cdn import cdn_of
from haechi.routing.errors import LookupFailed, PrivateAddress, RoutingError
from haechi.routing.hotlines import HotlineTable, bundled_hotlines
from haechi.routing.languages import language_for
from haechi.routing.model import Desk, Failure, Role, Route
from haechi.routing.parse import network_of, registration_of
from haechi.routing.rdap import Registries, public_address

Resolver = Callable[[str], list[str]]


def system_resolver(host: str) -> list[str]:
    """The host's addresses from the system's resolver (IPv4 first), or :class:`LookupFailed`."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise LookupFailed(f"{host} does not resolve: {exc}") from None
    found = dict.fromkeys(str(info[4][0]) for info in infos)
    return sorted(found, key=lambda a: ":" in a)


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def domain_candidates(host: str) -> list[str]:
    """Names that may be the registered domain, shortest first (``a.b.co.kr``: ``co.kr``,
    ``b.co.kr``): a registry answers 404 for names it does not hold, so the first it knows is
    the registration. Three at most, to stay polite to registries."""
    labels = host.lower().rstrip(".").split(".")
    return [".".join(labels[-n:]) for n in range(2, len(labels) + 1)][:3]


class Router:
    """Routes URLs with one registry client, directory, resolver and hotline table."""

    def __init__(
        self,
        registries: Registries,
        directory: PlatformDirectory,
        home_country: str = "KR",
        resolver: Resolver = system_resolver,
        hotlines: HotlineTable | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.registries = registries
        self.directory = directory
        self.home_country = home_country.upper()
        self.resolver = resolver
        self.hotlines = hotlines or bundled_hotlines()
        self.clock = clock or registries.clock

    def route(self, url: str) -> Route:
        """Who can act on ``url``; see the module docstring for the steps."""
        host = host_of(url)
        if host is None:
            raise RoutingError(f"{url!r} is not an http(s) URL with a host")
        route = Route(url=url, host=host, checked_at=self.clock())
        platform = self.directory.for_host(host)
        if platform is not None:
            route.platform = platform.name
            route.country = platform.country
            route.desks.append(_platform_desk(platform))
        literal = _literal(host)
        if not self._resolve(route, literal):
            return route
        self._network(route)
        if literal is None:
            self._registration(route)
        if route.network is not None and route.network.country:
            route.country = route.country or route.network.country
        if platform is None:
            self._abuse_desks(route)
        self._hotline_and_block(route)
        return route

    # -- steps ----------------------------------------------------------------------------

    def _resolve(self, route: Route, literal: str | None) -> bool:
        try:
            route.addresses = [literal] if literal else self.resolver(route.host)
        except LookupFailed as exc:
            route.failures.append(Failure("dns", str(exc)))
            return False
        if not route.addresses:
            route.failures.append(Failure("dns", f"{route.host} has no address"))
            return False
        for address in route.addresses:
            try:
                public_address(address)
            except (PrivateAddress, LookupFailed) as exc:
                # One private answer is enough to stop: it is not a site on the internet, or
                # someone points a name at an inside address; either way nothing is sent.
                route.private = True
                route.failures.append(Failure("address", str(exc)))
                return False
        return True

    def _network(self, route: Route) -> None:
        address = route.addresses[0]
        try:
            answer = self.registries.ip(address)
        except LookupFailed as exc:
            route.failures.append(Failure("ip", str(exc)))
            return
        route.network = network_of(address, answer.body, answer.url, answer.fetched_at)
        found = cdn_of(route.network)
        route.cdn = found[0] if found else None

    def _registration(self, route: Route) -> None:
        problems = []
        for name in domain_candidates(route.host):
            try:
                answer = self.registries.domain(name)
            except LookupFailed as exc:
                problems.append(str(exc))
                if "(404)" in str(exc):
                    continue
                break
            route.registration = registration_of(name, answer.body, answer.url, answer.fetched_at)
            return
        route.failures.append(Failure("domain", "; ".join(problems) or "no domain to look up"))

    def _abuse_desks(self, route: Route) -> None:
        network, registration = route.network, route.registration
        if network is not None:
            language = language_for(network.country)
            if network.abuse_email is None:
                route.failures.append(
                    Failure("ip", f"the registry names no abuse address for {network.label}")
                )
            elif route.cdn is not None:
                route.desks.append(
                    Desk(
                        Role.CDN,
                        network.org or route.cdn,
                        network.abuse_email,
                        None,
                        network.country,
                        language,
                        network.label,
                        network.source,
                    )
                )
            else:
                route.desks.append(
                    Desk(
                        Role.HOST,
                        network.org or network.name or network.address,
                        network.abuse_email,
                        None,
                        network.country,
                        language,
                        network.label,
                        network.source,
                    )
                )
        if registration is not None:
            if registration.abuse_email is None:
                route.failures.append(
                    Failure(
                        "domain",
                        f"the registry names no abuse address for "
                        f"{registration.domain}'s registrar",
                    )
                )
            else:
                resource = registration.registrar or "registrar"
                if registration.iana_id:
                    resource += f", IANA ID {registration.iana_id}"
                route.desks.append(
                    Desk(
                        Role.REGISTRAR,
                        registration.registrar or registration.domain,
                        registration.abuse_email,
                        None,
                        registration.country,
                        language_for(registration.country),
                        resource,
                        registration.source,
                    )
                )

    def _hotline_and_block(self, route: Route) -> None:
        country = route.network.country if route.network else route.country
        hotline = self.hotlines.for_country(country)
        if hotline is not None:
            route.desks.append(
                Desk(
                    Role.HOTLINE,
                    hotline.name,
                    None,
                    hotline.url,
                    hotline.country,
                    hotline.language,
                    f"reports of content hosted in {hotline.country}",
                    self.hotlines.citation,
                )
            )
        if country and country != self.home_country:
            regulator = self.directory.regulator(self.home_country)
            if regulator is not None:
                route.block = Desk(
                    Role.REGULATOR,
                    regulator.title,
                    regulator.email,
                    regulator.web_form,
                    regulator.country,
                    regulator.language,
                    f"access blocking in {self.home_country} of a site hosted in {country}",
                    "directory",
                    regulator.name,
                )


def _platform_desk(platform: Platform) -> Desk:
    return Desk(
        Role.PLATFORM,
        platform.title,
        platform.email,
        platform.web_form,
        platform.country,
        language_for(None, platform.language),
        f"its own site ({', '.join(platform.domains)})",
        "directory",
        platform.name,
    )
