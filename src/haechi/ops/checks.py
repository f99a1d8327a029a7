"""Replaying an evidence log and checking its checkpoints, for verify, restore, drill, doctor.

The log is read line by line as a stranger would: every entry must hash to its hash and follow
the one before; every checkpoint must sign exactly the Merkle root of the first ``tree_size``
entries, with a key whose public half is at hand. Results are three-valued like the rest of
verification: held, failed, or not checked (and why).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from haechi.evidence import merkle
from haechi.evidence.errors import SigningKeyError
from haechi.evidence.log import LogEntry, chain_problem
from haechi.evidence.signing import Checkpoint, key_id, load_public_key


@dataclass(frozen=True)
class Check:
    """One check: ``ok`` is ``True`` (held), ``False`` (failed) or ``None`` (not checked)."""

    name: str
    ok: bool | None
    detail: str

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


def public_keys(pems: list[bytes]) -> dict[str, Any]:
    """Public keys by key id (unreadable ones are left out)."""
    keys: dict[str, Any] = {}
    for pem in pems:
        try:
            public = load_public_key(pem)
        except SigningKeyError:
            continue
        keys[key_id(public)] = public
    return keys


def replay_log(data: bytes) -> tuple[list[LogEntry], Check]:
    """Every entry of a log file, and whether the chain holds from the first to the last."""
    entries: list[LogEntry] = []
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        try:
            entry = LogEntry.parse(line)
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            return entries, Check("log:chain", False, f"line {number} is not a log entry ({exc})")
        problem = chain_problem(entry, entries[-1] if entries else None)
        if problem is not None:
            return entries, Check("log:chain", False, problem)
        entries.append(entry)
    return entries, Check(
        "log:chain", True, f"{len(entries)} entries, each hashing to its hash and chained"
    )


def check_checkpoints(
    entries: list[LogEntry], data: bytes, keys: dict[str, Any]
) -> tuple[list[Check], Checkpoint | None]:
    """Each checkpoint against the entries and the keys; returns the checks and the last one."""
    checks: list[Check] = []
    leaves = [merkle.leaf_hash(e.line) for e in entries]
    last: Checkpoint | None = None
    for number, line in enumerate(x for x in data.split(b"\n") if x.strip()):
        name = f"checkpoint:{number + 1}"
        try:
            checkpoint = Checkpoint.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            checks.append(Check(name, False, f"not a checkpoint ({exc})"))
            continue
        if checkpoint.tree_size > len(entries):
            checks.append(
                Check(
                    name, False, f"signs {checkpoint.tree_size} entries; the log has {len(entries)}"
                )
            )
            continue
        if merkle.root_hash(leaves[: checkpoint.tree_size]).hex() != checkpoint.root_hash:
            checks.append(
                Check(
                    name, False, f"its root is not that of the first {checkpoint.tree_size} entries"
                )
            )
            continue
        public = keys.get(checkpoint.key_id)
        if public is None:
            checks.append(Check(name, None, f"no public key {checkpoint.key_id} to check it with"))
        elif not checkpoint.verify(public):
            checks.append(Check(name, False, f"the signature is not key {checkpoint.key_id}'s"))
        else:
            checks.append(
                Check(
                    name,
                    True,
                    f"key {checkpoint.key_id} signs entries 0-{checkpoint.tree_size - 1}",
                )
            )
        last = checkpoint
    return checks, last
