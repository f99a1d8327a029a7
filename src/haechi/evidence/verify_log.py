"""The log-side checks of verification: entries, their chain, the commitment, the signature.

The entries a bundle carries must each hash to their hash, be linked by prev-hash, be exactly
the ones the logged export committed to, and be proven by RFC 9162 inclusion proofs against a
checkpoint signed by a key the caller trusts (see :mod:`haechi.evidence.verify`).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Iterable
from typing import Any

from haechi.evidence import bundle as layout
from haechi.evidence import merkle
from haechi.evidence.errors import SigningKeyError
from haechi.evidence.log import EntryKind, LogEntry, chain_problem, proof_from_json
from haechi.evidence.signing import Checkpoint, key_id, load_public_key
from haechi.evidence.timestamp import verify_token
from haechi.evidence.verify_warc import Add


def json_object(data: bytes, what: str) -> dict[str, Any]:
    """A JSON object, or ``ValueError`` (also for nesting deep enough to exhaust the stack)."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError(f"{what} is nested too deeply") from None
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a JSON object")
    return value


def parse_entries(data: bytes, add: Add) -> list[LogEntry]:
    entries: list[LogEntry] = []
    bad: list[str] = []
    for number, line in enumerate(data.split(b"\n")):
        if not line:
            continue
        try:
            entry = LogEntry.parse(line)
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            bad.append(f"line {number + 1} is not a log entry ({exc})")
            continue
        if entry.computed_hash() != entry.hash:
            bad.append(f"entry {entry.seq} was altered (its fields do not hash to its hash)")
        entries.append(entry)
    add(
        "log:entry-hashes",
        not bad and bool(entries),
        "; ".join(bad) if bad else f"{len(entries)} entries, each hashes to its hash",
    )
    links = [
        problem
        for previous, entry in itertools.pairwise(entries)
        if entry.seq == previous.seq + 1 and (problem := chain_problem(entry, previous))
    ]
    order = [
        f"entry {b.seq} follows entry {a.seq}"
        for a, b in itertools.pairwise(entries)
        if b.seq <= a.seq
    ]
    add(
        "log:chain",
        not links and not order,
        "; ".join(links + order)
        if links or order
        else "entries in order; every consecutive pair is linked by prev-hash",
    )
    return entries


def check_commitment(entries: list[LogEntry], bundle: dict[str, Any], add: Add) -> None:
    export_id = bundle.get("export_id")
    last = entries[-1] if entries else None
    if last is None or last.kind is not EntryKind.EXPORTED or last.subject != export_id:
        add(
            "log:complete",
            False,
            f"the last entry is not the export commitment for {export_id}: the bundle's log "
            "entries were cut or reordered",
        )
        return
    committed = [tuple(pair) for pair in last.details.get("entries", [])]
    present = [(e.seq, e.hash) for e in entries[:-1]]
    if committed == present:
        ids = [c["id"] for c in bundle.get("captures", [])]
        ok = list(last.details.get("captures", [])) == ids
        add(
            "log:complete",
            ok,
            f"exactly the {len(present)} entries the export committed to, in order"
            if ok
            else "the captures listed in bundle.json differ from those the export logged",
        )
        return
    missing = [seq for seq, _ in committed if (seq, _) not in present]
    extra = [seq for seq, _ in present if (seq, _) not in committed]
    detail = []
    if missing:
        detail.append(f"entries missing: {missing}")
    if extra:
        detail.append(f"entries not committed to: {extra}")
    if not detail:
        detail.append("entries are reordered")
    add("log:complete", False, "; ".join(detail))


def check_proofs(
    entries: list[LogEntry], proofs: dict[str, Any], checkpoint: Checkpoint, add: Add
) -> None:
    if (
        proofs.get("tree_size") != checkpoint.tree_size
        or proofs.get("root_hash") != checkpoint.root_hash
    ):
        add("log:inclusion", False, "proofs.json is for another tree than the checkpoint")
        return
    by_seq = {int(p["seq"]): p for p in proofs.get("proofs", [])}
    root = bytes.fromhex(checkpoint.root_hash)
    failed = []
    for entry in entries:
        proof = by_seq.get(entry.seq)
        if proof is None:
            failed.append(f"entry {entry.seq}: no proof")
            continue
        path = proof_from_json(proof["path"])
        if not merkle.verify_inclusion(
            merkle.leaf_hash(entry.line), entry.seq, checkpoint.tree_size, path, root
        ):
            failed.append(f"entry {entry.seq}: proof does not lead to the signed root")
    add(
        "log:inclusion",
        not failed,
        "; ".join(failed)
        if failed
        else f"{len(entries)} entries proven in the signed tree of {checkpoint.tree_size}",
    )


def check_signature(
    files: dict[str, bytes], add: Add, trusted: Iterable[str]
) -> tuple[Checkpoint | None, str | None]:
    try:
        checkpoint = Checkpoint.from_json(json_object(files[layout.CHECKPOINT_PATH], "checkpoint"))
        public = load_public_key(files[layout.PUBLIC_KEY_PATH])
    except (ValueError, SigningKeyError) as exc:
        add("checkpoint:signature", False, f"checkpoint or key unreadable: {exc}")
        return None, None
    fingerprint = key_id(public)
    ok = checkpoint.verify(public)
    add(
        "checkpoint:signature",
        ok,
        f"Ed25519 signature by key {fingerprint} over tree size {checkpoint.tree_size}"
        if ok
        else f"the signature is not key {fingerprint}'s over these checkpoint fields",
    )
    trusted_ids = {t.lower() for t in trusted}
    if trusted_ids:
        add(
            "checkpoint:trusted-key",
            fingerprint in trusted_ids,
            "the bundled key is a published key of the organisation"
            if fingerprint in trusted_ids
            else f"key {fingerprint} is not among the keys given as trusted",
        )
    else:
        # Without a key from outside the bundle, a forger could have re-signed everything
        # with a key of their own: the bundle is consistent, but whose it is stays open.
        add(
            "checkpoint:trusted-key",
            None,
            f"no published key given: compare key id {fingerprint} with the organisation's",
        )
    if checkpoint.timestamp_token:
        token = base64.b64decode(checkpoint.timestamp_token)
        result = verify_token(token, hashlib.sha256(checkpoint.signature_bytes()).digest())
        add("checkpoint:timestamp", result.valid, result.detail)
    else:
        add("checkpoint:timestamp", None, "no RFC 3161 token in this checkpoint", required=False)
    return checkpoint, fingerprint
