from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from haechi.banks.formats import export_entries, guess_format, parse_entries
from haechi.banks.model import BankEntry
from haechi.errors import ImportFormatError
from haechi.hashing.signals import Signal, SignalKind

PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
MD5 = "d35c785545392755e7e4164457657269"
SHA = "b5b0799616df52d475a3968dc7e54f1d0724c912244ffa6175bc786375dd7298"


def entry(entry_id: int = 1, case: str | None = "case-7") -> BankEntry:
    return BankEntry(
        entry_id,
        "bank",
        "라벨 label",
        case,
        datetime(2026, 11, 1, tzinfo=UTC),
        (
            Signal(SignalKind.PDQ, PDQ, 100),
            Signal(SignalKind.MD5, MD5),
            Signal(SignalKind.SHA256, SHA),
        ),
    )


def test_hma_file_is_one_signal_per_line() -> None:
    text = export_entries([entry()], "hma")
    assert text.splitlines() == [f"pdq {PDQ}", f"video_md5 {MD5}", f"video_sha256 {SHA}"]
    parsed = parse_entries(text + "\n# comment\n", "hma", label="partner")
    assert [e.signals[0].kind for e in parsed] == [
        SignalKind.PDQ,
        SignalKind.MD5,
        SignalKind.SHA256,
    ]
    assert all(e.label == "partner" for e in parsed)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_labelled_formats_round_trip(fmt: str) -> None:
    text = export_entries([entry(1), entry(2)], fmt)
    parsed = parse_entries(text, fmt)
    assert len(parsed) == 2
    assert parsed[0].label == "라벨 label"
    assert parsed[0].signals == entry().signals
    assert parsed[0].added_at == datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_case_refs_stay_home_unless_asked(fmt: str) -> None:
    assert "case-7" not in export_entries([entry()], fmt)
    with_refs = export_entries([entry()], fmt, with_case_refs=True)
    assert "case-7" in with_refs
    assert parse_entries(with_refs, fmt)[0].case_ref == "case-7"


def test_json_has_format_and_version() -> None:
    doc = json.loads(export_entries([entry()], "json"))
    assert doc["format"] == "haechi.bank" and doc["version"] == 1


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("pdq nothex\n", "hma", "line 1"),
        (f"pdq {PDQ}\ntmk abc\n", "hma", "line 2: unknown signal type"),
        ("{not json", "json", "not JSON"),
        ('{"format": "other"}', "json", "not a haechi bank file"),
        ('{"format": "haechi.bank", "version": 9}', "json", "version 9"),
        ("value\nabc\n", "csv", "lacks the column"),
        (f"kind,value,quality\npdq,{PDQ},300\n", "csv", "outside 0-100"),
    ],
)
def test_bad_files_name_the_problem(text: str, fmt: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        parse_entries(text, fmt)


def test_guess_format() -> None:
    assert guess_format("x.JSON") == "json"
    assert guess_format("x.csv") == "csv"
    assert guess_format("x.txt") == "hma"
