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

Nothing in the bundle counts unless a signature covers it (see :mod:`haechi.evidence.members`
and :mod:`haechi.evidence.verify_warc`): duplicate, unsafe, unexpected or oversized ZIP members,
WARC bytes outside the sealed captures, and index or page entries that point anywhere else each
fail a check that names the problem (:attr:`Check.problem`, listed by
:attr:`VerificationReport.problems`). Members are streamed under caps, never read whole.

Destroyed captures are reported as such: their ``destroyed`` entry is proven like any other
and their content checks are *not checked* (there is nothing left to check), which does not
fail the bundle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from haechi.evidence import bundle as layout
from haechi.evidence.log import EntryKind, LogEntry
from haechi.evidence.members import Members, VerifyLimits, ZipUnreadable, read_members
from haechi.evidence.verify_log import (
    check_commitment,
    check_proofs,
    check_signature,
    json_object,
    parse_entries,
)
from haechi.evidence.verify_warc import (
    SealedPart,
    check_coverage,
    check_index,
    check_pages,
    part_sha256,
    record_digests,
)
from haechi.evidence.wacz_auth import check_signed_data


class CheckStatus(StrEnum):
    """The three outcomes of one check."""

    VERIFIED = "verified"
    FAILED = "failed"
    NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class Check:
    """One named check, its outcome and what it found; ``required`` checks decide the verdict.

    ``problem`` names the class of forgery a failed check caught (``duplicate-member``,
    ``unsealed-warc-bytes``, …), so tools can act on it without parsing ``detail``.
    """

    name: str
    status: CheckStatus
    detail: str
    required: bool = True
    problem: str | None = None


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

    @property
    def problems(self) -> list[str]:
        """The named problems of the failed checks, each once, in the order found."""
        return list(dict.fromkeys(c.problem for c in self.failures if c.problem))

    def check(self, name: str) -> Check:
        """The check called ``name`` (``KeyError`` if there is none)."""
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(name)


class _Checks:
    def __init__(self) -> None:
        self.items: list[Check] = []

    def add(
        self,
        name: str,
        ok: bool | None,
        detail: str,
        required: bool = True,
        problem: str | None = None,
    ) -> bool:
        status = (
            CheckStatus.NOT_CHECKED
            if ok is None
            else (CheckStatus.VERIFIED if ok else CheckStatus.FAILED)
        )
        named = problem if status is CheckStatus.FAILED else None
        self.items.append(Check(name, status, detail, required, named))
        return bool(ok)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_members(path: Path, limits: VerifyLimits | None, checks: _Checks) -> Members | None:
    try:
        members = read_members(path, limits)
    except ZipUnreadable as exc:
        checks.add("bundle:zip", False, f"not a readable ZIP: {exc}")
        return None
    for problem in members.problems:
        checks.add(
            f"zip:{problem.problem}:{problem.member}",
            False,
            problem.detail,
            problem=problem.problem,
        )
    missing = sorted(layout.REQUIRED_MEMBERS - set(members.digests))
    if missing:
        checks.add("bundle:zip", False, f"members missing or unreadable: {', '.join(missing)}")
        members.close()
        return None
    checks.add(
        "bundle:zip",
        True,
        f"{len(members.digests)} members read within the caps, CRCs good",
    )
    return members


def _check_wacz_auth(digest: bytes, package_bytes: bytes, actual: str, checks: _Checks) -> None:
    """The wacz-auth signature, when the bundle carries one (older bundles do not)."""
    try:
        signed = json_object(digest, "datapackage-digest.json").get("signedData")
        created = json_object(package_bytes, "datapackage.json").get("created")
    except (ValueError, TypeError):
        return
    if signed is None:
        checks.add("wacz:auth", None, "no wacz-auth signature", required=False)
        return
    ok, detail = check_signed_data(signed, actual, created)
    checks.add("wacz:auth", ok, detail, problem="bad-wacz-auth")


def _check_datapackage(members: Members, checks: _Checks) -> None:
    package_bytes = members.files[layout.DATAPACKAGE_PATH]
    digest = members.files.get(layout.DIGEST_PATH)
    if digest is None:
        checks.add("wacz:datapackage-digest", False, "datapackage-digest.json is missing")
    else:
        try:
            claimed = json_object(digest, "datapackage-digest.json")["hash"]
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
        _check_wacz_auth(digest, package_bytes, actual, checks)
    try:
        package = json_object(package_bytes, "datapackage.json")
        resources = {str(r["path"]): r for r in package["resources"] if isinstance(r, dict)}
    except (ValueError, KeyError, TypeError) as exc:
        checks.add("wacz:datapackage", False, f"datapackage.json is unreadable: {exc}")
        return
    for name in sorted(members.digests):
        if name in (layout.DATAPACKAGE_PATH, layout.DIGEST_PATH):
            continue
        resource = resources.get(name)
        if resource is None:
            checks.add(f"wacz:file:{name}", False, "in the ZIP but not in datapackage.json")
            continue
        sha, size = members.digests[name]
        actual = "sha256:" + sha
        ok = resource.get("hash") == actual and resource.get("bytes") == size
        checks.add(
            f"wacz:file:{name}",
            ok,
            "SHA-256 and size match"
            if ok
            else f"hashes to {actual} ({size} bytes); datapackage says "
            f"{resource.get('hash')} ({resource.get('bytes')} bytes)",
        )
    for name in sorted(set(resources) - set(members.digests)):
        checks.add(f"wacz:file:{name}", False, "listed in datapackage.json but not in the ZIP")


