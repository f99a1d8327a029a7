"""Routing against recorded registry answers served on 127.0.0.1 (tests/data/rdap)."""

from __future__ import annotations

import pytest

from haechi.routing import PrivateAddress, Role, RoutingError
from haechi.routing.rdap import Pacer
from tests.routing.conftest import Clock, RouterFactory, Waits
from tests.routing.rdapkit import Registry


def test_a_site_behind_a_cdn_goes_to_the_cdn_then_the_registrar(
    router_for: RouterFactory, fresh_registry: Registry
) -> None:
    with router_for() as router:
        route = router.route("https://you.tube/v/clip.mp4")
    assert route.complete, route.failures
    assert route.addresses == ["104.16.1.1"] and route.cdn == "cloudflare"
    assert route.network is not None and route.network.cidr == "104.16.0.0/12"
    assert [d.role for d in route.desks] == [Role.CDN, Role.REGISTRAR, Role.HOTLINE]
    cdn, registrar, hotline = route.desks
    assert (cdn.name, cdn.email) == ("Cloudflare, Inc.", "abuse@cloudflare.com")
    assert cdn.responsible_for == "104.16.1.1 (network CLOUDFLARENET, 104.16.0.0/12)"
    assert "rdap.arin.net/registry/ip/104.16.1.1" in cdn.source
    # The registry (.tube) links to the registrar's own record: that link was followed.
    assert fresh_registry.hits["rdap.markmonitor.com/rdap/domain/you.tube"] == 1
    assert (registrar.name, registrar.email) == (
        "MarkMonitor, Inc.",
        "abusecomplaints@markmonitor.com",
    )
    assert "IANA ID 292" in registrar.responsible_for
    assert hotline.name == "NCMEC CyberTipline" and hotline.web_form
    assert route.language == "en" and route.country == "US"
    # Hosted abroad: the Korean regulator can have access to it blocked in Korea.
    assert route.block is not None and route.block.platform == "kcsc"
    assert route.as_json()["channel"] == "cdn"


def test_the_registrar_of_a_subdomain_is_the_registered_domains(
    router_for: RouterFactory, fresh_registry: Registry
) -> None:
    with router_for() as router:
        route = router.route("https://www.google.com/imgres?q=1")
    assert route.registration is not None
    assert route.registration.domain == "google.com"
    assert route.registration.registrar == "MarkMonitor Inc."
    assert route.registration.iana_id == "292"
    assert fresh_registry.hits["rdap.verisign.com/com/v1/domain/www.google.com"] == 0
    assert route.channel is not None and route.channel.role is Role.HOST
    assert route.network is not None and route.network.cidr == "74.125.0.0/16"


@pytest.mark.parametrize(
    ("url", "country", "language", "abuse", "abroad"),
    [
        ("http://200.57.141.161/a.jpg", "MX", "es", "operacion.redes@triara.com", True),
        ("http://210.107.73.73/a.jpg", "KR", "ko", "abuse@bora.net", False),
        ("http://62.239.237.1/a.jpg", "GB", "en", "zzdnsr@bt.com", True),
    ],
)
def test_hosts_at_home_and_abroad_get_their_language_and_blocking_only_abroad(
    router_for: RouterFactory,
    url: str,
    country: str,
    language: str,
    abuse: str,
    abroad: bool,
) -> None:
    with router_for() as router:
        route = router.route(url)
    assert route.complete and route.country == country
    host = route.channel
    assert host is not None and host.role is Role.HOST
    assert (host.email, host.language, route.language) == (abuse, language, language)
    assert (route.block is not None) is abroad
    assert route.registration is None  # an address has no registrar


def test_a_site_in_the_directory_is_written_to_at_its_own_desk(router_for: RouterFactory) -> None:
    with router_for() as router:
        route = router.route("https://portal.example/board/9")
    assert route.platform == "example-portal"
    assert [d.role for d in route.desks] == [Role.PLATFORM, Role.HOTLINE]
    assert route.channel is not None and route.channel.email == "abuse@portal.example"
    assert route.language == "ko"
    assert route.desks[1].name == "Internet Watch Foundation"  # hosted in GB


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/a.jpg",
        "http://[::1]/a.jpg",
        "http://[::ffff:192.168.0.1]/a.jpg",
        "https://inside.example/a.jpg",
        "https://mixed.example/a.jpg",
    ],
)
def test_private_addresses_are_never_looked_up(
    router_for: RouterFactory, fresh_registry: Registry, url: str
) -> None:
    with router_for() as router:
        route = router.route(url)
    assert route.private and route.channel is None and route.network is None
    assert route.failures[0].step == "address"
    assert not fresh_registry.hits  # nothing was sent anywhere


def test_the_registry_client_refuses_a_private_address(
    router_for: RouterFactory, fresh_registry: Registry
) -> None:
    with router_for() as router, pytest.raises(PrivateAddress, match="private"):
        router.registries.ip("192.168.1.1")
    assert not fresh_registry.hits


