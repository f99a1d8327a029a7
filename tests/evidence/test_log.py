"""The evidence log: hash chain, fsynced appends, torn last lines, damage, several writers."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from haechi.evidence import merkle
from haechi.evidence.errors import LogCorrupted
from haechi.evidence.log import GENESIS, EntryKind, EvidenceLog, LogEntry


def fill(path: Path, n: int) -> EvidenceLog:
    log = EvidenceLog.open(path)
    for i in range(n):
        log.append(EntryKind.CAPTURED, f"cap-{i}", ["ab" * 32], {"n": i})
    return log


def test_entries_are_chained_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    log = fill(path, 5)
    again = EvidenceLog.open(path)
    assert [e.hash for e in again.entries] == [e.hash for e in log.entries]
    assert again.entries[0].prev == GENESIS
    for previous, entry in zip(again.entries, again.entries[1:], strict=False):
        assert entry.prev == previous.hash
        assert entry.seq == previous.seq + 1
    line = json.loads(path.read_text().splitlines()[2])
    assert set(line) == {
        "v",
        "seq",
        "time",
        "kind",
        "subject",
        "artifacts",
        "details",
        "prev",
        "hash",
    }
    assert line["time"].endswith("Z")


def test_a_torn_last_line_is_cut_on_open(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    fill(path, 3)
    whole = path.read_bytes()
    with path.open("ab") as handle:
        handle.write(b'{"v":1,"seq":3,"time":"2026-')  # the crash came mid-write
    log = EvidenceLog.open(path)
    assert len(log) == 3
    assert log.opened.truncated_bytes > 0
    assert path.read_bytes() == whole
    assert log.append(EntryKind.VIEWED, "cap-0").seq == 3


def test_nul_bytes_of_an_unflushed_tail_are_cut(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    fill(path, 2)
    with path.open("ab") as handle:
        handle.write(b"\x00" * 100)
    assert len(EvidenceLog.open(path)) == 2


def test_a_complete_last_entry_without_its_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    fill(path, 3)
    path.write_bytes(path.read_bytes()[:-1])  # only the newline was lost
    log = EvidenceLog.open(path)
    assert len(log) == 3
    assert path.read_bytes().endswith(b"\n")


def test_damage_before_the_last_line_refuses_to_open(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    fill(path, 4)
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"n":1', b'"n":9')
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(LogCorrupted, match="entry 1 was altered"):
        EvidenceLog.open(path)


def test_a_removed_entry_breaks_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    fill(path, 4)
    lines = path.read_bytes().split(b"\n")
    del lines[1]
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(LogCorrupted, match="entry 2 stands where entry 1 should"):
        EvidenceLog.open(path)


def test_leaves_are_the_stored_lines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    log = fill(path, 3)
    lines = path.read_bytes().split(b"\n")[:-1]
    assert log.leaf_hashes() == [merkle.leaf_hash(line) for line in lines]
    assert LogEntry.parse(lines[0]).line == lines[0]


def _append_many(path: str, tag: str, count: int) -> None:
    log = EvidenceLog.open(Path(path))
    for i in range(count):
        log.append(EntryKind.VIEWED, f"{tag}-{i}")


def test_two_processes_append_without_breaking_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    EvidenceLog.open(path)
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_many, args=(str(path), tag, 40)) for tag in ("a", "b")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    log = EvidenceLog.open(path)
    assert len(log) == 80
    assert {e.subject.split("-")[0] for e in log.entries} == {"a", "b"}
