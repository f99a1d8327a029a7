"""The platform directory: files in and out, the starter list, and assigning URLs by domain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from haechi.notices import PlatformDirectory, PlatformKind, dump_platforms, parse_platforms
from haechi.notices.errors import PlatformError, PlatformFileError
from haechi.notices.platforms import Platform, starter_platforms, starter_text
from haechi.store.database import Database
from haechi.store.notices import PlatformStore

NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)


def test_starter_list_is_placeholders_on_example_domains() -> None:
    everything = starter_platforms()
    # Telegram is the one real entry (its public abuse address); the rest are placeholders.
    assert [p.name for p in everything if not p.placeholder] == ["telegram"]
    platforms = [p for p in everything if p.placeholder]
    assert len(platforms) >= 4
    assert "PLACEHOLDERS" in starter_text()
    for p in platforms:
        for contact in (p.email, p.web_form):
            if contact:
                host = contact.rsplit("@", 1)[-1].split("//")[-1].split("/")[0]
                assert host.endswith(".example"), contact
        assert all(d.endswith(".example") for d in p.domains)
    kinds = {p.kind for p in platforms}
    assert kinds == {PlatformKind.HOST, PlatformKind.REGULATOR}
    assert {p.language for p in platforms} >= {"ko", "en"}
    assert any(p.web_form and not p.email for p in platforms)  # a web-form-only site
    assert PlatformDirectory(platforms).regulator("KR") is not None


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_files_round_trip(fmt: str) -> None:
    platforms = starter_platforms()
    assert parse_platforms(dump_platforms(platforms, fmt), fmt) == platforms


def test_hosts_match_their_domain_and_subdomains_longest_first() -> None:
    directory = PlatformDirectory(
        [
            Platform("portal", "Portal", ("portal.example",), email="a@portal.example"),
            Platform("cafe", "Cafe", ("cafe.portal.example",), email="a@cafe.example"),
        ]
    )

    def owner(url: str) -> str | None:
        found = directory.for_url(url)
        return found.name if found else None

    assert owner("https://portal.example/x") == "portal"
    assert owner("https://WWW.Portal.Example./x") == "portal"
    assert owner("https://m.cafe.portal.example/p/1") == "cafe"
    assert owner("https://cafe.portal.example:8443/p/1") == "cafe"
    assert owner("https://notportal.example/x") is None
    assert owner("https://portal.example.evil.test/x") is None
    assert owner("/local/file.jpg") is None


def test_internationalised_domains_are_compared_as_punycode() -> None:
    [platform] = parse_platforms(
        'format = "haechi-platforms/v1"\n[[platform]]\nname = "kr"\ndomains = ["한국.example"]\n'
        'email = "x@xn--3e0b707e.example"\n'
    )
    assert platform.domains == ("xn--3e0b707e.example",)
    assert PlatformDirectory([platform]).for_url("http://www.한국.example/a") == platform


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('name = "Bad Name"\ndomains = ["a.example"]\nemail = "a@a.example"', "name must be"),
        ('name = "x"\ndomains = ["a.example"]', "email or a web_form"),
        ('name = "x"\ndomains = []\nemail = "a@a.example"', "at least one domain"),
        ('name = "x"\ndomains = ["a.example"]\nemail = "nobody"', "not an address"),
        ('name = "x"\ndomains = ["a.example"]\nweb_form = "ftp://x"', "http"),
        ('name = "x"\ndomains = ["a.example"]\nemail = "a@a.example"\nlanguage = "Korean"', "code"),
        ('name = "x"\ndomains = ["a.example"]\nemail = "a@a.example"\nkind = "isp"', "kind"),
        (
            'name = "x"\ndomains = ["a.example"]\nemail = "a@a.example"\ndeadline_hours = 0',
            "deadline",
        ),
    ],
)
def test_bad_entries_are_named(entry: str, message: str) -> None:
    text = f'format = "haechi-platforms/v1"\n[[platform]]\n{entry}\n'
    with pytest.raises(PlatformFileError, match=message):
        parse_platforms(text)


def test_a_domain_belongs_to_one_platform() -> None:
    text = (
        'format = "haechi-platforms/v1"\n'
        '[[platform]]\nname = "a"\ndomains = ["x.example"]\nemail = "a@x.example"\n'
        '[[platform]]\nname = "b"\ndomains = ["X.example"]\nemail = "b@x.example"\n'
    )
    with pytest.raises(PlatformFileError, match=r"x\.example is claimed by both a and b"):
        parse_platforms(text)
    with pytest.raises(PlatformFileError, match="not a TOML"):
        parse_platforms("[[platform")
    with pytest.raises(PlatformFileError, match="unknown format"):
        parse_platforms('format = "other/v9"')


def test_store_updates_by_name_and_moves_domains_within_one_import(db: Database) -> None:
    a = Platform("a", "A", ("one.example", "two.example"), email="a@one.example")
    b = Platform("b", "B", ("three.example",), email="b@three.example")
    with db.session() as session:
        assert PlatformStore(session).save([a, b], NOW) == (2, 0)
    moved_a = Platform("a", "A", ("one.example",), email="a@one.example", deadline_hours=12)
    moved_b = Platform("b", "B", ("three.example", "two.example"), email="b@three.example")
    with db.session() as session:
        store = PlatformStore(session)
        assert store.save([moved_a, moved_b], NOW) == (0, 2)
        assert store.get("a") == moved_a
        assert store.directory().for_host("www.two.example") == moved_b
    thief = Platform("c", "C", ("one.example",), email="c@c.example")
    with db.session() as session, pytest.raises(PlatformError, match="already belongs to a"):
        PlatformStore(session).save([thief], NOW)
    with db.session() as session, pytest.raises(PlatformError, match="no platform named"):
        PlatformStore(session).get("zzz")