def test_a_url_without_a_host_is_a_clear_error(router_for: RouterFactory) -> None:
    with router_for() as router, pytest.raises(RoutingError, match="http"):
        router.route("ftp://files.example/a.jpg")


@pytest.mark.parametrize(
    ("path", "answer", "says"),
    [
        ("rdap.arin.net/registry/ip/104.16.1.1", (500, b"oops"), "HTTP 500"),
        ("rdap.arin.net/registry/ip/104.16.1.1", (200, b"<html>busy</html>"), "not JSON"),
        ("rdap.arin.net/registry/ip/104.16.1.1", (200, b"[1, 2]"), "not an RDAP object"),
        ("rdap.arin.net/registry/ip/104.16.1.1", (404, b"{}"), "404"),
        ("data.iana.org/rdap/ipv4.json", (200, b"{}"), "bootstrap"),
    ],
)
def test_a_failing_network_lookup_leaves_a_partial_route(
    router_for: RouterFactory,
    fresh_registry: Registry,
    path: str,
    answer: tuple[int, bytes],
    says: str,
) -> None:
    fresh_registry.overrides[path] = answer
    with router_for() as router:
        route = router.route("https://you.tube/v/clip.mp4")
    assert route.network is None and not route.complete
    assert [f.step for f in route.failures] == ["ip"] and says in route.failures[0].detail
    # The registrar was still found and is now the channel.
    assert route.channel is not None and route.channel.role is Role.REGISTRAR


def test_a_registry_that_does_not_answer_in_time_is_a_failure(
    router_for: RouterFactory, fresh_registry: Registry
) -> None:
    fresh_registry.slow.add("rdap.nic.tube/domain/you.tube")
    fresh_registry.stall = 1.5
    with router_for(timeout=0.3) as router:
        route = router.route("https://you.tube/v/clip.mp4")
    assert route.registration is None
    assert route.failures[0].step == "domain" and "no answer within" in route.failures[0].detail
    assert route.channel is not None and route.channel.role is Role.CDN


def test_unknown_domains_and_names_that_do_not_resolve_are_failures(
    router_for: RouterFactory, fresh_registry: Registry
) -> None:
    fresh_registry.overrides["rdap.nic.tube/domain/you.tube"] = (200, b"not json")
    with router_for() as router:
        unregistered = router.route("https://unregistered.com/a.jpg")
        unresolved = router.route("https://nowhere.example/a.jpg")
        bad_json = router.route("https://you.tube/a.jpg")
    assert unregistered.failures[0].step == "domain" and "404" in unregistered.failures[0].detail
    assert unregistered.channel is not None and unregistered.channel.email == "zzdnsr@bt.com"
    assert [f.step for f in unresolved.failures] == ["dns"] and not unresolved.desks
    assert bad_json.registration is None and "not RDAP JSON" in bad_json.failures[0].detail


def test_answers_are_reused_until_they_are_older_than_the_cache_age(
    router_for: RouterFactory, fresh_registry: Registry, clock: Clock
) -> None:
    path = "rdap.arin.net/registry/ip/104.16.1.1"
    with router_for(cache_days=7) as router:
        first = router.route("https://you.tube/a.jpg")
        clock.advance(days=6)
        second = router.route("https://you.tube/b.jpg")
        assert fresh_registry.hits[path] == 1
        assert second.network is not None and first.network is not None
        assert second.network.fetched_at == first.network.fetched_at  # the cached answer's date
        clock.advance(days=2)
        third = router.route("https://you.tube/c.jpg")
    assert fresh_registry.hits[path] == 2
    assert third.network is not None and third.network.fetched_at == clock.now
    assert fresh_registry.hits["data.iana.org/rdap/ipv4.json"] == 2  # bootstrap cached too


def test_requests_to_one_registry_server_are_spaced(
    router_for: RouterFactory, fresh_registry: Registry, waits: Waits
) -> None:
    # Every recorded registry is one server here (127.0.0.1), so every request after the
    # first waits for the interval; the clock stands still, so the whole interval.
    with router_for() as router:
        router.route("http://74.125.225.229/a.jpg")
        router.route("http://104.16.1.1/a.jpg")
    requests = sum(fresh_registry.hits.values())
    assert requests == 3  # the IPv4 bootstrap once, then two networks
    assert waits.waits == [1.0] * (requests - 1)


def test_the_pacer_waits_only_for_what_is_left_of_the_interval() -> None:
    now = [0.0]
    slept: list[float] = []
    pacer = Pacer(2.0, lambda: now[0], slept.append)
    pacer.wait("https://rdap.arin.net/registry/ip/1")
    now[0] = 0.5
    pacer.wait("https://rdap.arin.net/registry/ip/2")
    pacer.wait("https://rdap.db.ripe.net/ip/3")  # another server: no wait
    now[0] = 10.0
    pacer.wait("https://rdap.arin.net/registry/ip/4")
    assert slept == [1.5]