@dataclass
class _Sealed:
    """What the capture checks found sealed: the WARC parts and the pages they vouch for."""

    statuses: dict[str, str] = field(default_factory=dict)
    parts: list[SealedPart] = field(default_factory=list)
    pages: list[tuple[str, str, str]] = field(default_factory=list)  # every live capture's
    sealed_pages: list[tuple[str, str, str]] = field(default_factory=list)


def _check_captures(
    members: Members, bundle: dict[str, Any], entries: list[LogEntry], checks: _Checks
) -> _Sealed:
    manifests = [m for m in members.files[layout.MANIFESTS_PATH].split(b"\n") if m]
    by_subject: dict[str, list[LogEntry]] = {}
    for entry in entries:
        by_subject.setdefault(entry.subject, []).append(entry)
    found = _Sealed()
    for index, item in enumerate(bundle.get("captures", [])):
        cid = str(item["id"])
        found.statuses[cid] = str(item.get("status"))
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
        try:
            manifest = json_object(manifest_bytes, "the manifest")
            page = layout.page_of(manifest)
            manifest_warc = manifest["artifacts"]["warc"]
            manifest_shot = manifest["artifacts"].get("screenshot")
        except (ValueError, KeyError, TypeError, AttributeError):
            page = (cid, "", "")
            manifest_warc = manifest_shot = None
        found.pages.append(page)
        start, length = int(item["warc_offset"]), int(item["warc_length"])
        if start < 0 or length < 0:
            checks.add(f"{name}:warc", False, f"bundle.json places it at {start}+{length}")
            continue
        logged_warc = captured.artifacts[1] if len(captured.artifacts) > 1 else None
        actual, size = part_sha256(members, start, length)
        warc_ok = actual == logged_warc == manifest_warc == item["warc_sha256"] and size == length
        checks.add(
            f"{name}:warc",
            warc_ok,
            f"WARC ({length} bytes) matches the SHA-256 in the log and manifest"
            if warc_ok
            else f"WARC bytes {start}+{length} ({size} there) hash to {actual}, "
            f"the log says {logged_warc}",
        )
        if not warc_ok:
            continue
        found.parts.append(SealedPart(cid, start, length))
        if manifest_ok:
            found.sealed_pages.append(page)
        ok, detail, records = record_digests(members, start, length)
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
    return found


_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)
"""What a well-formed-looking but wrongly shaped JSON member raises while being checked."""


def verify_bundle(
    path: Path, trusted_keys: Iterable[str] = (), limits: VerifyLimits | None = None
) -> VerificationReport:
    """Check the bundle at ``path`` offline; ``trusted_keys`` are published key ids (hex).

    Never raises for what is wrong with the bundle: every problem is a failed check.
    ``limits`` caps what is read (see :class:`~haechi.evidence.members.VerifyLimits`).
    """
    checks = _Checks()
    members = _read_members(path, limits, checks)
    if members is None:
        return VerificationReport(path, tuple(checks.items))
    with members:
        statuses, fingerprint = _check_contents(members, checks, trusted_keys)
    return VerificationReport(path, tuple(checks.items), statuses, fingerprint)


def _check_contents(
    members: Members, checks: _Checks, trusted_keys: Iterable[str]
) -> tuple[dict[str, str], str | None]:
    files = members.files
    _check_datapackage(members, checks)
    try:
        bundle = json_object(files[layout.BUNDLE_PATH], layout.BUNDLE_PATH)
        proofs = json_object(files[layout.PROOFS_PATH], layout.PROOFS_PATH)
        if bundle.get("format") != layout.BUNDLE_FORMAT:
            raise ValueError(f"not a {layout.BUNDLE_FORMAT} bundle")
    except ValueError as exc:
        checks.add("bundle:format", False, f"haechi/bundle.json or proofs.json unreadable: {exc}")
        return {}, None
    checks.add("bundle:format", True, f"{layout.BUNDLE_FORMAT}, export {bundle.get('export_id')}")
    try:
        checkpoint, fingerprint = check_signature(files, checks.add, trusted_keys)
    except _MALFORMED as exc:
        checks.add("checkpoint:signature", False, f"the checkpoint is malformed: {exc}")
        checkpoint, fingerprint = None, None
    entries = parse_entries(files[layout.ENTRIES_PATH], checks.add)
    try:
        check_commitment(entries, bundle, checks.add)
        if checkpoint is not None:
            check_proofs(entries, proofs, checkpoint, checks.add)
        else:
            checks.add("log:inclusion", None, "no usable checkpoint to prove entries against")
    except _MALFORMED as exc:
        checks.add("log:complete", False, f"the export commitment or proofs are malformed: {exc}")
    try:
        sealed = _check_captures(members, bundle, entries, checks)
    except _MALFORMED as exc:
        checks.add("bundle:captures", False, f"bundle.json lists captures badly: {exc}")
        sealed = _Sealed()
    check_coverage(members, sealed.parts, checks.add)
    check_index(members, sealed.parts, checks.add)
    check_pages(members, sealed.pages, sealed.sealed_pages, checks.add)
    return sealed.statuses, fingerprint
