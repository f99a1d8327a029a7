"""The address rules: only public addresses, unless the allow-list names the host."""

from __future__ import annotations

import ipaddress

import pytest

from haechi.sources.errors import FetchRefused
from haechi.sources.safety import FetchPolicy, address_problem, check_address, check_url

NOT_PUBLIC = [
    "127.0.0.1",
    "127.9.9.9",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "100.64.0.1",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "fec0::1",
    "::ffff:10.0.0.1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "2002:a00:1::",  # 6to4 wrapping 10.0.0.1
    "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
    "2001:db8::1",  # documentation
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001::1"]


@pytest.mark.parametrize("ip", NOT_PUBLIC)
def test_non_public_addresses_are_refused(ip: str) -> None:
    assert address_problem(ipaddress.ip_address(ip)) is not None
    with pytest.raises(FetchRefused):
        check_address("example.org", ip, FetchPolicy())


@pytest.mark.parametrize("ip", PUBLIC)
def test_public_addresses_pass(ip: str) -> None:
    assert address_problem(ipaddress.ip_address(ip)) is None
    check_address("example.org", ip, FetchPolicy())


def test_allow_list_by_address_network_and_name() -> None:
    by_ip = FetchPolicy(allow=("127.0.0.1",))
    check_address("anything", "127.0.0.1", by_ip)
    with pytest.raises(FetchRefused):
        check_address("anything", "127.0.0.2", by_ip)
    with pytest.raises(FetchRefused):  # 127.0.0.1 allowed does not open the private ranges
        check_address("anything", "10.0.0.1", by_ip)
    check_address("x", "127.3.2.1", FetchPolicy(allow=("127.0.0.0/8",)))
    check_address("mirror.local", "192.168.1.5", FetchPolicy(allow=("Mirror.Local",)))


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/a.jpg",
        "file:///etc/passwd",
        "gopher://example.org/",
        "javascript:alert(1)",
        "http:///nohost",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0:8080/",
        "http://example.org:99999/",
    ],
)
def test_urls_refused_before_any_request(url: str) -> None:
    with pytest.raises(FetchRefused):
        check_url(url, FetchPolicy(allow=("127.0.0.1",)))


def test_urls_with_public_or_allowed_hosts_pass() -> None:
    check_url("https://example.org/a.jpg", FetchPolicy())
    check_url("http://127.0.0.1:8080/", FetchPolicy(allow=("127.0.0.1",)))
