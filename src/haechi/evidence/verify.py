"""Check a bundle offline, trusting nothing in it but mathematics, and name what fails.

Whoever receives a bundle (police, a court's expert, the platform) runs :func:`verify_bundle`
on it: no network, no haechi database. Each check is *verified*, *failed* or *not checked*
(with the reason), and the report passes only when every required check is verified and none
failed. What is checked:

- the ZIP and the WACZ ``datapackage.json``: every file's SHA-256 and size, the digest file;
- each capture's WARC slice: its SHA-256 against the manifest and the log, every WARC record's
  block and payload digest (with ``warcio``), the screenshot record against the manifest;
- the log entries: each entry's own hash, the prev-hash links between consecutive entries, and
  that the file holds exactly the entries the logged export committed to, in order;
- an RFC 9162 inclusion proof of every entry against the checkpoint's root;
- the checkpoint's Ed25519 signature with the bundled public key, and that the bundled key is
  one of the organisation's published keys that the caller gives (without them that check is
  *not checked* and the bundle does not pass: anyone can sign a consistent forgery with a key
  of their own);
- the RFC 3161 token, when there is one: over the checkpoint's signature and signed by the
  certificate inside it.

Destroyed captures are reported as such: their ``destroyed`` entry is proven like any other
and their content checks are *not checked* (there is nothing left to check), which does not
fail the bundle.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
from warcio.exceptions import ArchiveLoadFailed  # type: ignore[import-untyped]

from haechi.evidence import bundle as layout
from haechi.evidence import merkle
from haechi.evidence.errors import SigningKeyError
from haechi.evidence.log import EntryKind, LogEntry, chain_problem, proof_from_json
from haechi.evidence.signing import Checkpoint, key_id, load_public_key
from haechi.evidence.timestamp import verify_token


class CheckStatus(StrEnum):
    """The three outcomes of one check."""

    VERIFIED = "verified"
    FAILED = "failed"
    NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class Check:
    """One named check, its outcome and what it found; ``required`` checks decide the verdict."""

    name: str
    status: CheckStatus
    detail: str
    required: bool = True


@dataclass(frozen=True)
class VerificationReport:
    """Every check made on a bundle, and the captures it holds (``live`` or ``destroyed``)."""

    path: Path
    checks: tuple[Check, ...]
    captures: dict[str, str] = field(default_factory=dict)
    key_id: str | None = None

    @property
    def passed(self) -> bool:
        """Whether everything holds: no check failed and every required check is verified."""
        return all(
            c.status is not CheckStatus.FAILED
            and (c.status is CheckStatus.VERIFIED or not c.required)
            for c in self.checks
        )

    @property
    def failures(self) -> list[Check]:
        """The checks that failed."""
        return [c for c in self.checks if c.status is CheckStatus.FAILED]

    def check(self, name: str) -> Check:
        """The check called ``name`` (``KeyError`` if there is none)."""
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(name)


class _Checks:
    def __init__(self) -> None:
        self.items: list[Check] = []

    def add(self, name: str, ok: bool | None, detail: str, required: bool = True) -> bool:
        status = (
            CheckStatus.NOT_CHECKED
            if ok is None
            else (CheckStatus.VERIFIED if ok else CheckStatus.FAILED)
        )
        self.items.append(Check(name, status, detail, required))
        return bool(ok)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _warc_digests(data: bytes) -> tuple[bool, str, list[dict[str, Any]]]:
    """Check every record's digests; also return the records' headers and payload hashes."""
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    try:
        iterator = ArchiveIterator(io.BytesIO(data), check_digests=True)
        for record in iterator:
            payload = record.content_stream().read()
            offset = iterator.get_record_offset()
            passed = record.digest_checker.passed
            kind = record.rec_type
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if passed is False:
                problems.append(f"{kind} {uri} at byte {offset}: digest mismatch")
            elif passed is None and kind != "warcinfo":
                problems.append(f"{kind} {uri} at byte {offset}: no digest to check")
            records.append({"type": kind, "uri": uri, "payload_sha256": _sha(payload)})
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        return False, f"the WARC cannot be read: {exc}", records
    if problems:
        return False, "; ".join(problems), records
    return True, f"{len(records)} records, all digests match", records


def _read_zip(path: Path, checks: _Checks) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            files = {info.filename: archive.read(info) for info in archive.infolist()}
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        checks.add("bundle:zip", False, f"not a readable ZIP: {exc}")
        return None
    except Exception as exc:  # zlib/CRC errors surface under several types
        checks.add("bundle:zip", False, f"the ZIP is damaged: {type(exc).__name__}: {exc}")
        return None
    needed = [
        "datapackage.json",
        layout.BUNDLE_PATH,
        layout.MANIFESTS_PATH,
        layout.ENTRIES_PATH,
        layout.PROOFS_PATH,
        layout.CHECKPOINT_PATH,
        layout.PUBLIC_KEY_PATH,
        layout.WARC_PATH,
    ]
    missing = [n for n in needed if n not in files]
    if missing:
        checks.add("bundle:zip", False, f"files missing: {', '.join(missing)}")
        return None
    checks.add("bundle:zip", True, f"{len(files)} files, CRCs good")
    return files


def _check_datapackage(files: dict[str, bytes], checks: _Checks) -> None:
    package_bytes = files["datapackage.json"]
    digest = files.get("datapackage-digest.json")
    if digest is None:
        checks.add("wacz:datapackage-digest", False, "datapackage-digest.json is missing")
    else:
        try:
            claimed = json.loads(digest)["hash"]
        except (ValueError, KeyError, TypeError):
            claimed = None
        actual = "sha256:" + _sha(package_bytes)
        checks.add(
            "wacz:datapackage-digest",
            claimed == actual,
            "datapackage.json matches its digest"
            if claimed == actual
            else f"datapackage.json hashes to {actual}, the digest file says {claimed}",
        )
    try:
        package = json.loads(package_bytes)
        resources = {r["path"]: r for r in package["resources"]}
    except (ValueError, KeyError, TypeError) as exc:
        checks.add("wacz:datapackage", False, f"datapackage.json is unreadable: {exc}")
        return
    for name in sorted(files):
        if name in ("datapackage.json", "datapackage-digest.json"):
            continue
        resource = resources.get(name)
        if resource is None:
            checks.add(f"wacz:file:{name}", False, "in the ZIP but not in datapackage.json")
            continue
        actual = "sha256:" + _sha(files[name])
        ok = resource.get("hash") == actual and resource.get("bytes") == len(files[name])
        checks.add(
            f"wacz:file:{name}",
            ok,
            "SHA-256 and size match"
            if ok
            else f"hashes to {actual} ({len(files[name])} bytes); datapackage says "
            f"{resource.get('hash')} ({resource.get('bytes')} bytes)",
        )
    for name in sorted(set(resources) - set(files)):
        checks.add(f"wacz:file:{name}", False, "listed in datapackage.json but not in the ZIP")


def _check_index(files: dict[str, bytes], checks: _Checks) -> None:
    """The CDXJ index must be the one the WARC gives: replay must not be pointed elsewhere."""
    try:
        expected = layout.cdxj_lines(files[layout.WARC_PATH])
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        checks.add("wacz:index", False, f"the WARC cannot be indexed: {exc}")
        return
    present = files.get(layout.INDEX_PATH, b"").decode("utf-8", "replace").splitlines()
    same = present == expected
    checks.add(
        "wacz:index",
        same,
        f"{len(expected)} index lines, as recomputed from the WARC"
        if same
        else "indexes/index.cdx is not the index of archive/data.warc.gz",
    )


def _check_pages(files: dict[str, bytes], bundle: dict[str, Any], checks: _Checks) -> None:
    """pages.jsonl must list exactly the live captures, as their manifests describe them."""
    manifests = [m for m in files[layout.MANIFESTS_PATH].split(b"\n") if m]
    pages = []
    for index, item in enumerate(bundle.get("captures", [])):
        if item.get("status") == "live" and index < len(manifests):
            pages.append(layout.page_of(json.loads(manifests[index])))
    same = files.get(layout.PAGES_PATH) == layout.pages_jsonl(pages)
    checks.add(
        "wacz:pages",
        same,
        f"{len(pages)} pages, as the manifests describe them"
        if same
        else "pages/pages.jsonl does not list the live captures as their manifests do",
    )


def _parse_entries(data: bytes, checks: _Checks) -> list[LogEntry]:
    entries: list[LogEntry] = []
    bad: list[str] = []
    for number, line in enumerate(data.split(b"\n")):
        if not line:
            continue
        try:
            entry = LogEntry.parse(line)
        except (ValueError, KeyError, TypeError) as exc:
            bad.append(f"line {number + 1} is not a log entry ({exc})")
            continue
        if entry.computed_hash() != entry.hash:
            bad.append(f"entry {entry.seq} was altered (its fields do not hash to its hash)")
        entries.append(entry)
    checks.add(
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
    checks.add(
        "log:chain",
        not links and not order,
        "; ".join(links + order)
        if links or order
        else "entries in order; every consecutive pair is linked by prev-hash",
    )
    return entries


def _check_commitment(entries: list[LogEntry], bundle: dict[str, Any], checks: _Checks) -> None:
    export_id = bundle.get("export_id")
    last = entries[-1] if entries else None
    if last is None or last.kind is not EntryKind.EXPORTED or last.subject != export_id:
        checks.add(
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
        checks.add(
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
    checks.add("log:complete", False, "; ".join(detail))


def _check_proofs(
    entries: list[LogEntry], proofs: dict[str, Any], checkpoint: Checkpoint, checks: _Checks
) -> None:
    if (
        proofs.get("tree_size") != checkpoint.tree_size
        or proofs.get("root_hash") != checkpoint.root_hash
    ):
        checks.add("log:inclusion", False, "proofs.json is for another tree than the checkpoint")
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
    checks.add(
        "log:inclusion",
        not failed,
        "; ".join(failed)
        if failed
        else f"{len(entries)} entries proven in the signed tree of {checkpoint.tree_size}",
    )


def _check_signature(
    files: dict[str, bytes], checks: _Checks, trusted: Iterable[str]
) -> tuple[Checkpoint | None, str | None]:
    try:
        checkpoint = Checkpoint.from_json(json.loads(files[layout.CHECKPOINT_PATH]))
        public = load_public_key(files[layout.PUBLIC_KEY_PATH])
    except (ValueError, SigningKeyError) as exc:
        checks.add("checkpoint:signature", False, f"checkpoint or key unreadable: {exc}")
        return None, None
    fingerprint = key_id(public)
    ok = checkpoint.verify(public)
    checks.add(
        "checkpoint:signature",
        ok,
        f"Ed25519 signature by key {fingerprint} over tree size {checkpoint.tree_size}"
        if ok
        else f"the signature is not key {fingerprint}'s over these checkpoint fields",
    )
    trusted_ids = {t.lower() for t in trusted}
    if trusted_ids:
        checks.add(
            "checkpoint:trusted-key",
            fingerprint in trusted_ids,
            "the bundled key is a published key of the organisation"
            if fingerprint in trusted_ids
            else f"key {fingerprint} is not among the keys given as trusted",
        )
    else:
        # Without a key from outside the bundle, a forger could have re-signed everything
        # with a key of their own: the bundle is consistent, but whose it is stays open.
        checks.add(
            "checkpoint:trusted-key",
            None,
            f"no published key given: compare key id {fingerprint} with the organisation's",
        )
    if checkpoint.timestamp_token:
        token = base64.b64decode(checkpoint.timestamp_token)
        result = verify_token(token, hashlib.sha256(checkpoint.signature_bytes()).digest())
        checks.add("checkpoint:timestamp", result.valid, result.detail)
    else:
        checks.add(
            "checkpoint:timestamp", None, "no RFC 3161 token in this checkpoint", required=False
        )
    return checkpoint, fingerprint


def _check_captures(
    files: dict[str, bytes], bundle: dict[str, Any], entries: list[LogEntry], checks: _Checks
) -> dict[str, str]:
    warc = files[layout.WARC_PATH]
    manifests = [m for m in files[layout.MANIFESTS_PATH].split(b"\n") if m]
    by_subject: dict[str, list[LogEntry]] = {}
    for entry in entries:
        by_subject.setdefault(entry.subject, []).append(entry)
    statuses: dict[str, str] = {}
    for index, item in enumerate(bundle.get("captures", [])):
        cid = str(item["id"])
        statuses[cid] = str(item.get("status"))
        name = f"capture:{cid}"
        logged = by_subject.get(cid, [])
        captured = next((e for e in logged if e.kind is EntryKind.CAPTURED), None)
        if captured is None:
            checks.add(f"{name}:manifest", False, "no captured entry for it in the log entries")
            continue
        manifest_bytes = manifests[index] if index < len(manifests) else b""
        manifest_ok = _sha(manifest_bytes) == captured.artifacts[0] == item["manifest_sha256"]
        checks.add(
            f"{name}:manifest",
            manifest_ok,
            "manifest matches the SHA-256 in the captured entry"
            if manifest_ok
            else f"manifest hashes to {_sha(manifest_bytes)}, the log says {captured.artifacts[0]}",
        )
        destroyed = next((e for e in logged if e.kind is EntryKind.DESTROYED), None)
        if item.get("status") == "destroyed":
            checks.add(
                f"{name}:destroyed",
                destroyed is not None,
                f"destroyed at {destroyed.time} (entry {destroyed.seq}): content not in the bundle"
                if destroyed
                else "bundle.json says destroyed but no destroyed entry is in the log",
            )
            checks.add(f"{name}:warc", None, "destroyed: no content to check", required=False)
            continue
        if destroyed is not None:
            checks.add(f"{name}:destroyed", False, "the log says destroyed but content is here")
        start, length = int(item["warc_offset"]), int(item["warc_length"])
        segment = warc[start : start + length]
        logged_warc = captured.artifacts[1] if len(captured.artifacts) > 1 else None
        try:
            manifest = json.loads(manifest_bytes)
            manifest_warc = manifest["artifacts"]["warc"]
            manifest_shot = manifest["artifacts"].get("screenshot")
        except (ValueError, KeyError, TypeError):
            manifest_warc = manifest_shot = None
        actual = _sha(segment)
        warc_ok = actual == logged_warc == manifest_warc == item["warc_sha256"]
        checks.add(
            f"{name}:warc",
            warc_ok,
            f"WARC ({length} bytes) matches the SHA-256 in the log and manifest"
            if warc_ok
            else f"WARC bytes hash to {actual}, the log says {logged_warc}",
        )
        ok, detail, records = _warc_digests(segment)
        checks.add(f"{name}:warc-records", ok, detail)
        if manifest_shot:
            shots = [
                r["payload_sha256"]
                for r in records
                if r["type"] == "resource" and str(r["uri"]).startswith("urn:fullPageScreenshot:")
            ]
            shot_ok = manifest_shot in shots and manifest_shot in captured.artifacts
            checks.add(
                f"{name}:screenshot",
                shot_ok,
                "screenshot matches the SHA-256 in the manifest and the log"
                if shot_ok
                else "the screenshot in the WARC is not the one the manifest names",
            )
        else:
            checks.add(f"{name}:screenshot", None, "no screenshot was taken", required=False)
    return statuses


def verify_bundle(path: Path, trusted_keys: Iterable[str] = ()) -> VerificationReport:
    """Check the bundle at ``path`` offline; ``trusted_keys`` are published key ids (hex).

    Never raises for what is wrong with the bundle: every problem is a failed check.
    """
    checks = _Checks()
    files = _read_zip(path, checks)
    if files is None:
        return VerificationReport(path, tuple(checks.items))
    _check_datapackage(files, checks)
    _check_index(files, checks)
    try:
        bundle = json.loads(files[layout.BUNDLE_PATH])
        proofs = json.loads(files[layout.PROOFS_PATH])
        if bundle.get("format") != layout.BUNDLE_FORMAT:
            raise ValueError(f"not a {layout.BUNDLE_FORMAT} bundle")
    except (ValueError, TypeError) as exc:
        checks.add("bundle:format", False, f"haechi/bundle.json or proofs.json unreadable: {exc}")
        return VerificationReport(path, tuple(checks.items))
    checks.add("bundle:format", True, f"{layout.BUNDLE_FORMAT}, export {bundle.get('export_id')}")
    checkpoint, fingerprint = _check_signature(files, checks, trusted_keys)
    entries = _parse_entries(files[layout.ENTRIES_PATH], checks)
    _check_commitment(entries, bundle, checks)
    if checkpoint is not None:
        _check_proofs(entries, proofs, checkpoint, checks)
    else:
        checks.add("log:inclusion", None, "no usable checkpoint to prove entries against")
    try:
        statuses = _check_captures(files, bundle, entries, checks)
        _check_pages(files, bundle, checks)
    except (KeyError, TypeError, ValueError) as exc:
        checks.add("bundle:captures", False, f"bundle.json lists captures badly: {exc}")
        statuses = {}
    return VerificationReport(path, tuple(checks.items), statuses, fingerprint)
