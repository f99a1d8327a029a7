"""Fuzzing whole scans: generated folder trees and hostile sites never stop a scan or hide a hit.

Hypothesis builds folders mixing re-uploads of a registered photo with symlink loops, FIFOs,
sockets, dangling and escaping links, unreadable files, undecodable names and deep nesting, and
sites whose pages declare hostile charsets and carry junk markup. Every scan must end normally
and record exactly the re-uploads placed where the scan can see them.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from tests.conftest import photo
from tests.sources.sitekit import Route, Site, serve

from haechi.banks.service import register_files
from haechi.scan.intake import source_options
from haechi.scan.pipeline import Scanner
from haechi.settings import Settings
from haechi.sources import open_source
from haechi.store.database import Database

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_COPIES: dict[int, bytes] = {}


def copy_of_registered(n: int) -> bytes:
    """A re-upload of the registered photo; ``n`` picks one of a few sizes (cached: fuzz is hot)."""
    if n not in _COPIES:
        out = io.BytesIO()
        image = photo(10, (640, 480)).resize((320 - 8 * n, 240 - 6 * n), Image.Resampling.BILINEAR)
        image.save(out, "JPEG", quality=80)
        _COPIES[n] = out.getvalue()
    return _COPIES[n]


@pytest.fixture
def scanner(db: Database, settings: Settings, tmp_path: Path) -> Scanner:
    original = tmp_path / "registered.png"
    photo(10, (640, 480)).save(original)
    register_files(db, settings, "victims", [original], label="v")
    return Scanner(db, settings)


def shown(path: Path) -> str:
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


KINDS = (
    "copy", "junk", "empty", "fifo", "socket", "loop-up", "loop-self", "loop-pair", "dangling",
    "outside", "dir", "deep", "locked", "bad-name",
)  # fmt: skip
Step = tuple[str, int, int]


def build(root: Path, steps: list[Step]) -> set[str]:
    """Make the tree ``steps`` describe under ``root``; the locations of the copies it can see."""
    dirs, expected = [root], set()
    outside = root.parent / f"{root.name}-outside.jpg"
    outside.write_bytes(copy_of_registered(0))
    for index, (kind, where, n) in enumerate(steps):
        parent = dirs[where % len(dirs)]
        path = parent / f"{index}-{kind}.jpg"
        if kind == "copy":
            path.write_bytes(copy_of_registered(n % 6))
            expected.add(shown(path))
        elif kind == "junk":
            path.write_bytes(os.urandom(n * 13))
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "socket" and len(str(path)) < 100:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.bind(str(path))
        elif kind == "loop-up":
            path.symlink_to("..")
        elif kind == "loop-self":
            path.symlink_to(path.name)
        elif kind == "loop-pair":
            path.symlink_to(f"{index}-pair.jpg")
            (parent / f"{index}-pair.jpg").symlink_to(path.name)
        elif kind == "dangling":
            path.symlink_to(parent / "never-there.jpg")
        elif kind == "outside":
            path.symlink_to(outside)
        elif kind == "dir":
            path = parent / f"{index}-dir"
            path.mkdir()
            dirs.append(path)
        elif kind == "deep":
            deep = parent
            for level in range(n + 1):
                deep = deep / f"{index}-{level}"
                deep.mkdir()
            bottom = deep / "bottom.jpg"
            bottom.write_bytes(copy_of_registered((n + 1) % 6))
            expected.add(shown(bottom))
        elif kind == "locked":
            path.write_bytes(b"not a picture")
            path.chmod(0)
        elif kind == "bad-name":
            odd = parent / os.fsdecode(f"{index}-\xff\xfe-".encode("latin-1") + b"\xe9.jpg")
            odd.write_bytes(copy_of_registered(n % 6))
            expected.add(shown(odd))
    return expected


steps = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 9), st.integers(0, 40)),
    min_size=1,
    max_size=14,
)


@pytest.fixture
def fuzz_root() -> Iterator[Path]:
    """A short base folder (a socket's path must fit in 108 bytes), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="fz"))
    yield base
    shutil.rmtree(base)


@FUZZ
@given(tree=steps)
def test_fuzz_folder_trees(scanner: Scanner, fuzz_root: Path, tree: list[Step]) -> None:
    root = Path(tempfile.mkdtemp(dir=fuzz_root))
    expected = build(root, tree)
    report = scanner.scan_folder(root)
    assert {h.location for h in report.hits} == expected
    assert report.seen == report.hashed + report.skipped + report.failed


HOSTILE_CODECS = [
    "idna", "punycode", "undefined", "rot13", "base64", "hex", "zlib", "utf-7", "unicode_escape",
    "utf-16", "utf-32", "cp037", "euc-kr", "x-user-defined", "utf-8",
]  # fmt: skip
FRAGMENTS = [
    b"<!--", b"<![CDATA[", b"<script>", b"<style>", b"</", b"<img src=", b'srcset="', b"url(",
    b"&#xD800;", b"&#0;", b"\x00", b"<div>" * 3000, b"<a href='http://[::1'>", b"\xff\xfe",
    b"<base href='javascript:x'>", b"<svg><image href='/x.png'/>", b"<meta charset=idna>",
    b"<meta http-equiv='content-type' content='text/html; charset=punycode'>", b"\xef\xbb\xbf",
    b"<img src='/nowhere.jpg'>", b"<a href='/loop'>", b"<!DOCTYPE x [ <!ENTITY a 'b'> ]>",
]  # fmt: skip
junk_html = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.binary(max_size=48),
        st.text(max_size=48).map(lambda t: t.encode("utf-8", "surrogatepass")),
    ),
    max_size=30,
).map(b"".join)
charset = st.one_of(
    st.sampled_from(HOSTILE_CODECS),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789_-.:", max_size=40),
)


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


_RUN = count()


@FUZZ
@given(pages=st.lists(st.tuples(junk_html, charset), min_size=1, max_size=4), seed=charset)
def test_fuzz_hostile_sites(
    scanner: Scanner, site: Site, pages: list[tuple[bytes, str]], seed: str
) -> None:
    run = next(_RUN)
    base = f"/r{run}"
    site.image(f"{base}/copy.jpg", copy_of_registered(run % 6), content_type="image/jpeg")
    site.routes[f"{base}/good"] = Route(
        f'<meta charset="{seed}"><img src="{base}/copy.jpg">'.encode(),
        content_type=f"text/html; charset={seed}",
    )
    links = [f'<a href="{base}/good">good</a>']
    for n, (body, name) in enumerate(pages):
        site.routes[f"{base}/h{n}"] = Route(body, content_type=f"text/html; charset={name}")
        links.append(f'<a href="{base}/h{n}">h</a>')
    site.routes[f"{base}/"] = Route(
        f'<meta charset="{seed}">{"".join(links)}'.encode() + (pages[0][0] if pages else b""),
        content_type=f"text/html; charset={seed}",
    )
    options = source_options(scanner.settings, ["127.0.0.1"], max_depth=1, max_pages=20)
    target = site.url(f"{base}/")
    report = scanner.scan_source(open_source(target, None, options), target)
    assert site.url(f"{base}/copy.jpg") in {h.location for h in report.hits}
    assert report.seen == report.hashed + report.skipped + report.failed
